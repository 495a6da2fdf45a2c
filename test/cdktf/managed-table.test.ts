import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { App as CdkApp, Stack } from 'aws-cdk-lib';
import { TerraformStack, Testing } from 'cdktf';
import * as cdk from '../../src/cdk';
import { FargateWebService, PlatformCluster, PlatformNetwork } from '../../src/cdktf';
import { sameAttributeReference } from '../../src/cdktf/engine';
import { ManagedTable, ManagedTableProps } from '../../src/cdktf/managed-table';
import { EnvironmentProfile } from '../../src/constructs/environment-profile';
import { AttributeType, BillingMode } from '../../src/constructs/managed-table';
import { NGINX } from '../helpers/images';
import { ORDERS_TABLE, SESSIONS_TABLE } from '../helpers/table-fixtures';
import { TfJson, tfResources, tfStack, tfSynthFull } from '../helpers/terraform';
import { terraformAvailability, terraformValidateAll } from '../helpers/terraform-cli';
import { describeTfGates } from '../helpers/tf-gates';
import { tfAddress, tfContainers, tfPlatform, tfPolicy, tfRefTo, tfResourceAt } from '../helpers/tf-platform';

const KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

const SESSIONS = SESSIONS_TABLE;
const ORDERS = ORDERS_TABLE;

/** A service on a fresh platform, and a table granted to it as `grant` says. */
function granted(props: ManagedTableProps, id: string, grant: (table: ManagedTable, web: FargateWebService) => void) {
  const platform = tfPlatform();
  const web = new FargateWebService(platform.stack, 'Web', { cluster: platform.cluster, image: NGINX });
  const table = new ManagedTable(platform.stack, id, props);
  grant(table, web);
  return { ...platform, web, table };
}
const sessions = () => granted(SESSIONS, 'Sessions', (table, web) => {
  table.grantReadData(web);
  table.grantWriteData(web);
});
const orders = () => granted(ORDERS, 'Orders', (table, web) => table.grantReadWriteData(web));

const VIA_DYNAMODB = { StringEquals: { 'kms:ViaService': expect.stringMatching(/^dynamodb\.\$\{data\.aws_region\.[^.]+\.name\}\.\$\{data\.aws_partition\.[^.]+\.dns_suffix\}$/) } };
const READ_WRITE_ACTIONS = [
  'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:Scan', 'dynamodb:ConditionCheckItem',
  'dynamodb:DescribeTable', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator',
  'dynamodb:BatchWriteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem',
];
const KEY_READ_WRITE_ACTIONS = ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'];

describe('ManagedTable (CDK for Terraform)', () => {
  describe('GIVEN a DEVELOPMENT on-demand table with a sort key, a GSI, TTL and a stream, granted read and write to a service', () => {
    const { stack, table, web } = sessions();
    const json = tfSynthFull(stack);
    const tableArn = tfRefTo(json, 'aws_dynamodb_table', 'Sessions/Table', 'arn');
    const keyArn = tfRefTo(json, 'aws_kms_key', 'Sessions/Key', 'arn');

    test('THEN one on-demand table: keys, attributes, GSI, TTL, stream, PITR 35 days, SSE with its key, no deletion protection, no lifecycle', () => {
      expect(tfResources(json, 'aws_dynamodb_table')).toHaveLength(1);
      const { '//': _, ...resource } = tfResourceAt(json, 'aws_dynamodb_table', 'Sessions/Table');
      expect(resource).toEqual({
        // Terraform needs a name: the stack and construct path, unique per deployment.
        name: 'test-Sessions',
        billing_mode: 'PAY_PER_REQUEST',
        hash_key: 'pk',
        range_key: 'sk',
        attribute: [{ name: 'pk', type: 'S' }, { name: 'sk', type: 'S' }, { name: 'gsi1pk', type: 'S' }],
        global_secondary_index: [{ name: 'gsi1', hash_key: 'gsi1pk', projection_type: 'ALL' }],
        ttl: { attribute_name: 'expiresAt', enabled: true },
        stream_enabled: true,
        stream_view_type: 'NEW_AND_OLD_IMAGES',
        point_in_time_recovery: { enabled: true, recovery_period_in_days: 35 },
        server_side_encryption: { enabled: true, kms_key_arn: keyArn },
        deletion_protection_enabled: false,
        tags: { 'Name': 'test/Sessions', 'platform:profile': 'DEVELOPMENT' },
      });
      expect(tfResources(json, 'aws_appautoscaling_target')).toEqual([]);
    });

    test('THEN a rotating key the account administers, grants only for AWS services, 7-day window, no lifecycle', () => {
      const key = tfResourceAt(json, 'aws_kms_key', 'Sessions/Key');
      expect(key).toMatchObject({ description: 'Encrypts the DynamoDB table test/Sessions', enable_key_rotation: true, deletion_window_in_days: 7 });
      expect(key.lifecycle).toBeUndefined();
      const policy = tfPolicy(key);
      expect(policy.Statement.map((s: any) => s.Sid ?? s.Effect)).toEqual(['Allow', 'DenyGrantsExceptForAwsServices']);
      expect(policy.Statement[0]).toMatchObject({ Action: 'kms:*', Resource: '*' });
      expect(policy.Statement[0].Principal.AWS).toMatch(/^arn:\$\{data\.aws_partition\.[^.]+\.partition\}:iam::\$\{data\.aws_caller_identity\.[^.]+\.account_id\}:root$/);
    });

    test('THEN one policy on the task role, in the service\'s scope: read and write on the table and its index, the key through DynamoDB', () => {
      const policy = tfResourceAt(json, 'aws_iam_role_policy', 'Web/TableAccess-test-Sessions');
      expect(policy.role).toBe(tfRefTo(json, 'aws_iam_role', 'Web/TaskRole', 'id'));
      expect(tfPolicy(policy).Statement).toEqual([
        { Effect: 'Allow', Action: READ_WRITE_ACTIONS, Resource: [tableArn, `${tableArn}/index/gsi1`] },
        { Effect: 'Allow', Action: KEY_READ_WRITE_ACTIONS, Resource: keyArn, Condition: VIA_DYNAMODB },
      ]);
      // Tasks call DynamoDB as soon as they start: the service waits for the policy.
      expect(tfResourceAt(json, 'aws_ecs_service', 'Web/Service').depends_on)
        .toContain(tfAddress(json, 'aws_iam_role_policy', 'Web/TableAccess-test-Sessions'));
    });

    test('THEN the container gets the table name in SESSIONS_TABLE, once for two grants', () => {
      const [container] = tfContainers(tfResourceAt(json, 'aws_ecs_task_definition', 'Web/TaskDefinition'));
      expect(container.environment.filter((e: any) => e.name === 'SESSIONS_TABLE'))
        .toEqual([{ name: 'SESSIONS_TABLE', value: tfRefTo(json, 'aws_dynamodb_table', 'Sessions/Table', 'name') }]);
    });

    test('THEN the public properties reach the resources, and the construct IDs are the ones both engines share', () => {
      expect(table.profile).toBe(EnvironmentProfile.DEVELOPMENT);
      expect(table.tableName).toMatch(/^\$\{TfToken\[/);
      expect(table.encryptionKey?.node.id).toBe('Key');
      // cdktf makes a new token per attribute read: compare the addresses they stand for.
      expect(sameAttributeReference(table.encryptionKeyArn, table.encryptionKey?.arn)).toBe(true);
      expect(sameAttributeReference(table.tableArn, table.table.arn)).toBe(true);
      expect(table.environmentVariable).toBe('SESSIONS_TABLE');
      expect(table.node.children.map((c) => c.node.id)).toEqual(['KeyPartition', 'KeyAccount', 'Key', 'Table']);
      expect(web.node.tryFindChild('TableAccess-test-Sessions')).toBeDefined();
    });
  });

  describe('GIVEN a PRODUCTION provisioned table with autoscaling, granted read-write', () => {
    const { stack } = orders();
    const json = tfSynthFull(stack);

    test('THEN provisioned capacity on the table and its index, deletion protection, prevent_destroy, and autoscaling owns the capacity', () => {
      expect(tfResourceAt(json, 'aws_dynamodb_table', 'Orders/Table')).toMatchObject({
        billing_mode: 'PROVISIONED',
        read_capacity: 5,
        write_capacity: 5,
        hash_key: 'orderId',
        attribute: [{ name: 'orderId', type: 'S' }, { name: 'customerId', type: 'S' }, { name: 'createdAt', type: 'N' }],
        global_secondary_index: [{
          name: 'byCustomer',
          hash_key: 'customerId',
          range_key: 'createdAt',
          projection_type: 'INCLUDE',
          non_key_attributes: ['total'],
          read_capacity: 5,
          write_capacity: 5,
        }],
        stream_enabled: false,
        deletion_protection_enabled: true,
        point_in_time_recovery: { enabled: true, recovery_period_in_days: 35 },
        lifecycle: { prevent_destroy: true, ignore_changes: ['read_capacity', 'write_capacity'] },
        tags: { 'platform:profile': 'PRODUCTION' },
      });
      expect(tfResourceAt(json, 'aws_kms_key', 'Orders/Key')).toMatchObject({ deletion_window_in_days: 30, lifecycle: { prevent_destroy: true } });
    });

    test('THEN target tracking scales reads and writes of the table and of its index with the table\'s settings', () => {
      const tableName = tfRefTo(json, 'aws_dynamodb_table', 'Orders/Table', 'name');
      const target = (prefix: string) => tfResourceAt(json, 'aws_appautoscaling_target', `Orders/${prefix}ScalingTarget`);
      const policy = (prefix: string) => tfResourceAt(json, 'aws_appautoscaling_policy', `Orders/${prefix}ScalingPolicy`);
      const rows = ['Read', 'byCustomerRead', 'Write', 'byCustomerWrite'].map((prefix) => [
        target(prefix).scalable_dimension, target(prefix).resource_id, target(prefix).min_capacity, target(prefix).max_capacity,
        policy(prefix).resource_id === tfRefTo(json, 'aws_appautoscaling_target', `Orders/${prefix}ScalingTarget`, 'resource_id'),
        policy(prefix).target_tracking_scaling_policy_configuration,
      ]);
      const tracking = (metric: string, value: number) => ({
        predefined_metric_specification: { predefined_metric_type: metric },
        target_value: value,
      });
      expect(rows).toEqual([
        ['dynamodb:table:ReadCapacityUnits', `table/${tableName}`, 5, 50, true, tracking('DynamoDBReadCapacityUtilization', 70)],
        ['dynamodb:index:ReadCapacityUnits', `table/${tableName}/index/byCustomer`, 5, 50, true, tracking('DynamoDBReadCapacityUtilization', 70)],
        ['dynamodb:table:WriteCapacityUnits', `table/${tableName}`, 5, 20, true, tracking('DynamoDBWriteCapacityUtilization', 60)],
        ['dynamodb:index:WriteCapacityUnits', `table/${tableName}/index/byCustomer`, 5, 20, true, tracking('DynamoDBWriteCapacityUtilization', 60)],
      ]);
      expect(tfResources(json, 'aws_appautoscaling_policy').map(([, p]) => p.policy_type)).toEqual(Array(4).fill('TargetTrackingScaling'));
    });

    test('THEN the read-write grant names the table and its index, and the container gets ORDERS_TABLE', () => {
      const tableArn = tfRefTo(json, 'aws_dynamodb_table', 'Orders/Table', 'arn');
      expect(tfPolicy(tfResourceAt(json, 'aws_iam_role_policy', 'Web/TableAccess-test-Orders')).Statement).toEqual([
        {
          Effect: 'Allow',
          Action: ['dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:Scan', 'dynamodb:ConditionCheckItem',
            'dynamodb:BatchWriteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:DescribeTable',
            'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
          Resource: [tableArn, `${tableArn}/index/byCustomer`],
        },
        { Effect: 'Allow', Action: KEY_READ_WRITE_ACTIONS, Resource: tfRefTo(json, 'aws_kms_key', 'Orders/Key', 'arn'), Condition: VIA_DYNAMODB },
      ]);
      const [container] = tfContainers(tfResourceAt(json, 'aws_ecs_task_definition', 'Web/TaskDefinition'));
      expect(container.environment).toContainEqual({ name: 'ORDERS_TABLE', value: tfRefTo(json, 'aws_dynamodb_table', 'Orders/Table', 'name') });
    });
  });

  test('GIVEN kmsKeyArn THEN no key is created and the table and the grant use the key given', () => {
    const { stack, table } = granted({ partitionKey: { name: 'pk', type: AttributeType.STRING }, kmsKeyArn: KEY_ARN }, 'Sessions',
      (t, web) => t.grantReadData(web));
    const json = tfSynthFull(stack);
    expect(tfResources(json, 'aws_kms_key').filter(([name]) => name.startsWith('Sessions'))).toEqual([]);
    expect(tfResourceAt(json, 'aws_dynamodb_table', 'Sessions/Table').server_side_encryption).toEqual({ enabled: true, kms_key_arn: KEY_ARN });
    expect(tfPolicy(tfResourceAt(json, 'aws_iam_role_policy', 'Web/TableAccess-test-Sessions')).Statement[1])
      .toEqual({ Effect: 'Allow', Action: ['kms:Decrypt', 'kms:DescribeKey'], Resource: KEY_ARN, Condition: VIA_DYNAMODB });
    expect(table.encryptionKey).toBeUndefined();
    expect(table.encryptionKeyArn).toBe(KEY_ARN);
  });

  test('GIVEN repeated grants of every kind THEN one policy per service, widened to the union, one variable, nothing fails', () => {
    const { stack } = granted({ partitionKey: { name: 'pk', type: AttributeType.STRING }, environmentVariable: 'SESSION_STORE' }, 'Sessions', (table, web) => {
      table.grantReadData(web);
      table.grantReadData(web);
      table.grantWriteData(web);
      table.grantReadWriteData(web);
    });
    const json = tfSynthFull(stack);
    expect(tfResources(json, 'aws_iam_role_policy').filter(([name]) => name.includes('TableAccess'))).toHaveLength(1);
    expect(tfPolicy(tfResourceAt(json, 'aws_iam_role_policy', 'Web/TableAccess-test-Sessions')).Statement[0].Action).toEqual(READ_WRITE_ACTIONS);
    const [container] = tfContainers(tfResourceAt(json, 'aws_ecs_task_definition', 'Web/TaskDefinition'));
    expect(container.environment.filter((e: any) => e.name === 'SESSION_STORE')).toHaveLength(1);
  });

  test('GIVEN a service that already has the variable THEN the grant fails naming it, and grants nothing', () => {
    const { stack, cluster } = tfPlatform();
    const web = new FargateWebService(stack, 'Web', { cluster, image: NGINX, environment: { SESSIONS_TABLE: 'legacy' } });
    const table = new ManagedTable(stack, 'Sessions', { partitionKey: { name: 'pk', type: AttributeType.STRING } });
    expect(() => table.grantReadData(web)).toThrow(/FargateWebService.addEnvironment at 'test\/Web'.*\n.*name: got "SESSIONS_TABLE"; expected a name the service does not have yet/);
    expect(web.node.tryFindChild('TableAccess-test-Sessions')).toBeUndefined();
  });

  test('GIVEN something other than a CDK for Terraform FargateWebService of this app THEN one clear error per method', () => {
    const { stack } = tfPlatform();
    const table = new ManagedTable(stack, 'Sessions', { partitionKey: { name: 'pk', type: AttributeType.STRING } });
    const other = tfPlatform();
    const otherWeb = new FargateWebService(other.stack, 'Web', { cluster: other.cluster, image: NGINX });
    const cdkStack = new Stack(new CdkApp(), 'Cdk');
    const cdkNetwork = new cdk.PlatformNetwork(cdkStack, 'Network');
    const cdkWeb = new cdk.FargateWebService(cdkStack, 'Web', { cluster: new cdk.PlatformCluster(cdkStack, 'Cluster', { network: cdkNetwork }), image: NGINX });
    const cases: Array<[(s: any) => void, unknown, RegExp]> = [
      [(s) => table.grantReadData(s), undefined, /ManagedTable\.grantReadData at 'test\/Sessions' \(1 problem\):\n {2}- service: got undefined; expected a CDK for Terraform FargateWebService or FargateWorkerService \(from ecs-platform-constructs\/cdktf\) \(required\)/],
      [(s) => table.grantWriteData(s), table, /ManagedTable\.grantWriteData at 'test\/Sessions'.*\n.*service: got a ManagedTable at 'test\/Sessions'; expected a CDK for Terraform FargateWebService .*, not a ManagedTable/],
      [(s) => table.grantReadWriteData(s), cdkWeb, /ManagedTable\.grantReadWriteData .*\n.*not the AWS CDK FargateWebService \(one app uses one engine\)/],
      [(s) => table.grantReadData(s), otherWeb, /of the same app; this one belongs to another app/],
      [(s) => table.grantReadData(s), 'Web', /service: got "Web"; expected a CDK for Terraform FargateWebService/],
    ];
    for (const [grant, service, error] of cases) expect(() => grant(service)).toThrow(error);
  });

  test('GIVEN a key of another region than the provider\'s THEN it throws naming kmsKeyArn', () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, 'virginia');
    new AwsProvider(stack, 'aws', { region: 'us-east-1' });
    expect(() => new ManagedTable(stack, 'Sessions', { partitionKey: { name: 'pk', type: AttributeType.STRING }, kmsKeyArn: KEY_ARN }))
      .toThrow(/kmsKeyArn: .*expected a key in the table's region us-east-1 .* it is in eu-west-1/);
  });

  test('GIVEN bad props THEN one error naming each, before anything is created', () => {
    const { stack } = tfStack();
    expect(() => new ManagedTable(stack, 'Sessions', {
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: 'STRING' as AttributeType },
      billingMode: BillingMode.PROVISIONED,
      timeToLiveAttribute: 'pk',
    })).toThrow(/ManagedTable at 'test\/Sessions' \(4 problems\):\n {2}- sortKey\.type: .*\n {2}- readCapacity: .*\n {2}- writeCapacity: .*\n {2}- timeToLiveAttribute: /);
    expect(stack.node.tryFindChild('Sessions')).toBeUndefined();
  });

  describe('GIVEN the table in a Data stack and the service in an Apps stack', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'epc-tf-split-'));
    const app = Testing.app({ outdir });
    const stackIn = (id: string) => {
      const stack = new TerraformStack(app, id);
      new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
      return stack;
    };
    const platform = stackIn('Platform');
    const network = new PlatformNetwork(platform, 'Network', { availabilityZones: ['eu-west-1a', 'eu-west-1b'] });
    const cluster = new PlatformCluster(platform, 'Cluster', { network });
    const data = stackIn('Data');
    const table = new ManagedTable(data, 'Sessions', SESSIONS);
    const apps = stackIn('Apps');
    const web = new FargateWebService(apps, 'Web', { cluster, image: NGINX });
    table.grantReadWriteData(web);
    app.synth();
    const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8'));
    const stacks: Record<string, TfJson> = Object.fromEntries(Object.entries<any>(manifest.stacks)
      .map(([name, m]) => [name, JSON.parse(readFileSync(join(outdir, m.synthesizedStackPath), 'utf8'))]));
    afterAll(() => rmSync(outdir, { recursive: true, force: true }));
    const remote = (stack: string) => expect.stringMatching(new RegExp(`^\\$\\{data\\.terraform_remote_state\\.cross-stack-reference-input-${stack}\\.outputs\\.[A-Za-z0-9_-]+\\}$`));

    test('THEN the policy lives in Apps on values read from Data, and Data depends on nothing of Apps', () => {
      expect([...manifest.stacks.Data.dependencies ?? []]).toEqual([]);
      expect([...manifest.stacks.Apps.dependencies].sort()).toEqual(['Data', 'Platform']);
      expect(tfResources(stacks.Data, 'aws_iam_role_policy')).toEqual([]);
      const policy = tfPolicy(tfResourceAt(stacks.Apps, 'aws_iam_role_policy', 'Web/TableAccess-Data-Sessions'));
      expect(policy.Statement[0].Resource).toEqual([remote('Data'), expect.stringMatching(/outputs\.[A-Za-z0-9_-]+\}\/index\/gsi1$/)]);
      expect(policy.Statement[1].Resource).toEqual(remote('Data'));
      const [container] = tfContainers(tfResourceAt(stacks.Apps, 'aws_ecs_task_definition', 'Web/TaskDefinition'));
      expect(container.environment).toContainEqual({ name: 'SESSIONS_TABLE', value: remote('Data') });
    });

    test('THEN the service\'s depends_on names only resources of its own stack', () => {
      const dependsOn: string[] = tfResourceAt(stacks.Apps, 'aws_ecs_service', 'Web/Service').depends_on;
      expect(dependsOn).toContain(tfAddress(stacks.Apps, 'aws_iam_role_policy', 'Web/TableAccess-Data-Sessions'));
      for (const on of dependsOn) expect(tfResources(stacks.Apps, on.split('.')[0]).map(([name]) => `${on.split('.')[0]}.${name}`)).toContain(on);
    });

    const tf = terraformAvailability();
    (tf.available ? test : test.skip)('THEN terraform validate accepts the Data and Apps stacks', () => {
      const results = terraformValidateAll({ Data: stacks.Data, Apps: stacks.Apps });
      expect({ Data: results.Data.errors, Apps: results.Apps.errors }).toEqual({ Data: [], Apps: [] });
    });
  });
});

describeTfGates('ManagedTable (CDK for Terraform) quality gates', {
  'DEVELOPMENT on-demand table with a GSI, TTL and a stream, granted': () => sessions().stack,
  'PRODUCTION provisioned table with autoscaling, granted': () => orders().stack,
  'table with a key given': () => granted({ partitionKey: { name: 'pk', type: AttributeType.STRING }, kmsKeyArn: KEY_ARN }, 'Sessions', () => undefined).stack,
});
