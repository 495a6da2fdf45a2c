import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { PlatformCluster, PlatformNetwork } from '../../src/cdk';
import { FinOpsGuardrails, FinOpsGuardrailsProps } from '../../src/cdk/finops-guardrails';
import { EnvironmentProfile } from '../../src/constructs/environment-profile';
import { ApprovalMode, BudgetPeriod, DENY_LAUNCH_ACTIONS, RemediationMode } from '../../src/constructs/finops-guardrails';
import { readConfig as readIdleInstancesConfig } from '../../src/handlers/idle-instances';
import { readConfig as readJiraConfig } from '../../src/handlers/jira-issue';
import { readConfig as readSlackConfig } from '../../src/handlers/slack-notify';
import { readConfig as readUnattachedVolumesConfig } from '../../src/handlers/unattached-volumes';
import { cdkStack, formatFindings } from '../helpers/cdk';
import { cdkGatesAndTemplate } from '../helpers/cdk-gates';

const SLACK_SECRET = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:finops/slack-webhook-AbCdEf';
const JIRA_SECRET = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:finops/jira-GhIjKl';
const DEV_ROLE = 'arn:aws:iam::111122223333:role/developers';
const CI_ROLE = 'arn:aws:iam::111122223333:role/teams/ci/deployer';
const MONITOR = 'arn:aws:ce::111122223333:anomalymonitor/12345678-abcd-4ef0-9876-0123456789ab';
const EC2_COMPUTE = 'Amazon Elastic Compute Cloud - Compute';

/** Every option at once: budgets, emails, Chatbot, the Slack webhook, Jira, anomalies, both clean-ups and a budget action. */
const FULL: FinOpsGuardrailsProps = {
  profile: EnvironmentProfile.PRODUCTION,
  budgets: [
    { name: 'daily', limitUsd: 50, period: BudgetPeriod.DAILY },
    { name: 'monthly-compute', limitUsd: 1000, costFilters: { Service: [EC2_COMPUTE], Region: ['eu-west-1'] } },
  ],
  notify: {
    emails: ['finops@example.com', 'cto@example.com'],
    topicEmails: ['team@example.com'],
    slack: { workspaceId: 'T0123ABCD', channelId: 'C0456EFGH' },
    slackWebhookSecretArn: SLACK_SECRET,
    jira: { baseUrl: 'https://example.atlassian.net', projectKey: 'OPS', credentialsSecretArn: JIRA_SECRET },
  },
  anomalyDetection: { minImpactUsd: 250 },
  idleInstances: { mode: RemediationMode.STOP, lookbackDays: 21 },
  unattachedVolumes: { mode: RemediationMode.DELETE, graceDays: 10 },
  budgetAction: { denyLaunchOnRoleArns: [DEV_ROLE, CI_ROLE], budget: 'monthly-compute' },
};

const FUNCTIONS = ['IdleInstances', 'UnattachedVolumes', 'SlackWebhook', 'JiraIssues'];

/** The logical ID of the one resource of `type` whose ID starts with `prefix`. */
function idOf(t: Template, type: string, prefix: string): string {
  const ids = Object.keys(t.findResources(type)).filter((id) => id.startsWith(prefix));
  expect(ids).toHaveLength(1);
  return ids[0];
}
function resourceOf(t: Template, type: string, prefix: string): any {
  return t.findResources(type)[idOf(t, type, prefix)];
}

const arnOf = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
const ref = (id: string) => ({ Ref: id });
const ACCOUNT = { Ref: 'AWS::AccountId' };
const join = (...parts: unknown[]) => ({ 'Fn::Join': ['', parts] });
const P = { Ref: 'AWS::Partition' };
const R = { Ref: 'AWS::Region' };
/** The aws:SourceArn of each publisher, as CloudFormation spells it. */
const SOURCE_ARNS: Record<string, unknown> = {
  'cloudwatch.amazonaws.com': join('arn:', P, ':cloudwatch:', R, ':', ACCOUNT, ':alarm:*'),
  'events.amazonaws.com': join('arn:', P, ':events:', R, ':', ACCOUNT, ':rule/*'),
  'budgets.amazonaws.com': join('arn:', P, ':budgets::', ACCOUNT, ':*'),
  'costalerts.amazonaws.com': join('arn:', P, ':ce::', ACCOUNT, ':anomalysubscription/*'),
};
const ALL_PUBLISHERS = ['cloudwatch.amazonaws.com', 'events.amazonaws.com', 'budgets.amazonaws.com', 'costalerts.amazonaws.com'];

function publishStatement(principal: string, topic: unknown): unknown {
  return {
    Sid: expect.stringMatching(/^Allow\w+ToPublish$/),
    Effect: 'Allow',
    Principal: { Service: principal },
    Action: 'sns:Publish',
    Resource: topic,
    Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT }, ArnLike: { 'aws:SourceArn': SOURCE_ARNS[principal] } },
  };
}
function encryptStatement(principal: string): unknown {
  return {
    Sid: expect.stringMatching(/^Allow\w+ToEncryptedTopics$/),
    Effect: 'Allow',
    Principal: { Service: principal },
    Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
    Resource: '*',
    Condition: {
      StringEquals: { 'aws:SourceAccount': ACCOUNT },
      ArnLike: { 'aws:SourceArn': SOURCE_ARNS[principal], 'kms:EncryptionContext:aws:sns:topicArn': join('arn:', P, ':sns:', R, ':', ACCOUNT, ':*') },
    },
  };
}
const TLS_ONLY = (topic: unknown) => ({
  Sid: 'DenyInsecureTransport', Effect: 'Deny', Principal: { AWS: '*' }, Action: 'sns:Publish', Resource: topic, Condition: { Bool: { 'aws:SecureTransport': 'false' } },
});

/** The statements of a topic policy or a key policy, by principal service. */
const servicesOf = (statements: any[]) => statements.filter((s) => s.Principal?.Service).map((s) => s.Principal.Service);

describe('FinOpsGuardrails (AWS CDK)', () => {
  describe('GIVEN every option in PRODUCTION', () => {
    let t: Template;
    let findings: string;
    let finops: FinOpsGuardrails;
    let topicId: string;
    let keyId: string;

    beforeAll(() => {
      const { app, stack } = cdkStack();
      finops = new FinOpsGuardrails(stack, 'FinOps', FULL);
      const gated = cdkGatesAndTemplate(app, stack);
      t = gated.template;
      findings = formatFindings(gated.findings);
      topicId = idOf(t, 'AWS::SNS::Topic', 'FinOpsTopic');
      keyId = idOf(t, 'AWS::KMS::Key', 'FinOpsKey');
    });

    test('THEN the quality gates (cdk-nag + Control Tower + template validation) report nothing unacknowledged', () => {
      expect(findings).toBe('');
    });

    test('THEN one topic, encrypted with the construct\'s rotating key, which is retained with a 30-day window', () => {
      t.resourceCountIs('AWS::SNS::Topic', 1);
      t.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: arnOf(keyId) });
      t.hasResource('AWS::KMS::Key', {
        Properties: { Description: 'Encrypts the FinOps alerts, logs and dead letters of Test/FinOps', EnableKeyRotation: true, PendingWindowInDays: 30 },
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
    });

    test('THEN the topic policy allows exactly CloudWatch alarms, EventBridge, Budgets and Cost Anomaly Detection of this account, over TLS only', () => {
      const policy = resourceOf(t, 'AWS::SNS::TopicPolicy', 'FinOpsTopicPolicy');
      expect(policy.Properties.Topics).toEqual([ref(topicId)]);
      expect(policy.Properties.PolicyDocument.Statement).toEqual([
        ...ALL_PUBLISHERS.map((principal) => publishStatement(principal, ref(topicId))),
        TLS_ONLY(ref(topicId)),
      ]);
    });

    test('THEN the key lets the same four publishers encrypt for this account\'s topics, CloudWatch Logs use it, and denies grants', () => {
      const statements = resourceOf(t, 'AWS::KMS::Key', 'FinOpsKey').Properties.KeyPolicy.Statement;
      expect(statements).toEqual([
        { Effect: 'Allow', Principal: { AWS: join('arn:', P, ':iam::', ACCOUNT, ':root') }, Action: 'kms:*', Resource: '*' },
        expect.objectContaining({ Sid: 'AllowCloudWatchLogs', Principal: { Service: join('logs.', R, '.', { Ref: 'AWS::URLSuffix' }) } }),
        ...ALL_PUBLISHERS.map(encryptStatement),
        expect.objectContaining({ Sid: 'DenyGrantsExceptForAwsServices', Effect: 'Deny', Action: 'kms:CreateGrant' }),
      ]);
    });

    test('THEN a daily and a monthly COST budget in USD, with cost filters, physical names from the stack name and path', () => {
      t.resourceCountIs('AWS::Budgets::Budget', 2);
      expect(resourceOf(t, 'AWS::Budgets::Budget', 'FinOpsBudgetDaily').Properties.Budget).toEqual({
        BudgetName: { 'Fn::Join': ['', ['Test-FinOps-daily-', { Ref: 'AWS::Region' }]] },
        BudgetType: 'COST',
        TimeUnit: 'DAILY',
        BudgetLimit: { Amount: 50, Unit: 'USD' },
      });
      expect(resourceOf(t, 'AWS::Budgets::Budget', 'FinOpsBudgetMonthlyCompute').Properties.Budget).toEqual({
        BudgetName: { 'Fn::Join': ['', ['Test-FinOps-monthly-compute-', { Ref: 'AWS::Region' }]] },
        BudgetType: 'COST',
        TimeUnit: 'MONTHLY',
        BudgetLimit: { Amount: 1000, Unit: 'USD' },
        CostFilters: { Service: [EC2_COMPUTE], Region: ['eu-west-1'] },
      });
    });

    test('THEN each budget alerts the topic and the emails: ACTUAL 80/100 (daily), plus FORECASTED 100 (monthly)', () => {
      const subscribers = [
        { SubscriptionType: 'SNS', Address: ref(topicId) },
        { SubscriptionType: 'EMAIL', Address: 'finops@example.com' },
        { SubscriptionType: 'EMAIL', Address: 'cto@example.com' },
      ];
      const notification = (NotificationType: string, Threshold: number) => ({
        Notification: { NotificationType, Threshold, ComparisonOperator: 'GREATER_THAN', ThresholdType: 'PERCENTAGE' },
        Subscribers: subscribers,
      });
      expect(resourceOf(t, 'AWS::Budgets::Budget', 'FinOpsBudgetDaily').Properties.NotificationsWithSubscribers)
        .toEqual([notification('ACTUAL', 80), notification('ACTUAL', 100)]);
      expect(resourceOf(t, 'AWS::Budgets::Budget', 'FinOpsBudgetMonthlyCompute').Properties.NotificationsWithSubscribers)
        .toEqual([notification('ACTUAL', 80), notification('ACTUAL', 100), notification('FORECASTED', 100)]);
    });

    test('THEN an AWS-services anomaly monitor and an IMMEDIATE subscription to the topic above 250 USD of impact', () => {
      const monitorId = idOf(t, 'AWS::CE::AnomalyMonitor', 'FinOpsAnomalyMonitor');
      t.hasResourceProperties('AWS::CE::AnomalyMonitor', { MonitorName: { 'Fn::Join': ['', ['Test-FinOps-services-', { Ref: 'AWS::Region' }]] }, MonitorType: 'DIMENSIONAL', MonitorDimension: 'SERVICE' });
      const subscription = resourceOf(t, 'AWS::CE::AnomalySubscription', 'FinOpsAnomalySubscription').Properties;
      expect(subscription).toEqual({
        SubscriptionName: { 'Fn::Join': ['', ['Test-FinOps-anomalies-', { Ref: 'AWS::Region' }]] },
        Frequency: 'IMMEDIATE',
        MonitorArnList: [{ 'Fn::GetAtt': [monitorId, 'MonitorArn'] }],
        Subscribers: [{ Type: 'SNS', Address: ref(topicId) }],
        ThresholdExpression: expect.any(String),
      });
      expect(JSON.parse(subscription.ThresholdExpression)).toEqual({
        Dimensions: { Key: 'ANOMALY_TOTAL_IMPACT_ABSOLUTE', MatchOptions: ['GREATER_THAN_OR_EQUAL'], Values: ['250'] },
      });
    });

    test('THEN the EC2 state and EBS volume rules send readable text to the topic (InputTransformer)', () => {
      expect(resourceOf(t, 'AWS::Events::Rule', 'FinOpsInstanceStateRule').Properties).toEqual({
        Description: 'EC2 instance state changes (running, stopped, terminated) to the FinOps topic',
        State: 'ENABLED',
        EventPattern: { 'source': ['aws.ec2'], 'detail-type': ['EC2 Instance State-change Notification'], 'detail': { state: ['running', 'stopped', 'terminated'] } },
        Targets: [{
          Id: 'Target0',
          Arn: ref(topicId),
          InputTransformer: {
            InputPathsMap: { instance: '$.detail.instance-id', state: '$.detail.state', account: '$.account', region: '$.region', time: '$.time' },
            InputTemplate: '"EC2 instance <instance> is now <state> (account <account>, <region>, <time>)."',
          },
        }],
      });
      expect(resourceOf(t, 'AWS::Events::Rule', 'FinOpsVolumeEventsRule').Properties).toEqual({
        Description: 'EBS volume events (create, delete, attach, detach, modify) to the FinOps topic',
        State: 'ENABLED',
        EventPattern: { 'source': ['aws.ec2'], 'detail-type': ['EBS Volume Notification'] },
        Targets: [{
          Id: 'Target0',
          Arn: ref(topicId),
          InputTransformer: {
            InputPathsMap: { volume: '$.resources[0]', event: '$.detail.event', result: '$.detail.result', cause: '$.detail.cause', time: '$.time' },
            InputTemplate: '"EBS <event> of <volume>: <result> <cause> (<time>)."',
          },
        }],
      });
    });

    test('THEN budgets, the anomaly subscription and the EC2/EBS rules are created after the topic policy', () => {
      const policyId = idOf(t, 'AWS::SNS::TopicPolicy', 'FinOpsTopicPolicy');
      const publishers = [
        resourceOf(t, 'AWS::Budgets::Budget', 'FinOpsBudgetDaily'),
        resourceOf(t, 'AWS::Budgets::Budget', 'FinOpsBudgetMonthlyCompute'),
        resourceOf(t, 'AWS::CE::AnomalySubscription', 'FinOpsAnomalySubscription'),
        resourceOf(t, 'AWS::Events::Rule', 'FinOpsInstanceStateRule'),
        resourceOf(t, 'AWS::Events::Rule', 'FinOpsVolumeEventsRule'),
      ];
      for (const publisher of publishers) expect(publisher.DependsOn).toContain(policyId);
    });

    test('THEN the topic email is subscribed once', () => {
      t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'team@example.com', TopicArn: ref(topicId) });
      expect(Object.values(t.findResources('AWS::SNS::Subscription')).filter((s: any) => s.Properties.Protocol === 'email')).toHaveLength(1);
    });

    test('THEN a Chatbot Slack channel on the topic, its members limited by ReadOnlyAccess, its role trusted by AWS Chatbot only', () => {
      const roleId = idOf(t, 'AWS::IAM::Role', 'FinOpsSlackChannelRole');
      expect(resourceOf(t, 'AWS::Chatbot::SlackChannelConfiguration', 'FinOpsSlackChannel').Properties).toEqual({
        ConfigurationName: { 'Fn::Join': ['', ['Test-FinOps-slack-', { Ref: 'AWS::Region' }]] },
        IamRoleArn: arnOf(roleId),
        SlackWorkspaceId: 'T0123ABCD',
        SlackChannelId: 'C0456EFGH',
        SnsTopicArns: [ref(topicId)],
        GuardrailPolicies: [join('arn:', P, ':iam::aws:policy/ReadOnlyAccess')],
        LoggingLevel: 'ERROR',
        UserRoleRequired: false,
      });
      const role = resourceOf(t, 'AWS::IAM::Role', 'FinOpsSlackChannelRole').Properties;
      expect(role.AssumeRolePolicyDocument.Statement).toEqual([{ Effect: 'Allow', Principal: { Service: 'chatbot.amazonaws.com' }, Action: 'sts:AssumeRole' }]);
      expect(role.ManagedPolicyArns).toBeUndefined();
      expect(resourceOf(t, 'AWS::IAM::Policy', 'FinOpsSlackChannelRoleDefaultPolicy').Properties.PolicyDocument.Statement).toEqual([{
        Sid: 'ReadAlarmsAndMetrics',
        Effect: 'Allow',
        Action: ['cloudwatch:DescribeAlarms', 'cloudwatch:GetMetricData', 'cloudwatch:GetMetricStatistics', 'cloudwatch:ListMetrics'],
        Resource: '*',
      }]);
    });

    test.each([
      ['IdleInstances', 300, 256],
      ['UnattachedVolumes', 300, 256],
      ['SlackWebhook', 30, 128],
      ['JiraIssues', 30, 128],
    ])('THEN the %s function: Node.js 22 on ARM64, its timeout and memory, JSON logs to its own group, dead letters to the queue', (id, timeout, memory) => {
      const fn = resourceOf(t, 'AWS::Lambda::Function', `FinOps${id}Function`);
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        Timeout: timeout,
        MemorySize: memory,
        Role: arnOf(idOf(t, 'AWS::IAM::Role', `FinOps${id}Role`)),
        LoggingConfig: { LogFormat: 'JSON', LogGroup: ref(idOf(t, 'AWS::Logs::LogGroup', `FinOps${id}LogGroup`)) },
        DeadLetterConfig: { TargetArn: arnOf(idOf(t, 'AWS::SQS::Queue', 'FinOpsDeadLetterQueue')) },
      });
      // Created after its role's policy, so the first invocation has its permissions.
      expect(fn.DependsOn).toContain(idOf(t, 'AWS::IAM::Policy', `FinOps${id}RoleDefaultPolicy`));
      expect(resourceOf(t, 'AWS::Logs::LogGroup', `FinOps${id}LogGroup`)).toEqual({
        Type: 'AWS::Logs::LogGroup',
        Properties: { KmsKeyId: arnOf(keyId), RetentionInDays: 365 },
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
    });

    test('THEN each function gets its plan\'s variables, and the two scheduled ones the topic ARN', () => {
      const env = (id: string) => resourceOf(t, 'AWS::Lambda::Function', `FinOps${id}Function`).Properties.Environment.Variables;
      expect(env('IdleInstances')).toMatchObject({
        MODE: 'STOP',
        LOOKBACK_DAYS: '21',
        MAX_CPU_PERCENT: '5',
        MAX_NETWORK_BYTES_PER_DAY: '5000000',
        EXCLUDE_TAG: 'finops:keep',
        INCLUDE_AUTO_SCALING: 'false',
        TOPIC_ARN: ref(topicId),
      });
      expect(env('UnattachedVolumes')).toMatchObject({
        MODE: 'DELETE', GRACE_DAYS: '10', SNAPSHOT_BEFORE_DELETE: 'true', EXCLUDE_TAG: 'finops:keep', TOPIC_ARN: ref(topicId),
      });
      expect(env('SlackWebhook')).toEqual({ WEBHOOK_SECRET_ARN: SLACK_SECRET });
      expect(env('JiraIssues')).toEqual({
        JIRA_BASE_URL: 'https://example.atlassian.net', JIRA_PROJECT_KEY: 'OPS', JIRA_ISSUE_TYPE: 'Task', CREDENTIALS_SECRET_ARN: JIRA_SECRET,
      });
    });

    test('THEN each function\'s environment, as deployed, is one its handler accepts (every variable it requires is set)', () => {
      // The deploy-time topic reference resolves to a topic ARN.
      const deployed = (id: string): Record<string, string> => Object.fromEntries(
        Object.entries(resourceOf(t, 'AWS::Lambda::Function', `FinOps${id}Function`).Properties.Environment.Variables as Record<string, unknown>)
          .map(([name, value]) => [name, typeof value === 'string' ? value : 'arn:aws:sns:eu-west-1:111122223333:finops-alerts']));
      expect(() => readIdleInstancesConfig(deployed('IdleInstances'))).not.toThrow();
      expect(() => readUnattachedVolumesConfig(deployed('UnattachedVolumes'))).not.toThrow();
      expect(() => readSlackConfig(deployed('SlackWebhook'))).not.toThrow();
      expect(() => readJiraConfig(deployed('JiraIssues'))).not.toThrow();
    });

    test('THEN each role is trusted by Lambda, has no managed policy, and its policy is exactly the planned statements', () => {
      const logs = (id: string) => arnOf(idOf(t, 'AWS::Logs::LogGroup', `FinOps${id}LogGroup`));
      const dlq = arnOf(idOf(t, 'AWS::SQS::Queue', 'FinOpsDeadLetterQueue'));
      const common = (id: string, publishes: boolean) => [
        { Sid: 'WriteOwnLogs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: logs(id) },
        { Sid: 'DeadLetters', Effect: 'Allow', Action: 'sqs:SendMessage', Resource: dlq },
        ...(publishes ? [{ Sid: 'PublishReports', Effect: 'Allow', Action: 'sns:Publish', Resource: ref(topicId) }] : []),
        { Sid: 'EncryptUnderTheKey', Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: arnOf(keyId) },
      ];
      const statements = (id: string) => resourceOf(t, 'AWS::IAM::Policy', `FinOps${id}RoleDefaultPolicy`).Properties.PolicyDocument.Statement;
      const instances = join('arn:', P, ':ec2:', R, ':', ACCOUNT, ':instance/*');
      const volumes = join('arn:', P, ':ec2:', R, ':', ACCOUNT, ':volume/*');
      const snapshots = join('arn:', P, ':ec2:', R, '::snapshot/*');
      expect(statements('IdleInstances')).toEqual([
        ...common('IdleInstances', true),
        { Sid: 'ReadInstancesAndMetrics', Effect: 'Allow', Action: ['ec2:DescribeInstances', 'cloudwatch:GetMetricData'], Resource: '*' },
        {
          Sid: 'StopUntaggedInstances',
          Effect: 'Allow',
          Action: 'ec2:StopInstances',
          Resource: instances,
          Condition: { Null: { 'aws:ResourceTag/finops:keep': 'true', 'aws:ResourceTag/aws:autoscaling:groupName': 'true' } },
        },
      ]);
      const volumeStatements = statements('UnattachedVolumes');
      expect(volumeStatements.slice(0, 5)).toEqual([
        ...common('UnattachedVolumes', true),
        { Sid: 'ReadVolumesAndSnapshots', Effect: 'Allow', Action: ['ec2:DescribeVolumes', 'ec2:DescribeSnapshots'], Resource: '*' },
      ]);
      expect(volumeStatements).toEqual(expect.arrayContaining([
        expect.objectContaining({ Sid: 'TagUnattachedVolumes', Action: 'ec2:CreateTags', Resource: volumes }),
        { Sid: 'DeleteUntaggedVolumes', Effect: 'Allow', Action: 'ec2:DeleteVolume', Resource: volumes, Condition: { Null: { 'aws:ResourceTag/finops:keep': 'true' } } },
        { Sid: 'SnapshotVolumes', Effect: 'Allow', Action: 'ec2:CreateSnapshot', Resource: [volumes, snapshots] },
        expect.objectContaining({ Sid: 'TagNewSnapshots', Action: 'ec2:CreateTags', Resource: snapshots }),
      ]));
      const readSecret = (arn: string) => ({ Sid: 'ReadCredentials', Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: arn });
      expect(statements('SlackWebhook')).toEqual([...common('SlackWebhook', false), readSecret(SLACK_SECRET)]);
      expect(statements('JiraIssues')).toEqual([...common('JiraIssues', false), readSecret(JIRA_SECRET)]);
      for (const id of FUNCTIONS) {
        const role = resourceOf(t, 'AWS::IAM::Role', `FinOps${id}Role`).Properties;
        expect(role.AssumeRolePolicyDocument.Statement).toEqual([{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }]);
        expect(role.ManagedPolicyArns).toBeUndefined();
        // The role's one policy is the one above: nothing else attaches to it.
        const attached = Object.values(t.findResources('AWS::IAM::Policy')).filter((p: any) =>
          JSON.stringify(p.Properties.Roles) === JSON.stringify([ref(idOf(t, 'AWS::IAM::Role', `FinOps${id}Role`))]));
        expect(attached).toHaveLength(1);
      }
    });

    test('THEN the scheduled functions run on their cron, with 2 retries, through a permission for their rule only', () => {
      for (const [id, cron] of [['IdleInstances', 'cron(0 6 * * ? *)'], ['UnattachedVolumes', 'cron(30 6 * * ? *)']]) {
        const fnId = idOf(t, 'AWS::Lambda::Function', `FinOps${id}Function`);
        const ruleId = idOf(t, 'AWS::Events::Rule', `FinOps${id}Schedule`);
        expect(t.findResources('AWS::Events::Rule')[ruleId].Properties).toEqual({
          Description: `Runs the ${id} FinOps function`,
          ScheduleExpression: cron,
          State: 'ENABLED',
          Targets: [{ Id: 'Target0', Arn: arnOf(fnId), RetryPolicy: { MaximumRetryAttempts: 2 } }],
        });
        t.hasResourceProperties('AWS::Lambda::Permission', {
          Action: 'lambda:InvokeFunction', FunctionName: arnOf(fnId), Principal: 'events.amazonaws.com', SourceArn: arnOf(ruleId),
        });
      }
    });

    test('THEN the Slack and Jira functions are subscribed to the topic and may be invoked by SNS for that topic only', () => {
      for (const id of ['SlackWebhook', 'JiraIssues']) {
        const fnId = idOf(t, 'AWS::Lambda::Function', `FinOps${id}Function`);
        expect(resourceOf(t, 'AWS::SNS::Subscription', `FinOps${id}Subscription`).Properties).toEqual({ Protocol: 'lambda', Endpoint: arnOf(fnId), TopicArn: ref(topicId) });
        expect(resourceOf(t, 'AWS::Lambda::Permission', `FinOps${id}FunctionInvokeFromTopic`).Properties).toEqual({
          Action: 'lambda:InvokeFunction', FunctionName: arnOf(fnId), Principal: 'sns.amazonaws.com', SourceArn: ref(topicId),
        });
      }
      expect(Object.keys(t.findResources('AWS::Events::Rule')).filter((id) => /SlackWebhook|JiraIssues/.test(id))).toEqual([]);
    });

    test('THEN an encrypted dead-letter queue (14 days, TLS only, retained) with an alarm, and an errors alarm per function, all to the topic', () => {
      const queueId = idOf(t, 'AWS::SQS::Queue', 'FinOpsDeadLetterQueue');
      t.hasResource('AWS::SQS::Queue', {
        Properties: { KmsMasterKeyId: arnOf(keyId), MessageRetentionPeriod: 1209600 },
        DeletionPolicy: 'Retain',
      });
      t.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [ref(queueId)],
        PolicyDocument: { Statement: [Match.objectLike({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })] },
      });
      expect(resourceOf(t, 'AWS::CloudWatch::Alarm', 'FinOpsDeadLettersAlarm').Properties).toMatchObject({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }],
        Statistic: 'Maximum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [ref(topicId)],
      });
      for (const id of FUNCTIONS) {
        expect(resourceOf(t, 'AWS::CloudWatch::Alarm', `FinOps${id}ErrorsAlarm`).Properties).toMatchObject({
          Namespace: 'AWS/Lambda',
          MetricName: 'Errors',
          Dimensions: [{ Name: 'FunctionName', Value: ref(idOf(t, 'AWS::Lambda::Function', `FinOps${id}Function`)) }],
          Statistic: 'Sum',
          Period: 300,
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          AlarmActions: [ref(topicId)],
        });
      }
      t.resourceCountIs('AWS::CloudWatch::Alarm', 5);
    });

    test('THEN a MANUAL budget action on the monthly budget at 100 % applies the deny-launch policy to the named roles', () => {
      const policyId = idOf(t, 'AWS::IAM::ManagedPolicy', 'FinOpsDenyLaunchPolicy');
      const roleId = idOf(t, 'AWS::IAM::Role', 'FinOpsBudgetActionRole');
      const action = resourceOf(t, 'AWS::Budgets::BudgetsAction', 'FinOpsBudgetAction');
      expect(action.Properties).toEqual({
        BudgetName: ref(idOf(t, 'AWS::Budgets::Budget', 'FinOpsBudgetMonthlyCompute')),
        NotificationType: 'ACTUAL',
        ActionType: 'APPLY_IAM_POLICY',
        ActionThreshold: { Type: 'PERCENTAGE', Value: 100 },
        ApprovalModel: ApprovalMode.MANUAL,
        ExecutionRoleArn: arnOf(roleId),
        Definition: { IamActionDefinition: { PolicyArn: ref(policyId), Roles: ['developers', 'deployer'] } },
        Subscribers: [{ Type: 'SNS', Address: ref(topicId) }],
      });
      expect(action.DependsOn).toContain(idOf(t, 'AWS::IAM::Policy', 'FinOpsBudgetActionRoleDefaultPolicy'));
      expect(resourceOf(t, 'AWS::IAM::ManagedPolicy', 'FinOpsDenyLaunchPolicy').Properties.PolicyDocument.Statement).toEqual([
        { Sid: 'DenyLaunchingCompute', Effect: 'Deny', Action: [...DENY_LAUNCH_ACTIONS], Resource: '*' },
      ]);
    });

    test('THEN AWS Budgets alone assumes the action\'s role, for this account\'s budgets, to attach exactly that policy to exactly those roles', () => {
      const role = resourceOf(t, 'AWS::IAM::Role', 'FinOpsBudgetActionRole').Properties;
      expect(role.AssumeRolePolicyDocument.Statement).toEqual([{
        Effect: 'Allow',
        Principal: { Service: 'budgets.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT }, ArnLike: { 'aws:SourceArn': join('arn:', P, ':budgets::', ACCOUNT, ':budget/*') } },
      }]);
      expect(role.ManagedPolicyArns).toBeUndefined();
      expect(resourceOf(t, 'AWS::IAM::Policy', 'FinOpsBudgetActionRoleDefaultPolicy').Properties.PolicyDocument.Statement).toEqual([{
        Sid: 'AttachDenyLaunchPolicy',
        Effect: 'Allow',
        Action: ['iam:AttachRolePolicy', 'iam:DetachRolePolicy'],
        Resource: [DEV_ROLE, CI_ROLE],
        Condition: { ArnEquals: { 'iam:PolicyARN': ref(idOf(t, 'AWS::IAM::ManagedPolicy', 'FinOpsDenyLaunchPolicy')) } },
      }]);
    });

    test('THEN the public properties reach the resources', () => {
      expect(finops.profile).toBe(EnvironmentProfile.PRODUCTION);
      expect(finops.topicArn).toBe(finops.topic.topicArn);
      expect(finops.budgets.map((b) => b.node.id)).toEqual(['BudgetDaily', 'BudgetMonthlyCompute']);
      expect(finops.anomalyMonitor?.node.id).toBe('AnomalyMonitor');
      expect(finops.anomalySubscription?.node.id).toBe('AnomalySubscription');
      expect(finops.rules.map((r) => r.node.id)).toEqual(['InstanceStateRule', 'VolumeEventsRule']);
      expect(finops.functions.map((f) => f.node.id)).toEqual(FUNCTIONS.map((id) => `${id}Function`));
      expect(finops.logGroups.map((g) => g.node.id)).toEqual(FUNCTIONS.map((id) => `${id}LogGroup`));
      expect(finops.deadLetterQueue?.node.id).toBe('DeadLetterQueue');
      expect(finops.slackChannel?.node.id).toBe('SlackChannel');
      expect(finops.budgetAction?.node.id).toBe('BudgetAction');
      expect(finops.denyLaunchPolicy?.node.id).toBe('DenyLaunchPolicy');
    });
  });

  describe('GIVEN no props in DEVELOPMENT', () => {
    let t: Template;
    let findings: string;
    let finops: FinOpsGuardrails;

    beforeAll(() => {
      const { app, stack } = cdkStack();
      finops = new FinOpsGuardrails(stack, 'FinOps', {});
      const gated = cdkGatesAndTemplate(app, stack);
      t = gated.template;
      findings = formatFindings(gated.findings);
    });

    test('THEN the quality gates report nothing unacknowledged', () => {
      expect(findings).toBe('');
    });

    test('THEN a key (destroyed, 7-day window), an encrypted topic, the two EC2/EBS rules, and nothing else', () => {
      expect(Object.values(t.toJSON().Resources).map((r: any) => r.Type).sort()).toEqual([
        'AWS::Events::Rule', 'AWS::Events::Rule', 'AWS::KMS::Key', 'AWS::SNS::Topic', 'AWS::SNS::TopicPolicy',
      ]);
      t.hasResource('AWS::KMS::Key', { Properties: { PendingWindowInDays: 7, EnableKeyRotation: true }, DeletionPolicy: 'Delete' });
      expect(finops.functions).toEqual([]);
      expect(finops.deadLetterQueue).toBeUndefined();
      expect(finops.anomalyMonitor).toBeUndefined();
      expect(finops.budgetAction).toBeUndefined();
    });

    test('THEN the topic policy and the key admit exactly CloudWatch alarms and EventBridge (no Budgets, no Cost Anomaly Detection)', () => {
      const topicId = idOf(t, 'AWS::SNS::Topic', 'FinOpsTopic');
      const statements = resourceOf(t, 'AWS::SNS::TopicPolicy', 'FinOpsTopicPolicy').Properties.PolicyDocument.Statement;
      expect(statements).toEqual([
        publishStatement('cloudwatch.amazonaws.com', ref(topicId)),
        publishStatement('events.amazonaws.com', ref(topicId)),
        TLS_ONLY(ref(topicId)),
      ]);
      const keyStatements = resourceOf(t, 'AWS::KMS::Key', 'FinOpsKey').Properties.KeyPolicy.Statement;
      expect(keyStatements).toEqual(expect.arrayContaining([encryptStatement('cloudwatch.amazonaws.com'), encryptStatement('events.amazonaws.com')]));
      expect(servicesOf(keyStatements).filter((s: unknown) => typeof s === 'string')).toEqual(['cloudwatch.amazonaws.com', 'events.amazonaws.com']);
    });
  });

  describe('GIVEN DEVELOPMENT with a function', () => {
    test('THEN its log group keeps 30 days and is destroyed, the key and queue too (not gated: the PRODUCTION scenario is)', () => {
      const { stack } = cdkStack();
      new FinOpsGuardrails(stack, 'FinOps', { idleInstances: {} });
      const t = Template.fromStack(stack);
      t.hasResource('AWS::Logs::LogGroup', { Properties: { RetentionInDays: 30 }, DeletionPolicy: 'Delete' });
      t.hasResource('AWS::SQS::Queue', { DeletionPolicy: 'Delete' });
      t.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Delete' });
      // REPORT mode: the role may change nothing.
      const statements = resourceOf(t, 'AWS::IAM::Policy', 'FinOpsIdleInstancesRoleDefaultPolicy').Properties.PolicyDocument.Statement;
      const actions = statements.flatMap((s: any) => [s.Action].flat());
      expect(actions.filter((a: string) => a.startsWith('ec2:'))).toEqual(['ec2:DescribeInstances']);
    });
  });

  test('GIVEN the same app deployed under two stack names THEN the budgets, monitor and subscription names differ, and each ends in the region', () => {
    const app = new App();
    const stacks = [['Dev', 'finops-dev'], ['Staging', 'finops-staging']].map(([id, stackName]) => {
      const stack = new Stack(app, id, { stackName });
      new FinOpsGuardrails(stack, 'FinOps', { budgets: [{ name: 'monthly', limitUsd: 100 }], anomalyDetection: {}, instanceEvents: false, volumeEvents: false });
      return stack;
    });
    const names = stacks.map((stack) => {
      const t = Template.fromStack(stack);
      return [
        resourceOf(t, 'AWS::Budgets::Budget', 'FinOpsBudgetMonthly').Properties.Budget.BudgetName,
        resourceOf(t, 'AWS::CE::AnomalyMonitor', 'FinOpsAnomalyMonitor').Properties.MonitorName,
        resourceOf(t, 'AWS::CE::AnomalySubscription', 'FinOpsAnomalySubscription').Properties.SubscriptionName,
      ];
    });
    // Named per account, not per region: the region keeps two regions' deployments apart too.
    const inRegion = (name: string) => ({ 'Fn::Join': ['', [`${name}-`, { Ref: 'AWS::Region' }]] });
    expect(names).toEqual([
      ['finops-dev-FinOps-monthly', 'finops-dev-FinOps-services', 'finops-dev-FinOps-anomalies'].map(inRegion),
      ['finops-staging-FinOps-monthly', 'finops-staging-FinOps-services', 'finops-staging-FinOps-anomalies'].map(inRegion),
    ]);
  });

  test('GIVEN existingMonitorArn THEN no monitor is created and the subscription watches the monitor given', () => {
    const { stack } = cdkStack();
    const finops = new FinOpsGuardrails(stack, 'FinOps', { anomalyDetection: { existingMonitorArn: MONITOR } });
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::CE::AnomalyMonitor', 0);
    t.hasResourceProperties('AWS::CE::AnomalySubscription', { MonitorArnList: [MONITOR], Frequency: 'IMMEDIATE' });
    expect(finops.anomalyMonitor).toBeUndefined();
    expect(JSON.parse(resourceOf(t, 'AWS::CE::AnomalySubscription', 'FinOpsAnomalySubscription').Properties.ThresholdExpression).Dimensions.Values).toEqual(['100']);
  });

  test('GIVEN a budget action on the default budget, AUTOMATIC at 120 % THEN it watches the first budget', () => {
    const { stack } = cdkStack();
    new FinOpsGuardrails(stack, 'FinOps', {
      budgets: [{ name: 'first', limitUsd: 10 }, { name: 'second', limitUsd: 20 }],
      budgetAction: { denyLaunchOnRoleArns: [DEV_ROLE], atPercent: 120, approval: ApprovalMode.AUTOMATIC },
    });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::Budgets::BudgetsAction', {
      BudgetName: ref(idOf(t, 'AWS::Budgets::Budget', 'FinOpsBudgetFirst')),
      ApprovalModel: 'AUTOMATIC',
      ActionThreshold: { Type: 'PERCENTAGE', Value: 120 },
      Definition: { IamActionDefinition: { Roles: ['developers'] } },
    });
  });

  describe('GIVEN a PlatformCluster\'s alertsTopic', () => {
    let t: Template;
    let finops: FinOpsGuardrails;
    let cluster: PlatformCluster;

    beforeAll(() => {
      const { stack } = cdkStack();
      const network = new PlatformNetwork(stack, 'Network');
      cluster = new PlatformCluster(stack, 'Cluster', { network });
      finops = new FinOpsGuardrails(stack, 'FinOps', {
        alertsTopic: cluster.alertsTopic,
        budgets: [{ name: 'monthly', limitUsd: 100 }],
        anomalyDetection: {},
        notify: { slackWebhookSecretArn: SLACK_SECRET },
      });
      t = Template.fromStack(stack);
    });

    test('THEN no new topic: every alert, subscription and alarm uses the cluster\'s', () => {
      t.resourceCountIs('AWS::SNS::Topic', 1);
      const clusterTopic = ref(idOf(t, 'AWS::SNS::Topic', 'ClusterAlertsTopic'));
      expect(finops.topic).toBe(cluster.alertsTopic);
      expect(resourceOf(t, 'AWS::Budgets::Budget', 'FinOpsBudgetMonthly').Properties.NotificationsWithSubscribers[0].Subscribers[0])
        .toEqual({ SubscriptionType: 'SNS', Address: clusterTopic });
      t.hasResourceProperties('AWS::CE::AnomalySubscription', { Subscribers: [{ Type: 'SNS', Address: clusterTopic }] });
      t.hasResourceProperties('AWS::Events::Rule', { Targets: [Match.objectLike({ Arn: clusterTopic })] });
      t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'lambda', TopicArn: clusterTopic });
      t.hasResourceProperties('AWS::Lambda::Permission', { Principal: 'sns.amazonaws.com', SourceArn: clusterTopic });
      t.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmDescription: 'The SlackWebhook FinOps function failed.', AlarmActions: [clusterTopic] });
    });

    test('THEN the cluster topic\'s policy gains Budgets, EventBridge and Cost Anomaly Detection, each statement once', () => {
      const topicId = idOf(t, 'AWS::SNS::Topic', 'ClusterAlertsTopic');
      const statements = resourceOf(t, 'AWS::SNS::TopicPolicy', 'ClusterAlertsTopicPolicy').Properties.PolicyDocument.Statement;
      expect(statements).toEqual(expect.arrayContaining([...ALL_PUBLISHERS.map((p) => publishStatement(p, ref(topicId))), TLS_ONLY(ref(topicId))]));
      expect(servicesOf(statements).sort()).toEqual([...ALL_PUBLISHERS].sort());
      const sids = statements.map((s: any) => s.Sid);
      expect(new Set(sids).size).toBe(sids.length);
    });

    test('THEN the cluster key lets the same publishers encrypt, each statement once', () => {
      const statements = resourceOf(t, 'AWS::KMS::Key', 'ClusterKey').Properties.KeyPolicy.Statement;
      expect(statements).toEqual(expect.arrayContaining(ALL_PUBLISHERS.map(encryptStatement)));
      const sids = statements.map((s: any) => s.Sid).filter((s: unknown) => s !== undefined);
      expect(new Set(sids).size).toBe(sids.length);
    });

    test('THEN the budget, the anomaly subscription and the rules are created after the cluster topic\'s policy', () => {
      const policyId = idOf(t, 'AWS::SNS::TopicPolicy', 'ClusterAlertsTopicPolicy');
      for (const [type, prefix] of [
        ['AWS::Budgets::Budget', 'FinOpsBudgetMonthly'],
        ['AWS::CE::AnomalySubscription', 'FinOpsAnomalySubscription'],
        ['AWS::Events::Rule', 'FinOpsInstanceStateRule'],
        ['AWS::Events::Rule', 'FinOpsVolumeEventsRule'],
      ]) {
        expect(resourceOf(t, type, prefix).DependsOn).toContain(policyId);
      }
    });
  });

  test('GIVEN an imported topic THEN a warning lists the publishers its policy must allow, and nothing is added to it', () => {
    const { stack } = cdkStack();
    const topic = sns.Topic.fromTopicArn(stack, 'Imported', 'arn:aws:sns:eu-west-1:111122223333:alerts');
    new FinOpsGuardrails(stack, 'FinOps', { alertsTopic: topic, budgets: [{ name: 'monthly', limitUsd: 100 }] });
    Annotations.fromStack(stack).hasWarning('/Test/FinOps', Match.stringLikeRegexp(
      'The alerts topic is imported: its policy must allow cloudwatch.amazonaws.com, events.amazonaws.com, budgets.amazonaws.com to publish'));
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::SNS::Topic', 0);
    t.resourceCountIs('AWS::SNS::TopicPolicy', 0);
    t.hasResourceProperties('AWS::Budgets::Budget', {
      NotificationsWithSubscribers: Match.arrayWith([Match.objectLike({ Subscribers: [{ SubscriptionType: 'SNS', Address: 'arn:aws:sns:eu-west-1:111122223333:alerts' }] })]),
    });
  });

  describe('GIVEN bad props', () => {
    test('GIVEN a zero budget limit THEN it throws naming budgets[0].limitUsd, before anything is created', () => {
      const { stack } = cdkStack();
      expect(() => new FinOpsGuardrails(stack, 'F', { budgets: [{ name: 'x', limitUsd: 0 }] }))
        .toThrow(/Invalid props for FinOpsGuardrails at 'Test\/F' \(1 problem\):\n {2}- budgets\[0\]\.limitUsd: got 0; expected a limit in US dollars from 0.01 to 1000000000000/);
      expect(stack.node.tryFindChild('F')).toBeUndefined();
    });

    test('GIVEN several mistakes THEN one error names each', () => {
      const { stack } = cdkStack();
      expect(() => new FinOpsGuardrails(stack, 'F', {
        unattachedVolumes: { mode: RemediationMode.STOP },
        notify: { jira: { baseUrl: 'http://jira.example.com', projectKey: 'OPS', credentialsSecretArn: JIRA_SECRET } },
        budgetAction: { denyLaunchOnRoleArns: [DEV_ROLE] },
      })).toThrow(/\(3 problems\):\n {2}- notify\.jira\.baseUrl: .*\n {2}- unattachedVolumes\.mode: .*\n {2}- budgetAction: /);
    });

    test.each<[string, unknown, RegExp]>([
      ['an object', {}, /alertsTopic: got \{\}; expected an sns\.ITopic, e\.g\. a PlatformCluster's alertsTopic/],
      ['a topic ARN', 'arn:aws:sns:eu-west-1:111122223333:alerts', /alertsTopic: got "arn:aws:sns:eu-west-1:111122223333:alerts"; expected an sns\.ITopic/],
      ['a bucket', 'bucket', /alertsTopic: got a Bucket\d* at 'Test\/Bucket'; expected an sns\.ITopic/],
    ])('GIVEN alertsTopic as %s THEN it throws naming alertsTopic', (_, value, error) => {
      const { stack } = cdkStack();
      const alertsTopic = value === 'bucket' ? new s3.Bucket(stack, 'Bucket') : value;
      expect(() => new FinOpsGuardrails(stack, 'F', { alertsTopic } as unknown as FinOpsGuardrailsProps)).toThrow(error);
    });

    test('GIVEN an unknown prop from JavaScript THEN the nearest valid name', () => {
      const { stack } = cdkStack();
      expect(() => new FinOpsGuardrails(stack, 'F', { alertTopic: undefined, budget: [] } as unknown as FinOpsGuardrailsProps))
        .toThrow(/budget: got \[\]; unknown prop; did you mean budgets\?/);
      expect(() => new FinOpsGuardrails(stack, 'G', { topic: {} } as unknown as FinOpsGuardrailsProps)).toThrow(/topic: got \{\}; unknown prop; did you mean alertsTopic\?/);
    });
  });
});
