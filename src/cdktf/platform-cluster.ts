// Deep imports only: the @cdktf/provider-aws root barrel costs ~1.7 s and 550 MB.
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { EcsCluster } from '@cdktf/provider-aws/lib/ecs-cluster';
import { EcsClusterCapacityProviders } from '@cdktf/provider-aws/lib/ecs-cluster-capacity-providers';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { SnsTopicPolicy } from '@cdktf/provider-aws/lib/sns-topic-policy';
import { Lazy } from 'cdktf';
import { Construct } from 'constructs';
import {
  acknowledgeGuardRule,
  awsEnvironment,
  cdktfPlatformRef,
  checkCdktfProps,
  logGroupNamePrefix,
  markCdktfConstruct,
  nameTag,
  physicalName,
  policyDocument,
} from './engine';
import { PlatformNetwork } from './platform-network';
import { EnvironmentProfile } from '../constructs/environment-profile';
import { CLUSTER_OPTIONS_SCHEMA, PlatformClusterOptions, planCluster } from '../constructs/platform-cluster';
import {
  allowAccountToAdministerKey,
  allowCloudWatchLogs,
  allowPublisherToEncryptForTopics,
  DENY_GRANTS_EXCEPT_FOR_AWS_SERVICES,
  TopicPublisher,
  topicPolicyStatements,
} from '../constructs/policies';
import { S } from '../constructs/prop-schema';

/** Props of the CDK for Terraform PlatformCluster. */
export interface PlatformClusterProps extends PlatformClusterOptions {
  /** The network the cluster's services run in. */
  readonly network: PlatformNetwork;
}

/**
 * An ECS cluster with the FARGATE and FARGATE_SPOT capacity providers,
 * Container Insights, ECS Exec sessions logged to an encrypted log group, a
 * customer-managed KMS key and an encrypted SNS topic for the services' alarms.
 *
 * The same plan as the AWS CDK PlatformCluster, rendered as AWS provider resources.
 */
export class PlatformCluster extends Construct {
  /** The network the cluster's services run in. */
  public readonly network: PlatformNetwork;
  /** The profile the defaults were picked from. */
  public readonly profile: EnvironmentProfile;
  /** The ECS cluster. */
  public readonly cluster: EcsCluster;
  /** The cluster's name. */
  public readonly clusterName: string;
  /** The cluster's ARN. */
  public readonly clusterArn: string;
  /** The cluster's FARGATE / FARGATE_SPOT capacity-provider association. */
  public readonly capacityProviders: EcsClusterCapacityProviders;
  /** The KMS key encrypting ECS Exec sessions and logs, the services' log groups and the alerts topic. */
  public readonly encryptionKey: KmsKey;
  /** The ARN of the encryption key. */
  public readonly encryptionKeyArn: string;
  /** The log group ECS Exec sessions are written to. */
  public readonly execLogGroup: CloudwatchLogGroup;
  /** The SNS topic the services' alarms notify. */
  public readonly alertsTopic: SnsTopic;
  /** The ARN of the alerts topic. */
  public readonly alertsTopicArn: string;

  /** The services that publish to the alerts topic; its policy and key policy are rendered from this list. */
  private readonly alertPublishers: TopicPublisher[];

  constructor(scope: Construct, id: string, props: PlatformClusterProps) {
    const { v, props: checked } = checkCdktfProps<PlatformClusterProps>('PlatformCluster', scope, id, props,
      S.extend(CLUSTER_OPTIONS_SCHEMA, { network: cdktfPlatformRef(scope, 'PlatformNetwork') }, ['network']));
    const plan = planCluster(checked, checked.network?.profile ?? EnvironmentProfile.DEVELOPMENT, v);
    super(scope, id);
    markCdktfConstruct(this, 'PlatformCluster');
    this.network = props.network;
    this.profile = plan.profile;

    const env = awsEnvironment(this, 'Key');
    this.alertPublishers = [...plan.alertPublishers];
    // The environment's data sources are created on first read: read them now, not during synthesis.
    void [env.partition, env.region, env.accountId];
    this.encryptionKey = new KmsKey(this, 'Key', {
      description: `Encrypts the ECS Exec sessions, logs and alerts of ${this.node.path}`,
      enableKeyRotation: true,
      deletionWindowInDays: plan.keyDeletionWindowDays,
      // Lazy: FinOpsGuardrails may add publishers to the alerts topic (_admitAlertPublishers).
      policy: Lazy.stringValue({
        produce: () => policyDocument([
          allowAccountToAdministerKey(env),
          allowCloudWatchLogs(env),
          ...this.alertPublishers.map((publisher) => allowPublisherToEncryptForTopics(publisher, env)),
          DENY_GRANTS_EXCEPT_FOR_AWS_SERVICES,
        ]),
      }),
      // Terraform has no "skip destroy" for KMS keys: losing the key loses the logs.
      lifecycle: plan.retainOnDelete ? { preventDestroy: true } : undefined,
      tags: nameTag(this),
    });
    this.encryptionKeyArn = this.encryptionKey.arn;

    this.execLogGroup = new CloudwatchLogGroup(this, 'ExecLogGroup', {
      namePrefix: logGroupNamePrefix(this, 'ecs-exec'),
      retentionInDays: plan.execLogRetentionDays,
      kmsKeyId: this.encryptionKey.arn,
      // skip_destroy is Terraform's RemovalPolicy.RETAIN: removed from state, kept in AWS.
      skipDestroy: plan.retainOnDelete,
      tags: nameTag(this),
    });

    this.cluster = new EcsCluster(this, 'Cluster', {
      name: physicalName(this),
      setting: [{ name: 'containerInsights', value: plan.containerInsights ? 'enabled' : 'disabled' }],
      configuration: {
        executeCommandConfiguration: {
          kmsKeyId: this.encryptionKey.arn,
          logging: 'OVERRIDE',
          logConfiguration: {
            cloudWatchLogGroupName: this.execLogGroup.name,
            cloudWatchEncryptionEnabled: true,
          },
        },
      },
      tags: nameTag(this),
    });
    if (!plan.containerInsights) {
      acknowledgeGuardRule(this.cluster, 'TF_ECS_CONTAINER_INSIGHTS',
        'Container Insights was switched off explicitly (containerInsights = false).');
    }
    this.clusterName = this.cluster.name;
    this.clusterArn = this.cluster.arn;

    this.capacityProviders = new EcsClusterCapacityProviders(this, 'CapacityProviders', {
      clusterName: this.cluster.name,
      capacityProviders: [...plan.capacityProviders],
      defaultCapacityProviderStrategy: plan.defaultCapacityProviderStrategy.map((s) => ({ ...s })),
    });

    this.alertsTopic = new SnsTopic(this, 'AlertsTopic', {
      kmsMasterKeyId: this.encryptionKey.arn,
      tags: nameTag(this),
    });
    this.alertsTopicArn = this.alertsTopic.arn;
    // A topic policy replaces SNS's default one: it must allow every service that publishes here.
    new SnsTopicPolicy(this, 'AlertsTopicPolicy', {
      arn: this.alertsTopic.arn,
      policy: Lazy.stringValue({ produce: () => policyDocument(topicPolicyStatements(this.alertsTopic.arn, this.alertPublishers, env)) }),
    });
  }

  /**
   * Let more AWS services publish to the alerts topic (its policy and its key's policy).
   * @internal
   */
  public _admitAlertPublishers(publishers: readonly TopicPublisher[]): void {
    for (const publisher of publishers) {
      if (!this.alertPublishers.some((p) => p.principal === publisher.principal)) this.alertPublishers.push(publisher);
    }
  }
}
