import { EnvironmentProfile } from '../../src/constructs/environment-profile';
import {
  ApprovalMode,
  AWS_BUDGETS,
  BudgetNotificationType,
  BudgetPeriod,
  budgetActionRoleStatements,
  budgetsTrustStatement,
  COST_ANOMALY_ALERTS,
  DENY_LAUNCH_ACTIONS,
  denyLaunchStatements,
  EVENTBRIDGE_RULES,
  FinOpsGuardrailsOptions,
  FinOpsPlan,
  FunctionPlan,
  functionRoleStatements,
  INSTANCE_STATE_RULE,
  planFinOps,
  RemediationMode,
  VOLUME_EVENTS_RULE,
} from '../../src/constructs/finops-guardrails';
import { AwsEnvironment, CLOUDWATCH_ALARMS, PolicyStatementJson } from '../../src/constructs/policies';
import { PropProblem, PropsValidationError, validationContext } from '../../src/constructs/validation';

const context = validationContext('FinOpsGuardrails', 'Stack', 'FinOps', () => false);
const ENV: AwsEnvironment = { partition: 'aws', region: 'eu-west-1', accountId: '111122223333', urlSuffix: 'amazonaws.com' };

const SLACK_SECRET = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:finops/slack-webhook-AbCdEf';
const JIRA_SECRET = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:finops/jira-GhIjKl';
const JIRA = { baseUrl: 'https://example.atlassian.net', projectKey: 'OPS', credentialsSecretArn: JIRA_SECRET };
const DEV_ROLE = 'arn:aws:iam::111122223333:role/developers';
const PATH_ROLE = 'arn:aws:iam::111122223333:role/teams/ci/deployer';
const MONITOR = 'arn:aws:ce::111122223333:anomalymonitor/12345678-abcd-4ef0-9876-0123456789ab';
const MONTHLY = { name: 'monthly', limitUsd: 1000 };

const plan = (options: FinOpsGuardrailsOptions = {}): FinOpsPlan => planFinOps(options, context);
const fn = (p: FinOpsPlan, id: string): FunctionPlan => {
  const found = p.functions.find((f) => f.id === id);
  if (!found) throw new Error(`no function ${id} in the plan (${p.functions.map((f) => f.id).join(', ')})`);
  return found;
};
const actionsOf = (statements: readonly PolicyStatementJson[]) => statements.flatMap((s) => [s.Action].flat());

/** The problems of invalid options (the test fails unless planFinOps throws a PropsValidationError). */
function problemsOf(options: unknown): PropProblem[] {
  try {
    planFinOps(options as FinOpsGuardrailsOptions, context);
  } catch (e) {
    if (e instanceof PropsValidationError) return [...e.problems];
    throw e;
  }
  throw new Error('expected a PropsValidationError');
}
/** The names of the props reported, in order. */
const propsOf = (options: unknown) => problemsOf(options).map((p) => p.prop);
/** The one problem reported, as `prop: allowed`. */
function onlyProblem(options: unknown): string {
  const found = problemsOf(options);
  expect(found).toHaveLength(1);
  return `${found[0].prop}: ${found[0].allowed}`;
}

describe('FinOpsGuardrails plan: defaults', () => {
  test('GIVEN no options THEN DEVELOPMENT: 30-day logs, nothing retained, 7-day key window, the EC2 and EBS rules and nothing else', () => {
    const p = plan();
    expect(p).toMatchObject({
      profile: EnvironmentProfile.DEVELOPMENT,
      logRetentionDays: 30,
      retainOnDelete: false,
      keyDeletionWindowDays: 7,
      budgets: [],
      anomaly: undefined,
      chatbot: undefined,
      functions: [],
      budgetAction: undefined,
      topicEmails: [],
    });
    expect(p.eventRules.map((r) => r.id)).toEqual(['InstanceStateRule', 'VolumeEventsRule']);
    // No options object at all is the same as an empty one.
    expect(planFinOps(undefined as unknown as FinOpsGuardrailsOptions, context)).toEqual(p);
  });

  test('GIVEN PRODUCTION THEN 365-day logs, retained on delete, a 30-day key window; logRetentionDays still overrides', () => {
    expect(plan({ profile: EnvironmentProfile.PRODUCTION })).toMatchObject({
      profile: EnvironmentProfile.PRODUCTION, logRetentionDays: 365, retainOnDelete: true, keyDeletionWindowDays: 30,
    });
    expect(plan({ profile: EnvironmentProfile.PRODUCTION, logRetentionDays: 90 })).toMatchObject({ logRetentionDays: 90, retainOnDelete: true });
    expect(plan({ logRetentionDays: 731 }).logRetentionDays).toBe(731);
  });

  test('GIVEN a MONTHLY budget without thresholds THEN ACTUAL 80 % and 100 % plus FORECASTED 100 %, each with the budget emails', () => {
    const p = plan({ budgets: [{ name: 'monthly-total', limitUsd: 1234.5 }], notify: { emails: ['finops@example.com', 'cto@example.com'] } });
    const emails = ['finops@example.com', 'cto@example.com'];
    expect(p.budgets).toEqual([{
      id: 'BudgetMonthlyTotal',
      name: 'monthly-total',
      period: BudgetPeriod.MONTHLY,
      limitAmount: '1234.5',
      costFilters: [],
      notifications: [
        { type: BudgetNotificationType.ACTUAL, percent: 80, emails },
        { type: BudgetNotificationType.ACTUAL, percent: 100, emails },
        { type: BudgetNotificationType.FORECASTED, percent: 100, emails },
      ],
    }]);
  });

  test('GIVEN a DAILY budget without thresholds THEN only ACTUAL 80 % and 100 % (AWS Budgets does not forecast daily budgets)', () => {
    const p = plan({ budgets: [{ name: 'daily', limitUsd: 50, period: BudgetPeriod.DAILY }] });
    expect(p.budgets[0].notifications).toEqual([
      { type: BudgetNotificationType.ACTUAL, percent: 80, emails: [] },
      { type: BudgetNotificationType.ACTUAL, percent: 100, emails: [] },
    ]);
  });

  test.each([BudgetPeriod.QUARTERLY, BudgetPeriod.ANNUALLY])('GIVEN a %s budget without thresholds THEN it is forecast too', (period) => {
    const p = plan({ budgets: [{ name: 'b', limitUsd: 10, period }] });
    expect(p.budgets[0].notifications.map((n) => `${n.type} ${n.percent}`)).toEqual(['ACTUAL 80', 'ACTUAL 100', 'FORECASTED 100']);
  });

  test('GIVEN thresholds THEN they replace the defaults, ACTUAL when no type is given', () => {
    const p = plan({
      budgets: [{ name: 'b', limitUsd: 10, thresholds: [{ percent: 50 }, { percent: 120, type: BudgetNotificationType.FORECASTED }, { percent: 1000 }] }],
    });
    expect(p.budgets[0].notifications.map((n) => `${n.type} ${n.percent}`)).toEqual(['ACTUAL 50', 'FORECASTED 120', 'ACTUAL 1000']);
  });

  test('GIVEN cost filters THEN they are kept, key by key, in the order given', () => {
    const p = plan({
      budgets: [{ name: 'ec2_daily', limitUsd: 25, period: BudgetPeriod.DAILY, costFilters: { Service: ['Amazon Elastic Compute Cloud - Compute'], Region: ['eu-west-1', 'eu-central-1'] } }],
    });
    expect(p.budgets[0]).toMatchObject({
      id: 'BudgetEc2Daily',
      costFilters: [
        { name: 'Service', values: ['Amazon Elastic Compute Cloud - Compute'] },
        { name: 'Region', values: ['eu-west-1', 'eu-central-1'] },
      ],
    });
  });

  test('GIVEN the default EventBridge rules THEN EC2 state changes and EBS volume events, rendered as readable text', () => {
    const p = plan();
    expect(p.eventRules).toEqual([INSTANCE_STATE_RULE, VOLUME_EVENTS_RULE]);
    expect(INSTANCE_STATE_RULE).toMatchObject({
      eventPattern: { 'source': ['aws.ec2'], 'detail-type': ['EC2 Instance State-change Notification'], 'detail': { state: ['running', 'stopped', 'terminated'] } },
      inputPathsMap: { instance: '$.detail.instance-id', state: '$.detail.state', account: '$.account', region: '$.region', time: '$.time' },
    });
    expect(VOLUME_EVENTS_RULE).toMatchObject({
      eventPattern: { 'source': ['aws.ec2'], 'detail-type': ['EBS Volume Notification'] },
      inputPathsMap: { volume: '$.resources[0]', event: '$.detail.event', result: '$.detail.result', cause: '$.detail.cause', time: '$.time' },
    });
    // The templates are JSON string literals (SNS then receives plain text) naming only mapped paths.
    for (const rule of p.eventRules) {
      expect(typeof JSON.parse(rule.inputTemplate)).toBe('string');
      const placeholders = [...rule.inputTemplate.matchAll(/<([a-z-]+)>/g)].map((m) => m[1]);
      expect(placeholders.sort()).toEqual(Object.keys(rule.inputPathsMap).sort());
    }
  });

  test('GIVEN instanceEvents or volumeEvents false THEN that rule is left out', () => {
    expect(plan({ instanceEvents: false }).eventRules.map((r) => r.id)).toEqual(['VolumeEventsRule']);
    expect(plan({ volumeEvents: false }).eventRules.map((r) => r.id)).toEqual(['InstanceStateRule']);
    expect(plan({ instanceEvents: false, volumeEvents: false }).eventRules).toEqual([]);
  });

  test.each<[string, FinOpsGuardrailsOptions, string[]]>([
    ['nothing', {}, ['CloudWatchAlarms', 'EventBridgeRules']],
    ['no EventBridge rules', { instanceEvents: false, volumeEvents: false }, ['CloudWatchAlarms']],
    ['a budget', { budgets: [MONTHLY] }, ['CloudWatchAlarms', 'EventBridgeRules', 'Budgets']],
    ['anomaly detection', { anomalyDetection: {} }, ['CloudWatchAlarms', 'EventBridgeRules', 'CostAnomalyDetection']],
    ['everything', { budgets: [MONTHLY], anomalyDetection: {} }, ['CloudWatchAlarms', 'EventBridgeRules', 'Budgets', 'CostAnomalyDetection']],
    ['budgets and anomalies but no rules', { budgets: [MONTHLY], anomalyDetection: {}, instanceEvents: false, volumeEvents: false },
      ['CloudWatchAlarms', 'Budgets', 'CostAnomalyDetection']],
  ])('GIVEN %s THEN the topic publishers are exactly the services configured', (_, options, expected) => {
    expect(plan(options).topicPublishers.map((p) => p.name)).toEqual(expected);
  });

  test('THEN each publisher is its service principal, limited to this account\'s resources of that service', () => {
    expect([CLOUDWATCH_ALARMS, EVENTBRIDGE_RULES, AWS_BUDGETS, COST_ANOMALY_ALERTS].map((p) => [p.principal, p.sourceArn(ENV)])).toEqual([
      ['cloudwatch.amazonaws.com', 'arn:aws:cloudwatch:eu-west-1:111122223333:alarm:*'],
      ['events.amazonaws.com', 'arn:aws:events:eu-west-1:111122223333:rule/*'],
      ['budgets.amazonaws.com', 'arn:aws:budgets::111122223333:*'],
      ['costalerts.amazonaws.com', 'arn:aws:ce::111122223333:anomalysubscription/*'],
    ]);
  });

  test('GIVEN anomalyDetection {} THEN a new monitor and a threshold expression: total impact >= 100 USD', () => {
    const { anomaly } = plan({ anomalyDetection: {} });
    expect(anomaly).toEqual({
      existingMonitorArn: undefined,
      minImpactUsd: 100,
      threshold: { key: 'ANOMALY_TOTAL_IMPACT_ABSOLUTE', matchOptions: ['GREATER_THAN_OR_EQUAL'], values: ['100'] },
      thresholdExpression: expect.any(String),
    });
    expect(JSON.parse(anomaly!.thresholdExpression)).toEqual({
      Dimensions: { Key: 'ANOMALY_TOTAL_IMPACT_ABSOLUTE', MatchOptions: ['GREATER_THAN_OR_EQUAL'], Values: ['100'] },
    });
  });

  test('GIVEN minImpactUsd and an existing monitor THEN the expression carries the amount as a string and the monitor is reused', () => {
    const { anomaly } = plan({ anomalyDetection: { minImpactUsd: 250.5, existingMonitorArn: MONITOR } });
    expect(anomaly).toMatchObject({ existingMonitorArn: MONITOR, minImpactUsd: 250.5 });
    expect(JSON.parse(anomaly!.thresholdExpression).Dimensions.Values).toEqual(['250.5']);
  });

  test('GIVEN a Slack channel and topic emails THEN a Chatbot channel and the addresses to subscribe', () => {
    const p = plan({ notify: { slack: { workspaceId: 'T0123ABCD', channelId: 'C0456EFGH' }, topicEmails: ['team@example.com'] } });
    expect(p.chatbot).toEqual({ workspaceId: 'T0123ABCD', channelId: 'C0456EFGH' });
    expect(p.topicEmails).toEqual(['team@example.com']);
    // A Chatbot channel needs no function.
    expect(p.functions).toEqual([]);
  });
});

describe('FinOpsGuardrails plan: functions', () => {
  const ALL: FinOpsGuardrailsOptions = {
    idleInstances: {},
    unattachedVolumes: {},
    notify: { slackWebhookSecretArn: SLACK_SECRET, jira: JIRA },
  };

  test('GIVEN every workflow THEN four functions, in the documented order, each its own bundle', () => {
    expect(plan(ALL).functions.map((f) => [f.id, f.handler])).toEqual([
      ['IdleInstances', 'idle-instances'],
      ['UnattachedVolumes', 'unattached-volumes'],
      ['SlackWebhook', 'slack-notify'],
      ['JiraIssues', 'jira-issue'],
    ]);
  });

  test('GIVEN idleInstances {} THEN REPORT mode with the documented defaults, daily at 06:00 UTC, publishing its report', () => {
    const f = fn(plan({ idleInstances: {} }), 'IdleInstances');
    expect(f).toMatchObject({
      timeoutSeconds: 300,
      memoryMiB: 256,
      environment: {
        MODE: 'REPORT',
        MAX_CPU_PERCENT: '5',
        MAX_NETWORK_BYTES_PER_DAY: '5000000',
        LOOKBACK_DAYS: '14',
        EXCLUDE_TAG: 'finops:keep',
        INCLUDE_AUTO_SCALING: 'false',
      },
      trigger: { schedule: 'cron(0 6 * * ? *)' },
      publishes: true,
    });
    expect(Object.keys(f.environment)).not.toContain('TOPIC_ARN');
  });

  test('GIVEN idleInstances in REPORT mode THEN it may only read instances and metrics: no mutating action', () => {
    expect(fn(plan({ idleInstances: {} }), 'IdleInstances').statements(ENV)).toEqual([
      { Sid: 'ReadInstancesAndMetrics', Effect: 'Allow', Action: ['ec2:DescribeInstances', 'cloudwatch:GetMetricData'], Resource: '*' },
    ]);
  });

  test('GIVEN idleInstances STOP THEN ec2:StopInstances on this account\'s instances without the exclude tag or an Auto Scaling group', () => {
    const f = fn(plan({ idleInstances: { mode: RemediationMode.STOP, lookbackDays: 21, maxCpuPercent: 2.5, excludeTag: 'keep-me', schedule: 'rate(12 hours)' } }), 'IdleInstances');
    expect(f.environment).toMatchObject({ MODE: 'STOP', LOOKBACK_DAYS: '21', MAX_CPU_PERCENT: '2.5', EXCLUDE_TAG: 'keep-me' });
    expect(f.trigger).toEqual({ schedule: 'rate(12 hours)' });
    expect(f.statements(ENV)).toEqual([
      { Sid: 'ReadInstancesAndMetrics', Effect: 'Allow', Action: ['ec2:DescribeInstances', 'cloudwatch:GetMetricData'], Resource: '*' },
      {
        Sid: 'StopUntaggedInstances',
        Effect: 'Allow',
        Action: 'ec2:StopInstances',
        Resource: 'arn:aws:ec2:eu-west-1:111122223333:instance/*',
        Condition: { Null: { 'aws:ResourceTag/keep-me': 'true', 'aws:ResourceTag/aws:autoscaling:groupName': 'true' } },
      },
    ]);
  });

  test('GIVEN idleInstances STOP with includeAutoScaling THEN only the exclude tag protects an instance', () => {
    const f = fn(plan({ idleInstances: { mode: RemediationMode.STOP, lookbackDays: 14, includeAutoScaling: true } }), 'IdleInstances');
    expect(f.environment.INCLUDE_AUTO_SCALING).toBe('true');
    expect(f.statements(ENV)[1].Condition).toEqual({ Null: { 'aws:ResourceTag/finops:keep': 'true' } });
  });

  test('GIVEN unattachedVolumes {} THEN REPORT mode with the documented defaults, daily at 06:30 UTC, read-only', () => {
    const f = fn(plan({ unattachedVolumes: {} }), 'UnattachedVolumes');
    expect(f).toMatchObject({
      timeoutSeconds: 300,
      memoryMiB: 256,
      environment: { MODE: 'REPORT', GRACE_DAYS: '7', SNAPSHOT_BEFORE_DELETE: 'true', EXCLUDE_TAG: 'finops:keep' },
      trigger: { schedule: 'cron(30 6 * * ? *)' },
      publishes: true,
    });
    expect(f.statements(ENV)).toEqual([
      { Sid: 'ReadVolumesAndSnapshots', Effect: 'Allow', Action: ['ec2:DescribeVolumes', 'ec2:DescribeSnapshots'], Resource: '*' },
    ]);
  });

  test('GIVEN unattachedVolumes DELETE THEN it tags, snapshots and deletes only volumes without the exclude tag, and tags only its own state', () => {
    const f = fn(plan({ unattachedVolumes: { mode: RemediationMode.DELETE, graceDays: 30 } }), 'UnattachedVolumes');
    expect(f.environment).toMatchObject({ MODE: 'DELETE', GRACE_DAYS: '30', SNAPSHOT_BEFORE_DELETE: 'true' });
    const volumes = 'arn:aws:ec2:eu-west-1:111122223333:volume/*';
    const snapshots = 'arn:aws:ec2:eu-west-1::snapshot/*';
    const statements = f.statements(ENV);
    const bySid = (sid: string) => statements.find((s) => s.Sid === sid);
    expect(bySid('TagUnattachedVolumes')).toEqual({
      Sid: 'TagUnattachedVolumes',
      Effect: 'Allow',
      Action: 'ec2:CreateTags',
      Resource: volumes,
      Condition: {
        'ForAllValues:StringEquals': { 'aws:TagKeys': ['finops:unattached-since', 'finops:snapshot-id'] },
        'Null': { 'aws:ResourceTag/finops:keep': 'true' },
      },
    });
    expect(bySid('DeleteUntaggedVolumes')).toEqual({
      Sid: 'DeleteUntaggedVolumes', Effect: 'Allow', Action: 'ec2:DeleteVolume', Resource: volumes, Condition: { Null: { 'aws:ResourceTag/finops:keep': 'true' } },
    });
    expect(bySid('SnapshotVolumes')).toEqual({ Sid: 'SnapshotVolumes', Effect: 'Allow', Action: 'ec2:CreateSnapshot', Resource: [volumes, snapshots] });
    expect(bySid('TagNewSnapshots')).toEqual({
      Sid: 'TagNewSnapshots', Effect: 'Allow', Action: 'ec2:CreateTags', Resource: snapshots, Condition: { StringEquals: { 'ec2:CreateAction': 'CreateSnapshot' } },
    });
    // Every mutating grant is on this account's volumes or snapshots, never '*'.
    for (const s of statements.filter((x) => !x.Sid!.startsWith('Read'))) expect([s.Resource].flat()).not.toContain('*');
  });

  test('GIVEN unattachedVolumes DELETE THEN it may also remove its own state tags from volumes attached again (the handler calls ec2:DeleteTags)', () => {
    // src/handlers/unattached-volumes.ts clears finops:unattached-since and finops:snapshot-id from re-attached volumes;
    // without the grant the tags stay, and a volume detached again later is deleted at once, from a stale snapshot.
    const statements = fn(plan({ unattachedVolumes: { mode: RemediationMode.DELETE, graceDays: 7 } }), 'UnattachedVolumes').statements(ENV);
    expect(statements).toContainEqual(expect.objectContaining({
      Effect: 'Allow',
      Action: 'ec2:DeleteTags',
      Resource: 'arn:aws:ec2:eu-west-1:111122223333:volume/*',
      Condition: {
        'ForAllValues:StringEquals': { 'aws:TagKeys': ['finops:unattached-since', 'finops:snapshot-id'] },
        'Null': { 'aws:ResourceTag/finops:keep': 'true' },
      },
    }));
  });

  test('GIVEN unattachedVolumes DELETE without snapshots THEN no ec2:CreateSnapshot and no snapshot tagging', () => {
    const f = fn(plan({ unattachedVolumes: { mode: RemediationMode.DELETE, graceDays: 3, snapshotBeforeDelete: false, excludeTag: 'Keep' } }), 'UnattachedVolumes');
    expect(f.environment).toMatchObject({ SNAPSHOT_BEFORE_DELETE: 'false', EXCLUDE_TAG: 'Keep' });
    const actions = actionsOf(f.statements(ENV));
    expect(actions).toContain('ec2:DeleteVolume');
    expect(actions).not.toContain('ec2:CreateSnapshot');
    expect(f.statements(ENV).find((s) => s.Sid === 'DeleteUntaggedVolumes')!.Condition).toEqual({ Null: { 'aws:ResourceTag/Keep': 'true' } });
    expect(f.description).toBe('Reports and deletes EBS volumes unattached for 3 days');
  });

  test('GIVEN slackWebhookSecretArn THEN a function on the topic that may read exactly that secret and publishes nothing', () => {
    const f = fn(plan({ notify: { slackWebhookSecretArn: SLACK_SECRET } }), 'SlackWebhook');
    expect(f).toMatchObject({
      handler: 'slack-notify',
      timeoutSeconds: 30,
      memoryMiB: 128,
      environment: { WEBHOOK_SECRET_ARN: SLACK_SECRET },
      trigger: { topic: true },
      publishes: false,
    });
    expect(f.statements(ENV)).toEqual([{ Sid: 'ReadCredentials', Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: SLACK_SECRET }]);
  });

  test('GIVEN jira THEN a function on the topic with the site, project, issue type (Task by default) and credentials secret', () => {
    const f = fn(plan({ notify: { jira: JIRA } }), 'JiraIssues');
    expect(f).toMatchObject({
      handler: 'jira-issue',
      timeoutSeconds: 30,
      memoryMiB: 128,
      environment: {
        JIRA_BASE_URL: 'https://example.atlassian.net',
        JIRA_PROJECT_KEY: 'OPS',
        JIRA_ISSUE_TYPE: 'Task',
        CREDENTIALS_SECRET_ARN: JIRA_SECRET,
      },
      trigger: { topic: true },
      publishes: false,
    });
    expect(f.statements(ENV)).toEqual([{ Sid: 'ReadCredentials', Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: JIRA_SECRET }]);
    expect(fn(plan({ notify: { jira: { ...JIRA, issueType: 'Bug' } } }), 'JiraIssues').environment.JIRA_ISSUE_TYPE).toBe('Bug');
  });

  test('THEN a function role writes its own log streams, sends dead letters, uses the key, and publishes only when it reports', () => {
    const refs = { logStreamsArn: 'LOGS:*', deadLetterQueueArn: 'DLQ', topicArn: 'TOPIC', keyArn: 'KEY' };
    const p = plan(ALL);
    const base = [
      { Sid: 'WriteOwnLogs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: 'LOGS:*' },
      { Sid: 'DeadLetters', Effect: 'Allow', Action: 'sqs:SendMessage', Resource: 'DLQ' },
    ];
    const key = { Sid: 'EncryptUnderTheKey', Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: 'KEY' };
    expect(functionRoleStatements(fn(p, 'IdleInstances'), refs, ENV)).toEqual([
      ...base,
      { Sid: 'PublishReports', Effect: 'Allow', Action: 'sns:Publish', Resource: 'TOPIC' },
      key,
      ...fn(p, 'IdleInstances').statements(ENV),
    ]);
    expect(functionRoleStatements(fn(p, 'SlackWebhook'), refs, ENV)).toEqual([...base, key, ...fn(p, 'SlackWebhook').statements(ENV)]);
    expect(actionsOf(functionRoleStatements(fn(p, 'JiraIssues'), refs, ENV))).not.toContain('sns:Publish');
  });

  test('GIVEN another partition THEN the resource ARNs are built from it', () => {
    const cn: AwsEnvironment = { partition: 'aws-cn', region: 'cn-north-1', accountId: '111122223333', urlSuffix: 'amazonaws.com.cn' };
    const p = plan({
      idleInstances: { mode: RemediationMode.STOP, lookbackDays: 14 },
      unattachedVolumes: { mode: RemediationMode.DELETE, graceDays: 7 },
    });
    const resources = p.functions.flatMap((f) => f.statements(cn)).flatMap((s) => [s.Resource ?? []].flat()).filter((r) => r !== '*');
    expect(resources.length).toBeGreaterThan(0);
    for (const resource of resources) expect(resource).toMatch(/^arn:aws-cn:ec2:cn-north-1:/);
  });
});

describe('FinOpsGuardrails plan: budget action', () => {
  test('GIVEN only role ARNs THEN the first budget, at 100 % actual spend, approved manually, role names parsed (paths too)', () => {
    const p = plan({ budgets: [{ name: 'first', limitUsd: 10 }, { name: 'second', limitUsd: 20 }], budgetAction: { denyLaunchOnRoleArns: [DEV_ROLE, PATH_ROLE] } });
    expect(p.budgetAction).toEqual({
      budgetId: 'BudgetFirst',
      percent: 100,
      approval: ApprovalMode.MANUAL,
      roleArns: [DEV_ROLE, PATH_ROLE],
      roleNames: ['developers', 'deployer'],
    });
  });

  test('GIVEN a budget name, a percent and AUTOMATIC approval THEN that budget', () => {
    const p = plan({
      budgets: [{ name: 'first', limitUsd: 10 }, { name: 'compute-monthly', limitUsd: 20 }],
      budgetAction: { denyLaunchOnRoleArns: ['arn:aws-us-gov:iam::111122223333:role/ci'], budget: 'compute-monthly', atPercent: 150, approval: ApprovalMode.AUTOMATIC },
    });
    expect(p.budgetAction).toEqual({
      budgetId: 'BudgetComputeMonthly', percent: 150, approval: ApprovalMode.AUTOMATIC, roleArns: ['arn:aws-us-gov:iam::111122223333:role/ci'], roleNames: ['ci'],
    });
  });

  test('THEN the deny policy stops new compute only, and AWS Budgets may attach exactly it to exactly the roles, for this account', () => {
    expect(denyLaunchStatements()).toEqual([{ Sid: 'DenyLaunchingCompute', Effect: 'Deny', Action: [...DENY_LAUNCH_ACTIONS], Resource: '*' }]);
    expect(DENY_LAUNCH_ACTIONS).toEqual(expect.arrayContaining(['ec2:RunInstances', 'ec2:StartInstances', 'ecs:RunTask', 'ecs:CreateService', 'rds:CreateDBInstance']));
    expect(DENY_LAUNCH_ACTIONS.filter((a) => /Stop|Terminate|Delete/.test(a))).toEqual([]);
    expect(budgetActionRoleStatements([DEV_ROLE, PATH_ROLE], 'POLICY')).toEqual([{
      Sid: 'AttachDenyLaunchPolicy',
      Effect: 'Allow',
      Action: ['iam:AttachRolePolicy', 'iam:DetachRolePolicy'],
      Resource: [DEV_ROLE, PATH_ROLE],
      Condition: { ArnEquals: { 'iam:PolicyARN': 'POLICY' } },
    }]);
    expect(budgetsTrustStatement(ENV)).toEqual({
      Effect: 'Allow',
      Principal: { Service: 'budgets.amazonaws.com' },
      Action: 'sts:AssumeRole',
      Condition: {
        StringEquals: { 'aws:SourceAccount': '111122223333' },
        ArnLike: { 'aws:SourceArn': 'arn:aws:budgets::111122223333:budget/*' },
      },
    });
  });
});

describe('FinOpsGuardrails validation: every bad value names its prop', () => {
  test.each([0, -1, -0.01])('GIVEN limitUsd %p THEN budgets[0].limitUsd', (limitUsd) => {
    expect(onlyProblem({ budgets: [{ name: 'b', limitUsd }] })).toBe('budgets[0].limitUsd: expected a limit in US dollars from 0.01 to 1000000000000');
  });

  test('GIVEN a bad limit in the second budget THEN the index points at it', () => {
    expect(propsOf({ budgets: [MONTHLY, { name: 'b', limitUsd: -5 }] })).toEqual(['budgets[1].limitUsd']);
  });

  test.each([0, 0.5, 1000.5, 1001, -80])('GIVEN a threshold of %p %% THEN budgets[0].thresholds[0].percent (1 to 1000)', (percent) => {
    expect(onlyProblem({ budgets: [{ name: 'b', limitUsd: 10, thresholds: [{ percent }] }] }))
      .toBe('budgets[0].thresholds[0].percent: expected a percent of the limit from 1 to 1000');
  });

  test('GIVEN two bad thresholds THEN both, each by its index', () => {
    expect(propsOf({ budgets: [{ name: 'b', limitUsd: 10, thresholds: [{ percent: 0 }, { percent: 50 }, { percent: 2000 }] }] }))
      .toEqual(['budgets[0].thresholds[0].percent', 'budgets[0].thresholds[2].percent']);
  });

  test('GIVEN no thresholds or more than 5 THEN budgets[0].thresholds', () => {
    expect(propsOf({ budgets: [{ name: 'b', limitUsd: 10, thresholds: [] }] })).toEqual(['budgets[0].thresholds']);
    const six = [10, 20, 30, 40, 50, 60].map((percent) => ({ percent }));
    expect(onlyProblem({ budgets: [{ name: 'b', limitUsd: 10, thresholds: six }] })).toMatch(/^budgets\[0\]\.thresholds: expected 1 to 5 thresholds/);
  });

  test('GIVEN the same type and percent twice THEN the second threshold', () => {
    expect(propsOf({ budgets: [{ name: 'b', limitUsd: 10, thresholds: [{ percent: 80 }, { percent: 80, type: BudgetNotificationType.ACTUAL }] }] }))
      .toEqual(['budgets[0].thresholds[1]']);
  });

  test('GIVEN FORECASTED on a DAILY budget THEN budgets[0].thresholds[1].type', () => {
    expect(onlyProblem({
      budgets: [{ name: 'daily', limitUsd: 10, period: BudgetPeriod.DAILY, thresholds: [{ percent: 80 }, { percent: 100, type: BudgetNotificationType.FORECASTED }] }],
    })).toBe('budgets[0].thresholds[1].type: expected ACTUAL: AWS Budgets does not send forecasted alerts for DAILY budgets');
  });

  test.each(['finops', 'finops@', '@example.com', 'fin ops@example.com', 'finops@example', 'finops@@example.com'])(
    'GIVEN the email %p THEN notify.emails[1]', (email) => {
      expect(onlyProblem({ notify: { emails: ['ok@example.com', email] } })).toBe('notify.emails[1]: expected an email address such as finops@example.com');
    });

  test('GIVEN an invalid or repeated topic email THEN notify.topicEmails[i]', () => {
    expect(propsOf({ notify: { topicEmails: ['not-an-email'] } })).toEqual(['notify.topicEmails[0]']);
    expect(onlyProblem({ notify: { emails: ['a@example.com', 'A@example.com'] } })).toBe('notify.emails[1]: expected each address once');
  });

  test('GIVEN more than 10 budget emails THEN notify.emails (10 is fine)', () => {
    const emails = (n: number) => Array.from({ length: n }, (_, i) => `user${i}@example.com`);
    expect(plan({ notify: { emails: emails(10) }, budgets: [MONTHLY] }).budgets[0].notifications[0].emails).toHaveLength(10);
    expect(onlyProblem({ notify: { emails: emails(11) } })).toMatch(/^notify\.emails: expected at most 10 addresses .*notify\.topicEmails/);
  });

  test('GIVEN a cost-filter key in the wrong case THEN budgets[0].costFilters.service, with "did you mean Service?"', () => {
    const problem = onlyProblem({ budgets: [{ name: 'b', limitUsd: 10, costFilters: { service: ['Amazon Relational Database Service'] } }] });
    expect(problem).toMatch(/^budgets\[0\]\.costFilters\.service: expected a cost-filter key: did you mean Service\? one of AZ, BillingEntity, .*UsageTypeGroup$/);
    expect(onlyProblem({ budgets: [{ name: 'b', limitUsd: 10, costFilters: { region: ['eu-west-1'] } }] })).toMatch(/did you mean Region\?/);
  });

  test('GIVEN an unknown cost-filter key THEN the valid keys are listed, no guess', () => {
    const problem = onlyProblem({ budgets: [{ name: 'b', limitUsd: 10, costFilters: { Services: ['x'] } }] });
    expect(problem).toMatch(/^budgets\[0\]\.costFilters\.Services: expected a cost-filter key: one of AZ, /);
    expect(problem).not.toMatch(/did you mean/);
    expect(propsOf({ budgets: [{ name: 'b', limitUsd: 10, costFilters: { Tag: ['x'], Account: ['1'] } }] }))
      .toEqual(['budgets[0].costFilters.Tag', 'budgets[0].costFilters.Account']);
  });

  test('GIVEN a cost filter without values THEN budgets[0].costFilters.Service', () => {
    expect(onlyProblem({ budgets: [{ name: 'b', limitUsd: 10, costFilters: { Service: [] } }] })).toBe('budgets[0].costFilters.Service: expected at least one value');
  });

  test('GIVEN idleInstances STOP without lookbackDays THEN idleInstances.lookbackDays (stopping must rest on a window you chose)', () => {
    expect(onlyProblem({ idleInstances: { mode: RemediationMode.STOP } })).toMatch(/^idleInstances\.lookbackDays: expected an explicit lookback \(1 to 63 days\) with STOP/);
  });

  test.each([0, 64, 365])('GIVEN lookbackDays %p THEN idleInstances.lookbackDays (1 to 63)', (lookbackDays) => {
    expect(onlyProblem({ idleInstances: { mode: RemediationMode.STOP, lookbackDays } })).toBe('idleInstances.lookbackDays: expected an integer from 1 to 63');
  });

  test('GIVEN unattachedVolumes DELETE without graceDays THEN unattachedVolumes.graceDays (deleting must rest on a period you chose)', () => {
    expect(onlyProblem({ unattachedVolumes: { mode: RemediationMode.DELETE } })).toMatch(/^unattachedVolumes\.graceDays: expected an explicit grace period \(1 to 365 days\) with DELETE/);
  });

  test.each([0, 366])('GIVEN graceDays %p THEN unattachedVolumes.graceDays (1 to 365)', (graceDays) => {
    expect(onlyProblem({ unattachedVolumes: { mode: RemediationMode.DELETE, graceDays } })).toBe('unattachedVolumes.graceDays: expected an integer from 1 to 365');
  });

  test('GIVEN STOP on unattachedVolumes THEN unattachedVolumes.mode (volumes cannot be stopped)', () => {
    expect(onlyProblem({ unattachedVolumes: { mode: RemediationMode.STOP } })).toMatch(/^unattachedVolumes\.mode: expected RemediationMode\.REPORT or RemediationMode\.DELETE/);
  });

  test('GIVEN DELETE on idleInstances THEN idleInstances.mode (instances are stopped, never deleted)', () => {
    expect(onlyProblem({ idleInstances: { mode: RemediationMode.DELETE } })).toMatch(/^idleInstances\.mode: expected RemediationMode\.REPORT or RemediationMode\.STOP/);
  });

  test('GIVEN an idle threshold or an exclude tag out of range THEN that prop', () => {
    expect(propsOf({ idleInstances: { maxCpuPercent: 101 } })).toEqual(['idleInstances.maxCpuPercent']);
    expect(propsOf({ idleInstances: { maxCpuPercent: -1, maxNetworkBytesPerDay: -1 } })).toEqual(['idleInstances.maxCpuPercent', 'idleInstances.maxNetworkBytesPerDay']);
    expect(propsOf({ idleInstances: { excludeTag: 'aws:keep' } })).toEqual(['idleInstances.excludeTag']);
    expect(propsOf({ unattachedVolumes: { excludeTag: '' } })).toEqual(['unattachedVolumes.excludeTag']);
  });

  test('GIVEN a Slack channel without a workspace THEN notify.slack.workspaceId, and no Chatbot channel is planned', () => {
    expect(onlyProblem({ notify: { slack: { channelId: 'C0456EFGH' } } })).toMatch(/^notify\.slack\.workspaceId: expected the Slack workspace ID AWS Chatbot was authorised for/);
  });

  test('GIVEN a Slack workspace without a channel, or a channel name instead of an ID THEN notify.slack.channelId', () => {
    expect(propsOf({ notify: { slack: { workspaceId: 'T0123ABCD' } } })).toEqual(['notify.slack.channelId']);
    expect(onlyProblem({ notify: { slack: { workspaceId: 'T0123ABCD', channelId: '#finops' } } })).toMatch(/^notify\.slack\.channelId: .*not the channel name/);
    expect(propsOf({ notify: { slack: { workspaceId: 'my-team', channelId: 'C0456EFGH' } } })).toEqual(['notify.slack.workspaceId']);
    expect(propsOf({ notify: { slack: {} } })).toEqual(['notify.slack.workspaceId', 'notify.slack.channelId']);
  });

  test.each([
    'http://example.atlassian.net',
    'example.atlassian.net',
    'ftp://example.atlassian.net',
    'https://user:token@example.atlassian.net',
    'https://example.atlassian.net/?token=x',
  ])('GIVEN the Jira base URL %p THEN notify.jira.baseUrl (https only, no credentials or query)', (baseUrl) => {
    expect(onlyProblem({ notify: { jira: { ...JIRA, baseUrl } } })).toMatch(/^notify\.jira\.baseUrl: expected an https:\/\/ URL of the Jira site/);
  });

  test('GIVEN a lower-case project key or an empty issue type THEN notify.jira.projectKey / notify.jira.issueType', () => {
    expect(propsOf({ notify: { jira: { ...JIRA, projectKey: 'ops' } } })).toEqual(['notify.jira.projectKey']);
    expect(propsOf({ notify: { jira: { ...JIRA, issueType: ' ' } } })).toEqual(['notify.jira.issueType']);
  });

  test.each([
    'my-slack-secret',
    'arn:aws:ssm:eu-west-1:111122223333:parameter/slack',
    'arn:aws:secretsmanager:eu-west-1:1234:secret:slack',
    'arn:aws:secretsmanager:eu-west-1:111122223333:slack',
  ])('GIVEN the secret ARN %p THEN notify.slackWebhookSecretArn and notify.jira.credentialsSecretArn', (arn) => {
    expect(onlyProblem({ notify: { slackWebhookSecretArn: arn } })).toMatch(/^notify\.slackWebhookSecretArn: expected a Secrets Manager secret ARN/);
    expect(onlyProblem({ notify: { jira: { ...JIRA, credentialsSecretArn: arn } } })).toMatch(/^notify\.jira\.credentialsSecretArn: expected a Secrets Manager secret ARN/);
  });

  test('GIVEN two budgets of the same name (or the same but for case) THEN budgets[1].name', () => {
    expect(onlyProblem({ budgets: [MONTHLY, { name: 'monthly', limitUsd: 5 }] })).toBe('budgets[1].name: expected a name unique among the budgets');
    expect(propsOf({ budgets: [MONTHLY, { name: 'Monthly', limitUsd: 5 }] })).toEqual(['budgets[1].name']);
  });

  test('GIVEN names that differ only in - and _ THEN budgets (they would share a construct ID)', () => {
    expect(onlyProblem({ budgets: [{ name: 'ec2-daily', limitUsd: 1 }, { name: 'ec2_daily', limitUsd: 2 }] }))
      .toBe('budgets: expected names that differ in more than case, - and _ (BudgetEc2Daily twice)');
  });

  test.each(['', 'monthly budget', 'a'.repeat(41), 'cost/eu'])('GIVEN the budget name %p THEN budgets[0].name', (name) => {
    expect(propsOf({ budgets: [{ name, limitUsd: 10 }] })).toEqual(['budgets[0].name']);
  });

  test('GIVEN budgetAction naming a budget that does not exist THEN budgetAction.budget, listing the names', () => {
    expect(onlyProblem({ budgets: [MONTHLY, { name: 'daily', limitUsd: 5 }], budgetAction: { denyLaunchOnRoleArns: [DEV_ROLE], budget: 'Monthly' } }))
      .toBe('budgetAction.budget: expected the name of one of the budgets: "monthly", "daily"');
  });

  test('GIVEN budgetAction and no budgets THEN budgetAction (nothing to watch)', () => {
    expect(onlyProblem({ budgetAction: { denyLaunchOnRoleArns: [DEV_ROLE] } })).toBe('budgetAction: expected at least one budget in budgets for the action to watch');
    expect(onlyProblem({ budgets: [], budgetAction: { denyLaunchOnRoleArns: [DEV_ROLE], budget: 'monthly' } }))
      .toBe('budgetAction.budget: expected the name of a budget, but no budgets are configured');
  });

  test.each([
    'developers',
    'arn:aws:iam::111122223333:user/alice',
    'arn:aws:iam::111122223333:policy/deny',
    'arn:aws:iam::aws:role/x',
    'arn:aws:sts::111122223333:assumed-role/developers/alice',
  ])('GIVEN the role %p THEN budgetAction.denyLaunchOnRoleArns[1]', (arn) => {
    expect(onlyProblem({ budgets: [MONTHLY], budgetAction: { denyLaunchOnRoleArns: [DEV_ROLE, arn] } }))
      .toMatch(/^budgetAction\.denyLaunchOnRoleArns\[1\]: expected a literal IAM role ARN/);
  });

  test('GIVEN no roles or an action threshold out of range THEN budgetAction.denyLaunchOnRoleArns / budgetAction.atPercent', () => {
    expect(onlyProblem({ budgets: [MONTHLY], budgetAction: { denyLaunchOnRoleArns: [] } })).toBe('budgetAction.denyLaunchOnRoleArns: expected 1 to 100 role ARNs');
    expect(propsOf({ budgets: [MONTHLY], budgetAction: { denyLaunchOnRoleArns: [DEV_ROLE], atPercent: 0 } })).toEqual(['budgetAction.atPercent']);
    expect(propsOf({ budgets: [MONTHLY], budgetAction: { denyLaunchOnRoleArns: [DEV_ROLE], atPercent: 1001 } })).toEqual(['budgetAction.atPercent']);
  });

  test.each([
    'every day',
    'cron(0 6 * * *)',
    'cron(0 6 * * ? * *)',
    'rate(1 week)',
    'rate(day)',
    '0 6 * * ?',
  ])('GIVEN the schedule %p THEN idleInstances.schedule and unattachedVolumes.schedule', (schedule) => {
    expect(onlyProblem({ idleInstances: { schedule } })).toBe('idleInstances.schedule: expected an EventBridge schedule such as cron(0 6 * * ? *) or rate(1 day)');
    expect(propsOf({ unattachedVolumes: { schedule } })).toEqual(['unattachedVolumes.schedule']);
  });

  test.each(['rate(0 days)', 'rate(1 days)', 'rate(5 hour)'])(
    'GIVEN the rate %p, which EventBridge rejects (a positive value; singular unit for 1, plural above) THEN idleInstances.schedule', (schedule) => {
      expect(propsOf({ idleInstances: { schedule } })).toEqual(['idleInstances.schedule']);
    });

  test.each(['cron(15 */4 ? * MON-FRI *)', 'rate(1 day)', 'rate(1 minute)', 'rate(30 minutes)', 'rate(12 hours)'])('GIVEN the schedule %p THEN it is accepted', (schedule) => {
    expect(fn(plan({ idleInstances: { schedule } }), 'IdleInstances').trigger).toEqual({ schedule });
  });

  test('GIVEN a bad anomaly threshold or monitor ARN THEN anomalyDetection.minImpactUsd / anomalyDetection.existingMonitorArn', () => {
    expect(propsOf({ anomalyDetection: { minImpactUsd: 0 } })).toEqual(['anomalyDetection.minImpactUsd']);
    expect(propsOf({ anomalyDetection: { existingMonitorArn: 'Default-Services-Monitor' } })).toEqual(['anomalyDetection.existingMonitorArn']);
  });

  test('GIVEN an unknown profile or a retention CloudWatch Logs does not offer THEN profile / logRetentionDays', () => {
    expect(onlyProblem({ profile: 'STAGING' })).toBe('profile: expected one of EnvironmentProfile.DEVELOPMENT, EnvironmentProfile.PRODUCTION');
    expect(onlyProblem({ logRetentionDays: 10 })).toMatch(/^logRetentionDays: expected one of 1, 3, 5, 7, 14, 30, /);
  });

  test('GIVEN many mistakes at once THEN ALL are reported in one error naming the construct and its path', () => {
    let error: PropsValidationError | undefined;
    try {
      planFinOps({
        budgets: [
          { name: 'monthly', limitUsd: 0, thresholds: [{ percent: 5000 }] },
          { name: 'daily', limitUsd: 10, period: BudgetPeriod.DAILY, thresholds: [{ percent: 90, type: BudgetNotificationType.FORECASTED }], costFilters: { service: ['x'] } },
          { name: 'monthly', limitUsd: 20 },
        ],
        notify: { emails: ['nope'], slack: { channelId: 'C0456EFGH' }, slackWebhookSecretArn: 'slack', jira: { ...JIRA, baseUrl: 'http://jira.example.com' } },
        idleInstances: { mode: RemediationMode.STOP, schedule: 'daily' },
        unattachedVolumes: { mode: RemediationMode.DELETE },
        // The budget exists (with problems of its own): no extra problem for the action.
        budgetAction: { denyLaunchOnRoleArns: ['developers'], budget: 'monthly' },
        logRetentionDays: 2,
      }, context);
    } catch (e) {
      error = e as PropsValidationError;
    }
    expect(error).toBeInstanceOf(PropsValidationError);
    expect(error!.problems.map((p) => p.prop).sort()).toEqual([
      'budgetAction.denyLaunchOnRoleArns[0]',
      'budgets[0].limitUsd',
      'budgets[0].thresholds[0].percent',
      'budgets[1].costFilters.service',
      'budgets[1].thresholds[0].type',
      'budgets[2].name',
      'idleInstances.lookbackDays',
      'idleInstances.schedule',
      'logRetentionDays',
      'notify.emails[0]',
      'notify.jira.baseUrl',
      'notify.slack.workspaceId',
      'notify.slackWebhookSecretArn',
      'unattachedVolumes.graceDays',
    ]);
    expect(error!.message).toMatch(/^Invalid props for FinOpsGuardrails at 'Stack\/FinOps' \(14 problems\):\n {2}- /);
    expect(error!.message).toContain('  - budgets[0].limitUsd: got 0; expected a limit in US dollars from 0.01 to 1000000000000');
  });
});

describe('FinOpsGuardrails validation: plain JavaScript (wrong types, unknown names)', () => {
  test('GIVEN limitUsd as a string THEN budgets[0].limitUsd: expected a number (and no second problem about its value)', () => {
    expect(onlyProblem({ budgets: [{ name: 'b', limitUsd: '1000' }] })).toBe('budgets[0].limitUsd: expected a number');
  });

  test('GIVEN budgets as an object THEN budgets: expected a list', () => {
    expect(onlyProblem({ budgets: {} })).toBe('budgets: expected a list of objects');
    expect(onlyProblem({ budgets: { name: 'monthly', limitUsd: 10 } })).toBe('budgets: expected a list of objects');
  });

  test('GIVEN notify.emails as one string THEN notify.emails: expected a list of strings', () => {
    expect(onlyProblem({ notify: { emails: 'a@b.c' } })).toBe('notify.emails: expected a list of strings');
    expect(onlyProblem({ notify: { emails: ['a@example.com', 42] } })).toBe('notify.emails[1]: expected a string');
  });

  test.each<[string, unknown, string]>([
    ['instanceEvents as a string', { instanceEvents: 'false' }, 'instanceEvents: expected true or false (a boolean, not a string)'],
    ['a fractional lookback', { idleInstances: { lookbackDays: 7.5 } }, 'idleInstances.lookbackDays: expected a whole number (an integer)'],
    ['a NaN limit', { budgets: [{ name: 'b', limitUsd: NaN }] }, 'budgets[0].limitUsd: expected a finite number'],
    ['an infinite limit', { budgets: [{ name: 'b', limitUsd: Infinity }] }, 'budgets[0].limitUsd: expected a finite number'],
    ['a period in lower case', { budgets: [{ name: 'b', limitUsd: 1, period: 'monthly' }] },
      'budgets[0].period: expected one of BudgetPeriod.DAILY, BudgetPeriod.MONTHLY, BudgetPeriod.QUARTERLY, BudgetPeriod.ANNUALLY'],
    ['a mode that does not exist', { idleInstances: { mode: 'TERMINATE' } }, 'idleInstances.mode: expected one of RemediationMode.REPORT, RemediationMode.STOP, RemediationMode.DELETE'],
    ['cost-filter values as a string', { budgets: [{ name: 'b', limitUsd: 1, costFilters: { Service: 'Amazon EC2' } }] }, 'budgets[0].costFilters.Service: expected a list of strings'],
    ['a null prop', { anomalyDetection: null }, 'anomalyDetection: expected an object with props minImpactUsd, existingMonitorArn; leave the prop out (undefined) for its default'],
    ['a budget without a name', { budgets: [{ limitUsd: 10 }] }, 'budgets[0].name: expected a string (required)'],
    ['a budget without a limit', { budgets: [{ name: 'b' }] }, 'budgets[0].limitUsd: expected a number (required)'],
    ['jira without a project', { notify: { jira: { baseUrl: JIRA.baseUrl, credentialsSecretArn: JIRA_SECRET } } }, 'notify.jira.projectKey: expected a string (required)'],
    ['a budget action without roles', { budgets: [MONTHLY], budgetAction: {} }, 'budgetAction.denyLaunchOnRoleArns: expected a list of strings (required)'],
  ])('GIVEN %s THEN the prop and the type expected', (_, options, expected) => {
    expect(onlyProblem(options)).toBe(expected);
  });

  test.each([['a string', 'budgets'], ['a list', [MONTHLY]], ['null', null]])('GIVEN props that are %s THEN props: expected an object', (_, options) => {
    expect(onlyProblem(options)).toBe('props: expected an object of props, as documented for the construct');
  });

  test('GIVEN STOP with a lookback of the wrong type THEN one problem at idleInstances.lookbackDays, not two', () => {
    expect(onlyProblem({ idleInstances: { mode: RemediationMode.STOP, lookbackDays: '14' } })).toBe('idleInstances.lookbackDays: expected an integer');
  });

  test.each<[string, unknown, string]>([
    ['budget instead of budgets', { budget: [MONTHLY] }, 'budget: unknown prop; did you mean budgets?'],
    ['instanceEvent instead of instanceEvents', { instanceEvent: false }, 'instanceEvent: unknown prop; did you mean instanceEvents?'],
    ['notify.email instead of emails', { notify: { email: ['a@example.com'] } }, 'notify.email: unknown prop; did you mean emails?'],
    ['budgets[0].limit instead of limitUsd', { budgets: [{ name: 'b', limitUsd: 1, limit: 5 }] }, 'budgets[0].limit: unknown prop; did you mean limitUsd?'],
    ['idleInstances.lookBackDays (case)', { idleInstances: { lookBackDays: 7 } }, 'idleInstances.lookBackDays: unknown prop; did you mean lookbackDays?'],
    ['notify.slack.workspace', { notify: { slack: { workspace: 'T0123ABCD', channelId: 'C0456EFGH', workspaceId: 'T0123ABCD' } } },
      'notify.slack.workspace: unknown prop; did you mean workspaceId?'],
  ])('GIVEN %s THEN it is reported with the nearest valid name', (_, options, expected) => {
    expect(onlyProblem(options)).toBe(expected);
  });

  test('GIVEN a name nothing resembles THEN the valid names are listed', () => {
    expect(onlyProblem({ zzz: 1 })).toMatch(/^zzz: unknown prop; expected one of profile, budgets, notify, anomalyDetection, instanceEvents, volumeEvents, /);
  });

  test('GIVEN wrong types and bad values together THEN all of them, in one error', () => {
    expect(propsOf({ budgets: [{ name: 'b', limitUsd: '10' }, { name: 'c', limitUsd: -1 }], notify: { emails: 'x', topicEmails: ['bad'] }, volumeEvent: true }))
      .toEqual(['budgets[0].limitUsd', 'notify.emails', 'volumeEvent', 'notify.topicEmails[0]', 'budgets[1].limitUsd']);
  });
});

describe('FinOpsGuardrails validation: deploy-time tokens', () => {
  const isToken = (x: unknown) => typeof x === 'string' && x.includes('${Token[');
  const tokens = validationContext('FinOpsGuardrails', 'Stack', 'FinOps', isToken);
  const TOKEN = '${Token[TOKEN.42]}';

  test('GIVEN tokens for secrets, the Jira site and a monitor THEN they are not judged, and reach the plan as given', () => {
    const p = planFinOps({
      notify: { slackWebhookSecretArn: TOKEN, jira: { baseUrl: TOKEN, projectKey: 'OPS', credentialsSecretArn: TOKEN }, emails: [TOKEN] },
      anomalyDetection: { existingMonitorArn: TOKEN },
      idleInstances: { schedule: TOKEN },
    }, tokens);
    expect(p.anomaly!.existingMonitorArn).toBe(TOKEN);
    expect(fn(p, 'SlackWebhook').environment.WEBHOOK_SECRET_ARN).toBe(TOKEN);
    expect(fn(p, 'IdleInstances').trigger).toEqual({ schedule: TOKEN });
  });

  test('GIVEN a token as a role ARN or a budget name THEN it is reported: both must be literals', () => {
    let problems: readonly PropProblem[] = [];
    try {
      planFinOps({ budgets: [{ name: TOKEN, limitUsd: 1 }, MONTHLY], budgetAction: { denyLaunchOnRoleArns: [TOKEN] } }, tokens);
    } catch (e) {
      problems = (e as PropsValidationError).problems;
    }
    expect(problems.map((p) => `${p.prop}: ${p.allowed}`)).toEqual([
      'budgets[0].name: expected a literal name (it is part of construct IDs)',
      expect.stringMatching(/^budgetAction\.denyLaunchOnRoleArns\[0\]: expected a literal IAM role ARN/),
    ]);
  });
});
