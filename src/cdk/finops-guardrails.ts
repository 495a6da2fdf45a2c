import { Annotations, Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as budgets from 'aws-cdk-lib/aws-budgets';
import * as ce from 'aws-cdk-lib/aws-ce';
import * as chatbot from 'aws-cdk-lib/aws-chatbot';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { CDK_ENVIRONMENT, cdkDeploymentPath, cdkLiteralRegion, checkCdkProps, markCdkConstruct, platformKey } from './engine';
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
  EventRulePlan,
  FINOPS_ALARMS,
  FINOPS_HANDLER_RUNTIME,
  FINOPS_OPTIONS_SCHEMA,
  FINOPS_SETTINGS,
  FinOpsGuardrailsOptions,
  FinOpsPlan,
  FunctionPlan,
  functionRoleStatements,
  handlerBundleDir,
  LAMBDA_TRUST,
  planFinOps,
  topicTargetProblem,
} from '../constructs/finops-guardrails';
import { ONE_YEAR_DAYS } from '../constructs/platform-network';
import {
  allowCloudWatchLogs,
  allowPublisherToEncryptForTopics,
  DENY_GRANTS_EXCEPT_FOR_AWS_SERVICES,
  PolicyStatementJson,
  topicPolicyStatements,
} from '../constructs/policies';
import { S } from '../constructs/prop-schema';

/** Props of the AWS CDK FinOpsGuardrails. */
export interface FinOpsGuardrailsProps extends FinOpsGuardrailsOptions {
  /**
   * The topic alerts go to, e.g. a PlatformCluster's `alertsTopic`. A topic defined in this app
   * (an `sns.Topic`) gets the publishers' statements added to its policy, and to its key's policy
   * when that is a `kms.Key` of this app; an imported topic's policy is yours to extend (a warning
   * lists what it must allow).
   * @default - a new topic encrypted under the construct's key
   */
  readonly alertsTopic?: sns.ITopic;
}

/**
 * Cost guardrails for an AWS account: budgets, Cost Anomaly Detection, EC2
 * and EBS events, Slack (AWS Chatbot or a webhook) and Jira notification,
 * idle-instance and unattached-volume workflows, and a deny-launch budget
 * action, all reporting to one encrypted SNS topic.
 *
 * Native services carry everything they can; the functions (Node.js, ARM64,
 * bundled in the package) do only what nothing native does.
 */
export class FinOpsGuardrails extends Construct {
  /** The profile the defaults were picked from. */
  public readonly profile: EnvironmentProfile;
  /** The key encrypting the topic (when created here), the log groups and the dead-letter queue. */
  public readonly encryptionKey: kms.Key;
  /** The topic every alert and report goes to (the one given as `alertsTopic`, or a new one). */
  public readonly topic: sns.ITopic;
  /** The topic's ARN. */
  public readonly topicArn: string;
  /** The budgets, in the order given. */
  public readonly budgets: budgets.CfnBudget[];
  /** The Cost Anomaly Detection monitor created (none when an existing one is used). */
  public readonly anomalyMonitor?: ce.CfnAnomalyMonitor;
  /** The Cost Anomaly Detection subscription. */
  public readonly anomalySubscription?: ce.CfnAnomalySubscription;
  /** The EventBridge rules that send EC2 and EBS events to the topic. */
  public readonly rules: events.Rule[];
  /** The functions (idle instances, unattached volumes, Slack webhook, Jira), in that order where configured. */
  public readonly functions: lambda.Function[];
  /** The functions' log groups, in the order of `functions`. */
  public readonly logGroups: logs.LogGroup[];
  /** The queue failed asynchronous invocations of the functions land in (none without functions). */
  public readonly deadLetterQueue?: sqs.Queue;
  /** The AWS Chatbot Slack channel configuration. */
  public readonly slackChannel?: chatbot.CfnSlackChannelConfiguration;
  /** The deny-launch budget action. */
  public readonly budgetAction?: budgets.CfnBudgetsAction;
  /** The policy the budget action attaches to the roles. */
  public readonly denyLaunchPolicy?: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: FinOpsGuardrailsProps = {}) {
    const { v, props: checked } = checkCdkProps<FinOpsGuardrailsProps>('FinOpsGuardrails', scope, id, props,
      S.extend(FINOPS_OPTIONS_SCHEMA, {
        alertsTopic: S.object('an SNS topic (sns.ITopic)', (value) => {
          if (!isTopic(value)) return 'expected an sns.ITopic, e.g. a PlatformCluster\'s alertsTopic';
          const topic = value as sns.ITopic;
          const region = Token.isUnresolved(topic.env.region) ? undefined : topic.env.region;
          return topicTargetProblem(topic.node.root === scope.node.root, region, cdkLiteralRegion(scope));
        }),
      }));
    const plan = planFinOps(checked, v);
    super(scope, id);
    markCdkConstruct(this, 'FinOpsGuardrails');
    this.profile = plan.profile;
    const removalPolicy = plan.retainOnDelete ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const deploymentPath = cdkDeploymentPath(this);

    this.encryptionKey = platformKey(this, 'Key', `Encrypts the FinOps alerts, logs and dead letters of ${this.node.path}`,
      plan.keyDeletionWindowDays, removalPolicy, [
        allowCloudWatchLogs(CDK_ENVIRONMENT),
        ...plan.topicPublishers.map((publisher) => allowPublisherToEncryptForTopics(publisher, CDK_ENVIRONMENT)),
        DENY_GRANTS_EXCEPT_FOR_AWS_SERVICES,
      ]);

    this.topic = props.alertsTopic ?? new sns.Topic(this, 'Topic', { masterKey: this.encryptionKey });
    this.topicArn = this.topic.topicArn;
    this.admitPublishers(plan, props.alertsTopic);
    for (const email of plan.topicEmails) {
      new sns.Subscription(this, `TopicEmail${plan.topicEmails.indexOf(email)}`, {
        topic: this.topic, protocol: sns.SubscriptionProtocol.EMAIL, endpoint: email,
      });
    }

    this.budgets = plan.budgets.map((budget) => new budgets.CfnBudget(this, budget.id, {
      budget: {
        budgetName: accountScopedName(deploymentPath, budget.name, CDK_ENVIRONMENT.region, ACCOUNT_SCOPED_NAME_LIMITS.budget),
        budgetType: FINOPS_SETTINGS.budget.type,
        timeUnit: budget.period,
        budgetLimit: { amount: Number(budget.limitAmount), unit: FINOPS_SETTINGS.budget.unit },
        costFilters: budget.costFilters.length
          ? Object.fromEntries(budget.costFilters.map((f) => [f.name, [...f.values]]))
          : undefined,
      },
      notificationsWithSubscribers: budget.notifications.map((n) => ({
        notification: {
          notificationType: n.type,
          comparisonOperator: FINOPS_SETTINGS.budget.comparisonOperator,
          threshold: n.percent,
          thresholdType: FINOPS_SETTINGS.budget.thresholdType,
        },
        subscribers: [
          { subscriptionType: 'SNS', address: this.topicArn },
          ...n.emails.map((address) => ({ subscriptionType: 'EMAIL', address })),
        ],
      })),
    }));

    if (plan.anomaly) {
      let monitorArn = plan.anomaly.existingMonitorArn;
      if (monitorArn === undefined) {
        this.anomalyMonitor = new ce.CfnAnomalyMonitor(this, 'AnomalyMonitor', {
          monitorName: accountScopedName(deploymentPath, 'services', CDK_ENVIRONMENT.region, ACCOUNT_SCOPED_NAME_LIMITS.anomaly),
          monitorType: FINOPS_SETTINGS.anomaly.monitorType,
          monitorDimension: FINOPS_SETTINGS.anomaly.monitorDimension,
        });
        monitorArn = this.anomalyMonitor.attrMonitorArn;
      }
      this.anomalySubscription = new ce.CfnAnomalySubscription(this, 'AnomalySubscription', {
        subscriptionName: accountScopedName(deploymentPath, 'anomalies', CDK_ENVIRONMENT.region, ACCOUNT_SCOPED_NAME_LIMITS.anomaly),
        frequency: FINOPS_SETTINGS.anomaly.frequency,
        monitorArnList: [monitorArn],
        subscribers: [{ type: 'SNS', address: this.topicArn }],
        thresholdExpression: plan.anomaly.thresholdExpression,
      });
    }

    this.rules = plan.eventRules.map((rule) => this.eventRule(rule));

    // Budgets, Cost Anomaly Detection and EventBridge check they may publish when they are set up: after the topic policy.
    if (!props.alertsTopic || Stack.of(props.alertsTopic) === Stack.of(this)) {
      const publishers: Construct[] = [...this.budgets, ...this.rules, ...(this.anomalySubscription ? [this.anomalySubscription] : [])];
      for (const publisher of publishers) publisher.node.addDependency(this.topic);
    }

    if (plan.chatbot) this.slackChannel = this.chatbotChannel(plan.chatbot, deploymentPath);

    this.functions = [];
    this.logGroups = [];
    if (plan.functions.length > 0) {
      this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
        encryption: sqs.QueueEncryption.KMS,
        encryptionMasterKey: this.encryptionKey,
        retentionPeriod: Duration.seconds(DEAD_LETTER_RETENTION_SECONDS),
        enforceSSL: true,
        removalPolicy,
      });
      const dlqReason = 'This queue is the dead-letter queue of the FinOps functions (Lambda DeadLetterConfig), which the rule does not recognise.';
      Validations.of(this.deadLetterQueue).acknowledge(
        { id: 'AwsSolutions::AwsSolutions-SQS3', reason: dlqReason },
        { id: 'cdk-validator-cfnguard::sqs_dlq_check', reason: dlqReason },
      );
      this.failureAlarm(FINOPS_ALARMS.deadLetters, this.deadLetterQueue.metricApproximateNumberOfMessagesVisible());
      for (const fn of plan.functions) this.handlerFunction(fn, plan, removalPolicy, deploymentPath);
    }

    if (plan.budgetAction) {
      const action = plan.budgetAction;
      const budget = this.budgets[plan.budgets.findIndex((b) => b.id === action.budgetId)];
      this.denyLaunchPolicy = new iam.ManagedPolicy(this, 'DenyLaunchPolicy', {
        description: `Attached by the budget action of ${this.node.path}: denies launching new compute`,
        document: iam.PolicyDocument.fromJson({ Version: '2012-10-17', Statement: denyLaunchStatements() }),
      });
      const role = this.roleFor('BudgetActionRole', budgetsTrustStatement(CDK_ENVIRONMENT),
        budgetActionRoleStatements(action.roleArns, this.denyLaunchPolicy.managedPolicyArn),
        'Lets AWS Budgets attach and detach the deny-launch policy on the named roles');
      this.budgetAction = new budgets.CfnBudgetsAction(this, 'BudgetAction', {
        budgetName: budget.ref,
        notificationType: FINOPS_SETTINGS.budgetAction.notificationType,
        actionType: FINOPS_SETTINGS.budgetAction.actionType,
        actionThreshold: { type: FINOPS_SETTINGS.budgetAction.thresholdType, value: action.percent },
        approvalModel: action.approval,
        executionRoleArn: role.roleArn,
        definition: { iamActionDefinition: { policyArn: this.denyLaunchPolicy.managedPolicyArn, roles: [...action.roleNames] } },
        subscribers: [{ type: 'SNS', address: this.topicArn }],
      });
      this.budgetAction.node.addDependency(role);
    }
  }

  /** The topic's policy and key must admit every service that publishes to it. */
  private admitPublishers(plan: FinOpsPlan, given: sns.ITopic | undefined): void {
    const statements = topicPolicyStatements(this.topicArn, plan.topicPublishers, CDK_ENVIRONMENT);
    if (!given || given instanceof sns.Topic) {
      // A PlatformCluster's topic already holds some of these: a policy document renders identical statements once.
      for (const statement of statements) this.topic.addToResourcePolicy(iam.PolicyStatement.fromJson(statement));
      const key = given ? given.masterKey : this.encryptionKey;
      if (key instanceof kms.Key && key !== this.encryptionKey) {
        for (const publisher of plan.topicPublishers) {
          key.addToResourcePolicy(iam.PolicyStatement.fromJson(allowPublisherToEncryptForTopics(publisher, CDK_ENVIRONMENT)));
        }
      } else if (given && key && !(key instanceof kms.Key)) {
        Annotations.of(this).addWarningV2('ecs-platform-constructs:finops-topic-key',
          `The alerts topic's key is imported: its key policy must let ${plan.topicPublishers.map((p) => p.principal).join(', ')} use it (kms:Decrypt, kms:GenerateDataKey*).`);
      }
      return;
    }
    Annotations.of(this).addWarningV2('ecs-platform-constructs:finops-topic-policy',
      `The alerts topic is imported: its policy must allow ${plan.topicPublishers.map((p) => p.principal).join(', ')} to publish (sns:Publish, for this account), and its key must let them encrypt.`);
  }

  private eventRule(plan: EventRulePlan): events.Rule {
    const pattern = plan.eventPattern as { 'source': string[]; 'detail-type': string[]; 'detail'?: Record<string, unknown> };
    const rule = new events.Rule(this, plan.id, {
      description: plan.description,
      eventPattern: { source: pattern.source, detailType: pattern['detail-type'], detail: pattern.detail },
    });
    const input = {
      bind: () => ({ inputPathsMap: { ...plan.inputPathsMap }, inputTemplate: plan.inputTemplate }),
    } as unknown as events.RuleTargetInput;
    // A target of our own: aws-cdk-lib's SnsTopic target would add a topic-policy statement without source conditions.
    rule.addTarget({ bind: () => ({ arn: this.topicArn, input }) });
    return rule;
  }

  private chatbotChannel(channel: NonNullable<FinOpsPlan['chatbot']>, deploymentPath: string): chatbot.CfnSlackChannelConfiguration {
    const role = this.roleFor('SlackChannelRole', CHATBOT_TRUST,
      [...CHATBOT_ROLE_STATEMENTS], 'AWS Chatbot: reads the alarms and metrics it shows in Slack');
    Validations.of(role).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason: 'CloudWatch DescribeAlarms, GetMetricData, GetMetricStatistics and ListMetrics have no resource-level permissions.',
    });
    return new chatbot.CfnSlackChannelConfiguration(this, 'SlackChannel', {
      configurationName: accountScopedName(deploymentPath, 'slack', CDK_ENVIRONMENT.region, ACCOUNT_SCOPED_NAME_LIMITS.chatbot),
      iamRoleArn: role.roleArn,
      slackWorkspaceId: channel.workspaceId,
      slackChannelId: channel.channelId,
      snsTopicArns: [this.topicArn],
      // Without it AWS Chatbot applies AdministratorAccess to what channel members may run.
      guardrailPolicies: [awsManagedPolicyArn(CDK_ENVIRONMENT.partition, CHATBOT_GUARDRAIL_POLICY)],
      loggingLevel: FINOPS_SETTINGS.chatbot.loggingLevel,
      userRoleRequired: FINOPS_SETTINGS.chatbot.userRoleRequired,
    });
  }

  /** One failed event in the alarm's period notifies the topic. */
  private failureAlarm(alarm: { id: string; description: string; statistic: string }, metric: cloudwatch.Metric): void {
    const settings = FINOPS_SETTINGS.failureAlarm;
    new cloudwatch.Alarm(this, alarm.id, {
      alarmDescription: alarm.description,
      metric: metric.with({ period: Duration.seconds(settings.periodSeconds), statistic: alarm.statistic }),
      threshold: settings.threshold,
      evaluationPeriods: settings.evaluationPeriods,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }).addAlarmAction({ bind: () => ({ alarmActionArn: this.topicArn }) });
  }

  private roleFor(id: string, trust: PolicyStatementJson, statements: readonly PolicyStatementJson[], description: string): iam.Role {
    const role = new iam.Role(this, id, {
      assumedBy: new iam.ServicePrincipal((trust.Principal as { Service: string }).Service, { conditions: trust.Condition }),
      description,
    });
    for (const statement of statements) role.addToPolicy(iam.PolicyStatement.fromJson(statement));
    return role;
  }

  private handlerFunction(fn: FunctionPlan, plan: FinOpsPlan, removalPolicy: RemovalPolicy, deploymentPath: string): void {
    const logGroup = new logs.LogGroup(this, `${fn.id}LogGroup`, {
      retention: plan.logRetentionDays as logs.RetentionDays,
      encryptionKey: this.encryptionKey,
      removalPolicy,
    });
    if (plan.logRetentionDays < ONE_YEAR_DAYS) {
      Validations.of(logGroup).acknowledge({
        id: 'cdk-validator-cfnguard::cloudwatch_log_group_retention_period_check',
        reason: `logRetentionDays is ${plan.logRetentionDays} (${plan.profile} profile or explicit choice); PRODUCTION keeps the FinOps functions' logs ${ONE_YEAR_DAYS} days.`,
      });
    }
    const role = this.roleFor(`${fn.id}Role`, LAMBDA_TRUST,
      functionRoleStatements(fn, {
        // aws-cdk-lib's logGroupArn already ends in `:*` (the log streams).
        logStreamsArn: logGroup.logGroupArn,
        deadLetterQueueArn: this.deadLetterQueue!.queueArn,
        topicArn: this.topicArn,
        keyArn: this.encryptionKey.keyArn,
      }, CDK_ENVIRONMENT), `The ${fn.id} FinOps function`);
    // cdk-nag names a wildcard resource with the pseudo parameters spelled <AWS::Region> and so on.
    const wildcards = new Set(fn.statements(NAG_PSEUDO_PARAMETERS).flatMap((s) => [s.Resource ?? []].flat()).filter((r) => r.includes('*')));
    for (const resource of wildcards) {
      Validations.of(role).acknowledge({
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::${resource}]`,
        reason: resource === '*'
          ? 'EC2 DescribeInstances/DescribeVolumes/DescribeSnapshots and CloudWatch GetMetricData have no resource-level permissions.'
          : 'Any instance, volume or snapshot of this account and region, narrowed by tag conditions (the exclude tag, Auto Scaling groups, the clean-up\'s own state tags).',
      });
    }
    const func = new lambda.Function(this, `${fn.id}Function`, {
      description: fn.description,
      code: lambda.Code.fromAsset(handlerBundleDir(fn.handler)),
      handler: 'index.handler',
      runtime: new lambda.Runtime(FINOPS_HANDLER_RUNTIME, lambda.RuntimeFamily.NODEJS),
      architecture: lambda.Architecture.ARM_64,
      timeout: Duration.seconds(fn.timeoutSeconds),
      memorySize: fn.memoryMiB,
      role,
      environment: { ...fn.environment, ...(fn.publishes ? { TOPIC_ARN: this.topicArn, PLATFORM_NAME: deploymentPath } : {}) },
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
    });
    // Set directly: the deadLetterQueue prop would add its own, broader grants to the role.
    (func.node.defaultChild as lambda.CfnFunction).deadLetterConfig = { targetArn: this.deadLetterQueue!.queueArn };
    Validations.of(func).acknowledge(
      {
        id: 'AwsSolutions::AwsSolutions-L1',
        reason: `${FINOPS_HANDLER_RUNTIME}: the newest runtime both the Terraform AWS provider 5.x and 6.x accept, so both engines deploy the same function.`,
      },
      {
        id: 'cdk-validator-cfnguard::lambda_inside_vpc_check',
        reason: 'The function calls AWS APIs (and Slack or Jira) only; outside a VPC it needs no NAT gateway or endpoints and works in any account.',
      },
    );
    if ('schedule' in fn.trigger) {
      new events.Rule(this, `${fn.id}Schedule`, {
        description: `Runs the ${fn.id} FinOps function`,
        schedule: events.Schedule.expression(fn.trigger.schedule),
        targets: [new targets.LambdaFunction(func, { retryAttempts: FINOPS_SETTINGS.scheduleRetryAttempts })],
      });
    } else {
      new sns.Subscription(this, `${fn.id}Subscription`, {
        topic: this.topic, protocol: sns.SubscriptionProtocol.LAMBDA, endpoint: func.functionArn,
      });
      func.addPermission('InvokeFromTopic', {
        principal: new iam.ServicePrincipal('sns.amazonaws.com'),
        sourceArn: this.topicArn,
      });
    }
    this.failureAlarm(FINOPS_ALARMS.functionErrors(fn), func.metricErrors());
    this.functions.push(func);
    this.logGroups.push(logGroup);
  }
}

/** How cdk-nag spells CloudFormation's pseudo parameters in a finding's ID. */
const NAG_PSEUDO_PARAMETERS = { partition: '<AWS::Partition>', region: '<AWS::Region>', accountId: '<AWS::AccountId>', urlSuffix: '<AWS::URLSuffix>' };

function isTopic(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as sns.ITopic).topicArn === 'string'
    && typeof (value as sns.ITopic).addSubscription === 'function';
}

