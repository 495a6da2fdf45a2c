import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { cdkStack, formatFindings } from '../helpers/cdk';
import { cdkGatesAndTemplate } from '../helpers/cdk-gates';
import { NGINX } from '../helpers/images';
import { DatabaseEngine, EnvironmentProfile } from 'ecs-platform-constructs';
import { FargateWebService, ManagedDatabase, PlatformCluster, PlatformNetwork } from 'ecs-platform-constructs/cdk';

/** A PRODUCTION network with a service, a PRODUCTION PostgreSQL and a DEVELOPMENT MySQL, both granted to the service. */
function scenario() {
  const { app, stack } = cdkStack();
  const network = new PlatformNetwork(stack, 'Network', { profile: EnvironmentProfile.PRODUCTION });
  const cluster = new PlatformCluster(stack, 'Cluster', { network });
  const api = new FargateWebService(stack, 'Api', { cluster, image: NGINX, containerPort: 80 });
  const db = new ManagedDatabase(stack, 'Db', { network });
  const orders = new ManagedDatabase(stack, 'Orders', { network, engine: DatabaseEngine.MYSQL, profile: EnvironmentProfile.DEVELOPMENT, databaseName: 'orders' });
  db.grantConnect(api);
  orders.grantConnect(api, { environmentPrefix: 'ORDERS_DB' });
  return { app, stack, network, cluster, api, db, orders };
}

/** The one resource of `type` whose logical ID starts with `prefix`, with its ID. */
const resource = (t: Template, type: string, prefix: string): Record<string, any> & { id: string } => {
  const found = Object.entries(t.findResources(type)).filter(([id]) => id.startsWith(prefix));
  expect(found).toHaveLength(1);
  return { id: found[0][0], ...found[0][1] };
};

describe('ManagedDatabase (AWS CDK)', () => {
  let t: Template;
  let findings: string;
  let s: ReturnType<typeof scenario>;

  beforeAll(() => {
    s = scenario();
    const gated = cdkGatesAndTemplate(s.app, s.stack);
    t = gated.template;
    findings = formatFindings(gated.findings);
  });

  test('THEN the gates pass (cdk-nag, Control Tower Guard rules, CloudFormation validation): DEVELOPMENT choices acknowledged with reasons', () => {
    expect(findings).toBe('');
  });

  test('THEN PRODUCTION PostgreSQL: private, encrypted with its own key, TLS, IAM auth, RDS-managed password, multi-AZ, protected, snapshot on delete', () => {
    const db = resource(t, 'AWS::RDS::DBInstance', 'DbInstance');
    const key = resource(t, 'AWS::KMS::Key', 'DbKey');
    expect(db.Properties).toMatchObject({
      Engine: 'postgres',
      EngineVersion: '17',
      DBInstanceClass: 'db.m7g.large',
      StorageType: 'gp3',
      AllocatedStorage: '20',
      MaxAllocatedStorage: 100,
      StorageEncrypted: true,
      KmsKeyId: { 'Fn::GetAtt': [key.id, 'Arn'] },
      ManageMasterUserPassword: true,
      MasterUserSecret: { KmsKeyId: { 'Fn::GetAtt': [key.id, 'Arn'] } },
      MasterUsername: 'dbadmin',
      DBName: 'app',
      MultiAZ: true,
      DeletionProtection: true,
      BackupRetentionPeriod: 14,
      DeleteAutomatedBackups: false,
      PubliclyAccessible: false,
      EnableIAMDatabaseAuthentication: true,
      CACertificateIdentifier: 'rds-ca-rsa2048-g1',
      EnableCloudwatchLogsExports: ['postgresql', 'upgrade'],
      EngineLifecycleSupport: 'open-source-rds-extended-support-disabled',
      DatabaseInsightsMode: 'standard',
      EnablePerformanceInsights: true,
      PerformanceInsightsRetentionPeriod: 7,
      MonitoringInterval: 60,
      AutoMinorVersionUpgrade: true,
      AllowMajorVersionUpgrade: false,
      CopyTagsToSnapshot: true,
      PreferredBackupWindow: '03:00-04:00',
      PreferredMaintenanceWindow: 'sun:04:30-sun:05:30',
      Port: '5432',
      DBInstanceIdentifier: 'test-db',
    });
    expect(db.Properties.MasterUserPassword).toBeUndefined();
    expect(db.DeletionPolicy).toBe('Snapshot');
    expect(db.UpdateReplacePolicy).toBe('Snapshot');
    expect(key.DeletionPolicy).toBe('Retain');
    expect(t.findResources('AWS::SecretsManager::Secret')).toEqual({});
    expect(resource(t, 'AWS::RDS::DBParameterGroup', 'DbParameterGroup').Properties).toMatchObject({ Family: 'postgres17', Parameters: { 'rds.force_ssl': '1' } });
    expect(JSON.stringify(resource(t, 'AWS::RDS::DBSubnetGroup', 'DbSubnetGroup').Properties.SubnetIds)).toMatch(/IsolatedSubnet1.*IsolatedSubnet2/);
  });

  test('THEN its logs go to encrypted log groups it creates first (RDS would create them unencrypted, kept forever)', () => {
    const db = resource(t, 'AWS::RDS::DBInstance', 'DbInstance');
    const groups = ['postgresql', 'upgrade'].map((log) => resource(t, 'AWS::Logs::LogGroup', `DbLog${log[0].toUpperCase()}${log.slice(1)}`));
    for (const [i, group] of groups.entries()) {
      expect(group.Properties).toMatchObject({ LogGroupName: `/aws/rds/instance/test-db/${['postgresql', 'upgrade'][i]}`, RetentionInDays: 365 });
      expect(db.DependsOn).toContain(group.id);
    }
    expect(db.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/^DbMonitoringRole/)]));
  });

  test('THEN DEVELOPMENT MySQL: single AZ, one day of backups, no monitoring role, no Performance Insights on a micro instance, deleted with the stack', () => {
    const orders = resource(t, 'AWS::RDS::DBInstance', 'OrdersInstance');
    expect(orders.Properties).toMatchObject({
      Engine: 'mysql',
      EngineVersion: '8.4',
      DBInstanceClass: 'db.t4g.micro',
      MultiAZ: false,
      DeletionProtection: false,
      BackupRetentionPeriod: 1,
      MonitoringInterval: 0,
      EnablePerformanceInsights: false,
      EnableCloudwatchLogsExports: ['audit', 'error', 'general', 'slowquery'],
      Port: '3306',
      DBName: 'orders',
    });
    expect(orders.Properties.MonitoringRoleArn).toBeUndefined();
    expect(orders.DeletionPolicy).toBe('Delete');
    expect(resource(t, 'AWS::RDS::DBParameterGroup', 'OrdersParameterGroup').Properties.Parameters).toEqual({ require_secure_transport: '1', slow_query_log: '1' });
  });

  test('THEN each database admits its engine port from the granted service only, and starts no connections', () => {
    for (const [prefix, port] of [['Db', 5432], ['Orders', 3306]] as const) {
      const sg = resource(t, 'AWS::EC2::SecurityGroup', `${prefix}SecurityGroup`);
      expect(sg.Properties.SecurityGroupIngress).toBeUndefined();
      expect(sg.Properties.SecurityGroupEgress).toEqual([expect.objectContaining({ CidrIp: '255.255.255.255/32', IpProtocol: 'icmp' })]);
      const ingress = Object.values(t.findResources('AWS::EC2::SecurityGroupIngress'))
        .filter((r: any) => JSON.stringify(r.Properties.GroupId).includes(sg.id));
      expect(ingress.map((r: any) => r.Properties)).toEqual([expect.objectContaining({
        IpProtocol: 'tcp', FromPort: port, ToPort: port, SourceSecurityGroupId: { 'Fn::GetAtt': [expect.stringMatching(/^ApiSecurityGroup/), 'GroupId'] },
      })]);
    }
  });

  test('THEN the service gets each database\'s settings under its own prefix, and its execution role reads exactly the two master secrets', () => {
    const container = resource(t, 'AWS::ECS::TaskDefinition', 'ApiTaskDefinition').Properties.ContainerDefinitions[0];
    expect(container.Environment.map((e: any) => e.Name)).toEqual(['DB_HOST', 'DB_PORT', 'DB_NAME', 'ORDERS_DB_HOST', 'ORDERS_DB_PORT', 'ORDERS_DB_NAME']);
    expect(container.Environment.find((e: any) => e.Name === 'DB_HOST').Value).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^DbInstance/), 'Endpoint.Address'] });
    expect(container.Secrets.map((e: any) => e.Name)).toEqual(['DB_USERNAME', 'DB_PASSWORD', 'ORDERS_DB_USERNAME', 'ORDERS_DB_PASSWORD']);
    expect(container.Secrets[1].ValueFrom).toEqual({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^DbInstance/), 'MasterUserSecret.SecretArn'] }, ':password::']] });
    const statements: any[] = resource(t, 'AWS::IAM::Policy', 'ApiExecutionRoleDefaultPolicy').Properties.PolicyDocument.Statement;
    const reads = statements.filter((st) => st.Action === 'secretsmanager:GetSecretValue').flatMap((st) => [].concat(st.Resource));
    expect(reads).toEqual([
      { 'Fn::GetAtt': [expect.stringMatching(/^DbInstance/), 'MasterUserSecret.SecretArn'] },
      { 'Fn::GetAtt': [expect.stringMatching(/^OrdersInstance/), 'MasterUserSecret.SecretArn'] },
    ]);
    expect(statements.filter((st) => st.Action === 'kms:Decrypt').map((st) => st.Resource))
      .toEqual([{ 'Fn::GetAtt': [expect.stringMatching(/^DbKey/), 'Arn'] }, { 'Fn::GetAtt': [expect.stringMatching(/^OrdersKey/), 'Arn'] }]);
  });

  test('THEN granting a second database under the same prefix, or to something that is not a service, is one clear error', () => {
    expect(() => s.orders.grantConnect(s.api)).toThrow(/FargateWebService.addEnvironment at 'Test\/Api'.*\n.*name: got "DB_HOST"; expected a name the service does not have yet/);
    expect(() => s.db.grantConnect(s.cluster as unknown as FargateWebService, { environmentPrefix: 'x-y' }))
      .toThrow(/ManagedDatabase.grantConnect at 'Test\/Db' \(2 problems\):\n {2}- service: got a PlatformCluster at 'Test\/Cluster'; expected an AWS CDK FargateWebService.*\n {2}- environmentPrefix: got "x-y"/);
  });

  test('GIVEN wrong props THEN one error lists each problem before anything is created', () => {
    const { stack } = cdkStack();
    const network = new PlatformNetwork(stack, 'Network');
    expect(() => new ManagedDatabase(stack, 'Db', { network, engine: DatabaseEngine.MARIADB, engineVersion: '8.4', masterUsername: 'root', storage: 50 } as any))
      .toThrow(/ManagedDatabase at 'Test\/Db' \(3 problems\):\n {2}- storage: .*did you mean/);
    expect(stack.node.tryFindChild('Db')).toBeUndefined();
  });
});

describe('one database per stack: the network and the service in other stacks', () => {
  test('the ingress rule and the grants sit in the service\'s stack: platform < data < apps, no cycle', () => {
    const { app, stack: platform } = cdkStack('Platform');
    const network = new PlatformNetwork(platform, 'Network');
    const cluster = new PlatformCluster(platform, 'Cluster', { network });
    const data = new Stack(app, 'Data');
    const db = new ManagedDatabase(data, 'Db', { network });
    const apps = new Stack(app, 'Apps');
    db.grantConnect(new FargateWebService(apps, 'Api', { cluster, image: NGINX, containerPort: 80 }));
    const assembly = app.synth();
    expect(assembly.getStackByName('Data').dependencies.map((d) => d.id)).toEqual(expect.arrayContaining(['Platform']));
    expect(assembly.getStackByName('Data').dependencies.map((d) => d.id)).not.toContain('Apps');
    expect(assembly.getStackByName('Apps').dependencies.map((d) => d.id)).toEqual(expect.arrayContaining(['Platform', 'Data']));
    expect(Object.keys(Template.fromJSON(assembly.getStackByName('Apps').template).findResources('AWS::EC2::SecurityGroupIngress'))
      .some((id) => id.startsWith('ApiSecurityGroup'))).toBe(true);
  });
});
