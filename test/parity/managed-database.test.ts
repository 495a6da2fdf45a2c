/**
 * ManagedDatabase parity: the same options give the same database in both
 * engines — engine, version, class, storage, availability, backups, encryption,
 * TLS, monitoring, logs, deletion behaviour, the port rule, and what a granted
 * service gets (variables, secrets, the execution role's grants).
 */
import { Template } from 'aws-cdk-lib/assertions';
import { cdkStack } from '../helpers/cdk';
import { NGINX } from '../helpers/images';
import { tfStack, tfSynthFull, TfJson } from '../helpers/terraform';
import { tfContainers, tfPolicy } from '../helpers/tf-platform';
import { DatabaseEngine, EnvironmentProfile, ManagedDatabaseOptions } from 'ecs-platform-constructs';
import * as cdk from 'ecs-platform-constructs/cdk';
import * as cdktf from 'ecs-platform-constructs/cdktf';

type Json = any;
const DATABASES: Record<string, { options: ManagedDatabaseOptions; prefix?: string }> = {
  Main: { options: {} },
  Orders: { options: { engine: DatabaseEngine.MYSQL, profile: EnvironmentProfile.DEVELOPMENT, databaseName: 'orders', instanceClass: 'db.t4g.medium' }, prefix: 'ORDERS_DB' },
  Ledger: { options: { engine: DatabaseEngine.MARIADB, engineVersion: '11.8.6', allocatedStorageGiB: 50, maxAllocatedStorageGiB: 200, port: 3307, monitoringIntervalSeconds: 15 }, prefix: 'LEDGER' },
};

function buildCdk(): Json {
  const { stack } = cdkStack('Parity');
  const network = new cdk.PlatformNetwork(stack, 'Network', { profile: EnvironmentProfile.PRODUCTION, availabilityZones: ['eu-west-1a', 'eu-west-1b'] });
  const cluster = new cdk.PlatformCluster(stack, 'Cluster', { network });
  const api = new cdk.FargateWebService(stack, 'Api', { cluster, image: NGINX, containerPort: 80 });
  for (const [id, d] of Object.entries(DATABASES)) {
    new cdk.ManagedDatabase(stack, id, { network, ...d.options }).grantConnect(api, { environmentPrefix: d.prefix });
  }
  return Template.fromStack(stack).toJSON();
}

function buildTf(): TfJson {
  const { stack } = tfStack('parity');
  const network = new cdktf.PlatformNetwork(stack, 'Network', { profile: EnvironmentProfile.PRODUCTION, availabilityZones: ['eu-west-1a', 'eu-west-1b'] });
  const cluster = new cdktf.PlatformCluster(stack, 'Cluster', { network });
  const api = new cdktf.FargateWebService(stack, 'Api', { cluster, image: NGINX, containerPort: 80 });
  for (const [id, d] of Object.entries(DATABASES)) {
    new cdktf.ManagedDatabase(stack, id, { network, ...d.options }).grantConnect(api, { environmentPrefix: d.prefix });
  }
  return tfSynthFull(stack);
}

/** `<kind:Construct>` for a reference to a resource of a database or the service, in either engine. */
function symbol(value: unknown): unknown {
  const text = JSON.stringify(value);
  const m = /"?(?:Fn::GetAtt"?:\["|\$\{aws_[a-z_]+\.)(Main|Orders|Ledger|Api)_?([A-Za-z]+?)(?:[0-9A-F]{8})?(?:_[0-9A-F]{8})?[".]/.exec(text);
  return m ? `<${m[1]}.${m[2].replace(/^Instance.*$/, 'Instance').replace(/^Key.*$/, 'Key')}${/SecretArn|secret_arn/.test(text) ? '.secret' : ''}${/Endpoint|address/.test(text) ? '.address' : ''}>` : value;
}

function normaliseCfn(t: Json): Json {
  const res = Object.entries<Json>(t.Resources);
  const one = (type: string, prefix: string) => res.find(([id, r]) => r.Type === type && id.startsWith(prefix))![1];
  const databases = Object.fromEntries(Object.keys(DATABASES).map((id) => {
    const r = one('AWS::RDS::DBInstance', `${id}Instance`);
    const p = r.Properties;
    const params = one('AWS::RDS::DBParameterGroup', `${id}ParameterGroup`).Properties;
    const sg = res.find(([sid, x]) => x.Type === 'AWS::EC2::SecurityGroup' && sid.startsWith(`${id}SecurityGroup`))![0];
    const ingress = res.filter(([, x]) => x.Type === 'AWS::EC2::SecurityGroupIngress' && JSON.stringify(x.Properties.GroupId).includes(sg))
      .map(([, x]) => `${x.Properties.FromPort}-${x.Properties.ToPort} from ${symbol(x.Properties.SourceSecurityGroupId)}`);
    const logs = res.filter(([lid, x]) => x.Type === 'AWS::Logs::LogGroup' && lid.startsWith(`${id}Log`)).map(([, x]) => x.Properties.LogGroupName).sort();
    return [id, {
      identifier: p.DBInstanceIdentifier,
      engine: p.Engine,
      version: p.EngineVersion,
      lifecycle: p.EngineLifecycleSupport,
      class: p.DBInstanceClass,
      storage: [Number(p.AllocatedStorage), p.MaxAllocatedStorage, p.StorageType, p.StorageEncrypted, symbol(p.KmsKeyId)],
      secret: [p.ManageMasterUserPassword, symbol(p.MasterUserSecret?.KmsKeyId), p.MasterUserPassword ?? null],
      user: p.MasterUsername,
      name: p.DBName,
      port: Number(p.Port),
      multiAz: p.MultiAZ,
      deletionProtection: p.DeletionProtection,
      backups: [p.BackupRetentionPeriod, p.PreferredBackupWindow, p.DeleteAutomatedBackups],
      maintenance: p.PreferredMaintenanceWindow,
      public: p.PubliclyAccessible,
      iamAuth: p.EnableIAMDatabaseAuthentication,
      ca: p.CACertificateIdentifier,
      logs: [p.EnableCloudwatchLogsExports, logs],
      monitoring: [p.MonitoringInterval, p.MonitoringRoleArn !== undefined],
      insights: [p.DatabaseInsightsMode, p.EnablePerformanceInsights, p.PerformanceInsightsRetentionPeriod ?? null],
      minorUpgrades: p.AutoMinorVersionUpgrade,
      majorUpgrades: p.AllowMajorVersionUpgrade,
      copyTags: p.CopyTagsToSnapshot,
      parameters: [params.Family, params.Parameters],
      onDelete: r.DeletionPolicy === 'Snapshot' ? 'snapshot, kept' : 'deleted',
      ingress,
    }];
  }));
  const container = one('AWS::ECS::TaskDefinition', 'ApiTaskDefinition').Properties.ContainerDefinitions[0];
  const statements = one('AWS::IAM::Policy', 'ApiExecutionRoleDefaultPolicy').Properties.PolicyDocument.Statement;
  return {
    databases,
    service: {
      environment: container.Environment.map((e: Json) => [e.Name, symbol(e.Value)]),
      secrets: container.Secrets.map((e: Json) => [e.Name, symbol(e.ValueFrom), /:(\w+)::/.exec(JSON.stringify(e.ValueFrom))?.[1]]),
      grants: grantsOf(statements),
    },
  };
}

function normaliseTf(j: TfJson): Json {
  const res = Object.entries<Json>(j.resource).flatMap(([type, rs]) => Object.entries<Json>(rs).map(([name, r]) => [type, name, r] as const));
  const one = (type: string, prefix: string) => res.find(([t, n]) => t === type && n.startsWith(`${prefix}_`))![2];
  const databases = Object.fromEntries(Object.keys(DATABASES).map((id) => {
    const p = one('aws_db_instance', `${id}_Instance`);
    const params = one('aws_db_parameter_group', `${id}_ParameterGroup`);
    const ingress = res.filter(([t, , r]) => t === 'aws_vpc_security_group_ingress_rule' && String(r.security_group_id).includes(`${id}_SecurityGroup`))
      .map(([, , r]) => `${r.from_port}-${r.to_port} from ${symbol(r.referenced_security_group_id)}`);
    const logs = res.filter(([t, n]) => t === 'aws_cloudwatch_log_group' && n.startsWith(`${id}_Log`)).map(([, , r]) => r.name).sort();
    return [id, {
      identifier: p.identifier,
      engine: p.engine,
      version: p.engine_version,
      lifecycle: p.engine_lifecycle_support,
      class: p.instance_class,
      storage: [p.allocated_storage, p.max_allocated_storage, p.storage_type, p.storage_encrypted, symbol(p.kms_key_id)],
      secret: [p.manage_master_user_password, symbol(p.master_user_secret_kms_key_id), p.password ?? null],
      user: p.username,
      name: p.db_name,
      port: p.port,
      multiAz: p.multi_az,
      deletionProtection: p.deletion_protection,
      backups: [p.backup_retention_period, p.backup_window, p.delete_automated_backups],
      maintenance: p.maintenance_window,
      public: p.publicly_accessible,
      iamAuth: p.iam_database_authentication_enabled,
      ca: p.ca_cert_identifier,
      logs: [p.enabled_cloudwatch_logs_exports, logs],
      monitoring: [p.monitoring_interval, p.monitoring_role_arn !== undefined],
      insights: [p.database_insights_mode, p.performance_insights_enabled, p.performance_insights_retention_period ?? null],
      minorUpgrades: p.auto_minor_version_upgrade,
      majorUpgrades: p.allow_major_version_upgrade,
      copyTags: p.copy_tags_to_snapshot,
      parameters: [params.family, Object.fromEntries(params.parameter.map((x: Json) => [x.name, x.value]))],
      onDelete: p.lifecycle?.prevent_destroy && p.skip_final_snapshot === false ? 'snapshot, kept' : 'deleted',
      ingress,
    }];
  }));
  const [container] = tfContainers(one('aws_ecs_task_definition', 'Api_TaskDefinition'));
  return {
    databases,
    service: {
      environment: container.environment.map((e: Json) => [e.name, symbol(e.value)]),
      secrets: container.secrets.map((e: Json) => [e.name, symbol(e.valueFrom), /:(\w+)::/.exec(e.valueFrom)?.[1]]),
      grants: grantsOf(tfPolicy(one('aws_iam_role_policy', 'Api_ExecutionRolePolicy')).Statement),
    },
  };
}

/** The execution role's secret and key grants, one line per action and resource. */
function grantsOf(statements: Json[]): string[] {
  return statements.filter((s) => /secretsmanager|kms/.test(JSON.stringify(s.Action)))
    .flatMap((s) => [].concat(s.Resource).map((r) => {
      // kms:ViaService names the service, then the deploy-time region and DNS suffix (spelt per engine).
      const via = [...JSON.stringify(s.Condition ?? {}).matchAll(/(secretsmanager|ssm)\./g)].map((m) => m[1]);
      return `${s.Action} on ${symbol(r)}${via.length ? ` via ${via.join(', ')}` : ''}`;
    }))
    .sort();
}

describe('ManagedDatabase parity: the same options build the same database in both engines', () => {
  const cfn = normaliseCfn(buildCdk());
  const tf = normaliseTf(buildTf());

  test.each(Object.keys(DATABASES))('database %s', (id) => {
    const tfDb = tf.databases[id];
    expect(tfDb).toEqual({ ...cfn.databases[id], identifier: tfDb.identifier, logs: [cfn.databases[id].logs[0], tfDb.logs[1]] });
    // The identifier (and the log groups named after it) derive from the deployment's name: Parity vs parity.
    expect(tf.databases[id].identifier).toBe(cfn.databases[id].identifier.toLowerCase());
    expect(tf.databases[id].logs[1]).toEqual(cfn.databases[id].logs[1]);
  });

  test('the granted service: variables, secrets and the execution role\'s grants', () => {
    expect(tf.service).toEqual(cfn.service);
  });

  test('the normalised form says what it should (guards against both engines being wrong alike)', () => {
    expect(cfn.databases.Main).toMatchObject({
      engine: 'postgres',
      class: 'db.m7g.large',
      multiAz: true,
      deletionProtection: true,
      public: false,
      iamAuth: true,
      onDelete: 'snapshot, kept',
      secret: [true, '<Main.Key>', null],
      parameters: ['postgres17', { 'rds.force_ssl': '1' }],
      ingress: ['5432-5432 from <Api.SecurityGroup>'],
    });
    expect(cfn.databases.Orders).toMatchObject({ engine: 'mysql', multiAz: false, onDelete: 'deleted', insights: ['standard', true, 7], ingress: ['3306-3306 from <Api.SecurityGroup>'] });
    expect(cfn.databases.Ledger).toMatchObject({ version: '11.8.6', port: 3307, storage: [50, 200, 'gp3', true, '<Ledger.Key>'], monitoring: [15, true] });
    expect(cfn.service.secrets).toContainEqual(['LEDGER_PASSWORD', '<Ledger.Instance.secret>', 'password']);
    expect(cfn.service.grants).toContain('secretsmanager:GetSecretValue on <Orders.Instance.secret>');
  });
});
