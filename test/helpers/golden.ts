/**
 * Upgrade safety: golden templates per construct scenario and engine.
 *
 * A golden file is what the last released code synthesised. The check fails
 * when the current output would replace or destroy a resource that was there
 * (CloudFormation: @aws-cdk/cloudformation-diff's impact; Terraform: an address
 * that disappears, or a change to an attribute that forces replacement), unless
 * the change is on the allowlist with a reason. Any other difference fails too,
 * until someone rewrites the golden files on purpose with `npm run golden:update`
 * and commits them: `npm test` never writes them.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'fs';
import { dirname, join } from 'path';
import { Writable } from 'stream';
import { formatDifferences, fullDiff, ResourceImpact } from '@aws-cdk/cloudformation-diff';
import { TfJson } from './terraform';

export const GOLDEN_DIR = join(__dirname, '..', 'golden');
export const UPDATING = process.env.GOLDEN_UPDATE === '1';

export type Engine = 'cdk' | 'cdktf';

export interface Allowlist {
  /** "<scenario>.<engine>" -> logical IDs (CFN) or addresses (TF) -> reason. */
  readonly [scenarioEngine: string]: Record<string, string>;
}

export function loadAllowlist(): Allowlist {
  const file = join(GOLDEN_DIR, 'allowlist.json');
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
}

export function goldenPath(scenario: string, engine: Engine): string {
  return join(GOLDEN_DIR, `${scenario}.${engine === 'cdk' ? 'template' : 'tf'}.json`);
}

/** Asset hashes change with every aws-cdk-lib release; they are not our API. */
export function scrubCdk(template: any): any {
  return JSON.parse(JSON.stringify(template).replace(/[0-9a-f]{64}(\.zip|\.json)?/g, '<asset-hash>$1'));
}

/**
 * cdktf's version stamp is not our API; a Lambda bundle's hash (a TerraformAsset's directory and
 * `source_code_hash`) changes with the handler's code, which is a deployment, not a replacement.
 */
export function scrubTf(json: TfJson): TfJson {
  const copy = JSON.parse(JSON.stringify(json).replace(/\/[0-9A-F]{32,64}\/([a-z-]+)\.zip/g, '/<asset-hash>/$1.zip'));
  delete copy['//'];
  for (const fn of Object.values<any>(copy.resource?.aws_lambda_function ?? {})) {
    if (typeof fn.source_code_hash === 'string') fn.source_code_hash = '<asset-hash>';
  }
  return copy;
}

/** Destructive changes from golden -> current in a CloudFormation template. */
/**
 * Resources whose replacement is how they change: a task definition is immutable, and any change
 * registers a new revision the service rolls to (circuit breaker and alarms guarding the rollout).
 * Their replacement is not destructive; their removal still is.
 */
export const REVISIONED_TYPES = { cfn: ['AWS::ECS::TaskDefinition'], tf: ['aws_ecs_task_definition'] } as const;

export function cdkDestructiveChanges(golden: any, current: any): Array<{ id: string; impact: string }> {
  const found: Array<{ id: string; impact: string }> = [];
  fullDiff(golden, current).resources.forEachDifference((id, change) => {
    const impact = change.changeImpact;
    if (!change.isRemoval && (REVISIONED_TYPES.cfn as readonly string[]).includes(change.resourceType ?? '')) return;
    if (change.isRemoval || impact === ResourceImpact.WILL_REPLACE || impact === ResourceImpact.MAY_REPLACE
      || impact === ResourceImpact.WILL_DESTROY || impact === ResourceImpact.WILL_ORPHAN) {
      found.push({ id, impact: change.isRemoval ? ResourceImpact.WILL_DESTROY : impact });
    }
  });
  return found;
}

export function cdkDiffText(golden: any, current: any): string {
  let text = '';
  const stream = new Writable({ write(chunk, _enc, done) { text += chunk.toString(); done(); } });
  formatDifferences(stream as any, fullDiff(golden, current));
  return text.replace(/\x1b\[[0-9;]*m/g, '');
}

/**
 * Attributes that force a new resource in the AWS provider, for the types this
 * library creates. Extend it with every resource type a construct adds.
 */
export const TF_FORCE_NEW: Record<string, string[]> = {
  aws_vpc: ['cidr_block'],
  aws_subnet: ['vpc_id', 'cidr_block', 'availability_zone'],
  aws_internet_gateway: [],
  aws_route_table: ['vpc_id'],
  aws_route: ['route_table_id', 'destination_cidr_block'],
  aws_route_table_association: ['subnet_id'],
  aws_eip: ['domain'],
  aws_nat_gateway: ['allocation_id', 'subnet_id', 'connectivity_type'],
  aws_vpc_endpoint: ['vpc_id', 'service_name', 'vpc_endpoint_type'],
  aws_cloudwatch_log_group: ['name', 'name_prefix'],
  aws_kms_key: ['customer_master_key_spec', 'key_usage', 'multi_region'],
  aws_flow_log: ['vpc_id', 'log_destination', 'log_destination_type', 'traffic_type', 'iam_role_arn'],
  aws_iam_role: ['name', 'name_prefix'],
  aws_iam_role_policy: ['role', 'name'],
  aws_default_security_group: ['vpc_id'],
  aws_ecs_cluster: ['name'],
  aws_ecs_cluster_capacity_providers: ['cluster_name'],
  aws_sns_topic: ['name', 'name_prefix', 'fifo_topic'],
  aws_sns_topic_policy: ['arn'],
  aws_security_group: ['name', 'name_prefix', 'vpc_id', 'description'],
  aws_vpc_security_group_ingress_rule: ['security_group_id'],
  aws_vpc_security_group_egress_rule: ['security_group_id'],
  aws_s3_bucket: ['bucket', 'bucket_prefix', 'object_lock_enabled'],
  aws_s3_bucket_policy: ['bucket'],
  aws_s3_bucket_public_access_block: ['bucket'],
  aws_s3_bucket_ownership_controls: ['bucket'],
  aws_s3_bucket_lifecycle_configuration: ['bucket'],
  aws_s3_bucket_server_side_encryption_configuration: ['bucket'],
  aws_lb: ['name', 'name_prefix', 'internal', 'load_balancer_type'],
  aws_lb_listener: ['load_balancer_arn'],
  aws_lb_listener_rule: ['listener_arn'],
  aws_lb_target_group: ['name', 'name_prefix', 'port', 'protocol', 'target_type', 'vpc_id'],
  aws_ecs_task_definition: ['family', 'container_definitions', 'cpu', 'memory', 'network_mode', 'requires_compatibilities',
    'execution_role_arn', 'task_role_arn', 'runtime_platform'],
  aws_ecs_service: ['name', 'cluster', 'launch_type', 'scheduling_strategy'],
  aws_appautoscaling_target: ['resource_id', 'scalable_dimension', 'service_namespace'],
  aws_appautoscaling_policy: ['name', 'resource_id', 'scalable_dimension', 'service_namespace'],
  aws_cloudwatch_metric_alarm: ['alarm_name'],
  aws_cloudwatch_log_metric_filter: ['name', 'log_group_name'],
  aws_acm_certificate: ['domain_name', 'subject_alternative_names', 'validation_method'],
  aws_acm_certificate_validation: ['certificate_arn'],
  aws_route53_record: ['name', 'type', 'zone_id'],
  aws_budgets_budget: ['name', 'name_prefix', 'account_id'],
  aws_budgets_budget_action: ['budget_name', 'account_id'],
  aws_ce_anomaly_monitor: ['monitor_type', 'monitor_dimension', 'monitor_specification'],
  aws_ce_anomaly_subscription: ['account_id'],
  aws_chatbot_slack_channel_configuration: [],
  aws_cloudwatch_event_rule: ['name', 'name_prefix', 'event_bus_name'],
  aws_cloudwatch_event_target: ['rule', 'target_id', 'event_bus_name'],
  aws_iam_policy: ['name', 'name_prefix', 'path', 'description'],
  aws_lambda_function: ['function_name'],
  aws_lambda_permission: ['action', 'function_name', 'principal', 'source_arn', 'statement_id', 'qualifier'],
  aws_sns_topic_subscription: ['topic_arn', 'protocol', 'endpoint'],
  aws_sqs_queue: ['name', 'name_prefix', 'fifo_queue'],
  aws_sqs_queue_policy: ['queue_url'],
  aws_db_instance: ['identifier', 'identifier_prefix', 'engine', 'db_name', 'username', 'kms_key_id', 'storage_encrypted', 'availability_zone',
    'character_set_name', 'snapshot_identifier'],
  aws_db_parameter_group: ['name', 'name_prefix', 'family', 'description'],
  aws_db_subnet_group: ['name', 'name_prefix'],
  aws_dynamodb_table: ['name', 'hash_key', 'range_key'],
  aws_lb_listener_certificate: ['listener_arn', 'certificate_arn'],
  aws_ecr_repository: ['name', 'encryption_configuration'],
  aws_ecr_lifecycle_policy: ['repository'],
  aws_iam_openid_connect_provider: ['url'],
  aws_ssm_parameter: ['name'],
  aws_s3_bucket_versioning: ['bucket', 'expected_bucket_owner'],
  aws_service_discovery_private_dns_namespace: ['name', 'vpc'],
  aws_service_discovery_service: ['name', 'namespace_id'],
  aws_secretsmanager_secret: ['name', 'name_prefix'],
  aws_secretsmanager_secret_version: ['secret_id'],
  aws_iam_role_policy_attachment: ['role', 'policy_arn'],
  // awscc follows the CloudFormation schema's createOnly properties.
  awscc_devopsagent_agent_space: ['kms_key_arn'],
  awscc_devopsagent_association: ['agent_space_id', 'service_id'],
};

/**
 * Attributes that force a new resource only in some configurations. AWS
 * provider 5.x replaces an ECS service whose capacity_provider_strategy
 * changes unless force_new_deployment is true (6.x refuses the plan instead).
 */
export const TF_FORCE_NEW_UNLESS: Record<string, Array<{ attribute: string; unless: (after: any) => boolean; reason: string }>> = {
  aws_ecs_service: [{
    attribute: 'capacity_provider_strategy',
    unless: (after) => after.force_new_deployment === true,
    reason: 'without force_new_deployment',
  }],
};

/** Destructive changes from golden -> current in Terraform JSON. */
export function tfDestructiveChanges(golden: TfJson, current: TfJson): Array<{ id: string; impact: string }> {
  const found: Array<{ id: string; impact: string }> = [];
  for (const [type, resources] of Object.entries<Record<string, any>>(golden.resource ?? {})) {
    for (const [name, before] of Object.entries(resources)) {
      const address = `${type}.${name}`;
      const after = current.resource?.[type]?.[name];
      if (!after) {
        found.push({ id: address, impact: 'ADDRESS_REMOVED' });
        continue;
      }
      if ((REVISIONED_TYPES.tf as readonly string[]).includes(type)) continue;
      const forceNew = TF_FORCE_NEW[type];
      if (!forceNew) {
        if (JSON.stringify(before) !== JSON.stringify(after)) found.push({ id: address, impact: 'UNKNOWN_TYPE_CHANGED (add it to TF_FORCE_NEW)' });
        continue;
      }
      for (const attr of forceNew) {
        if (JSON.stringify(before[attr]) !== JSON.stringify(after[attr])) {
          found.push({ id: address, impact: `WILL_REPLACE (${attr})` });
        }
      }
      for (const { attribute, unless, reason } of TF_FORCE_NEW_UNLESS[type] ?? []) {
        if (JSON.stringify(before[attribute]) !== JSON.stringify(after[attribute]) && !unless(after)) {
          found.push({ id: address, impact: `WILL_REPLACE (${attribute} ${reason})` });
        }
      }
    }
  }
  return found;
}

export function writeGolden(file: string, content: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(content, null, 2) + '\n');
}

export function readGolden(file: string): any | undefined {
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
}
