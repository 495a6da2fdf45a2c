import { Aspects, CfnElement, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as servicediscovery from 'aws-cdk-lib/aws-servicediscovery';
import { Construct, IConstruct } from 'constructs';
import {
  acknowledgeAutoDeleteProvider,
  CDK_ENVIRONMENT,
  cdkPlatformRef,
  cdkValidationContext,
  checkCdkProps,
  markCdkConstruct,
  platformKey,
} from './engine';
import { FargateWebService } from './fargate-web-service';
import { ManagedDatabase } from './managed-database';
import { ManagedTable } from './managed-table';
import { PlatformCluster } from './platform-cluster';
import { PlatformLoadBalancer } from './platform-load-balancer';
import { EnvironmentProfile } from '../constructs/environment-profile';
import { DENY_GRANTS_EXCEPT_FOR_AWS_SERVICES } from '../constructs/policies';
import { checkProps, S } from '../constructs/prop-schema';
import {
  checkTeamRoles,
  planTeleport,
  planTeleportApp,
  planTeleportDatabase,
  TELEPORT_APP_OPTIONS_SCHEMA,
  TELEPORT_DATABASE_OPTIONS_SCHEMA,
  TELEPORT_OPTIONS_SCHEMA,
  TeleportAppOptions,
  teleportAppFacts,
  teleportAppNamespaceName,
  TeleportClusterOptions,
  teleportConfigContainer,
  teleportDatabaseStatements,
  TeleportDatabaseOptions,
  teleportEngineFacts,
  TeleportPlan,
  teleportRecordingsLifecycle,
  teleportTaskRoleStatements,
} from '../constructs/teleport-cluster';
import { PropsValidator } from '../constructs/validation';

/** Props of the AWS CDK TeleportCluster. */
export interface TeleportClusterProps extends TeleportClusterOptions {
  /** The cluster Teleport runs in (its network, key and alerts topic). */
  readonly cluster: PlatformCluster;
  /**
   * The shared load balancer, listening on HTTPS: Teleport takes a listener
   * rule for `domainName` and `*.domainName`.
   * @default - Teleport gets its own load balancer with `certificateArn`
   */
  readonly loadBalancer?: PlatformLoadBalancer;
}

/**
 * Teleport's auth and proxy services on ECS Fargate, behind the platform's
 * Application Load Balancer on 443: GitHub single sign-on, cluster state and
 * audit events in DynamoDB, session recordings in S3 (all under one
 * customer-managed key), database access to RDS through IAM authentication
 * (`addDatabase`) and application access to web services (`addApp`).
 *
 * The configuration is rendered at synth and written at task start by a config
 * container, with the GitHub client secret read from Secrets Manager by ECS:
 * the secret never appears in the template or the task definition.
 */
export class TeleportCluster extends Construct {
  /** The profile the defaults were picked from. */
  public readonly profile: EnvironmentProfile;
  /** The web service Teleport runs as: its listener rule, alarms, logs and roles. */
  public readonly webService: FargateWebService;
  /** The ECS service. */
  public readonly service: ecs.FargateService;
  /** The task definition (the Teleport container and its config container). */
  public readonly taskDefinition: ecs.FargateTaskDefinition;
  /** The role Teleport runs as: its tables, bucket, key and registered databases. */
  public readonly taskRole: iam.Role;
  /** The tasks' security group. */
  public readonly securityGroup: ec2.SecurityGroup;
  /** Teleport's cluster state (with the stream its auth servers watch). */
  public readonly stateTable: ManagedTable;
  /** Teleport's audit events. */
  public readonly eventsTable: ManagedTable;
  /** Session recordings (under `records/`). */
  public readonly recordingsBucket: s3.Bucket;
  /** The key encrypting both tables and the recordings. */
  public readonly encryptionKey: kms.Key;
  /** The proxy's public address, `<domainName>:443` (what `tsh login --proxy` takes). */
  public readonly publicAddress: string;
  /** The Teleport cluster name. */
  public readonly clusterName: string;
  /** The private DNS namespace registered apps are reached through; created by the first addApp. */
  public appNamespace?: servicediscovery.PrivateDnsNamespace;

  private readonly plan: TeleportPlan;
  private readonly cluster: PlatformCluster;

  constructor(scope: Construct, id: string, props: TeleportClusterProps) {
    const schema = S.extend(TELEPORT_OPTIONS_SCHEMA, {
      cluster: cdkPlatformRef(scope, 'PlatformCluster'),
      loadBalancer: cdkPlatformRef(scope, 'PlatformLoadBalancer'),
    }, ['cluster']);
    const { v, props: p } = checkCdkProps<TeleportClusterProps>('TeleportCluster', scope, id, props, schema);
    const shared = p.loadBalancer;
    const plan = planTeleport(p, teleportEngineFacts(props, p), v);
    super(scope, id);
    markCdkConstruct(this, 'TeleportCluster');
    this.plan = plan;
    this.cluster = p.cluster;
    this.profile = plan.profile;
    this.publicAddress = plan.publicAddress;
    this.clusterName = plan.clusterName;
    const removalPolicy = plan.retainOnDelete ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    this.encryptionKey = platformKey(this, 'Key', `Encrypts the Teleport state, audit events and session recordings of ${this.node.path}`,
      plan.keyDeletionWindowDays, removalPolicy, [DENY_GRANTS_EXCEPT_FOR_AWS_SERVICES]);

    this.stateTable = new ManagedTable(this, 'StateTable', { ...plan.stateTable, kmsKeyArn: this.encryptionKey.keyArn });
    this.eventsTable = new ManagedTable(this, 'EventsTable', { ...plan.eventsTable, kmsKeyArn: this.encryptionKey.keyArn });
    this.recordingsBucket = this.createRecordingsBucket(plan, removalPolicy);

    this.webService = new FargateWebService(this, 'Service', { cluster: p.cluster, loadBalancer: shared, ...plan.service });
    this.service = this.webService.service;
    this.taskDefinition = this.webService.taskDefinition;
    this.taskRole = this.webService.taskRole;
    this.securityGroup = this.webService.securityGroup;
    if (shared && plan.certificateArn) {
      new elbv2.ApplicationListenerCertificate(this, 'ListenerCertificate', {
        listener: shared.httpsListener!,
        certificates: [elbv2.ListenerCertificate.fromArn(plan.certificateArn)],
      });
    }

    const statements = teleportTaskRoleStatements(plan, {
      stateTableArn: this.stateTable.tableArn,
      eventsTableArn: this.eventsTable.tableArn,
      recordingsBucketArn: this.recordingsBucket.bucketArn,
      keyArn: this.encryptionKey.keyArn,
    }, CDK_ENVIRONMENT);
    for (const statement of statements) this.taskRole.addToPolicy(iam.PolicyStatement.fromJson(statement));
    // cdk-nag names each wildcard finding by the logical ID of the resource whose ARN it extends.
    const logicalId = (construct: Construct) => Stack.of(this).getLogicalId(construct.node.defaultChild as CfnElement);
    const iam5 = (finding: string, reason: string) =>
      Validations.of(this.taskRole).acknowledge({ id: `AwsSolutions::AwsSolutions-IAM5[${finding}]`, reason });
    iam5(`Resource::<${logicalId(this.stateTable.table)}.Arn>/stream/*`, 'Teleport reads its state table\'s stream, whose ARN carries a timestamp.');
    iam5(`Resource::<${logicalId(this.eventsTable.table)}.Arn>/index/*`, 'Teleport queries the events table\'s time index (timesearchV2).');
    iam5(`Resource::<${logicalId(this.recordingsBucket)}.Arn>/records/*`, 'Teleport writes and reads session recordings under records/ only.');
    const keyActions = 'on the one key of Teleport\'s tables, only through DynamoDB (kms:ViaService), as DynamoDB encrypts items with data keys.';
    iam5('Action::kms:ReEncrypt*', keyActions);
    iam5('Action::kms:GenerateDataKey*', keyActions);

    this.webService._addInitContainer(teleportConfigContainer(plan, () => ({
      region: CDK_ENVIRONMENT.region,
      stateTableName: this.stateTable.tableName,
      eventsTableName: this.eventsTable.tableName,
      recordingsBucketName: this.recordingsBucket.bucketName,
    }), () => checkTeamRoles(plan, cdkValidationContext('TeleportCluster', scope, id))));
    // Every team maps to roles that exist, once every addDatabase has been made: checked before synthesis
    // (an error inside the configuration's rendering would reach the user wrapped in "Resolution error").
    Aspects.of(this).add({
      visit: (node: IConstruct) => {
        if (node === this) checkTeamRoles(plan, cdkValidationContext('TeleportCluster', scope, id));
      },
    });
    const ack = (rule: string, reason: string) =>
      Validations.of(this.taskDefinition).acknowledge({ id: `cdk-validator-cfnguard::${rule}`, reason });
    ack('ecs_task_definition_user_for_host_mode_check', 'awsvpc network mode: the rule applies to host mode only.');
    Validations.of(this.taskDefinition).acknowledge({
      id: 'AwsSolutions::AwsSolutions-ECS2',
      reason: 'the Teleport configuration (no secrets: the GitHub client secret comes from Secrets Manager) is handed to the config container as plain variables.',
    });
  }

  /**
   * Register an RDS database for database access through IAM authentication:
   * Teleport's database service gets an entry for it, its role may
   * `rds-db:connect` as exactly `options.users`, and its security group may
   * reach the database port. The role `db-<name>` grants the users to whoever
   * a GitHub team maps to it.
   */
  public addDatabase(database: ManagedDatabase, options: TeleportDatabaseOptions): void {
    const v = new PropsValidator(cdkValidationContext('TeleportCluster.addDatabase', this.node.scope!, this.node.id));
    const problem = cdkPlatformRef(this, 'ManagedDatabase').check(database);
    if (problem !== undefined) v.report('database', database, problem);
    const o = checkProps<TeleportDatabaseOptions>(v.prefixed('options.'), TELEPORT_DATABASE_OPTIONS_SCHEMA, options);
    const ok = problem === undefined;
    const planned = planTeleportDatabase(this.plan, o, ok ? {
      source: database,
      sameNetwork: database.network === this.cluster.network,
      id: database.node.id,
      engine: database.engine,
      databaseName: database.databaseName,
      address: database.endpointAddress,
      port: database.port,
      instanceIdentifier: database.instance.ref,
      resourceId: database.instance.attrDbiResourceId,
      instanceArn: database.instance.attrDbInstanceArn,
    } : undefined, v)!;
    // The rule lives with Teleport (a remote rule): the database's stack never depends on Teleport's.
    database.securityGroup.addIngressRule(this.securityGroup, ec2.Port.tcp(database.port), `Teleport ${this.node.path} to ${planned.name}`, true);
    for (const statement of teleportDatabaseStatements(planned, CDK_ENVIRONMENT)) {
      this.taskRole.addToPolicy(iam.PolicyStatement.fromJson(statement));
    }
  }

  /**
   * Register a web service for application access at `https://<name>.<domainName>`:
   * the service's tasks are registered in a private DNS namespace, and Teleport
   * reaches them there on the container port, through the service's security group.
   */
  public addApp(app: FargateWebService, options: TeleportAppOptions): void {
    const v = new PropsValidator(cdkValidationContext('TeleportCluster.addApp', this.node.scope!, this.node.id));
    const problem = cdkPlatformRef(this, 'FargateWebService').check(app);
    if (problem !== undefined) v.report('app', app, problem);
    const o = checkProps<TeleportAppOptions>(v.prefixed('options.'), TELEPORT_APP_OPTIONS_SCHEMA, options);
    const facts = problem === undefined ? teleportAppFacts(this.plan, app, this.cluster.network, o?.name) : undefined;
    const planned = planTeleportApp(this.plan, o, facts, v)!;
    const namespaceName = teleportAppNamespaceName(this.plan);
    this.appNamespace ??= new servicediscovery.PrivateDnsNamespace(this, 'AppNamespace', {
      name: namespaceName,
      vpc: this.cluster.network.vpc,
      description: `Apps registered with Teleport ${this.node.path}`,
    });
    const discovery = new servicediscovery.Service(this, `App-${planned.name}`, {
      namespace: this.appNamespace,
      name: planned.name,
      dnsRecordType: servicediscovery.DnsRecordType.A,
      dnsTtl: Duration.seconds(10),
      routingPolicy: servicediscovery.RoutingPolicy.MULTIVALUE,
      customHealthCheck: { failureThreshold: 1 },
    });
    // On the app's service and security group: the app's stack depends on Teleport's, never the reverse.
    app.service.associateCloudMapService({ service: discovery });
    const port = app.containerPort;
    app.securityGroup.addIngressRule(this.securityGroup, ec2.Port.tcp(port), `Teleport ${this.node.path} to app ${planned.name}`);
  }

  private createRecordingsBucket(plan: TeleportPlan, removalPolicy: RemovalPolicy): s3.Bucket {
    const lifecycle = teleportRecordingsLifecycle(plan);
    const bucket = new s3.Bucket(this, 'Recordings', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.encryptionKey,
      bucketKeyEnabled: true,
      versioned: true,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{
        id: 'recordings',
        expiration: Duration.days(lifecycle.expirationDays),
        noncurrentVersionExpiration: Duration.days(lifecycle.noncurrentExpirationDays),
        abortIncompleteMultipartUploadAfter: Duration.days(lifecycle.abortMultipartDays),
        transitions: lifecycle.infrequentAccessAfterDays !== undefined
          ? [{ storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(lifecycle.infrequentAccessAfterDays) }]
          : undefined,
      }],
      removalPolicy,
      autoDeleteObjects: !plan.retainOnDelete,
    });
    const ack = (id: string, reason: string) => Validations.of(bucket).acknowledge({ id, reason });
    const noAccessLog = 'the recordings are the audit trail themselves; reads and writes are Teleport\'s role\'s, recorded by CloudTrail.';
    ack('AwsSolutions::AwsSolutions-S1', noAccessLog);
    ack('cdk-validator-cfnguard::s3_bucket_logging_enabled_check', noAccessLog);
    ack('cdk-validator-cfnguard::s3_bucket_object_lock_enabled_check',
      'recordings expire after auditRetentionDays through the lifecycle; Object Lock would keep them past it.');
    ack('cdk-validator-cfnguard::s3_event_notifications_enabled_check', 'Teleport reads recordings on demand; nothing reacts to new objects.');
    ack('cdk-validator-cfnguard::s3_bucket_replication_enabled_check', 'single-region platform; versioning and the retention policy protect the recordings.');
    if (!plan.retainOnDelete) acknowledgeAutoDeleteProvider(this);
    return bucket;
  }
}
