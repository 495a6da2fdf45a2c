/**
 * DevOpsAgentSpace, the engine-neutral part: options and validation, the
 * roles AWS DevOps Agent assumes, the associations (this account as the
 * monitor, GitHub, Slack) and the alarm-to-investigation path both bindings
 * build (issue 11).
 *
 * How an alarm reaches the agent: AWS DevOps Agent starts investigations from
 * webhooks (its documented mechanism for CloudWatch alarms: alarm -> SNS ->
 * Lambda -> generic webhook, HMAC-signed). A generic webhook can only be
 * generated in the console, once per agent space, so the library creates the
 * secret the forwarder reads (filled in by the operator) and everything around it.
 */
import { ENVIRONMENT_PROFILES, EnvironmentProfile, profileDefaults } from './environment-profile';
import { AwsEnvironment, PolicyStatementJson, TrustedService, serviceTrustStatement } from './policies';
import { S } from './prop-schema';
import { PropsValidator, ValidationContext } from './validation';

/** The regions AWS DevOps Agent runs in (general availability, 2026-03-31). */
export const DEVOPS_AGENT_REGIONS: readonly string[] = [
  'us-east-1', 'us-west-2', 'ap-southeast-2', 'ap-northeast-1', 'eu-central-1', 'eu-west-1',
];

/** Who owns the GitHub repository the agent reads. */
export enum GitHubOwnerType {
  /** A GitHub organization. */
  ORGANIZATION = 'organization',
  /** A personal account. */
  USER = 'user',
}

/** How urgent an investigation started by an alarm is. */
export enum InvestigationPriority {
  /** Critical. */
  CRITICAL = 'CRITICAL',
  /** High. */
  HIGH = 'HIGH',
  /** Medium. */
  MEDIUM = 'MEDIUM',
  /** Low. */
  LOW = 'LOW',
}

/** The GitHub repository the agent correlates incidents with (commits, pull requests). */
export interface DevOpsAgentGitHubOptions {
  /**
   * The ID of the GitHub service registered with AWS DevOps Agent (the console's
   * GitHub app installation, an OAuth flow done once per account).
   */
  readonly serviceId: string;
  /** The repository's owner, e.g. `my-org`. */
  readonly owner: string;
  /** The repository's name, e.g. `my-app`. */
  readonly repository: string;
  /** GitHub's numeric ID of the repository (`gh api repos/<owner>/<name> --jq .id`). */
  readonly repositoryId: string;
  /**
   * Whether the owner is an organization or a user.
   * @default GitHubOwnerType.ORGANIZATION
   */
  readonly ownerType?: GitHubOwnerType;
}

/** The Slack channel the agent posts its incident-response findings to. */
export interface DevOpsAgentSlackOptions {
  /** The ID of the Slack service registered with AWS DevOps Agent (the console's Slack app, OAuth, once per account). */
  readonly serviceId: string;
  /** The Slack workspace (team) ID, e.g. `T0123ABCD`. */
  readonly workspaceId: string;
  /** The Slack workspace's name. */
  readonly workspaceName: string;
  /** The channel ID, e.g. `C0123ABCD`. */
  readonly channelId: string;
  /**
   * The channel's name, for people reading the configuration.
   * @default - none
   */
  readonly channelName?: string;
}

/** Engine-neutral options of DevOpsAgentSpace. */
export interface DevOpsAgentSpaceOptions {
  /** The agent space's name (1 to 255 characters). */
  readonly name: string;
  /**
   * What the agent space is for.
   * @default - names the construct path
   */
  readonly description?: string;
  /**
   * The language of the agent's answers, e.g. `en-US`.
   * @default - the service's default
   */
  readonly locale?: string;
  /**
   * The GitHub repository the agent reads commits and deployments from.
   * @default - none
   */
  readonly github?: DevOpsAgentGitHubOptions;
  /**
   * The Slack channel the agent reports to.
   * @default - none
   */
  readonly slack?: DevOpsAgentSlackOptions;
  /**
   * Create the operator web app's role (IAM authentication): people open the
   * agent space's web app from the console with it.
   * @default true
   */
  readonly operatorApp?: boolean;
  /**
   * The priority of investigations started by `investigateAlarms`.
   * @default InvestigationPriority.HIGH
   */
  readonly investigationPriority?: InvestigationPriority;
  /**
   * Cost-versus-resilience defaults for the forwarder's logs, key and dead letters.
   * @default EnvironmentProfile.DEVELOPMENT
   */
  readonly profile?: EnvironmentProfile;
}

const GITHUB_SCHEMA = S.struct<DevOpsAgentGitHubOptions>({
  serviceId: S.string,
  owner: S.string,
  repository: S.string,
  repositoryId: S.string,
  ownerType: S.enumOf('GitHubOwnerType', GitHubOwnerType),
}, ['serviceId', 'owner', 'repository', 'repositoryId']);

const SLACK_SCHEMA = S.struct<DevOpsAgentSlackOptions>({
  serviceId: S.string,
  workspaceId: S.string,
  workspaceName: S.string,
  channelId: S.string,
  channelName: S.string,
}, ['serviceId', 'workspaceId', 'workspaceName', 'channelId']);

/** @internal the run-time shape of DevOpsAgentSpaceOptions. */
export const DEVOPS_AGENT_SPACE_OPTIONS_SCHEMA = S.struct<DevOpsAgentSpaceOptions>({
  name: S.string,
  description: S.string,
  locale: S.string,
  github: GITHUB_SCHEMA,
  slack: SLACK_SCHEMA,
  operatorApp: S.boolean,
  investigationPriority: S.enumOf('InvestigationPriority', InvestigationPriority),
  profile: S.enumOf('EnvironmentProfile', EnvironmentProfile),
}, ['name']);

/** @internal the run-time shape of the monitor's tags (both engines' `monitor.tags`). */
export const MONITOR_TAGS_SCHEMA = S.mapOf(S.string, 'a tag key');

/** @internal what both engines build for a DevOpsAgentSpace. */
export interface DevOpsAgentSpacePlan {
  readonly name: string;
  readonly description: string;
  readonly locale?: string;
  readonly github?: Required<DevOpsAgentGitHubOptions>;
  readonly slack?: DevOpsAgentSlackOptions;
  readonly operatorApp: boolean;
  readonly priority: InvestigationPriority;
  readonly profile: EnvironmentProfile;
  readonly retainOnDelete: boolean;
  readonly logRetentionDays: number;
  readonly keyDeletionWindowDays: number;
  /** The tags the agent finds the platform's resources by (topology), in key order. */
  readonly monitorTags: readonly { readonly key: string; readonly value: string }[];
}

/** @internal what the engine knows at synth: the region when literal, and the monitor's tags. */
export interface DevOpsAgentSpaceFacts {
  readonly constructPath: string;
  readonly region?: string;
  readonly monitorTags?: Readonly<Record<string, string>>;
}

const NAME = /^[\p{L}\p{N} _.:/=+@-]{1,255}$/u;
const SERVICE_ID = /^[a-zA-Z0-9_-]{1,255}$/;
const GITHUB_OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const GITHUB_REPOSITORY = /^[A-Za-z0-9._-]{1,100}$/;
const SLACK_ID = /^[A-Z0-9]{2,20}$/;
const LOCALE = /^[a-z]{2,3}(?:[-_][A-Za-z]{2,4})?$/;
/** An AWS tag key or value (the characters tagging accepts). */
const TAG_KEY = /^(?!aws:)[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u;

/** @internal validate DevOpsAgentSpace options (all problems at once) and compute the plan. */
export function planDevOpsAgentSpace(options: DevOpsAgentSpaceOptions, facts: DevOpsAgentSpaceFacts,
  validation: PropsValidator | ValidationContext): DevOpsAgentSpacePlan {
  const { v, o } = PropsValidator.begin(validation, DEVOPS_AGENT_SPACE_OPTIONS_SCHEMA, options);
  const profile = v.oneOf('profile', o.profile, ENVIRONMENT_PROFILES) ? o.profile! : EnvironmentProfile.DEVELOPMENT;
  const defaults = profileDefaults(profile);
  if (o.name !== undefined && !v.isUnresolved(o.name)) {
    v.require(NAME.test(o.name), 'name', o.name, 'expected 1 to 255 letters, digits, spaces or _ . : / = + @ -');
  }
  if (o.locale !== undefined && !v.isUnresolved(o.locale)) {
    v.require(LOCALE.test(o.locale), 'locale', o.locale, 'expected a locale such as "en-US" or "ja-JP"');
  }
  if (facts.region !== undefined && !DEVOPS_AGENT_REGIONS.includes(facts.region)) {
    v.report('region', facts.region,
      `AWS DevOps Agent does not run in ${facts.region}; it runs in ${DEVOPS_AGENT_REGIONS.join(', ')}. `
      + 'Put the agent space in a stack of one of those regions (it can still watch this account)');
  }
  const serviceId = (prop: string, value: string | undefined) => {
    if (value === undefined || v.isUnresolved(value)) return;
    v.require(SERVICE_ID.test(value), prop, value,
      'expected the ID AWS DevOps Agent shows for the registered service (letters, digits, _ and -), from the console\'s Capabilities tab or `aws devops-agent list-services`');
  };
  const github = o.github;
  if (github) {
    serviceId('github.serviceId', github.serviceId);
    if (github.owner !== undefined && !v.isUnresolved(github.owner)) {
      v.require(GITHUB_OWNER.test(github.owner), 'github.owner', github.owner, 'expected a GitHub user or organization name, e.g. "my-org"');
    }
    if (github.repository !== undefined && !v.isUnresolved(github.repository)) {
      v.require(GITHUB_REPOSITORY.test(github.repository), 'github.repository', github.repository,
        'expected the repository\'s name without its owner, e.g. "my-app" (the owner goes in github.owner)');
    }
    if (github.repositoryId !== undefined && !v.isUnresolved(github.repositoryId)) {
      v.require(/^\d{1,20}$/.test(github.repositoryId), 'github.repositoryId', github.repositoryId,
        'expected GitHub\'s numeric repository ID, e.g. "123456789" (gh api repos/<owner>/<name> --jq .id)');
    }
    v.oneOf('github.ownerType', github.ownerType, Object.values(GitHubOwnerType));
  }
  const slack = o.slack;
  if (slack) {
    serviceId('slack.serviceId', slack.serviceId);
    for (const [prop, value, example] of [['slack.workspaceId', slack.workspaceId, 'T0123ABCD'], ['slack.channelId', slack.channelId, 'C0123ABCD']] as const) {
      if (value !== undefined && !v.isUnresolved(value)) {
        v.require(SLACK_ID.test(value), prop, value, `expected a Slack ID such as "${example}" (upper-case letters and digits)`);
      }
    }
  }
  v.oneOf('investigationPriority', o.investigationPriority, Object.values(InvestigationPriority));
  const monitorTags = Object.entries(facts.monitorTags ?? {}).sort(([a], [b]) => a.localeCompare(b));
  for (const [key, value] of monitorTags) {
    if (v.isUnresolved(key) || v.isUnresolved(value)) continue;
    v.require(TAG_KEY.test(key), `monitor.tags.${key}`, key, 'expected a tag key of 1 to 128 characters, not starting with "aws:"');
    v.require(TAG_VALUE.test(value), `monitor.tags.${key}`, value, 'expected a tag value of up to 256 characters');
  }
  v.throwIfInvalid();
  return {
    name: o.name,
    description: o.description ?? `The AWS DevOps Agent space of ${facts.constructPath}`,
    locale: o.locale,
    github: github ? { ...github, ownerType: github.ownerType ?? GitHubOwnerType.ORGANIZATION } : undefined,
    slack,
    operatorApp: o.operatorApp ?? true,
    priority: o.investigationPriority ?? InvestigationPriority.HIGH,
    profile,
    retainOnDelete: defaults.retainOnDelete,
    logRetentionDays: defaults.auditLogRetentionDays,
    keyDeletionWindowDays: defaults.keyDeletionWindowDays,
    monitorTags: monitorTags.map(([key, value]) => ({ key, value })),
  };
}

/**
 * @internal
 * AWS DevOps Agent acting for an agent space of this account and region (the
 * user guide's confused-deputy conditions: aws:SourceAccount, aws:SourceArn).
 * The source ARN cannot name the space itself: the space is created after its roles.
 */
export const AIDEVOPS: TrustedService = {
  principal: 'aidevops.amazonaws.com',
  sourceArn: (env) => `arn:${env.partition}:aidevops:${env.region}:${env.accountId}:agentspace/*`,
};

/** @internal the AWS managed policies the agent-space and operator-app roles carry (the GA policies). */
export const DEVOPS_AGENT_MANAGED_POLICIES = {
  agentSpace: 'AIDevOpsAgentAccessPolicy',
  operatorApp: 'AIDevOpsOperatorAppAccessPolicy',
} as const;

/** @internal an AWS managed policy's ARN. */
export function awsManagedPolicyArn(name: string, env: Pick<AwsEnvironment, 'partition'>): string {
  return `arn:${env.partition}:iam::aws:policy/${name}`;
}

/** @internal the agent space's role: AWS DevOps Agent reads the account with it. */
export function agentSpaceTrustStatement(env: AwsEnvironment): PolicyStatementJson {
  return serviceTrustStatement(AIDEVOPS, env);
}

/**
 * @internal
 * The operator web app's role: the service tags the session with the agent
 * space's ID (the managed policy scopes every action to `${aws:PrincipalTag/AgentSpaceId}`).
 */
export function operatorAppTrustStatement(env: AwsEnvironment): PolicyStatementJson {
  return { ...serviceTrustStatement(AIDEVOPS, env), Action: ['sts:AssumeRole', 'sts:TagSession'] };
}

/** @internal one association of the agent space, its configuration in CloudFormation's (camelCase) shape. */
export interface AssociationPlan {
  /** Construct ID stem: `MonitorAssociation`, `GitHubAssociation`, `SlackAssociation`. */
  readonly id: string;
  readonly serviceId: string;
  readonly configuration: Record<string, unknown>;
}

/** @internal a resource the monitor association names (CloudFormation stacks, in CDK). */
export interface MonitoredResource {
  readonly arn: string;
  readonly type: 'AWS::CloudFormation::Stack' | 'AWS::ECR::Repository' | 'AWS::S3::Bucket';
}

/**
 * @internal
 * The associations: this account as the monitor (ServiceId `aws`), scoped to
 * the platform's stacks and tags; GitHub and Slack by the IDs of the services
 * registered in the console.
 */
export function associationPlans(plan: DevOpsAgentSpacePlan, refs: {
  readonly accountId: string;
  readonly agentRoleArn: string;
  readonly resources: readonly MonitoredResource[];
}): AssociationPlan[] {
  const associations: AssociationPlan[] = [{
    id: 'MonitorAssociation',
    serviceId: 'aws',
    configuration: {
      aws: {
        accountId: refs.accountId,
        accountType: 'monitor',
        assumableRoleArn: refs.agentRoleArn,
        ...(refs.resources.length ? { resources: refs.resources.map((r) => ({ resourceArn: r.arn, resourceType: r.type })) } : {}),
        ...(plan.monitorTags.length ? { tags: plan.monitorTags.map((t) => ({ key: t.key, value: t.value })) } : {}),
      },
    },
  }];
  if (plan.github) {
    associations.push({
      id: 'GitHubAssociation',
      serviceId: plan.github.serviceId,
      configuration: {
        gitHub: { owner: plan.github.owner, ownerType: plan.github.ownerType, repoId: plan.github.repositoryId, repoName: plan.github.repository },
      },
    });
  }
  if (plan.slack) {
    associations.push({
      id: 'SlackAssociation',
      serviceId: plan.slack.serviceId,
      configuration: {
        slack: {
          workspaceId: plan.slack.workspaceId,
          workspaceName: plan.slack.workspaceName,
          transmissionTarget: {
            incidentResponseTarget: { channelId: plan.slack.channelId, ...(plan.slack.channelName ? { channelName: plan.slack.channelName } : {}) },
          },
        },
      },
    });
  }
  return associations;
}

// ---------------------------------------------------------------------------
// Alarms -> investigations: an SNS subscription of the forwarder function on
// each alarm topic, filtered to the named alarms entering ALARM.
// ---------------------------------------------------------------------------

/** @internal the forwarder function: the bundle (assets/handlers) and its size. */
export const INVESTIGATION_FORWARDER = {
  handler: 'investigate-alarm',
  description: 'Starts an AWS DevOps Agent investigation for each alarm entering ALARM (generic webhook, HMAC-signed)',
  timeoutSeconds: 30,
  memoryMiB: 256,
  /** Days a failed alarm notification stays in the dead-letter queue. */
  deadLetterRetentionSeconds: 14 * 24 * 3600,
} as const;

/**
 * @internal
 * The secret's value until the operator generates the agent space's generic
 * webhook (console only) and pastes its URL and HMAC key; the forwarder fails
 * with a message saying so until then.
 */
export const WEBHOOK_SECRET_PLACEHOLDER = JSON.stringify({ webhookUrl: '', webhookSecret: '' });

/** @internal the forwarder's environment. */
export function forwarderEnvironment(plan: DevOpsAgentSpacePlan,
  refs: { readonly secretArn: string; readonly platformName: string }): Record<string, string> {
  return { WEBHOOK_SECRET_ARN: refs.secretArn, INVESTIGATION_PRIORITY: plan.priority, PLATFORM_NAME: refs.platformName };
}

/** @internal the forwarder's whole policy: its log streams, dead letters, the webhook secret and their key. */
export function forwarderRoleStatements(refs: {
  readonly logStreamsArn: string;
  readonly deadLetterQueueArn: string;
  readonly secretArn: string;
  readonly keyArn: string;
}): PolicyStatementJson[] {
  return [
    { Sid: 'WriteOwnLogs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: refs.logStreamsArn },
    { Sid: 'DeadLetters', Effect: 'Allow', Action: 'sqs:SendMessage', Resource: refs.deadLetterQueueArn },
    { Sid: 'ReadTheWebhook', Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: refs.secretArn },
    // The secret and the dead-letter queue are encrypted under the construct's key.
    { Sid: 'UseTheKey', Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: refs.keyArn },
  ];
}

/** SNS: at most 150 value combinations in one filter policy. */
export const MAX_INVESTIGATED_ALARMS_PER_TOPIC = 150;

/**
 * @internal
 * The subscription's filter on the message body: only the named alarms, only
 * when they enter ALARM (not their return to OK).
 */
export function investigationFilterPolicy(alarmNames: readonly string[]): Record<string, string[]> {
  return { AlarmName: [...alarmNames], NewStateValue: ['ALARM'] };
}

/**
 * @internal
 * Which alarms each topic's subscription lets through, as services are handed to
 * investigateAlarms: one subscription per topic (keyed by the engine's topic
 * object or ARN), the alarm names of every service on it, and SNS's limit.
 */
export class InvestigationTopics<Topic> {
  private readonly byTopic = new Map<Topic, { readonly number: number; readonly alarmNames: string[] }>();

  /** The problem adding `alarmNames` to `topic` would cause, if any. */
  public problemAdding(topic: Topic, alarmNames: readonly string[]): string | undefined {
    const count = (this.byTopic.get(topic)?.alarmNames.length ?? 0) + alarmNames.length;
    return count > MAX_INVESTIGATED_ALARMS_PER_TOPIC ? tooManyAlarmsProblem(count) : undefined;
  }

  /** Add the names: the topic's subscription number (1, 2, ...), whether it is new, and its filter policy now. */
  public add(topic: Topic, alarmNames: readonly string[]): { number: number; isNew: boolean; filterPolicy: Record<string, string[]> } {
    const existing = this.byTopic.get(topic);
    const entry = existing ?? { number: this.byTopic.size + 1, alarmNames: [] };
    if (!existing) this.byTopic.set(topic, entry);
    entry.alarmNames.push(...alarmNames);
    return { number: entry.number, isNew: !existing, filterPolicy: investigationFilterPolicy(entry.alarmNames) };
  }
}

/** @internal the problem of a service whose alarms would overfill its topic's filter (SNS's limit). */
export function tooManyAlarmsProblem(count: number): string {
  return `a service whose alarm topic's investigation filter stays within ${MAX_INVESTIGATED_ALARMS_PER_TOPIC} alarms (SNS's limit for one filter `
    + `policy); with this service it would hold ${count}. Give some services an alarm topic of their own (FargateWebService alarmTopic)`;
}

/** @internal the forwarder's own alarms: a failed forward, a dead letter. */
export const FORWARDER_ALARMS = {
  errors: { id: 'ForwarderErrorsAlarm', description: 'An alarm did not reach AWS DevOps Agent (forwarder errors; is the webhook secret filled in?)' },
  deadLetters: { id: 'ForwarderDeadLettersAlarm', description: 'Alarm notifications the forwarder gave up on are waiting in its dead-letter queue' },
  periodSeconds: 300,
} as const;
