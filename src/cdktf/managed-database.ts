// Deep imports only: the @cdktf/provider-aws root barrel costs ~1.7 s and 550 MB.
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { DbInstance } from '@cdktf/provider-aws/lib/db-instance';
import { DbParameterGroup } from '@cdktf/provider-aws/lib/db-parameter-group';
import { DbSubnetGroup } from '@cdktf/provider-aws/lib/db-subnet-group';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import {
  acknowledgeGuardRule,
  assumeRolePolicy,
  awsEnvironment,
  cdktfPlatformRef,
  cdktfValidationContext,
  checkCdktfProps,
  markCdktfConstruct,
  nameTag,
  policyDocument,
} from './engine';
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
import { allowAccountToAdministerKey, allowCloudWatchLogs, DENY_GRANTS_EXCEPT_FOR_AWS_SERVICES, RDS_ENHANCED_MONITORING } from '../constructs/policies';
import { S } from '../constructs/prop-schema';
import { PropsValidator } from '../constructs/validation';

/** Props of the CDK for Terraform ManagedDatabase. */
export interface ManagedDatabaseProps extends ManagedDatabaseOptions {
  /** The network whose isolated subnets the database sits in. */
  readonly network: PlatformNetwork;
}

/**
 * An RDS database (PostgreSQL, MySQL or MariaDB) in the network's isolated
 * subnets: encrypted with a customer-managed key, TLS required, master
 * password generated and rotated by RDS in Secrets Manager (never in the
 * Terraform state), IAM authentication, automated backups, logs exported to
 * encrypted log groups, Database Insights, no public access and no ingress
 * until a service is granted it with `grantConnect`. PRODUCTION: multi-AZ,
 * deletion protection, 14 days of backups, a final snapshot and `prevent_destroy`.
 *
 * The same plan as the AWS CDK ManagedDatabase, rendered as AWS provider resources.
 */
export class ManagedDatabase extends Construct {
  /** The profile the defaults were picked from. */
  public readonly profile: EnvironmentProfile;
  /** The DB instance. */
  public readonly instance: DbInstance;
  /** The database's security group: the engine port from granted services only. */
  public readonly securityGroup: SecurityGroup;
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
  /** The key created for the database; undefined when `kmsKeyArn` was given. */
  public readonly encryptionKey?: KmsKey;
  /** The ARN of the key encrypting the storage, the master secret, Performance Insights and the logs. */
  public readonly encryptionKeyArn: string;
  /** The library's parameter group (TLS required). */
  public readonly parameterGroup: DbParameterGroup;
  /** The subnet group of the network's isolated subnets. */
  public readonly subnetGroup: DbSubnetGroup;
  /** The log groups the instance exports its logs to, by log type. */
  public readonly logGroups: Record<string, CloudwatchLogGroup>;

  private readonly connected = new Set<IFargateService>();

  constructor(scope: Construct, id: string, props: ManagedDatabaseProps) {
    const { v, props: checked } = checkCdktfProps<ManagedDatabaseProps>('ManagedDatabase', scope, id, props,
      S.extend(DATABASE_OPTIONS_SCHEMA, { network: cdktfPlatformRef(scope, 'PlatformNetwork') }, ['network']));
    const plan = planDatabase(checked, checked.network?.profile ?? EnvironmentProfile.DEVELOPMENT, v);
    super(scope, id);
    markCdktfConstruct(this, 'ManagedDatabase');
    this.profile = plan.profile;
    this.port = plan.port;
    this.databaseName = plan.databaseName;
    this.engine = plan.engine;
    this.network = checked.network;
    const network = props.network;
    const env = awsEnvironment(this);

    if (plan.kmsKeyArn) {
      this.encryptionKeyArn = plan.kmsKeyArn;
    } else {
      this.encryptionKey = new KmsKey(this, 'Key', {
        description: `Encrypts the storage, master secret, insights and logs of ${this.node.path}`,
        enableKeyRotation: true,
        deletionWindowInDays: plan.keyDeletionWindowDays,
        policy: policyDocument([allowAccountToAdministerKey(env), allowCloudWatchLogs(env), DENY_GRANTS_EXCEPT_FOR_AWS_SERVICES]),
        lifecycle: plan.snapshotOnDelete ? { preventDestroy: true } : undefined,
        tags: nameTag(this),
      });
      this.encryptionKeyArn = this.encryptionKey.arn;
    }

    // No egress rules: Terraform removes EC2's default allow-all, and a database starts no connections.
    this.securityGroup = new SecurityGroup(this, 'SecurityGroup', {
      description: `Database ${this.node.path}: the engine port from granted services only`,
      vpcId: network.vpcId,
      tags: nameTag(this),
    });
    this.subnetGroup = new DbSubnetGroup(this, 'SubnetGroup', {
      description: `Isolated subnets of ${this.node.path}`,
      subnetIds: network.isolatedSubnetIds,
      tags: nameTag(this),
    });
    this.parameterGroup = new DbParameterGroup(this, 'ParameterGroup', {
      family: plan.parameterGroupFamily,
      description: `${this.node.path}: TLS required`,
      parameter: Object.entries(plan.parameters).map(([name, value]) => ({ name, value })),
      // A new family (major upgrade) needs the new group before the instance lets go of the old one.
      lifecycle: { createBeforeDestroy: true },
      tags: nameTag(this),
    });

    const identifier = databaseIdentifier(`${TerraformStack.of(this).node.id}/${this.node.path.split('/').slice(1).join('/')}`);
    // RDS creates the log groups it exports to unless they exist: created first, they get a retention and the key.
    this.logGroups = Object.fromEntries(plan.logExports.map((logType) => [logType, new CloudwatchLogGroup(this,
      `Log${logType.charAt(0).toUpperCase()}${logType.slice(1)}`, {
        name: databaseLogGroupName(identifier, logType),
        retentionInDays: plan.logRetentionDays,
        kmsKeyId: this.encryptionKeyArn,
        skipDestroy: plan.snapshotOnDelete,
        tags: nameTag(this),
      })]));

    const monitoring = plan.monitoringIntervalSeconds > 0 ? this.createMonitoringRole(env) : undefined;

    this.instance = new DbInstance(this, 'Instance', {
      identifier,
      engine: plan.engine,
      engineVersion: plan.engineVersion,
      engineLifecycleSupport: plan.engineLifecycleSupport,
      instanceClass: plan.instanceClass,
      allocatedStorage: plan.allocatedStorageGiB,
      maxAllocatedStorage: plan.maxAllocatedStorageGiB,
      storageType: plan.storageType,
      storageEncrypted: true,
      kmsKeyId: this.encryptionKeyArn,
      dbName: plan.databaseName,
      username: plan.masterUsername,
      // The password is generated and kept by RDS in Secrets Manager: it never enters the state.
      manageMasterUserPassword: true,
      masterUserSecretKmsKeyId: this.encryptionKeyArn,
      port: plan.port,
      multiAz: plan.multiAz,
      deletionProtection: plan.deletionProtection,
      backupRetentionPeriod: plan.backupRetentionDays,
      backupWindow: plan.backupWindow,
      maintenanceWindow: plan.maintenanceWindow,
      dbSubnetGroupName: this.subnetGroup.name,
      vpcSecurityGroupIds: [this.securityGroup.id],
      parameterGroupName: this.parameterGroup.name,
      publiclyAccessible: plan.publiclyAccessible,
      iamDatabaseAuthenticationEnabled: plan.iamAuthentication,
      caCertIdentifier: plan.caCertificate,
      enabledCloudwatchLogsExports: [...plan.logExports],
      monitoringInterval: plan.monitoringIntervalSeconds,
      monitoringRoleArn: monitoring?.role.arn,
      databaseInsightsMode: plan.databaseInsightsMode,
      performanceInsightsEnabled: plan.performanceInsightsRetentionDays !== undefined,
      performanceInsightsRetentionPeriod: plan.performanceInsightsRetentionDays,
      performanceInsightsKmsKeyId: plan.performanceInsightsRetentionDays !== undefined ? this.encryptionKeyArn : undefined,
      autoMinorVersionUpgrade: plan.autoMinorVersionUpgrade,
      allowMajorVersionUpgrade: false,
      copyTagsToSnapshot: plan.copyTagsToSnapshot,
      // PRODUCTION: a final snapshot when destroyed, and Terraform refuses to destroy it at all.
      skipFinalSnapshot: !plan.snapshotOnDelete,
      finalSnapshotIdentifier: plan.snapshotOnDelete ? `${identifier}-final` : undefined,
      deleteAutomatedBackups: !plan.snapshotOnDelete,
      lifecycle: plan.snapshotOnDelete ? { preventDestroy: true } : undefined,
      tags: nameTag(this, { 'platform:profile': plan.profile }),
      dependsOn: [...Object.values(this.logGroups), ...(monitoring ? [monitoring.policy] : [])],
    });
    this.acknowledgeProfileChoices(plan);

    this.secretArn = this.instance.masterUserSecret.get(0).secretArn;
    this.endpointAddress = this.instance.address;
  }

  /**
   * Let `service` connect: its security group may reach the engine port, its
   * execution role may read (and decrypt) the master secret, and its container
   * gets `<prefix>_HOST`, `<prefix>_PORT`, `<prefix>_NAME` and the secrets
   * `<prefix>_USERNAME`, `<prefix>_PASSWORD` (prefix `DB` unless given).
   */
  public grantConnect(service: IFargateService, options: DatabaseConnectionOptions = {}): void {
    const v = new PropsValidator(cdktfValidationContext('ManagedDatabase.grantConnect', this.node.scope!, this.node.id));
    const problem = cdktfPlatformRef(this, 'FargateWebService', 'FargateWorkerService').check(service);
    if (problem !== undefined) v.report('service', service, problem);
    const names = planConnection(options, v);
    if (!this.connected.has(service)) {
      // Under the service, so in its stack: a database stack never depends on a service stack.
      new VpcSecurityGroupIngressRule(service, `${this.node.id}Ingress${this.connected.size || ''}`, {
        securityGroupId: this.securityGroup.id,
        description: `${service.node.path} to the database`,
        ipProtocol: 'tcp',
        fromPort: this.port,
        toPort: this.port,
        referencedSecurityGroupId: service.securityGroup.id,
        tags: nameTag(this),
      });
      this.connected.add(service);
    }
    connectService(service, names, this);
  }

  /** Enhanced Monitoring's role: the managed policy's statements, inline. */
  private createMonitoringRole(env: ReturnType<typeof awsEnvironment>): { role: IamRole; policy: IamRolePolicy } {
    const role = new IamRole(this, 'MonitoringRole', {
      assumeRolePolicy: assumeRolePolicy(RDS_ENHANCED_MONITORING, env),
      tags: nameTag(this),
    });
    const policy = new IamRolePolicy(this, 'MonitoringRolePolicy', {
      role: role.id,
      policy: policyDocument(enhancedMonitoringStatements(env.partition)),
    });
    return { role, policy };
  }

  /** The choices a DEVELOPMENT database makes on purpose, acknowledged beside it with the reason. */
  private acknowledgeProfileChoices(plan: DatabasePlan): void {
    if (plan.profile === EnvironmentProfile.PRODUCTION && !plan.deletionProtection) {
      acknowledgeGuardRule(this.instance, 'TF_PROD_DB_DELETION_PROTECTION', 'Deletion protection was switched off explicitly (deletionProtection = false).');
    }
    if (plan.profile === EnvironmentProfile.PRODUCTION && !plan.multiAz) {
      acknowledgeGuardRule(this.instance, 'TF_PROD_DB_MULTI_AZ', 'Multi-AZ was switched off explicitly (multiAz = false).');
    }
  }
}
