// Deep imports only: the @cdktf/provider-aws root barrel costs ~1.7 s and 550 MB.
import { BudgetsBudget } from '@cdktf/provider-aws/lib/budgets-budget';
import { BudgetsBudgetAction } from '@cdktf/provider-aws/lib/budgets-budget-action';
import { CeAnomalyMonitor } from '@cdktf/provider-aws/lib/ce-anomaly-monitor';
import { CeAnomalySubscription } from '@cdktf/provider-aws/lib/ce-anomaly-subscription';
import { ChatbotSlackChannelConfiguration } from '@cdktf/provider-aws/lib/chatbot-slack-channel-configuration';
import { CloudwatchEventRule } from '@cdktf/provider-aws/lib/cloudwatch-event-rule';
import { CloudwatchEventTarget } from '@cdktf/provider-aws/lib/cloudwatch-event-target';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { IamPolicy } from '@cdktf/provider-aws/lib/iam-policy';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { SnsTopicPolicy } from '@cdktf/provider-aws/lib/sns-topic-policy';
import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { SqsQueuePolicy } from '@cdktf/provider-aws/lib/sqs-queue-policy';
import { Annotations, AssetType, ITerraformDependable, TerraformAsset } from 'cdktf';
import { Construct } from 'constructs';
import {
  acknowledgeGuardRule,
  awsEnvironment,
  cdktfLiteralRegion,
  checkCdktfProps,
  logGroupNamePrefix,
  logStreamsArn,
  markCdktfConstruct,
  nameTag,
  physicalName,
  policyDocument,
  sameStackDependencies,
} from './engine';
import { PlatformCluster } from './platform-cluster';
import { EnvironmentProfile } from '../constructs/environment-profile';
import {
  ACCOUNT_SCOPED_NAME_LIMITS,
  accountScopedName,
  awsManagedPolicyArn,
  budgetActionRoleStatements,
  budgetsTrustStatement,
  CHATBOT_GUARDRAIL_POLICY,
  CHATBOT_ROLE_STATEMENTS,
  CHATBOT_TRUST,
  DEAD_LETTER_RETENTION_SECONDS,
  denyLaunchStatements,
  FINOPS_ALARMS,
  FINOPS_HANDLER_RUNTIME,
  FINOPS_OPTIONS_SCHEMA,
  FINOPS_SETTINGS,
  FinOpsGuardrailsOptions,
  FinOpsPlan,
  FunctionPlan,
  functionRoleStatements,
  handlerBundleZip,
  LAMBDA_TRUST,
  planFinOps,
  topicTargetProblem,
} from '../constructs/finops-guardrails';
import { ALARM_NAME_CHARACTERS } from '../constructs/naming';
import {
  allowAccountToAdministerKey,
  allowCloudWatchLogs,
  allowPublisherToEncryptForTopics,
  AwsEnvironment,
  DENY_GRANTS_EXCEPT_FOR_AWS_SERVICES,
  denyInsecureTransport,
  PolicyStatementJson,
  topicPolicyStatements,
} from '../constructs/policies';
import { S } from '../constructs/prop-schema';

/** Props of the CDK for Terraform FinOpsGuardrails. */
export interface FinOpsGuardrailsProps extends FinOpsGuardrailsOptions {
  /**
   * The topic alerts go to, e.g. a PlatformCluster's `alertsTopic`. A PlatformCluster's topic gets
   * the publishers added to its policy and its key's policy; any other topic's policy is yours to
   * extend (a warning lists what it must allow).
   * @default - a new topic encrypted under the construct's key
   */
  readonly alertsTopic?: SnsTopic;
}

/**
 * Cost guardrails for an AWS account: budgets, Cost Anomaly Detection, EC2
 * and EBS events, Slack (AWS Chatbot or a webhook) and Jira notification,
 * idle-instance and unattached-volume workflows, and a deny-launch budget
 * action, all reporting to one encrypted SNS topic.
 *
 * The same plan as the AWS CDK FinOpsGuardrails, rendered as AWS provider resources;
 * the functions' bundles are Terraform assets (zip archives).
 */
export class FinOpsGuardrails extends Construct {
  /** The profile the defaults were picked from. */
  public readonly profile: EnvironmentProfile;
  /** The key encrypting the topic (when created here), the log groups and the dead-letter queue. */
  public readonly encryptionKey: KmsKey;
  /** The topic every alert and report goes to (the one given as `alertsTopic`, or a new one). */
  public readonly topic: SnsTopic;
  /** The topic's ARN. */
  public readonly topicArn: string;
  /** The budgets, in the order given. */
  public readonly budgets: BudgetsBudget[];
  /** The Cost Anomaly Detection monitor created (none when an existing one is used). */
  public readonly anomalyMonitor?: CeAnomalyMonitor;
  /** The Cost Anomaly Detection subscription. */
  public readonly anomalySubscription?: CeAnomalySubscription;
  /** The EventBridge rules that send EC2 and EBS events to the topic. */
  public readonly rules: CloudwatchEventRule[];
  /** The functions (idle instances, unattached volumes, Slack webhook, Jira), in that order where configured. */
  public readonly functions: LambdaFunction[];
  /** The functions' log groups, in the order of `functions`. */
  public readonly logGroups: CloudwatchLogGroup[];
  /** The queue failed asynchronous invocations of the functions land in (none without functions). */
  public readonly deadLetterQueue?: SqsQueue;
  /** The AWS Chatbot Slack channel configuration. */
  public readonly slackChannel?: ChatbotSlackChannelConfiguration;
  /** The deny-launch budget action. */
  public readonly budgetAction?: BudgetsBudgetAction;
  /** The policy the budget action attaches to the roles. */
  public readonly denyLaunchPolicy?: IamPolicy;

  constructor(scope: Construct, id: string, props: FinOpsGuardrailsProps = {}) {
    const { v, props: checked } = checkCdktfProps<FinOpsGuardrailsProps>('FinOpsGuardrails', scope, id, props,
      S.extend(FINOPS_OPTIONS_SCHEMA, {
        alertsTopic: S.object('an SNS topic (SnsTopic)', (value) => (value instanceof SnsTopic
          ? topicTargetProblem(value.node.root === scope.node.root, cdktfLiteralRegion(value), cdktfLiteralRegion(scope))
          : 'expected an SnsTopic resource, e.g. a PlatformCluster\'s alertsTopic')),
      }));
    const plan = planFinOps(checked, v);
    super(scope, id);
    markCdktfConstruct(this, 'FinOpsGuardrails');
    this.profile = plan.profile;
    const env = awsEnvironment(this, 'Env');

    this.encryptionKey = new KmsKey(this, 'Key', {
      description: `Encrypts the FinOps alerts, logs and dead letters of ${this.node.path}`,
      enableKeyRotation: true,
      deletionWindowInDays: plan.keyDeletionWindowDays,
      policy: policyDocument([
        allowAccountToAdministerKey(env),
        allowCloudWatchLogs(env),
        ...plan.topicPublishers.map((publisher) => allowPublisherToEncryptForTopics(publisher, env)),
        DENY_GRANTS_EXCEPT_FOR_AWS_SERVICES,
      ]),
      lifecycle: plan.retainOnDelete ? { preventDestroy: true } : undefined,
      tags: nameTag(this),
    });

    const topicReady: ITerraformDependable[] = [];
    if (props.alertsTopic) {
      this.topic = props.alertsTopic;
      topicReady.push(...this.admitPublishers(plan, props.alertsTopic));
    } else {
      this.topic = new SnsTopic(this, 'Topic', { kmsMasterKeyId: this.encryptionKey.arn, tags: nameTag(this) });
      // A topic policy replaces SNS's default one: it must allow every service that publishes here.
      topicReady.push(new SnsTopicPolicy(this, 'TopicPolicy', {
        arn: this.topic.arn,
        policy: policyDocument(topicPolicyStatements(this.topic.arn, plan.topicPublishers, env)),
      }));
    }
    this.topicArn = this.topic.arn;
    plan.topicEmails.forEach((email, i) => new SnsTopicSubscription(this, `TopicEmail${i}`, {
      topicArn: this.topicArn, protocol: 'email', endpoint: email,
    }));

    this.budgets = plan.budgets.map((budget) => new BudgetsBudget(this, budget.id, {
      name: accountScopedName(this.node.path, budget.name, env.region, ACCOUNT_SCOPED_NAME_LIMITS.budget),
      budgetType: FINOPS_SETTINGS.budget.type,
      timeUnit: budget.period,
      limitAmount: budget.limitAmount,
      limitUnit: FINOPS_SETTINGS.budget.unit,
      costFilter: budget.costFilters.map((f) => ({ name: f.name, values: [...f.values] })),
      notification: budget.notifications.map((n) => ({
        notificationType: n.type,
        comparisonOperator: FINOPS_SETTINGS.budget.comparisonOperator,
        threshold: n.percent,
        thresholdType: FINOPS_SETTINGS.budget.thresholdType,
        subscriberSnsTopicArns: [this.topicArn],
        subscriberEmailAddresses: n.emails.length ? [...n.emails] : undefined,
      })),
      dependsOn: topicReady,
      tags: nameTag(this),
    }));

    if (plan.anomaly) {
      let monitorArn = plan.anomaly.existingMonitorArn;
      if (monitorArn === undefined) {
        this.anomalyMonitor = new CeAnomalyMonitor(this, 'AnomalyMonitor', {
          name: accountScopedName(this.node.path, 'services', env.region, ACCOUNT_SCOPED_NAME_LIMITS.anomaly),
          monitorType: FINOPS_SETTINGS.anomaly.monitorType,
          monitorDimension: FINOPS_SETTINGS.anomaly.monitorDimension,
          tags: nameTag(this),
        });
        monitorArn = this.anomalyMonitor.arn;
      }
      this.anomalySubscription = new CeAnomalySubscription(this, 'AnomalySubscription', {
        name: accountScopedName(this.node.path, 'anomalies', env.region, ACCOUNT_SCOPED_NAME_LIMITS.anomaly),
        frequency: FINOPS_SETTINGS.anomaly.frequency,
        monitorArnList: [monitorArn],
        subscriber: [{ type: 'SNS', address: this.topicArn }],
        thresholdExpression: {
          dimension: {
            key: plan.anomaly.threshold.key,
            matchOptions: [...plan.anomaly.threshold.matchOptions],
            values: [...plan.anomaly.threshold.values],
          },
        },
        dependsOn: topicReady,
        tags: nameTag(this),
      });
    }

    this.rules = plan.eventRules.map((rule) => {
      const resource = new CloudwatchEventRule(this, rule.id, {
        description: rule.description,
        eventPattern: JSON.stringify(rule.eventPattern),
        tags: nameTag(this),
      });
      new CloudwatchEventTarget(this, `${rule.id}Target`, {
        rule: resource.name,
        arn: this.topicArn,
        inputTransformer: { inputPaths: { ...rule.inputPathsMap }, inputTemplate: rule.inputTemplate },
        dependsOn: topicReady,
      });
      return resource;
    });

    if (plan.chatbot) {
      const role = this.roleFor('SlackChannelRole', CHATBOT_TRUST, CHATBOT_ROLE_STATEMENTS);
      this.slackChannel = new ChatbotSlackChannelConfiguration(this, 'SlackChannel', {
        configurationName: accountScopedName(this.node.path, 'slack', env.region, ACCOUNT_SCOPED_NAME_LIMITS.chatbot),
        iamRoleArn: role.role.arn,
        slackTeamId: plan.chatbot.workspaceId,
        slackChannelId: plan.chatbot.channelId,
        snsTopicArns: [this.topicArn],
        // Without it AWS Chatbot applies AdministratorAccess to what channel members may run.
        guardrailPolicyArns: [awsManagedPolicyArn(env.partition, CHATBOT_GUARDRAIL_POLICY)],
        loggingLevel: FINOPS_SETTINGS.chatbot.loggingLevel,
        userAuthorizationRequired: FINOPS_SETTINGS.chatbot.userRoleRequired,
        dependsOn: [role.policy],
        tags: nameTag(this),
      });
    }

    this.functions = [];
    this.logGroups = [];
    if (plan.functions.length > 0) {
      this.deadLetterQueue = new SqsQueue(this, 'DeadLetterQueue', {
        kmsMasterKeyId: this.encryptionKey.arn,
        messageRetentionSeconds: DEAD_LETTER_RETENTION_SECONDS,
        tags: nameTag(this),
      });
      acknowledgeGuardRule(this.deadLetterQueue, 'TF_SQS_DEAD_LETTER_QUEUE',
        'This queue is the dead-letter queue of the FinOps functions (Lambda dead_letter_config).');
      new SqsQueuePolicy(this, 'DeadLetterQueuePolicy', {
        queueUrl: this.deadLetterQueue.url,
        policy: policyDocument([denyInsecureTransport(this.deadLetterQueue.arn, 'sqs:*')]),
      });
      this.failureAlarm(FINOPS_ALARMS.deadLetters, { QueueName: this.deadLetterQueue.name });
      for (const fn of plan.functions) this.handlerFunction(fn, plan, env);
    }

    if (plan.budgetAction) {
      const action = plan.budgetAction;
      const budget = this.budgets[plan.budgets.findIndex((b) => b.id === action.budgetId)];
      this.denyLaunchPolicy = new IamPolicy(this, 'DenyLaunchPolicy', {
        description: `Attached by the budget action of ${this.node.path}: denies launching new compute`,
        policy: policyDocument(denyLaunchStatements()),
        tags: nameTag(this),
      });
      const role = this.roleFor('BudgetActionRole', budgetsTrustStatement(env),
        budgetActionRoleStatements(action.roleArns, this.denyLaunchPolicy.arn));
      this.budgetAction = new BudgetsBudgetAction(this, 'BudgetAction', {
        budgetName: budget.name,
        notificationType: FINOPS_SETTINGS.budgetAction.notificationType,
        actionType: FINOPS_SETTINGS.budgetAction.actionType,
        actionThreshold: { actionThresholdType: FINOPS_SETTINGS.budgetAction.thresholdType, actionThresholdValue: action.percent },
        approvalModel: action.approval,
        executionRoleArn: role.role.arn,
        definition: { iamActionDefinition: { policyArn: this.denyLaunchPolicy.arn, roles: [...action.roleNames] } },
        subscriber: [{ subscriptionType: 'SNS', address: this.topicArn }],
        dependsOn: [role.policy, ...topicReady],
      });
    }
  }

  /** The topic's policy and key must admit every service that publishes to it; returns the policy the publishers wait for. */
  private admitPublishers(plan: FinOpsPlan, topic: SnsTopic): ITerraformDependable[] {
    const owner = topic.node.scope;
    if (owner instanceof PlatformCluster && owner.alertsTopic === topic) {
      owner._admitAlertPublishers(plan.topicPublishers);
      // Budgets, Cost Anomaly Detection and EventBridge check they may publish when they are set up (as with a topic of our own).
      const policy = owner.node.tryFindChild('AlertsTopicPolicy') as SnsTopicPolicy | undefined;
      return policy ? sameStackDependencies(this, [policy]) : [];
    }
    Annotations.of(this).addWarning(
      `The alerts topic is not a PlatformCluster's: its policy must allow ${plan.topicPublishers.map((p) => p.principal).join(', ')} to publish (sns:Publish, for this account), and its key must let them encrypt.`);
    return [];
  }

  private roleFor(id: string, trust: PolicyStatementJson, statements: readonly PolicyStatementJson[]): { role: IamRole; policy: IamRolePolicy } {
    const role = new IamRole(this, id, {
      assumeRolePolicy: policyDocument([trust]),
      tags: nameTag(this),
    });
    const policy = new IamRolePolicy(this, `${id}Policy`, { role: role.id, policy: policyDocument(statements) });
    return { role, policy };
  }

  /** One failed event in the alarm's period notifies the topic. */
  private failureAlarm(alarm: { id: string; description: string; namespace: string; metricName: string; statistic: string },
    dimensions: Record<string, string>): void {
    new CloudwatchMetricAlarm(this, alarm.id, {
      alarmName: physicalName(this, { suffix: alarm.id, allowed: ALARM_NAME_CHARACTERS }),
      alarmDescription: alarm.description,
      namespace: alarm.namespace,
      metricName: alarm.metricName,
      statistic: alarm.statistic,
      dimensions,
      period: FINOPS_SETTINGS.failureAlarm.periodSeconds,
      evaluationPeriods: FINOPS_SETTINGS.failureAlarm.evaluationPeriods,
      threshold: FINOPS_SETTINGS.failureAlarm.threshold,
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
      treatMissingData: 'notBreaching',
      alarmActions: [this.topicArn],
      tags: nameTag(this),
    });
  }

  private handlerFunction(fn: FunctionPlan, plan: FinOpsPlan, env: AwsEnvironment): void {
    const logGroup = new CloudwatchLogGroup(this, `${fn.id}LogGroup`, {
      namePrefix: logGroupNamePrefix(this, fn.handler),
      retentionInDays: plan.logRetentionDays,
      kmsKeyId: this.encryptionKey.arn,
      skipDestroy: plan.retainOnDelete,
      tags: nameTag(this),
    });
    const role = this.roleFor(`${fn.id}Role`, LAMBDA_TRUST, functionRoleStatements(fn, {
      logStreamsArn: logStreamsArn(logGroup.arn),
      deadLetterQueueArn: this.deadLetterQueue!.arn,
      topicArn: this.topicArn,
      keyArn: this.encryptionKey.arn,
    }, env));
    // The bundle's zip is copied into the stack's output; its hash redeploys the function when the code changes.
    const asset = new TerraformAsset(this, `${fn.id}Code`, { path: handlerBundleZip(fn.handler), type: AssetType.FILE });
    const func = new LambdaFunction(this, `${fn.id}Function`, {
      functionName: physicalName(this, { suffix: fn.id, maxLength: 64 }),
      description: fn.description,
      filename: asset.path,
      sourceCodeHash: asset.assetHash,
      handler: 'index.handler',
      runtime: FINOPS_HANDLER_RUNTIME,
      architectures: ['arm64'],
      timeout: fn.timeoutSeconds,
      memorySize: fn.memoryMiB,
      role: role.role.arn,
      // The reports name the deployment: the stack and the construct path (as the CDK binding's stack name and path).
      environment: { variables: { ...fn.environment, ...(fn.publishes ? { TOPIC_ARN: this.topicArn, PLATFORM_NAME: this.node.path } : {}) } },
      loggingConfig: { logFormat: 'JSON', logGroup: logGroup.name },
      deadLetterConfig: { targetArn: this.deadLetterQueue!.arn },
      // Lambda checks at creation that the role may send to the dead-letter queue.
      dependsOn: [role.policy],
      tags: nameTag(this),
    });
    if ('schedule' in fn.trigger) {
      const rule = new CloudwatchEventRule(this, `${fn.id}Schedule`, {
        description: `Runs the ${fn.id} FinOps function`,
        scheduleExpression: fn.trigger.schedule,
        tags: nameTag(this),
      });
      new CloudwatchEventTarget(this, `${fn.id}ScheduleTarget`, { rule: rule.name, arn: func.arn, retryPolicy: { maximumRetryAttempts: FINOPS_SETTINGS.scheduleRetryAttempts } });
      new LambdaPermission(this, `${fn.id}InvokeFromSchedule`, {
        action: 'lambda:InvokeFunction', functionName: func.functionName, principal: 'events.amazonaws.com', sourceArn: rule.arn,
      });
    } else {
      new SnsTopicSubscription(this, `${fn.id}Subscription`, { topicArn: this.topicArn, protocol: 'lambda', endpoint: func.arn });
      new LambdaPermission(this, `${fn.id}InvokeFromTopic`, {
        action: 'lambda:InvokeFunction', functionName: func.functionName, principal: 'sns.amazonaws.com', sourceArn: this.topicArn,
      });
    }
    this.failureAlarm(FINOPS_ALARMS.functionErrors(fn), { FunctionName: func.functionName });
    this.functions.push(func);
    this.logGroups.push(logGroup);
  }
}

