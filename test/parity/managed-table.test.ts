/**
 * ManagedTable parity: the same options in both engines, read into one
 * normalised form (keys, attributes, billing, capacity and autoscaling,
 * indexes, TTL, PITR, encryption and its key, deletion protection, retention,
 * stream, what a granted service's task role may do, the variable it gets)
 * and compared with one toEqual.
 */
import * as cdk from '../../src/cdk';
import { ManagedTable as CdkManagedTable } from '../../src/cdk/managed-table';
import * as cdktf from '../../src/cdktf';
import { ManagedTable as TfManagedTable } from '../../src/cdktf/managed-table';
import { ManagedTableOptions } from '../../src/constructs/managed-table';
import { cdkStack, cdkTemplate } from '../helpers/cdk';
import { NGINX } from '../helpers/images';
import { graphOf } from '../helpers/parity-platform';
import { cfnSymbolic, policyGrants, ResourceNaming, tfSymbolic } from '../helpers/symbolic';
import { ORDERS_TABLE, SESSIONS_TABLE } from '../helpers/table-fixtures';
import { TfJson, tfStack, tfSynthFull } from '../helpers/terraform';

type Json = Record<string, any>;
type Access = 'read' | 'write' | 'readWrite';

interface Scenario {
  readonly id: string;
  readonly options: ManagedTableOptions;
  /** The grants given to the one service, in order. */
  readonly grants: readonly Access[];
}

const SCENARIOS: Record<string, Scenario> = {
  'DEVELOPMENT on-demand table with a GSI, TTL and a stream': {
    id: 'Sessions',
    options: SESSIONS_TABLE,
    grants: ['read', 'write'],
  },
  'PRODUCTION provisioned table with autoscaling': {
    id: 'Orders',
    options: { ...ORDERS_TABLE, environmentVariable: 'ORDER_STORE' },
    grants: ['readWrite'],
  },
};

function grant(table: CdkManagedTable | TfManagedTable, service: any, access: Access): void {
  if (access === 'read') table.grantReadData(service);
  else if (access === 'write') table.grantWriteData(service);
  else table.grantReadWriteData(service);
}

function buildCdk(s: Scenario): Json {
  const { stack } = cdkStack('Parity');
  const network = new cdk.PlatformNetwork(stack, 'Network', { availabilityZones: ['eu-west-1a', 'eu-west-1b'] });
  const cluster = new cdk.PlatformCluster(stack, 'Cluster', { network });
  const web = new cdk.FargateWebService(stack, 'Web', { cluster, image: NGINX });
  const table = new CdkManagedTable(stack, s.id, s.options);
  s.grants.forEach((access) => grant(table, web, access));
  return cdkTemplate(stack).toJSON();
}

function buildTf(s: Scenario): TfJson {
  const { stack } = tfStack('Parity');
  const network = new cdktf.PlatformNetwork(stack, 'Network', { availabilityZones: ['eu-west-1a', 'eu-west-1b'] });
  const cluster = new cdktf.PlatformCluster(stack, 'Cluster', { network });
  const web = new cdktf.FargateWebService(stack, 'Web', { cluster, image: NGINX });
  const table = new TfManagedTable(stack, s.id, s.options);
  s.grants.forEach((access) => grant(table, web, access));
  return tfSynthFull(stack);
}

/** What the table behaves like, in either engine. */
interface NormalisedTable {
  readonly keySchema: string[];
  readonly attributes: string[];
  readonly billingMode: string;
  readonly capacity?: { read: number; write: number };
  readonly indexes: Array<{
    name: string;
    keySchema: string[];
    projection: string;
    nonKeyAttributes: string[];
    capacity?: { read: number; write: number };
  }>;
  /** `<dimension> on <resource>: <min>-<max>, <metric> at <target>`, sorted. */
  readonly autoScaling: string[];
  readonly ttl?: string;
  readonly pointInTimeRecovery: { enabled: boolean; recoveryPeriodInDays?: number };
  readonly encryption: { enabled: boolean; key: string };
  readonly deletionProtection: boolean;
  readonly retainedOnDelete: boolean;
  readonly stream?: string;
  readonly key?: { rotation: boolean; deletionWindowDays: number; retainedOnDelete: boolean; policy: string[] };
  /** The granted service's task-role grants on the table, its indexes and its key. */
  readonly taskRoleGrants: string[];
  /** The granted service's variables holding a table attribute. */
  readonly environment: Record<string, string>;
}

const CFN_KIND: Record<string, string> = {
  'AWS::DynamoDB::Table': 'table',
  'AWS::KMS::Key': 'key',
  'AWS::IAM::Role': 'role',
  'AWS::ApplicationAutoScaling::ScalableTarget': 'target',
};
const TF_KIND: Record<string, string> = {
  aws_dynamodb_table: 'table',
  aws_kms_key: 'key',
  aws_iam_role: 'role',
  aws_appautoscaling_target: 'target',
};

const keySchemaOf = (keys: string[][]) => keys.map(([name, type]) => `${name} ${type}`);
const capacityOf = (read: unknown, write: unknown) => (read === undefined ? undefined : { read: Number(read), write: Number(write) });
const sortedStrings = (xs: string[]) => [...xs].sort();

function normaliseCfn(template: Json): NormalisedTable {
  const res: Record<string, Json> = template.Resources;
  const g = graphOf(template, 'cfn');
  const naming: ResourceNaming = { kindOf: (id) => CFN_KIND[res[id]?.Type], pathOf: g.pathOf };
  // CloudFormation's Ref of a table is its name (Terraform's `name`).
  const sym = (v: unknown) => JSON.parse(JSON.stringify(cfnSymbolic(template, v, naming)).replace(/<table:([^.>]+)\.id>/g, '<table:$1.name>'));
  const ofType = (type: string) => Object.entries(res).filter(([, r]) => r.Type === type);
  const [[, table]] = ofType('AWS::DynamoDB::Table');
  const p = table.Properties;
  const keySymbol = sym(p.SSESpecification.KMSMasterKeyId);
  const keyId = g.ref(p.SSESpecification.KMSMasterKeyId);
  const key = keyId ? res[keyId] : undefined;

  const targets = ofType('AWS::ApplicationAutoScaling::ScalableTarget').filter(([, r]) => r.Properties.ServiceNamespace === 'dynamodb');
  const autoScaling = targets.map(([id, r]) => {
    const [, policy] = ofType('AWS::ApplicationAutoScaling::ScalingPolicy').find(([, x]) => x.Properties.ScalingTargetId?.Ref === id)!;
    const tracking = policy.Properties.TargetTrackingScalingPolicyConfiguration;
    return `${r.Properties.ScalableDimension} on ${sym(r.Properties.ResourceId)}: ${r.Properties.MinCapacity}-${r.Properties.MaxCapacity}, `
      + `${tracking.PredefinedMetricSpecification.PredefinedMetricType} at ${tracking.TargetValue}`;
  });

  const roleId = Object.keys(res).find((id) => res[id].Type === 'AWS::IAM::Role' && g.pathOf(id) === 'WebTaskRole')!;
  const grants = ofType('AWS::IAM::Policy').filter(([, r]) => (r.Properties.Roles ?? []).some((x: Json) => x.Ref === roleId))
    .flatMap(([, r]) => policyGrants(sym(r.Properties.PolicyDocument)));
  const [[, taskDefinition]] = ofType('AWS::ECS::TaskDefinition');

  return {
    keySchema: keySchemaOf(p.KeySchema.map((k: Json) => [k.AttributeName, k.KeyType])),
    attributes: sortedStrings(p.AttributeDefinitions.map((a: Json) => `${a.AttributeName}:${a.AttributeType}`)),
    // CloudFormation's default billing mode is PROVISIONED (aws-cdk-lib leaves it out).
    billingMode: p.BillingMode ?? 'PROVISIONED',
    capacity: capacityOf(p.ProvisionedThroughput?.ReadCapacityUnits, p.ProvisionedThroughput?.WriteCapacityUnits),
    indexes: (p.GlobalSecondaryIndexes ?? []).map((i: Json) => ({
      name: i.IndexName,
      keySchema: keySchemaOf(i.KeySchema.map((k: Json) => [k.AttributeName, k.KeyType])),
      projection: i.Projection.ProjectionType,
      nonKeyAttributes: i.Projection.NonKeyAttributes ?? [],
      capacity: capacityOf(i.ProvisionedThroughput?.ReadCapacityUnits, i.ProvisionedThroughput?.WriteCapacityUnits),
    })),
    autoScaling: sortedStrings(autoScaling),
    ttl: p.TimeToLiveSpecification?.Enabled ? p.TimeToLiveSpecification.AttributeName : undefined,
    pointInTimeRecovery: {
      enabled: p.PointInTimeRecoverySpecification?.PointInTimeRecoveryEnabled === true,
      recoveryPeriodInDays: p.PointInTimeRecoverySpecification?.RecoveryPeriodInDays,
    },
    encryption: { enabled: p.SSESpecification.SSEEnabled === true && p.SSESpecification.SSEType === 'KMS', key: keySymbol },
    deletionProtection: p.DeletionProtectionEnabled === true,
    retainedOnDelete: table.DeletionPolicy === 'Retain',
    stream: p.StreamSpecification?.StreamViewType,
    key: key && {
      rotation: key.Properties.EnableKeyRotation === true,
      deletionWindowDays: key.Properties.PendingWindowInDays,
      retainedOnDelete: key.DeletionPolicy === 'Retain',
      policy: policyGrants(sym(key.Properties.KeyPolicy)),
    },
    taskRoleGrants: sortedStrings(grants.filter((x) => x.includes('<table:') || x.includes(` on ${keySymbol}`))),
    environment: Object.fromEntries((taskDefinition.Properties.ContainerDefinitions[0].Environment ?? [])
      .map((e: Json) => [e.Name, sym(e.Value)]).filter(([, v]: [string, unknown]) => String(v).includes('<table:'))),
  };
}

function normaliseTf(json: TfJson): NormalisedTable {
  const g = graphOf(json, 'tf');
  const naming: ResourceNaming = { kindOf: (id) => TF_KIND[id.split('.')[0]], pathOf: g.pathOf };
  const sym = (v: unknown) => tfSymbolic(json, v, naming);
  const ofType = (type: string): Array<[string, Json]> => Object.entries<Json>(json.resource?.[type] ?? {}).map(([name, r]) => [`${type}.${name}`, r]);
  const [[, t]] = ofType('aws_dynamodb_table');
  const keySymbol = sym(t.server_side_encryption.kms_key_arn);
  const keyId = g.ref(t.server_side_encryption.kms_key_arn);
  const key = keyId ? g.get(keyId) : undefined;

  const autoScaling = ofType('aws_appautoscaling_target').filter(([, r]) => r.service_namespace === 'dynamodb').map(([id, r]) => {
    const [, policy] = ofType('aws_appautoscaling_policy').find(([, x]) => g.ref(x.resource_id) === id)!;
    const tracking = policy.target_tracking_scaling_policy_configuration;
    return `${r.scalable_dimension} on ${sym(r.resource_id)}: ${r.min_capacity}-${r.max_capacity}, `
      + `${tracking.predefined_metric_specification.predefined_metric_type} at ${tracking.target_value}`;
  });

  const roleId = ofType('aws_iam_role').find(([id]) => g.pathOf(id) === 'WebTaskRole')![0];
  const grants = ofType('aws_iam_role_policy').filter(([, r]) => g.ref(r.role) === roleId)
    .flatMap(([, r]) => policyGrants(sym(JSON.parse(r.policy))));
  const [[, taskDefinition]] = ofType('aws_ecs_task_definition');
  const [container] = JSON.parse(taskDefinition.container_definitions);
  const keys = [[t.hash_key, 'HASH'], ...(t.range_key ? [[t.range_key, 'RANGE']] : [])];

  return {
    keySchema: keySchemaOf(keys),
    attributes: sortedStrings(t.attribute.map((a: Json) => `${a.name}:${a.type}`)),
    billingMode: t.billing_mode,
    capacity: capacityOf(t.read_capacity, t.write_capacity),
    indexes: (t.global_secondary_index ?? []).map((i: Json) => ({
      name: i.name,
      keySchema: keySchemaOf([[i.hash_key, 'HASH'], ...(i.range_key ? [[i.range_key, 'RANGE']] : [])]),
      projection: i.projection_type,
      nonKeyAttributes: i.non_key_attributes ?? [],
      capacity: capacityOf(i.read_capacity, i.write_capacity),
    })),
    autoScaling: sortedStrings(autoScaling),
    ttl: t.ttl?.enabled ? t.ttl.attribute_name : undefined,
    pointInTimeRecovery: {
      enabled: t.point_in_time_recovery?.enabled === true,
      recoveryPeriodInDays: t.point_in_time_recovery?.recovery_period_in_days,
    },
    // server_side_encryption with a key ARN is SSE type KMS.
    encryption: { enabled: t.server_side_encryption.enabled === true && t.server_side_encryption.kms_key_arn !== undefined, key: keySymbol },
    deletionProtection: t.deletion_protection_enabled === true,
    retainedOnDelete: t.lifecycle?.prevent_destroy === true,
    stream: t.stream_enabled ? t.stream_view_type : undefined,
    key: key && {
      rotation: key.enable_key_rotation === true,
      deletionWindowDays: key.deletion_window_in_days,
      retainedOnDelete: key.lifecycle?.prevent_destroy === true,
      policy: policyGrants(sym(JSON.parse(key.policy))),
    },
    taskRoleGrants: sortedStrings(grants.filter((x) => x.includes('<table:') || x.includes(` on ${keySymbol}`))),
    environment: Object.fromEntries((container.environment ?? [])
      .map((e: Json) => [e.name, sym(e.value)]).filter(([, v]: [string, unknown]) => String(v).includes('<table:'))),
  };
}

describe.each(Object.entries(SCENARIOS))('ManagedTable parity: %s', (_, scenario) => {
  const cfn = normaliseCfn(buildCdk(scenario));
  const tf = normaliseTf(buildTf(scenario));

  test('keys, attributes, billing, capacity, indexes and autoscaling', () => {
    const pick = (n: NormalisedTable) => ({
      keySchema: n.keySchema,
      attributes: n.attributes,
      billingMode: n.billingMode,
      capacity: n.capacity,
      indexes: n.indexes,
      autoScaling: n.autoScaling,
    });
    expect(pick(tf)).toEqual(pick(cfn));
  });

  test('TTL, PITR and its period, encryption and its key, deletion protection, retention, stream', () => {
    const pick = (n: NormalisedTable) => ({
      ttl: n.ttl,
      pointInTimeRecovery: n.pointInTimeRecovery,
      encryption: n.encryption,
      key: n.key,
      deletionProtection: n.deletionProtection,
      retainedOnDelete: n.retainedOnDelete,
      stream: n.stream,
    });
    expect(pick(tf)).toEqual(pick(cfn));
  });

  test('what the granted service\'s task role may do, and the variable it gets the table name in', () => {
    expect({ grants: tf.taskRoleGrants, environment: tf.environment }).toEqual({ grants: cfn.taskRoleGrants, environment: cfn.environment });
  });
});

describe('the normalised form describes the behaviour (guards against both engines being wrong alike)', () => {
  const via = 'if {"StringEquals":{"kms:ViaService":"dynamodb.eu-west-1.amazonaws.com"}}';

  test('DEVELOPMENT: on demand, index, TTL, stream, PITR 35 days, own rotating key, destroyed; read and write granted', () => {
    const n = normaliseCfn(buildCdk(SCENARIOS['DEVELOPMENT on-demand table with a GSI, TTL and a stream']));
    expect(n).toEqual({
      keySchema: ['pk HASH', 'sk RANGE'],
      attributes: ['gsi1pk:S', 'pk:S', 'sk:S'],
      billingMode: 'PAY_PER_REQUEST',
      capacity: undefined,
      indexes: [{ name: 'gsi1', keySchema: ['gsi1pk HASH'], projection: 'ALL', nonKeyAttributes: [], capacity: undefined }],
      autoScaling: [],
      ttl: 'expiresAt',
      pointInTimeRecovery: { enabled: true, recoveryPeriodInDays: 35 },
      encryption: { enabled: true, key: '<key:SessionsKey.arn>' },
      deletionProtection: false,
      retainedOnDelete: false,
      stream: 'NEW_AND_OLD_IMAGES',
      key: {
        rotation: true,
        deletionWindowDays: 7,
        retainedOnDelete: false,
        policy: [
          'Allow kms:* on * to {"AWS":"arn:aws:iam::111122223333:root"}',
          'Deny kms:CreateGrant on * to {"AWS":"*"} if {"BoolIfExists":{"aws:PrincipalIsAWSService":"false","kms:GrantIsForAWSResource":"false"}}',
        ],
      },
      taskRoleGrants: [
        ...['BatchGetItem', 'BatchWriteItem', 'ConditionCheckItem', 'DeleteItem', 'DescribeTable', 'GetItem', 'GetRecords', 'GetShardIterator',
          'PutItem', 'Query', 'Scan', 'UpdateItem'].flatMap((a) => [
          `Allow dynamodb:${a} on <table:SessionsTable.arn>`,
          `Allow dynamodb:${a} on <table:SessionsTable.arn>/index/gsi1`,
        ]),
        ...['Decrypt', 'DescribeKey', 'Encrypt', 'GenerateDataKey*', 'ReEncrypt*'].map((a) => `Allow kms:${a} on <key:SessionsKey.arn> ${via}`),
      ].sort(),
      environment: { SESSIONS_TABLE: '<table:SessionsTable.name>' },
    });
  });

  test('PRODUCTION: provisioned, table and index autoscaled alike, deletion protection, table and key retained', () => {
    const n = normaliseCfn(buildCdk(SCENARIOS['PRODUCTION provisioned table with autoscaling']));
    expect(n).toMatchObject({
      billingMode: 'PROVISIONED',
      capacity: { read: 5, write: 5 },
      indexes: [{ name: 'byCustomer', keySchema: ['customerId HASH', 'createdAt RANGE'], projection: 'INCLUDE', nonKeyAttributes: ['total'], capacity: { read: 5, write: 5 } }],
      autoScaling: [
        'dynamodb:index:ReadCapacityUnits on table/<table:OrdersTable.name>/index/byCustomer: 5-50, DynamoDBReadCapacityUtilization at 70',
        'dynamodb:index:WriteCapacityUnits on table/<table:OrdersTable.name>/index/byCustomer: 5-20, DynamoDBWriteCapacityUtilization at 60',
        'dynamodb:table:ReadCapacityUnits on table/<table:OrdersTable.name>: 5-50, DynamoDBReadCapacityUtilization at 70',
        'dynamodb:table:WriteCapacityUnits on table/<table:OrdersTable.name>: 5-20, DynamoDBWriteCapacityUtilization at 60',
      ],
      ttl: undefined,
      stream: undefined,
      pointInTimeRecovery: { enabled: true, recoveryPeriodInDays: 35 },
      deletionProtection: true,
      retainedOnDelete: true,
      key: { rotation: true, deletionWindowDays: 30, retainedOnDelete: true },
      environment: { ORDER_STORE: '<table:OrdersTable.name>' },
    });
    expect(n.taskRoleGrants).toContain('Allow dynamodb:Query on <table:OrdersTable.arn>/index/byCustomer');
    expect(n.taskRoleGrants).toContain(`Allow kms:GenerateDataKey* on <key:OrdersKey.arn> ${via}`);
  });
});
