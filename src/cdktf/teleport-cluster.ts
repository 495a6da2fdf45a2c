// Deep imports only: the @cdktf/provider-aws root barrel costs ~1.7 s and 550 MB.
import { EcsService } from '@cdktf/provider-aws/lib/ecs-service';
import { EcsTaskDefinition } from '@cdktf/provider-aws/lib/ecs-task-definition';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { LbListenerCertificate } from '@cdktf/provider-aws/lib/lb-listener-certificate';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { ServiceDiscoveryPrivateDnsNamespace } from '@cdktf/provider-aws/lib/service-discovery-private-dns-namespace';
import { ServiceDiscoveryService } from '@cdktf/provider-aws/lib/service-discovery-service';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { Aspects, dependable, Lazy } from 'cdktf';
import { Construct, IConstruct } from 'constructs';
import {
  awsEnvironment,
  cdktfPlatformRef,
  cdktfValidationContext,
  checkCdktfProps,
  markCdktfConstruct,
  nameTag,
  policyDocument,
} from './engine';
import { FargateWebService } from './fargate-web-service';
import { ManagedDatabase } from './managed-database';
import { ManagedTable } from './managed-table';
import { PlatformCluster } from './platform-cluster';
import { PlatformLoadBalancer } from './platform-load-balancer';
import { EnvironmentProfile } from '../constructs/environment-profile';
import { allowAccountToAdministerKey, DENY_GRANTS_EXCEPT_FOR_AWS_SERVICES, denyInsecureTransport } from '../constructs/policies';
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
  TeleportDatabaseOptions,
  teleportEngineFacts,
  TeleportPlan,
  teleportRecordingsLifecycle,
  teleportTaskRoleStatements,
} from '../constructs/teleport-cluster';
import { PropsValidator } from '../constructs/validation';

/** Props of the CDK for Terraform TeleportCluster. */
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
 * the secret never appears in the configuration, in Terraform state or in the
 * task definition.
 */
export class TeleportCluster extends Construct {
  /** The profile the defaults were picked from. */
  public readonly profile: EnvironmentProfile;
  /** The web service Teleport runs as: its listener rule, alarms, logs and roles. */
  public readonly webService: FargateWebService;
  /** The ECS service. */
  public readonly service: EcsService;
  /** The task definition (the Teleport container and its config container). */
  public readonly taskDefinition: EcsTaskDefinition;
  /** The role Teleport runs as: its tables, bucket, key and registered databases. */
  public readonly taskRole: IamRole;
  /** Teleport's own statements on the task role. */
  public readonly taskRolePolicy: IamRolePolicy;
  /** The tasks' security group. */
  public readonly securityGroup: SecurityGroup;
  /** Teleport's cluster state (with the stream its auth servers watch). */
  public readonly stateTable: ManagedTable;
  /** Teleport's audit events. */
  public readonly eventsTable: ManagedTable;
  /** Session recordings (under `records/`). */
  public readonly recordingsBucket: S3Bucket;
  /** The key encrypting both tables and the recordings. */
  public readonly encryptionKey: KmsKey;
  /** The proxy's public address, `<domainName>:443` (what `tsh login --proxy` takes). */
  public readonly publicAddress: string;
  /** The Teleport cluster name. */
  public readonly clusterName: string;
  /** The private DNS namespace registered apps are reached through; created by the first addApp. */
  public appNamespace?: ServiceDiscoveryPrivateDnsNamespace;

  private readonly plan: TeleportPlan;
  private readonly cluster: PlatformCluster;

  constructor(scope: Construct, id: string, props: TeleportClusterProps) {
    const schema = S.extend(TELEPORT_OPTIONS_SCHEMA, {
      cluster: cdktfPlatformRef(scope, 'PlatformCluster'),
      loadBalancer: cdktfPlatformRef(scope, 'PlatformLoadBalancer'),
    }, ['cluster']);
    const { v, props: p } = checkCdktfProps<TeleportClusterProps>('TeleportCluster', scope, id, props, schema);
    const shared = p.loadBalancer;
    const plan = planTeleport(p, teleportEngineFacts(props, p), v);
    super(scope, id);
    markCdktfConstruct(this, 'TeleportCluster');
    this.plan = plan;
    this.cluster = p.cluster;
    this.profile = plan.profile;
    this.publicAddress = plan.publicAddress;
    this.clusterName = plan.clusterName;
    // Terraform has no "retain on destroy": prevent_destroy makes a destroy fail instead.
    const lifecycle = plan.retainOnDelete ? { preventDestroy: true } : undefined;
    // Read now: the lazy policy and configuration are produced after the construct tree is final,
    // too late to add the data sources they read.
    const lazyEnv = awsEnvironment(this);
    const env = { partition: lazyEnv.partition, region: lazyEnv.region, accountId: lazyEnv.accountId, urlSuffix: lazyEnv.urlSuffix };

    this.encryptionKey = new KmsKey(this, 'Key', {
      description: `Encrypts the Teleport state, audit events and session recordings of ${this.node.path}`,
      enableKeyRotation: true,
      deletionWindowInDays: plan.keyDeletionWindowDays,
      policy: policyDocument([allowAccountToAdministerKey(env), DENY_GRANTS_EXCEPT_FOR_AWS_SERVICES]),
      lifecycle,
      tags: nameTag(this),
    });

    this.stateTable = new ManagedTable(this, 'StateTable', { ...plan.stateTable, kmsKeyArn: this.encryptionKey.arn });
    this.eventsTable = new ManagedTable(this, 'EventsTable', { ...plan.eventsTable, kmsKeyArn: this.encryptionKey.arn });
    this.recordingsBucket = this.createRecordingsBucket(plan, lifecycle);

    this.webService = new FargateWebService(this, 'Service', { cluster: p.cluster, loadBalancer: shared, ...plan.service });
    this.service = this.webService.service;
    this.taskDefinition = this.webService.taskDefinition;
    this.taskRole = this.webService.taskRole;
    this.securityGroup = this.webService.securityGroup;
    if (shared && plan.certificateArn) {
      new LbListenerCertificate(this, 'ListenerCertificate', {
        listenerArn: shared.httpsListener!.arn,
        certificateArn: plan.certificateArn,
      });
    }

    this.taskRolePolicy = new IamRolePolicy(this, 'TaskRolePolicy', {
      role: this.taskRole.id,
      // Lazy: addDatabase grants rds-db:connect after construction.
      policy: Lazy.stringValue({
        produce: () => policyDocument(teleportTaskRoleStatements(plan, {
          stateTableArn: this.stateTable.tableArn,
          eventsTableArn: this.eventsTable.tableArn,
          recordingsBucketArn: this.recordingsBucket.arn,
          keyArn: this.encryptionKey.arn,
        }, env)),
      }),
    });
    // Teleport reads its tables as soon as a task starts: the policy comes first.
    this.service.dependsOn = [...(this.service.dependsOn ?? []), dependable(this.taskRolePolicy)];

    this.webService._addInitContainer(teleportConfigContainer(plan, () => ({
      region: env.region,
      stateTableName: this.stateTable.tableName,
      eventsTableName: this.eventsTable.tableName,
      recordingsBucketName: this.recordingsBucket.bucket,
    }), () => checkTeamRoles(plan, cdktfValidationContext('TeleportCluster', scope, id))));
    // Every team maps to roles that exist, once every addDatabase has been made: checked before synthesis
    // (an error inside the configuration's rendering would reach the user wrapped in "Resolution error").
    Aspects.of(this).add({
      visit: (node: IConstruct) => {
        if (node === this) checkTeamRoles(plan, cdktfValidationContext('TeleportCluster', scope, id));
      },
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
    const v = new PropsValidator(cdktfValidationContext('TeleportCluster.addDatabase', this.node.scope!, this.node.id));
    const problem = cdktfPlatformRef(this, 'ManagedDatabase').check(database);
    if (problem !== undefined) v.report('database', database, problem);
    const o = checkProps<TeleportDatabaseOptions>(v.prefixed('options.'), TELEPORT_DATABASE_OPTIONS_SCHEMA, options);
    const planned = planTeleportDatabase(this.plan, o, problem === undefined ? {
      source: database,
      sameNetwork: database.network === this.cluster.network,
      id: database.node.id,
      engine: database.engine,
      databaseName: database.databaseName,
      address: database.endpointAddress,
      port: database.port,
      instanceIdentifier: database.instance.identifier,
      resourceId: database.instance.resourceId,
      instanceArn: database.instance.arn,
    } : undefined, v)!;
    // With Teleport: the database's stack never depends on Teleport's.
    new VpcSecurityGroupIngressRule(this, `DatabaseIngress-${planned.name}`, {
      securityGroupId: database.securityGroup.id,
      description: `Teleport ${this.node.path} to ${planned.name}`,
      ipProtocol: 'tcp',
      fromPort: database.port,
      toPort: database.port,
      referencedSecurityGroupId: this.securityGroup.id,
      tags: nameTag(this),
    });
  }

  /**
   * Register a web service for application access at `https://<name>.<domainName>`:
   * the service's tasks are registered in a private DNS namespace, and Teleport
   * reaches them there on the container port, through the service's security group.
   */
  public addApp(app: FargateWebService, options: TeleportAppOptions): void {
    const v = new PropsValidator(cdktfValidationContext('TeleportCluster.addApp', this.node.scope!, this.node.id));
    const problem = cdktfPlatformRef(this, 'FargateWebService').check(app);
    if (problem !== undefined) v.report('app', app, problem);
    const o = checkProps<TeleportAppOptions>(v.prefixed('options.'), TELEPORT_APP_OPTIONS_SCHEMA, options);
    const facts = problem === undefined ? teleportAppFacts(this.plan, app, this.cluster.network, o?.name) : undefined;
    const planned = planTeleportApp(this.plan, o, facts, v)!;
    const namespaceName = teleportAppNamespaceName(this.plan);
    this.appNamespace ??= new ServiceDiscoveryPrivateDnsNamespace(this, 'AppNamespace', {
      name: namespaceName,
      vpc: this.cluster.network.vpcId,
      description: `Apps registered with Teleport ${this.node.path}`,
      tags: nameTag(this),
    });
    const discovery = new ServiceDiscoveryService(this, `App-${planned.name}`, {
      name: planned.name,
      dnsConfig: {
        namespaceId: this.appNamespace.id,
        dnsRecords: [{ type: 'A', ttl: 10 }],
        routingPolicy: 'MULTIVALUE',
      },
      healthCheckCustomConfig: { failureThreshold: 1 },
      tags: nameTag(this),
    });
    // On the app's service and security group: the app's stack depends on Teleport's, never the reverse.
    app.service.putServiceRegistries({ registryArn: discovery.arn });
    new VpcSecurityGroupIngressRule(app, `TeleportIngress-${planned.name}`, {
      securityGroupId: app.securityGroup.id,
      description: `Teleport ${this.node.path} to app ${planned.name}`,
      ipProtocol: 'tcp',
      fromPort: app.containerPort,
      toPort: app.containerPort,
      referencedSecurityGroupId: this.securityGroup.id,
      tags: nameTag(app),
    });
  }

  /** Versioned, encrypted with the key (bucket key on), private, TLS only, expiring with the audit retention. */
  private createRecordingsBucket(plan: TeleportPlan, lifecycle: { preventDestroy: boolean } | undefined): S3Bucket {
    const bucket = new S3Bucket(this, 'Recordings', {
      forceDestroy: !plan.retainOnDelete,
      lifecycle,
      tags: nameTag(this),
    });
    new S3BucketVersioningA(this, 'RecordingsVersioning', {
      bucket: bucket.id,
      versioningConfiguration: { status: 'Enabled' },
    });
    new S3BucketServerSideEncryptionConfigurationA(this, 'RecordingsEncryption', {
      bucket: bucket.id,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: this.encryptionKey.arn }, bucketKeyEnabled: true }],
    });
    const publicAccessBlock = new S3BucketPublicAccessBlock(this, 'RecordingsPublicAccessBlock', {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, 'RecordingsOwnership', {
      bucket: bucket.id,
      rule: { objectOwnership: 'BucketOwnerEnforced' },
    });
    const l = teleportRecordingsLifecycle(plan);
    new S3BucketLifecycleConfiguration(this, 'RecordingsLifecycle', {
      bucket: bucket.id,
      rule: [{
        id: 'recordings',
        status: 'Enabled',
        filter: [{ prefix: '' }],
        expiration: [{ days: l.expirationDays }],
        noncurrentVersionExpiration: [{ noncurrentDays: l.noncurrentExpirationDays }],
        abortIncompleteMultipartUpload: [{ daysAfterInitiation: l.abortMultipartDays }],
        transition: l.infrequentAccessAfterDays !== undefined ? [{ days: l.infrequentAccessAfterDays, storageClass: 'STANDARD_IA' }] : undefined,
      }],
    });
    new S3BucketPolicy(this, 'RecordingsPolicy', {
      bucket: bucket.id,
      policy: policyDocument([denyInsecureTransport([bucket.arn, `${bucket.arn}/*`], 's3:*')]),
      // A policy is refused while Block Public Access is still being applied.
      dependsOn: [publicAccessBlock],
    });
    return bucket;
  }
}
