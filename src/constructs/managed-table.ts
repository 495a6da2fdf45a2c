import { ENVIRONMENT_PROFILES, EnvironmentProfile, profileDefaults } from './environment-profile';
import { AwsEnvironment, PolicyStatementJson } from './policies';
import { S } from './prop-schema';
import { PropsValidator, ValidationContext } from './validation';

/** The type of a key attribute (DynamoDB's scalar types). */
export enum AttributeType {
  /** A string. */
  STRING = 'S',
  /** A number. */
  NUMBER = 'N',
  /** Binary data. */
  BINARY = 'B',
}

/** How the table's reads and writes are paid for. */
export enum BillingMode {
  /** On demand: per request, no capacity to plan, scales by itself. */
  PAY_PER_REQUEST = 'PAY_PER_REQUEST',
  /** Provisioned read and write capacity units, optionally autoscaled. */
  PROVISIONED = 'PROVISIONED',
}

/** Which attributes a global secondary index carries. */
export enum ProjectionType {
  /** Every attribute of the item. */
  ALL = 'ALL',
  /** The table's and the index's keys only. */
  KEYS_ONLY = 'KEYS_ONLY',
  /** The keys plus the attributes named in `nonKeyAttributes`. */
  INCLUDE = 'INCLUDE',
}

/** What a DynamoDB stream record carries. */
export enum StreamViewType {
  /** The item as it is after the change. */
  NEW_IMAGE = 'NEW_IMAGE',
  /** The item as it was before the change. */
  OLD_IMAGE = 'OLD_IMAGE',
  /** The item before and after the change. */
  NEW_AND_OLD_IMAGES = 'NEW_AND_OLD_IMAGES',
  /** The key attributes of the changed item only. */
  KEYS_ONLY = 'KEYS_ONLY',
}

/** A key attribute: its name and scalar type. */
export interface TableAttribute {
  /** The attribute name, 1 to 255 bytes. */
  readonly name: string;
  /** The attribute type. */
  readonly type: AttributeType;
}

/** A global secondary index: another key to query the table by. */
export interface TableGlobalSecondaryIndex {
  /** The index name: 3 to 255 characters of letters, digits, `_`, `-` and `.`, unique in the table. */
  readonly indexName: string;
  /** The index's partition key. */
  readonly partitionKey: TableAttribute;
  /**
   * The index's sort key.
   * @default - none
   */
  readonly sortKey?: TableAttribute;
  /**
   * Which attributes the index carries.
   * @default ProjectionType.ALL
   */
  readonly projection?: ProjectionType;
  /**
   * The attributes an INCLUDE index carries besides the keys (required with
   * INCLUDE, refused with the other projections).
   * @default - none
   */
  readonly nonKeyAttributes?: string[];
}

/**
 * Target-tracking autoscaling of provisioned read or write capacity. The
 * table's global secondary indexes are scaled with the same settings.
 */
export interface TableCapacityAutoScaling {
  /** Fewest capacity units, 1 or more. */
  readonly minCapacity: number;
  /** Most capacity units, at least minCapacity. */
  readonly maxCapacity: number;
  /**
   * Consumed-to-provisioned capacity to track, 10 to 90 percent.
   * @default 70
   */
  readonly targetUtilizationPercent?: number;
}

/** Engine-neutral options of ManagedTable, shared by the CDK and CDKTF constructs. */
export interface ManagedTableOptions {
  /** The table's partition key. */
  readonly partitionKey: TableAttribute;
  /**
   * The table's sort key.
   * @default - none: items are identified by the partition key alone
   */
  readonly sortKey?: TableAttribute;
  /**
   * On-demand or provisioned capacity.
   * @default BillingMode.PAY_PER_REQUEST
   */
  readonly billingMode?: BillingMode;
  /**
   * Provisioned read capacity units of the table (and of each of its global
   * secondary indexes); required with BillingMode.PROVISIONED, refused without it.
   * @default - none (on demand)
   */
  readonly readCapacity?: number;
  /**
   * Provisioned write capacity units of the table (and of each of its global
   * secondary indexes); required with BillingMode.PROVISIONED, refused without it.
   * @default - none (on demand)
   */
  readonly writeCapacity?: number;
  /**
   * Target-tracking autoscaling of the read capacity (table and indexes);
   * BillingMode.PROVISIONED only.
   * @default - the read capacity stays at readCapacity
   */
  readonly readAutoScaling?: TableCapacityAutoScaling;
  /**
   * Target-tracking autoscaling of the write capacity (table and indexes);
   * BillingMode.PROVISIONED only.
   * @default - the write capacity stays at writeCapacity
   */
  readonly writeAutoScaling?: TableCapacityAutoScaling;
  /**
   * Global secondary indexes, up to 20.
   * @default - none
   */
  readonly globalSecondaryIndexes?: TableGlobalSecondaryIndex[];
  /**
   * The attribute holding each item's expiry time (epoch seconds); DynamoDB
   * deletes expired items. Must not be a key attribute.
   * @default - items never expire
   */
  readonly timeToLiveAttribute?: string;
  /**
   * A DynamoDB stream of item changes, with what each record carries.
   * @default - no stream
   */
  readonly stream?: StreamViewType;
  /**
   * Cost-versus-resilience defaults: PRODUCTION turns deletion protection on
   * and retains the table (and a key it creates) when the stack is deleted.
   * @default EnvironmentProfile.DEVELOPMENT
   */
  readonly profile?: EnvironmentProfile;
  /**
   * ARN of an existing customer-managed KMS key (`arn:<partition>:kms:<region>:<account>:key/<id>`,
   * in the table's region) to encrypt the table with.
   * @default - a customer-managed key with rotation is created for the table
   */
  readonly kmsKeyArn?: string;
  /**
   * Refuse DeleteTable while on.
   * @default - true in PRODUCTION, false in DEVELOPMENT
   */
  readonly deletionProtection?: boolean;
  /**
   * The environment variable a granted service's container receives the table name in.
   * @default - the construct ID in upper snake case plus `_TABLE` ('Sessions' -> 'SESSIONS_TABLE')
   */
  readonly environmentVariable?: string;
}

const ATTRIBUTE_SCHEMA = S.struct<TableAttribute>({
  name: S.string,
  // A string here, judged in the plan: the enum's members are named STRING, NUMBER, BINARY, its values S, N, B.
  type: S.string,
}, ['name', 'type']);

const AUTOSCALING_SCHEMA = S.struct<TableCapacityAutoScaling>({
  minCapacity: S.integer,
  maxCapacity: S.integer,
  targetUtilizationPercent: S.integer,
}, ['minCapacity', 'maxCapacity']);

/** @internal the run-time shape of ManagedTableOptions. */
export const MANAGED_TABLE_OPTIONS_SCHEMA = S.struct<ManagedTableOptions>({
  partitionKey: ATTRIBUTE_SCHEMA,
  sortKey: ATTRIBUTE_SCHEMA,
  billingMode: S.enumOf('BillingMode', BillingMode),
  readCapacity: S.integer,
  writeCapacity: S.integer,
  readAutoScaling: AUTOSCALING_SCHEMA,
  writeAutoScaling: AUTOSCALING_SCHEMA,
  globalSecondaryIndexes: S.arrayOf(S.struct<TableGlobalSecondaryIndex>({
    indexName: S.string,
    partitionKey: ATTRIBUTE_SCHEMA,
    sortKey: ATTRIBUTE_SCHEMA,
    projection: S.enumOf('ProjectionType', ProjectionType),
    nonKeyAttributes: S.strings,
  }, ['indexName', 'partitionKey'])),
  timeToLiveAttribute: S.string,
  stream: S.enumOf('StreamViewType', StreamViewType),
  profile: S.enumOf('EnvironmentProfile', EnvironmentProfile),
  kmsKeyArn: S.string,
  deletionProtection: S.boolean,
  environmentVariable: S.string,
}, ['partitionKey']);

/** @internal the defaults and limits of ManagedTable, in one place. */
export const TABLE_DEFAULTS = {
  billingMode: BillingMode.PAY_PER_REQUEST,
  projection: ProjectionType.ALL,
  profile: EnvironmentProfile.DEVELOPMENT,
  targetUtilizationPercent: 70,
  /** Continuous backups kept for the longest period DynamoDB offers (1 to 35 days; PITR is billed by table size, not period). */
  pointInTimeRecoveryPeriodDays: 35,
  /** DynamoDB's (default) quota of global secondary indexes per table. */
  maxGlobalSecondaryIndexes: 20,
  /** DynamoDB's limit on nonKeyAttributes summed over all of a table's secondary indexes. */
  maxNonKeyAttributes: 100,
  /** The range aws-cdk-lib's DynamoDB target tracking accepts. */
  targetUtilizationRange: [10, 90] as const,
} as const;

/** @internal what both engines build for one key attribute. */
export interface TableKeyPlan {
  readonly name: string;
  readonly type: AttributeType;
}

/** @internal one global secondary index, with the table's provisioned capacity when provisioned. */
export interface TableIndexPlan {
  readonly indexName: string;
  readonly partitionKey: TableKeyPlan;
  readonly sortKey?: TableKeyPlan;
  readonly projection: ProjectionType;
  readonly nonKeyAttributes: string[];
  readonly readCapacity?: number;
  readonly writeCapacity?: number;
}

/** @internal one Application Auto Scaling target with its target-tracking policy. */
export interface TableScalingPlan {
  /** The index scaled; undefined for the table itself. */
  readonly indexName?: string;
  readonly dimension: 'read' | 'write';
  /** e.g. `dynamodb:table:ReadCapacityUnits`, `dynamodb:index:WriteCapacityUnits`. */
  readonly scalableDimension: string;
  /** `DynamoDBReadCapacityUtilization` or `DynamoDBWriteCapacityUtilization`. */
  readonly predefinedMetric: string;
  readonly minCapacity: number;
  readonly maxCapacity: number;
  readonly targetUtilizationPercent: number;
}

/** @internal what both engines build for a ManagedTable. */
export interface TablePlan {
  readonly profile: EnvironmentProfile;
  readonly partitionKey: TableKeyPlan;
  readonly sortKey?: TableKeyPlan;
  /** Every key attribute of the table and its indexes, once, in the order first used. */
  readonly attributeDefinitions: TableKeyPlan[];
  readonly billingMode: BillingMode;
  /** Provisioned capacity of the table (PROVISIONED only). */
  readonly readCapacity?: number;
  readonly writeCapacity?: number;
  readonly globalSecondaryIndexes: TableIndexPlan[];
  /** Autoscaling of the table and each index, read and write (PROVISIONED with autoscaling only). */
  readonly autoScaling: TableScalingPlan[];
  readonly timeToLiveAttribute?: string;
  readonly stream?: StreamViewType;
  readonly pointInTimeRecovery: { readonly enabled: boolean; readonly recoveryPeriodInDays: number };
  /** A key to create (with rotation), or the ARN of the one given. */
  readonly encryption: { readonly createKey: true } | { readonly createKey: false; readonly kmsKeyArn: string };
  readonly keyDeletionWindowDays: number;
  readonly deletionProtection: boolean;
  /** Keep the table (and a key it created) when the stack is deleted. */
  readonly retainOnDelete: boolean;
  /** The variable a granted service receives the table name in. */
  readonly environmentVariable: string;
}

const ATTRIBUTE_TYPES: readonly string[] = Object.values(AttributeType);
const ATTRIBUTE_TYPES_ALLOWED = 'expected AttributeType.STRING ("S"), AttributeType.NUMBER ("N") or AttributeType.BINARY ("B")';
const INDEX_NAME = /^[A-Za-z0-9_.-]{3,255}$/;
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;
const MAX_NAME_BYTES = 255;

/**
 * @internal
 * The default environment variable for a table with construct ID `id`: upper
 * snake case plus `_TABLE` ('Sessions' -> 'SESSIONS_TABLE', 'UserSessions' ->
 * 'USER_SESSIONS_TABLE', 'OrdersTable' -> 'ORDERS_TABLE').
 */
export function defaultTableEnvironmentVariable(id: string): string {
  const snake = id
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toUpperCase();
  const name = snake === '' || snake === 'TABLE' || snake.endsWith('_TABLE') ? (snake || 'TABLE') : `${snake}_TABLE`;
  return /^[0-9]/.test(name) ? `_${name}` : name;
}

/** @internal what only the binding knows: where the table deploys, when literal. */
export interface TableEngineFacts {
  /** The stack's region, when it is a literal. */
  readonly region?: string;
}

/** @internal validate ManagedTable options (all problems in one error) and compute the plan. */
export function planTable(
  options: ManagedTableOptions,
  validation: PropsValidator | ValidationContext,
  constructId: string,
  facts: TableEngineFacts = {},
): TablePlan {
  const { v, o } = PropsValidator.begin(validation, MANAGED_TABLE_OPTIONS_SCHEMA, options);
  const profile = v.oneOf('profile', o.profile, ENVIRONMENT_PROFILES) ? o.profile! : TABLE_DEFAULTS.profile;
  const defaults = profileDefaults(profile);

  // --- Keys, and one type per attribute name across the table and its indexes.
  const attributes = new Map<string, { type: AttributeType; where: string }>();
  const key = (prop: string, attribute: TableAttribute | undefined): TableKeyPlan | undefined => {
    if (attribute === undefined || v.hasProblemAt(prop)) return undefined;
    const nameOk = attributeName(v, `${prop}.name`, attribute.name);
    const typeOk = v.isUnresolved(attribute.type)
      || v.require(ATTRIBUTE_TYPES.includes(attribute.type), `${prop}.type`, attribute.type, ATTRIBUTE_TYPES_ALLOWED);
    if (nameOk && typeOk && !v.isUnresolved(attribute.name) && !v.isUnresolved(attribute.type)) {
      const seen = attributes.get(attribute.name);
      if (seen === undefined) {attributes.set(attribute.name, { type: attribute.type, where: prop });} else {
        v.require(seen.type === attribute.type, `${prop}.type`, attribute.type,
          `expected ${typeName(seen.type)}, the type ${JSON.stringify(attribute.name)} has as ${seen.where} (DynamoDB defines each attribute with one type)`);
      }
    }
    return { name: attribute.name, type: attribute.type };
  };
  const partitionKey = key('partitionKey', o.partitionKey);
  const sortKey = key('sortKey', o.sortKey);
  if (partitionKey && sortKey && !v.isUnresolved(sortKey.name)) {
    v.require(partitionKey.name !== sortKey.name, 'sortKey.name', sortKey.name, 'expected a name other than the partition key\'s');
  }

  // --- Capacity: provisioned only, and then required.
  const billingMode = o.billingMode ?? TABLE_DEFAULTS.billingMode;
  const provisioned = billingMode === BillingMode.PROVISIONED;
  // A billingMode of the wrong type was reported (and left out): its capacities are not judged against the default.
  const billingKnown = !v.hasProblemAt('billingMode');
  const readCapacity = capacity(v, 'readCapacity', o.readCapacity, provisioned, billingKnown);
  const writeCapacity = capacity(v, 'writeCapacity', o.writeCapacity, provisioned, billingKnown);
  const readScaling = scaling(v, 'readAutoScaling', o.readAutoScaling, provisioned, 'readCapacity', readCapacity);
  const writeScaling = scaling(v, 'writeAutoScaling', o.writeAutoScaling, provisioned, 'writeCapacity', writeCapacity);

  // --- Global secondary indexes.
  const indexes: TableIndexPlan[] = [];
  const given = o.globalSecondaryIndexes ?? [];
  v.require(given.length <= TABLE_DEFAULTS.maxGlobalSecondaryIndexes, 'globalSecondaryIndexes', `${given.length} indexes`,
    `expected at most ${TABLE_DEFAULTS.maxGlobalSecondaryIndexes} global secondary indexes (DynamoDB's quota per table)`);
  const indexNames = new Set<string>();
  let nonKeyAttributeCount = 0;
  given.forEach((index, i) => {
    const at = `globalSecondaryIndexes[${i}]`;
    if (!v.isUnresolved(index.indexName)) {
      if (v.require(INDEX_NAME.test(index.indexName), `${at}.indexName`, index.indexName,
        'expected 3 to 255 characters of letters, digits, _, - and . (DynamoDB index names)')) {
        v.require(!indexNames.has(index.indexName), `${at}.indexName`, index.indexName, 'expected a name no other index of the table has');
      }
      indexNames.add(index.indexName);
    }
    const indexPartitionKey = key(`${at}.partitionKey`, index.partitionKey);
    const indexSortKey = key(`${at}.sortKey`, index.sortKey);
    if (indexPartitionKey && indexSortKey && !v.isUnresolved(indexSortKey.name)) {
      v.require(indexPartitionKey.name !== indexSortKey.name, `${at}.sortKey.name`, indexSortKey.name, 'expected a name other than the index\'s partition key\'s');
    }
    const projection = index.projection ?? TABLE_DEFAULTS.projection;
    const nonKeyAttributes = index.nonKeyAttributes ?? [];
    if (projection === ProjectionType.INCLUDE) {
      v.require(nonKeyAttributes.length > 0, `${at}.nonKeyAttributes`, index.nonKeyAttributes,
        'expected at least one attribute name with ProjectionType.INCLUDE (or use ProjectionType.KEYS_ONLY)');
      nonKeyAttributes.forEach((name, j) => attributeName(v, `${at}.nonKeyAttributes[${j}]`, name));
      const duplicate = nonKeyAttributes.find((name, j) => nonKeyAttributes.indexOf(name) !== j);
      v.require(duplicate === undefined, `${at}.nonKeyAttributes`, index.nonKeyAttributes, `expected each attribute once; ${JSON.stringify(duplicate)} is repeated`);
      nonKeyAttributeCount += nonKeyAttributes.length;
    } else if (index.nonKeyAttributes !== undefined && !v.hasProblemAt(`${at}.projection`)) {
      v.report(`${at}.nonKeyAttributes`, index.nonKeyAttributes,
        `expected no nonKeyAttributes with ProjectionType.${projection} (they go with ProjectionType.INCLUDE)`);
    }
    indexes.push({
      indexName: index.indexName,
      partitionKey: indexPartitionKey ?? { name: '', type: AttributeType.STRING },
      sortKey: indexSortKey,
      projection,
      nonKeyAttributes: projection === ProjectionType.INCLUDE ? [...nonKeyAttributes] : [],
      // An index of a provisioned table takes the table's capacity (and its autoscaling).
      readCapacity: provisioned ? readCapacity : undefined,
      writeCapacity: provisioned ? writeCapacity : undefined,
    });
  });
  v.require(nonKeyAttributeCount <= TABLE_DEFAULTS.maxNonKeyAttributes, 'globalSecondaryIndexes', `${nonKeyAttributeCount} nonKeyAttributes`,
    `expected at most ${TABLE_DEFAULTS.maxNonKeyAttributes} nonKeyAttributes summed over all indexes (DynamoDB's limit)`);

  // --- Time to live: any attribute but a key.
  const ttl = o.timeToLiveAttribute;
  if (ttl !== undefined && !v.isUnresolved(ttl) && attributeName(v, 'timeToLiveAttribute', ttl)) {
    const keyOf = attributes.get(ttl);
    v.require(keyOf === undefined, 'timeToLiveAttribute', ttl,
      `expected an attribute that is not a key; ${JSON.stringify(ttl)} is the ${keyOf?.where} (TTL reads a Number attribute holding epoch seconds)`);
  }

  // --- Encryption key, deletion protection, the variable granted services receive.
  if (o.kmsKeyArn !== undefined && !v.isUnresolved(o.kmsKeyArn)) {
    if (v.require(KMS_KEY_ARN.test(o.kmsKeyArn), 'kmsKeyArn', o.kmsKeyArn,
      'expected a KMS key ARN such as "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab" (a key, not an alias: the grants name the key)')
      && facts.region !== undefined) {
      const keyRegion = o.kmsKeyArn.split(':')[3];
      v.require(keyRegion === facts.region, 'kmsKeyArn', o.kmsKeyArn,
        `expected a key in the table's region ${facts.region} (DynamoDB encrypts a table only with a key of its own region); it is in ${keyRegion}`);
    }
  }
  const environmentVariable = o.environmentVariable ?? defaultTableEnvironmentVariable(constructId);
  if (!v.isUnresolved(environmentVariable)) {
    v.require(VARIABLE_NAME.test(environmentVariable), 'environmentVariable', environmentVariable,
      'expected a variable name of letters, digits and _ (not starting with a digit)');
  }

  v.throwIfInvalid();
  const autoScaling: TableScalingPlan[] = [];
  for (const [dimension, s] of [['read', readScaling], ['write', writeScaling]] as const) {
    if (!s) continue;
    const units = dimension === 'read' ? 'ReadCapacityUnits' : 'WriteCapacityUnits';
    const metric = dimension === 'read' ? 'DynamoDBReadCapacityUtilization' : 'DynamoDBWriteCapacityUtilization';
    autoScaling.push({ dimension, scalableDimension: `dynamodb:table:${units}`, predefinedMetric: metric, ...s });
    for (const index of indexes) {
      autoScaling.push({ indexName: index.indexName, dimension, scalableDimension: `dynamodb:index:${units}`, predefinedMetric: metric, ...s });
    }
  }
  return {
    profile,
    partitionKey: partitionKey!,
    sortKey,
    attributeDefinitions: [...attributes].map(([name, a]) => ({ name, type: a.type })),
    billingMode,
    readCapacity: provisioned ? readCapacity : undefined,
    writeCapacity: provisioned ? writeCapacity : undefined,
    globalSecondaryIndexes: indexes,
    autoScaling,
    timeToLiveAttribute: ttl,
    stream: o.stream,
    pointInTimeRecovery: { enabled: true, recoveryPeriodInDays: TABLE_DEFAULTS.pointInTimeRecoveryPeriodDays },
    encryption: o.kmsKeyArn === undefined ? { createKey: true } : { createKey: false, kmsKeyArn: o.kmsKeyArn },
    keyDeletionWindowDays: defaults.keyDeletionWindowDays,
    deletionProtection: o.deletionProtection ?? profile === EnvironmentProfile.PRODUCTION,
    retainOnDelete: defaults.retainOnDelete,
    environmentVariable,
  };
}

function typeName(type: AttributeType): string {
  const member = Object.entries(AttributeType).find(([, value]) => value === type)?.[0];
  return member ? `AttributeType.${member} ("${type}")` : JSON.stringify(type);
}

/** An attribute name of 1 to 255 UTF-8 bytes (DynamoDB's limit for key and projected attribute names). */
function attributeName(v: PropsValidator, prop: string, name: string): boolean {
  if (v.isUnresolved(name)) return true;
  const bytes = Buffer.byteLength(name, 'utf8');
  return v.require(bytes >= 1 && bytes <= MAX_NAME_BYTES, prop, name, `expected a name of 1 to ${MAX_NAME_BYTES} bytes (UTF-8)${bytes > 0 ? `; it has ${bytes}` : ''}`);
}

/** A capacity: 1 or more with PROVISIONED (required), none on demand. Returns the literal, if usable. */
function capacity(v: PropsValidator, prop: string, value: number | undefined, provisioned: boolean, billingKnown: boolean): number | undefined {
  if (!provisioned) {
    if (value !== undefined && billingKnown) {
      v.report(prop, value, `expected no ${prop} with BillingMode.PAY_PER_REQUEST (on demand); set billingMode: BillingMode.PROVISIONED to provision capacity`);
    }
    return undefined;
  }
  if (value === undefined) {
    if (!v.hasProblemAt(prop)) v.report(prop, undefined, 'expected an integer of 1 or more (required with BillingMode.PROVISIONED)');
    return undefined;
  }
  if (v.isUnresolved(value)) return value;
  return v.require(value >= 1, prop, value, 'expected an integer of 1 or more') ? value : undefined;
}

/** Autoscaling of one capacity: PROVISIONED only, 1 <= min <= max, target 10 to 90, the initial capacity within min..max. */
function scaling(v: PropsValidator, prop: string, given: TableCapacityAutoScaling | undefined, provisioned: boolean,
  capacityProp: string, initial: number | undefined): Required<TableCapacityAutoScaling> | undefined {
  if (given === undefined || v.hasProblemAt(prop)) return undefined;
  if (!provisioned) {
    if (!v.hasProblemAt('billingMode')) {
      v.report(prop, given, 'expected no autoscaling with BillingMode.PAY_PER_REQUEST (on demand scales by itself); set billingMode: BillingMode.PROVISIONED');
    }
    return undefined;
  }
  const { minCapacity: min, maxCapacity: max } = given;
  const [low, high] = TABLE_DEFAULTS.targetUtilizationRange;
  const target = given.targetUtilizationPercent ?? TABLE_DEFAULTS.targetUtilizationPercent;
  const minOk = v.isUnresolved(min) || v.require(min >= 1, `${prop}.minCapacity`, min, 'expected an integer of 1 or more');
  const maxOk = v.isUnresolved(max) || v.require(max >= 1, `${prop}.maxCapacity`, max, 'expected an integer of 1 or more');
  if (minOk && maxOk && !v.isUnresolved(min) && !v.isUnresolved(max)) {
    v.require(max >= min, `${prop}.maxCapacity`, max, `expected at least minCapacity (${min})`);
    if (initial !== undefined && !v.isUnresolved(initial) && max >= min) {
      v.require(initial >= min && initial <= max, capacityProp, initial,
        `expected a capacity from ${prop}.minCapacity to maxCapacity (${min} to ${max}): autoscaling starts from it`);
    }
  }
  if (!v.isUnresolved(target)) v.integerInRange(`${prop}.targetUtilizationPercent`, target, low, high);
  return { minCapacity: min, maxCapacity: max, targetUtilizationPercent: target };
}

// ---------------------------------------------------------------------------
// Grants: aws-cdk-lib's DynamoDB action sets (aws-dynamodb/lib/perms.js), so a
// grant reads and writes exactly as `table.grantReadData(...)` would.
// ---------------------------------------------------------------------------

/** @internal reads a resource policy could also allow. */
export const DYNAMODB_RESOURCE_READ_DATA_ACTIONS: readonly string[] = [
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:GetItem',
  'dynamodb:Scan',
  'dynamodb:ConditionCheckItem',
];
/** @internal stream reads aws-cdk-lib grants with the data reads (principal policies only). */
export const DYNAMODB_PRINCIPAL_ONLY_READ_DATA_ACTIONS: readonly string[] = ['dynamodb:GetRecords', 'dynamodb:GetShardIterator'];
/** @internal item writes. */
export const DYNAMODB_WRITE_DATA_ACTIONS: readonly string[] = [
  'dynamodb:BatchWriteItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
];
/** @internal what aws-cdk-lib adds to every data grant (SDKs and ORMs describe the table). */
export const DYNAMODB_DESCRIBE_TABLE = 'dynamodb:DescribeTable';
/** @internal what reading an item encrypted under a customer-managed key takes. */
export const TABLE_KEY_READ_ACTIONS: readonly string[] = ['kms:Decrypt', 'kms:DescribeKey'];
/** @internal what writing one takes, besides the reads. */
export const TABLE_KEY_WRITE_ACTIONS: readonly string[] = ['kms:Encrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'];

/** @internal the three grants a ManagedTable offers. */
export type TableAccess = 'read' | 'write' | 'readWrite';

/** @internal each grant's table actions and key actions (aws-cdk-lib's readData, writeData, readWriteData). */
export const TABLE_GRANTS: Readonly<Record<TableAccess, { readonly tableActions: readonly string[]; readonly keyActions: readonly string[] }>> = {
  read: {
    tableActions: [...DYNAMODB_RESOURCE_READ_DATA_ACTIONS, DYNAMODB_DESCRIBE_TABLE, ...DYNAMODB_PRINCIPAL_ONLY_READ_DATA_ACTIONS],
    keyActions: [...TABLE_KEY_READ_ACTIONS],
  },
  write: {
    tableActions: [...DYNAMODB_WRITE_DATA_ACTIONS, DYNAMODB_DESCRIBE_TABLE],
    keyActions: [...TABLE_KEY_READ_ACTIONS, ...TABLE_KEY_WRITE_ACTIONS],
  },
  readWrite: {
    tableActions: [
      ...DYNAMODB_RESOURCE_READ_DATA_ACTIONS,
      ...DYNAMODB_WRITE_DATA_ACTIONS,
      DYNAMODB_DESCRIBE_TABLE,
      ...DYNAMODB_PRINCIPAL_ONLY_READ_DATA_ACTIONS,
    ],
    keyActions: [...TABLE_KEY_READ_ACTIONS, ...TABLE_KEY_WRITE_ACTIONS],
  },
};

/**
 * @internal
 * The statements a service's task role gets for `accesses` (one or more
 * grants, merged): the table's actions on the table and on each of its global
 * secondary indexes by name (`<table ARN>/index/<name>`), and the key's
 * actions on the key, only as DynamoDB uses it for the role (kms:ViaService).
 *
 * aws-cdk-lib grants `<table ARN>/index/*`; the indexes here are exactly the
 * planned ones, so naming them grants the same access without a wildcard
 * (cdk-nag's IAM5 finding on the wildcard names the table's export when the
 * service is in another stack, so it could not be acknowledged reliably).
 */
export function tableGrantStatements(accesses: readonly TableAccess[], tableArn: string, keyArn: string, indexNames: readonly string[],
  env: AwsEnvironment): PolicyStatementJson[] {
  const union = (pick: (g: typeof TABLE_GRANTS[TableAccess]) => readonly string[]) =>
    [...new Set(accesses.flatMap((a) => [...pick(TABLE_GRANTS[a])]))];
  return [
    {
      Effect: 'Allow',
      Action: union((g) => g.tableActions),
      Resource: indexNames.length > 0 ? [tableArn, ...indexNames.map((name) => tableIndexArn(tableArn, name))] : tableArn,
    },
    {
      Effect: 'Allow',
      Action: union((g) => g.keyActions),
      Resource: keyArn,
      Condition: { StringEquals: { 'kms:ViaService': `dynamodb.${env.region}.${env.urlSuffix}` } },
    },
  ];
}

/** @internal the ARN of a table's index (what IAM names an index by). */
export function tableIndexArn(tableArn: string, indexName: string): string {
  return `${tableArn}/index/${indexName}`;
}
