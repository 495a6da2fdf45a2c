import { App, CfnResource, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { DevOpsAgentSpace, FargateWebService, PlatformCluster, PlatformNetwork } from '../../src/cdk';
import { GitHubOwnerType, InvestigationPriority } from '../../src/constructs/devops-agent-space';
import { cdkStack, formatFindings } from '../helpers/cdk';
import { cdkGatesAndTemplate } from '../helpers/cdk-gates';
import { evaluateCfn } from '../helpers/cfn-eval';
import { NGINX } from '../helpers/images';

const DEPLOYMENT = { region: 'us-east-1', accountId: '111122223333' };
const GITHUB = { serviceId: 'github-svc-1', owner: 'my-org', repository: 'my-app', repositoryId: '123456789' };
const SLACK = { serviceId: 'slack-svc-1', workspaceId: 'T0123ABCD', workspaceName: 'my-org', channelId: 'C0123ABCD', channelName: 'ops' };

function build() {
  const { app, stack } = cdkStack('platform-dev');
  const network = new PlatformNetwork(stack, 'Network');
  const cluster = new PlatformCluster(stack, 'Cluster', { network });
  const api = new FargateWebService(stack, 'Api', { cluster, image: NGINX, containerPort: 80 });
  const web = new FargateWebService(stack, 'Web', { cluster, image: NGINX, containerPort: 80, loadBalancer: api.loadBalancer, routing: { pathPatterns: ['/web/*'], priority: 20 } });
  const agent = new DevOpsAgentSpace(stack, 'Agent', { name: 'platform-dev', github: GITHUB, slack: SLACK });
  agent.investigateAlarms(api);
  agent.investigateAlarms(web);
  agent.investigateAlarms(api); // twice: no second subscription, no duplicate names
  return { app, stack, agent, api, web };
}

let built: ReturnType<typeof build>;
let template: Template;
let findings: string;
beforeAll(() => {
  built = build();
  const gated = cdkGatesAndTemplate(built.app, built.stack);
  template = gated.template;
  findings = formatFindings(gated.findings);
});
const idOf = (type: string, prefix: string) => Object.keys(template.findResources(type)).find((id) => id.startsWith(prefix))!;
const resolve = (value: unknown) => evaluateCfn(template.toJSON(), value, DEPLOYMENT);

test('DevOpsAgentSpace (CDK): zero unacknowledged cdk-nag and Control Tower findings', () => {
  expect(findings).toBe('');
});

test('the agent\'s role is trusted by aidevops.amazonaws.com for this account\'s agent spaces only, with the AWS managed access policy', () => {
  const role = template.findResources('AWS::IAM::Role')[idOf('AWS::IAM::Role', 'AgentAgentRole')].Properties;
  expect(resolve(role.AssumeRolePolicyDocument.Statement)).toEqual([{
    Effect: 'Allow',
    Principal: { Service: 'aidevops.amazonaws.com' },
    Action: 'sts:AssumeRole',
    Condition: {
      StringEquals: { 'aws:SourceAccount': '111122223333' },
      ArnLike: { 'aws:SourceArn': 'arn:aws:aidevops:us-east-1:111122223333:agentspace/*' },
    },
  }]);
  expect(resolve(role.ManagedPolicyArns)).toEqual(['arn:aws:iam::aws:policy/AIDevOpsAgentAccessPolicy']);
});

test('the operator app\'s role may also tag its session, and the agent space uses it (IAM authentication)', () => {
  const role = template.findResources('AWS::IAM::Role')[idOf('AWS::IAM::Role', 'AgentOperatorRole')].Properties;
  const statements = resolve(role.AssumeRolePolicyDocument.Statement) as any[];
  expect(statements.flatMap((s) => [s.Action].flat()).sort()).toEqual(['sts:AssumeRole', 'sts:TagSession']);
  for (const s of statements) expect(s.Condition.ArnLike['aws:SourceArn']).toBe('arn:aws:aidevops:us-east-1:111122223333:agentspace/*');
  expect(resolve(role.ManagedPolicyArns)).toEqual(['arn:aws:iam::aws:policy/AIDevOpsOperatorAppAccessPolicy']);
  template.hasResourceProperties('AWS::DevOpsAgent::AgentSpace', {
    Name: 'platform-dev',
    OperatorApp: { Iam: { OperatorAppRoleArn: { 'Fn::GetAtt': [idOf('AWS::IAM::Role', 'AgentOperatorRole'), 'Arn'] } } },
  });
});

test('this account is the monitor, scoped to the stack; GitHub and Slack are associated by their service IDs', () => {
  const associations = Object.values(template.findResources('AWS::DevOpsAgent::Association')).map((r: any) => resolve(r.Properties));
  const space = `<${idOf('AWS::DevOpsAgent::AgentSpace', 'AgentAgentSpace')}.AgentSpaceId>`;
  expect(associations).toEqual([
    {
      AgentSpaceId: space,
      ServiceId: 'aws',
      Configuration: {
        Aws: {
          AccountId: '111122223333',
          AccountType: 'monitor',
          AssumableRoleArn: `<${idOf('AWS::IAM::Role', 'AgentAgentRole')}.Arn>`,
          Resources: [{ ResourceArn: '<Ref AWS::StackId>', ResourceType: 'AWS::CloudFormation::Stack' }],
        },
      },
    },
    { AgentSpaceId: space, ServiceId: 'github-svc-1', Configuration: { GitHub: { Owner: 'my-org', OwnerType: 'organization', RepoId: '123456789', RepoName: 'my-app' } } },
    {
      AgentSpaceId: space,
      ServiceId: 'slack-svc-1',
      Configuration: {
        Slack: { WorkspaceId: 'T0123ABCD', WorkspaceName: 'my-org', TransmissionTarget: { IncidentResponseTarget: { ChannelId: 'C0123ABCD', ChannelName: 'ops' } } },
      },
    },
  ]);
});

test('investigateAlarms: one subscription on the alarm topic, filtered to both services\' alarms entering ALARM', () => {
  const subscriptions = Object.values(template.findResources('AWS::SNS::Subscription')).filter((r: any) => r.Properties.Protocol === 'lambda');
  expect(subscriptions).toHaveLength(1);
  const subscription = (subscriptions[0] as any).Properties;
  expect(subscription.TopicArn).toEqual({ Ref: idOf('AWS::SNS::Topic', 'ClusterAlertsTopic') });
  expect(subscription.Endpoint).toEqual({ 'Fn::GetAtt': [idOf('AWS::Lambda::Function', 'AgentForwarder'), 'Arn'] });
  expect(subscription.FilterPolicyScope).toBe('MessageBody');
  expect(subscription.FilterPolicy).toEqual({ AlarmName: [...built.api.alarmNames, ...built.web.alarmNames], NewStateValue: ['ALARM'] });
  expect(subscription.FilterPolicy.AlarmName).toHaveLength(10);
  // Every name in the filter is an alarm of the template that notifies that topic.
  const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a: any) => a.Properties);
  for (const name of subscription.FilterPolicy.AlarmName) {
    expect(alarms.find((a) => a.AlarmName === name)?.AlarmActions).toEqual([{ Ref: idOf('AWS::SNS::Topic', 'ClusterAlertsTopic') }]);
  }
  template.hasResourceProperties('AWS::Lambda::Permission', {
    Action: 'lambda:InvokeFunction', Principal: 'sns.amazonaws.com', SourceArn: { Ref: idOf('AWS::SNS::Topic', 'ClusterAlertsTopic') },
  });
});

test('the forwarder reads only its webhook secret, writes its logs and dead letters, and runs the bundled handler', () => {
  const fn = template.findResources('AWS::Lambda::Function')[idOf('AWS::Lambda::Function', 'AgentForwarder')].Properties;
  expect(fn.Environment.Variables).toEqual({
    WEBHOOK_SECRET_ARN: { Ref: idOf('AWS::SecretsManager::Secret', 'AgentWebhookSecret') },
    INVESTIGATION_PRIORITY: 'HIGH',
    PLATFORM_NAME: 'platform-dev/Agent',
  });
  expect(fn.DeadLetterConfig.TargetArn).toEqual({ 'Fn::GetAtt': [idOf('AWS::SQS::Queue', 'AgentForwarderDeadLetterQueue'), 'Arn'] });
  const policy = template.findResources('AWS::IAM::Policy')[idOf('AWS::IAM::Policy', 'AgentForwarderRoleDefaultPolicy')].Properties;
  expect(policy.PolicyDocument.Statement.map((s: any) => s.Action)).toEqual([
    ['logs:CreateLogStream', 'logs:PutLogEvents'], 'sqs:SendMessage', 'secretsmanager:GetSecretValue', ['kms:Decrypt', 'kms:GenerateDataKey'],
  ]);
  template.hasResourceProperties('AWS::SecretsManager::Secret', { SecretString: '{"webhookUrl":"","webhookSecret":""}' });
});

test('a failing forwarder and its dead letters raise alarms on the services\' alarm topic', () => {
  const alarms = Object.entries(template.findResources('AWS::CloudWatch::Alarm')).filter(([id]) => id.startsWith('AgentForwarder'));
  expect(alarms.map(([, a]: any) => [a.Properties.MetricName, a.Properties.AlarmActions])).toEqual([
    ['Errors', [{ Ref: idOf('AWS::SNS::Topic', 'ClusterAlertsTopic') }]],
    ['ApproximateNumberOfMessagesVisible', [{ Ref: idOf('AWS::SNS::Topic', 'ClusterAlertsTopic') }]],
  ]);
});

test('DevOpsAgentSpace (CDK): monitors other stacks of the app through cross-stack references, or tags', () => {
  const app = new App();
  const platform = new Stack(app, 'Platform', { env: { region: 'eu-west-1', account: '111122223333' } });
  const ops = new Stack(app, 'Ops', { env: { region: 'eu-west-1', account: '111122223333' } });
  new CfnResource(platform, 'Topic', { type: 'AWS::SNS::Topic' });
  new DevOpsAgentSpace(ops, 'Agent', { name: 'ops', monitor: { stacks: [platform, ops], tags: { platform: 'demo' } }, operatorApp: false });
  const monitor = Object.values(Template.fromStack(ops).findResources('AWS::DevOpsAgent::Association'))[0] as any;
  expect(monitor.Properties.Configuration.Aws.Resources).toEqual([
    { ResourceArn: { 'Fn::ImportValue': expect.stringContaining('Platform') }, ResourceType: 'AWS::CloudFormation::Stack' },
    { ResourceArn: { Ref: 'AWS::StackId' }, ResourceType: 'AWS::CloudFormation::Stack' },
  ]);
  expect(monitor.Properties.Configuration.Aws.Tags).toEqual([{ Key: 'platform', Value: 'demo' }]);
  Template.fromStack(ops).resourceCountIs('AWS::IAM::Role', 1);
});

test('DevOpsAgentSpace (CDK): an unsupported region, bad IDs and missing service IDs are one clear error', () => {
  const app = new App();
  const stack = new Stack(app, 'Sao', { env: { region: 'sa-east-1' } });
  let message = '';
  try {
    new DevOpsAgentSpace(stack, 'Agent', {
      name: 'x',
      github: { owner: 'my-org', repository: 'my-org/my-app', repositoryId: 'abc' } as any,
      slack: { serviceId: 'slack 1', workspaceId: 't01', workspaceName: 'w', channelId: 'C1' },
      investigationPriority: 'URGENT' as InvestigationPriority,
    });
  } catch (e) {
    message = (e as Error).message;
  }
  expect(message).toContain('does not run in sa-east-1');
  expect(message).toContain('github.serviceId');
  expect(message).toContain('github.repository');
  expect(message).toContain('github.repositoryId');
  expect(message).toContain('slack.serviceId');
  expect(message).toContain('slack.workspaceId');
  expect(message).toContain('investigationPriority');
  expect(stack.node.tryFindChild('Agent')).toBeUndefined();
});

test('DevOpsAgentSpace (CDK): investigateAlarms refuses a service of another app', () => {
  const { stack } = cdkStack('a');
  const other = cdkStack('b');
  const cluster = new PlatformCluster(other.stack, 'Cluster', { network: new PlatformNetwork(other.stack, 'Network') });
  const service = new FargateWebService(other.stack, 'Api', { cluster, image: NGINX, containerPort: 80 });
  const agent = new DevOpsAgentSpace(stack, 'Agent', { name: 'a', github: { ...GITHUB, ownerType: GitHubOwnerType.USER } });
  expect(() => agent.investigateAlarms(service)).toThrow(/service.*same app/s);
});
