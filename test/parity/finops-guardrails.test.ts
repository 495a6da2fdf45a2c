/**
 * FinOpsGuardrails parity: the same options in both engines, read into one
 * normalised form (the topic's and the key's policies, budgets and their
 * alerts, the anomaly monitor and subscription, the event rules and their
 * messages, the Chatbot channel, every function's settings, trigger, role and
 * alarm, the dead-letter queue and the budget action) and compared with one
 * toEqual per scenario.
 */
import * as cdk from '../../src/cdk';
import * as cdktf from '../../src/cdktf';
import { EnvironmentProfile } from '../../src/constructs/environment-profile';
import { ApprovalMode, BudgetPeriod, FinOpsGuardrailsOptions, RemediationMode } from '../../src/constructs/finops-guardrails';
import { cdkStack, cdkTemplate } from '../helpers/cdk';
import { graphOf, Graph } from '../helpers/parity-platform';
import { policyGrants } from '../helpers/symbolic';
import { TfJson, tfStack, tfSynthFull } from '../helpers/terraform';

type Json = Record<string, any>;

const SECRET = (name: string) => `arn:aws:secretsmanager:eu-west-1:111122223333:secret:${name}-AbCdEf`;

const SCENARIOS: Record<string, FinOpsGuardrailsOptions> = {
  'DEVELOPMENT defaults (events only)': {},
  'PRODUCTION, everything': {
    profile: EnvironmentProfile.PRODUCTION,
    budgets: [
      { name: 'daily', period: BudgetPeriod.DAILY, limitUsd: 1000 },
      { name: 'compute', limitUsd: 20000, costFilters: { Service: ['Amazon Elastic Compute Cloud - Compute'], Region: ['eu-west-1'] } },
    ],
    notify: {
      emails: ['finops@example.com', 'cto@example.com'],
      topicEmails: ['ops@example.com'],
      slack: { workspaceId: 'T0123ABCD', channelId: 'C0456EFGH' },
      slackWebhookSecretArn: SECRET('slack'),
      jira: { baseUrl: 'https://example.atlassian.net', projectKey: 'OPS', credentialsSecretArn: SECRET('jira'), issueType: 'Bug' },
    },
    anomalyDetection: { minImpactUsd: 250 },
    idleInstances: { mode: RemediationMode.STOP, lookbackDays: 7, maxCpuPercent: 3, excludeTag: 'keep' },
    unattachedVolumes: { mode: RemediationMode.DELETE, graceDays: 14 },
    budgetAction: { denyLaunchOnRoleArns: ['arn:aws:iam::111122223333:role/teams/developers'], budget: 'compute', atPercent: 120, approval: ApprovalMode.AUTOMATIC },
  },
  'an existing anomaly monitor, REPORT workflows, no events': {
    instanceEvents: false,
    volumeEvents: false,
    anomalyDetection: { existingMonitorArn: 'arn:aws:ce::111122223333:anomalymonitor/abcd-1234' },
    idleInstances: {},
    unattachedVolumes: { snapshotBeforeDelete: false },
  },
};

function buildCdk(options: FinOpsGuardrailsOptions): Json {
  const { stack } = cdkStack('Parity');
  new cdk.FinOpsGuardrails(stack, 'FinOps', options);
  return cdkTemplate(stack).toJSON();
}

function buildTf(options: FinOpsGuardrailsOptions): TfJson {
  const { stack } = tfStack('Parity');
  new cdktf.FinOpsGuardrails(stack, 'FinOps', options);
  return tfSynthFull(stack);
}

const sorted = <T>(xs: T[]) => [...xs].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
const list = (v: unknown): any[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** What the guardrails do, in either engine. */
function normalise(output: Json, engine: 'cfn' | 'tf'): Json {
  const cfn = engine === 'cfn';
  const g: Graph = graphOf(output, engine);
  // CloudFormation's Ref of a managed policy is its ARN (Terraform's `arn`).
  const sym = (v: unknown) => JSON.parse(JSON.stringify(g.symbolic(v) ?? null).replace(/(<other:[A-Za-z0-9]*DenyLaunchPolicy)\.id>/g, '$1.arn>'));
  // Resources by CloudFormation type / Terraform type, with their ids and the construct path.
  const of = (cfnType: string, tfType: string): Array<{ id: string; path: string; p: Json }> => cfn
    ? Object.entries<Json>(output.Resources).filter(([, r]) => r.Type === cfnType)
      .map(([id, r]) => ({ id, path: g.pathOf(id), p: r.Properties ?? {} }))
    : Object.entries<Json>(output.resource?.[tfType] ?? {}).map(([name, r]) => ({ id: `${tfType}.${name}`, path: g.pathOf(`${tfType}.${name}`), p: r }));
  const doc = (v: unknown) => sym(typeof v === 'string' ? JSON.parse(v) : v);
  const refPath = (v: unknown) => {
    const id = cfn ? g.ref(v) : /\$\{([a-z0-9_]+\.[A-Za-z0-9_-]+)\.[a-z_]+\}/.exec(String(v))?.[1];
    return id ? g.pathOf(id) : sym(v);
  };

  const [topicPolicy] = of('AWS::SNS::TopicPolicy', 'aws_sns_topic_policy');
  const [key] = of('AWS::KMS::Key', 'aws_kms_key');
  const budgets = of('AWS::Budgets::Budget', 'aws_budgets_budget').map(({ path, p }) => {
    const b = cfn ? p.Budget : p;
    const notifications = cfn
      ? p.NotificationsWithSubscribers.map((n: Json) => `${n.Notification.NotificationType} > ${n.Notification.Threshold} ${n.Notification.ThresholdType}`
        + ` to ${sorted(n.Subscribers.map((s: Json) => `${s.SubscriptionType}:${refPath(s.Address)}`)).join(',')}`)
      : p.notification.map((n: Json) => `${n.notification_type} > ${n.threshold} ${n.threshold_type}`
        + ` to ${sorted([...list(n.subscriber_sns_topic_arns).map((a) => `SNS:${refPath(a)}`), ...list(n.subscriber_email_addresses).map((a) => `EMAIL:${a}`)]).join(',')}`);
    return {
      path,
      type: cfn ? b.BudgetType : b.budget_type,
      period: cfn ? b.TimeUnit : b.time_unit,
      limit: `${Number(cfn ? b.BudgetLimit.Amount : b.limit_amount)} ${cfn ? b.BudgetLimit.Unit : b.limit_unit}`,
      costFilters: cfn ? (b.CostFilters ?? {}) : Object.fromEntries(list(b.cost_filter).map((f: Json) => [f.name, f.values])),
      notifications: sorted(notifications),
    };
  });
  const monitors = of('AWS::CE::AnomalyMonitor', 'aws_ce_anomaly_monitor').map(({ p }) =>
    (cfn ? `${p.MonitorType}/${p.MonitorDimension}` : `${p.monitor_type}/${p.monitor_dimension}`));
  const subscriptions = of('AWS::CE::AnomalySubscription', 'aws_ce_anomaly_subscription').map(({ p }) => ({
    frequency: cfn ? p.Frequency : p.frequency,
    monitors: (cfn ? p.MonitorArnList : p.monitor_arn_list).map(refPath),
    subscribers: (cfn ? p.Subscribers : p.subscriber).map((s: Json) => `${cfn ? s.Type : s.type}:${refPath(cfn ? s.Address : s.address)}`),
    threshold: cfn ? JSON.parse(p.ThresholdExpression).Dimensions
      : {
        Key: p.threshold_expression.dimension.key,
        MatchOptions: p.threshold_expression.dimension.match_options,
        Values: p.threshold_expression.dimension.values,
      },
  }));

  // Event rules and schedules with their targets.
  const tfTargets = of('', 'aws_cloudwatch_event_target');
  const rules = of('AWS::Events::Rule', 'aws_cloudwatch_event_rule').map(({ id, path, p }) => {
    const targets = cfn ? p.Targets : tfTargets.filter((t) => String(t.p.rule).includes(`${id}.name`)).map((t) => t.p);
    return {
      path,
      pattern: cfn ? (p.EventPattern && JSON.parse(JSON.stringify(p.EventPattern))) : (p.event_pattern && JSON.parse(p.event_pattern)),
      schedule: cfn ? p.ScheduleExpression : p.schedule_expression,
      targets: targets.map((t: Json) => ({
        arn: refPath(cfn ? t.Arn : t.arn),
        inputPaths: cfn ? t.InputTransformer?.InputPathsMap : t.input_transformer?.input_paths,
        inputTemplate: cfn ? t.InputTransformer?.InputTemplate : t.input_transformer?.input_template,
        retries: cfn ? t.RetryPolicy?.MaximumRetryAttempts : t.retry_policy?.maximum_retry_attempts,
      })),
    };
  });

  const chatbot = of('AWS::Chatbot::SlackChannelConfiguration', 'aws_chatbot_slack_channel_configuration').map(({ p }) => ({
    workspace: cfn ? p.SlackWorkspaceId : p.slack_team_id,
    channel: cfn ? p.SlackChannelId : p.slack_channel_id,
    guardrails: sym(cfn ? p.GuardrailPolicies : p.guardrail_policy_arns),
    topics: (cfn ? p.SnsTopicArns : p.sns_topic_arns).map(refPath),
    logging: cfn ? p.LoggingLevel : p.logging_level,
    userRoleRequired: cfn ? p.UserRoleRequired : p.user_authorization_required,
    role: refPath(cfn ? p.IamRoleArn : p.iam_role_arn),
  }));

  // Roles: trust and inline grants, by construct path.
  const roles = Object.fromEntries(of('AWS::IAM::Role', 'aws_iam_role').map(({ id, path, p }) => {
    const policies = cfn
      ? of('AWS::IAM::Policy', '').filter((x) => list(x.p.Roles).some((r: Json) => r.Ref === id)).map((x) => x.p.PolicyDocument)
      : of('', 'aws_iam_role_policy').filter((x) => String(x.p.role).includes(`${id}.`)).map((x) => JSON.parse(x.p.policy));
    return [path, {
      trust: policyGrants(doc(cfn ? p.AssumeRolePolicyDocument : p.assume_role_policy)),
      grants: sorted(policies.flatMap((d) => policyGrants(sym(d)))),
    }];
  }));

  const permissions = of('AWS::Lambda::Permission', 'aws_lambda_permission').map(({ p }) =>
    `${cfn ? p.Principal : p.principal} may invoke ${refPath(cfn ? p.FunctionName : p.function_name)} for ${refPath(cfn ? p.SourceArn : p.source_arn)}`);
  const subscriptions2 = of('AWS::SNS::Subscription', 'aws_sns_topic_subscription').map(({ p }) =>
    `${cfn ? p.Protocol : p.protocol}:${refPath(cfn ? p.Endpoint : p.endpoint)} on ${refPath(cfn ? p.TopicArn : p.topic_arn)}`);

  const functions = of('AWS::Lambda::Function', 'aws_lambda_function').map(({ path, p }) => {
    const logGroupPath = refPath(cfn ? p.LoggingConfig.LogGroup : p.logging_config.log_group);
    const [logGroup] = of('AWS::Logs::LogGroup', 'aws_cloudwatch_log_group').filter((l) => l.path === logGroupPath);
    return {
      path,
      runtime: cfn ? p.Runtime : p.runtime,
      architectures: cfn ? p.Architectures : p.architectures,
      handler: cfn ? p.Handler : p.handler,
      timeout: cfn ? p.Timeout : p.timeout,
      memory: cfn ? p.MemorySize : p.memory_size,
      environment: sym(cfn ? p.Environment?.Variables : p.environment?.variables),
      logFormat: cfn ? p.LoggingConfig.LogFormat : p.logging_config.log_format,
      logGroup: {
        path: logGroupPath,
        retention: cfn ? logGroup.p.RetentionInDays : logGroup.p.retention_in_days,
        key: refPath(cfn ? logGroup.p.KmsKeyId : logGroup.p.kms_key_id),
      },
      deadLetters: refPath(cfn ? p.DeadLetterConfig.TargetArn : p.dead_letter_config.target_arn),
      role: refPath(cfn ? p.Role : p.role),
    };
  });
  const alarms = of('AWS::CloudWatch::Alarm', 'aws_cloudwatch_metric_alarm').map(({ p }) => ({
    metric: `${cfn ? p.Namespace : p.namespace}/${cfn ? p.MetricName : p.metric_name} ${cfn ? p.Statistic : p.statistic} ${cfn ? p.Period : p.period}s`,
    dimensions: (cfn ? p.Dimensions.map((d: Json) => `${d.Name}=${refPath(d.Value)}`) : Object.entries(p.dimensions).map(([k, v]) => `${k}=${refPath(v)}`)),
    when: `${cfn ? p.ComparisonOperator : p.comparison_operator} ${cfn ? p.Threshold : p.threshold} x${cfn ? p.EvaluationPeriods : p.evaluation_periods}`,
    missing: cfn ? p.TreatMissingData : p.treat_missing_data,
    actions: (cfn ? p.AlarmActions : p.alarm_actions).map(refPath),
  }));
  const queues = of('AWS::SQS::Queue', 'aws_sqs_queue').map(({ path, p }) => ({
    path,
    retentionSeconds: cfn ? p.MessageRetentionPeriod : p.message_retention_seconds,
    key: refPath(cfn ? p.KmsMasterKeyId : p.kms_master_key_id),
  }));
  const actions = of('AWS::Budgets::BudgetsAction', 'aws_budgets_budget_action').map(({ p }) => ({
    budget: refPath(cfn ? p.BudgetName : p.budget_name),
    type: cfn ? p.ActionType : p.action_type,
    notificationType: cfn ? p.NotificationType : p.notification_type,
    threshold: cfn ? `${p.ActionThreshold.Value} ${p.ActionThreshold.Type}` : `${p.action_threshold.action_threshold_value} ${p.action_threshold.action_threshold_type}`,
    approval: cfn ? p.ApprovalModel : p.approval_model,
    policy: refPath(cfn ? p.Definition.IamActionDefinition.PolicyArn : p.definition.iam_action_definition.policy_arn),
    roles: cfn ? p.Definition.IamActionDefinition.Roles : p.definition.iam_action_definition.roles,
    executionRole: refPath(cfn ? p.ExecutionRoleArn : p.execution_role_arn),
    subscribers: (cfn ? p.Subscribers : p.subscriber).map((s: Json) => `${cfn ? s.Type : s.subscription_type}:${refPath(cfn ? s.Address : s.address)}`),
  }));
  const denyPolicies = of('AWS::IAM::ManagedPolicy', 'aws_iam_policy').map(({ p }) => policyGrants(doc(cfn ? p.PolicyDocument : p.policy)));

  return {
    topicPolicy: topicPolicy ? policyGrants(doc(cfn ? topicPolicy.p.PolicyDocument : topicPolicy.p.policy)) : undefined,
    keyPolicy: policyGrants(doc(cfn ? key.p.KeyPolicy : key.p.policy)),
    keyRotation: cfn ? key.p.EnableKeyRotation : key.p.enable_key_rotation,
    budgets: sorted(budgets),
    monitors,
    anomalySubscriptions: subscriptions,
    rules: sorted(rules),
    chatbot,
    roles,
    permissions: sorted(permissions),
    subscriptions: sorted(subscriptions2),
    functions: sorted(functions),
    alarms: sorted(alarms),
    queues,
    budgetActions: actions,
    denyPolicies,
  };
}

describe('FinOpsGuardrails parity (AWS CDK vs CDKTF)', () => {
  test.each(Object.keys(SCENARIOS))('%s: the same guardrails in both engines', (name) => {
    const cfnModel = normalise(buildCdk(SCENARIOS[name]), 'cfn');
    const tfModel = normalise(buildTf(SCENARIOS[name]), 'tf');
    expect(tfModel).toEqual(cfnModel);
    // Not vacuous: the scenario's resources were read.
    expect(cfnModel.keyPolicy.length).toBeGreaterThan(3);
    if (name.startsWith('PRODUCTION')) {
      expect(cfnModel.functions).toHaveLength(4);
      expect(cfnModel.budgets).toHaveLength(2);
      expect(cfnModel.budgetActions).toHaveLength(1);
      expect(cfnModel.chatbot).toHaveLength(1);
    }
  });
});
