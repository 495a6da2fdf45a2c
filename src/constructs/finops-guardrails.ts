/**
 * FinOpsGuardrails, engine-neutral: options, defaults, validation and the plan
 * both engines render. Native AWS services carry everything they can (Budgets,
 * Cost Anomaly Detection, EventBridge, AWS Chatbot); Lambda functions
 * (src/handlers, bundled into assets/handlers) do only what nothing native does:
 * fleet-wide idle-instance detection, unattached-volume clean-up with a grace
 * period, Slack webhooks and Jira issues.
 */
import { existsSync } from 'fs';
import { join } from 'path';
import { ENVIRONMENT_PROFILES, EnvironmentProfile, profileDefaults } from './environment-profile';
import { physicalNameFromPath } from './naming';
import { LOG_RETENTION_DAYS } from './platform-network';
import {
  AwsEnvironment,
  CLOUDWATCH_ALARMS,
  PolicyStatementJson,
  TopicPublisher,
} from './policies';
import { S } from './prop-schema';
import { describe, PropsValidator, ValidationContext } from './validation';

/** How often a budget's spend is measured against its limit. */
export enum BudgetPeriod {
  /** Every day (AWS Budgets sends no forecasted alerts for daily budgets). */
  DAILY = 'DAILY',
  /** Every calendar month. */
  MONTHLY = 'MONTHLY',
  /** Every quarter. */
  QUARTERLY = 'QUARTERLY',
  /** Every year. */
  ANNUALLY = 'ANNUALLY',
}

/** What a budget notification compares with its threshold. */
export enum BudgetNotificationType {
  /** The spend so far in the period. */
  ACTUAL = 'ACTUAL',
  /** The spend AWS forecasts for the whole period. */
  FORECASTED = 'FORECASTED',
}

/** What a clean-up workflow does with what it finds. */
export enum RemediationMode {
  /** Publish a report to the topic; change nothing. */
  REPORT = 'REPORT',
  /** Stop idle instances (idleInstances only), after a dry-run permission check. */
  STOP = 'STOP',
  /** Delete unattached volumes after the grace period (unattachedVolumes only), snapshotting first by default. */
  DELETE = 'DELETE',
}

/** Who lets a budget action run. */
export enum ApprovalMode {
  /** Someone approves the action in the AWS Budgets console when the threshold is crossed. */
  MANUAL = 'MANUAL',
  /** AWS Budgets applies the action as soon as the threshold is crossed. */
  AUTOMATIC = 'AUTOMATIC',
}

/** A budget alert: when spend crosses `percent` of the limit. */
export interface BudgetThreshold {
  /** Percent of the budget's limit, 1 to 1000. */
  readonly percent: number;
  /**
   * Actual spend or the forecast.
   * @default BudgetNotificationType.ACTUAL
   */
  readonly type?: BudgetNotificationType;
}

/** A cost budget. */
export interface FinOpsBudget {
  /** A short name, unique among the construct's budgets (letters, digits, `-`, `_`; up to 40 characters). */
  readonly name: string;
  /** The limit in US dollars for each period, more than 0. */
  readonly limitUsd: number;
  /**
   * The period the limit applies to.
   * @default BudgetPeriod.MONTHLY
   */
  readonly period?: BudgetPeriod;
  /**
   * When to alert.
   * @default - ACTUAL 80 % and 100 %, plus FORECASTED 100 % (not for DAILY budgets, which AWS Budgets does not forecast)
   */
  readonly thresholds?: BudgetThreshold[];
  /**
   * Cost filters (AWS Budgets `CostFilters`), e.g. `{ Service: ['Amazon Elastic Compute Cloud - Compute'] }`.
   * Keys: AZ, BillingEntity, CostCategory, InstanceType, InvoicingEntity, LegalEntityName, LinkedAccount,
   * Operation, PurchaseType, Region, Service, TagKeyValue, UsageType, UsageTypeGroup.
   * @default - all costs of the account
   */
  readonly costFilters?: { [key: string]: string[] };
}

/** Slack through AWS Chatbot (the workspace is authorised once in the AWS Chatbot console). */
export interface FinOpsSlackChannel {
  /** The Slack workspace (team) ID AWS Chatbot was authorised for, e.g. `T0123ABCD`. */
  readonly workspaceId?: string;
  /** The Slack channel ID, e.g. `C0456EFGH`. */
  readonly channelId?: string;
}

/** Jira issues for alerts: one per alert, never a duplicate of an open one. */
export interface FinOpsJira {
  /** The Jira site, `https://<site>.atlassian.net` or your Data Center URL (https only). */
  readonly baseUrl: string;
  /** The project key issues are created in, e.g. `OPS`. */
  readonly projectKey: string;
  /**
   * The Secrets Manager secret with the credentials: JSON `{"email","apiToken"}` (Jira Cloud)
   * or `{"token"}` (a Data Center personal access token).
   */
  readonly credentialsSecretArn: string;
  /**
   * The issue type created.
   * @default 'Task'
   */
  readonly issueType?: string;
}

/** Who hears about budgets, anomalies, instance and volume events and the clean-up reports. */
export interface FinOpsNotify {
  /**
   * Email addresses every budget alert is sent to directly (at most 10, AWS Budgets' limit per alert).
   * @default - none
   */
  readonly emails?: string[];
  /**
   * Email addresses subscribed to the topic: they receive every alert (budgets included, so an
   * address in both lists hears of a budget twice). SNS asks each address to confirm.
   * @default - none
   */
  readonly topicEmails?: string[];
  /**
   * A Slack channel through AWS Chatbot, with a read-only guardrail.
   * @default - none
   */
  readonly slack?: FinOpsSlackChannel;
  /**
   * A Secrets Manager secret holding a Slack incoming-webhook URL (the URL itself, or JSON
   * `{"url"}`): a function posts each alert there. Use it where AWS Chatbot is not authorised.
   * @default - none
   */
  readonly slackWebhookSecretArn?: string;
  /**
   * Jira issues for alerts.
   * @default - none
   */
  readonly jira?: FinOpsJira;
}

/** Cost Anomaly Detection. */
export interface FinOpsAnomalyDetection {
  /**
   * Alert on anomalies whose total impact is at least this many US dollars (more than 0).
   * @default 100
   */
  readonly minImpactUsd?: number;
  /**
   * An existing monitor to subscribe to, e.g. the `Default-Services-Monitor` AWS creates in new
   * accounts (`arn:aws:ce::<account>:anomalymonitor/<id>`). An account has at most one AWS-services
   * monitor, so creating one fails where it exists: pass its ARN here.
   * @default - a new AWS-services (DIMENSIONAL / SERVICE) monitor
   */
  readonly existingMonitorArn?: string;
}

/** Fleet-wide idle EC2 instance detection. */
export interface FinOpsIdleInstances {
  /**
   * REPORT, or STOP (after a dry-run check). STOP needs an explicit `lookbackDays`.
   * @default RemediationMode.REPORT
   */
  readonly mode?: RemediationMode;
  /**
   * An instance is idle when its daily average CPU never exceeded this percent (0 to 100).
   * @default 5
   */
  readonly maxCpuPercent?: number;
  /**
   * ... and its daily network traffic (in plus out) never exceeded this many bytes.
   * @default 5000000 (5 MB a day)
   */
  readonly maxNetworkBytesPerDay?: number;
  /**
   * Days of metrics judged, 1 to 63 (CloudWatch keeps one-hour data 63 days... daily points 455).
   * @default 14
   */
  readonly lookbackDays?: number;
  /**
   * Instances with this tag key are never reported or stopped.
   * @default 'finops:keep'
   */
  readonly excludeTag?: string;
  /**
   * Also judge instances of Auto Scaling groups (their group would replace a stopped one).
   * @default false
   */
  readonly includeAutoScaling?: boolean;
  /**
   * When the check runs (an EventBridge `cron(...)` or `rate(...)` expression, UTC).
   * @default 'cron(0 6 * * ? *)'
   */
  readonly schedule?: string;
}

/** Unattached EBS volume clean-up. */
export interface FinOpsUnattachedVolumes {
  /**
   * REPORT, or DELETE after the grace period. DELETE needs an explicit `graceDays`.
   * @default RemediationMode.REPORT
   */
  readonly mode?: RemediationMode;
  /**
   * Days a volume stays unattached (counted from when the function first saw it) before DELETE removes it, 1 to 365.
   * @default 7
   */
  readonly graceDays?: number;
  /**
   * Snapshot a volume (and wait for the snapshot to complete, in a later run) before deleting it.
   * @default true
   */
  readonly snapshotBeforeDelete?: boolean;
  /**
   * Volumes with this tag key are never reported or deleted.
   * @default 'finops:keep'
   */
  readonly excludeTag?: string;
  /**
   * When the check runs (an EventBridge `cron(...)` or `rate(...)` expression, UTC).
   * @default 'cron(30 6 * * ? *)'
   */
  readonly schedule?: string;
}

/** A budget action that denies launching compute to the given roles at a threshold. */
export interface FinOpsBudgetAction {
  /** The roles (ARNs, literal) the deny-launch policy is attached to. */
  readonly denyLaunchOnRoleArns: string[];
  /**
   * Percent of the budget's limit (actual spend) that triggers the action, 1 to 1000.
   * @default 100
   */
  readonly atPercent?: number;
  /**
   * Who lets the action run.
   * @default ApprovalMode.MANUAL
   */
  readonly approval?: ApprovalMode;
  /**
   * The budget (by `name`) the action watches.
   * @default - the first budget
   */
  readonly budget?: string;
}

/** Engine-neutral options of FinOpsGuardrails, shared by the CDK and CDKTF constructs. */
export interface FinOpsGuardrailsOptions {
  /**
   * Retention and deletion defaults (log groups, key deletion window).
   * @default EnvironmentProfile.DEVELOPMENT
   */
  readonly profile?: EnvironmentProfile;
  /**
   * Cost budgets.
   * @default - none
   */
  readonly budgets?: FinOpsBudget[];
  /**
   * Who hears about alerts.
   * @default - the topic only
   */
  readonly notify?: FinOpsNotify;
  /**
   * Cost Anomaly Detection to the topic, immediately.
   * @default - none
   */
  readonly anomalyDetection?: FinOpsAnomalyDetection;
  /**
   * EC2 instance state changes (running, stopped, terminated) to the topic (EventBridge, no code).
   * @default true
   */
  readonly instanceEvents?: boolean;
  /**
   * EBS volume events (create, delete, attach, detach, modify results) to the topic (EventBridge, no code).
   * @default true
   */
  readonly volumeEvents?: boolean;
  /**
   * Idle EC2 instance detection.
   * @default - none
   */
  readonly idleInstances?: FinOpsIdleInstances;
  /**
   * Unattached EBS volume clean-up.
   * @default - none
   */
  readonly unattachedVolumes?: FinOpsUnattachedVolumes;
  /**
   * A deny-launch budget action.
   * @default - none
   */
  readonly budgetAction?: FinOpsBudgetAction;
  /**
   * Days the functions' log groups keep their logs.
   * @default - 30 in DEVELOPMENT, 365 in PRODUCTION
   */
  readonly logRetentionDays?: number;
}

const BUDGET_THRESHOLD_SCHEMA = S.struct<BudgetThreshold>({
  percent: S.number,
  type: S.enumOf('BudgetNotificationType', BudgetNotificationType),
}, ['percent']);

const BUDGET_SCHEMA = S.struct<FinOpsBudget>({
  name: S.string,
  limitUsd: S.number,
  period: S.enumOf('BudgetPeriod', BudgetPeriod),
  thresholds: S.arrayOf(BUDGET_THRESHOLD_SCHEMA),
  costFilters: S.mapOf(S.strings, 'a cost-filter key'),
}, ['name', 'limitUsd']);

/** @internal the run-time shape of FinOpsGuardrailsOptions. */
export const FINOPS_OPTIONS_SCHEMA = S.struct<FinOpsGuardrailsOptions>({
  profile: S.enumOf('EnvironmentProfile', EnvironmentProfile),
  budgets: S.arrayOf(BUDGET_SCHEMA),
  notify: S.struct<FinOpsNotify>({
    emails: S.strings,
    topicEmails: S.strings,
    slack: S.struct<FinOpsSlackChannel>({ workspaceId: S.string, channelId: S.string }),
    slackWebhookSecretArn: S.string,
    jira: S.struct<FinOpsJira>({
      baseUrl: S.string,
      projectKey: S.string,
      credentialsSecretArn: S.string,
      issueType: S.string,
    }, ['baseUrl', 'projectKey', 'credentialsSecretArn']),
  }),
  anomalyDetection: S.struct<FinOpsAnomalyDetection>({ minImpactUsd: S.number, existingMonitorArn: S.string }),
  instanceEvents: S.boolean,
  volumeEvents: S.boolean,
  idleInstances: S.struct<FinOpsIdleInstances>({
    mode: S.enumOf('RemediationMode', RemediationMode),
    maxCpuPercent: S.number,
    maxNetworkBytesPerDay: S.number,
    lookbackDays: S.integer,
    excludeTag: S.string,
    includeAutoScaling: S.boolean,
    schedule: S.string,
  }),
  unattachedVolumes: S.struct<FinOpsUnattachedVolumes>({
    mode: S.enumOf('RemediationMode', RemediationMode),
    graceDays: S.integer,
    snapshotBeforeDelete: S.boolean,
    excludeTag: S.string,
    schedule: S.string,
  }),
  budgetAction: S.struct<FinOpsBudgetAction>({
    denyLaunchOnRoleArns: S.strings,
    atPercent: S.number,
    approval: S.enumOf('ApprovalMode', ApprovalMode),
    budget: S.string,
  }, ['denyLaunchOnRoleArns']),
  logRetentionDays: S.integer,
});

/** @internal the documented defaults, in one place. */
export const FINOPS_DEFAULTS = {
  minImpactUsd: 100,
  maxCpuPercent: 5,
  maxNetworkBytesPerDay: 5_000_000,
  lookbackDays: 14,
  graceDays: 7,
  excludeTag: 'finops:keep',
  idleSchedule: 'cron(0 6 * * ? *)',
  volumeSchedule: 'cron(30 6 * * ? *)',
  budgetActionPercent: 100,
} as const;

/**
 * @internal
 * The Lambda runtime of every handler. nodejs22.x, not 24: the Terraform AWS provider 5.x
 * (still widely pinned, and the provider mirrored here) refuses `nodejs24.x` at validate,
 * and both engines must deploy the same function. Node.js 22 is supported by Lambda
 * until 2027-04-30; move both engines together.
 */
export const FINOPS_HANDLER_RUNTIME = 'nodejs22.x';

/** @internal the cost-filter keys AWS Budgets' `CostFilters` and Terraform's `cost_filter` both accept. */
export const BUDGET_COST_FILTER_KEYS: readonly string[] = [
  'AZ', 'BillingEntity', 'CostCategory', 'InstanceType', 'InvoicingEntity', 'LegalEntityName', 'LinkedAccount',
  'Operation', 'PurchaseType', 'Region', 'Service', 'TagKeyValue', 'UsageType', 'UsageTypeGroup',
];

/** @internal AWS Budgets: at most 10 email subscribers (plus one SNS topic) per notification. */
export const MAX_BUDGET_EMAILS = 10;

// ---------------------------------------------------------------------------
// Who publishes to the FinOps topic: its policy and its key admit exactly these.
// ---------------------------------------------------------------------------

/** @internal EventBridge rules of this account and region (SNS target of a rule). */
export const EVENTBRIDGE_RULES: TopicPublisher = {
  name: 'EventBridgeRules',
  principal: 'events.amazonaws.com',
  sourceArn: (env) => `arn:${env.partition}:events:${env.region}:${env.accountId}:rule/*`,
};

/** @internal AWS Budgets notifications of this account (Budgets user guide, "Creating an Amazon SNS topic for budget notifications"). */
export const AWS_BUDGETS: TopicPublisher = {
  name: 'Budgets',
  principal: 'budgets.amazonaws.com',
  sourceArn: (env) => `arn:${env.partition}:budgets::${env.accountId}:*`,
};

/** @internal Cost Anomaly Detection alerts of this account's subscriptions. */
export const COST_ANOMALY_ALERTS: TopicPublisher = {
  name: 'CostAnomalyDetection',
  principal: 'costalerts.amazonaws.com',
  sourceArn: (env) => `arn:${env.partition}:ce::${env.accountId}:anomalysubscription/*`,
};

/**
 * @internal
 * What is wrong with an alerts topic of another app or region, in the same words in both engines:
 * the alarms and rules notify it by reference, and CloudWatch alarms notify topics of their own region.
 */
export function topicTargetProblem(sameApp: boolean, topicRegion: string | undefined, ourRegion: string | undefined): string | undefined {
  if (!sameApp) return 'expected a topic of the same app; this one belongs to another app (constructs cannot reference each other across apps)';
  if (topicRegion && ourRegion && topicRegion !== ourRegion) {
    return `expected a topic in this stack's region ${ourRegion}; it is in ${topicRegion} (CloudWatch alarms and EventBridge rules notify topics of their own region)`;
  }
  return undefined;
}

// ---------------------------------------------------------------------------
// The plan.
// ---------------------------------------------------------------------------

/** @internal one budget alert. */
export interface BudgetNotificationPlan {
  readonly type: BudgetNotificationType;
  readonly percent: number;
  readonly emails: readonly string[];
}

/** @internal one budget. */
export interface BudgetPlan {
  /** Construct ID of the budget: `Budget<Name>` (stable: the name is the user's). */
  readonly id: string;
  /** The user's short name. */
  readonly name: string;
  readonly period: BudgetPeriod;
  /** The limit as AWS Budgets spells it (a decimal string). */
  readonly limitAmount: string;
  readonly costFilters: ReadonlyArray<{ readonly name: string; readonly values: readonly string[] }>;
  readonly notifications: readonly BudgetNotificationPlan[];
}

/** @internal an EventBridge rule to the topic with a readable message. */
export interface EventRulePlan {
  readonly id: string;
  readonly description: string;
  readonly eventPattern: Record<string, unknown>;
  readonly inputPathsMap: Readonly<Record<string, string>>;
  /** The SNS message template: a JSON string literal, so SNS receives plain text. */
  readonly inputTemplate: string;
}

/** @internal one function: which bundle, what it may do, what starts it. */
export interface FunctionPlan {
  /** Construct ID stem (`IdleInstances` -> `IdleInstancesFunction`, `IdleInstancesLogGroup`, ...). */
  readonly id: string;
  /** The bundle in assets/handlers. */
  readonly handler: 'idle-instances' | 'unattached-volumes' | 'slack-notify' | 'jira-issue';
  readonly description: string;
  readonly timeoutSeconds: number;
  readonly memoryMiB: number;
  /** Environment variables; `TOPIC_ARN` is added by the binding (a deploy-time reference). */
  readonly environment: Readonly<Record<string, string>>;
  /** What starts it: a schedule, or the topic (a subscription). */
  readonly trigger: { readonly schedule: string } | { readonly topic: true };
  /** Whether the function publishes to the topic (reports). */
  readonly publishes: boolean;
  /** The grants the function's work needs, besides logs, the dead-letter queue and publishing. */
  readonly statements: (env: AwsEnvironment) => PolicyStatementJson[];
}

/** @internal the deny-launch budget action. */
export interface BudgetActionPlan {
  readonly budgetId: string;
  readonly percent: number;
  readonly approval: ApprovalMode;
  readonly roleArns: readonly string[];
  readonly roleNames: readonly string[];
}

/** @internal what both engines build for FinOpsGuardrails. */
export interface FinOpsPlan {
  readonly profile: EnvironmentProfile;
  readonly logRetentionDays: number;
  readonly retainOnDelete: boolean;
  readonly keyDeletionWindowDays: number;
  /** The services that publish to the topic: its policy and key admit exactly these. */
  readonly topicPublishers: readonly TopicPublisher[];
  readonly budgets: readonly BudgetPlan[];
  readonly anomaly?: {
    readonly existingMonitorArn?: string;
    readonly minImpactUsd: number;
    /** The threshold, and the same as CloudFormation's ThresholdExpression JSON string. */
    readonly threshold: AnomalyThreshold;
    readonly thresholdExpression: string;
  };
  readonly eventRules: readonly EventRulePlan[];
  readonly chatbot?: { readonly workspaceId: string; readonly channelId: string };
  readonly functions: readonly FunctionPlan[];
  readonly budgetAction?: BudgetActionPlan;
  readonly topicEmails: readonly string[];
}

const EMAIL = /^[A-Za-z0-9.!#$%&'*+=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/;
const BUDGET_NAME = /^[A-Za-z0-9_-]{1,40}$/;
const SCHEDULE = /^(cron\(\S+( \S+){5}\)|rate\((1 (minute|hour|day)|([2-9]|[1-9]\d+) (minutes|hours|days))\))$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,64})$/;
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/;
const MONITOR_ARN = /^arn:aws[a-z-]*:ce::\d{12}:anomalymonitor\/[A-Za-z0-9-]+$/;
const SLACK_WORKSPACE = /^[0-9A-Z]{1,255}$/;
const SLACK_CHANNEL = /^[A-Za-z0-9]{1,255}$/;
const TAG_KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,127}$/u;

/** @internal validate FinOpsGuardrails options and compute the plan. */
export function planFinOps(options: FinOpsGuardrailsOptions, validation: PropsValidator | ValidationContext): FinOpsPlan {
  const { v, o } = PropsValidator.begin(validation, FINOPS_OPTIONS_SCHEMA, options);
  const profile = v.oneOf('profile', o.profile, ENVIRONMENT_PROFILES) ? o.profile! : EnvironmentProfile.DEVELOPMENT;
  const defaults = profileDefaults(profile);
  const logRetentionDays = o.logRetentionDays ?? defaults.auditLogRetentionDays;
  if (!v.isUnresolved(logRetentionDays) && !v.hasProblemAt('logRetentionDays')) {
    v.require(LOG_RETENTION_DAYS.includes(logRetentionDays), 'logRetentionDays', logRetentionDays,
      `expected one of ${LOG_RETENTION_DAYS.join(', ')}`);
  }

  const notify = o.notify ?? {};
  const emails = checkEmails(v, 'notify.emails', notify.emails ?? []);
  if (!v.hasProblemAt('notify.emails')) {
    v.require(emails.length <= MAX_BUDGET_EMAILS, 'notify.emails', notify.emails,
      `expected at most ${MAX_BUDGET_EMAILS} addresses (AWS Budgets' limit of email subscribers per alert); subscribe more through notify.topicEmails or a mailing list`);
  }
  const topicEmails = checkEmails(v, 'notify.topicEmails', notify.topicEmails ?? []);
  const chatbot = planSlackChannel(v, notify.slack);
  if (notify.slackWebhookSecretArn !== undefined) checkSecretArn(v, 'notify.slackWebhookSecretArn', notify.slackWebhookSecretArn);
  if (notify.jira) checkJira(v, notify.jira);

  const budgets = planBudgets(v, o.budgets ?? [], emails);
  const anomaly = o.anomalyDetection ? planAnomaly(v, o.anomalyDetection) : undefined;

  const eventRules: EventRulePlan[] = [];
  if (o.instanceEvents ?? true) eventRules.push(INSTANCE_STATE_RULE);
  if (o.volumeEvents ?? true) eventRules.push(VOLUME_EVENTS_RULE);

  const functions: FunctionPlan[] = [];
  if (o.idleInstances) functions.push(planIdleInstances(v, o.idleInstances));
  if (o.unattachedVolumes) functions.push(planUnattachedVolumes(v, o.unattachedVolumes));
  if (notify.slackWebhookSecretArn !== undefined) functions.push(slackWebhookFunction(notify.slackWebhookSecretArn));
  if (notify.jira) functions.push(jiraFunction(notify.jira));

  const budgetAction = o.budgetAction ? planBudgetAction(v, o.budgetAction, budgets, o.budgets ?? []) : undefined;

  const topicPublishers: TopicPublisher[] = [CLOUDWATCH_ALARMS];
  if (eventRules.length > 0) topicPublishers.push(EVENTBRIDGE_RULES);
  if (budgets.length > 0) topicPublishers.push(AWS_BUDGETS);
  if (anomaly) topicPublishers.push(COST_ANOMALY_ALERTS);

  v.throwIfInvalid();
  return {
    profile,
    logRetentionDays,
    retainOnDelete: defaults.retainOnDelete,
    keyDeletionWindowDays: defaults.keyDeletionWindowDays,
    topicPublishers,
    budgets,
    anomaly,
    eventRules,
    chatbot,
    functions,
    budgetAction,
    topicEmails,
  };
}

function checkEmails(v: PropsValidator, prop: string, emails: readonly string[]): string[] {
  emails.forEach((email, i) => {
    if (!v.isUnresolved(email)) v.require(EMAIL.test(email), `${prop}[${i}]`, email, 'expected an email address such as finops@example.com');
  });
  const seen = new Set<string>();
  emails.forEach((email, i) => {
    const key = email.toLowerCase();
    if (seen.has(key)) v.report(`${prop}[${i}]`, email, 'expected each address once');
    seen.add(key);
  });
  return [...emails];
}

function checkSecretArn(v: PropsValidator, prop: string, arn: string): void {
  if (v.isUnresolved(arn)) return;
  v.require(SECRET_ARN.test(arn), prop, arn, 'expected a Secrets Manager secret ARN, arn:<partition>:secretsmanager:<region>:<account>:secret:<name>');
}

function planSlackChannel(v: PropsValidator, slack: FinOpsSlackChannel | undefined): FinOpsPlan['chatbot'] {
  if (!slack) return undefined;
  let ok = true;
  if (slack.workspaceId === undefined) {
    // A mistyped ID was reported by the type check (and left out): not missing too.
    ok = v.hasProblemAt('notify.slack.workspaceId') ? false : v.require(false, 'notify.slack.workspaceId', undefined,
      'expected the Slack workspace ID AWS Chatbot was authorised for (a channel needs its workspace)');
  } else if (!v.isUnresolved(slack.workspaceId)) {
    ok = v.require(SLACK_WORKSPACE.test(slack.workspaceId), 'notify.slack.workspaceId', slack.workspaceId,
      'expected a Slack workspace (team) ID such as T0123ABCD') && ok;
  }
  if (slack.channelId === undefined) {
    ok = (v.hasProblemAt('notify.slack.channelId') ? false : v.require(false, 'notify.slack.channelId', undefined,
      'expected the Slack channel ID alerts are posted to')) && ok;
  } else if (!v.isUnresolved(slack.channelId)) {
    ok = v.require(SLACK_CHANNEL.test(slack.channelId), 'notify.slack.channelId', slack.channelId,
      'expected a Slack channel ID such as C0456EFGH (not the channel name)') && ok;
  }
  return ok ? { workspaceId: slack.workspaceId!, channelId: slack.channelId! } : undefined;
}

function checkJira(v: PropsValidator, jira: FinOpsJira): void {
  if (!v.isUnresolved(jira.baseUrl) && !v.hasProblemAt('notify.jira.baseUrl')) {
    let url: URL | undefined;
    try {
      url = new URL(jira.baseUrl);
    } catch {
      url = undefined;
    }
    v.require(url !== undefined && url.protocol === 'https:' && !url.username && !url.password && !url.search,
      'notify.jira.baseUrl', jira.baseUrl, 'expected an https:// URL of the Jira site without credentials or query, e.g. https://example.atlassian.net');
  }
  if (!v.isUnresolved(jira.projectKey) && !v.hasProblemAt('notify.jira.projectKey')) {
    v.require(/^[A-Z][A-Z0-9_]{0,254}$/.test(jira.projectKey), 'notify.jira.projectKey', jira.projectKey,
      'expected a Jira project key: capital letters, digits and _, starting with a letter (e.g. OPS)');
  }
  if (!v.hasProblemAt('notify.jira.credentialsSecretArn')) checkSecretArn(v, 'notify.jira.credentialsSecretArn', jira.credentialsSecretArn);
  if (jira.issueType !== undefined && !v.isUnresolved(jira.issueType)) {
    v.require(jira.issueType.trim().length > 0 && jira.issueType.length <= 60, 'notify.jira.issueType', jira.issueType,
      'expected an issue type name such as Task (1 to 60 characters)');
  }
}

function defaultThresholds(period: BudgetPeriod): BudgetThreshold[] {
  const actual = [{ percent: 80, type: BudgetNotificationType.ACTUAL }, { percent: 100, type: BudgetNotificationType.ACTUAL }];
  return period === BudgetPeriod.DAILY ? actual : [...actual, { percent: 100, type: BudgetNotificationType.FORECASTED }];
}

function planBudgets(v: PropsValidator, budgets: readonly FinOpsBudget[], emails: readonly string[]): BudgetPlan[] {
  const plans: BudgetPlan[] = [];
  const names = new Set<string>();
  budgets.forEach((budget, i) => {
    const at = `budgets[${i}]`;
    let ok = !v.hasProblemAt(at);
    if (budget.name !== undefined && !v.isUnresolved(budget.name)) {
      ok = v.require(BUDGET_NAME.test(budget.name), `${at}.name`, budget.name,
        'expected 1 to 40 letters, digits, - or _ (the name is part of the budget\'s name in AWS Budgets)') && ok;
      if (names.has(budget.name.toLowerCase())) ok = v.require(false, `${at}.name`, budget.name, 'expected a name unique among the budgets') && ok;
      names.add(budget.name.toLowerCase());
    } else if (v.isUnresolved(budget.name)) {
      ok = v.require(false, `${at}.name`, budget.name, 'expected a literal name (it is part of construct IDs)') && ok;
    }
    if (budget.limitUsd !== undefined && !v.isUnresolved(budget.limitUsd)) {
      // AWS Budgets takes the amount as a plain decimal string: String() of less than a cent could read 1e-7.
      ok = v.require(budget.limitUsd >= 0.01 && budget.limitUsd <= 1e12, `${at}.limitUsd`, budget.limitUsd,
        'expected a limit in US dollars from 0.01 to 1000000000000') && ok;
    }
    const period = budget.period ?? BudgetPeriod.MONTHLY;
    const thresholds = budget.thresholds ?? defaultThresholds(period);
    if (budget.thresholds !== undefined) {
      v.require(budget.thresholds.length > 0 && budget.thresholds.length <= 5, `${at}.thresholds`, budget.thresholds,
        'expected 1 to 5 thresholds (AWS Budgets allows 5 notifications per budget)');
    }
    const seen = new Set<string>();
    thresholds.forEach((threshold, j) => {
      const tAt = `${at}.thresholds[${j}]`;
      if (v.hasProblemAt(tAt)) return;
      const type = threshold.type ?? BudgetNotificationType.ACTUAL;
      if (!v.isUnresolved(threshold.percent)) {
        v.require(threshold.percent >= 1 && threshold.percent <= 1000, `${tAt}.percent`, threshold.percent,
          'expected a percent of the limit from 1 to 1000');
      }
      if (period === BudgetPeriod.DAILY && type === BudgetNotificationType.FORECASTED) {
        v.report(`${tAt}.type`, type, 'expected ACTUAL: AWS Budgets does not send forecasted alerts for DAILY budgets');
      }
      const key = `${type}/${threshold.percent}`;
      if (seen.has(key)) v.report(tAt, threshold, 'expected each type and percent once');
      seen.add(key);
    });
    const costFilters = Object.entries(budget.costFilters ?? {});
    for (const [name, values] of costFilters) {
      const fAt = `${at}.costFilters.${name}`;
      if (!BUDGET_COST_FILTER_KEYS.includes(name)) {
        const near = BUDGET_COST_FILTER_KEYS.find((k) => k.toLowerCase() === name.toLowerCase());
        v.report(fAt, name, `expected a cost-filter key: ${near ? `did you mean ${near}? ` : ''}one of ${BUDGET_COST_FILTER_KEYS.join(', ')}`);
      } else if (!v.hasProblemAt(fAt)) {
        v.require(values.length > 0, fAt, values, 'expected at least one value');
      }
    }
    if (!ok || v.hasProblemAt(at)) return;
    plans.push({
      id: `Budget${budget.name.split(/[-_]/).map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join('')}`,
      name: budget.name,
      period,
      limitAmount: String(budget.limitUsd),
      costFilters: costFilters.map(([name, values]) => ({ name, values: [...values] })),
      notifications: thresholds.map((t) => ({ type: t.type ?? BudgetNotificationType.ACTUAL, percent: t.percent, emails: [...emails] })),
    });
  });
  // Two names that differ only in - and _ or case would share a construct ID.
  const ids = new Set<string>();
  plans.forEach((plan) => {
    if (ids.has(plan.id)) v.report('budgets', budgets.map((b) => b.name), `expected names that differ in more than case, - and _ (${plan.id} twice)`);
    ids.add(plan.id);
  });
  return plans;
}

function planAnomaly(v: PropsValidator, options: FinOpsAnomalyDetection): FinOpsPlan['anomaly'] {
  const minImpactUsd = options.minImpactUsd ?? FINOPS_DEFAULTS.minImpactUsd;
  if (!v.isUnresolved(minImpactUsd) && !v.hasProblemAt('anomalyDetection.minImpactUsd')) {
    v.require(minImpactUsd > 0, 'anomalyDetection.minImpactUsd', minImpactUsd, 'expected an impact in US dollars greater than 0');
  }
  if (options.existingMonitorArn !== undefined && !v.isUnresolved(options.existingMonitorArn)) {
    v.require(MONITOR_ARN.test(options.existingMonitorArn), 'anomalyDetection.existingMonitorArn', options.existingMonitorArn,
      'expected a Cost Anomaly Detection monitor ARN, arn:aws:ce::<account>:anomalymonitor/<id>');
  }
  const threshold: AnomalyThreshold = { key: 'ANOMALY_TOTAL_IMPACT_ABSOLUTE', matchOptions: ['GREATER_THAN_OR_EQUAL'], values: [String(minImpactUsd)] };
  return {
    existingMonitorArn: options.existingMonitorArn,
    minImpactUsd,
    threshold,
    thresholdExpression: JSON.stringify({
      Dimensions: { Key: threshold.key, MatchOptions: [...threshold.matchOptions], Values: [...threshold.values] },
    }),
  };
}

/** @internal EC2 instances starting, stopping and terminating (cost starts or ends). */
export const INSTANCE_STATE_RULE: EventRulePlan = {
  id: 'InstanceStateRule',
  description: 'EC2 instance state changes (running, stopped, terminated) to the FinOps topic',
  eventPattern: {
    'source': ['aws.ec2'],
    'detail-type': ['EC2 Instance State-change Notification'],
    'detail': { state: ['running', 'stopped', 'terminated'] },
  },
  inputPathsMap: { instance: '$.detail.instance-id', state: '$.detail.state', account: '$.account', region: '$.region', time: '$.time' },
  inputTemplate: '"EC2 instance <instance> is now <state> (account <account>, <region>, <time>)."',
};

/** @internal EBS volumes created, deleted, attached, detached or modified. */
export const VOLUME_EVENTS_RULE: EventRulePlan = {
  id: 'VolumeEventsRule',
  description: 'EBS volume events (create, delete, attach, detach, modify) to the FinOps topic',
  eventPattern: {
    'source': ['aws.ec2'],
    'detail-type': ['EBS Volume Notification'],
  },
  inputPathsMap: { volume: '$.resources[0]', event: '$.detail.event', result: '$.detail.result', cause: '$.detail.cause', time: '$.time' },
  inputTemplate: '"EBS <event> of <volume>: <result> <cause> (<time>)."',
};

function checkSchedule(v: PropsValidator, prop: string, schedule: string): void {
  if (v.isUnresolved(schedule) || v.hasProblemAt(prop)) return;
  v.require(SCHEDULE.test(schedule), prop, schedule, 'expected an EventBridge schedule such as cron(0 6 * * ? *) or rate(1 day)');
}

function checkTagKey(v: PropsValidator, prop: string, key: string): void {
  if (v.isUnresolved(key) || v.hasProblemAt(prop)) return;
  v.require(TAG_KEY.test(key) && !key.startsWith('aws:'), prop, key, 'expected a tag key of 1 to 127 characters, not starting with aws:');
}

/** @internal whether the instance carrying neither the exclude tag nor (unless allowed) an Auto Scaling group tag. */
function untaggedCondition(tagKeys: readonly string[]): Record<string, Record<string, string>> {
  return { Null: Object.fromEntries(tagKeys.map((key) => [`aws:ResourceTag/${key}`, 'true'])) };
}

function planIdleInstances(v: PropsValidator, options: FinOpsIdleInstances): FunctionPlan {
  const p = 'idleInstances';
  const mode = options.mode ?? RemediationMode.REPORT;
  if (!v.hasProblemAt(`${p}.mode`)) {
    v.require(mode !== RemediationMode.DELETE, `${p}.mode`, mode, 'expected RemediationMode.REPORT or RemediationMode.STOP (instances are stopped, never deleted)');
  }
  if (mode === RemediationMode.STOP && options.lookbackDays === undefined && !v.hasProblemAt(`${p}.lookbackDays`)) {
    v.report(`${p}.lookbackDays`, undefined, 'expected an explicit lookback (1 to 63 days) with STOP: stopping instances should rest on a window you chose');
  }
  const lookbackDays = options.lookbackDays ?? FINOPS_DEFAULTS.lookbackDays;
  if (options.lookbackDays !== undefined) v.integerInRange(`${p}.lookbackDays`, options.lookbackDays, 1, 63);
  const maxCpuPercent = options.maxCpuPercent ?? FINOPS_DEFAULTS.maxCpuPercent;
  if (!v.isUnresolved(maxCpuPercent) && !v.hasProblemAt(`${p}.maxCpuPercent`)) {
    v.require(maxCpuPercent >= 0 && maxCpuPercent <= 100, `${p}.maxCpuPercent`, maxCpuPercent, 'expected a percent from 0 to 100');
  }
  const maxNetworkBytesPerDay = options.maxNetworkBytesPerDay ?? FINOPS_DEFAULTS.maxNetworkBytesPerDay;
  if (!v.isUnresolved(maxNetworkBytesPerDay) && !v.hasProblemAt(`${p}.maxNetworkBytesPerDay`)) {
    v.require(maxNetworkBytesPerDay >= 0, `${p}.maxNetworkBytesPerDay`, maxNetworkBytesPerDay, 'expected a number of bytes, 0 or more');
  }
  const excludeTag = options.excludeTag ?? FINOPS_DEFAULTS.excludeTag;
  checkTagKey(v, `${p}.excludeTag`, excludeTag);
  const schedule = options.schedule ?? FINOPS_DEFAULTS.idleSchedule;
  checkSchedule(v, `${p}.schedule`, schedule);
  const includeAutoScaling = options.includeAutoScaling ?? false;
  const stop = mode === RemediationMode.STOP;
  return {
    id: 'IdleInstances',
    handler: 'idle-instances',
    description: `Reports${stop ? ' and stops' : ''} EC2 instances idle for ${lookbackDays} days (CPU <= ${maxCpuPercent} %)`,
    // Hundreds of instances: paginated describes and batched GetMetricData stay well inside 5 minutes.
    timeoutSeconds: 300,
    memoryMiB: 256,
    environment: {
      MODE: mode,
      MAX_CPU_PERCENT: String(maxCpuPercent),
      MAX_NETWORK_BYTES_PER_DAY: String(maxNetworkBytesPerDay),
      LOOKBACK_DAYS: String(lookbackDays),
      EXCLUDE_TAG: excludeTag,
      INCLUDE_AUTO_SCALING: String(includeAutoScaling),
    },
    trigger: { schedule },
    publishes: true,
    statements: (env) => [
      // Describe* and GetMetricData have no resource-level permissions.
      { Sid: 'ReadInstancesAndMetrics', Effect: 'Allow', Action: ['ec2:DescribeInstances', 'cloudwatch:GetMetricData'], Resource: '*' },
      ...(stop ? [{
        Sid: 'StopUntaggedInstances',
        Effect: 'Allow' as const,
        Action: 'ec2:StopInstances',
        Resource: `arn:${env.partition}:ec2:${env.region}:${env.accountId}:instance/*`,
        // The exclude tag (and, unless allowed, an Auto Scaling group) protects an instance in IAM too.
        Condition: untaggedCondition(includeAutoScaling ? [excludeTag] : [excludeTag, 'aws:autoscaling:groupName']),
      }] : []),
    ],
  };
}

/** @internal the tags the volume clean-up keeps its state in. */
export const VOLUME_STATE_TAGS: readonly string[] = ['finops:unattached-since', 'finops:snapshot-id'];

function planUnattachedVolumes(v: PropsValidator, options: FinOpsUnattachedVolumes): FunctionPlan {
  const p = 'unattachedVolumes';
  const mode = options.mode ?? RemediationMode.REPORT;
  if (!v.hasProblemAt(`${p}.mode`)) {
    v.require(mode !== RemediationMode.STOP, `${p}.mode`, mode, 'expected RemediationMode.REPORT or RemediationMode.DELETE (volumes cannot be stopped)');
  }
  if (mode === RemediationMode.DELETE && options.graceDays === undefined && !v.hasProblemAt(`${p}.graceDays`)) {
    v.report(`${p}.graceDays`, undefined, 'expected an explicit grace period (1 to 365 days) with DELETE: deleting volumes should rest on a period you chose');
  }
  const graceDays = options.graceDays ?? FINOPS_DEFAULTS.graceDays;
  if (options.graceDays !== undefined) v.integerInRange(`${p}.graceDays`, options.graceDays, 1, 365);
  const excludeTag = options.excludeTag ?? FINOPS_DEFAULTS.excludeTag;
  checkTagKey(v, `${p}.excludeTag`, excludeTag);
  const schedule = options.schedule ?? FINOPS_DEFAULTS.volumeSchedule;
  checkSchedule(v, `${p}.schedule`, schedule);
  const snapshot = options.snapshotBeforeDelete ?? true;
  const del = mode === RemediationMode.DELETE;
  return {
    id: 'UnattachedVolumes',
    handler: 'unattached-volumes',
    description: `Reports${del ? ' and deletes' : ''} EBS volumes unattached for ${graceDays} days${del && snapshot ? ', snapshotting first' : ''}`,
    timeoutSeconds: 300,
    memoryMiB: 256,
    environment: {
      MODE: mode,
      GRACE_DAYS: String(graceDays),
      SNAPSHOT_BEFORE_DELETE: String(snapshot),
      EXCLUDE_TAG: excludeTag,
    },
    trigger: { schedule },
    publishes: true,
    statements: (env) => {
      const volumes = `arn:${env.partition}:ec2:${env.region}:${env.accountId}:volume/*`;
      const snapshots = `arn:${env.partition}:ec2:${env.region}::snapshot/*`;
      const statements: PolicyStatementJson[] = [
        { Sid: 'ReadVolumesAndSnapshots', Effect: 'Allow', Action: ['ec2:DescribeVolumes', 'ec2:DescribeSnapshots'], Resource: '*' },
      ];
      if (!del) return statements;
      statements.push(
        {
          Sid: 'TagUnattachedVolumes',
          Effect: 'Allow',
          Action: 'ec2:CreateTags',
          Resource: volumes,
          Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': [...VOLUME_STATE_TAGS] }, ...untaggedCondition([excludeTag]) },
        },
        {
          // Volumes attached again lose the clean-up's state tags, so a later detachment starts a new grace period.
          Sid: 'UntagReattachedVolumes',
          Effect: 'Allow',
          Action: 'ec2:DeleteTags',
          Resource: volumes,
          Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': [...VOLUME_STATE_TAGS] }, ...untaggedCondition([excludeTag]) },
        },
        {
          Sid: 'DeleteUntaggedVolumes',
          Effect: 'Allow',
          Action: 'ec2:DeleteVolume',
          Resource: volumes,
          Condition: untaggedCondition([excludeTag]),
        },
      );
      if (snapshot) {
        statements.push(
          { Sid: 'SnapshotVolumes', Effect: 'Allow', Action: 'ec2:CreateSnapshot', Resource: [volumes, snapshots] },
          {
            Sid: 'TagNewSnapshots',
            Effect: 'Allow',
            Action: 'ec2:CreateTags',
            Resource: snapshots,
            Condition: { StringEquals: { 'ec2:CreateAction': 'CreateSnapshot' } },
          },
        );
      }
      return statements;
    },
  };
}

function readSecret(arn: string): (env: AwsEnvironment) => PolicyStatementJson[] {
  return () => [{ Sid: 'ReadCredentials', Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: arn }];
}

function slackWebhookFunction(secretArn: string): FunctionPlan {
  return {
    id: 'SlackWebhook',
    handler: 'slack-notify',
    description: 'Posts FinOps alerts to a Slack incoming webhook',
    timeoutSeconds: 30,
    memoryMiB: 128,
    environment: { WEBHOOK_SECRET_ARN: secretArn },
    trigger: { topic: true },
    publishes: false,
    statements: readSecret(secretArn),
  };
}

function jiraFunction(jira: FinOpsJira): FunctionPlan {
  return {
    id: 'JiraIssues',
    handler: 'jira-issue',
    description: 'Opens one Jira issue per FinOps alert (comments on an open one instead of duplicating it)',
    timeoutSeconds: 30,
    memoryMiB: 128,
    environment: {
      JIRA_BASE_URL: jira.baseUrl,
      JIRA_PROJECT_KEY: jira.projectKey,
      JIRA_ISSUE_TYPE: jira.issueType ?? 'Task',
      CREDENTIALS_SECRET_ARN: jira.credentialsSecretArn,
    },
    trigger: { topic: true },
    publishes: false,
    statements: readSecret(jira.credentialsSecretArn),
  };
}

function planBudgetAction(v: PropsValidator, options: FinOpsBudgetAction, budgets: readonly BudgetPlan[],
  given: readonly FinOpsBudget[]): BudgetActionPlan | undefined {
  const p = 'budgetAction';
  const percent = options.atPercent ?? FINOPS_DEFAULTS.budgetActionPercent;
  if (!v.isUnresolved(percent) && !v.hasProblemAt(`${p}.atPercent`)) {
    v.require(percent >= 1 && percent <= 1000, `${p}.atPercent`, percent, 'expected a percent of the limit from 1 to 1000');
  }
  const roleArns = options.denyLaunchOnRoleArns ?? [];
  const roleNames: string[] = [];
  if (!v.hasProblemAt(`${p}.denyLaunchOnRoleArns`)) {
    v.require(roleArns.length >= 1 && roleArns.length <= 100, `${p}.denyLaunchOnRoleArns`, roleArns, 'expected 1 to 100 role ARNs');
    roleArns.forEach((arn, i) => {
      const match = v.isUnresolved(arn) ? null : ROLE_ARN.exec(arn);
      if (v.require(match !== null, `${p}.denyLaunchOnRoleArns[${i}]`, arn,
        'expected a literal IAM role ARN, arn:<partition>:iam::<account>:role/<name> (AWS Budgets attaches the policy by role name)')) {
        roleNames.push(match![1]);
      }
    });
  }
  let budget: BudgetPlan | undefined;
  if (options.budget !== undefined) {
    budget = budgets.find((b) => b.name === options.budget);
    if (!budget && !given.some((b) => b.name === options.budget)) {
      v.report(`${p}.budget`, options.budget, given.length
        ? `expected the name of one of the budgets: ${given.map((b) => describe(b.name)).join(', ')}`
        : 'expected the name of a budget, but no budgets are configured');
    }
  } else {
    budget = budgets[0];
    if (given.length === 0) v.report(p, options, 'expected at least one budget in budgets for the action to watch');
  }
  if (!budget) return undefined;
  return {
    budgetId: budget.id,
    percent,
    approval: options.approval ?? ApprovalMode.MANUAL,
    roleArns: [...roleArns],
    roleNames,
  };
}

// ---------------------------------------------------------------------------
// IAM documents both engines render.
// ---------------------------------------------------------------------------

/** @internal AWS Lambda assumes the functions' roles (Lambda supports no source conditions on its execution roles). */
export const LAMBDA_TRUST: PolicyStatementJson = {
  Effect: 'Allow',
  Principal: { Service: 'lambda.amazonaws.com' },
  Action: 'sts:AssumeRole',
};

/**
 * @internal
 * A function role's whole policy: its log streams, its dead-letter queue, publishing to the topic
 * (and the topic key's data keys), and its own work.
 */
export function functionRoleStatements(fn: FunctionPlan, refs: {
  readonly logStreamsArn: string;
  readonly deadLetterQueueArn: string;
  readonly topicArn: string;
  readonly keyArn: string;
}, env: AwsEnvironment): PolicyStatementJson[] {
  return [
    { Sid: 'WriteOwnLogs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: refs.logStreamsArn },
    { Sid: 'DeadLetters', Effect: 'Allow', Action: 'sqs:SendMessage', Resource: refs.deadLetterQueueArn },
    ...(fn.publishes ? [{ Sid: 'PublishReports', Effect: 'Allow' as const, Action: 'sns:Publish', Resource: refs.topicArn }] : []),
    // The dead-letter queue and the topic are encrypted under the construct's key (SQS and SNS ask for exactly these).
    { Sid: 'EncryptUnderTheKey', Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: refs.keyArn },
    ...fn.statements(env),
  ];
}

/**
 * @internal
 * What the deny-launch policy denies: starting new compute (EC2 instances and fleets, ECS tasks
 * and services, RDS instances). Everything already running keeps running.
 */
export const DENY_LAUNCH_ACTIONS: readonly string[] = [
  'ec2:RunInstances',
  'ec2:StartInstances',
  'ec2:RequestSpotInstances',
  'ec2:RequestSpotFleet',
  'ec2:CreateFleet',
  'ecs:RunTask',
  'ecs:StartTask',
  'ecs:CreateService',
  'rds:CreateDBInstance',
  'rds:StartDBInstance',
];

/** @internal the deny-launch policy document's statements. */
export function denyLaunchStatements(): PolicyStatementJson[] {
  return [{ Sid: 'DenyLaunchingCompute', Effect: 'Deny', Action: [...DENY_LAUNCH_ACTIONS], Resource: '*' }];
}

/** @internal AWS Budgets assumes the action's execution role for this account's budgets only. */
export function budgetsTrustStatement(env: AwsEnvironment): PolicyStatementJson {
  return {
    Effect: 'Allow',
    Principal: { Service: 'budgets.amazonaws.com' },
    Action: 'sts:AssumeRole',
    Condition: {
      StringEquals: { 'aws:SourceAccount': env.accountId },
      ArnLike: { 'aws:SourceArn': `arn:${env.partition}:budgets::${env.accountId}:budget/*` },
    },
  };
}

/** @internal the execution role may attach and detach exactly the deny policy, on exactly the named roles. */
export function budgetActionRoleStatements(roleArns: readonly string[], denyPolicyArn: string): PolicyStatementJson[] {
  return [{
    Sid: 'AttachDenyLaunchPolicy',
    Effect: 'Allow',
    Action: ['iam:AttachRolePolicy', 'iam:DetachRolePolicy'],
    Resource: [...roleArns],
    Condition: { ArnEquals: { 'iam:PolicyARN': denyPolicyArn } },
  }];
}

/** @internal AWS Chatbot assumes the channel's role. */
export const CHATBOT_TRUST: PolicyStatementJson = {
  Effect: 'Allow',
  Principal: { Service: 'chatbot.amazonaws.com' },
  Action: 'sts:AssumeRole',
};

/** @internal what the Chatbot channel's role may do: read the alarms and metrics it renders (AWS Chatbot's notification permissions). */
export const CHATBOT_ROLE_STATEMENTS: readonly PolicyStatementJson[] = [{
  Sid: 'ReadAlarmsAndMetrics',
  Effect: 'Allow',
  Action: ['cloudwatch:DescribeAlarms', 'cloudwatch:GetMetricData', 'cloudwatch:GetMetricStatistics', 'cloudwatch:ListMetrics'],
  Resource: '*',
}];

/** @internal the AWS-managed policy the Chatbot channel's members are limited to (its default would be AdministratorAccess). */
export const CHATBOT_GUARDRAIL_POLICY = 'ReadOnlyAccess';

/** @internal an AWS-managed policy's ARN. */
export function awsManagedPolicyArn(partition: string, name: string): string {
  return `arn:${partition}:iam::aws:policy/${name}`;
}

/**
 * @internal
 * The fixed settings both engines render, in one place: what a budget and its alerts are, the
 * anomaly monitor and subscription, the budget action's trigger, the Chatbot channel, retries of
 * scheduled runs, and the failure alarms (one failed event in five minutes notifies the topic).
 */
export const FINOPS_SETTINGS = {
  budget: { type: 'COST', unit: 'USD', comparisonOperator: 'GREATER_THAN', thresholdType: 'PERCENTAGE' },
  anomaly: { monitorType: 'DIMENSIONAL', monitorDimension: 'SERVICE', frequency: 'IMMEDIATE' },
  budgetAction: { actionType: 'APPLY_IAM_POLICY', notificationType: 'ACTUAL', thresholdType: 'PERCENTAGE' },
  /** Errors only in the channel's log; channel members need no IAM role of their own (the guardrail limits them). */
  chatbot: { loggingLevel: 'ERROR', userRoleRequired: false },
  /** EventBridge retries a failed scheduled invocation twice more (Lambda's async retries come on top). */
  scheduleRetryAttempts: 2,
  failureAlarm: { periodSeconds: 300, threshold: 1, evaluationPeriods: 1 },
} as const;

/** @internal the failure alarms: the dead-letter queue holding a message, and each function's errors. */
export const FINOPS_ALARMS = {
  deadLetters: {
    id: 'DeadLettersAlarm',
    description: 'A FinOps function failed an event after its retries: the event is in the dead-letter queue.',
    namespace: 'AWS/SQS',
    metricName: 'ApproximateNumberOfMessagesVisible',
    statistic: 'Maximum',
  },
  functionErrors: (fn: FunctionPlan) => ({
    id: `${fn.id}ErrorsAlarm`,
    description: `The ${fn.id} FinOps function failed.`,
    namespace: 'AWS/Lambda',
    metricName: 'Errors',
    statistic: 'Sum',
  }),
};

/**
 * @internal
 * Budgets, anomaly monitors and subscriptions, and AWS Chatbot channel configurations are named per
 * account, not per region: the same stack deployed in two regions would collide ("already exists"),
 * so their names end in the region. `path` is the deployment-scoped construct path; the name is cut
 * (with a hash) to leave room for the region within AWS's limit.
 */
export function accountScopedName(path: string, suffix: string, region: string, maxLength: number): string {
  // The longest region names today have 14 characters (ap-southeast-5); keep room for 20 and the '-'.
  return `${physicalNameFromPath(path, { suffix, maxLength: maxLength - 21 })}-${region}`;
}

/** @internal AWS's length limits of the account-scoped names. */
export const ACCOUNT_SCOPED_NAME_LIMITS = { budget: 100, anomaly: 1024, chatbot: 128 } as const;

/** @internal the anomaly alert threshold, as Cost Anomaly Detection's ThresholdExpression spells it. */
export interface AnomalyThreshold {
  readonly key: string;
  readonly matchOptions: readonly string[];
  readonly values: readonly string[];
}

/** @internal SQS: a dead-letter queue keeps failed events 14 days, the most SQS allows. */
export const DEAD_LETTER_RETENTION_SECONDS = 1_209_600;

/**
 * @internal
 * The directory of a handler's bundle (assets/handlers/<name>, built by scripts/bundle-handlers.js before
 * the library compiles and shipped in the npm package): the same from src/ under jest and from lib/.
 */
export function handlerBundleDir(handler: FunctionPlan['handler'] | 'investigate-alarm'): string {
  return existingBundle(join(__dirname, '..', '..', 'assets', 'handlers', handler), join('index.js'), handler);
}

/**
 * @internal
 * The same bundle as a zip holding `index.js` (deterministic: the same code gives the same bytes), for
 * the CDKTF binding's file asset: cdktf would otherwise zip the directory again on every synth.
 */
export function handlerBundleZip(handler: FunctionPlan['handler'] | 'investigate-alarm'): string {
  return existingBundle(join(__dirname, '..', '..', 'assets', 'handlers', `${handler}.zip`), '', handler);
}

function existingBundle(path: string, inside: string, handler: string): string {
  if (!existsSync(join(path, inside))) {
    throw new Error(`ecs-platform-constructs: the bundle of the '${handler}' function is missing at ${join(path, inside)}. `
      + 'In a checkout of ecs-platform-constructs, build it with `npx projen compile` (scripts/bundle-handlers.js); '
      + 'an installed package ships it, so reinstall the package if it is missing there.');
  }
  return path;
}
