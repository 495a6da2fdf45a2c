import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { FargateWebService, PlatformCluster, PlatformNetwork } from '../../src/cdk';
import { ManagedTable } from '../../src/cdk/managed-table';
import * as cdktf from '../../src/cdktf';
import { EnvironmentProfile } from '../../src/constructs/environment-profile';
import { AttributeType, BillingMode } from '../../src/constructs/managed-table';
import { cdkStack, cdkTemplate, formatFindings } from '../helpers/cdk';
import { cdkGatesAndTemplate } from '../helpers/cdk-gates';
import { NGINX } from '../helpers/images';
import { ORDERS_TABLE, SESSIONS_TABLE } from '../helpers/table-fixtures';
import { tfPlatform } from '../helpers/tf-platform';

const KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

const SESSIONS = SESSIONS_TABLE;
const ORDERS = ORDERS_TABLE;

function platform(): { app: App; stack: Stack; web: FargateWebService } {
  const { app, stack } = cdkStack();
  const network = new PlatformNetwork(stack, 'Network');
  const cluster = new PlatformCluster(stack, 'Cluster', { network });
  const web = new FargateWebService(stack, 'Web', { cluster, image: NGINX });
  return { app, stack, web };
}

function idOf(t: Template, type: string, prefix: string): string {
  const ids = Object.keys(t.findResources(type)).filter((id) => id.startsWith(prefix));
  expect(ids).toHaveLength(1);
  return ids[0];
}

const arnOf = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
const VIA_DYNAMODB = { StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['dynamodb.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }]] } } };

/** The statements of the web service's task role that name the table or its key. */
function tableStatements(t: Template, tableId: string, keyArn: unknown): any[] {
  const policy = t.findResources('AWS::IAM::Policy')[idOf(t, 'AWS::IAM::Policy', 'WebTaskRoleDefaultPolicy')];
  const text = (x: unknown) => JSON.stringify(x);
  return policy.Properties.PolicyDocument.Statement
    .filter((s: any) => text(s.Resource).includes(tableId) || text(s.Resource) === text(keyArn));
}

function environmentOf(t: Template): Array<{ Name: string; Value: unknown }> {
  const [taskDefinition] = Object.values(t.findResources('AWS::ECS::TaskDefinition'));
  return taskDefinition.Properties.ContainerDefinitions[0].Environment ?? [];
}

describe('ManagedTable (AWS CDK)', () => {
  describe('GIVEN a DEVELOPMENT on-demand table with a sort key, a GSI, TTL and a stream, granted read and write to a service', () => {
    let t: Template;
    let findings: string;
    let table: ManagedTable;

    beforeAll(() => {
      const p = platform();
      table = new ManagedTable(p.stack, 'Sessions', SESSIONS);
      table.grantReadData(p.web);
      table.grantWriteData(p.web);
      const gated = cdkGatesAndTemplate(p.app, p.stack);
      t = gated.template;
      findings = formatFindings(gated.findings);
    });

    test('THEN the quality gates (cdk-nag + Control Tower + template validation) report nothing unacknowledged', () => {
      expect(findings).toBe('');
    });

    test('THEN one on-demand table: keys, attributes, GSI, TTL, stream, PITR 35 days, SSE with its key, no deletion protection, destroyed', () => {
      t.resourceCountIs('AWS::DynamoDB::Table', 1);
      const keyId = idOf(t, 'AWS::KMS::Key', 'SessionsKey');
      t.hasResource('AWS::DynamoDB::Table', {
        Properties: {
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
          AttributeDefinitions: [
            { AttributeName: 'pk', AttributeType: 'S' },
            { AttributeName: 'sk', AttributeType: 'S' },
            { AttributeName: 'gsi1pk', AttributeType: 'S' },
          ],
          BillingMode: 'PAY_PER_REQUEST',
          GlobalSecondaryIndexes: [{ IndexName: 'gsi1', KeySchema: [{ AttributeName: 'gsi1pk', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } }],
          TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
          StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true, RecoveryPeriodInDays: 35 },
          SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: arnOf(keyId) },
          DeletionProtectionEnabled: false,
          ProvisionedThroughput: Match.absent(),
          // CloudFormation names the table: unique per stack.
          TableName: Match.absent(),
        },
        DeletionPolicy: 'Delete',
        UpdateReplacePolicy: 'Delete',
      });
      t.resourceCountIs('AWS::ApplicationAutoScaling::ScalableTarget', 0);
    });

    test('THEN a rotating key the account administers, grants only for AWS services, 7-day window, destroyed', () => {
      t.hasResource('AWS::KMS::Key', {
        Properties: {
          Description: 'Encrypts the DynamoDB table Test/Sessions',
          EnableKeyRotation: true,
          PendingWindowInDays: 7,
          KeyPolicy: {
            Statement: [
              Match.objectLike({ Effect: 'Allow', Action: 'kms:*', Principal: { AWS: Match.anyValue() }, Resource: '*' }),
              Match.objectLike({ Sid: 'DenyGrantsExceptForAwsServices', Effect: 'Deny', Action: 'kms:CreateGrant' }),
            ],
          },
        },
        DeletionPolicy: 'Delete',
      });
    });

    test('THEN the task role may read and write the table and its index, and use the key only through DynamoDB', () => {
      const tableId = idOf(t, 'AWS::DynamoDB::Table', 'SessionsTable');
      const keyArn = arnOf(idOf(t, 'AWS::KMS::Key', 'SessionsKey'));
      const resources = [arnOf(tableId), { 'Fn::Join': ['', [arnOf(tableId), '/index/gsi1']] }];
      expect(tableStatements(t, tableId, keyArn)).toEqual([
        {
          Effect: 'Allow',
          Action: ['dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:Scan', 'dynamodb:ConditionCheckItem',
            'dynamodb:DescribeTable', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
          Resource: resources,
        },
        { Effect: 'Allow', Action: ['kms:Decrypt', 'kms:DescribeKey'], Resource: keyArn, Condition: VIA_DYNAMODB },
        {
          Effect: 'Allow',
          Action: ['dynamodb:BatchWriteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:DescribeTable'],
          Resource: resources,
        },
        {
          Effect: 'Allow',
          Action: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'],
          Resource: keyArn,
          Condition: VIA_DYNAMODB,
        },
      ]);
    });

    test('THEN the container gets the table name in SESSIONS_TABLE, once for two grants', () => {
      const tableId = idOf(t, 'AWS::DynamoDB::Table', 'SessionsTable');
      expect(environmentOf(t).filter((e) => e.Name === 'SESSIONS_TABLE')).toEqual([{ Name: 'SESSIONS_TABLE', Value: { Ref: tableId } }]);
    });

    test('THEN the public properties reach the resources, and the construct IDs are the ones both engines share', () => {
      expect(table.profile).toBe(EnvironmentProfile.DEVELOPMENT);
      expect(table.tableName).toBe(table.table.tableName);
      expect(table.tableArn).toBe(table.table.tableArn);
      expect(table.encryptionKeyArn).toBe(table.encryptionKey.keyArn);
      expect(table.environmentVariable).toBe('SESSIONS_TABLE');
      expect(table.node.children.map((c) => c.node.id)).toEqual(['Key', 'Table']);
    });
  });

  describe('GIVEN a PRODUCTION provisioned table with autoscaling, granted read-write', () => {
    let t: Template;
    let findings: string;

    beforeAll(() => {
      const p = platform();
      new ManagedTable(p.stack, 'Orders', ORDERS).grantReadWriteData(p.web);
      const gated = cdkGatesAndTemplate(p.app, p.stack);
      t = gated.template;
      findings = formatFindings(gated.findings);
    });

    test('THEN the quality gates report nothing unacknowledged', () => {
      expect(findings).toBe('');
    });

    test('THEN provisioned capacity on the table and its index, deletion protection, table and key retained', () => {
      t.hasResource('AWS::DynamoDB::Table', {
        Properties: {
          KeySchema: [{ AttributeName: 'orderId', KeyType: 'HASH' }],
          ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 },
          GlobalSecondaryIndexes: [{
            IndexName: 'byCustomer',
            KeySchema: [{ AttributeName: 'customerId', KeyType: 'HASH' }, { AttributeName: 'createdAt', KeyType: 'RANGE' }],
            Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['total'] },
            ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 },
          }],
          DeletionProtectionEnabled: true,
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true, RecoveryPeriodInDays: 35 },
        },
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
      t.hasResource('AWS::KMS::Key', { Properties: { PendingWindowInDays: 30 }, DeletionPolicy: 'Retain' });
    });

    test('THEN target tracking scales reads and writes of the table and of its index with the table\'s settings', () => {
      const tableId = idOf(t, 'AWS::DynamoDB::Table', 'OrdersTable');
      const targets = Object.entries(t.findResources('AWS::ApplicationAutoScaling::ScalableTarget'));
      const rows = targets.map(([, { Properties: x }]) => [x.ScalableDimension, x.ResourceId, x.MinCapacity, x.MaxCapacity]);
      expect(rows).toEqual([
        ['dynamodb:table:ReadCapacityUnits', { 'Fn::Join': ['', ['table/', { Ref: tableId }]] }, 5, 50],
        ['dynamodb:index:ReadCapacityUnits', { 'Fn::Join': ['', ['table/', { Ref: tableId }, '/index/byCustomer']] }, 5, 50],
        ['dynamodb:table:WriteCapacityUnits', { 'Fn::Join': ['', ['table/', { Ref: tableId }]] }, 5, 20],
        ['dynamodb:index:WriteCapacityUnits', { 'Fn::Join': ['', ['table/', { Ref: tableId }, '/index/byCustomer']] }, 5, 20],
      ]);
      const policies = Object.values(t.findResources('AWS::ApplicationAutoScaling::ScalingPolicy'));
      expect(policies.map((p) => [
        targets.find(([id]) => id === p.Properties.ScalingTargetId.Ref)![1].Properties.ScalableDimension,
        p.Properties.TargetTrackingScalingPolicyConfiguration.PredefinedMetricSpecification.PredefinedMetricType,
        p.Properties.TargetTrackingScalingPolicyConfiguration.TargetValue,
      ])).toEqual([
        ['dynamodb:table:ReadCapacityUnits', 'DynamoDBReadCapacityUtilization', 70],
        ['dynamodb:index:ReadCapacityUnits', 'DynamoDBReadCapacityUtilization', 70],
        ['dynamodb:table:WriteCapacityUnits', 'DynamoDBWriteCapacityUtilization', 60],
        ['dynamodb:index:WriteCapacityUnits', 'DynamoDBWriteCapacityUtilization', 60],
      ]);
    });

    test('THEN the read-write grant is aws-cdk-lib\'s, on the table and its index, and the container gets ORDERS_TABLE', () => {
      const tableId = idOf(t, 'AWS::DynamoDB::Table', 'OrdersTable');
      const keyArn = arnOf(idOf(t, 'AWS::KMS::Key', 'OrdersKey'));
      expect(tableStatements(t, tableId, keyArn)).toEqual([
        {
          Effect: 'Allow',
          Action: ['dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:Scan', 'dynamodb:ConditionCheckItem',
            'dynamodb:BatchWriteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:DescribeTable',
            'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
          Resource: [arnOf(tableId), { 'Fn::Join': ['', [arnOf(tableId), '/index/byCustomer']] }],
        },
        {
          Effect: 'Allow',
          Action: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'],
          Resource: keyArn,
          Condition: VIA_DYNAMODB,
        },
      ]);
      expect(environmentOf(t)).toContainEqual({ Name: 'ORDERS_TABLE', Value: { Ref: tableId } });
    });
  });

  test('GIVEN kmsKeyArn THEN no key is created, the table and the grants use the key given', () => {
    const p = platform();
    const table = new ManagedTable(p.stack, 'Sessions', { partitionKey: { name: 'pk', type: AttributeType.STRING }, kmsKeyArn: KEY_ARN });
    table.grantReadData(p.web);
    const t = cdkTemplate(p.stack);
    expect(Object.keys(t.findResources('AWS::KMS::Key')).filter((id) => id.startsWith('Sessions'))).toEqual([]);
    t.hasResourceProperties('AWS::DynamoDB::Table', { SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: KEY_ARN } });
    const tableId = idOf(t, 'AWS::DynamoDB::Table', 'SessionsTable');
    expect(tableStatements(t, tableId, KEY_ARN)).toEqual([
      expect.objectContaining({ Resource: arnOf(tableId) }),
      { Effect: 'Allow', Action: ['kms:Decrypt', 'kms:DescribeKey'], Resource: KEY_ARN, Condition: VIA_DYNAMODB },
    ]);
    expect(table.encryptionKeyArn).toBe(KEY_ARN);
    expect(table.node.children.map((c) => c.node.id)).toEqual(['ImportedKey', 'Table']);
  });

  test('GIVEN an environmentVariable and grants of every kind, repeated THEN the variable is added once and nothing fails', () => {
    const p = platform();
    const table = new ManagedTable(p.stack, 'Sessions', { partitionKey: { name: 'pk', type: AttributeType.STRING }, environmentVariable: 'SESSION_STORE' });
    table.grantReadData(p.web);
    table.grantReadData(p.web);
    table.grantWriteData(p.web);
    table.grantReadWriteData(p.web);
    expect(environmentOf(cdkTemplate(p.stack)).filter((e) => e.Name === 'SESSION_STORE')).toHaveLength(1);
  });

  test('GIVEN a service that already has the variable THEN the grant fails naming it, and grants nothing', () => {
    const { stack } = cdkStack();
    const network = new PlatformNetwork(stack, 'Network');
    const cluster = new PlatformCluster(stack, 'Cluster', { network });
    const web = new FargateWebService(stack, 'Web', { cluster, image: NGINX, environment: { SESSIONS_TABLE: 'legacy' } });
    const table = new ManagedTable(stack, 'Sessions', { partitionKey: { name: 'pk', type: AttributeType.STRING } });
    expect(() => table.grantReadData(web)).toThrow(/FargateWebService.addEnvironment at 'Test\/Web'.*\n.*name: got "SESSIONS_TABLE"; expected a name the service does not have yet/);
    expect(JSON.stringify(cdkTemplate(stack).findResources('AWS::IAM::Policy'))).not.toContain('dynamodb:');
  });

  test('GIVEN something other than an AWS CDK FargateWebService of this app THEN one clear error per method', () => {
    const p = platform();
    const table = new ManagedTable(p.stack, 'Sessions', { partitionKey: { name: 'pk', type: AttributeType.STRING } });
    const other = platform();
    const tf = tfPlatform();
    const tfService = new cdktf.FargateWebService(tf.stack, 'Web', { cluster: tf.cluster, image: NGINX });
    const cases: Array<[(s: any) => void, unknown, RegExp]> = [
      [(s) => table.grantReadData(s), undefined, /ManagedTable\.grantReadData at 'Test\/Sessions' \(1 problem\):\n {2}- service: got undefined; expected an AWS CDK FargateWebService or FargateWorkerService \(from ecs-platform-constructs\/cdk\) \(required\)/],
      [(s) => table.grantWriteData(s), table, /ManagedTable\.grantWriteData at 'Test\/Sessions'.*\n.*service: got a ManagedTable at 'Test\/Sessions'; expected an AWS CDK FargateWebService .*, not a ManagedTable/],
      [(s) => table.grantReadWriteData(s), tfService, /ManagedTable\.grantReadWriteData .*\n.*not the CDK for Terraform FargateWebService \(one app uses one engine\)/],
      [(s) => table.grantReadData(s), other.web, /of the same app; this one belongs to another app/],
      [(s) => table.grantReadData(s), { taskRole: {} }, /service: got \{"taskRole":\{\}\}; expected an AWS CDK FargateWebService/],
    ];
    for (const [grant, service, error] of cases) expect(() => grant(service)).toThrow(error);
    expect(JSON.stringify(cdkTemplate(p.stack).findResources('AWS::IAM::Policy'))).not.toContain('dynamodb:');
  });

  test('GIVEN a key of another region than the stack\'s THEN it throws naming kmsKeyArn', () => {
    const stack = new Stack(new App(), 'Virginia', { env: { account: '111122223333', region: 'us-east-1' } });
    expect(() => new ManagedTable(stack, 'Sessions', { partitionKey: { name: 'pk', type: AttributeType.STRING }, kmsKeyArn: KEY_ARN }))
      .toThrow(/kmsKeyArn: .*expected a key in the table's region us-east-1 .* it is in eu-west-1/);
  });

  test('GIVEN bad props THEN one error naming each, before anything is created', () => {
    const { stack } = cdkStack();
    expect(() => new ManagedTable(stack, 'Sessions', {
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: 'STRING' as AttributeType },
      billingMode: BillingMode.PROVISIONED,
      timeToLiveAttribute: 'pk',
    })).toThrow(/ManagedTable at 'Test\/Sessions' \(4 problems\):\n {2}- sortKey\.type: .*\n {2}- readCapacity: .*\n {2}- writeCapacity: .*\n {2}- timeToLiveAttribute: /);
    expect(stack.node.tryFindChild('Sessions')).toBeUndefined();
  });

  // The gates on a split app run on examples/data-tier (the same layout); here only the wiring is read.
  test('GIVEN the table in a Data stack and the service in an Apps stack THEN the grant lives in Apps, Data never depends on Apps', () => {
    const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'epc-cdk-')) });
    const platformStack = new Stack(app, 'Platform');
    const network = new PlatformNetwork(platformStack, 'Network');
    const cluster = new PlatformCluster(platformStack, 'Cluster', { network });
    const data = new Stack(app, 'Data');
    const table = new ManagedTable(data, 'Sessions', SESSIONS);
    const apps = new Stack(app, 'Apps');
    const web = new FargateWebService(apps, 'Web', { cluster, image: NGINX });
    table.grantReadWriteData(web);
    const t = Template.fromStack(apps);
    expect(data.dependencies.map((s) => s.node.id)).toEqual([]);
    expect(apps.dependencies.map((s) => s.node.id).sort()).toEqual(['Data', 'Platform']);
    const imported = { 'Fn::ImportValue': expect.stringMatching(/^Data:/) };
    expect(environmentOf(t)).toContainEqual({ Name: 'SESSIONS_TABLE', Value: imported });
    const [policy] = Object.values(t.findResources('AWS::IAM::Policy', { Properties: { PolicyName: Match.stringLikeRegexp('^WebTaskRoleDefaultPolicy') } }));
    const dynamo = policy.Properties.PolicyDocument.Statement.find((s: any) => JSON.stringify(s.Action).includes('dynamodb:PutItem'));
    expect(dynamo.Resource).toEqual([imported, { 'Fn::Join': ['', [imported, '/index/gsi1']] }]);
  });
});

test('the CDK table exposes the key it created as a kms.Key, for grants beyond the construct\'s', () => {
  const { stack } = cdkStack();
  const table = new ManagedTable(stack, 'Sessions', { partitionKey: { name: 'pk', type: AttributeType.STRING } });
  expect(table.encryptionKey).toBeInstanceOf(kms.Key);
});
