/**
 * What FargateWebService and FargateWorkerService build the same way, in one
 * place: the container log group, the execution and task roles, the task
 * definition, the ECS service, its autoscaling, the error-log metric filter and
 * the alarms, and the engine-specific props both take. Each part is created
 * under the service construct with the ids the web service has always used, so
 * moving code here changed no logical ID.
 */
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { CDK_ENVIRONMENT, cdkDeploymentPath, cdkPlatformRef, cdkValidationContext } from './engine';
import { PlatformCluster } from './platform-cluster';
import {
  AlarmPlan,
  ContainerSecret,
  errorLogMetricName,
  executionRoleStatements,
  planAddedEnvironment,
  planAddedSecret,
  secretReadStatements,
  ServiceTaskPlan,
  taskRoleStatements,
  WEB_CONTAINER_NAME,
  WebServiceEngineFacts,
} from '../constructs/fargate-web-service';
import { ALARM_NAME_CHARACTERS, physicalNameFromPath } from '../constructs/naming';
import { ONE_YEAR_DAYS } from '../constructs/platform-network';
import { ECS_TASKS, sourceConditions } from '../constructs/policies';
import { PropSchema, S } from '../constructs/prop-schema';
import { PropsValidator } from '../constructs/validation';

/** The container secrets from aws-cdk-lib objects both service kinds take (`secretsFrom`). */
export interface CdkSecretSourceShape {
  readonly secret?: secretsmanager.ISecret;
  readonly jsonKey?: string;
  readonly parameter?: ssm.IParameter;
}

/** The engine props both service kinds take beside their engine-neutral options. */
interface CdkServiceProps {
  readonly cluster: PlatformCluster;
  readonly image?: string;
  readonly containerImage?: ecs.ContainerImage;
  readonly alarmTopic?: sns.ITopic;
  readonly secretsFrom?: Record<string, CdkSecretSourceShape>;
}

/** The run-time shape of the engine props both service kinds take. */
export function cdkServicePropFields(scope: Construct): Record<string, PropSchema> {
  return {
    cluster: cdkPlatformRef(scope, 'PlatformCluster'),
    containerImage: S.object('an ecs.ContainerImage (e.g. ecs.ContainerImage.fromEcrRepository(repo, "v1"))',
      (x) => (typeof (x as ecs.ContainerImage)?.bind === 'function' ? undefined : 'expected an ecs.ContainerImage (e.g. ecs.ContainerImage.fromEcrRepository(repo, "v1")); give a registry reference as `image`')),
    alarmTopic: S.object('an sns.ITopic',
      (x) => (typeof (x as sns.ITopic)?.topicArn === 'string' ? undefined : 'expected an sns.ITopic; for a topic ARN use sns.Topic.fromTopicArn(this, "Alerts", arn)')),
    secretsFrom: S.mapOf({
      kind: 'struct',
      fields: {
        secret: S.object('a secretsmanager.ISecret', (x) => (typeof (x as secretsmanager.ISecret)?.secretArn === 'string' ? undefined : 'expected a secretsmanager.ISecret')),
        jsonKey: S.string,
        parameter: S.object('an ssm.IParameter', (x) => (typeof (x as ssm.IParameter)?.parameterArn === 'string' ? undefined : 'expected an ssm.IParameter')),
      },
    }, 'variable names'),
  };
}

/** Props of the other engine's `kind`, explained when given here. */
export function cdkServiceOtherEngineProps(kind: string): Record<string, string> {
  return {
    alarmTopicArn: `the AWS CDK ${kind} takes alarmTopic (an sns.ITopic; sns.Topic.fromTopicArn(...) for an ARN)`,
  };
}

/**
 * What only this engine knows about the props, for the planner: `image` and
 * `containerImage` are alternatives, the `secretsFrom` objects and their ARN
 * forms, the VPC's interface endpoints. `given` is the props as passed (before
 * wrong-typed values were left out), so a wrong value is reported once.
 */
export function cdkServiceFacts(v: PropsValidator, p: CdkServiceProps, given: CdkServiceProps | undefined): WebServiceEngineFacts {
  if (p.containerImage !== undefined && given?.image !== undefined) {
    v.report('containerImage', '<ecs.ContainerImage>', 'expected either image or containerImage, not both');
  }
  const engineSecrets: Record<string, ContainerSecret> = {};
  const partialSecretArns: string[] = [];
  for (const [name, source] of Object.entries(p.secretsFrom ?? {})) {
    if ((source.secret === undefined) === (source.parameter === undefined)) {
      // A field of the wrong type was reported already (and left out): do not also call the source empty.
      if (!v.hasProblemAt(`secretsFrom.${name}`)) v.report(`secretsFrom.${name}`, '<SecretSource>', 'expected exactly one of secret or parameter');
      continue;
    }
    if (source.secret) {
      // An imported-by-name secret has no full ARN: IAM matches it only with the suffix wildcard.
      if (source.secret.secretFullArn === undefined) partialSecretArns.push(name);
      engineSecrets[name] = {
        secretsManagerArn: source.secret.secretFullArn ?? source.secret.secretArn,
        jsonKey: source.jsonKey,
        kmsKeyArn: source.secret.encryptionKey?.keyArn,
      };
    } else {
      if (source.jsonKey !== undefined) v.report(`secretsFrom.${name}.jsonKey`, source.jsonKey, 'expected no jsonKey for an SSM parameter');
      engineSecrets[name] = { ssmParameterArn: source.parameter!.parameterArn };
    }
  }
  const cluster = p.cluster;
  return {
    // As given: a containerImage of the wrong type is reported on its own, not again as a missing image.
    imageGivenAsObject: given?.containerImage !== undefined && given?.containerImage !== null,
    engineSecrets,
    partialSecretArns,
    network: cluster ? {
      natGateways: cluster.network.natGatewayCount,
      cidr: cluster.network.cidr,
      interfaceEndpoints: cluster.network._interfaceEndpointServices,
    } : undefined,
  };
}

/** The container log group, encrypted with the cluster's key; kept on deletion when the plan says so. */
export function createServiceLogGroup(scope: Construct, plan: ServiceTaskPlan, cluster: PlatformCluster): logs.LogGroup {
  const logGroup = new logs.LogGroup(scope, 'LogGroup', {
    retention: plan.logRetentionDays as logs.RetentionDays,
    encryptionKey: cluster.encryptionKey,
    removalPolicy: plan.retainOnDelete ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
  });
  if (Stack.of(cluster) !== Stack.of(scope)) {
    Validations.of(logGroup).acknowledge({
      id: 'cdk-validator-cfnguard::cloudwatch_log_group_encrypted_check',
      reason: 'encrypted with the cluster\'s key, which lives in another stack: its ARN arrives as an Fn::ImportValue, which the rule does not read as a key.',
    });
  }
  if (plan.logRetentionDays < ONE_YEAR_DAYS) {
    Validations.of(logGroup).acknowledge({
      id: 'cdk-validator-cfnguard::cloudwatch_log_group_retention_period_check',
      reason: `logRetentionDays is ${plan.logRetentionDays} (${plan.profile} profile or explicit choice); PRODUCTION keeps container logs ${ONE_YEAR_DAYS} days.`,
    });
  }
  return logGroup;
}

/** Pull the image, write the container log, read exactly the secrets given; no managed policies. */
export function createExecutionRole(scope: Construct, plan: ServiceTaskPlan, logGroup: logs.LogGroup): iam.Role {
  const role = new iam.Role(scope, 'ExecutionRole', {
    assumedBy: ecsTasksPrincipal(),
    description: `ECS task execution role of ${scope.node.path}`,
  });
  // logGroupArn is CloudFormation's Arn attribute, which already ends in ':*' (the log streams);
  // the awslogs driver grants the same statement, so the two merge into one.
  for (const statement of executionRoleStatements(plan, logGroup.logGroupArn, CDK_ENVIRONMENT)) {
    role.addToPolicy(iam.PolicyStatement.fromJson(statement));
  }
  Validations.of(role).acknowledge({
    id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
    reason: 'ecr:GetAuthorizationToken supports no resource-level permissions; the image-pull actions are on * because the image may come from any ECR repository the account can pull from.',
  });
  return role;
}

/** ECS Exec: the session channels, the cluster's exec log group and key. */
export function createTaskRole(scope: Construct, cluster: PlatformCluster): iam.Role {
  const role = new iam.Role(scope, 'TaskRole', {
    assumedBy: ecsTasksPrincipal(),
    description: `ECS task role of ${scope.node.path}`,
  });
  for (const statement of taskRoleStatements(cluster.execLogGroup.logGroupArn, cluster.encryptionKeyArn)) {
    role.addToPolicy(iam.PolicyStatement.fromJson(statement));
  }
  Validations.of(role).acknowledge({
    id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
    reason: 'ECS Exec: the ssmmessages channel actions and logs:DescribeLogGroups support no resource-level permissions.',
  });
  return role;
}

/** What the task definition runs with. */
export interface TaskDefinitionParts {
  readonly executionRole: iam.Role;
  readonly taskRole: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly containerImage?: ecs.ContainerImage;
  /** The port the container listens on; none for a worker. */
  readonly containerPort?: number;
}

/** The task definition with its one container (named `web` in both kinds: ECS Exec and the deploy workflow address it). */
export function createTaskDefinition(scope: Construct, plan: ServiceTaskPlan, parts: TaskDefinitionParts): ecs.FargateTaskDefinition {
  const taskDefinition = new ecs.FargateTaskDefinition(scope, 'TaskDefinition', {
    // Named from the stack name and path, as in Terraform: aws-cdk-lib's default family is the
    // construct path only, so dev and staging would register revisions into one family.
    family: physicalNameFromPath(cdkDeploymentPath(scope)),
    cpu: plan.cpu,
    memoryLimitMiB: plan.memoryMiB,
    executionRole: parts.executionRole,
    taskRole: parts.taskRole,
    ephemeralStorageGiB: plan.ephemeralStorageGiB,
    runtimePlatform: {
      operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      cpuArchitecture: ecs.CpuArchitecture.of(plan.cpuArchitecture),
    },
  });
  const chc = plan.containerHealthCheck;
  taskDefinition.addContainer(WEB_CONTAINER_NAME, {
    containerName: WEB_CONTAINER_NAME,
    image: parts.containerImage ?? ecs.ContainerImage.fromRegistry(plan.image!),
    command: plan.command,
    entryPoint: plan.entryPoint,
    essential: true,
    portMappings: parts.containerPort !== undefined ? [{ containerPort: parts.containerPort, protocol: ecs.Protocol.TCP }] : undefined,
    environment: plan.environment,
    secrets: Object.fromEntries(plan.secrets.map((s) => [s.name, new PlannedSecret(s.arn, s.jsonKey)])),
    logging: ecs.LogDrivers.awsLogs({ logGroup: parts.logGroup, streamPrefix: plan.logStreamPrefix }),
    stopTimeout: plan.stopTimeoutSeconds !== undefined ? Duration.seconds(plan.stopTimeoutSeconds) : undefined,
    healthCheck: chc
      ? {
        command: chc.command,
        interval: Duration.seconds(chc.intervalSeconds),
        timeout: Duration.seconds(chc.timeoutSeconds),
        retries: chc.retries,
        startPeriod: Duration.seconds(chc.startPeriodSeconds),
      }
      : undefined,
  });
  const acknowledge = (rule: string, reason: string) =>
    Validations.of(taskDefinition).acknowledge({ id: `cdk-validator-cfnguard::${rule}`, reason });
  acknowledge('ecs_task_definition_memory_hard_limit_check',
    `the task's memory (${plan.memoryMiB} MiB), which Fargate enforces as a hard limit, belongs to its one container.`);
  acknowledge('ecs_task_definition_nonroot_user_check',
    'the container runs as the user its image declares: the service runs any image, and many (nginx among them) need root to start.');
  acknowledge('ecs_containers_readonly_access_check',
    'the container may write to its (ephemeral, per-task) root filesystem: the service runs any image, and many write caches or PID files there.');
  if (Object.keys(plan.environment).length > 0) acknowledgePlainEnvironment(taskDefinition);
  return taskDefinition;
}

function acknowledgePlainEnvironment(taskDefinition: ecs.FargateTaskDefinition): void {
  Validations.of(taskDefinition).acknowledge({ id: 'AwsSolutions::AwsSolutions-ECS2', reason: 'plain configuration; secret values go through `secrets`' });
}

/** What the ECS service runs with. */
export interface FargateServiceParts {
  readonly cluster: PlatformCluster;
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly securityGroup: ec2.SecurityGroup;
  readonly executionRole: iam.Role;
  /** Only with a load balancer. */
  readonly healthCheckGracePeriodSeconds?: number;
}

/** The ECS service in the cluster's private subnets: circuit breaker with rollback, ECS Exec, Spot per the plan, autoscaling when planned. */
export function createFargateService(scope: Construct, plan: ServiceTaskPlan, parts: FargateServiceParts): ecs.FargateService {
  const cluster = parts.cluster;
  const service = new ecs.FargateService(scope, 'Service', {
    cluster: cluster.cluster,
    taskDefinition: parts.taskDefinition,
    desiredCount: plan.desiredCount,
    capacityProviderStrategies: plan.capacityProviderStrategy.map((s) => ({ ...s })),
    circuitBreaker: { enable: true, rollback: plan.deployment.circuitBreakerRollback },
    minHealthyPercent: plan.deployment.minimumHealthyPercent,
    maxHealthyPercent: plan.deployment.maximumPercent,
    vpcSubnets: { subnets: cluster.network.privateSubnets },
    assignPublicIp: false,
    securityGroups: [parts.securityGroup],
    healthCheckGracePeriod: parts.healthCheckGracePeriodSeconds !== undefined ? Duration.seconds(parts.healthCheckGracePeriodSeconds) : undefined,
    propagateTags: ecs.PropagatedTagSource.SERVICE,
  });
  const cfnService = service.node.defaultChild as ecs.CfnService;
  // ECS Exec on the resource only: the service's own `enableExecuteCommand` would add its
  // own task-role statements and key-policy statements; createTaskRole grants exactly the plan's.
  cfnService.enableExecuteCommand = plan.enableExecuteCommand;
  if (plan.desiredCount === undefined) {
    // Autoscaling owns the count: a DesiredCount in the template would reset a scaled-out
    // service on every deployment. Without it ECS starts one task and the scalable target
    // raises the count to its minimum when it registers.
    cfnService.addPropertyDeletionOverride('DesiredCount');
  }
  // The capacity-provider strategy needs the cluster's capacity-provider association first.
  service.node.addDependency(cluster.cluster);
  // Tasks pull the image and read secrets with the execution role as soon as the service starts:
  // its policy must exist first (aws-cdk-lib orders only the task role's).
  service.node.addDependency(parts.executionRole);

  if (plan.autoScaling) {
    const scaling = service.autoScaleTaskCount({
      minCapacity: plan.autoScaling.minCapacity,
      maxCapacity: plan.autoScaling.maxCapacity,
    });
    scaling.scaleOnCpuUtilization('CpuScaling', { targetUtilizationPercent: plan.autoScaling.cpuTargetPercent });
    if (plan.autoScaling.memoryTargetPercent !== undefined) {
      scaling.scaleOnMemoryUtilization('MemoryScaling', { targetUtilizationPercent: plan.autoScaling.memoryTargetPercent });
    }
  }
  return service;
}

/** The service's alarms, their literal names, and the error-log metric filter they read. */
export interface ServiceAlarms {
  readonly alarms: cloudwatch.Alarm[];
  readonly alarmNames: string[];
}

/**
 * The error-log metric filter and one alarm per planned alarm, each notifying
 * `topic` when it fires and when it returns to OK. `dimensions` gives a
 * metric's dimensions by namespace (the error-log metric has none).
 */
export function createServiceAlarms(scope: Construct, plan: ServiceTaskPlan, logGroup: logs.LogGroup, topic: sns.ITopic,
  dimensions: (alarm: AlarmPlan) => Record<string, string> | undefined): ServiceAlarms {
  const errorLogs = plan.alarms.find((a) => a.key === 'ErrorLogs')!;
  // Named from the stack name and path: two deployments of the app (dev, staging) never share them.
  const deploymentPath = cdkDeploymentPath(scope);
  const errorMetricName = errorLogMetricName(deploymentPath);
  new logs.MetricFilter(scope, 'ErrorLogsMetricFilter', {
    logGroup,
    filterPattern: logs.FilterPattern.literal(plan.errorLogPattern),
    metricNamespace: errorLogs.namespace,
    metricName: errorMetricName,
    metricValue: '1',
    defaultValue: 0,
  });

  const topicAction = new cloudwatchActions.SnsAction(topic);
  const alarmNames = plan.alarms.map((a) => physicalNameFromPath(deploymentPath, { suffix: `${a.key}Alarm`, allowed: ALARM_NAME_CHARACTERS }));
  const alarms = plan.alarms.map((a, i) => {
    const alarm = new cloudwatch.Alarm(scope, `${a.key}Alarm`, {
      // Named from the construct path (as in Terraform): deployment alarms are
      // referenced by name, and a generated name makes aws-cdk-lib warn of a cycle.
      alarmName: alarmNames[i],
      alarmDescription: `${a.key} of ${scope.node.path}`,
      metric: new cloudwatch.Metric({
        namespace: a.namespace,
        metricName: a.key === 'ErrorLogs' ? errorMetricName : a.metricName,
        statistic: a.statistic,
        period: Duration.seconds(a.periodSeconds),
        dimensionsMap: dimensions(a),
      }),
      threshold: a.threshold,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: a.evaluationPeriods,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(topicAction);
    alarm.addOkAction(topicAction);
    return alarm;
  });
  return { alarms, alarmNames };
}

/** The ECS metrics' dimensions of `service` in `cluster`. */
export function ecsServiceDimensions(cluster: PlatformCluster, service: ecs.FargateService): Record<string, string> {
  return { ClusterName: cluster.clusterName, ServiceName: service.serviceName };
}

/** The service construct's members addEnvironment and addSecret change. */
export interface ServiceContainerParts {
  readonly kind: string;
  readonly construct: Construct;
  readonly plan: ServiceTaskPlan;
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly executionRole: iam.Role;
}

/** `addEnvironment` of both kinds: checked against what the container has, then added. */
export function addServiceEnvironment(parts: ServiceContainerParts, name: string, value: string): void {
  planAddedEnvironment(parts.plan, name, value, serviceMethodContext(parts, 'addEnvironment'));
  parts.taskDefinition.defaultContainer!.addEnvironment(name, value);
  parts.plan.environment[name] = value;
  acknowledgePlainEnvironment(parts.taskDefinition);
}

/** `addSecret` of both kinds: the container reads it, the execution role may read exactly it. */
export function addServiceSecret(parts: ServiceContainerParts, name: string, secret: ContainerSecret): void {
  const added = planAddedSecret(parts.plan, name, secret, serviceMethodContext(parts, 'addSecret'));
  for (const s of added.secrets) {
    parts.taskDefinition.defaultContainer!.addSecret(s.name, new PlannedSecret(s.arn, s.jsonKey));
    parts.plan.secrets.push(s);
  }
  for (const statement of secretReadStatements(added, CDK_ENVIRONMENT)) {
    parts.executionRole.addToPolicy(iam.PolicyStatement.fromJson(statement));
  }
}

/** How a method call's bad arguments are reported: `<Kind>.<method>` at the service's path. */
export function serviceMethodContext(parts: Pick<ServiceContainerParts, 'kind' | 'construct'>, method: string) {
  return cdkValidationContext(`${parts.kind}.${method}`, parts.construct.node.scope!, parts.construct.node.id);
}

/** ECS tasks, for this account's ECS resources only (confused-deputy protection). */
function ecsTasksPrincipal(): iam.IPrincipal {
  return new iam.ServicePrincipal(ECS_TASKS.principal).withConditions(sourceConditions(ECS_TASKS, CDK_ENVIRONMENT));
}

/**
 * A container secret whose `valueFrom` is the planned ARN (with `:<jsonKey>::`
 * for one key of a JSON secret). It grants nothing itself: the execution role
 * reads exactly the planned ARNs (aws-cdk-lib's grants would add more actions).
 */
export class PlannedSecret extends ecs.Secret {
  public readonly arn: string;
  public readonly hasField: boolean;

  constructor(arn: string, jsonKey?: string) {
    super();
    this.arn = jsonKey === undefined ? arn : `${arn}:${jsonKey}::`;
    this.hasField = jsonKey !== undefined;
  }

  public grantRead(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.drop(grantee, 'the execution role policy grants the planned secret ARNs');
  }
}
