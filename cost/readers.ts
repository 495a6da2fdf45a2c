/**
 * One reader per engine: a synthesized CloudFormation template (CDK) or a cdktf Terraform JSON stack
 * -> the engine-neutral billable resources of cost/model.ts. Anything not billed at baseline is left out.
 */
import { Billable, CapacityShare } from './model';

type Json = Record<string, any>;

const num = (v: unknown, fallback: number): number => {
  const n = typeof v === 'string' ? Number(v) : typeof v === 'number' ? v : NaN;
  return Number.isFinite(n) ? n : fallback;
};
/** Subnet-like lists: their length when literal, else the stated 2-AZ assumption. */
const count = (v: unknown, fallback = 2): number => (Array.isArray(v) ? v.length : fallback);
const arch = (v: unknown): 'X86_64' | 'ARM64' => (v === 'ARM64' ? 'ARM64' : 'X86_64');

// ---------------------------------------------------------------------------------------------
// CloudFormation (CDK)
// ---------------------------------------------------------------------------------------------

export function readCloudFormation(stack: string, template: Json): Billable[] {
  const resources: Record<string, Json> = template.Resources ?? {};
  const out: Billable[] = [];
  const pathOf = (id: string) => (resources[id]?.Metadata?.['aws:cdk:path'] as string | undefined)?.replace(/\/Resource$/, '') ?? `${stack}/${id}`;
  const minCapacity = new Map<string, number>();
  for (const r of Object.values(resources)) {
    if (r.Type !== 'AWS::ApplicationAutoScaling::ScalableTarget' || r.Properties?.ScalableDimension !== 'ecs:service:DesiredCount') continue;
    const ref = JSON.stringify(r.Properties.ResourceId ?? '');
    for (const [id, s] of Object.entries(resources)) if (s.Type === 'AWS::ECS::Service' && ref.includes(`"${id}"`)) minCapacity.set(id, num(r.Properties.MinCapacity, 0));
  }
  for (const [id, r] of Object.entries(resources)) {
    const p: Json = r.Properties ?? {};
    const base = { stack, path: pathOf(id), type: r.Type as string };
    switch (r.Type) {
      case 'AWS::EC2::NatGateway':
        if (p.ConnectivityType !== 'private') out.push({ ...base, kind: 'natGateway' });
        break;
      case 'AWS::EC2::EIP':
        out.push({ ...base, kind: 'eip' });
        break;
      case 'AWS::ElasticLoadBalancingV2::LoadBalancer':
        if ((p.Type ?? 'application') === 'application') {
          out.push({ ...base, kind: 'alb', internetFacing: (p.Scheme ?? 'internet-facing') === 'internet-facing', azs: count(p.Subnets ?? p.SubnetMappings) });
        }
        break;
      case 'AWS::ECS::Service': {
        const td = resources[p.TaskDefinition?.Ref]?.Properties;
        if (!td) break;
        const strategy: CapacityShare[] = (p.CapacityProviderStrategy ?? [])
          .map((s: Json) => ({ provider: s.CapacityProvider, base: num(s.Base, 0), weight: num(s.Weight, 0) }));
        out.push({
          ...base,
          kind: 'fargateService',
          vcpu: num(td.Cpu, 0) / 1024,
          memoryGb: num(td.Memory, 0) / 1024,
          arch: arch(td.RuntimePlatform?.CpuArchitecture),
          // CloudFormation creates a service without DesiredCount with 1 task.
          tasks: minCapacity.get(id) ?? num(p.DesiredCount, 1),
          strategy,
        });
        break;
      }
      case 'AWS::RDS::DBInstance':
        out.push({
          ...base,
          kind: 'rdsInstance',
          engine: String(p.Engine ?? 'postgres'),
          instanceClass: String(p.DBInstanceClass),
          multiAz: p.MultiAZ === true || p.MultiAZ === 'true',
          storageGb: num(p.AllocatedStorage, 20),
          storageType: String(p.StorageType ?? 'gp2'),
          backupRetentionDays: num(p.BackupRetentionPeriod, 1),
          managedSecret: p.ManageMasterUserPassword === true || p.ManageMasterUserPassword === 'true',
        });
        break;
      case 'AWS::DynamoDB::Table':
        out.push({ ...base, kind: 'dynamodbTable', onDemand: p.BillingMode === 'PAY_PER_REQUEST', pitr: p.PointInTimeRecoverySpecification?.PointInTimeRecoveryEnabled === true });
        break;
      case 'AWS::Logs::LogGroup':
        out.push({ ...base, kind: 'logGroup', retentionDays: p.RetentionInDays === undefined ? undefined : num(p.RetentionInDays, 0) });
        break;
      case 'AWS::CloudWatch::Alarm':
        out.push({ ...base, kind: 'alarm', metrics: Array.isArray(p.Metrics) ? Math.max(1, p.Metrics.filter((m: Json) => m.MetricStat).length) : 1 });
        break;
      case 'AWS::KMS::Key':
        out.push({ ...base, kind: 'kmsKey' });
        break;
      case 'AWS::S3::Bucket':
        out.push({ ...base, kind: 's3Bucket' });
        break;
      case 'AWS::SecretsManager::Secret':
        out.push({ ...base, kind: 'secret' });
        break;
      case 'AWS::EC2::VPCEndpoint':
        out.push({ ...base, kind: 'vpcEndpoint', endpointType: String(p.VpcEndpointType ?? 'Gateway'), azs: count(p.SubnetIds) });
        break;
      case 'AWS::Lambda::Function':
        out.push({ ...base, kind: 'lambda' });
        break;
      case 'AWS::ECR::Repository':
        out.push({ ...base, kind: 'ecrRepository' });
        break;
      case 'AWS::ServiceDiscovery::PrivateDnsNamespace':
        out.push({ ...base, kind: 'dnsNamespace' });
        break;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Terraform JSON (cdktf)
// ---------------------------------------------------------------------------------------------

export function readTerraform(stack: string, json: Json): Billable[] {
  const resources: Record<string, Record<string, Json>> = json.resource ?? {};
  const out: Billable[] = [];
  const each = (type: string) => Object.entries(resources[type] ?? {});
  const pathOf = (name: string, r: Json) => (r['//']?.metadata?.path as string | undefined) ?? `${stack}/${name}`;
  const minCapacity = new Map<string, number>();
  for (const [, t] of each('aws_appautoscaling_target')) {
    if (t.scalable_dimension !== 'ecs:service:DesiredCount') continue;
    const m = /aws_ecs_service\.([^.}]+)\./.exec(String(t.resource_id ?? ''));
    if (m) minCapacity.set(m[1], num(t.min_capacity, 0));
  }
  const push = (type: string, fn: (name: string, r: Json, base: { stack: string; path: string; type: string }) => Billable | undefined) => {
    for (const [name, r] of each(type)) {
      const b = fn(name, r, { stack, path: pathOf(name, r), type });
      if (b) out.push(b);
    }
  };
  push('aws_nat_gateway', (_n, r, base) => (r.connectivity_type === 'private' ? undefined : { ...base, kind: 'natGateway' }));
  push('aws_eip', (_n, _r, base) => ({ ...base, kind: 'eip' }));
  push('aws_lb', (_n, r, base) => ((r.load_balancer_type ?? 'application') === 'application'
    ? { ...base, kind: 'alb', internetFacing: r.internal !== true, azs: count(r.subnets ?? r.subnet_mapping) }
    : undefined));
  push('aws_ecs_service', (name, r, base) => {
    const m = /aws_ecs_task_definition\.([^.}]+)\./.exec(String(r.task_definition ?? ''));
    const td = m ? resources.aws_ecs_task_definition?.[m[1]] : undefined;
    if (!td) return undefined;
    const strategy: CapacityShare[] = (r.capacity_provider_strategy ?? [])
      .map((s: Json) => ({ provider: s.capacity_provider, base: num(s.base, 0), weight: num(s.weight, 0) }));
    return {
      ...base,
      kind: 'fargateService',
      vcpu: num(td.cpu, 0) / 1024,
      memoryGb: num(td.memory, 0) / 1024,
      arch: arch(td.runtime_platform?.cpu_architecture),
      // The AWS provider's desired_count defaults to 0.
      tasks: minCapacity.get(name) ?? num(r.desired_count, 0),
      strategy,
    };
  });
  push('aws_db_instance', (_n, r, base) => ({
    ...base,
    kind: 'rdsInstance',
    engine: String(r.engine ?? 'postgres'),
    instanceClass: String(r.instance_class),
    multiAz: r.multi_az === true,
    storageGb: num(r.allocated_storage, 20),
    storageType: String(r.storage_type ?? 'gp2'),
    backupRetentionDays: num(r.backup_retention_period, 1),
    managedSecret: r.manage_master_user_password === true,
  }));
  push('aws_dynamodb_table', (_n, r, base) => ({ ...base, kind: 'dynamodbTable', onDemand: r.billing_mode === 'PAY_PER_REQUEST', pitr: r.point_in_time_recovery?.enabled === true }));
  push('aws_cloudwatch_log_group', (_n, r, base) => ({ ...base, kind: 'logGroup', retentionDays: r.retention_in_days ? num(r.retention_in_days, 0) : undefined }));
  push('aws_cloudwatch_metric_alarm', (_n, r, base) => ({
    ...base, kind: 'alarm', metrics: Array.isArray(r.metric_query) ? Math.max(1, r.metric_query.filter((q: Json) => q.metric).length) : 1,
  }));
  push('aws_kms_key', (_n, _r, base) => ({ ...base, kind: 'kmsKey' }));
  push('aws_s3_bucket', (_n, _r, base) => ({ ...base, kind: 's3Bucket' }));
  push('aws_secretsmanager_secret', (_n, _r, base) => ({ ...base, kind: 'secret' }));
  push('aws_vpc_endpoint', (_n, r, base) => ({ ...base, kind: 'vpcEndpoint', endpointType: String(r.vpc_endpoint_type ?? 'Gateway'), azs: count(r.subnet_ids) }));
  push('aws_lambda_function', (_n, _r, base) => ({ ...base, kind: 'lambda' }));
  push('aws_ecr_repository', (_n, _r, base) => ({ ...base, kind: 'ecrRepository' }));
  push('aws_service_discovery_private_dns_namespace', (_n, _r, base) => ({ ...base, kind: 'dnsNamespace' }));
  return out;
}
