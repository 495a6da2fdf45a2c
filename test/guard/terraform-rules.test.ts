import { tfGuardFindings } from '../helpers/guard';
import { tfStack, tfSynthFull } from '../helpers/terraform';
import { EnvironmentProfile, PlatformNetworkOptions } from 'ecs-platform-constructs';
import { PlatformNetwork } from 'ecs-platform-constructs/cdktf';

/** A minimal compliant document; each case below breaks one intent. */
const compliant = () => ({
  resource: {
    aws_vpc: { v: { cidr_block: '10.0.0.0/16' } },
    aws_flow_log: { f: { vpc_id: '${aws_vpc.v.id}' } },
    aws_default_security_group: { d: { vpc_id: '${aws_vpc.v.id}' } },
    aws_cloudwatch_log_group: { l: { retention_in_days: 30, kms_key_id: '${aws_kms_key.k.arn}' } },
    aws_kms_key: { k: { enable_key_rotation: true } },
    aws_subnet: { s: { map_public_ip_on_launch: false } },
    aws_security_group: { alb: { ingress: [{ from_port: 443, to_port: 443, protocol: 'tcp', cidr_blocks: ['0.0.0.0/0'] }] } },
    ...compliantBucket('b'),
    aws_lb: {
      a: {
        load_balancer_type: 'application',
        drop_invalid_header_fields: true,
        desync_mitigation_mode: 'defensive',
        access_logs: { bucket: '${aws_s3_bucket.b.bucket}', enabled: true },
      },
    },
    aws_lb_listener: {
      https: { protocol: 'HTTPS', port: 443, ssl_policy: 'ELBSecurityPolicy-TLS13-1-2-2021-06' },
      http: { protocol: 'HTTP', port: 80, default_action: [{ type: 'redirect', redirect: { protocol: 'HTTPS', port: '443', status_code: 'HTTP_301' } }] },
    },
    aws_sns_topic: { t: { kms_master_key_id: '${aws_kms_key.k.arn}' } },
    aws_cloudwatch_metric_alarm: { m: { alarm_actions: ['${aws_sns_topic.t.arn}'] } },
    aws_ecs_cluster: { c: { setting: [{ name: 'containerInsights', value: 'enabled' }] } },
    aws_ecs_service: { s: { network_configuration: { assign_public_ip: false } } },
    aws_ecs_task_definition: { t: { container_definitions: JSON.stringify([{ name: 'web', logConfiguration: { logDriver: 'awslogs' } }]) } },
    aws_sqs_queue: { q: { kms_master_key_id: '${aws_kms_key.k.arn}', redrive_policy: '{"deadLetterTargetArn":"${aws_sqs_queue.d.arn}"}' } },
    aws_lambda_function: {
      f: { timeout: 30, logging_config: { log_format: 'JSON', log_group: '${aws_cloudwatch_log_group.l.name}' }, dead_letter_config: { target_arn: '${aws_sqs_queue.q.arn}' } },
    },
    aws_chatbot_slack_channel_configuration: { c: { guardrail_policy_arns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'] } },
    aws_db_instance: {
      d: {
        storage_encrypted: true,
        kms_key_id: '${aws_kms_key.k.arn}',
        publicly_accessible: false,
        manage_master_user_password: true,
        backup_retention_period: 14,
        iam_database_authentication_enabled: true,
        enabled_cloudwatch_logs_exports: ['postgresql'],
        auto_minor_version_upgrade: true,
        deletion_protection: true,
        multi_az: true,
        tags: { 'platform:profile': 'PRODUCTION' },
      },
    },
    aws_ecr_repository: {
      r: { image_tag_mutability: 'IMMUTABLE', image_scanning_configuration: { scan_on_push: true }, encryption_configuration: [{ encryption_type: 'KMS' }] },
    },
    aws_ecr_lifecycle_policy: { r: { repository: '${aws_ecr_repository.r.name}', policy: '{"rules":[]}' } },
    aws_dynamodb_table: {
      t: {
        point_in_time_recovery: { enabled: true, recovery_period_in_days: 35 },
        server_side_encryption: { enabled: true, kms_key_arn: '${aws_kms_key.k.arn}' },
        deletion_protection_enabled: true,
        tags: { 'platform:profile': 'PRODUCTION' },
      },
    },
  } as Record<string, any>,
});

/** A bucket and the companion resources that encrypt it, block public access and deny plain HTTP. */
function compliantBucket(name: string): Record<string, any> {
  const bucket = `\${aws_s3_bucket.${name}.id}`;
  return {
    aws_s3_bucket: { [name]: {} },
    aws_s3_bucket_server_side_encryption_configuration: {
      [name]: { bucket, rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: 'AES256' } }] },
    },
    aws_s3_bucket_public_access_block: {
      [name]: { bucket, block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true },
    },
    aws_s3_bucket_policy: {
      [name]: {
        bucket,
        policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Deny', Principal: { AWS: '*' }, Action: 's3:*', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }],
        }),
      },
    },
  };
}

/** Add a second compliant bucket, then drop its `type` companion: the rule must notice that this bucket lacks one. */
function secondBucketWithout(r: Record<string, any>, type: string): void {
  for (const [t, resources] of Object.entries(compliantBucket('b2'))) {
    if (t !== type) r[t] = { ...r[t], ...resources };
  }
}

describe('Terraform Guard rules (rules/terraform)', () => {
  test('a compliant document passes every rule', () => {
    expect(tfGuardFindings(compliant())).toEqual([]);
  });

  test.each<[string, (r: Record<string, any>) => void]>([
    ['TF_LOGS_RETENTION_SET', (r) => delete r.aws_cloudwatch_log_group.l.retention_in_days],
    ['TF_LOGS_KMS_ENCRYPTED', (r) => delete r.aws_cloudwatch_log_group.l.kms_key_id],
    ['TF_KMS_ROTATION', (r) => r.aws_kms_key.k.enable_key_rotation = false],
    ['TF_VPC_FLOW_LOGS', (r) => delete r.aws_flow_log],
    ['TF_VPC_DEFAULT_SG_RESTRICTED', (r) => delete r.aws_default_security_group],
    ['TF_VPC_DEFAULT_SG_RESTRICTED', (r) => r.aws_default_security_group.d.ingress = [{ from_port: 0, to_port: 0, protocol: '-1', self: true }]],
    ['TF_SUBNET_NO_AUTO_PUBLIC_IP', (r) => r.aws_subnet.s.map_public_ip_on_launch = true],
    ['TF_SG_NO_OPEN_INGRESS_INLINE', (r) => r.aws_security_group.alb.ingress[0].from_port = 22],
    ['TF_SG_NO_OPEN_INGRESS_RULE', (r) => r.aws_vpc_security_group_ingress_rule = { x: { cidr_ipv4: '0.0.0.0/0', from_port: 0, to_port: 65535 } }],
    ['TF_SG_NO_OPEN_INGRESS_LEGACY', (r) => r.aws_security_group_rule = { x: { type: 'ingress', cidr_blocks: ['0.0.0.0/0'], from_port: 5432, to_port: 5432 } }],
    ['TF_EC2_IMDSV2', (r) => r.aws_instance = { i: { metadata_options: { http_tokens: 'optional' } } }],
    ['TF_EC2_LAUNCH_TEMPLATE_IMDSV2', (r) => r.aws_launch_template = { t: {} }],
    ['TF_PROD_DB_DELETION_PROTECTION', (r) => r.aws_db_instance.d.deletion_protection = false],
    ['TF_PROD_DB_MULTI_AZ', (r) => r.aws_db_instance.d.multi_az = false],
    ['TF_RDS_ENCRYPTED_PRIVATE', (r) => r.aws_db_instance.d.publicly_accessible = true],
    ['TF_RDS_ENCRYPTED_PRIVATE', (r) => delete r.aws_db_instance.d.kms_key_id],
    ['TF_RDS_NO_PASSWORD_IN_STATE', (r) => r.aws_db_instance.d.password = 'change-me'],
    ['TF_RDS_NO_PASSWORD_IN_STATE', (r) => delete r.aws_db_instance.d.manage_master_user_password],
    ['TF_RDS_BACKUPS_IAM_AUTH_LOGS', (r) => r.aws_db_instance.d.backup_retention_period = 0],
    ['TF_RDS_BACKUPS_IAM_AUTH_LOGS', (r) => delete r.aws_db_instance.d.enabled_cloudwatch_logs_exports],
    ['TF_DYNAMODB_PITR_KMS', (r) => r.aws_dynamodb_table.t.point_in_time_recovery.enabled = false],
    ['TF_DYNAMODB_PITR_KMS', (r) => delete r.aws_dynamodb_table.t.server_side_encryption.kms_key_arn],
    ['TF_PROD_TABLE_DELETION_PROTECTION', (r) => r.aws_dynamodb_table.t.deletion_protection_enabled = false],
    ['TF_PROD_LB_DELETION_PROTECTION', (r) => r.aws_lb.a.tags = { 'platform:profile': 'PRODUCTION' }],
    ['TF_S3_BUCKET_ENCRYPTION', (r) => delete r.aws_s3_bucket_server_side_encryption_configuration],
    ['TF_S3_BUCKET_ENCRYPTION', (r) => secondBucketWithout(r, 'aws_s3_bucket_server_side_encryption_configuration')],
    ['TF_S3_BUCKET_ENCRYPTION', (r) => r.aws_s3_bucket_server_side_encryption_configuration.b.rule[0].apply_server_side_encryption_by_default = {}],
    ['TF_S3_PUBLIC_ACCESS_BLOCK', (r) => delete r.aws_s3_bucket_public_access_block],
    ['TF_S3_PUBLIC_ACCESS_BLOCK', (r) => secondBucketWithout(r, 'aws_s3_bucket_public_access_block')],
    ['TF_S3_PUBLIC_ACCESS_BLOCK', (r) => r.aws_s3_bucket_public_access_block.b.restrict_public_buckets = false],
    ['TF_S3_SSL_ONLY', (r) => delete r.aws_s3_bucket_policy],
    ['TF_S3_SSL_ONLY', (r) => secondBucketWithout(r, 'aws_s3_bucket_policy')],
    ['TF_S3_SSL_ONLY', (r) => r.aws_s3_bucket_policy.b.policy = JSON.stringify({
      Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'logdelivery.elasticloadbalancing.amazonaws.com' }, Action: 's3:PutObject', Resource: '*' }],
    })],
    ['TF_LB_DROP_INVALID_HEADERS', (r) => r.aws_lb.a.drop_invalid_header_fields = false],
    ['TF_LB_DESYNC_MITIGATION', (r) => r.aws_lb.a.desync_mitigation_mode = 'monitor'],
    ['TF_LB_ACCESS_LOGS', (r) => delete r.aws_lb.a.access_logs],
    ['TF_LB_ACCESS_LOGS', (r) => r.aws_lb.a.access_logs.enabled = false],
    ['TF_LB_HTTPS_TLS_POLICY', (r) => delete r.aws_lb_listener.https.ssl_policy],
    ['TF_LB_HTTPS_TLS_POLICY', (r) => r.aws_lb_listener.https.ssl_policy = 'ELBSecurityPolicy-2016-08'],
    ['TF_LB_HTTP_REDIRECTS_TO_HTTPS', (r) => r.aws_lb_listener.http.default_action = [{ type: 'forward', target_group_arn: '${aws_lb_target_group.t.arn}' }]],
    ['TF_SNS_KMS_ENCRYPTED', (r) => delete r.aws_sns_topic.t.kms_master_key_id],
    ['TF_CLOUDWATCH_ALARM_ACTION', (r) => r.aws_cloudwatch_metric_alarm.m.alarm_actions = []],
    ['TF_CLOUDWATCH_ALARM_ACTION', (r) => r.aws_cloudwatch_metric_alarm.m.actions_enabled = false],
    ['TF_ECS_CONTAINER_INSIGHTS', (r) => r.aws_ecs_cluster.c.setting[0].value = 'disabled'],
    ['TF_ECS_CONTAINER_INSIGHTS', (r) => delete r.aws_ecs_cluster.c.setting],
    ['TF_ECS_NO_PUBLIC_IP', (r) => r.aws_ecs_service.s.network_configuration.assign_public_ip = true],
    ['TF_ECS_TASK_LOGGING', (r) => r.aws_ecs_task_definition.t.container_definitions = JSON.stringify([
      { name: 'web', logConfiguration: { logDriver: 'awslogs' } }, { name: 'sidecar' },
    ])],
    ['TF_SQS_ENCRYPTED', (r) => delete r.aws_sqs_queue.q.kms_master_key_id],
    ['TF_SQS_DEAD_LETTER_QUEUE', (r) => delete r.aws_sqs_queue.q.redrive_policy],
    ['TF_LAMBDA_LOGS_AND_DEAD_LETTERS', (r) => delete r.aws_lambda_function.f.dead_letter_config],
    ['TF_LAMBDA_LOGS_AND_DEAD_LETTERS', (r) => delete r.aws_lambda_function.f.logging_config],
    ['TF_CHATBOT_GUARDRAILS', (r) => delete r.aws_chatbot_slack_channel_configuration.c.guardrail_policy_arns],
    ['TF_CHATBOT_GUARDRAILS', (r) => r.aws_chatbot_slack_channel_configuration.c.guardrail_policy_arns = ['arn:aws:iam::aws:policy/AdministratorAccess']],
    ['TF_ECR_IMMUTABLE_SCANNED', (r) => r.aws_ecr_repository.r.image_tag_mutability = 'MUTABLE'],
    ['TF_ECR_IMMUTABLE_SCANNED', (r) => r.aws_ecr_repository.r.image_scanning_configuration.scan_on_push = false],
    ['TF_ECR_IMMUTABLE_SCANNED', (r) => r.aws_ecr_repository.r.encryption_configuration = [{ encryption_type: 'AES256' }]],
    ['TF_ECR_LIFECYCLE_POLICY', (r) => delete r.aws_ecr_lifecycle_policy],
  ])('%s fails the document that breaks it, and only that rule', (rule, breakIt) => {
    const doc = compliant();
    breakIt(doc.resource);
    expect(tfGuardFindings(doc).map((f) => f.rule)).toEqual([rule]);
  });

  test('an acknowledgement beside the resource, with a reason, silences that rule there', () => {
    const doc = compliant();
    delete doc.resource.aws_flow_log;
    doc.resource.aws_vpc.v['//'] = { acknowledged: { TF_VPC_FLOW_LOGS: 'switched off on purpose' } };
    expect(tfGuardFindings(doc)).toEqual([]);
  });

  test.each<[string, (r: Record<string, any>) => void]>([
    ['TF_LB_HTTP_REDIRECTS_TO_HTTPS', (r) => r.aws_lb_listener.http.default_action = [{ type: 'fixed-response' }]],
    ['TF_LB_ACCESS_LOGS', (r) => delete r.aws_lb.a.access_logs],
    ['TF_ECS_CONTAINER_INSIGHTS', (r) => r.aws_ecs_cluster.c.setting[0].value = 'disabled'],
    ['TF_PROD_LB_DELETION_PROTECTION', (r) => r.aws_lb.a.tags = { 'platform:profile': 'PRODUCTION' }],
    ['TF_ECS_TASK_LOGGING', (r) => r.aws_ecs_task_definition.t.container_definitions = '${jsonencode(local.containers)}'],
    ['TF_S3_SSL_ONLY', (r) => r.aws_s3_bucket_policy.b.policy = '${data.aws_iam_policy_document.logs.json}'],
    ['TF_SQS_DEAD_LETTER_QUEUE', (r) => delete r.aws_sqs_queue.q.redrive_policy],
  ])('%s: an acknowledgement beside the resource silences it there', (rule, breakIt) => {
    const doc = compliant();
    breakIt(doc.resource);
    const resource = {
      TF_LB_HTTP_REDIRECTS_TO_HTTPS: doc.resource.aws_lb_listener.http,
      TF_LB_ACCESS_LOGS: doc.resource.aws_lb.a,
      TF_ECS_CONTAINER_INSIGHTS: doc.resource.aws_ecs_cluster.c,
      TF_PROD_LB_DELETION_PROTECTION: doc.resource.aws_lb.a,
      TF_ECS_TASK_LOGGING: doc.resource.aws_ecs_task_definition.t,
      TF_S3_SSL_ONLY: doc.resource.aws_s3_bucket_policy.b,
      TF_SQS_DEAD_LETTER_QUEUE: doc.resource.aws_sqs_queue.q,
    }[rule]!;
    expect(tfGuardFindings(doc).map((f) => f.rule)).toEqual([rule]);
    resource['//'] = { acknowledged: { [rule]: 'a deliberate choice' } };
    expect(tfGuardFindings(doc)).toEqual([]);
  });

  describe('PlatformNetwork output', () => {
    test.each<[string, PlatformNetworkOptions]>([
      ['DEVELOPMENT defaults', {}],
      ['PRODUCTION over 3 AZs', { profile: EnvironmentProfile.PRODUCTION, maxAzs: 3 }],
      ['no NAT', { natGateways: 0 }],
      ['flow logs off and default SG open (acknowledged beside the VPC)', { flowLogs: { enabled: false }, restrictDefaultSecurityGroup: false }],
      ['existing KMS key', { flowLogs: { kmsKeyArn: 'arn:aws:kms:eu-west-1:111122223333:key/11111111-2222-3333-4444-555555555555' } }],
    ])('%s: passes every rule', (_name, options) => {
      const { stack } = tfStack();
      new PlatformNetwork(stack, 'Network', options);
      expect(tfGuardFindings(tfSynthFull(stack))).toEqual([]);
    });
  });
});
