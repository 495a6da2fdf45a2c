/**
 * The price rules of cost/model.ts, one test each, against the dated price table. Every expected number
 * is worked out by hand in the comment above it (730 hours a month).
 */
import { Billable, billableBackupGb, priceAll, PRICES, seedsLayout, splitTasks, storedLogGb, total } from '../../cost/model';
import { readCloudFormation, readTerraform } from '../../cost/readers';

const at = { stack: 'S', type: 'T' };
const cents = (n: number) => Math.round(n * 100) / 100;
const priced = (...items: Billable[]) => cents(total(priceAll(items)));

test('the price table is dated and every price names its unit and source', () => {
  expect(PRICES.date).toBe('2026-11-26');
  expect(PRICES.hoursPerMonth).toBe(730);
  for (const [key, e] of Object.entries({ ...PRICES.prices, ...PRICES.rdsInstanceHour })) {
    expect([key, typeof e.price, e.unit.length > 0, e.source.startsWith('https://aws.amazon.com/'), typeof e.verified]).toEqual([key, 'number', true, true, 'boolean']);
  }
});

test('NAT gateway: hours plus the assumed 10 GB a VPC', () => {
  // 730 h x $0.045 = $32.85; 10 GB x $0.045 = $0.45; total $33.30
  expect(priced({ ...at, path: 'S/Network/Nat1', kind: 'natGateway' })).toBe(33.3);
  // Two NATs in one stack share the 10 GB: 2 x 32.85 + 10 x 0.045 = 65.70 + 0.45 = $66.15
  expect(priced({ ...at, path: 'S/Network/Nat1', kind: 'natGateway' }, { ...at, path: 'S/Network/Nat2', kind: 'natGateway' })).toBe(66.15);
});

test('public IPv4 address (NAT EIP)', () => {
  // 730 h x $0.005 = $3.65
  expect(priced({ ...at, path: 'S/Network/Eip', kind: 'eip' })).toBe(3.65);
});

test('ALB: hours, 1 LCU, and one public address per AZ when internet-facing', () => {
  // 730 x 0.0225 = 16.425; 730 x 1 x 0.008 = 5.84; 2 AZs x 730 x 0.005 = 7.30; total 29.565 -> $29.57
  expect(priced({ ...at, path: 'S/Ingress/Alb', kind: 'alb', internetFacing: true, azs: 2 })).toBe(29.57);
  // internal: 16.425 + 5.84 = 22.265 (no public addresses)
  expect(total(priceAll([{ ...at, path: 'S/Ingress/Alb', kind: 'alb', internetFacing: false, azs: 2 }]))).toBeCloseTo(22.265, 6);
});

test('capacity provider strategy: base first, then by weight', () => {
  // 2 tasks, FARGATE base 1 weight 0, FARGATE_SPOT weight 1: 1 on-demand, 1 Spot
  expect(splitTasks(2, [{ provider: 'FARGATE', base: 1, weight: 0 }, { provider: 'FARGATE_SPOT', base: 0, weight: 1 }])).toEqual({ FARGATE: 1, FARGATE_SPOT: 1 });
  // 5 tasks, base 1 on FARGATE, weights 1:3: 1 + 4 x 1/4 = 2 on-demand, 4 x 3/4 = 3 Spot
  expect(splitTasks(5, [{ provider: 'FARGATE', base: 1, weight: 1 }, { provider: 'FARGATE_SPOT', base: 0, weight: 3 }])).toEqual({ FARGATE: 2, FARGATE_SPOT: 3 });
  // no strategy: all on-demand
  expect(splitTasks(3, [])).toEqual({ FARGATE: 3 });
});

test('Fargate x86: on-demand and Spot (70 % off)', () => {
  // 2 tasks of 0.25 vCPU / 0.5 GB, 1 on-demand + 1 Spot:
  // on-demand: 0.25 x 730 x 0.04048 = 7.3876; 0.5 x 730 x 0.004445 = 1.622425
  // Spot: (7.3876 + 1.622425) x 0.3 = 2.7030075; total 11.7130325 -> $11.71
  expect(priced({
    ...at,
    path: 'S/App/Service',
    kind: 'fargateService',
    vcpu: 0.25,
    memoryGb: 0.5,
    arch: 'X86_64',
    tasks: 2,
    strategy: [{ provider: 'FARGATE', base: 1, weight: 0 }, { provider: 'FARGATE_SPOT', base: 0, weight: 1 }],
  })).toBe(11.71);
});

test('Fargate ARM', () => {
  // 2 tasks of 0.25 vCPU / 0.5 GB on-demand: 0.5 x 730 x 0.03238 = 11.8187; 1 x 730 x 0.00356 = 2.5988; total 14.4175 -> $14.42
  expect(priced({ ...at, path: 'S/FinOps/Service', kind: 'fargateService', vcpu: 0.25, memoryGb: 0.5, arch: 'ARM64', tasks: 2, strategy: [{ provider: 'FARGATE', base: 0, weight: 1 }] })).toBe(14.42);
});

test('RDS: instance, storage, backup beyond the free allowance, managed secret', () => {
  // db.t4g.micro Single-AZ: 730 x 0.016 = 11.68; 20 GB gp3 x 0.115 = 2.30;
  // backup: 20 GB x 1 day x 5 % = 1 GB x 0.095 = 0.095; secret 0.40; total 14.475 -> ~$14.48
  const dev: Billable = { ...at, path: 'S/Db/Instance', kind: 'rdsInstance', engine: 'postgres', instanceClass: 'db.t4g.micro', multiAz: false, storageGb: 20, storageType: 'gp3', backupRetentionDays: 1, managedSecret: true };
  expect(total(priceAll([dev]))).toBeCloseTo(14.475, 6);
  // db.m7g.large Multi-AZ: 2 x 730 x 0.178 = 259.88; 2 x 20 x 0.115 = 4.60; backup 20 x 14 x 0.05 = 14 GB x 0.095 = 1.33; secret 0.40; total $266.21
  expect(priced({ ...dev, instanceClass: 'db.m7g.large', multiAz: true, backupRetentionDays: 14 })).toBe(266.21);
  expect(billableBackupGb(20, 0, 0.05)).toBe(0);
  expect(() => priceAll([{ ...dev, instanceClass: 'db.x9.huge' }])).toThrow(/no price for RDS postgres:db\.x9\.huge/);
});

test('DynamoDB on-demand at baseline: 1 GB stored, PITR', () => {
  // 1 GB x 0.25 = 0.25; with PITR + 1 GB x 0.20 = $0.45
  expect(priced({ ...at, path: 'S/Table/Table', kind: 'dynamodbTable', pitr: true, onDemand: true })).toBe(0.45);
  expect(priced({ ...at, path: 'S/Table/Table', kind: 'dynamodbTable', pitr: false, onDemand: true })).toBe(0.25);
});

test('CloudWatch Logs: 1 GB ingested, storage by retention', () => {
  // 30 days: 0.50 + 1 GB x 0.03 = $0.53; 365 days: 0.50 + 12.1667 GB x 0.03 = 0.865 -> $0.87
  expect(priced({ ...at, path: 'S/App/LogGroup', kind: 'logGroup', retentionDays: 30 })).toBe(0.53);
  expect(storedLogGb(1, 365)).toBeCloseTo(12.1667, 3);
  // never expires = 12 months, like 365 days
  expect(storedLogGb(1, undefined)).toBeCloseTo(12.1667, 3);
});

test('alarms, KMS keys, S3, secrets, ECR, Cloud Map, Lambda', () => {
  // alarm: 1 metric x 0.10; metric-math alarm over 3 metrics: 0.30
  expect(priced({ ...at, path: 'S/App/CpuAlarm', kind: 'alarm', metrics: 1 })).toBe(0.1);
  expect(priced({ ...at, path: 'S/App/Math', kind: 'alarm', metrics: 3 })).toBe(0.3);
  // key $1.00; bucket 1 GB x 0.023 = $0.02; secret $0.40; ECR 1 GB x 0.10 = $0.10; hosted zone $0.50; Lambda $0
  expect(priced({ ...at, path: 'S/Key', kind: 'kmsKey' })).toBe(1);
  expect(priced({ ...at, path: 'S/Logs', kind: 's3Bucket' })).toBe(0.02);
  expect(priced({ ...at, path: 'S/Secret', kind: 'secret' })).toBe(0.4);
  expect(priced({ ...at, path: 'S/Repo', kind: 'ecrRepository' })).toBe(0.1);
  expect(priced({ ...at, path: 'S/Ns', kind: 'dnsNamespace' })).toBe(0.5);
  expect(priced({ ...at, path: 'S/Fn', kind: 'lambda' })).toBe(0);
});

test('VPC endpoints: interface per AZ-hour, gateway free', () => {
  // 2 AZs x 730 x 0.01 = $14.60
  expect(priced({ ...at, path: 'S/Network/Ecr', kind: 'vpcEndpoint', endpointType: 'Interface', azs: 2 })).toBe(14.6);
  expect(priced({ ...at, path: 'S/Network/S3', kind: 'vpcEndpoint', endpointType: 'Gateway', azs: 0 })).toBe(0);
});

test('the seeds\' layout: 2 NATs with their addresses, all on-demand, S3 through the NAT', () => {
  const dev: Billable[] = [
    { ...at, path: 'S/Network/Nat1', kind: 'natGateway' },
    { ...at, path: 'S/Network/Eip1', kind: 'eip' },
    { ...at, path: 'S/Network/S3', kind: 'vpcEndpoint', endpointType: 'Gateway', azs: 0 },
    { ...at, path: 'S/App/Service', kind: 'fargateService', vcpu: 0.25, memoryGb: 0.5, arch: 'X86_64', tasks: 2, strategy: [{ provider: 'FARGATE', base: 1, weight: 0 }, { provider: 'FARGATE_SPOT', base: 0, weight: 1 }] },
  ];
  // ours: NAT 33.30 + EIP 3.65 + Fargate 11.7130325 = 48.6630325
  expect(total(priceAll(dev))).toBeCloseTo(48.6630325, 6);
  // seeds: 2 x 32.85 + (10 + 20) GB x 0.045 = 65.70 + 1.35 = 67.05; 2 EIPs 7.30;
  // Fargate all on-demand: 2 x (0.25 x 730 x 0.04048 + 0.5 x 730 x 0.004445) = 2 x 9.010025 = 18.02005; total 92.37005
  const seeds = seedsLayout(dev);
  expect(seeds.s3ViaNatGbPerVpc).toBe(20);
  expect(total(priceAll(seeds.items, { s3ViaNatGbPerVpc: seeds.s3ViaNatGbPerVpc }))).toBeCloseTo(92.37005, 6);
});

test('readers: the same service in both engines gives the same billable resource', () => {
  const cfn = readCloudFormation('App', {
    Resources: {
      Td: { Type: 'AWS::ECS::TaskDefinition', Properties: { Cpu: '512', Memory: '1024', RuntimePlatform: { CpuArchitecture: 'ARM64' } } },
      Svc: { Type: 'AWS::ECS::Service', Metadata: { 'aws:cdk:path': 'App/Api/Service/Service' }, Properties: { TaskDefinition: { Ref: 'Td' }, CapacityProviderStrategy: [{ CapacityProvider: 'FARGATE', Base: 0, Weight: 1 }] } },
      Target: { Type: 'AWS::ApplicationAutoScaling::ScalableTarget', Properties: { ScalableDimension: 'ecs:service:DesiredCount', MinCapacity: 3, ResourceId: { 'Fn::Join': ['', ['service/', { 'Fn::GetAtt': ['Svc', 'Name'] }]] } } },
    },
  });
  const tf = readTerraform('app', {
    resource: {
      aws_ecs_task_definition: { td: { cpu: '512', memory: '1024', runtime_platform: { cpu_architecture: 'ARM64' } } },
      aws_ecs_service: { svc: { '//': { metadata: { path: 'app/Api/Service' } }, 'task_definition': '${aws_ecs_task_definition.td.arn}', 'desired_count': 2, 'capacity_provider_strategy': [{ capacity_provider: 'FARGATE', base: 0, weight: 1 }] } },
      aws_appautoscaling_target: { t: { scalable_dimension: 'ecs:service:DesiredCount', min_capacity: 3, resource_id: 'service/x/${aws_ecs_service.svc.name}' } },
    },
  });
  const strip = (b: Billable) => ({ ...b, stack: undefined, path: undefined, type: undefined });
  expect(cfn.map(strip)).toEqual(tf.map(strip));
  expect(cfn[0]).toMatchObject({ kind: 'fargateService', vcpu: 0.5, memoryGb: 1, arch: 'ARM64', tasks: 3 });
});
