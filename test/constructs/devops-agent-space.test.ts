import {
  agentSpaceTrustStatement,
  associationPlans,
  DEVOPS_AGENT_REGIONS,
  forwarderEnvironment,
  GitHubOwnerType,
  InvestigationPriority,
  investigationFilterPolicy,
  InvestigationTopics,
  operatorAppTrustStatement,
  planDevOpsAgentSpace,
  WEBHOOK_SECRET_PLACEHOLDER,
} from '../../src/constructs/devops-agent-space';
import { EnvironmentProfile } from '../../src/constructs/environment-profile';
import { PropsValidationError, ValidationContext } from '../../src/constructs/validation';

const context: ValidationContext = { construct: 'DevOpsAgentSpace', path: 'ops/Agent', isUnresolved: (x) => typeof x === 'string' && x.includes('${Token[') };
const facts = { constructPath: 'ops/Agent' };
const ENV = { partition: 'aws', region: 'us-east-1', accountId: '111122223333', urlSuffix: 'amazonaws.com' };
const GITHUB = { serviceId: 'github-svc-1', owner: 'my-org', repository: 'my-app', repositoryId: '123456789' };

function problems(run: () => unknown): string[] {
  try {
    run();
  } catch (e) {
    if (e instanceof PropsValidationError) return e.problems.map((p) => p.prop);
    throw e;
  }
  throw new Error('expected a PropsValidationError');
}

test('GIVEN only a name THEN the operator app, HIGH priority, the DEVELOPMENT profile\'s retention, and no GitHub or Slack', () => {
  expect(planDevOpsAgentSpace({ name: 'ops' }, facts, context)).toEqual({
    name: 'ops',
    description: 'The AWS DevOps Agent space of ops/Agent',
    locale: undefined,
    github: undefined,
    slack: undefined,
    operatorApp: true,
    priority: InvestigationPriority.HIGH,
    profile: EnvironmentProfile.DEVELOPMENT,
    retainOnDelete: false,
    logRetentionDays: 30,
    keyDeletionWindowDays: 7,
    monitorTags: [],
  });
});

test('GIVEN PRODUCTION and monitor tags THEN kept on deletion, a year of logs, tags in key order', () => {
  const plan = planDevOpsAgentSpace({ name: 'ops', profile: EnvironmentProfile.PRODUCTION }, { ...facts, monitorTags: { team: 'ops', platform: 'shop' } }, context);
  expect([plan.retainOnDelete, plan.logRetentionDays, plan.keyDeletionWindowDays]).toEqual([true, 365, 30]);
  expect(plan.monitorTags).toEqual([{ key: 'platform', value: 'shop' }, { key: 'team', value: 'ops' }]);
});

test.each(DEVOPS_AGENT_REGIONS)('the agent space may live in %s', (region) => {
  expect(planDevOpsAgentSpace({ name: 'ops' }, { ...facts, region }, context).name).toBe('ops');
});

test.each(['sa-east-1', 'eu-west-2', 'us-east-2', 'cn-north-1'])('an agent space in %s is refused with the regions it can use', (region) => {
  expect(() => planDevOpsAgentSpace({ name: 'ops' }, { ...facts, region }, context)).toThrow(/does not run in .*us-east-1, us-west-2, ap-southeast-2, ap-northeast-1, eu-central-1, eu-west-1/);
});

test('every bad value is reported at once', () => {
  expect(problems(() => planDevOpsAgentSpace({
    name: 'a\nb',
    locale: 'English',
    github: { ...GITHUB, owner: '-x', repositoryId: '12a' },
    slack: { serviceId: 'slack/1', workspaceId: 't1', workspaceName: 'w', channelId: 'general' },
  }, { ...facts, region: 'sa-east-1', monitorTags: { 'aws:x': 'y' } }, context)).sort()).toEqual([
    'github.owner', 'github.repositoryId', 'locale', 'monitor.tags.aws:x', 'name', 'region', 'slack.channelId', 'slack.serviceId', 'slack.workspaceId',
  ]);
});

test('the roles are assumable by AWS DevOps Agent for this account\'s agent spaces only; the operator app may tag its session', () => {
  const conditions = {
    StringEquals: { 'aws:SourceAccount': '111122223333' },
    ArnLike: { 'aws:SourceArn': 'arn:aws:aidevops:us-east-1:111122223333:agentspace/*' },
  };
  expect(agentSpaceTrustStatement(ENV)).toEqual({ Effect: 'Allow', Principal: { Service: 'aidevops.amazonaws.com' }, Action: 'sts:AssumeRole', Condition: conditions });
  expect(operatorAppTrustStatement(ENV)).toEqual({
    Effect: 'Allow', Principal: { Service: 'aidevops.amazonaws.com' }, Action: ['sts:AssumeRole', 'sts:TagSession'], Condition: conditions,
  });
});

test('associations: the account as the monitor (ServiceId aws), GitHub and Slack in CloudFormation\'s shape', () => {
  const plan = planDevOpsAgentSpace({
    name: 'ops',
    github: { ...GITHUB, ownerType: GitHubOwnerType.USER },
    slack: { serviceId: 'slack-svc-1', workspaceId: 'T0123ABCD', workspaceName: 'acme', channelId: 'C0123ABCD' },
  }, { ...facts, monitorTags: { platform: 'shop' } }, context);
  expect(associationPlans(plan, {
    accountId: '111122223333', agentRoleArn: 'arn:aws:iam::111122223333:role/agent', resources: [{ arn: 'arn:stack', type: 'AWS::CloudFormation::Stack' }],
  })).toEqual([
    {
      id: 'MonitorAssociation',
      serviceId: 'aws',
      configuration: {
        aws: {
          accountId: '111122223333',
          accountType: 'monitor',
          assumableRoleArn: 'arn:aws:iam::111122223333:role/agent',
          resources: [{ resourceArn: 'arn:stack', resourceType: 'AWS::CloudFormation::Stack' }],
          tags: [{ key: 'platform', value: 'shop' }],
        },
      },
    },
    { id: 'GitHubAssociation', serviceId: 'github-svc-1', configuration: { gitHub: { owner: 'my-org', ownerType: 'user', repoId: '123456789', repoName: 'my-app' } } },
    {
      id: 'SlackAssociation',
      serviceId: 'slack-svc-1',
      configuration: { slack: { workspaceId: 'T0123ABCD', workspaceName: 'acme', transmissionTarget: { incidentResponseTarget: { channelId: 'C0123ABCD' } } } },
    },
  ]);
});

test('the forwarder hears only the named alarms entering ALARM, and reads the webhook secret the operator fills in', () => {
  expect(investigationFilterPolicy(['a-CpuAlarm', 'a-MemoryAlarm'])).toEqual({ AlarmName: ['a-CpuAlarm', 'a-MemoryAlarm'], NewStateValue: ['ALARM'] });
  const plan = planDevOpsAgentSpace({ name: 'ops', investigationPriority: InvestigationPriority.CRITICAL }, facts, context);
  expect(forwarderEnvironment(plan, { secretArn: 'arn:secret', platformName: 'ops/Agent' }))
    .toEqual({ WEBHOOK_SECRET_ARN: 'arn:secret', INVESTIGATION_PRIORITY: 'CRITICAL', PLATFORM_NAME: 'ops/Agent' });
  expect(JSON.parse(WEBHOOK_SECRET_PLACEHOLDER)).toEqual({ webhookUrl: '', webhookSecret: '' });
});

test('investigation topics: one subscription per topic, its filter growing with each service, and SNS\'s 150-alarm limit', () => {
  const topics = new InvestigationTopics<string>();
  const five = (svc: string) => ['Cpu', 'Memory', 'Http5xx', 'UnhealthyHosts', 'ErrorLogs'].map((k) => `${svc}/${k}Alarm`);
  expect(topics.add('alerts', five('api'))).toEqual({ number: 1, isNew: true, filterPolicy: { AlarmName: five('api'), NewStateValue: ['ALARM'] } });
  expect(topics.add('alerts', five('web'))).toMatchObject({ number: 1, isNew: false, filterPolicy: { AlarmName: [...five('api'), ...five('web')] } });
  expect(topics.add('other', five('jobs'))).toMatchObject({ number: 2, isNew: true });
  for (let i = 0; i < 28; i++) topics.add('alerts', five(`svc${i}`));
  expect(topics.problemAdding('alerts', [])).toBeUndefined();
  expect(topics.problemAdding('alerts', five('one-more'))).toMatch(/within 150 alarms .* it would hold 155/);
  expect(topics.problemAdding('other', five('fine'))).toBeUndefined();
});
