// Deep imports only: the @cdktf/provider-aws root barrel costs ~1.7 s and 550 MB.
import { AppautoscalingPolicy } from '@cdktf/provider-aws/lib/appautoscaling-policy';
import { AppautoscalingTarget } from '@cdktf/provider-aws/lib/appautoscaling-target';
import { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { dependable, Lazy } from 'cdktf';
import { Construct } from 'constructs';
import {
  awsEnvironment,
  cdktfLiteralRegion,
  cdktfPlatformRef,
  cdktfValidationContext,
  checkCdktfProps,
  markCdktfConstruct,
  nameTag,
  physicalName,
  policyDocument,
} from './engine';
import { IFargateService } from './fargate-service';
import { EnvironmentProfile } from '../constructs/environment-profile';
import {
  ManagedTableOptions,
  MANAGED_TABLE_OPTIONS_SCHEMA,
  planTable,
  TableAccess,
  tableGrantStatements,
  TablePlan,
} from '../constructs/managed-table';
import { allowAccountToAdministerKey, DENY_GRANTS_EXCEPT_FOR_AWS_SERVICES } from '../constructs/policies';
import { checkProps, S } from '../constructs/prop-schema';
import { PropsValidator } from '../constructs/validation';

/** Props of the CDK for Terraform ManagedTable. */
export interface ManagedTableProps extends ManagedTableOptions {}

/** DynamoDB table names: 3 to 255 characters of letters, digits, `_`, `-` and `.`. */
const TABLE_NAME_CHARACTERS = /[A-Za-z0-9_.-]/;

/**
 * A DynamoDB table: partition and sort keys, global secondary indexes, TTL,
 * an optional stream, on-demand or provisioned (optionally autoscaled)
 * capacity, point-in-time recovery (35 days), encryption with a
 * customer-managed KMS key (created with rotation unless one is given), and
 * deletion protection and `prevent_destroy` in PRODUCTION.
 *
 * The same plan as the AWS CDK ManagedTable, rendered as AWS provider resources.
 */
export class ManagedTable extends Construct {
  /** The profile the defaults were picked from. */
  public readonly profile: EnvironmentProfile;
  /** The DynamoDB table. */
  public readonly table: DynamodbTable;
  /** The table name (derived from the construct path: Terraform needs one). */
  public readonly tableName: string;
  /** The table ARN. */
  public readonly tableArn: string;
  /** The KMS key created for the table; undefined when `kmsKeyArn` was given. */
  public readonly encryptionKey?: KmsKey;
  /** The ARN of the key the table is encrypted with: the one created, or `kmsKeyArn`. */
  public readonly encryptionKeyArn: string;
  /** The environment variable granted services receive the table name in. */
  public readonly environmentVariable: string;

  private readonly plan: TablePlan;
  /** What each granted service may do (one policy per service, widened by later grants). */
  private readonly grants = new Map<IFargateService, TableAccess[]>();

  constructor(scope: Construct, id: string, props: ManagedTableProps) {
    const { v, props: checked } = checkCdktfProps<ManagedTableProps>('ManagedTable', scope, id, props, MANAGED_TABLE_OPTIONS_SCHEMA);
    const plan = planTable(checked, v, id, { region: cdktfLiteralRegion(scope) });
    super(scope, id);
    markCdktfConstruct(this, 'ManagedTable');
    this.plan = plan;
    this.profile = plan.profile;
    this.environmentVariable = plan.environmentVariable;
    // Terraform has no "retain on destroy" for these: prevent_destroy makes a destroy fail instead.
    const preventDestroy = plan.retainOnDelete ? true : undefined;

    if (plan.encryption.createKey) {
      const env = awsEnvironment(this, 'Key');
      this.encryptionKey = new KmsKey(this, 'Key', {
        description: `Encrypts the DynamoDB table ${this.node.path}`,
        enableKeyRotation: true,
        deletionWindowInDays: plan.keyDeletionWindowDays,
        policy: policyDocument([allowAccountToAdministerKey(env), DENY_GRANTS_EXCEPT_FOR_AWS_SERVICES]),
        lifecycle: preventDestroy ? { preventDestroy } : undefined,
        tags: nameTag(this),
      });
      this.encryptionKeyArn = this.encryptionKey.arn;
    } else {
      this.encryptionKeyArn = plan.encryption.kmsKeyArn;
    }

    // Autoscaling owns the table's provisioned capacity once on: the provider's documentation advises
    // ignore_changes on read_capacity/write_capacity. An index's capacity cannot be ignored on its own
    // (only the whole global_secondary_index set), so an apply while autoscaling has moved an index
    // resets that index to the planned capacity until autoscaling moves it again.
    const ignoreChanges = [
      ...(plan.autoScaling.some((s) => s.indexName === undefined && s.dimension === 'read') ? ['read_capacity'] : []),
      ...(plan.autoScaling.some((s) => s.indexName === undefined && s.dimension === 'write') ? ['write_capacity'] : []),
    ];
    this.table = new DynamodbTable(this, 'Table', {
      name: physicalName(this, { allowed: TABLE_NAME_CHARACTERS, maxLength: 255 }),
      billingMode: plan.billingMode,
      hashKey: plan.partitionKey.name,
      rangeKey: plan.sortKey?.name,
      readCapacity: plan.readCapacity,
      writeCapacity: plan.writeCapacity,
      attribute: plan.attributeDefinitions.map((a) => ({ name: a.name, type: a.type })),
      globalSecondaryIndex: plan.globalSecondaryIndexes.length > 0
        ? plan.globalSecondaryIndexes.map((index) => ({
          name: index.indexName,
          hashKey: index.partitionKey.name,
          rangeKey: index.sortKey?.name,
          projectionType: index.projection,
          nonKeyAttributes: index.nonKeyAttributes.length > 0 ? index.nonKeyAttributes : undefined,
          readCapacity: index.readCapacity,
          writeCapacity: index.writeCapacity,
        }))
        : undefined,
      ttl: plan.timeToLiveAttribute !== undefined ? { attributeName: plan.timeToLiveAttribute, enabled: true } : undefined,
      streamEnabled: plan.stream !== undefined,
      streamViewType: plan.stream,
      pointInTimeRecovery: {
        enabled: plan.pointInTimeRecovery.enabled,
        recoveryPeriodInDays: plan.pointInTimeRecovery.recoveryPeriodInDays,
      },
      serverSideEncryption: { enabled: true, kmsKeyArn: this.encryptionKeyArn },
      deletionProtectionEnabled: plan.deletionProtection,
      lifecycle: preventDestroy || ignoreChanges.length > 0
        ? { preventDestroy, ignoreChanges: ignoreChanges.length > 0 ? ignoreChanges : undefined }
        : undefined,
      // The profile tag lets the Guard rules hold PRODUCTION tables to deletion protection.
      tags: nameTag(this, { 'platform:profile': plan.profile }),
    });
    this.tableName = this.table.name;
    this.tableArn = this.table.arn;

    for (const s of plan.autoScaling) {
      const prefix = `${s.indexName ?? ''}${s.dimension === 'read' ? 'Read' : 'Write'}Scaling`;
      const target = new AppautoscalingTarget(this, `${prefix}Target`, {
        serviceNamespace: 'dynamodb',
        resourceId: s.indexName === undefined ? `table/${this.table.name}` : `table/${this.table.name}/index/${s.indexName}`,
        scalableDimension: s.scalableDimension,
        minCapacity: s.minCapacity,
        maxCapacity: s.maxCapacity,
        tags: nameTag(this),
      });
      new AppautoscalingPolicy(this, `${prefix}Policy`, {
        name: physicalName(this, { suffix: prefix, allowed: /[A-Za-z0-9_./-]/ }),
        policyType: 'TargetTrackingScaling',
        serviceNamespace: target.serviceNamespace,
        scalableDimension: target.scalableDimension,
        resourceId: target.resourceId,
        targetTrackingScalingPolicyConfiguration: {
          targetValue: s.targetUtilizationPercent,
          predefinedMetricSpecification: { predefinedMetricType: s.predefinedMetric },
        },
      });
    }
  }

  /**
   * Let the service read items (GetItem, Query, Scan, BatchGetItem, ...) and
   * decrypt them, and give its container the table name in `environmentVariable`.
   */
  public grantReadData(service: IFargateService): void {
    this.grant('grantReadData', service, 'read');
  }

  /**
   * Let the service write items (PutItem, UpdateItem, DeleteItem,
   * BatchWriteItem) and encrypt them, and give its container the table name.
   */
  public grantWriteData(service: IFargateService): void {
    this.grant('grantWriteData', service, 'write');
  }

  /** Let the service read and write items, and give its container the table name. */
  public grantReadWriteData(service: IFargateService): void {
    this.grant('grantReadWriteData', service, 'readWrite');
  }

  private grant(method: string, service: IFargateService, access: TableAccess): void {
    const v = new PropsValidator(cdktfValidationContext(`ManagedTable.${method}`, this.node.scope!, this.node.id));
    checkProps(v, S.struct<{ service: IFargateService }>({ service: cdktfPlatformRef(this, 'FargateWebService', 'FargateWorkerService') }, ['service']), { service });
    v.throwIfInvalid();
    const existing = this.grants.get(service);
    if (existing) {
      if (!existing.includes(access)) existing.push(access);
      return;
    }
    // The variable first: when the service already has that name, nothing has been granted yet.
    service.addEnvironment(this.plan.environmentVariable, this.tableName);
    const accesses: TableAccess[] = [access];
    // In the service's scope (and stack): the table's stack never depends on the services it serves.
    const env = awsEnvironment(service);
    const indexNames = this.plan.globalSecondaryIndexes.map((i) => i.indexName);
    const policy = new IamRolePolicy(service, `TableAccess-${this.node.path.replace(/\//g, '-')}`, {
      role: service.taskRole.id,
      // Lazy: a later grant of another kind to the same service widens this policy.
      policy: Lazy.stringValue({
        produce: () => policyDocument(tableGrantStatements(accesses, this.tableArn, this.encryptionKeyArn, indexNames, env)),
      }),
    });
    // Tasks may call DynamoDB as soon as they start: the service waits for the policy (same stack).
    service.service.dependsOn = [...(service.service.dependsOn ?? []), dependable(policy)];
    this.grants.set(service, accesses);
  }
}
