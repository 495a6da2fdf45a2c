// Deep imports only: the @cdktf/provider-aws root barrel costs ~1.7 s and 550 MB.
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { SecretsmanagerSecretVersion } from '@cdktf/provider-aws/lib/secretsmanager-secret-version';
import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { SqsQueuePolicy } from '@cdktf/provider-aws/lib/sqs-queue-policy';
import { AssetType, TerraformAsset, TerraformProvider, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { awsccProviderFor, DevopsagentAgentSpace, DevopsagentAssociation } from './awscc';
import {
  acknowledgeGuardRule,
  awsEnvironment,
  cdktfLiteralRegion,
  cdktfPlatformRef,
  cdktfValidationContext,
  checkCdktfProps,
  logGroupNamePrefix,
  logStreamsArn,
  markCdktfConstruct,
  nameTag,
  physicalName,
  policyDocument,
} from './engine';
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
import { FINOPS_HANDLER_RUNTIME, handlerBundleZip, LAMBDA_TRUST } from '../constructs/finops-guardrails';
import { ALARM_NAME_CHARACTERS } from '../constructs/naming';
import { allowAccountToAdministerKey, allowCloudWatchLogs, AwsEnvironment, DENY_GRANTS_EXCEPT_FOR_AWS_SERVICES, denyInsecureTransport, PolicyStatementJson } from '../constructs/policies';
import { S } from '../constructs/prop-schema';
import { PropsValidator } from '../constructs/validation';

/** What the agent space may investigate (the AWS-account monitor association's scope). */
export interface DevOpsAgentMonitor {
  /**
   * Tags the agent finds the platform's resources by (its topology crawl).
   * @default - the stack's AWS provider's default_tags
   */
  readonly tags?: { [key: string]: string };
}

/** Props of the CDK for Terraform DevOpsAgentSpace. */
export interface DevOpsAgentSpaceProps extends DevOpsAgentSpaceOptions {
  /**
   * What the agent may investigate in this account: Terraform has no stacks
   * AWS can see, so the agent finds the platform's resources by tag.
   * @default - the tags of the stack's AWS provider's default_tags
   */
  readonly monitor?: DevOpsAgentMonitor;
}

/**
 * An AWS DevOps Agent space watching the platform: the agent's role (trusted by
 * `aidevops.amazonaws.com` for this account's agent spaces only, with the AWS
 * managed AIDevOpsAgentAccessPolicy), this account as the monitor scoped to the
 * platform's tags, GitHub and Slack associations by the IDs of the services
 * registered in the console, and the operator web app's role. The agent space
 * and its associations are `awscc` provider resources (the AWS provider has none).
 *
 * `investigateAlarms(service)` makes the service's alarms start investigations:
 * a forwarder function subscribed to the alarm topic (only those alarms, only
 * entering ALARM) posts them, HMAC-signed, to the agent space's generic webhook,
 * whose URL and key go into `webhookSecret` after generating it in the console.
 */
export class DevOpsAgentSpace extends Construct {
  /** The agent space (awscc). */
  public readonly agentSpace: DevopsagentAgentSpace;
  /** The agent space's ID. */
  public readonly agentSpaceId: string;
  /** The agent space's ARN. */
  public readonly agentSpaceArn: string;
  /** The role the agent reads the account with. */
  public readonly agentRole: IamRole;
  /** The operator web app's role; undefined when `operatorApp` is false. */
  public readonly operatorRole?: IamRole;
  /** The associations (awscc), by construct ID: `MonitorAssociation`, `GitHubAssociation`, `SlackAssociation`. */
  public readonly associations: Record<string, DevopsagentAssociation> = {};
  /** The generic webhook's URL and HMAC key (filled in by the operator); created by the first `investigateAlarms`. */
  public webhookSecret?: SecretsmanagerSecret;
  /** The services whose alarms start investigations (`investigateAlarms`), in the order given. */
  public readonly investigatedServices: IFargateService[] = [];
  /** The function that forwards alarms to the webhook; created by the first `investigateAlarms`. */
  public forwarder?: LambdaFunction;

  private readonly plan: DevOpsAgentSpacePlan;
  private readonly env: AwsEnvironment;
  private readonly topics = new InvestigationTopics<string>();
  private readonly subscriptions = new Map<string, SnsTopicSubscription>();

  constructor(scope: Construct, id: string, props: DevOpsAgentSpaceProps) {
    const schema = S.extend(DEVOPS_AGENT_SPACE_OPTIONS_SCHEMA, {
      monitor: S.struct<DevOpsAgentMonitor>({ tags: MONITOR_TAGS_SCHEMA }),
    });
    const { v, props: p } = checkCdktfProps<DevOpsAgentSpaceProps>('DevOpsAgentSpace', scope, id, props, schema);
    const monitorTags = p.monitor?.tags ?? providerDefaultTags(scope);
    if ((monitorTags === undefined || Object.keys(monitorTags).length === 0) && !v.hasProblemAt('props') && !v.hasProblemAt('monitor')) {
      v.report('monitor.tags', p.monitor?.tags,
        'expected the tags of the platform\'s resources (e.g. { platform: "demo" }): Terraform stacks are invisible to AWS, so the agent finds '
        + 'the platform by tag. Give monitor.tags, or default_tags on the stack\'s AWS provider');
    }
    const plan = planDevOpsAgentSpace(p, { constructPath: `${scope.node.path}/${id}`, region: cdktfLiteralRegion(scope), monitorTags }, v);
    super(scope, id);
    markCdktfConstruct(this, 'DevOpsAgentSpace');
    this.plan = plan;
    // Read eagerly: a data source first read inside a token producer is never emitted.
    this.env = awsEnvironment(this);
    const env = this.env;
    const awscc = awsccProviderFor(this, cdktfLiteralRegion(this));

    const agentRole = this.serviceRole('AgentRole', agentSpaceTrustStatement(env), DEVOPS_AGENT_MANAGED_POLICIES.agentSpace,
      `AWS DevOps Agent investigates with this role for ${this.node.path}`);
    this.agentRole = agentRole.role;
    const operator = plan.operatorApp
      ? this.serviceRole('OperatorRole', operatorAppTrustStatement(env), DEVOPS_AGENT_MANAGED_POLICIES.operatorApp, `The operator web app of ${this.node.path}`)
      : undefined;
    this.operatorRole = operator?.role;
    this.agentSpace = new DevopsagentAgentSpace(this, 'AgentSpace', {
      provider: awscc,
      name: plan.name,
      description: plan.description,
      locale: plan.locale,
      operatorApp: operator ? { iam: { operatorAppRoleArn: operator.role.arn } } : undefined,
      // The service checks the roles' permissions when the space and the associations are created.
      dependsOn: operator ? [operator.attachment] : undefined,
    });
    // Its investigations, knowledge and console-generated webhook outlive a PRODUCTION `terraform destroy`.
    if (plan.retainOnDelete) this.agentSpace.lifecycle = { preventDestroy: true };
    this.agentSpaceId = this.agentSpace.agentSpaceId;
    this.agentSpaceArn = this.agentSpace.arn;

    for (const association of associationPlans(plan, { accountId: env.accountId, agentRoleArn: this.agentRole.arn, resources: [] })) {
      const resource = new DevopsagentAssociation(this, association.id, {
        provider: awscc,
        agentSpaceId: this.agentSpaceId,
        serviceId: association.serviceId,
        configuration: association.configuration,
        dependsOn: association.serviceId === 'aws' ? [agentRole.attachment] : undefined,
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
    const v = new PropsValidator(cdktfValidationContext('DevOpsAgentSpace.investigateAlarms', this.node.scope!, this.node.id));
    const problem = cdktfPlatformRef(this, 'FargateWebService', 'FargateWorkerService').check(service);
    if (problem !== undefined) v.report('service', service, problem);
    const overfilled = problem === undefined && !this.investigatedServices.includes(service)
      ? this.topics.problemAdding(service.alarmTopicArn, service.alarmNames) : undefined;
    if (overfilled !== undefined) v.report('service', service, overfilled);
    v.throwIfInvalid();
    if (this.investigatedServices.includes(service)) return;
    this.investigatedServices.push(service);
    const topicArn = service.alarmTopicArn;
    const forwarder = this.forwarder ?? this.createForwarder(topicArn);

    const { number, isNew, filterPolicy } = this.topics.add(topicArn, service.alarmNames);
    if (isNew) {
      this.subscriptions.set(topicArn, new SnsTopicSubscription(this, `InvestigationSubscription${number}`, {
        topicArn, protocol: 'lambda', endpoint: forwarder.arn, filterPolicyScope: 'MessageBody',
      }));
      new LambdaPermission(this, `InvokeFromAlarmTopic${number}`, {
        action: 'lambda:InvokeFunction', functionName: forwarder.functionName, principal: 'sns.amazonaws.com', sourceArn: topicArn,
      });
    }
    this.subscriptions.get(topicArn)!.filterPolicy = JSON.stringify(filterPolicy);
  }

  private serviceRole(id: string, trust: PolicyStatementJson, managedPolicy: string, description: string)
    : { role: IamRole; attachment: IamRolePolicyAttachment } {
    const role = new IamRole(this, id, { assumeRolePolicy: policyDocument([trust]), description, tags: nameTag(this) });
    const attachment = new IamRolePolicyAttachment(this, `${id}ManagedPolicy`, { role: role.name, policyArn: awsManagedPolicyArn(managedPolicy, this.env) });
    return { role, attachment };
  }

  /** The secret, key, logs, dead letters, role, function and failure alarms of the alarm-to-investigation path. */
  private createForwarder(alarmTopicArn: string): LambdaFunction {
    const plan = this.plan;
    const env = this.env;
    const retain = plan.retainOnDelete ? { preventDestroy: true } : undefined;
    const key = new KmsKey(this, 'ForwarderKey', {
      description: `Encrypts the DevOps Agent webhook secret, forwarder logs and dead letters of ${this.node.path}`,
      enableKeyRotation: true,
      deletionWindowInDays: plan.keyDeletionWindowDays,
      policy: policyDocument([allowAccountToAdministerKey(env), allowCloudWatchLogs(env), DENY_GRANTS_EXCEPT_FOR_AWS_SERVICES]),
      lifecycle: retain,
      tags: nameTag(this),
    });
    const secret = new SecretsmanagerSecret(this, 'WebhookSecret', {
      namePrefix: physicalName(this, { suffix: 'webhook-', maxLength: 200, allowed: /[A-Za-z0-9/_+=.@-]/ }),
      description: `The generic webhook of the AWS DevOps Agent space ${plan.name}: {"webhookUrl": ..., "webhookSecret": ...} from the console (Capabilities, Webhook)`,
      kmsKeyId: key.arn,
      recoveryWindowInDays: plan.retainOnDelete ? 30 : 0,
      lifecycle: retain,
      tags: nameTag(this),
    });
    this.webhookSecret = secret;
    new SecretsmanagerSecretVersion(this, 'WebhookSecretPlaceholder', {
      secretId: secret.id,
      // A placeholder, not a secret: the operator pastes the generated webhook in, and Terraform leaves it there.
      secretString: WEBHOOK_SECRET_PLACEHOLDER,
      lifecycle: { ignoreChanges: ['secret_string'] },
    });
    const logGroup = new CloudwatchLogGroup(this, 'ForwarderLogGroup', {
      namePrefix: logGroupNamePrefix(this, INVESTIGATION_FORWARDER.handler),
      retentionInDays: plan.logRetentionDays,
      kmsKeyId: key.arn,
      skipDestroy: plan.retainOnDelete,
      tags: nameTag(this),
    });
    const deadLetters = new SqsQueue(this, 'ForwarderDeadLetterQueue', {
      kmsMasterKeyId: key.arn,
      messageRetentionSeconds: INVESTIGATION_FORWARDER.deadLetterRetentionSeconds,
      tags: nameTag(this),
    });
    acknowledgeGuardRule(deadLetters, 'TF_SQS_DEAD_LETTER_QUEUE', 'This queue is the forwarder function\'s dead-letter queue (Lambda dead_letter_config).');
    new SqsQueuePolicy(this, 'ForwarderDeadLetterQueuePolicy', {
      queueUrl: deadLetters.url,
      policy: policyDocument([denyInsecureTransport(deadLetters.arn, 'sqs:*')]),
    });
    const role = new IamRole(this, 'ForwarderRole', {
      assumeRolePolicy: policyDocument([LAMBDA_TRUST]),
      description: `The alarm forwarder of ${this.node.path}`,
      tags: nameTag(this),
    });
    const policy = new IamRolePolicy(this, 'ForwarderRolePolicy', {
      role: role.id,
      policy: policyDocument(forwarderRoleStatements({
        logStreamsArn: logStreamsArn(logGroup.arn), deadLetterQueueArn: deadLetters.arn, secretArn: secret.arn, keyArn: key.arn,
      })),
    });
    // The bundle's zip is copied into the stack's output; its hash redeploys the function when the code changes.
    const asset = new TerraformAsset(this, 'ForwarderCode', { path: handlerBundleZip(INVESTIGATION_FORWARDER.handler), type: AssetType.FILE });
    const forwarder = new LambdaFunction(this, 'Forwarder', {
      functionName: physicalName(this, { suffix: 'Forwarder', maxLength: 64 }),
      description: INVESTIGATION_FORWARDER.description,
      filename: asset.path,
      sourceCodeHash: asset.assetHash,
      handler: 'index.handler',
      runtime: FINOPS_HANDLER_RUNTIME,
      architectures: ['arm64'],
      timeout: INVESTIGATION_FORWARDER.timeoutSeconds,
      memorySize: INVESTIGATION_FORWARDER.memoryMiB,
      role: role.arn,
      environment: { variables: forwarderEnvironment(plan, { secretArn: secret.arn, platformName: this.node.path }) },
      loggingConfig: { logFormat: 'JSON', logGroup: logGroup.name },
      deadLetterConfig: { targetArn: deadLetters.arn },
      // Lambda checks at creation that the role may send to the dead-letter queue.
      dependsOn: [policy],
      tags: nameTag(this),
    });
    const failureAlarm = (id: string, description: string, namespace: string, metricName: string, statistic: string,
      dimensions: Record<string, string>) =>
      new CloudwatchMetricAlarm(this, id, {
        alarmName: physicalName(this, { suffix: id, allowed: ALARM_NAME_CHARACTERS }),
        alarmDescription: description,
        namespace,
        metricName,
        statistic,
        dimensions,
        period: FORWARDER_ALARMS.periodSeconds,
        evaluationPeriods: 1,
        threshold: 1,
        comparisonOperator: 'GreaterThanOrEqualToThreshold',
        treatMissingData: 'notBreaching',
        alarmActions: [alarmTopicArn],
        tags: nameTag(this),
      });
    failureAlarm(FORWARDER_ALARMS.errors.id, FORWARDER_ALARMS.errors.description, 'AWS/Lambda', 'Errors', 'Sum', { FunctionName: forwarder.functionName });
    failureAlarm(FORWARDER_ALARMS.deadLetters.id, FORWARDER_ALARMS.deadLetters.description, 'AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'Maximum',
      { QueueName: deadLetters.name });
    this.forwarder = forwarder;
    return forwarder;
  }
}

/** The default_tags of the stack's (unaliased) AWS provider, when literal. */
function providerDefaultTags(scope: Construct): Record<string, string> | undefined {
  const stack = TerraformStack.of(scope);
  const provider = stack.node.findAll().find((c) => c instanceof TerraformProvider
    && (c as TerraformProvider).terraformResourceType === 'aws' && !(c as TerraformProvider).alias);
  const defaultTags = (provider as unknown as { defaultTags?: Array<{ tags?: Record<string, string> }> } | undefined)?.defaultTags;
  const tags = Object.assign({}, ...(Array.isArray(defaultTags) ? defaultTags : []).map((d) => d.tags ?? {}));
  return Object.keys(tags).length ? tags : undefined;
}
