import { EnvironmentProfile } from '../../src/constructs/environment-profile';
import {
  AttributeType,
  BillingMode,
  defaultTableEnvironmentVariable,
  ManagedTableOptions,
  planTable,
  ProjectionType,
  StreamViewType,
  TABLE_GRANTS,
  tableGrantStatements,
  TableGlobalSecondaryIndex,
} from '../../src/constructs/managed-table';
import { AwsEnvironment } from '../../src/constructs/policies';
import { PropsValidationError, ValidationContext } from '../../src/constructs/validation';

const context: ValidationContext = { construct: 'ManagedTable', path: 'Stack/Sessions', isUnresolved: (x) => typeof x === 'string' && x.includes('${Token[') };
const PK = { name: 'pk', type: AttributeType.STRING };
const SK = { name: 'sk', type: AttributeType.STRING };
const KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

const plan = (options: Partial<ManagedTableOptions>, id = 'Sessions') => planTable({ partitionKey: PK, ...options } as ManagedTableOptions, context, id);
const gsi = (indexName: string, extra: Partial<TableGlobalSecondaryIndex> = {}): TableGlobalSecondaryIndex =>
  ({ indexName, partitionKey: { name: `${indexName}pk`, type: AttributeType.STRING }, ...extra });

/** The problems of an invalid options object, as `prop: allowed` lines. */
function problems(options: unknown, id = 'Sessions'): string[] {
  try {
    planTable(options as ManagedTableOptions, context, id);
  } catch (e) {
    if (e instanceof PropsValidationError) return e.problems.map((p) => `${p.prop}: ${p.allowed}`);
    throw e;
  }
  throw new Error('expected a PropsValidationError');
}

describe('table plan', () => {
  test('GIVEN only a partition key THEN on demand, PITR 35 days, a created key, DEVELOPMENT: no deletion protection, destroyed', () => {
    expect(plan({})).toEqual({
      profile: EnvironmentProfile.DEVELOPMENT,
      partitionKey: PK,
      sortKey: undefined,
      attributeDefinitions: [PK],
      billingMode: BillingMode.PAY_PER_REQUEST,
      readCapacity: undefined,
      writeCapacity: undefined,
      globalSecondaryIndexes: [],
      autoScaling: [],
      timeToLiveAttribute: undefined,
      stream: undefined,
      pointInTimeRecovery: { enabled: true, recoveryPeriodInDays: 35 },
      encryption: { createKey: true },
      keyDeletionWindowDays: 7,
      deletionProtection: false,
      retainOnDelete: false,
      environmentVariable: 'SESSIONS_TABLE',
    });
  });

  test('GIVEN PRODUCTION THEN deletion protection on, table and key retained, a 30-day key deletion window', () => {
    expect(plan({ profile: EnvironmentProfile.PRODUCTION })).toMatchObject({
      deletionProtection: true, retainOnDelete: true, keyDeletionWindowDays: 30,
    });
    // Every default can be overridden prop by prop.
    expect(plan({ profile: EnvironmentProfile.PRODUCTION, deletionProtection: false }).deletionProtection).toBe(false);
    expect(plan({ deletionProtection: true }).deletionProtection).toBe(true);
  });

  test('GIVEN keys, indexes, TTL, a stream and a key THEN each key attribute is defined once, in first-use order', () => {
    const p = plan({
      sortKey: SK,
      globalSecondaryIndexes: [
        { indexName: 'bySk', partitionKey: SK, sortKey: { name: 'createdAt', type: AttributeType.NUMBER }, projection: ProjectionType.KEYS_ONLY },
        { indexName: 'byEmail', partitionKey: { name: 'email', type: AttributeType.STRING }, projection: ProjectionType.INCLUDE, nonKeyAttributes: ['name', 'plan'] },
      ],
      timeToLiveAttribute: 'expiresAt',
      stream: StreamViewType.NEW_AND_OLD_IMAGES,
      kmsKeyArn: KEY_ARN,
      environmentVariable: 'SESSION_STORE',
    });
    expect(p.attributeDefinitions).toEqual([PK, SK, { name: 'createdAt', type: 'N' }, { name: 'email', type: 'S' }]);
    expect(p.globalSecondaryIndexes).toEqual([
      { indexName: 'bySk', partitionKey: SK, sortKey: { name: 'createdAt', type: 'N' }, projection: 'KEYS_ONLY', nonKeyAttributes: [], readCapacity: undefined, writeCapacity: undefined },
      { indexName: 'byEmail', partitionKey: { name: 'email', type: 'S' }, sortKey: undefined, projection: 'INCLUDE', nonKeyAttributes: ['name', 'plan'], readCapacity: undefined, writeCapacity: undefined },
    ]);
    expect(p).toMatchObject({
      timeToLiveAttribute: 'expiresAt',
      stream: 'NEW_AND_OLD_IMAGES',
      encryption: { createKey: false, kmsKeyArn: KEY_ARN },
      environmentVariable: 'SESSION_STORE',
    });
  });

  test('GIVEN PROVISIONED with autoscaling THEN the indexes take the table\'s capacity and scaling (target 70 by default)', () => {
    const p = plan({
      billingMode: BillingMode.PROVISIONED,
      readCapacity: 5,
      writeCapacity: 2,
      readAutoScaling: { minCapacity: 5, maxCapacity: 100 },
      writeAutoScaling: { minCapacity: 2, maxCapacity: 20, targetUtilizationPercent: 50 },
      globalSecondaryIndexes: [gsi('gsi1')],
    });
    expect(p).toMatchObject({ billingMode: 'PROVISIONED', readCapacity: 5, writeCapacity: 2 });
    expect(p.globalSecondaryIndexes[0]).toMatchObject({ readCapacity: 5, writeCapacity: 2 });
    expect(p.autoScaling).toEqual([
      { dimension: 'read', scalableDimension: 'dynamodb:table:ReadCapacityUnits', predefinedMetric: 'DynamoDBReadCapacityUtilization', minCapacity: 5, maxCapacity: 100, targetUtilizationPercent: 70 },
      { indexName: 'gsi1', dimension: 'read', scalableDimension: 'dynamodb:index:ReadCapacityUnits', predefinedMetric: 'DynamoDBReadCapacityUtilization', minCapacity: 5, maxCapacity: 100, targetUtilizationPercent: 70 },
      { dimension: 'write', scalableDimension: 'dynamodb:table:WriteCapacityUnits', predefinedMetric: 'DynamoDBWriteCapacityUtilization', minCapacity: 2, maxCapacity: 20, targetUtilizationPercent: 50 },
      { indexName: 'gsi1', dimension: 'write', scalableDimension: 'dynamodb:index:WriteCapacityUnits', predefinedMetric: 'DynamoDBWriteCapacityUtilization', minCapacity: 2, maxCapacity: 20, targetUtilizationPercent: 50 },
    ]);
    // Fixed provisioned capacity: no autoscaling.
    expect(plan({ billingMode: BillingMode.PROVISIONED, readCapacity: 1, writeCapacity: 1 }).autoScaling).toEqual([]);
  });

  test.each([
    ['Sessions', 'SESSIONS_TABLE'],
    ['UserSessions', 'USER_SESSIONS_TABLE'],
    ['APIKeys', 'API_KEYS_TABLE'],
    ['orders-v2', 'ORDERS_V2_TABLE'],
    ['OrdersTable', 'ORDERS_TABLE'],
    ['Table', 'TABLE'],
    ['2fa codes', '_2FA_CODES_TABLE'],
  ])('the default variable of construct ID %s is %s', (id, variable) => {
    expect(defaultTableEnvironmentVariable(id)).toBe(variable);
    expect(plan({}, id).environmentVariable).toBe(variable);
  });

  test('deploy-time tokens are not judged', () => {
    const token = '${Token[TOKEN.1]}';
    expect(() => plan({ kmsKeyArn: token, timeToLiveAttribute: token, environmentVariable: token })).not.toThrow();
  });
});

describe('table validation: every problem in one error, naming the prop', () => {
  test('no partition key, and no props at all', () => {
    expect(problems({})).toEqual([expect.stringMatching(/^partitionKey: expected an object with props name, type \(required\)/)]);
    expect(problems(undefined)).toEqual([expect.stringMatching(/^partitionKey: .*\(required\)/)]);
    expect(() => planTable({} as ManagedTableOptions, context, 'Sessions'))
      .toThrow(/Invalid props for ManagedTable at 'Stack\/Sessions' \(1 problem\):\n {2}- partitionKey: got undefined/);
  });

  test('key types other than S, N, B, named by the enum members', () => {
    expect(problems({ partitionKey: { name: 'pk', type: 'STRING' }, sortKey: { name: 'sk', type: 'BOOL' } })).toEqual([
      'partitionKey.type: expected AttributeType.STRING ("S"), AttributeType.NUMBER ("N") or AttributeType.BINARY ("B")',
      'sortKey.type: expected AttributeType.STRING ("S"), AttributeType.NUMBER ("N") or AttributeType.BINARY ("B")',
    ]);
    expect(problems({ partitionKey: { name: 'pk', type: 3 } })).toEqual(['partitionKey.type: expected a string']);
  });

  test('attribute names empty or over 255 bytes, and a sort key equal to the partition key', () => {
    expect(problems({ partitionKey: { name: '', type: 'S' }, sortKey: { name: 'x'.repeat(256), type: 'S' } })).toEqual([
      'partitionKey.name: expected a name of 1 to 255 bytes (UTF-8)',
      'sortKey.name: expected a name of 1 to 255 bytes (UTF-8); it has 256',
    ]);
    // Bytes, not characters: 128 two-byte characters are 256 bytes.
    expect(problems({ partitionKey: { name: 'é'.repeat(128), type: 'S' } })).toEqual(['partitionKey.name: expected a name of 1 to 255 bytes (UTF-8); it has 256']);
    expect(problems({ partitionKey: PK, sortKey: PK })).toEqual(['sortKey.name: expected a name other than the partition key\'s']);
  });

  test('more than 20 indexes, duplicate and invalid index names', () => {
    const many = Array.from({ length: 21 }, (_, i) => gsi(`gsi${i}`));
    expect(problems({ partitionKey: PK, globalSecondaryIndexes: many }))
      .toEqual(['globalSecondaryIndexes: expected at most 20 global secondary indexes (DynamoDB\'s quota per table)']);
    expect(problems({ partitionKey: PK, globalSecondaryIndexes: [gsi('byEmail'), gsi('byEmail'), gsi('ab'), gsi('by email'), { indexName: 'x'.repeat(256), partitionKey: PK }] })).toEqual([
      'globalSecondaryIndexes[1].indexName: expected a name no other index of the table has',
      'globalSecondaryIndexes[2].indexName: expected 3 to 255 characters of letters, digits, _, - and . (DynamoDB index names)',
      'globalSecondaryIndexes[3].indexName: expected 3 to 255 characters of letters, digits, _, - and . (DynamoDB index names)',
      'globalSecondaryIndexes[4].indexName: expected 3 to 255 characters of letters, digits, _, - and . (DynamoDB index names)',
    ]);
    expect(problems({ partitionKey: PK, globalSecondaryIndexes: [{ indexName: 'gsi1' }] }))
      .toEqual([expect.stringMatching(/^globalSecondaryIndexes\[0\]\.partitionKey: .*\(required\)$/)]);
  });

  test('INCLUDE without nonKeyAttributes, nonKeyAttributes with another projection, more than 100 in all', () => {
    expect(problems({
      partitionKey: PK,
      globalSecondaryIndexes: [
        gsi('gsi1', { projection: ProjectionType.INCLUDE }),
        gsi('gsi2', { projection: ProjectionType.INCLUDE, nonKeyAttributes: [] }),
        gsi('gsi3', { nonKeyAttributes: ['a'] }),
        gsi('gsi4', { projection: ProjectionType.KEYS_ONLY, nonKeyAttributes: ['a'] }),
        gsi('gsi5', { projection: ProjectionType.INCLUDE, nonKeyAttributes: ['a', 'a'] }),
      ],
    })).toEqual([
      'globalSecondaryIndexes[0].nonKeyAttributes: expected at least one attribute name with ProjectionType.INCLUDE (or use ProjectionType.KEYS_ONLY)',
      'globalSecondaryIndexes[1].nonKeyAttributes: expected at least one attribute name with ProjectionType.INCLUDE (or use ProjectionType.KEYS_ONLY)',
      'globalSecondaryIndexes[2].nonKeyAttributes: expected no nonKeyAttributes with ProjectionType.ALL (they go with ProjectionType.INCLUDE)',
      'globalSecondaryIndexes[3].nonKeyAttributes: expected no nonKeyAttributes with ProjectionType.KEYS_ONLY (they go with ProjectionType.INCLUDE)',
      'globalSecondaryIndexes[4].nonKeyAttributes: expected each attribute once; "a" is repeated',
    ]);
    const wide = (i: number) => gsi(`gsi${i}`, { projection: ProjectionType.INCLUDE, nonKeyAttributes: Array.from({ length: 51 }, (_, j) => `a${j}`) });
    expect(problems({ partitionKey: PK, globalSecondaryIndexes: [wide(1), wide(2)] }))
      .toEqual(['globalSecondaryIndexes: expected at most 100 nonKeyAttributes summed over all indexes (DynamoDB\'s limit)']);
  });

  test('the TTL attribute may not be a key of the table or of an index', () => {
    expect(problems({ partitionKey: PK, timeToLiveAttribute: 'pk' }))
      .toEqual([expect.stringMatching(/^timeToLiveAttribute: expected an attribute that is not a key; "pk" is the partitionKey/)]);
    expect(problems({ partitionKey: PK, globalSecondaryIndexes: [gsi('gsi1', { sortKey: { name: 'expiresAt', type: AttributeType.NUMBER } })], timeToLiveAttribute: 'expiresAt' }))
      .toEqual([expect.stringMatching(/^timeToLiveAttribute: .*"expiresAt" is the globalSecondaryIndexes\[0\]\.sortKey/)]);
    expect(problems({ partitionKey: PK, timeToLiveAttribute: '' })).toEqual(['timeToLiveAttribute: expected a name of 1 to 255 bytes (UTF-8)']);
  });

  test('one attribute name with two types across the table and its indexes', () => {
    expect(problems({
      partitionKey: PK,
      sortKey: { name: 'createdAt', type: AttributeType.NUMBER },
      globalSecondaryIndexes: [{ indexName: 'gsi1', partitionKey: { name: 'pk', type: AttributeType.NUMBER }, sortKey: { name: 'createdAt', type: AttributeType.STRING } }],
    })).toEqual([
      'globalSecondaryIndexes[0].partitionKey.type: expected AttributeType.STRING ("S"), the type "pk" has as partitionKey (DynamoDB defines each attribute with one type)',
      'globalSecondaryIndexes[0].sortKey.type: expected AttributeType.NUMBER ("N"), the type "createdAt" has as sortKey (DynamoDB defines each attribute with one type)',
    ]);
  });

  test('capacity and autoscaling without PROVISIONED', () => {
    const scaling = { minCapacity: 1, maxCapacity: 2 };
    expect(problems({ partitionKey: PK, readCapacity: 5, writeCapacity: 5, readAutoScaling: scaling, writeAutoScaling: scaling })).toEqual([
      'readCapacity: expected no readCapacity with BillingMode.PAY_PER_REQUEST (on demand); set billingMode: BillingMode.PROVISIONED to provision capacity',
      'writeCapacity: expected no writeCapacity with BillingMode.PAY_PER_REQUEST (on demand); set billingMode: BillingMode.PROVISIONED to provision capacity',
      'readAutoScaling: expected no autoscaling with BillingMode.PAY_PER_REQUEST (on demand scales by itself); set billingMode: BillingMode.PROVISIONED',
      'writeAutoScaling: expected no autoscaling with BillingMode.PAY_PER_REQUEST (on demand scales by itself); set billingMode: BillingMode.PROVISIONED',
    ]);
  });

  test('PROVISIONED without capacities, and capacities or targets out of range', () => {
    expect(problems({ partitionKey: PK, billingMode: BillingMode.PROVISIONED })).toEqual([
      'readCapacity: expected an integer of 1 or more (required with BillingMode.PROVISIONED)',
      'writeCapacity: expected an integer of 1 or more (required with BillingMode.PROVISIONED)',
    ]);
    expect(problems({
      partitionKey: PK,
      billingMode: BillingMode.PROVISIONED,
      readCapacity: 0,
      writeCapacity: 1.5,
      readAutoScaling: { minCapacity: 0, maxCapacity: 10, targetUtilizationPercent: 95 },
      writeAutoScaling: { minCapacity: 5, maxCapacity: 2 },
    })).toEqual([
      'writeCapacity: expected a whole number (an integer)',
      'readCapacity: expected an integer of 1 or more',
      'readAutoScaling.minCapacity: expected an integer of 1 or more',
      'readAutoScaling.targetUtilizationPercent: expected an integer from 10 to 90',
      'writeAutoScaling.maxCapacity: expected at least minCapacity (5)',
    ]);
    const provisioned = { partitionKey: PK, billingMode: BillingMode.PROVISIONED, readCapacity: 1 };
    expect(problems({ ...provisioned, writeCapacity: 50, writeAutoScaling: { minCapacity: 1, maxCapacity: 10 } }))
      .toEqual(['writeCapacity: expected a capacity from writeAutoScaling.minCapacity to maxCapacity (1 to 10): autoscaling starts from it']);
  });

  test('an environment variable that is not a variable name, a kmsKeyArn that is not a key ARN', () => {
    expect(problems({ partitionKey: PK, environmentVariable: 'sessions-table', kmsKeyArn: 'alias/sessions' })).toEqual([
      expect.stringMatching(/^kmsKeyArn: expected a KMS key ARN such as "arn:aws:kms:eu-west-1:111122223333:key\/.*" \(a key, not an alias/),
      'environmentVariable: expected a variable name of letters, digits and _ (not starting with a digit)',
    ]);
    expect(problems({ partitionKey: PK, kmsKeyArn: 'arn:aws:kms:eu-west-1:111122223333:alias/sessions' })).toEqual([expect.stringMatching(/^kmsKeyArn:/)]);
    // The key must be in the table's region, when the binding knows it.
    expect(() => planTable({ partitionKey: PK, kmsKeyArn: KEY_ARN }, context, 'Sessions', { region: 'us-east-1' }))
      .toThrow(/kmsKeyArn: got ".*"; expected a key in the table's region us-east-1 \(DynamoDB encrypts a table only with a key of its own region\); it is in eu-west-1/);
    expect(planTable({ partitionKey: PK, kmsKeyArn: KEY_ARN }, context, 'Sessions', { region: 'eu-west-1' }).encryption).toEqual({ createKey: false, kmsKeyArn: KEY_ARN });
    // A construct ID starting with a digit still gives a valid default.
    expect(plan({}, '9lives').environmentVariable).toBe('_9LIVES_TABLE');
  });

  test('wrong types, unknown names and enum values are reported with the value checks, once each', () => {
    expect(problems({
      partitionKey: PK,
      billingMode: 'ON_DEMAND',
      readCapacity: 5,
      stream: 'NEW',
      profile: 'STAGING',
      deletionProtection: 'yes',
      timeToLive: 'expiresAt',
      globalSecondaryIndexes: [{ indexName: 'gsi1', partitionKey: PK, projection: 'SOME' }],
    })).toEqual([
      'billingMode: expected one of BillingMode.PAY_PER_REQUEST, BillingMode.PROVISIONED',
      'stream: expected one of StreamViewType.NEW_IMAGE, StreamViewType.OLD_IMAGE, StreamViewType.NEW_AND_OLD_IMAGES, StreamViewType.KEYS_ONLY',
      'profile: expected one of EnvironmentProfile.DEVELOPMENT, EnvironmentProfile.PRODUCTION',
      'deletionProtection: expected true or false (a boolean, not a string)',
      expect.stringMatching(/^timeToLive: unknown prop; did you mean timeToLiveAttribute\?/),
      'globalSecondaryIndexes[0].projection: expected one of ProjectionType.ALL, ProjectionType.KEYS_ONLY, ProjectionType.INCLUDE',
    ]);
  });
});

describe('grant statements', () => {
  const env: AwsEnvironment = { partition: 'aws', region: 'eu-west-1', accountId: '111122223333', urlSuffix: 'amazonaws.com' };

  test('aws-cdk-lib\'s action sets: read, write, read-write', () => {
    expect(TABLE_GRANTS.read.tableActions).toEqual([
      'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:Scan', 'dynamodb:ConditionCheckItem',
      'dynamodb:DescribeTable', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator',
    ]);
    expect(TABLE_GRANTS.read.keyActions).toEqual(['kms:Decrypt', 'kms:DescribeKey']);
    expect(TABLE_GRANTS.write.tableActions).toEqual([
      'dynamodb:BatchWriteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:DescribeTable',
    ]);
    expect(TABLE_GRANTS.write.keyActions).toEqual(['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*']);
    expect(new Set(TABLE_GRANTS.readWrite.tableActions)).toEqual(new Set([...TABLE_GRANTS.read.tableActions, ...TABLE_GRANTS.write.tableActions]));
    expect(TABLE_GRANTS.readWrite.keyActions).toEqual(TABLE_GRANTS.write.keyActions);
  });

  test('the table and each index by name, the key only through DynamoDB; grants merge', () => {
    expect(tableGrantStatements(['read', 'write'], 'TABLE', 'KEY', ['gsi1', 'gsi2'], env)).toEqual([
      {
        Effect: 'Allow',
        Action: [...TABLE_GRANTS.read.tableActions, 'dynamodb:BatchWriteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
        Resource: ['TABLE', 'TABLE/index/gsi1', 'TABLE/index/gsi2'],
      },
      {
        Effect: 'Allow',
        Action: TABLE_GRANTS.write.keyActions,
        Resource: 'KEY',
        Condition: { StringEquals: { 'kms:ViaService': 'dynamodb.eu-west-1.amazonaws.com' } },
      },
    ]);
    expect(tableGrantStatements(['read'], 'TABLE', 'KEY', [], env)[0].Resource).toBe('TABLE');
  });
});
