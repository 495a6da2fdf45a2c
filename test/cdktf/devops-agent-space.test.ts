import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { Testing, TerraformStack } from 'cdktf';
import { DevOpsAgentSpace, FargateWebService, PlatformCluster, PlatformNetwork } from '../../src/cdktf';
import { InvestigationPriority } from '../../src/constructs/devops-agent-space';
import { awsccAttributeProblems } from '../helpers/awscc';
import { NGINX } from '../helpers/images';
import { TfJson, tfResources, tfStack, tfSynthFull } from '../helpers/terraform';
import { describeTfGates } from '../helpers/tf-gates';
import { tfPolicy, tfRefTo, tfResourceAt } from '../helpers/tf-platform';

const GITHUB = { serviceId: 'github-svc-1', owner: 'my-org', repository: 'my-app', repositoryId: '123456789' };
const SLACK = { serviceId: 'slack-svc-1', workspaceId: 'T0123ABCD', workspaceName: 'my-org', channelId: 'C0123ABCD', channelName: 'ops' };

function build(): { stack: TerraformStack; api: FargateWebService; web: FargateWebService } {
  const { stack } = tfStack('platform-dev');
  const network = new PlatformNetwork(stack, 'Network');
  const cluster = new PlatformCluster(stack, 'Cluster', { network });
  const api = new FargateWebService(stack, 'Api', { cluster, image: NGINX, containerPort: 80 });
  const web = new FargateWebService(stack, 'Web', { cluster, image: NGINX, containerPort: 80, loadBalancer: api.loadBalancer, routing: { pathPatterns: ['/web/*'], priority: 20 } });
  const agent = new DevOpsAgentSpace(stack, 'Agent', { name: 'platform-dev', github: GITHUB, slack: SLACK, monitor: { tags: { platform: 'demo' } } });
  agent.investigateAlarms(api);
  agent.investigateAlarms(web);
  agent.investigateAlarms(api);
  return { stack, api, web };
}

describeTfGates('DevOpsAgentSpace (CDKTF) gates', { 'agent space with investigations': () => build().stack });

let built: ReturnType<typeof build>;
let j: TfJson;
beforeAll(() => {
  built = build();
  j = tfSynthFull(built.stack);
});

test('the awscc provider is required, configured in the AWS provider\'s region, and the resources use it', () => {
  expect(j.terraform.required_providers.awscc).toEqual({ source: 'hashicorp/awscc', version: '>= 1.66.0, < 2.0.0' });
  expect(j.provider.awscc).toEqual([{ region: 'eu-west-1' }]);
  for (const type of ['awscc_devopsagent_agent_space', 'awscc_devopsagent_association']) {
    for (const [, r] of tfResources(j, type)) expect(r.provider).toBe('awscc');
  }
  expect(awsccAttributeProblems(j)).toEqual([]);
});

test('the agent\'s role is trusted by aidevops.amazonaws.com for this account\'s agent spaces only, with the AWS managed access policy', () => {
  const statement = tfPolicy(tfResourceAt(j, 'aws_iam_role', 'Agent/AgentRole'), 'assume_role_policy').Statement[0];
  expect(statement.Principal).toEqual({ Service: 'aidevops.amazonaws.com' });
  expect(statement.Action).toBe('sts:AssumeRole');
  expect(statement.Condition.ArnLike['aws:SourceArn']).toMatch(/^arn:\$\{data\.aws_partition\.[^}]+\}:aidevops:\$\{data\.aws_region\.[^}]+\}:\$\{data\.aws_caller_identity\.[^}]+\}:agentspace\/\*$/);
  expect(tfResourceAt(j, 'aws_iam_role_policy_attachment', 'Agent/AgentRoleManagedPolicy').policy_arn)
    .toMatch(/:iam::aws:policy\/AIDevOpsAgentAccessPolicy$/);
  const operator = tfPolicy(tfResourceAt(j, 'aws_iam_role', 'Agent/OperatorRole'), 'assume_role_policy').Statement[0];
  expect(operator.Action).toEqual(['sts:AssumeRole', 'sts:TagSession']);
  expect(tfResourceAt(j, 'aws_iam_role_policy_attachment', 'Agent/OperatorRoleManagedPolicy').policy_arn)
    .toMatch(/:iam::aws:policy\/AIDevOpsOperatorAppAccessPolicy$/);
});

test('the agent space and its associations: this account as the monitor (by tag), GitHub and Slack by service ID', () => {
  const space = tfResourceAt(j, 'awscc_devopsagent_agent_space', 'Agent/AgentSpace');
  expect(space).toMatchObject({
    name: 'platform-dev',
    operator_app: { iam: { operator_app_role_arn: tfRefTo(j, 'aws_iam_role', 'Agent/OperatorRole', 'arn') } },
  });
  const spaceId = tfRefTo(j, 'awscc_devopsagent_agent_space', 'Agent/AgentSpace', 'agent_space_id');
  const monitor = tfResourceAt(j, 'awscc_devopsagent_association', 'Agent/MonitorAssociation');
  expect(monitor).toMatchObject({
    agent_space_id: spaceId,
    service_id: 'aws',
    configuration: {
      aws: {
        account_type: 'monitor',
        assumable_role_arn: tfRefTo(j, 'aws_iam_role', 'Agent/AgentRole', 'arn'),
        tags: [{ key: 'platform', value: 'demo' }],
      },
    },
  });
  expect(monitor.depends_on).toEqual([expect.stringMatching(/^aws_iam_role_policy_attachment\./)]);
  expect(tfResourceAt(j, 'awscc_devopsagent_association', 'Agent/GitHubAssociation')).toMatchObject({
    service_id: 'github-svc-1', configuration: { git_hub: { owner: 'my-org', owner_type: 'organization', repo_id: '123456789', repo_name: 'my-app' } },
  });
  expect(tfResourceAt(j, 'awscc_devopsagent_association', 'Agent/SlackAssociation')).toMatchObject({
    service_id: 'slack-svc-1',
    configuration: { slack: { workspace_id: 'T0123ABCD', workspace_name: 'my-org', transmission_target: { incident_response_target: { channel_id: 'C0123ABCD', channel_name: 'ops' } } } },
  });
});

test('investigateAlarms: one subscription on the alarm topic, filtered to both services\' alarms entering ALARM', () => {
  const subscriptions = tfResources(j, 'aws_sns_topic_subscription').filter(([, s]) => s.protocol === 'lambda');
  expect(subscriptions).toHaveLength(1);
  const [, subscription] = subscriptions[0];
  expect(subscription.topic_arn).toBe(tfRefTo(j, 'aws_sns_topic', 'Cluster/AlertsTopic', 'arn'));
  expect(subscription.endpoint).toBe(tfRefTo(j, 'aws_lambda_function', 'Agent/Forwarder', 'arn'));
  expect(subscription.filter_policy_scope).toBe('MessageBody');
  expect(JSON.parse(subscription.filter_policy)).toEqual({ AlarmName: [...built.api.alarmNames, ...built.web.alarmNames], NewStateValue: ['ALARM'] });
  const alarmNames = tfResources(j, 'aws_cloudwatch_metric_alarm').map(([, a]) => a.alarm_name);
  for (const name of JSON.parse(subscription.filter_policy).AlarmName) expect(alarmNames).toContain(name);
  expect(tfResources(j, 'aws_lambda_permission').map(([, p]) => [p.principal, p.source_arn]))
    .toEqual([['sns.amazonaws.com', tfRefTo(j, 'aws_sns_topic', 'Cluster/AlertsTopic', 'arn')]]);
});

test('the forwarder reads only its webhook secret, whose placeholder Terraform never writes back', () => {
  const fn = tfResourceAt(j, 'aws_lambda_function', 'Agent/Forwarder');
  expect(fn.environment.variables).toEqual({
    WEBHOOK_SECRET_ARN: tfRefTo(j, 'aws_secretsmanager_secret', 'Agent/WebhookSecret', 'arn'),
    INVESTIGATION_PRIORITY: 'HIGH',
    PLATFORM_NAME: 'platform-dev/Agent',
  });
  expect(fn.dead_letter_config.target_arn).toBe(tfRefTo(j, 'aws_sqs_queue', 'Agent/ForwarderDeadLetterQueue', 'arn'));
  expect(tfPolicy(tfResourceAt(j, 'aws_iam_role_policy', 'Agent/ForwarderRolePolicy')).Statement.map((s: any) => s.Action)).toEqual([
    ['logs:CreateLogStream', 'logs:PutLogEvents'], 'sqs:SendMessage', 'secretsmanager:GetSecretValue', ['kms:Decrypt', 'kms:GenerateDataKey'],
  ]);
  expect(tfResourceAt(j, 'aws_secretsmanager_secret_version', 'Agent/WebhookSecretPlaceholder')).toMatchObject({
    secret_string: '{"webhookUrl":"","webhookSecret":""}', lifecycle: { ignore_changes: ['secret_string'] },
  });
  expect(tfResourceAt(j, 'aws_secretsmanager_secret', 'Agent/WebhookSecret').kms_key_id).toBe(tfRefTo(j, 'aws_kms_key', 'Agent/ForwarderKey', 'arn'));
});

test('DevOpsAgentSpace (CDKTF): the monitor\'s tags default to the AWS provider\'s default_tags, and without tags it is a clear error', () => {
  const app = Testing.app();
  const tagged = new TerraformStack(app, 'tagged');
  new AwsProvider(tagged, 'aws', { region: 'us-east-1', defaultTags: [{ tags: { platform: 'demo', team: 'ops' } }] });
  new DevOpsAgentSpace(tagged, 'Agent', { name: 'demo' });
  const monitor = Object.values(JSON.parse(Testing.synth(tagged)).resource.awscc_devopsagent_association)[0] as any;
  expect(monitor.configuration.aws.tags).toEqual([{ key: 'platform', value: 'demo' }, { key: 'team', value: 'ops' }]);

  const { stack } = tfStack('untagged');
  expect(() => new DevOpsAgentSpace(stack, 'Agent', { name: 'demo' })).toThrow(/monitor\.tags.*Terraform stacks are invisible to AWS/s);
});

test('DevOpsAgentSpace (CDKTF): an unsupported region, bad IDs and missing service IDs are one clear error', () => {
  const app = Testing.app();
  const stack = new TerraformStack(app, 'sao');
  new AwsProvider(stack, 'aws', { region: 'sa-east-1' });
  let message = '';
  try {
    new DevOpsAgentSpace(stack, 'Agent', {
      name: 'x',
      monitor: { tags: { platform: 'x' } },
      github: { owner: 'my-org', repository: 'my-org/my-app', repositoryId: 'abc' } as any,
      slack: { serviceId: 'slack 1', workspaceId: 't01', workspaceName: 'w', channelId: 'C1' },
      investigationPriority: 'URGENT' as InvestigationPriority,
    });
  } catch (e) {
    message = (e as Error).message;
  }
  for (const part of ['does not run in sa-east-1', 'github.serviceId', 'github.repository', 'github.repositoryId', 'slack.serviceId', 'slack.workspaceId', 'investigationPriority']) {
    expect(message).toContain(part);
  }
  expect(stack.node.tryFindChild('Agent')).toBeUndefined();
});
