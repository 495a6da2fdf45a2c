import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as devopsagent from 'aws-cdk-lib/aws-devopsagent';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { CDK_ENVIRONMENT, cdkDeploymentPath, cdkLiteralRegion, cdkPlatformRef, cdkValidationContext, checkCdkProps, markCdkConstruct, platformKey } from './engine';
import { IFargateService } from './fargate-service';
import {
  agentSpaceTrustStatement,
  associationPlans,
  awsManagedPolicyArn,
  DEVOPS_AGENT_MANAGED_POLICIES,
  DEVOPS_AGENT_SPACE_OPTIONS_SCHEMA,
  DevOpsAgentSpaceOptions,
  DevOpsAgentSpacePlan,
  FORWARDER_ALARMS,
  forwarderEnvironment,
  forwarderRoleStatements,
  INVESTIGATION_FORWARDER,
  InvestigationTopics,
  MONITOR_TAGS_SCHEMA,
  operatorAppTrustStatement,
  planDevOpsAgentSpace,
  WEBHOOK_SECRET_PLACEHOLDER,
} from '../constructs/devops-agent-space';
import { FINOPS_HANDLER_RUNTIME, handlerBundleDir } from '../constructs/finops-guardrails';
import { allowCloudWatchLogs, DENY_GRANTS_EXCEPT_FOR_AWS_SERVICES, PolicyStatementJson } from '../constructs/policies';
import { S } from '../constructs/prop-schema';
import { PropsValidator } from '../constructs/validation';

/** What the agent space may investigate (the AWS-account monitor association's scope). */
export interface DevOpsAgentMonitor {
  /**
   * The stacks whose resources the agent maps and investigates.
   * @default - this stack, unless `tags` are given
   */
  readonly stacks?: Stack[];
  /**
   * Tags the agent finds further resources by (its topology crawl).
   * @default - none
   */
  readonly tags?: { [key: string]: string };
}

/** Props of the AWS CDK DevOpsAgentSpace. */
export interface DevOpsAgentSpaceProps extends DevOpsAgentSpaceOptions {
  /**
   * What the agent may investigate in this account.
   * @default - this stack
   */
  readonly monitor?: DevOpsAgentMonitor;
}

/**
 * An AWS DevOps Agent space watching the platform: the agent's role (trusted by
 * `aidevops.amazonaws.com` for this account's agent spaces only, with the AWS
 * managed AIDevOpsAgentAccessPolicy), this account as the monitor scoped to the
 * platform's stacks, GitHub and Slack associations by the IDs of the services
 * registered in the console, and the operator web app's role.
 *
 * `investigateAlarms(service)` makes the service's alarms start investigations:
 * a forwarder function subscribed to the alarm topic (only those alarms, only
 * entering ALARM) posts them, HMAC-signed, to the agent space's generic webhook,
 * whose URL and key go into `webhookSecret` after generating it in the console.
 */
export class DevOpsAgentSpace extends Construct {
  /** The agent space. */
  public readonly agentSpace: devopsagent.CfnAgentSpace;
  /** The agent space's ID. */
  public readonly agentSpaceId: string;
  /** The agent space's ARN. */
  public readonly agentSpaceArn: string;
  /** The role the agent reads the account with. */
  public readonly agentRole: iam.Role;
  /** The operator web app's role; undefined when `operatorApp` is false. */
  public readonly operatorRole?: iam.Role;
  /** The associations, by construct ID: `MonitorAssociation`, `GitHubAssociation`, `SlackAssociation`. */
  public readonly associations: Record<string, devopsagent.CfnAssociation> = {};
  /** The generic webhook's URL and HMAC key (filled in by the operator); created by the first `investigateAlarms`. */
  public webhookSecret?: secretsmanager.CfnSecret;
  /** The services whose alarms start investigations (`investigateAlarms`), in the order given. */
  public readonly investigatedServices: IFargateService[] = [];
  /** The function that forwards alarms to the webhook; created by the first `investigateAlarms`. */
  public forwarder?: lambda.Function;

  private readonly plan: DevOpsAgentSpacePlan;
  private readonly topics = new InvestigationTopics<sns.ITopic>();
  private readonly subscriptions = new Map<sns.ITopic, sns.CfnSubscription>();

  constructor(scope: Construct, id: string, props: DevOpsAgentSpaceProps) {
    const monitorSchema = S.struct<DevOpsAgentMonitor>({
      stacks: S.arrayOf(S.object('an aws-cdk-lib Stack of this app', (value) => {
        if (!Stack.isStack(value)) return 'expected an aws-cdk-lib Stack';
        return value.node.root === scope.node.root ? undefined : 'expected a Stack of this app; this one belongs to another app';
      })),
      tags: MONITOR_TAGS_SCHEMA,
    });
    const schema = S.extend(DEVOPS_AGENT_SPACE_OPTIONS_SCHEMA, { monitor: monitorSchema });
    const { v, props: p } = checkCdkProps<DevOpsAgentSpaceProps>('DevOpsAgentSpace', scope, id, props, schema);
    const plan = planDevOpsAgentSpace(p, {
      constructPath: `${scope.node.path}/${id}`,
      region: cdkLiteralRegion(scope),
      monitorTags: p.monitor?.tags,
    }, v);
    super(scope, id);
    markCdkConstruct(this, 'DevOpsAgentSpace');
    this.plan = plan;

    this.agentRole = this.serviceRole('AgentRole', agentSpaceTrustStatement(CDK_ENVIRONMENT), DEVOPS_AGENT_MANAGED_POLICIES.agentSpace,
      `AWS DevOps Agent investigates with this role for ${this.node.path}`);
    if (plan.operatorApp) {
      this.operatorRole = this.serviceRole('OperatorRole', operatorAppTrustStatement(CDK_ENVIRONMENT), DEVOPS_AGENT_MANAGED_POLICIES.operatorApp,
        `The operator web app of ${this.node.path}`);
    }
    this.agentSpace = new devopsagent.CfnAgentSpace(this, 'AgentSpace', {
      name: plan.name,
      description: plan.description,
      locale: plan.locale,
      operatorApp: this.operatorRole ? { iam: { operatorAppRoleArn: this.operatorRole.roleArn } } : undefined,
    });
    // Its investigations, knowledge and console-generated webhook outlive a PRODUCTION stack's deletion.
    this.agentSpace.applyRemovalPolicy(plan.retainOnDelete ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY);
    this.agentSpaceId = this.agentSpace.attrAgentSpaceId;
    this.agentSpaceArn = this.agentSpace.attrArn;

    const stacks = p.monitor?.stacks ?? (plan.monitorTags.length ? [] : [Stack.of(this)]);
    for (const association of associationPlans(plan, {
      accountId: CDK_ENVIRONMENT.accountId,
      agentRoleArn: this.agentRole.roleArn,
      resources: stacks.map((stack) => ({ arn: stack.stackId, type: 'AWS::CloudFormation::Stack' })),
    })) {
      const resource = new devopsagent.CfnAssociation(this, association.id, {
        agentSpaceId: this.agentSpaceId,
        serviceId: association.serviceId,
        configuration: association.configuration,
      });
      this.associations[association.id] = resource;
    }
  }

  /**
   * Start an AWS DevOps Agent investigation whenever one of the service's alarms
   * enters ALARM. The first call creates the forwarder: fill in `webhookSecret`
   * with the agent space's generic webhook (console: Capabilities, Webhook).
   */
  public investigateAlarms(service: IFargateService): void {
    const v = new PropsValidator(cdkValidationContext('DevOpsAgentSpace.investigateAlarms', this.node.scope!, this.node.id));
    const problem = cdkPlatformRef(this, 'FargateWebService', 'FargateWorkerService').check(service);
    if (problem !== undefined) v.report('service', service, problem);
    const overfilled = problem === undefined && !this.investigatedServices.includes(service)
      ? this.topics.problemAdding(service.alarmTopic, service.alarmNames) : undefined;
    if (overfilled !== undefined) v.report('service', service, overfilled);
    v.throwIfInvalid();
    if (this.investigatedServices.includes(service)) return;
    this.investigatedServices.push(service);
    const forwarder = this.forwarder ?? this.createForwarder(service.alarmTopic);

    const topic = service.alarmTopic;
    const { number, isNew, filterPolicy } = this.topics.add(topic, service.alarmNames);
    if (isNew) {
      this.subscriptions.set(topic, new sns.CfnSubscription(this, `InvestigationSubscription${number}`, {
        topicArn: topic.topicArn,
        protocol: 'lambda',
        endpoint: forwarder.functionArn,
        filterPolicyScope: 'MessageBody',
      }));
      const permissionId = `InvokeFromAlarmTopic${number}`;
      forwarder.addPermission(permissionId, { principal: new iam.ServicePrincipal('sns.amazonaws.com'), sourceArn: topic.topicArn });
      if (Stack.of(topic) !== Stack.of(this)) {
        Validations.of(forwarder.node.findChild(permissionId)).acknowledge({
          id: 'cdk-validator-cfnguard::lambda_function_public_access_prohibited_check',
          reason: 'only SNS, only from the alarm topic: SourceArn is the topic\'s ARN, which lives in another stack and arrives as an Fn::ImportValue the rule does not read.',
        });
      }
    }
    this.subscriptions.get(topic)!.filterPolicy = filterPolicy;
  }

  private serviceRole(id: string, trust: PolicyStatementJson, managedPolicy: string, description: string): iam.Role {
    const role = new iam.Role(this, id, {
      assumedBy: new iam.ServicePrincipal('aidevops.amazonaws.com', { conditions: trust.Condition }),
      description,
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName(managedPolicy)],
    });
    if (Array.isArray(trust.Action)) {
      // The operator app's sessions carry the agent space's ID as a tag.
      role.assumeRolePolicy!.addStatements(new iam.PolicyStatement({
        actions: ['sts:TagSession'],
        principals: [new iam.ServicePrincipal('aidevops.amazonaws.com')],
        conditions: trust.Condition,
      }));
    }
    Validations.of(role).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM4[Policy::${awsManagedPolicyArn(managedPolicy, { partition: '<AWS::Partition>' })}]`,
      reason: `${managedPolicy} is the AWS managed policy AWS DevOps Agent documents for this role; AWS keeps it in step with the service.`,
    });
    return role;
  }

  /** The secret, key, logs, dead letters, role, function and failure alarms of the alarm-to-investigation path. */
  private createForwarder(alarmTopic: sns.ITopic): lambda.Function {
    const plan = this.plan;
    const removalPolicy = plan.retainOnDelete ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const key: kms.Key = platformKey(this, 'ForwarderKey', `Encrypts the DevOps Agent webhook secret, forwarder logs and dead letters of ${this.node.path}`,
      plan.keyDeletionWindowDays, removalPolicy, [allowCloudWatchLogs(CDK_ENVIRONMENT), DENY_GRANTS_EXCEPT_FOR_AWS_SERVICES]);
    // The L1: the L2 Secret adds a key-policy grant naming `secretsmanager.<region>.amazonaws.com`, wrong outside the
    // aws partition; the forwarder's role carries the kms:Decrypt it needs itself.
    this.webhookSecret = new secretsmanager.CfnSecret(this, 'WebhookSecret', {
      description: `The generic webhook of the AWS DevOps Agent space ${plan.name}: {"webhookUrl": ..., "webhookSecret": ...} from the console (Capabilities, Webhook)`,
      kmsKeyId: key.keyArn,
      // A placeholder, not a secret: the operator pastes the generated webhook in.
      secretString: WEBHOOK_SECRET_PLACEHOLDER,
    });
    this.webhookSecret.applyRemovalPolicy(removalPolicy);
    Validations.of(this.webhookSecret).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SMG4',
      reason: 'The generic webhook\'s HMAC key is generated in the AWS DevOps Agent console only; there is no API to rotate it.',
    });
    const logGroup = new logs.LogGroup(this, 'ForwarderLogGroup', {
      retention: plan.logRetentionDays as logs.RetentionDays,
      encryptionKey: key,
      removalPolicy,
    });
    if (plan.logRetentionDays < 365) {
      Validations.of(logGroup).acknowledge({
        id: 'cdk-validator-cfnguard::cloudwatch_log_group_retention_period_check',
        reason: `The ${plan.profile} profile keeps the forwarder's logs ${plan.logRetentionDays} days; PRODUCTION keeps them 365.`,
      });
    }
    const deadLetters = new sqs.Queue(this, 'ForwarderDeadLetterQueue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: key,
      retentionPeriod: Duration.seconds(INVESTIGATION_FORWARDER.deadLetterRetentionSeconds),
      enforceSSL: true,
      removalPolicy,
    });
    const dlqReason = 'This queue is the forwarder function\'s dead-letter queue (Lambda DeadLetterConfig), which the rule does not recognise.';
    Validations.of(deadLetters).acknowledge(
      { id: 'AwsSolutions::AwsSolutions-SQS3', reason: dlqReason },
      { id: 'cdk-validator-cfnguard::sqs_dlq_check', reason: dlqReason },
    );
    const role = new iam.Role(this, 'ForwarderRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `The alarm forwarder of ${this.node.path}`,
    });
    for (const statement of forwarderRoleStatements({
      // aws-cdk-lib's logGroupArn already ends in `:*` (the log streams).
      logStreamsArn: logGroup.logGroupArn,
      deadLetterQueueArn: deadLetters.queueArn,
      secretArn: this.webhookSecret.ref,
      keyArn: key.keyArn,
    })) role.addToPolicy(iam.PolicyStatement.fromJson(statement));
    const forwarder = new lambda.Function(this, 'Forwarder', {
      description: INVESTIGATION_FORWARDER.description,
      code: lambda.Code.fromAsset(handlerBundleDir(INVESTIGATION_FORWARDER.handler)),
      handler: 'index.handler',
      runtime: new lambda.Runtime(FINOPS_HANDLER_RUNTIME, lambda.RuntimeFamily.NODEJS),
      architecture: lambda.Architecture.ARM_64,
      timeout: Duration.seconds(INVESTIGATION_FORWARDER.timeoutSeconds),
      memorySize: INVESTIGATION_FORWARDER.memoryMiB,
      role,
      environment: forwarderEnvironment(plan, { secretArn: this.webhookSecret.ref, platformName: cdkDeploymentPath(this) }),
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
    });
    // Set directly: the deadLetterQueue prop would add its own, broader grants to the role.
    (forwarder.node.defaultChild as lambda.CfnFunction).deadLetterConfig = { targetArn: deadLetters.queueArn };
    Validations.of(forwarder).acknowledge(
      {
        id: 'AwsSolutions::AwsSolutions-L1',
        reason: `${FINOPS_HANDLER_RUNTIME}: the newest runtime both the Terraform AWS provider 5.x and 6.x accept, so both engines deploy the same function.`,
      },
      {
        id: 'cdk-validator-cfnguard::lambda_inside_vpc_check',
        reason: 'The function calls Secrets Manager and the DevOps Agent webhook only; outside a VPC it needs no NAT gateway or endpoints.',
      },
    );
    const notify = new cloudwatchActions.SnsAction(alarmTopic);
    const failureAlarm = (id: string, description: string, metric: cloudwatch.Metric, statistic: string) => new cloudwatch.Alarm(this, id, {
      alarmDescription: description,
      metric: metric.with({ period: Duration.seconds(FORWARDER_ALARMS.periodSeconds), statistic }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }).addAlarmAction(notify);
    failureAlarm(FORWARDER_ALARMS.errors.id, FORWARDER_ALARMS.errors.description, forwarder.metricErrors(), 'Sum');
    failureAlarm(FORWARDER_ALARMS.deadLetters.id, FORWARDER_ALARMS.deadLetters.description, deadLetters.metricApproximateNumberOfMessagesVisible(), 'Maximum');
    this.forwarder = forwarder;
    return forwarder;
  }
}
