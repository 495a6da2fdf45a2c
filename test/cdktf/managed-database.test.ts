import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { TerraformStack } from 'cdktf';
import { NGINX } from '../helpers/images';
import { tfStack, tfSynthFull, TfJson } from '../helpers/terraform';
import { describeTfGates } from '../helpers/tf-gates';
import { tfContainers, tfPolicy, tfRefTo, tfResourceAt } from '../helpers/tf-platform';
import { DatabaseEngine, EnvironmentProfile } from 'ecs-platform-constructs';
import { FargateWebService, ManagedDatabase, PlatformCluster, PlatformNetwork } from 'ecs-platform-constructs/cdktf';

/** A PRODUCTION network with a service, a PRODUCTION PostgreSQL and a DEVELOPMENT MySQL, both granted to the service. */
function scenario() {
  const { stack } = tfStack();
  const network = new PlatformNetwork(stack, 'Network', { profile: EnvironmentProfile.PRODUCTION, availabilityZones: ['eu-west-1a', 'eu-west-1b'] });
  const cluster = new PlatformCluster(stack, 'Cluster', { network });
  const api = new FargateWebService(stack, 'Api', { cluster, image: NGINX, containerPort: 80 });
  const db = new ManagedDatabase(stack, 'Db', { network });
  const orders = new ManagedDatabase(stack, 'Orders', { network, engine: DatabaseEngine.MYSQL, profile: EnvironmentProfile.DEVELOPMENT, databaseName: 'orders' });
  db.grantConnect(api);
  orders.grantConnect(api, { environmentPrefix: 'ORDERS_DB' });
  return { stack, network, cluster, api, db, orders };
}

describe('ManagedDatabase (CDK for Terraform)', () => {
  const s = scenario();
  const json: TfJson = tfSynthFull(s.stack);

  test('THEN PRODUCTION PostgreSQL: private, encrypted with its own key, TLS, IAM auth, RDS-managed password, multi-AZ, protected, final snapshot, prevent_destroy', () => {
    const db = tfResourceAt(json, 'aws_db_instance', 'Db/Instance');
    const key = tfRefTo(json, 'aws_kms_key', 'Db/Key', 'arn');
    expect(db).toMatchObject({
      identifier: 'test-db',
      engine: 'postgres',
      engine_version: '17',
      instance_class: 'db.m7g.large',
      storage_type: 'gp3',
      allocated_storage: 20,
      max_allocated_storage: 100,
      storage_encrypted: true,
      kms_key_id: key,
      manage_master_user_password: true,
      master_user_secret_kms_key_id: key,
      username: 'dbadmin',
      db_name: 'app',
      multi_az: true,
      deletion_protection: true,
      backup_retention_period: 14,
      delete_automated_backups: false,
      publicly_accessible: false,
      iam_database_authentication_enabled: true,
      ca_cert_identifier: 'rds-ca-rsa2048-g1',
      enabled_cloudwatch_logs_exports: ['postgresql', 'upgrade'],
      engine_lifecycle_support: 'open-source-rds-extended-support-disabled',
      database_insights_mode: 'standard',
      performance_insights_enabled: true,
      performance_insights_retention_period: 7,
      monitoring_interval: 60,
      auto_minor_version_upgrade: true,
      allow_major_version_upgrade: false,
      copy_tags_to_snapshot: true,
      backup_window: '03:00-04:00',
      maintenance_window: 'sun:04:30-sun:05:30',
      port: 5432,
      skip_final_snapshot: false,
      final_snapshot_identifier: 'test-db-final',
      lifecycle: { prevent_destroy: true },
    });
    expect(db.password).toBeUndefined();
    expect(json.resource.aws_secretsmanager_secret).toBeUndefined();
    expect(tfResourceAt(json, 'aws_kms_key', 'Db/Key').lifecycle).toEqual({ prevent_destroy: true });
    expect(tfResourceAt(json, 'aws_db_parameter_group', 'Db/ParameterGroup')).toMatchObject({ family: 'postgres17', parameter: [{ name: 'rds.force_ssl', value: '1' }] });
  });

  test('THEN its logs go to encrypted log groups it creates first, and it waits for the monitoring role\'s policy', () => {
    const db = tfResourceAt(json, 'aws_db_instance', 'Db/Instance');
    for (const log of ['Postgresql', 'Upgrade']) {
      const group = tfResourceAt(json, 'aws_cloudwatch_log_group', `Db/Log${log}`);
      expect(group).toMatchObject({ name: `/aws/rds/instance/test-db/${log.toLowerCase()}`, retention_in_days: 365, skip_destroy: true });
    }
    expect(db.depends_on).toEqual(expect.arrayContaining([
      expect.stringMatching(/^aws_cloudwatch_log_group\.Db_LogPostgresql_/), expect.stringMatching(/^aws_cloudwatch_log_group\.Db_LogUpgrade_/),
      expect.stringMatching(/^aws_iam_role_policy\.Db_MonitoringRolePolicy_/),
    ]));
  });

  test('THEN DEVELOPMENT MySQL: single AZ, one day of backups, no monitoring role, no Performance Insights on a micro instance, no final snapshot', () => {
    const orders = tfResourceAt(json, 'aws_db_instance', 'Orders/Instance');
    expect(orders).toMatchObject({
      engine: 'mysql',
      engine_version: '8.4',
      instance_class: 'db.t4g.micro',
      multi_az: false,
      deletion_protection: false,
      backup_retention_period: 1,
      monitoring_interval: 0,
      performance_insights_enabled: false,
      enabled_cloudwatch_logs_exports: ['audit', 'error', 'general', 'slowquery'],
      port: 3306,
      db_name: 'orders',
      skip_final_snapshot: true,
    });
    expect(orders.lifecycle).toBeUndefined();
    expect(orders.monitoring_role_arn).toBeUndefined();
  });

  test('THEN each database admits its engine port from the granted service only', () => {
    const rules = Object.values(json.resource.aws_vpc_security_group_ingress_rule as Record<string, TfJson>)
      .filter((r) => /aws_security_group\.(Db|Orders)_SecurityGroup/.test(r.security_group_id));
    expect(rules.map((r) => [r.from_port, r.to_port, r.ip_protocol, r.referenced_security_group_id])).toEqual([
      [5432, 5432, 'tcp', tfRefTo(json, 'aws_security_group', 'Api/SecurityGroup', 'id')],
      [3306, 3306, 'tcp', tfRefTo(json, 'aws_security_group', 'Api/SecurityGroup', 'id')],
    ]);
    expect(tfResourceAt(json, 'aws_security_group', 'Db/SecurityGroup').egress).toBeUndefined();
  });

  test('THEN the service gets each database\'s settings under its own prefix, and its execution role reads exactly the two master secrets', () => {
    const [container] = tfContainers(tfResourceAt(json, 'aws_ecs_task_definition', 'Api/TaskDefinition'));
    expect(container.environment.map((e: any) => e.name)).toEqual(['DB_HOST', 'DB_PORT', 'DB_NAME', 'ORDERS_DB_HOST', 'ORDERS_DB_PORT', 'ORDERS_DB_NAME']);
    expect(container.environment[0].value).toBe(tfRefTo(json, 'aws_db_instance', 'Db/Instance', 'address'));
    expect(container.secrets.map((e: any) => e.name)).toEqual(['DB_USERNAME', 'DB_PASSWORD', 'ORDERS_DB_USERNAME', 'ORDERS_DB_PASSWORD']);
    const secretArn = (path: string) => tfRefTo(json, 'aws_db_instance', path, 'master_user_secret[0].secret_arn');
    expect(container.secrets[1].valueFrom).toBe(`${secretArn('Db/Instance')}:password::`);
    const statements = tfPolicy(tfResourceAt(json, 'aws_iam_role_policy', 'Api/ExecutionRolePolicy')).Statement;
    expect(statements.find((st: any) => st.Action === 'secretsmanager:GetSecretValue').Resource).toEqual([secretArn('Db/Instance'), secretArn('Orders/Instance')]);
    expect(statements.filter((st: any) => st.Action === 'kms:Decrypt').map((st: any) => st.Resource))
      .toEqual([tfRefTo(json, 'aws_kms_key', 'Db/Key', 'arn'), tfRefTo(json, 'aws_kms_key', 'Orders/Key', 'arn')]);
  });

  test('THEN granting to something that is not a service is one clear error', () => {
    expect(() => s.db.grantConnect(s.network as unknown as FargateWebService))
      .toThrow(/ManagedDatabase.grantConnect at 'test\/Db' \(1 problem\):\n {2}- service: got a PlatformNetwork at 'test\/Network'; expected a CDK for Terraform FargateWebService/);
  });
});

describeTfGates('ManagedDatabase (CDK for Terraform) quality gates', {
  'PRODUCTION PostgreSQL and DEVELOPMENT MySQL granted to a service': () => scenario().stack,
});

describe('one database per stack: the network and the service in other stacks', () => {
  test('the ingress rule sits in the service\'s stack, so the data stack never depends on it', () => {
    const { app, stack: platform } = tfStack('platform');
    const network = new PlatformNetwork(platform, 'Network', { availabilityZones: ['eu-west-1a', 'eu-west-1b'] });
    const cluster = new PlatformCluster(platform, 'Cluster', { network });
    const stackIn = (id: string) => {
      const stack = new TerraformStack(app, id);
      new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
      return stack;
    };
    const data = stackIn('data');
    const db = new ManagedDatabase(data, 'Db', { network });
    const apps = stackIn('apps');
    const api = new FargateWebService(apps, 'Api', { cluster, image: NGINX, containerPort: 80 });
    db.grantConnect(api);
    const dataJson = tfSynthFull(data);
    const appsJson = tfSynthFull(apps);
    expect(dataJson.resource.aws_vpc_security_group_ingress_rule).toBeUndefined();
    expect(Object.keys(appsJson.resource.aws_vpc_security_group_ingress_rule).some((n) => n.startsWith('Api_DbIngress'))).toBe(true);
  });
});
