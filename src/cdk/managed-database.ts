import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import { Construct } from 'constructs';
import { CDK_ENVIRONMENT, cdkDeploymentPath, cdkPlatformRef, cdkValidationContext, checkCdkProps, markCdkConstruct, platformKey } from './engine';
import { IFargateService } from './fargate-service';
import { PlatformNetwork } from './platform-network';
import { EnvironmentProfile } from '../constructs/environment-profile';
import {
  DatabaseEngine,
  DATABASE_OPTIONS_SCHEMA,
  DatabaseConnectionOptions,
  databaseIdentifier,
  databaseLogGroupName,
  DatabasePlan,
  enhancedMonitoringStatements,
  ManagedDatabaseOptions,
  connectService,
  planConnection,
  planDatabase,
} from '../constructs/managed-database';
import { ONE_YEAR_DAYS } from '../constructs/platform-network';
import { allowCloudWatchLogs, DENY_GRANTS_EXCEPT_FOR_AWS_SERVICES, RDS_ENHANCED_MONITORING, sourceConditions } from '../constructs/policies';
import { S } from '../constructs/prop-schema';
import { PropsValidator } from '../constructs/validation';

/** Props of the AWS CDK ManagedDatabase. */
export interface ManagedDatabaseProps extends ManagedDatabaseOptions {
  /** The network whose isolated subnets the database sits in. */
  readonly network: PlatformNetwork;
}

/**
 * An RDS database (PostgreSQL, MySQL or MariaDB) in the network's isolated
 * subnets: encrypted with a customer-managed key, TLS required, master
 * password generated and rotated by RDS in Secrets Manager, IAM
 * authentication, automated backups, logs exported to encrypted log groups,
 * Database Insights, no public access and no ingress until a service is
 * granted it with `grantConnect`. PRODUCTION: multi-AZ, deletion protection,
 * 14 days of backups and a final snapshot when deleted.
 */
export class ManagedDatabase extends Construct {
  /** The profile the defaults were picked from. */
  public readonly profile: EnvironmentProfile;
  /** The DB instance. */
  public readonly instance: rds.CfnDBInstance;
  /** The database's security group: the engine port from granted services only. */
  public readonly securityGroup: ec2.SecurityGroup;
  /** ARN of the Secrets Manager secret RDS keeps the master credentials in (`username`, `password`). */
  public readonly secretArn: string;
  /** The instance's DNS name. */
  public readonly endpointAddress: string;
  /** The port the instance listens on. */
  /** The network the database is in. */
  public readonly network: PlatformNetwork;
  /** The database engine. */
  public readonly engine: DatabaseEngine;
  public readonly port: number;
  /** The database created in the instance. */
  public readonly databaseName: string;
  /** The key encrypting the storage, the master secret, Performance Insights and the logs. */
  public readonly encryptionKey: kms.IKey;
  /** The key's ARN. */
  public readonly encryptionKeyArn: string;
  /** The library's parameter group (TLS required). */
  public readonly parameterGroup: rds.CfnDBParameterGroup;
  /** The subnet group of the network's isolated subnets. */
  public readonly subnetGroup: rds.CfnDBSubnetGroup;
  /** The log groups the instance exports its logs to, by log type. */
  public readonly logGroups: Record<string, logs.LogGroup>;

  private readonly connected = new Set<IFargateService>();

  constructor(scope: Construct, id: string, props: ManagedDatabaseProps) {
    const { v, props: checked } = checkCdkProps<ManagedDatabaseProps>('ManagedDatabase', scope, id, props,
      S.extend(DATABASE_OPTIONS_SCHEMA, { network: cdkPlatformRef(scope, 'PlatformNetwork') }, ['network']));
    const plan = planDatabase(checked, checked.network?.profile ?? EnvironmentProfile.DEVELOPMENT, v);
    super(scope, id);
    markCdkConstruct(this, 'ManagedDatabase');
    this.profile = plan.profile;
    this.port = plan.port;
    this.databaseName = plan.databaseName;
    this.engine = plan.engine;
    this.network = checked.network;
    const network = props.network;
    // Stateful: PRODUCTION keeps a snapshot of the instance and keeps the key and logs.
    const keep = plan.snapshotOnDelete ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    this.encryptionKey = plan.kmsKeyArn
      ? kms.Key.fromKeyArn(this, 'ImportedKey', plan.kmsKeyArn)
      : this.createKey(plan, keep);
    this.encryptionKeyArn = this.encryptionKey.keyArn;

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: network.vpc,
      description: `Database ${this.node.path}: the engine port from granted services only`,
      // A database starts no connections.
      allowAllOutbound: false,
    });
    this.subnetGroup = new rds.CfnDBSubnetGroup(this, 'SubnetGroup', {
      dbSubnetGroupDescription: `Isolated subnets of ${this.node.path}`,
      subnetIds: network.isolatedSubnetIds,
    });
    this.parameterGroup = new rds.CfnDBParameterGroup(this, 'ParameterGroup', {
      family: plan.parameterGroupFamily,
      description: `${this.node.path}: TLS required`,
      parameters: plan.parameters,
    });

    const identifier = databaseIdentifier(cdkDeploymentPath(this));
    // RDS creates the log groups it exports to unless they exist: created first, they get a retention and the key.
    this.logGroups = Object.fromEntries(plan.logExports.map((logType) => {
      const group = new logs.LogGroup(this, `Log${logType.charAt(0).toUpperCase()}${logType.slice(1)}`, {
        logGroupName: databaseLogGroupName(identifier, logType),
        retention: plan.logRetentionDays as logs.RetentionDays,
        encryptionKey: this.encryptionKey,
        removalPolicy: keep,
      });
      if (plan.logRetentionDays < ONE_YEAR_DAYS) {
        Validations.of(group).acknowledge({
          id: 'cdk-validator-cfnguard::cloudwatch_log_group_retention_period_check',
          reason: `database logs are kept ${plan.logRetentionDays} days in ${plan.profile}; PRODUCTION keeps them ${ONE_YEAR_DAYS} days.`,
        });
      }
      return [logType, group];
    }));

    const monitoringRole = plan.monitoringIntervalSeconds > 0 ? this.createMonitoringRole() : undefined;

    this.instance = new rds.CfnDBInstance(this, 'Instance', {
      dbInstanceIdentifier: identifier,
      engine: plan.engine,
      engineVersion: plan.engineVersion,
      engineLifecycleSupport: plan.engineLifecycleSupport,
      dbInstanceClass: plan.instanceClass,
      allocatedStorage: String(plan.allocatedStorageGiB),
      maxAllocatedStorage: plan.maxAllocatedStorageGiB,
      storageType: plan.storageType,
      storageEncrypted: true,
      kmsKeyId: this.encryptionKeyArn,
      dbName: plan.databaseName,
      masterUsername: plan.masterUsername,
      manageMasterUserPassword: true,
      masterUserSecret: { kmsKeyId: this.encryptionKeyArn },
      port: String(plan.port),
      multiAz: plan.multiAz,
      deletionProtection: plan.deletionProtection,
      backupRetentionPeriod: plan.backupRetentionDays,
      preferredBackupWindow: plan.backupWindow,
      preferredMaintenanceWindow: plan.maintenanceWindow,
      dbSubnetGroupName: this.subnetGroup.ref,
      vpcSecurityGroups: [this.securityGroup.securityGroupId],
      dbParameterGroupName: this.parameterGroup.ref,
      publiclyAccessible: plan.publiclyAccessible,
      enableIamDatabaseAuthentication: plan.iamAuthentication,
      caCertificateIdentifier: plan.caCertificate,
      enableCloudwatchLogsExports: [...plan.logExports],
      monitoringInterval: plan.monitoringIntervalSeconds,
      monitoringRoleArn: monitoringRole?.roleArn,
      databaseInsightsMode: plan.databaseInsightsMode,
      enablePerformanceInsights: plan.performanceInsightsRetentionDays !== undefined,
      performanceInsightsRetentionPeriod: plan.performanceInsightsRetentionDays,
      performanceInsightsKmsKeyId: plan.performanceInsightsRetentionDays !== undefined ? this.encryptionKeyArn : undefined,
      autoMinorVersionUpgrade: plan.autoMinorVersionUpgrade,
      allowMajorVersionUpgrade: false,
      copyTagsToSnapshot: plan.copyTagsToSnapshot,
      // PRODUCTION keeps its automated backups (beside the final snapshot) when the instance is deleted.
      deleteAutomatedBackups: !plan.snapshotOnDelete,
      tags: [{ key: 'platform:profile', value: plan.profile }],
    });
    // A snapshot when deleted in PRODUCTION (CloudFormation's Snapshot policy); replaced, never silently.
    this.instance.applyRemovalPolicy(plan.snapshotOnDelete ? RemovalPolicy.SNAPSHOT : RemovalPolicy.DESTROY);
    for (const group of Object.values(this.logGroups)) this.instance.node.addDependency(group);
    if (monitoringRole) this.instance.node.addDependency(monitoringRole);
    this.acknowledgeProfileChoices(plan);

    this.secretArn = this.instance.attrMasterUserSecretSecretArn;
    this.endpointAddress = this.instance.attrEndpointAddress;
  }

  /**
   * Let `service` connect: its security group may reach the engine port, its
   * execution role may read (and decrypt) the master secret, and its container
   * gets `<prefix>_HOST`, `<prefix>_PORT`, `<prefix>_NAME` and the secrets
   * `<prefix>_USERNAME`, `<prefix>_PASSWORD` (prefix `DB` unless given).
   */
  public grantConnect(service: IFargateService, options: DatabaseConnectionOptions = {}): void {
    const v = new PropsValidator(cdkValidationContext('ManagedDatabase.grantConnect', this.node.scope!, this.node.id));
    const problem = cdkPlatformRef(this, 'FargateWebService', 'FargateWorkerService').check(service);
    if (problem !== undefined) v.report('service', service, problem);
    const names = planConnection(options, v);
    const target = service;
    if (!this.connected.has(target)) {
      // In the service's stack (remote rule), so a database stack never depends on a service stack.
      this.securityGroup.addIngressRule(target.securityGroup, ec2.Port.tcp(this.port), `${target.node.path} to the database`, true);
      this.connected.add(target);
    }
    connectService(target, names, this);
  }

  private createKey(plan: DatabasePlan, removalPolicy: RemovalPolicy): kms.Key {
    return platformKey(this, 'Key', `Encrypts the storage, master secret, insights and logs of ${this.node.path}`, plan.keyDeletionWindowDays,
      removalPolicy, [allowCloudWatchLogs(CDK_ENVIRONMENT), DENY_GRANTS_EXCEPT_FOR_AWS_SERVICES]);
  }

  /** Enhanced Monitoring's role: the managed policy's statements, inline. */
  private createMonitoringRole(): iam.Role {
    const role = new iam.Role(this, 'MonitoringRole', {
      assumedBy: new iam.ServicePrincipal(RDS_ENHANCED_MONITORING.principal)
        .withConditions(sourceConditions(RDS_ENHANCED_MONITORING, CDK_ENVIRONMENT)),
      description: `Enhanced Monitoring of ${this.node.path}`,
    });
    for (const statement of enhancedMonitoringStatements(CDK_ENVIRONMENT.partition)) role.addToPolicy(iam.PolicyStatement.fromJson(statement));
    Validations.of(role).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:*:*:log-group:RDS*]',
      reason: 'Enhanced Monitoring writes to the RDSOSMetrics log group in the instance\'s region, as AWS\'s AmazonRDSEnhancedMonitoringRole policy allows.',
    }, {
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:*:*:log-group:RDS*:log-stream:*]',
      reason: 'Enhanced Monitoring writes one log stream per instance, named by RDS.',
    });
    return role;
  }

  /** The choices a DEVELOPMENT database makes on purpose, acknowledged beside it with the reason. */
  private acknowledgeProfileChoices(plan: DatabasePlan): void {
    const ack = (id: string, reason: string) => Validations.of(this.instance).acknowledge({ id, reason });
    const standardPort = 'the engine\'s standard port: the security group admits only granted services, so another port hides nothing.';
    ack('AwsSolutions::AwsSolutions-RDS11', standardPort);
    ack('cdk-validator-cfnguard::rds_instance_no_default_ports_check', standardPort);
    if (plan.engine !== DatabaseEngine.POSTGRES) {
      if (/^\d+\.\d+$/.test(plan.engineVersion)) {
        ack('CloudFormation-Validate::E9006', `"${plan.engineVersion}" is a major version: RDS starts at its default minor version and keeps it current `
          + '(aws-cdk-lib\'s own MysqlEngineVersion.VER_8_4 / MariaDbEngineVersion.VER_11_8 render the same); the linter lists full versions only.');
      }
    }
    if (plan.backupRetentionDays < 7) {
      ack('cdk-validator-cfnguard::rds_instance_backup_enabled_check',
        `backups are kept ${plan.backupRetentionDays} day(s) (${plan.profile} profile or explicit choice); PRODUCTION keeps 14.`);
    }
    if (!plan.multiAz) {
      const reason = `multiAz is off (${plan.profile} profile or explicit choice); PRODUCTION runs a standby in a second AZ.`;
      ack('AwsSolutions::AwsSolutions-RDS3', reason);
      ack('cdk-validator-cfnguard::rds_instance_multi_az_support_check', reason);
    }
    if (!plan.deletionProtection) {
      const reason = `deletionProtection is off (${plan.profile} profile or explicit choice) so the stack can be torn down; PRODUCTION turns it on.`;
      ack('AwsSolutions::AwsSolutions-RDS10', reason);
      ack('cdk-validator-cfnguard::rds_instance_deletion_protection_enabled_check', reason);
    }
    if (plan.monitoringIntervalSeconds === 0) {
      ack('cdk-validator-cfnguard::rds_instance_enhanced_monitoring_enabled_check', `Enhanced Monitoring is off (${plan.profile} profile or explicit choice); PRODUCTION samples every 60 s.`);
    }
  }
}
