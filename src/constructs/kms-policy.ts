/**
 * Key-policy statements every KMS key this library creates carries, as plain
 * IAM JSON so both engines render exactly the same policy.
 */

/** @internal a statement in IAM policy JSON. */
export interface PolicyStatementJson {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Principal: unknown;
  readonly Action: string | string[];
  readonly Resource: string | string[];
  readonly Condition?: Record<string, Record<string, unknown>>;
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
 * Lets CloudWatch Logs in this region use the key for this account's log groups.
 */
export function allowCloudWatchLogs(partition: string, region: string, account: string): PolicyStatementJson {
  return {
    Sid: 'AllowCloudWatchLogs',
    Effect: 'Allow',
    Principal: { Service: `logs.${region}.amazonaws.com` },
    Action: [...LOGS_KMS_ACTIONS],
    Resource: '*',
    Condition: {
      ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${partition}:logs:${region}:${account}:log-group:*` },
    },
  };
}

/**
 * @internal
 * Lets CloudWatch alarms publish to an SNS topic encrypted with the key
 * (alarms cannot use the AWS-managed SNS key).
 */
export const ALLOW_CLOUDWATCH_ALARMS: PolicyStatementJson = {
  Sid: 'AllowCloudWatchAlarmsToEncryptedTopics',
  Effect: 'Allow',
  Principal: { Service: 'cloudwatch.amazonaws.com' },
  Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
  Resource: '*',
};

/** @internal denies any non-TLS request to an SNS topic (AwsSolutions-SNS3). */
export function denyInsecureTransport(resourceArn: string, actions: string[]): PolicyStatementJson {
  return {
    Sid: 'DenyInsecureTransport',
    Effect: 'Deny',
    Principal: { AWS: '*' },
    Action: actions,
    Resource: resourceArn,
    Condition: { Bool: { 'aws:SecureTransport': 'false' } },
  };
}
