/**
 * Every IAM document the library writes (key policies, topic and bucket
 * policies, trust policies, role grants), as plain IAM JSON built here once, so
 * both engines render exactly the same policy. The bindings pass in their own
 * deploy-time references for the partition, region, account and DNS suffix.
 *
 * What each statement allows follows the AWS documentation of the service that
 * uses it; the references are beside the statements.
 */

/** @internal a statement in IAM policy JSON. */
export interface PolicyStatementJson {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Principal?: unknown;
  readonly Action: string | string[];
  readonly Resource?: string | string[];
  readonly Condition?: Record<string, Record<string, unknown>>;
}

/**
 * @internal
 * Where a stack deploys, as the engine spells it at deploy time (CloudFormation
 * pseudo parameters; Terraform data sources): never assume `aws` or `amazonaws.com`.
 */
export interface AwsEnvironment {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  /** The partition's DNS suffix: `amazonaws.com`, `amazonaws.com.cn`, ... */
  readonly urlSuffix: string;
}

/** @internal a policy document. */
export function policyDocumentJson(statements: readonly PolicyStatementJson[]): { Version: string; Statement: PolicyStatementJson[] } {
  return { Version: '2012-10-17', Statement: [...statements] };
}

/** @internal the root principal of an account: delegates to the account's IAM policies. */
export function accountRootArn(partition: string, accountId: string): string {
  return `arn:${partition}:iam::${accountId}:root`;
}

/**
 * @internal
 * The principal of a service that has regional principals (CloudWatch Logs):
 * `<service>.<region>.<DNS suffix>`, so the policy also works outside the `aws` partition.
 */
export function regionalServicePrincipal(service: string, env: AwsEnvironment): string {
  return `${service}.${env.region}.${env.urlSuffix}`;
}

// ---------------------------------------------------------------------------
// Trust policies: every service role names the resources that may assume it.
// ---------------------------------------------------------------------------

/** @internal an AWS service that assumes roles the library creates, and the resources it acts for. */
export interface TrustedService {
  /** The service principal. */
  readonly principal: string;
  /** ARN pattern of the resources the service assumes the role for (aws:SourceArn). */
  readonly sourceArn: (env: AwsEnvironment) => string;
}

/**
 * @internal
 * ECS tasks and the Fargate agent (task role, execution role): the ECS task
 * IAM role guide's confused-deputy conditions, any ECS resource of this account and region.
 */
export const ECS_TASKS: TrustedService = {
  principal: 'ecs-tasks.amazonaws.com',
  sourceArn: (env) => `arn:${env.partition}:ecs:${env.region}:${env.accountId}:*`,
};

/**
 * @internal
 * VPC flow-log delivery to CloudWatch Logs: the VPC user guide's
 * confused-deputy conditions, any flow log of this account and region.
 */
export const VPC_FLOW_LOGS: TrustedService = {
  principal: 'vpc-flow-logs.amazonaws.com',
  sourceArn: (env) => `arn:${env.partition}:ec2:${env.region}:${env.accountId}:vpc-flow-log/*`,
};

/**
 * @internal
 * RDS Enhanced Monitoring's metric delivery: the RDS user guide's
 * confused-deputy conditions, any DB instance of this account and region.
 */
export const RDS_ENHANCED_MONITORING: TrustedService = {
  principal: 'monitoring.rds.amazonaws.com',
  sourceArn: (env) => `arn:${env.partition}:rds:${env.region}:${env.accountId}:db:*`,
};

/** @internal the aws:SourceAccount / aws:SourceArn conditions for `service` acting for this account. */
export function sourceConditions(service: TrustedService, env: AwsEnvironment): Record<string, Record<string, string>> {
  return {
    StringEquals: { 'aws:SourceAccount': env.accountId },
    ArnLike: { 'aws:SourceArn': service.sourceArn(env) },
  };
}

/** @internal a trust-policy statement letting `service` assume the role for this account's resources only. */
export function serviceTrustStatement(service: TrustedService, env: AwsEnvironment): PolicyStatementJson {
  return {
    Effect: 'Allow',
    Principal: { Service: service.principal },
    Action: 'sts:AssumeRole',
    Condition: sourceConditions(service, env),
  };
}

// ---------------------------------------------------------------------------
// SNS topics: a topic policy replaces SNS's default policy, so it must allow
// every AWS service that publishes to the topic, and the topic's key must let
// the same services encrypt.
// ---------------------------------------------------------------------------

/** @internal an AWS service that publishes to topics the library creates. */
export interface TopicPublisher extends TrustedService {
  /** Statement-ID stem, e.g. `CloudWatchAlarms`. */
  readonly name: string;
}

/**
 * @internal
 * CloudWatch alarm actions of this account and region (CloudWatch user guide,
 * "Preventing confused deputy": aws:SourceArn is the alarm). Each new
 * publisher (EventBridge, Budgets, Cost Anomaly Detection) is added beside it,
 * with the source ARN its documentation names.
 */
export const CLOUDWATCH_ALARMS: TopicPublisher = {
  name: 'CloudWatchAlarms',
  principal: 'cloudwatch.amazonaws.com',
  sourceArn: (env) => `arn:${env.partition}:cloudwatch:${env.region}:${env.accountId}:alarm:*`,
};

/** @internal a topic-policy statement letting `publisher` publish to the topic, for this account only. */
export function allowTopicPublisher(topicArn: string, publisher: TopicPublisher, env: AwsEnvironment): PolicyStatementJson {
  return {
    Sid: `Allow${publisher.name}ToPublish`,
    Effect: 'Allow',
    Principal: { Service: publisher.principal },
    Action: 'sns:Publish',
    Resource: topicArn,
    Condition: sourceConditions(publisher, env),
  };
}

/** @internal denies any request to `resourceArn` that is not over TLS (AwsSolutions-SNS3, S3 SSL-only). */
export function denyInsecureTransport(resourceArn: string | string[], actions: string | string[]): PolicyStatementJson {
  return {
    Sid: 'DenyInsecureTransport',
    Effect: 'Deny',
    Principal: { AWS: '*' },
    Action: actions,
    Resource: resourceArn,
    Condition: { Bool: { 'aws:SecureTransport': 'false' } },
  };
}

/**
 * @internal
 * The policy of a topic the library creates: its publishers, and TLS only.
 */
export function topicPolicyStatements(topicArn: string, publishers: readonly TopicPublisher[], env: AwsEnvironment): PolicyStatementJson[] {
  return [
    ...publishers.map((p) => allowTopicPublisher(topicArn, p, env)),
    denyInsecureTransport(topicArn, 'sns:Publish'),
  ];
}

// ---------------------------------------------------------------------------
// KMS key policies.
// ---------------------------------------------------------------------------

/**
 * @internal
 * The account administers its own key (what aws-cdk-lib's kms.Key grants by
 * default); IAM policies then decide who uses it.
 */
export function allowAccountToAdministerKey(env: AwsEnvironment): PolicyStatementJson {
  return {
    Effect: 'Allow',
    Principal: { AWS: accountRootArn(env.partition, env.accountId) },
    Action: 'kms:*',
    Resource: '*',
  };
}

/**
 * @internal
 * Only AWS services may create grants on the key (Control Tower CT.KMS.PR.3):
 * stops a principal with kms:CreateGrant from handing the key to anyone.
 */
export const DENY_GRANTS_EXCEPT_FOR_AWS_SERVICES: PolicyStatementJson = {
  Sid: 'DenyGrantsExceptForAwsServices',
  Effect: 'Deny',
  Principal: { AWS: '*' },
  Action: 'kms:CreateGrant',
  Resource: '*',
  Condition: {
    BoolIfExists: {
      'kms:GrantIsForAWSResource': 'false',
      'aws:PrincipalIsAWSService': 'false',
    },
  },
};

/** @internal what the CloudWatch Logs service may do with a log group's KMS key. */
export const LOGS_KMS_ACTIONS: readonly string[] = [
  'kms:Encrypt*',
  'kms:Decrypt*',
  'kms:ReEncrypt*',
  'kms:GenerateDataKey*',
  'kms:Describe*',
];

/**
 * @internal
 * Lets CloudWatch Logs in this region use the key for this account's log
 * groups only. The encryption-context condition is CloudWatch Logs' documented
 * confused-deputy guard (it names this account's log groups); the service sends
 * no aws:SourceAccount to KMS.
 */
export function allowCloudWatchLogs(env: AwsEnvironment): PolicyStatementJson {
  return {
    Sid: 'AllowCloudWatchLogs',
    Effect: 'Allow',
    Principal: { Service: regionalServicePrincipal('logs', env) },
    Action: [...LOGS_KMS_ACTIONS],
    Resource: '*',
    Condition: {
      ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${env.partition}:logs:${env.region}:${env.accountId}:log-group:*` },
    },
  };
}

/**
 * @internal
 * Lets a topic publisher encrypt messages to this account's topics under the
 * key (SNS developer guide, "AWS service event sources and encrypted topics"):
 * alarms cannot use the AWS-managed SNS key.
 */
export function allowPublisherToEncryptForTopics(publisher: TopicPublisher, env: AwsEnvironment): PolicyStatementJson {
  const source = sourceConditions(publisher, env);
  return {
    Sid: `Allow${publisher.name}ToEncryptedTopics`,
    Effect: 'Allow',
    Principal: { Service: publisher.principal },
    Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
    Resource: '*',
    Condition: {
      StringEquals: source.StringEquals,
      ArnLike: {
        ...source.ArnLike,
        'kms:EncryptionContext:aws:sns:topicArn': `arn:${env.partition}:sns:${env.region}:${env.accountId}:*`,
      },
    },
  };
}

// ---------------------------------------------------------------------------
// Elastic Load Balancing access logs.
// ---------------------------------------------------------------------------

/**
 * @internal
 * The principal that delivers ALB access logs: the only one in regions opened
 * since August 2022, and accepted alongside the regional account in older ones.
 */
export const ELB_LOG_DELIVERY_SERVICE = 'logdelivery.elasticloadbalancing.amazonaws.com';

/**
 * @internal
 * The regional Elastic Load Balancing accounts of the regions that have one
 * (the ALB guide's "Attach a policy to your S3 bucket"; the same table as
 * aws-cdk-lib's region facts, which a test compares). A region missing here
 * gets the service principal only: never a lookup that fails.
 */
export const ELB_LOG_DELIVERY_ACCOUNTS: Readonly<Record<string, string>> = {
  'af-south-1': '098369216593',
  'ap-east-1': '754344448648',
  'ap-northeast-1': '582318560864',
  'ap-northeast-2': '600734575887',
  'ap-northeast-3': '383597477331',
  'ap-south-1': '718504428378',
  'ap-southeast-1': '114774131450',
  'ap-southeast-2': '783225319266',
  'ap-southeast-3': '589379963580',
  'ca-central-1': '985666609251',
  'cn-north-1': '638102146993',
  'cn-northwest-1': '037604701340',
  'eu-central-1': '054676820928',
  'eu-north-1': '897822967062',
  'eu-south-1': '635631232127',
  'eu-west-1': '156460612806',
  'eu-west-2': '652711504416',
  'eu-west-3': '009996457667',
  'me-south-1': '076674570225',
  'sa-east-1': '507241528517',
  'us-east-1': '127311923021',
  'us-east-2': '033677994240',
  'us-gov-east-1': '190560391635',
  'us-gov-west-1': '048591011584',
  'us-iso-east-1': '770363063475',
  'us-iso-west-1': '121062877647',
  'us-isob-east-1': '740734521339',
  'us-isof-east-1': '091100254016',
  'us-isof-south-1': '412137745753',
  'us-west-1': '027434742980',
  'us-west-2': '797873946194',
};

/**
 * @internal
 * The statement that lets ELB write this account's access logs under
 * `<bucket>/<prefix>/AWSLogs/<account>/`: the log-delivery service always, plus
 * `regionalAccountArn` (the region's ELB account root, or a deploy-time
 * expression that is absent where there is none).
 */
export function allowElbLogDelivery(bucketArn: string, prefix: string, accountId: string, regionalAccountArn?: string): PolicyStatementJson {
  return {
    Sid: 'AllowElbLogDelivery',
    Effect: 'Allow',
    Principal: regionalAccountArn === undefined
      ? { Service: ELB_LOG_DELIVERY_SERVICE }
      : { Service: ELB_LOG_DELIVERY_SERVICE, AWS: regionalAccountArn },
    Action: 's3:PutObject',
    Resource: `${bucketArn}/${prefix}/AWSLogs/${accountId}/*`,
  };
}

// ---------------------------------------------------------------------------
// Role grants.
// ---------------------------------------------------------------------------

/** @internal what a log-writing role may do on a log group's streams (aws-cdk-lib's FlowLog grants). */
export const FLOW_LOG_DELIVERY_ACTIONS: readonly string[] = [
  'logs:CreateLogStream',
  'logs:PutLogEvents',
  'logs:DescribeLogStreams',
];

/**
 * @internal
 * The flow-log role's grants. `logStreamsArn` is the stream-level ARN
 * (`<log group ARN>:*`): CreateLogStream and PutLogEvents act on log streams,
 * which the bare log-group ARN Terraform returns does not cover. (iam:PassRole
 * is the creator's to hold, not the role's.)
 */
export function flowLogRoleStatements(logStreamsArn: string): PolicyStatementJson[] {
  return [{ Effect: 'Allow', Action: [...FLOW_LOG_DELIVERY_ACTIONS], Resource: logStreamsArn }];
}
