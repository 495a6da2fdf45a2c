import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { App as CdkApp, Stack } from 'aws-cdk-lib';
import * as sns from 'aws-cdk-lib/aws-sns';
import { TerraformStack, Token } from 'cdktf';
import { Construct } from 'constructs';
import * as cdk from '../../src/cdk';
import { FinOpsGuardrails, FinOpsGuardrailsProps, PlatformCluster, PlatformNetwork } from '../../src/cdktf';
import { sameAttributeReference } from '../../src/cdktf/engine';
import { EnvironmentProfile } from '../../src/constructs/environment-profile';
import {
  ApprovalMode,
  AWS_BUDGETS,
  BudgetNotificationType,
  BudgetPeriod,
  COST_ANOMALY_ALERTS,
  EVENTBRIDGE_RULES,
  FunctionPlan,
  functionRoleStatements,
  planFinOps,
  RemediationMode,
} from '../../src/constructs/finops-guardrails';
import {
  allowAccountToAdministerKey,
  allowCloudWatchLogs,
  allowPublisherToEncryptForTopics,
  AwsEnvironment,
  CLOUDWATCH_ALARMS,
  DENY_GRANTS_EXCEPT_FOR_AWS_SERVICES,
  TopicPublisher,
} from '../../src/constructs/policies';
import { PropsValidationError, validationContext } from '../../src/constructs/validation';
import { TfJson, tfRef, tfResources, tfStack, tfSynthFull } from '../helpers/terraform';
import { describeTfGates } from '../helpers/tf-gates';
import { tfAcknowledgements, tfAddress, tfPolicy, tfRefTo, tfResourceAt } from '../helpers/tf-platform';

const ACCOUNT = '111122223333';
const SLACK_SECRET = `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:finops/slack-webhook-AbCdEf`;
const JIRA_SECRET = `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:finops/jira-AbCdEf`;
const DEVELOPERS_ROLE = `arn:aws:iam::${ACCOUNT}:role/teams/Developers`;
const CI_ROLE = `arn:aws:iam::${ACCOUNT}:role/ci-deployer`;
const MONITOR_ARN = `arn:aws:ce::${ACCOUNT}:anomalymonitor/12345678-abcd-ef01-2345-6789abcdef01`;
const EC2_COMPUTE = 'Amazon Elastic Compute Cloud - Compute';

/** Every feature, PRODUCTION. */
const FULL: FinOpsGuardrailsProps = {
  profile: EnvironmentProfile.PRODUCTION,
  budgets: [
    { name: 'daily-compute', limitUsd: 50, period: BudgetPeriod.DAILY, costFilters: { Service: [EC2_COMPUTE], Region: ['eu-west-1', 'us-east-1'] } },
    {
      name: 'monthly',
      limitUsd: 1000.5,
      thresholds: [{ percent: 50 }, { percent: 100, type: BudgetNotificationType.FORECASTED }],
      costFilters: { TagKeyValue: ['user:team$platform'] },
    },
  ],
  notify: {
    emails: ['finops@example.com', 'cto@example.com'],
    topicEmails: ['platform-team@example.com', 'oncall@example.com'],
    slack: { workspaceId: 'T0123ABCD', channelId: 'C0456EFGH' },
    slackWebhookSecretArn: SLACK_SECRET,
    jira: { baseUrl: 'https://example.atlassian.net', projectKey: 'OPS', credentialsSecretArn: JIRA_SECRET, issueType: 'Bug' },
  },
  anomalyDetection: { minImpactUsd: 250 },
  idleInstances: { mode: RemediationMode.STOP, lookbackDays: 21, maxCpuPercent: 3, includeAutoScaling: false },
  unattachedVolumes: { mode: RemediationMode.DELETE, graceDays: 10, schedule: 'rate(1 day)' },
  budgetAction: { denyLaunchOnRoleArns: [DEVELOPERS_ROLE, CI_ROLE], budget: 'monthly' },
};

/** Built once, on first use: the behaviour tests and the quality gates share the stack. */
function lazy<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => (made ??= { value: make() }).value;
}

function scenario(props: FinOpsGuardrailsProps) {
  const { stack } = tfStack();
  const finops = new FinOpsGuardrails(stack, 'FinOps', props);
  return { stack, finops };
}
const full = lazy(() => scenario(FULL));
const minimal = lazy(() => scenario({}));

/** A PlatformCluster's alerts topic as the FinOps topic. */
const onCluster = lazy(() => {
  const { stack } = tfStack();
  const network = new PlatformNetwork(stack, 'Network', { availabilityZones: ['eu-west-1a', 'eu-west-1b'] });
  const cluster = new PlatformCluster(stack, 'Cluster', { network });
  const finops = new FinOpsGuardrails(stack, 'FinOps', {
    alertsTopic: cluster.alertsTopic,
    budgets: [{ name: 'monthly', limitUsd: 500 }],
    anomalyDetection: {},
  });
  return { stack, cluster, finops };
});

/** `${data.<type>.<name>.<attr>}` of the data source at `path` below the stack. */
function dataRef(json: TfJson, type: string, path: string, attr: string): string {
  const found = Object.entries<TfJson>(json.data?.[type] ?? {}).filter(([, c]) => c['//']?.metadata?.path === `test/${path}`);
  if (found.length !== 1) throw new Error(`expected one data.${type} at ${path}, found ${found.length}`);
  return `\${data.${type}.${found[0][0]}.${attr}}`;
}

/** The deploy-time environment a construct reads from its `<prefix>Partition/Region/Account` data sources. */
function envOf(json: TfJson, scope: string): AwsEnvironment {
  return {
    partition: dataRef(json, 'aws_partition', `${scope}Partition`, 'partition'),
    urlSuffix: dataRef(json, 'aws_partition', `${scope}Partition`, 'dns_suffix'),
    region: dataRef(json, 'aws_region', `${scope}Region`, 'name'),
    accountId: dataRef(json, 'aws_caller_identity', `${scope}Account`, 'account_id'),
  };
}

/** The topic-policy statement a publisher must get: sns:Publish on the topic, for this account's sources only. */
function publishStatement(principal: string, sourceArn: string, topicArn: string, env: AwsEnvironment) {
  return {
    Sid: expect.stringMatching(/^Allow[A-Za-z]+ToPublish$/),
    Effect: 'Allow',
    Principal: { Service: principal },
    Action: 'sns:Publish',
    Resource: topicArn,
    Condition: { StringEquals: { 'aws:SourceAccount': env.accountId }, ArnLike: { 'aws:SourceArn': sourceArn } },
  };
}

/** The source ARNs each publisher is limited to, spelled out (not taken from the code under test). */
function sourceArns(env: AwsEnvironment): Record<string, string> {
  const { partition: p, region: r, accountId: a } = env;
  return {
    'cloudwatch.amazonaws.com': `arn:${p}:cloudwatch:${r}:${a}:alarm:*`,
    'events.amazonaws.com': `arn:${p}:events:${r}:${a}:rule/*`,
    'budgets.amazonaws.com': `arn:${p}:budgets::${a}:*`,
    'costalerts.amazonaws.com': `arn:${p}:ce::${a}:anomalysubscription/*`,
  };
}

const TLS_ONLY = (resource: string, action: string) => ({
  Sid: 'DenyInsecureTransport',
  Effect: 'Deny',
  Principal: { AWS: '*' },
  Action: action,
  Resource: resource,
  Condition: { Bool: { 'aws:SecureTransport': 'false' } },
});

const FUNCTIONS = ['IdleInstances', 'UnattachedVolumes', 'SlackWebhook', 'JiraIssues'];

describe('FinOpsGuardrails (CDK for Terraform)', () => {
  describe('GIVEN every feature in PRODUCTION', () => {
    let json: TfJson;
    let env: AwsEnvironment;
    let topicArn: string;
    let keyArn: string;
    let topicPolicy: string;
    beforeAll(() => {
      json = tfSynthFull(full().stack);
      env = envOf(json, 'FinOps/Env');
      topicArn = tfRefTo(json, 'aws_sns_topic', 'FinOps/Topic', 'arn');
      keyArn = tfRefTo(json, 'aws_kms_key', 'FinOps/Key', 'arn');
      topicPolicy = tfAddress(json, 'aws_sns_topic_policy', 'FinOps/TopicPolicy');
    });

    test('THEN a rotating key, kept on destroy, that the account administers, CloudWatch Logs and the four publishers may use, grants only for AWS services', () => {
      const key = tfResourceAt(json, 'aws_kms_key', 'FinOps/Key');
      expect(key).toMatchObject({
        description: 'Encrypts the FinOps alerts, logs and dead letters of test/FinOps',
        enable_key_rotation: true,
        deletion_window_in_days: 30,
        lifecycle: { prevent_destroy: true },
      });
      const statements = tfPolicy(key).Statement;
      expect(statements.map((s: any) => s.Sid ?? 'AccountAdministers')).toEqual([
        'AccountAdministers',
        'AllowCloudWatchLogs',
        'AllowCloudWatchAlarmsToEncryptedTopics',
        'AllowEventBridgeRulesToEncryptedTopics',
        'AllowBudgetsToEncryptedTopics',
        'AllowCostAnomalyDetectionToEncryptedTopics',
        'DenyGrantsExceptForAwsServices',
      ]);
      expect(statements[0]).toEqual({ Effect: 'Allow', Principal: { AWS: `arn:${env.partition}:iam::${env.accountId}:root` }, Action: 'kms:*', Resource: '*' });
      expect(statements[1]).toMatchObject({
        Principal: { Service: `logs.${env.region}.${env.urlSuffix}` },
        Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${env.partition}:logs:${env.region}:${env.accountId}:log-group:*` } },
      });
      const arns = sourceArns(env);
      for (const statement of statements.slice(2, 6)) {
        expect(statement).toEqual({
          Sid: statement.Sid,
          Effect: 'Allow',
          Principal: { Service: expect.any(String) },
          Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          Resource: '*',
          Condition: {
            StringEquals: { 'aws:SourceAccount': env.accountId },
            ArnLike: {
              'aws:SourceArn': arns[statement.Principal.Service],
              'kms:EncryptionContext:aws:sns:topicArn': `arn:${env.partition}:sns:${env.region}:${env.accountId}:*`,
            },
          },
        });
      }
      expect(statements[6]).toEqual(DENY_GRANTS_EXCEPT_FOR_AWS_SERVICES);
    });

    test('THEN one topic under the key, whose policy lets exactly CloudWatch, EventBridge, Budgets and Cost Anomaly Detection publish, over TLS only', () => {
      expect(tfResources(json, 'aws_sns_topic')).toHaveLength(1);
      expect(tfResourceAt(json, 'aws_sns_topic', 'FinOps/Topic')).toMatchObject({ kms_master_key_id: keyArn, tags: { Name: 'test/FinOps' } });
      const policy = tfResourceAt(json, 'aws_sns_topic_policy', 'FinOps/TopicPolicy');
      expect(policy.arn).toBe(topicArn);
      const arns = sourceArns(env);
      expect(tfPolicy(policy).Statement).toEqual([
        ...Object.entries(arns).map(([principal, source]) => publishStatement(principal, source, topicArn, env)),
        TLS_ONLY(topicArn, 'sns:Publish'),
      ]);
    });

    test('THEN one COST budget per entry: period, limit in USD, cost filters, the notifications to the topic and the emails, after the topic policy', () => {
      const daily = tfResourceAt(json, 'aws_budgets_budget', 'FinOps/BudgetDailyCompute');
      const monthly = tfResourceAt(json, 'aws_budgets_budget', 'FinOps/BudgetMonthly');
      expect(tfResources(json, 'aws_budgets_budget')).toHaveLength(2);
      const notification = (type: string, threshold: number) => ({
        notification_type: type,
        comparison_operator: 'GREATER_THAN',
        threshold,
        threshold_type: 'PERCENTAGE',
        subscriber_sns_topic_arns: [topicArn],
        subscriber_email_addresses: ['finops@example.com', 'cto@example.com'],
      });
      const { '//': _d, ...dailyConfig } = daily;
      expect(dailyConfig).toEqual({
        name: `test-FinOps-daily-compute-${env.region}`,
        budget_type: 'COST',
        time_unit: 'DAILY',
        limit_amount: '50',
        limit_unit: 'USD',
        cost_filter: [{ name: 'Service', values: [EC2_COMPUTE] }, { name: 'Region', values: ['eu-west-1', 'us-east-1'] }],
        // DAILY: no forecasted alert (AWS Budgets does not forecast daily budgets).
        notification: [notification('ACTUAL', 80), notification('ACTUAL', 100)],
        depends_on: [topicPolicy],
        tags: { Name: 'test/FinOps' },
      });
      expect(monthly).toMatchObject({
        name: `test-FinOps-monthly-${env.region}`,
        time_unit: 'MONTHLY',
        limit_amount: '1000.5',
        cost_filter: [{ name: 'TagKeyValue', values: ['user:team$platform'] }],
        notification: [notification('ACTUAL', 50), notification('FORECASTED', 100)],
        depends_on: [topicPolicy],
      });
      for (const budget of [daily, monthly]) expect(budget.name.length).toBeLessThanOrEqual(100);
    });

    test('THEN a DIMENSIONAL / SERVICE anomaly monitor, and an IMMEDIATE subscription to the topic from the minimum impact, after the topic policy', () => {
      expect(tfResourceAt(json, 'aws_ce_anomaly_monitor', 'FinOps/AnomalyMonitor')).toMatchObject({
        name: `test-FinOps-services-${env.region}`, monitor_type: 'DIMENSIONAL', monitor_dimension: 'SERVICE',
      });
      const { '//': _, ...subscription } = tfResourceAt(json, 'aws_ce_anomaly_subscription', 'FinOps/AnomalySubscription');
      expect(subscription).toEqual({
        name: `test-FinOps-anomalies-${env.region}`,
        frequency: 'IMMEDIATE',
        monitor_arn_list: [tfRefTo(json, 'aws_ce_anomaly_monitor', 'FinOps/AnomalyMonitor', 'arn')],
        subscriber: [{ type: 'SNS', address: topicArn }],
        threshold_expression: { dimension: { key: 'ANOMALY_TOTAL_IMPACT_ABSOLUTE', match_options: ['GREATER_THAN_OR_EQUAL'], values: ['250'] } },
        depends_on: [topicPolicy],
        tags: { Name: 'test/FinOps' },
      });
    });

    test('THEN EC2 state changes and EBS volume events go to the topic as readable text, after the topic policy', () => {
      const instances = tfResourceAt(json, 'aws_cloudwatch_event_rule', 'FinOps/InstanceStateRule');
      expect(JSON.parse(instances.event_pattern)).toEqual({
        'source': ['aws.ec2'],
        'detail-type': ['EC2 Instance State-change Notification'],
        'detail': { state: ['running', 'stopped', 'terminated'] },
      });
      expect(instances.schedule_expression).toBeUndefined();
      const volumes = tfResourceAt(json, 'aws_cloudwatch_event_rule', 'FinOps/VolumeEventsRule');
      expect(JSON.parse(volumes.event_pattern)).toEqual({ 'source': ['aws.ec2'], 'detail-type': ['EBS Volume Notification'] });

      const { '//': _i, ...instanceTarget } = tfResourceAt(json, 'aws_cloudwatch_event_target', 'FinOps/InstanceStateRuleTarget');
      expect(instanceTarget).toEqual({
        rule: tfRefTo(json, 'aws_cloudwatch_event_rule', 'FinOps/InstanceStateRule', 'name'),
        arn: topicArn,
        input_transformer: {
          input_paths: { instance: '$.detail.instance-id', state: '$.detail.state', account: '$.account', region: '$.region', time: '$.time' },
          input_template: '"EC2 instance <instance> is now <state> (account <account>, <region>, <time>)."',
        },
        depends_on: [topicPolicy],
      });
      expect(tfResourceAt(json, 'aws_cloudwatch_event_target', 'FinOps/VolumeEventsRuleTarget')).toMatchObject({
        rule: tfRefTo(json, 'aws_cloudwatch_event_rule', 'FinOps/VolumeEventsRule', 'name'),
        arn: topicArn,
        input_transformer: {
          input_paths: { volume: '$.resources[0]', event: '$.detail.event', result: '$.detail.result', cause: '$.detail.cause', time: '$.time' },
          input_template: '"EBS <event> of <volume>: <result> <cause> (<time>)."',
        },
        depends_on: [topicPolicy],
      });
      // The template is a JSON string literal: SNS receives plain text.
      expect(typeof JSON.parse(instanceTarget.input_transformer.input_template)).toBe('string');
    });

    test('THEN an AWS Chatbot Slack channel on the topic, limited to ReadOnlyAccess, with a role only AWS Chatbot assumes', () => {
      const { '//': _, ...channel } = tfResourceAt(json, 'aws_chatbot_slack_channel_configuration', 'FinOps/SlackChannel');
      const rolePolicy = tfAddress(json, 'aws_iam_role_policy', 'FinOps/SlackChannelRolePolicy');
      expect(channel).toEqual({
        configuration_name: `test-FinOps-slack-${env.region}`,
        iam_role_arn: tfRefTo(json, 'aws_iam_role', 'FinOps/SlackChannelRole', 'arn'),
        slack_team_id: 'T0123ABCD',
        slack_channel_id: 'C0456EFGH',
        sns_topic_arns: [topicArn],
        guardrail_policy_arns: [`arn:${env.partition}:iam::aws:policy/ReadOnlyAccess`],
        logging_level: 'ERROR',
        user_authorization_required: false,
        depends_on: [rolePolicy],
        tags: { Name: 'test/FinOps' },
      });
      expect(tfPolicy(tfResourceAt(json, 'aws_iam_role', 'FinOps/SlackChannelRole'), 'assume_role_policy').Statement)
        .toEqual([{ Effect: 'Allow', Principal: { Service: 'chatbot.amazonaws.com' }, Action: 'sts:AssumeRole' }]);
      const policy = tfResourceAt(json, 'aws_iam_role_policy', 'FinOps/SlackChannelRolePolicy');
      expect(policy.role).toBe(tfRefTo(json, 'aws_iam_role', 'FinOps/SlackChannelRole', 'id'));
      expect(tfPolicy(policy).Statement).toEqual([{
        Sid: 'ReadAlarmsAndMetrics',
        Effect: 'Allow',
        Action: ['cloudwatch:DescribeAlarms', 'cloudwatch:GetMetricData', 'cloudwatch:GetMetricStatistics', 'cloudwatch:ListMetrics'],
        Resource: '*',
      }]);
    });

    test('THEN one dead-letter queue under the key, kept 14 days, TLS only, acknowledged for the Guard rule on dead-letter queues', () => {
      expect(tfResources(json, 'aws_sqs_queue')).toHaveLength(1);
      const queue = tfResourceAt(json, 'aws_sqs_queue', 'FinOps/DeadLetterQueue');
      expect(queue).toMatchObject({ kms_master_key_id: keyArn, message_retention_seconds: 14 * 24 * 3600 });
      expect(queue.redrive_policy).toBeUndefined();
      expect(Object.keys(tfAcknowledgements(queue))).toEqual(['TF_SQS_DEAD_LETTER_QUEUE']);
      const queuePolicy = tfResourceAt(json, 'aws_sqs_queue_policy', 'FinOps/DeadLetterQueuePolicy');
      const queueArn = tfRefTo(json, 'aws_sqs_queue', 'FinOps/DeadLetterQueue', 'arn');
      expect(queuePolicy.queue_url).toBe(tfRefTo(json, 'aws_sqs_queue', 'FinOps/DeadLetterQueue', 'url'));
      expect(tfPolicy(queuePolicy).Statement).toEqual([TLS_ONLY(queueArn, 'sqs:*')]);
    });

    test('THEN four ARM64 Node.js 22 functions from their bundles, JSON logs in their own encrypted log groups (365 days, kept), dead letters to the queue, after their role policies', () => {
      expect(tfResources(json, 'aws_lambda_function')).toHaveLength(4);
      const queueArn = tfRefTo(json, 'aws_sqs_queue', 'FinOps/DeadLetterQueue', 'arn');
      const sizes: Record<string, [number, number]> = {
        IdleInstances: [300, 256], UnattachedVolumes: [300, 256], SlackWebhook: [30, 128], JiraIssues: [30, 128],
      };
      const hashes = new Set<string>();
      for (const id of FUNCTIONS) {
        const fn = tfResourceAt(json, 'aws_lambda_function', `FinOps/${id}Function`);
        const logGroup = tfResourceAt(json, 'aws_cloudwatch_log_group', `FinOps/${id}LogGroup`);
        expect(fn).toMatchObject({
          function_name: `test-FinOps-${id}`,
          runtime: 'nodejs22.x',
          architectures: ['arm64'],
          handler: 'index.handler',
          timeout: sizes[id][0],
          memory_size: sizes[id][1],
          role: tfRefTo(json, 'aws_iam_role', `FinOps/${id}Role`, 'arn'),
          logging_config: { log_format: 'JSON', log_group: tfRefTo(json, 'aws_cloudwatch_log_group', `FinOps/${id}LogGroup`, 'name') },
          dead_letter_config: { target_arn: queueArn },
          depends_on: [tfAddress(json, 'aws_iam_role_policy', `FinOps/${id}RolePolicy`)],
        });
        // The bundle is a Terraform asset (its zip copied into the stack's output) and its hash redeploys the function on change.
        const [, hash] = /^assets\/FinOps_[A-Za-z]+Code_[A-F0-9]{8}\/([A-F0-9]+)\/[a-z-]+\.zip$/.exec(fn.filename) ?? [];
        expect(hash).toBeDefined();
        expect(fn.source_code_hash).toBe(hash);
        hashes.add(hash);
        expect(logGroup).toMatchObject({ kms_key_id: keyArn, retention_in_days: 365, skip_destroy: true });
        expect(logGroup.name_prefix).toMatch(/^\/platform\/test\/FinOps\/[a-z-]+\/$/);
      }
      expect(hashes.size).toBe(4);
      expect(tfResourceAt(json, 'aws_cloudwatch_log_group', 'FinOps/IdleInstancesLogGroup').name_prefix).toBe('/platform/test/FinOps/idle-instances/');
    });

    test('THEN the functions get their settings in environment variables, and the reporting ones the topic ARN and the deployment\'s name', () => {
      const variables = (id: string) => tfResourceAt(json, 'aws_lambda_function', `FinOps/${id}Function`).environment.variables;
      expect(variables('IdleInstances')).toEqual({
        MODE: 'STOP',
        MAX_CPU_PERCENT: '3',
        MAX_NETWORK_BYTES_PER_DAY: '5000000',
        LOOKBACK_DAYS: '21',
        EXCLUDE_TAG: 'finops:keep',
        INCLUDE_AUTO_SCALING: 'false',
        TOPIC_ARN: topicArn,
        // The reports name the deployment: the stack and the construct path.
        PLATFORM_NAME: 'test/FinOps',
      });
      expect(variables('UnattachedVolumes')).toEqual({
        MODE: 'DELETE', GRACE_DAYS: '10', SNAPSHOT_BEFORE_DELETE: 'true', EXCLUDE_TAG: 'finops:keep', TOPIC_ARN: topicArn, PLATFORM_NAME: 'test/FinOps',
      });
      expect(variables('SlackWebhook')).toEqual({ WEBHOOK_SECRET_ARN: SLACK_SECRET });
      expect(variables('JiraIssues')).toEqual({
        JIRA_BASE_URL: 'https://example.atlassian.net', JIRA_PROJECT_KEY: 'OPS', JIRA_ISSUE_TYPE: 'Bug', CREDENTIALS_SECRET_ARN: JIRA_SECRET,
      });
    });

    test('THEN each function role is trusted by Lambda and its policy is exactly the planned one, on this stack\'s log group, queue, topic and key', () => {
      const plan = planFinOps(FULL, validationContext('FinOpsGuardrails', 'test', 'FinOps', (value) => Token.isUnresolved(value)));
      expect(plan.functions.map((f: FunctionPlan) => f.id)).toEqual(FUNCTIONS);
      for (const fn of plan.functions) {
        const role = tfResourceAt(json, 'aws_iam_role', `FinOps/${fn.id}Role`);
        expect(tfPolicy(role, 'assume_role_policy').Statement)
          .toEqual([{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }]);
        const policy = tfResourceAt(json, 'aws_iam_role_policy', `FinOps/${fn.id}RolePolicy`);
        expect(policy.role).toBe(tfRefTo(json, 'aws_iam_role', `FinOps/${fn.id}Role`, 'id'));
        expect(tfRef(tfResourceAt(json, 'aws_lambda_function', `FinOps/${fn.id}Function`).role)).toBe(tfAddress(json, 'aws_iam_role', `FinOps/${fn.id}Role`));
        expect(tfPolicy(policy).Statement).toEqual(functionRoleStatements(fn, {
          logStreamsArn: `${tfRefTo(json, 'aws_cloudwatch_log_group', `FinOps/${fn.id}LogGroup`, 'arn')}:*`,
          deadLetterQueueArn: tfRefTo(json, 'aws_sqs_queue', 'FinOps/DeadLetterQueue', 'arn'),
          topicArn,
          keyArn,
        }, env));
      }
      // Spot checks that the plan rendered is the one asked for: STOP and DELETE grant their actions, the webhook only its secret.
      const actions = (id: string) => tfPolicy(tfResourceAt(json, 'aws_iam_role_policy', `FinOps/${id}RolePolicy`)).Statement.flatMap((s: any) => [s.Action].flat());
      expect(actions('IdleInstances')).toContain('ec2:StopInstances');
      expect(actions('UnattachedVolumes')).toEqual(expect.arrayContaining(['ec2:DeleteVolume', 'ec2:CreateSnapshot']));
      expect(actions('SlackWebhook')).not.toContain('sns:Publish');
      expect(tfPolicy(tfResourceAt(json, 'aws_iam_role_policy', 'FinOps/SlackWebhookRolePolicy')).Statement.at(-1))
        .toEqual({ Sid: 'ReadCredentials', Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: SLACK_SECRET });
    });

    test('THEN the scheduled functions run from their own rules, which alone may invoke them (retried twice)', () => {
      for (const [id, schedule] of [['IdleInstances', 'cron(0 6 * * ? *)'], ['UnattachedVolumes', 'rate(1 day)']]) {
        const ruleArn = tfRefTo(json, 'aws_cloudwatch_event_rule', `FinOps/${id}Schedule`, 'arn');
        expect(tfResourceAt(json, 'aws_cloudwatch_event_rule', `FinOps/${id}Schedule`)).toMatchObject({
          description: `Runs the ${id} FinOps function`, schedule_expression: schedule,
        });
        expect(tfResourceAt(json, 'aws_cloudwatch_event_rule', `FinOps/${id}Schedule`).event_pattern).toBeUndefined();
        expect(tfResourceAt(json, 'aws_cloudwatch_event_target', `FinOps/${id}ScheduleTarget`)).toMatchObject({
          rule: tfRefTo(json, 'aws_cloudwatch_event_rule', `FinOps/${id}Schedule`, 'name'),
          arn: tfRefTo(json, 'aws_lambda_function', `FinOps/${id}Function`, 'arn'),
          retry_policy: { maximum_retry_attempts: 2 },
        });
        const { '//': _, ...permission } = tfResourceAt(json, 'aws_lambda_permission', `FinOps/${id}InvokeFromSchedule`);
        expect(permission).toEqual({
          action: 'lambda:InvokeFunction',
          function_name: tfRefTo(json, 'aws_lambda_function', `FinOps/${id}Function`, 'function_name'),
          principal: 'events.amazonaws.com',
          source_arn: ruleArn,
        });
      }
    });

    test('THEN the notifying functions subscribe to the topic, which alone may invoke them, and topicEmails get email subscriptions', () => {
      for (const id of ['SlackWebhook', 'JiraIssues']) {
        expect(tfResourceAt(json, 'aws_sns_topic_subscription', `FinOps/${id}Subscription`)).toMatchObject({
          topic_arn: topicArn, protocol: 'lambda', endpoint: tfRefTo(json, 'aws_lambda_function', `FinOps/${id}Function`, 'arn'),
        });
        const { '//': _, ...permission } = tfResourceAt(json, 'aws_lambda_permission', `FinOps/${id}InvokeFromTopic`);
        expect(permission).toEqual({
          action: 'lambda:InvokeFunction',
          function_name: tfRefTo(json, 'aws_lambda_function', `FinOps/${id}Function`, 'function_name'),
          principal: 'sns.amazonaws.com',
          source_arn: topicArn,
        });
      }
      const emails = tfResources(json, 'aws_sns_topic_subscription').map(([, s]) => s).filter((s) => s.protocol === 'email');
      expect(emails.map((s) => [s.topic_arn, s.endpoint])).toEqual([[topicArn, 'platform-team@example.com'], [topicArn, 'oncall@example.com']]);
      expect(tfResourceAt(json, 'aws_sns_topic_subscription', 'FinOps/TopicEmail1').endpoint).toBe('oncall@example.com');
      expect(tfResources(json, 'aws_sns_topic_subscription')).toHaveLength(4);
      expect(tfResources(json, 'aws_lambda_permission')).toHaveLength(4);
    });

    test('THEN an errors alarm per function and a dead-letter alarm, each notifying the topic', () => {
      expect(tfResources(json, 'aws_cloudwatch_metric_alarm')).toHaveLength(5);
      const common = {
        alarm_actions: [topicArn],
        period: 300,
        evaluation_periods: 1,
        threshold: 1,
        comparison_operator: 'GreaterThanOrEqualToThreshold',
        treat_missing_data: 'notBreaching',
      };
      for (const id of FUNCTIONS) {
        expect(tfResourceAt(json, 'aws_cloudwatch_metric_alarm', `FinOps/${id}ErrorsAlarm`)).toMatchObject({
          ...common,
          alarm_name: `test/FinOps/${id}ErrorsAlarm`,
          namespace: 'AWS/Lambda',
          metric_name: 'Errors',
          statistic: 'Sum',
          dimensions: { FunctionName: tfRefTo(json, 'aws_lambda_function', `FinOps/${id}Function`, 'function_name') },
        });
      }
      expect(tfResourceAt(json, 'aws_cloudwatch_metric_alarm', 'FinOps/DeadLettersAlarm')).toMatchObject({
        ...common,
        namespace: 'AWS/SQS',
        metric_name: 'ApproximateNumberOfMessagesVisible',
        statistic: 'Maximum',
        dimensions: { QueueName: tfRefTo(json, 'aws_sqs_queue', 'FinOps/DeadLetterQueue', 'name') },
      });
    });

    test('THEN a MANUAL budget action on the named budget attaches the deny-launch policy to the roles at 100 %, through a role only AWS Budgets assumes', () => {
      const policyArn = tfRefTo(json, 'aws_iam_policy', 'FinOps/DenyLaunchPolicy', 'arn');
      const roleArn = tfRefTo(json, 'aws_iam_role', 'FinOps/BudgetActionRole', 'arn');
      const { '//': _, ...action } = tfResourceAt(json, 'aws_budgets_budget_action', 'FinOps/BudgetAction');
      expect(action).toEqual({
        budget_name: tfRefTo(json, 'aws_budgets_budget', 'FinOps/BudgetMonthly', 'name'),
        notification_type: 'ACTUAL',
        action_type: 'APPLY_IAM_POLICY',
        action_threshold: { action_threshold_type: 'PERCENTAGE', action_threshold_value: 100 },
        approval_model: 'MANUAL',
        execution_role_arn: roleArn,
        definition: { iam_action_definition: { policy_arn: policyArn, roles: ['Developers', 'ci-deployer'] } },
        subscriber: [{ subscription_type: 'SNS', address: topicArn }],
        depends_on: [tfAddress(json, 'aws_iam_role_policy', 'FinOps/BudgetActionRolePolicy'), topicPolicy],
      });
      expect(tfPolicy(tfResourceAt(json, 'aws_iam_policy', 'FinOps/DenyLaunchPolicy')).Statement).toEqual([{
        Sid: 'DenyLaunchingCompute',
        Effect: 'Deny',
        Action: ['ec2:RunInstances', 'ec2:StartInstances', 'ec2:RequestSpotInstances', 'ec2:RequestSpotFleet', 'ec2:CreateFleet',
          'ecs:RunTask', 'ecs:StartTask', 'ecs:CreateService', 'rds:CreateDBInstance', 'rds:StartDBInstance'],
        Resource: '*',
      }]);
      expect(tfPolicy(tfResourceAt(json, 'aws_iam_role', 'FinOps/BudgetActionRole'), 'assume_role_policy').Statement).toEqual([{
        Effect: 'Allow',
        Principal: { Service: 'budgets.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: {
          StringEquals: { 'aws:SourceAccount': env.accountId },
          ArnLike: { 'aws:SourceArn': `arn:${env.partition}:budgets::${env.accountId}:budget/*` },
        },
      }]);
      const rolePolicy = tfResourceAt(json, 'aws_iam_role_policy', 'FinOps/BudgetActionRolePolicy');
      expect(rolePolicy.role).toBe(tfRefTo(json, 'aws_iam_role', 'FinOps/BudgetActionRole', 'id'));
      expect(tfPolicy(rolePolicy).Statement).toEqual([{
        Sid: 'AttachDenyLaunchPolicy',
        Effect: 'Allow',
        Action: ['iam:AttachRolePolicy', 'iam:DetachRolePolicy'],
        Resource: [DEVELOPERS_ROLE, CI_ROLE],
        Condition: { ArnEquals: { 'iam:PolicyARN': policyArn } },
      }]);
    });

    test('THEN the public properties reach the resources, and the construct IDs are the ones both engines share', () => {
      const { finops } = full();
      expect(finops.profile).toBe(EnvironmentProfile.PRODUCTION);
      expect(finops.topic.node.path).toBe('test/FinOps/Topic');
      // cdktf makes a new token per attribute read: compare the addresses they stand for.
      expect(sameAttributeReference(finops.topicArn, finops.topic.arn)).toBe(true);
      expect(finops.budgets.map((b) => b.node.id)).toEqual(['BudgetDailyCompute', 'BudgetMonthly']);
      expect(finops.functions.map((f) => f.node.id)).toEqual(FUNCTIONS.map((id) => `${id}Function`));
      expect(finops.logGroups.map((g) => g.node.id)).toEqual(FUNCTIONS.map((id) => `${id}LogGroup`));
      expect(finops.rules.map((r) => r.node.id)).toEqual(['InstanceStateRule', 'VolumeEventsRule']);
      expect(finops.anomalyMonitor?.node.id).toBe('AnomalyMonitor');
      expect(finops.anomalySubscription?.node.id).toBe('AnomalySubscription');
      expect(finops.deadLetterQueue?.node.id).toBe('DeadLetterQueue');
      expect(finops.slackChannel?.node.id).toBe('SlackChannel');
      expect(finops.budgetAction?.node.id).toBe('BudgetAction');
      expect(finops.denyLaunchPolicy?.node.id).toBe('DenyLaunchPolicy');
      expect(finops.encryptionKey.node.id).toBe('Key');
      const ids = finops.node.children.map((c) => c.node.id);
      for (const id of ['Key', 'Topic', 'TopicPolicy', 'TopicEmail0', 'TopicEmail1', 'BudgetDailyCompute', 'BudgetMonthly', 'AnomalyMonitor',
        'AnomalySubscription', 'InstanceStateRule', 'InstanceStateRuleTarget', 'VolumeEventsRule', 'VolumeEventsRuleTarget', 'SlackChannelRole',
        'SlackChannelRolePolicy', 'SlackChannel', 'DeadLetterQueue', 'DeadLetterQueuePolicy', 'DeadLettersAlarm', 'DenyLaunchPolicy',
        'BudgetActionRole', 'BudgetActionRolePolicy', 'BudgetAction',
        ...FUNCTIONS.flatMap((f) => [`${f}LogGroup`, `${f}Role`, `${f}RolePolicy`, `${f}Code`, `${f}Function`, `${f}ErrorsAlarm`]),
        'IdleInstancesSchedule', 'IdleInstancesScheduleTarget', 'IdleInstancesInvokeFromSchedule',
        'SlackWebhookSubscription', 'SlackWebhookInvokeFromTopic']) {
        expect(ids).toContain(id);
      }
    });
  });

  describe('GIVEN no props (DEVELOPMENT)', () => {
    let json: TfJson;
    beforeAll(() => {
      json = tfSynthFull(minimal().stack);
    });

    test('THEN a key with a 7-day window and no lifecycle, a topic whose policy admits CloudWatch and EventBridge only, and the two event rules', () => {
      const env = envOf(json, 'FinOps/Env');
      const topicArn = tfRefTo(json, 'aws_sns_topic', 'FinOps/Topic', 'arn');
      const key = tfResourceAt(json, 'aws_kms_key', 'FinOps/Key');
      expect(key).toMatchObject({ deletion_window_in_days: 7, enable_key_rotation: true });
      expect(key.lifecycle).toBeUndefined();
      expect(tfPolicy(key).Statement).toEqual([
        allowAccountToAdministerKey(env),
        allowCloudWatchLogs(env),
        allowPublisherToEncryptForTopics(CLOUDWATCH_ALARMS, env),
        allowPublisherToEncryptForTopics(EVENTBRIDGE_RULES, env),
        DENY_GRANTS_EXCEPT_FOR_AWS_SERVICES,
      ]);
      const arns = sourceArns(env);
      expect(tfPolicy(tfResourceAt(json, 'aws_sns_topic_policy', 'FinOps/TopicPolicy')).Statement).toEqual([
        publishStatement('cloudwatch.amazonaws.com', arns['cloudwatch.amazonaws.com'], topicArn, env),
        publishStatement('events.amazonaws.com', arns['events.amazonaws.com'], topicArn, env),
        TLS_ONLY(topicArn, 'sns:Publish'),
      ]);
      expect(tfResources(json, 'aws_cloudwatch_event_rule').map(([, r]) => r['//'].metadata.path))
        .toEqual(['test/FinOps/InstanceStateRule', 'test/FinOps/VolumeEventsRule']);
    });

    test('THEN nothing else: no budgets, anomaly detection, Chatbot, functions, queue, alarms or budget action', () => {
      for (const type of ['aws_budgets_budget', 'aws_budgets_budget_action', 'aws_ce_anomaly_monitor', 'aws_ce_anomaly_subscription',
        'aws_chatbot_slack_channel_configuration', 'aws_lambda_function', 'aws_cloudwatch_log_group', 'aws_sqs_queue',
        'aws_cloudwatch_metric_alarm', 'aws_iam_role', 'aws_iam_policy', 'aws_sns_topic_subscription', 'aws_lambda_permission']) {
        expect([type, tfResources(json, type)]).toEqual([type, []]);
      }
      const { finops } = minimal();
      expect(finops.profile).toBe(EnvironmentProfile.DEVELOPMENT);
      expect([finops.budgets, finops.functions, finops.logGroups]).toEqual([[], [], []]);
      const optional = [finops.deadLetterQueue, finops.anomalyMonitor, finops.slackChannel, finops.budgetAction, finops.denyLaunchPolicy];
      for (const resource of optional) expect(resource).toBeUndefined();
    });
  });

  test('GIVEN a DEVELOPMENT webhook function THEN its log group keeps 30 days and is destroyed with the stack; logRetentionDays overrides it', () => {
    const { stack } = tfStack();
    new FinOpsGuardrails(stack, 'Dev', { notify: { slackWebhookSecretArn: SLACK_SECRET } });
    new FinOpsGuardrails(stack, 'Audited', { notify: { slackWebhookSecretArn: SLACK_SECRET }, logRetentionDays: 731, instanceEvents: false, volumeEvents: false });
    const json = tfSynthFull(stack);
    expect(tfResourceAt(json, 'aws_cloudwatch_log_group', 'Dev/SlackWebhookLogGroup')).toMatchObject({ retention_in_days: 30, skip_destroy: false });
    expect(tfResourceAt(json, 'aws_cloudwatch_log_group', 'Audited/SlackWebhookLogGroup')).toMatchObject({ retention_in_days: 731, skip_destroy: false });
    expect(tfResourceAt(json, 'aws_kms_key', 'Dev/Key').lifecycle).toBeUndefined();
    // The webhook function publishes nothing: no TOPIC_ARN, and no sns:Publish grant.
    expect(tfResourceAt(json, 'aws_lambda_function', 'Dev/SlackWebhookFunction').environment.variables).toEqual({ WEBHOOK_SECRET_ARN: SLACK_SECRET });
    // No EC2 or EBS rules: EventBridge is not admitted to the topic.
    expect(tfResources(json, 'aws_cloudwatch_event_rule').filter(([, r]) => r['//'].metadata.path.startsWith('test/Audited/'))).toEqual([]);
    expect(tfPolicy(tfResourceAt(json, 'aws_sns_topic_policy', 'Audited/TopicPolicy')).Statement.map((s: any) => s.Principal.Service ?? s.Sid))
      .toEqual(['cloudwatch.amazonaws.com', 'DenyInsecureTransport']);
  });

  test('GIVEN existingMonitorArn THEN no monitor is created and the subscription uses the one given', () => {
    const { stack, finops } = scenario({ anomalyDetection: { existingMonitorArn: MONITOR_ARN }, instanceEvents: false, volumeEvents: false });
    const json = tfSynthFull(stack);
    expect(tfResources(json, 'aws_ce_anomaly_monitor')).toEqual([]);
    expect(finops.anomalyMonitor).toBeUndefined();
    expect(tfResourceAt(json, 'aws_ce_anomaly_subscription', 'FinOps/AnomalySubscription')).toMatchObject({
      monitor_arn_list: [MONITOR_ARN],
      threshold_expression: { dimension: { key: 'ANOMALY_TOTAL_IMPACT_ABSOLUTE', match_options: ['GREATER_THAN_OR_EQUAL'], values: ['100'] } },
    });
    expect(tfPolicy(tfResourceAt(json, 'aws_sns_topic_policy', 'FinOps/TopicPolicy')).Statement.map((s: any) => s.Principal.Service ?? s.Sid))
      .toEqual(['cloudwatch.amazonaws.com', 'costalerts.amazonaws.com', 'DenyInsecureTransport']);
  });

  test('GIVEN a long construct path and a 40-character budget name THEN the budget name is cut, ends in a hash and the region, and stays within 100 characters', () => {
    const { stack } = tfStack();
    const deep = new Construct(new Construct(stack, 'OrganisationWideCostGovernance'), 'ProductionWorkloadsInEveryRegionAndAccount');
    new FinOpsGuardrails(deep, 'FinOpsGuardrailsForTheWholeCompany', {
      budgets: [{ name: 'a'.repeat(40), limitUsd: 0.01 }, { name: 'b'.repeat(40), limitUsd: 10 }],
      instanceEvents: false,
      volumeEvents: false,
    });
    const json = tfSynthFull(stack);
    const names = tfResources(json, 'aws_budgets_budget').map(([, b]) => b.name);
    expect(names).toHaveLength(2);
    // 79 characters of path and hash leave 21 for '-' and the region (the longest region names have 14).
    for (const name of names) expect(name).toMatch(/^[A-Za-z0-9_-]{70}-[0-9a-f]{8}-\$\{data\.aws_region\.[A-Za-z0-9_]+\.name\}$/);
    expect(new Set(names).size).toBe(2);
    expect(tfResources(json, 'aws_budgets_budget').map(([, b]) => b.limit_amount)).toEqual(['0.01', '10']);
  });

  describe('GIVEN a PlatformCluster\'s alerts topic', () => {
    let json: TfJson;
    beforeAll(() => {
      json = tfSynthFull(onCluster().stack);
    });

    test('THEN no topic of its own: budgets, anomalies and rules publish to the cluster\'s topic', () => {
      expect(tfResources(json, 'aws_sns_topic').map(([, t]) => t['//'].metadata.path)).toEqual(['test/Cluster/AlertsTopic']);
      expect(tfResources(json, 'aws_sns_topic_policy').map(([, t]) => t['//'].metadata.path)).toEqual(['test/Cluster/AlertsTopicPolicy']);
      const topicArn = tfRefTo(json, 'aws_sns_topic', 'Cluster/AlertsTopic', 'arn');
      const { finops } = onCluster();
      expect(finops.topic).toBe(onCluster().cluster.alertsTopic);
      expect(tfResourceAt(json, 'aws_budgets_budget', 'FinOps/BudgetMonthly').notification.map((n: any) => n.subscriber_sns_topic_arns))
        .toEqual([[topicArn], [topicArn], [topicArn]]);
      expect(tfResourceAt(json, 'aws_ce_anomaly_subscription', 'FinOps/AnomalySubscription').subscriber).toEqual([{ type: 'SNS', address: topicArn }]);
      expect(tfResourceAt(json, 'aws_cloudwatch_event_target', 'FinOps/InstanceStateRuleTarget').arn).toBe(topicArn);
      expect(finops.node.tryFindChild('Topic')).toBeUndefined();
      expect(finops.node.metadata.filter((m) => m.type === '@cdktf/warn')).toEqual([]);
    });

    test('THEN the cluster\'s topic policy and key policy admit EventBridge, Budgets and Cost Anomaly Detection too', () => {
      const env = envOf(json, 'Cluster/Key');
      const topicArn = tfRefTo(json, 'aws_sns_topic', 'Cluster/AlertsTopic', 'arn');
      const arns = sourceArns(env);
      expect(tfPolicy(tfResourceAt(json, 'aws_sns_topic_policy', 'Cluster/AlertsTopicPolicy')).Statement).toEqual([
        ...Object.entries(arns).map(([principal, source]) => publishStatement(principal, source, topicArn, env)),
        TLS_ONLY(topicArn, 'sns:Publish'),
      ]);
      const publishers: TopicPublisher[] = [CLOUDWATCH_ALARMS, EVENTBRIDGE_RULES, AWS_BUDGETS, COST_ANOMALY_ALERTS];
      expect(tfPolicy(tfResourceAt(json, 'aws_kms_key', 'Cluster/Key')).Statement).toEqual([
        allowAccountToAdministerKey(env),
        allowCloudWatchLogs(env),
        ...publishers.map((p) => allowPublisherToEncryptForTopics(p, env)),
        DENY_GRANTS_EXCEPT_FOR_AWS_SERVICES,
      ]);
    });

    // BUG (src/cdktf/finops-guardrails.ts, admitPublishers): with a cluster's topic `topicReady` stays empty, so the budgets,
    // the anomaly subscription and the rule targets do not wait for the cluster's widened topic policy (the AWS CDK binding
    // orders them after the topic and its policy). Flip to `test` once the binding adds the cluster's AlertsTopicPolicy.
    test('THEN the budgets, the anomaly subscription and the rule targets wait for the cluster\'s topic policy', () => {
      const policy = tfAddress(json, 'aws_sns_topic_policy', 'Cluster/AlertsTopicPolicy');
      expect(tfResourceAt(json, 'aws_budgets_budget', 'FinOps/BudgetMonthly').depends_on).toContain(policy);
      expect(tfResourceAt(json, 'aws_ce_anomaly_subscription', 'FinOps/AnomalySubscription').depends_on).toContain(policy);
      expect(tfResourceAt(json, 'aws_cloudwatch_event_target', 'FinOps/InstanceStateRuleTarget').depends_on).toContain(policy);
    });
  });

  test('GIVEN a topic that is not a PlatformCluster\'s THEN a warning lists the publishers, and no topic policy is written', () => {
    const { stack } = tfStack();
    const topic = new SnsTopic(stack, 'Alerts', {});
    const finops = new FinOpsGuardrails(stack, 'FinOps', { alertsTopic: topic, budgets: [{ name: 'monthly', limitUsd: 100 }] });
    const json = tfSynthFull(stack);
    const warnings = finops.node.metadata.filter((m) => m.type === '@cdktf/warn').map((m) => String(m.data));
    expect(warnings).toEqual([expect.stringMatching(/^The alerts topic is not a PlatformCluster's: its policy must allow cloudwatch\.amazonaws\.com, events\.amazonaws\.com, budgets\.amazonaws\.com to publish/)]);
    expect(tfResources(json, 'aws_sns_topic').map(([, t]) => t['//'].metadata.path)).toEqual(['test/Alerts']);
    expect(tfResources(json, 'aws_sns_topic_policy')).toEqual([]);
    const budget = tfResourceAt(json, 'aws_budgets_budget', 'FinOps/BudgetMonthly');
    expect(budget.notification[0].subscriber_sns_topic_arns).toEqual([tfRefTo(json, 'aws_sns_topic', 'Alerts', 'arn')]);
    expect(budget.depends_on ?? []).toEqual([]);
  });

  test('GIVEN something other than an SnsTopic as alertsTopic THEN a PropsValidationError naming alertsTopic, before anything is created', () => {
    const { stack } = tfStack();
    const network = new PlatformNetwork(stack, 'Network', { availabilityZones: ['eu-west-1a', 'eu-west-1b'] });
    const cluster = new PlatformCluster(stack, 'Cluster', { network });
    const cdkTopic = new sns.Topic(new Stack(new CdkApp(), 'Cdk'), 'Topic');
    const wrong: Array<[unknown, RegExp]> = [
      ['arn:aws:sns:eu-west-1:111122223333:alerts', /alertsTopic: got "arn:aws:sns:eu-west-1:111122223333:alerts"; expected an SnsTopic resource/],
      [cluster, /alertsTopic: got a PlatformCluster at 'test\/Cluster'; expected an SnsTopic resource/],
      [cdkTopic, /alertsTopic: got .*; expected an SnsTopic resource/],
      [null, /alertsTopic: got null; expected an SNS topic \(SnsTopic\)/],
      [{ arn: 'arn:aws:sns:eu-west-1:111122223333:alerts' }, /alertsTopic: got .*; expected an SnsTopic resource/],
    ];
    wrong.forEach(([alertsTopic, message], i) => {
      let error: unknown;
      try {
        new FinOpsGuardrails(stack, `FinOps${i}`, { alertsTopic: alertsTopic as SnsTopic });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(PropsValidationError);
      expect((error as PropsValidationError).problems.map((p) => p.prop)).toEqual(['alertsTopic']);
      expect((error as Error).message).toMatch(message);
      expect(stack.node.tryFindChild(`FinOps${i}`)).toBeUndefined();
    });
  });

  test('GIVEN bad props THEN one error naming each, with the same prop names as the AWS CDK binding, before anything is created', () => {
    const bad = {
      profil: 'PRODUCTION',
      logRetentionDays: 2,
      budgets: [{ name: 'not a name!', limitUsd: 0 }, { name: 'daily', limitUsd: 5, period: BudgetPeriod.DAILY, thresholds: [{ percent: 100, type: BudgetNotificationType.FORECASTED }] }],
      notify: { emails: ['not-an-address'], slack: { workspaceId: 'T0123ABCD' }, jira: { baseUrl: 'http://jira.example.com', projectKey: 'ops', credentialsSecretArn: JIRA_SECRET } },
      anomalyDetection: { minImpactUsd: 0 },
      idleInstances: { mode: RemediationMode.DELETE },
      unattachedVolumes: { mode: RemediationMode.DELETE },
      budgetAction: { denyLaunchOnRoleArns: ['arn:aws:iam::111122223333:user/alice'], approval: ApprovalMode.AUTOMATIC, atPercent: 0 },
    } as unknown as FinOpsGuardrailsProps;
    const expected = [
      'profil', 'logRetentionDays', 'budgets[0].name', 'budgets[0].limitUsd', 'budgets[1].thresholds[0].type', 'notify.emails[0]',
      'notify.slack.channelId', 'notify.jira.baseUrl', 'notify.jira.projectKey', 'anomalyDetection.minImpactUsd', 'idleInstances.mode',
      'unattachedVolumes.graceDays', 'budgetAction.atPercent', 'budgetAction.denyLaunchOnRoleArns[0]',
    ];
    const problemsOf = (build: () => unknown): string[] => {
      try {
        build();
      } catch (e) {
        expect(e).toBeInstanceOf(PropsValidationError);
        return (e as PropsValidationError).problems.map((p) => p.prop).sort();
      }
      throw new Error('accepted');
    };
    const { stack } = tfStack();
    const tf = problemsOf(() => new FinOpsGuardrails(stack, 'FinOps', bad));
    const cdkStack = new Stack(new CdkApp(), 'Cdk', { env: { account: ACCOUNT, region: 'eu-west-1' } });
    const viaCdk = problemsOf(() => new cdk.FinOpsGuardrails(cdkStack, 'FinOps', bad as cdk.FinOpsGuardrailsProps));
    expect(tf).toEqual([...expected].sort());
    expect(viaCdk).toEqual(tf);
    expect(() => new FinOpsGuardrails(stack, 'FinOps', bad)).toThrow(/^Invalid props for FinOpsGuardrails at 'test\/FinOps' \(14 problems\):\n {2}- profil: got "PRODUCTION"; unknown prop; did you mean profile\?/);
    expect(stack.node.tryFindChild('FinOps')).toBeUndefined();
    expect(cdkStack.node.tryFindChild('FinOps')).toBeUndefined();
  });
});

describeTfGates('FinOpsGuardrails (CDK for Terraform) quality gates', {
  'PRODUCTION, every feature': (): TerraformStack => full().stack,
  'DEVELOPMENT, no props': (): TerraformStack => minimal().stack,
});
