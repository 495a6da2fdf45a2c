import { Aspects, CfnResource, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct, IConstruct } from 'constructs';
import { CDK_ENVIRONMENT, cdkPlatformRef, checkCdkProps, markCdkConstruct, platformKey } from './engine';
import { PlatformNetwork } from './platform-network';
import { EnvironmentProfile } from '../constructs/environment-profile';
import { CLUSTER_OPTIONS_SCHEMA, PlatformClusterOptions, planCluster } from '../constructs/platform-cluster';
import { ONE_YEAR_DAYS } from '../constructs/platform-network';
import {
  allowCloudWatchLogs,
  allowPublisherToEncryptForTopics,
  DENY_GRANTS_EXCEPT_FOR_AWS_SERVICES,
  topicPolicyStatements,
} from '../constructs/policies';
import { S } from '../constructs/prop-schema';

/** Props of the AWS CDK PlatformCluster. */
export interface PlatformClusterProps extends PlatformClusterOptions {
  /** The network the cluster's services run in. */
  readonly network: PlatformNetwork;
}

/**
 * An ECS cluster with the FARGATE and FARGATE_SPOT capacity providers,
 * Container Insights, ECS Exec sessions logged to an encrypted log group, and
 * an encrypted SNS topic for the alarms of the services that run in it.
 *
 * One customer-managed KMS key (with rotation) encrypts the ECS Exec sessions,
 * the log groups of the cluster and its services, and the alerts topic.
 */
export class PlatformCluster extends Construct {
  /** The network the cluster's services run in. */
  public readonly network: PlatformNetwork;
  /** The profile the defaults were picked from. */
  public readonly profile: EnvironmentProfile;
  /** The ECS cluster. */
  public readonly cluster: ecs.Cluster;
  /** The cluster name. */
  public readonly clusterName: string;
  /** The cluster ARN. */
  public readonly clusterArn: string;
  /** The KMS key encrypting ECS Exec sessions, the log groups and the alerts topic. */
  public readonly encryptionKey: kms.Key;
  /** The key's ARN. */
  public readonly encryptionKeyArn: string;
  /** The log group ECS Exec sessions are recorded in. */
  public readonly execLogGroup: logs.LogGroup;
  /** The SNS topic the services' alarms notify. */
  public readonly alertsTopic: sns.Topic;
  /** The alerts topic's ARN. */
  public readonly alertsTopicArn: string;

  constructor(scope: Construct, id: string, props: PlatformClusterProps) {
    const { v, props: checked } = checkCdkProps<PlatformClusterProps>('PlatformCluster', scope, id, props,
      S.extend(CLUSTER_OPTIONS_SCHEMA, { network: cdkPlatformRef(scope, 'PlatformNetwork') }, ['network']));
    const plan = planCluster(checked, checked.network?.profile ?? EnvironmentProfile.DEVELOPMENT, v);
    super(scope, id);
    markCdkConstruct(this, 'PlatformCluster');
    this.network = props.network;
    this.profile = plan.profile;
    const removalPolicy = plan.retainOnDelete ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    // Default key policy: the account root administers the key (IAM decides who uses it).
    this.encryptionKey = platformKey(this, 'Key', `Encrypts the ECS Exec sessions, log groups and alerts of ${this.node.path}`,
      plan.keyDeletionWindowDays, removalPolicy, [
        allowCloudWatchLogs(CDK_ENVIRONMENT),
        ...plan.alertPublishers.map((publisher) => allowPublisherToEncryptForTopics(publisher, CDK_ENVIRONMENT)),
        DENY_GRANTS_EXCEPT_FOR_AWS_SERVICES,
      ]);
    this.encryptionKeyArn = this.encryptionKey.keyArn;

    this.execLogGroup = new logs.LogGroup(this, 'ExecLogGroup', {
      retention: plan.execLogRetentionDays as logs.RetentionDays,
      encryptionKey: this.encryptionKey,
      removalPolicy,
    });
    if (plan.execLogRetentionDays < ONE_YEAR_DAYS) {
      Validations.of(this.execLogGroup).acknowledge({
        id: 'cdk-validator-cfnguard::cloudwatch_log_group_retention_period_check',
        reason: `execLogRetentionDays is ${plan.execLogRetentionDays} (${plan.profile} profile or explicit choice); PRODUCTION keeps ECS Exec session logs ${ONE_YEAR_DAYS} days.`,
      });
    }

    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc: props.network.vpc,
      enableFargateCapacityProviders: true,
      containerInsightsV2: plan.containerInsights ? ecs.ContainerInsights.ENABLED : ecs.ContainerInsights.DISABLED,
      executeCommandConfiguration: {
        kmsKey: this.encryptionKey,
        logging: ecs.ExecuteCommandLogging.OVERRIDE,
        logConfiguration: {
          cloudWatchLogGroup: this.execLogGroup,
          cloudWatchEncryptionEnabled: true,
        },
      },
    });
    // Tasks started without a strategy run on FARGATE. Set on the association aws-cdk-lib creates
    // for enableFargateCapacityProviders: its addDefaultCapacityProviderStrategy makes a second
    // synthesis of the app (Template then Annotations.fromStack, say) fail with a duplicate construct.
    Aspects.of(this.cluster).add({
      visit: (node: IConstruct) => {
        if (CfnResource.isCfnResource(node)
          && node.cfnResourceType === ecs.CfnClusterCapacityProviderAssociations.CFN_RESOURCE_TYPE_NAME) {
          node.addPropertyOverride('DefaultCapacityProviderStrategy', plan.defaultCapacityProviderStrategy
            .map((s) => ({ CapacityProvider: s.capacityProvider, Base: s.base, Weight: s.weight })));
        }
      },
    });
    if (!plan.containerInsights) {
      const reason = 'Container Insights was switched off explicitly with containerInsights = false (it is billed per metric).';
      Validations.of(this.cluster).acknowledge(
        { id: 'AwsSolutions::AwsSolutions-ECS4', reason },
        { id: 'cdk-validator-cfnguard::ecs_container_insights_enabled_check', reason },
      );
    }
    this.clusterName = this.cluster.clusterName;
    this.clusterArn = this.cluster.clusterArn;

    // Alarms cannot publish to a topic under the AWS-managed SNS key: this key admits cloudwatch.amazonaws.com.
    this.alertsTopic = new sns.Topic(this, 'AlertsTopic', { masterKey: this.encryptionKey });
    // A topic policy replaces SNS's default one: it must allow every service that publishes here.
    for (const statement of topicPolicyStatements(this.alertsTopic.topicArn, plan.alertPublishers, CDK_ENVIRONMENT)) {
      this.alertsTopic.addToResourcePolicy(iam.PolicyStatement.fromJson(statement));
    }
    this.alertsTopicArn = this.alertsTopic.topicArn;
  }
}
