/**
 * What FargateWebService and FargateWorkerService build the same way, in one
 * place: the container log group, the execution and task roles, the task
 * definition, the tasks' security group, the ECS service, its autoscaling, the
 * error-log metric filter and the alarms, and the engine-specific props both
 * take. Each part is created under the service construct with the ids the web
 * service has always used, so moving code here changed no resource address.
 */
// Deep imports only: the @cdktf/provider-aws root barrel costs ~1.7 s and 550 MB.
import { AppautoscalingPolicy } from '@cdktf/provider-aws/lib/appautoscaling-policy';
import { AppautoscalingTarget } from '@cdktf/provider-aws/lib/appautoscaling-target';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { CloudwatchLogMetricFilter } from '@cdktf/provider-aws/lib/cloudwatch-log-metric-filter';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { EcsService, EcsServiceLoadBalancer } from '@cdktf/provider-aws/lib/ecs-service';
import { EcsTaskDefinition } from '@cdktf/provider-aws/lib/ecs-task-definition';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule';
import { ITerraformDependable, Lazy } from 'cdktf';
import { Construct, IConstruct } from 'constructs';
import {
  assumeRolePolicy,
  cdktfPlatformRef,
  cdktfValidationContext,
  logGroupNamePrefix,
  logStreamsArn,
  nameTag,
  physicalName,
  policyDocument,
  sameStackDependencies,
} from './engine';
import { PlatformCluster } from './platform-cluster';
import {
  AlarmPlan,
  ContainerSecret,
  errorLogMetricName,
  executionRoleStatements,
  initContainerDefinition,
  mergeSecretGrants,
  planAddedEnvironment,
  planAddedSecret,
  ServiceTaskPlan,
  taskRoleStatements,
  WEB_CONTAINER_NAME,
  WebServiceEngineFacts,
} from '../constructs/fargate-web-service';
import { ALARM_NAME_CHARACTERS } from '../constructs/naming';
import { AwsEnvironment, ECS_TASKS } from '../constructs/policies';
import { PropSchema, S } from '../constructs/prop-schema';
import { PropsValidator } from '../constructs/validation';

/** The engine props both service kinds take beside their engine-neutral options. */
interface CdktfServiceProps {
  readonly cluster: PlatformCluster;
  readonly alarmTopicArn?: string;
}

/** The run-time shape of the engine props both service kinds take. */
export function cdktfServicePropFields(scope: Construct): Record<string, PropSchema> {
  return {
    cluster: cdktfPlatformRef(scope, 'PlatformCluster'),
    alarmTopicArn: S.string,
    waitForSteadyState: S.boolean,
  };
}

/** Props of the other engine's `kind`, explained when given here. */
export function cdktfServiceOtherEngineProps(kind: string): Record<string, string> {
  return {
    alarmTopic: `the CDK for Terraform ${kind} takes alarmTopicArn (the topic's ARN)`,
    containerImage: `the CDK for Terraform ${kind} takes image (a registry reference, e.g. an ECR repository URL and tag)`,
    secretsFrom: `the CDK for Terraform ${kind} takes secrets with ARNs (e.g. a SecretsmanagerSecret's arn)`,
  };
}

/** What only this engine knows about the props, for the planner: the topic ARN's shape and the VPC's interface endpoints. */
export function cdktfServiceFacts(v: PropsValidator, p: CdktfServiceProps): WebServiceEngineFacts {
  if (p.alarmTopicArn !== undefined && !v.isUnresolved(p.alarmTopicArn)) {
    v.require(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/.test(p.alarmTopicArn), 'alarmTopicArn', p.alarmTopicArn,
      'expected a standard SNS topic ARN such as "arn:aws:sns:eu-west-1:111122223333:alerts"');
  }
  const cluster = p.cluster;
  return {
    network: cluster ? {
      natGateways: cluster.network.natGatewayCount,
      cidr: cluster.network.cidr,
      interfaceEndpoints: cluster.network._interfaceEndpointServices,
    } : undefined,
  };
}

/** The container log group, encrypted with the cluster's key; kept on destroy when the plan says so. */
export function createServiceLogGroup(scope: Construct, plan: ServiceTaskPlan, cluster: PlatformCluster): CloudwatchLogGroup {
  return new CloudwatchLogGroup(scope, 'LogGroup', {
    namePrefix: logGroupNamePrefix(scope, WEB_CONTAINER_NAME),
    retentionInDays: plan.logRetentionDays,
    kmsKeyId: cluster.encryptionKeyArn,
    skipDestroy: plan.retainOnDelete,
    tags: nameTag(scope),
  });
}

/** The two roles of a task and their inline policies. */
export interface ServiceRoles {
  readonly executionRole: IamRole;
  readonly executionRolePolicy: IamRolePolicy;
  readonly taskRole: IamRole;
  readonly taskRolePolicy: IamRolePolicy;
}

/** Pull, log and read the secrets given (execution); ECS Exec only (task). */
export function createServiceRoles(scope: Construct, plan: ServiceTaskPlan, logGroup: CloudwatchLogGroup, cluster: PlatformCluster,
  env: AwsEnvironment): ServiceRoles {
  const executionRole = new IamRole(scope, 'ExecutionRole', {
    assumeRolePolicy: assumeRolePolicy(ECS_TASKS, env),
    tags: nameTag(scope),
  });
  const executionRolePolicy = new IamRolePolicy(scope, 'ExecutionRolePolicy', {
    role: executionRole.id,
    // Lazy: addSecret may grant more after construction.
    policy: Lazy.stringValue({ produce: () => policyDocument(executionRoleStatements(plan, logStreamsArn(logGroup.arn), env)) }),
  });
  const taskRole = new IamRole(scope, 'TaskRole', {
    assumeRolePolicy: assumeRolePolicy(ECS_TASKS, env),
    tags: nameTag(scope),
  });
  const taskRolePolicy = new IamRolePolicy(scope, 'TaskRolePolicy', {
    role: taskRole.id,
    policy: policyDocument(taskRoleStatements(logStreamsArn(cluster.execLogGroup.arn), cluster.encryptionKeyArn)),
  });
  return { executionRole, executionRolePolicy, taskRole, taskRolePolicy };
}

/**
 * The task definition, its container definitions produced at synth (addEnvironment,
 * addSecret and init containers may change them after construction).
 * `containerPort` is the web container's port; a worker has none.
 */
export function createTaskDefinition(scope: Construct, plan: ServiceTaskPlan, roles: ServiceRoles, logGroup: CloudwatchLogGroup,
  env: AwsEnvironment, containerPort?: number): EcsTaskDefinition {
  return new EcsTaskDefinition(scope, 'TaskDefinition', {
    family: physicalName(scope),
    requiresCompatibilities: ['FARGATE'],
    networkMode: 'awsvpc',
    cpu: String(plan.cpu),
    memory: String(plan.memoryMiB),
    runtimePlatform: { operatingSystemFamily: 'LINUX', cpuArchitecture: plan.cpuArchitecture },
    ephemeralStorage: plan.ephemeralStorageGiB !== undefined ? { sizeInGib: plan.ephemeralStorageGiB } : undefined,
    executionRoleArn: roles.executionRole.arn,
    taskRoleArn: roles.taskRole.arn,
    containerDefinitions: Lazy.stringValue({
      produce: () => JSON.stringify([
        containerDefinition(plan, logGroup, env.region, containerPort),
        ...plan.initContainers.map((init) => initContainerDefinition(init, { group: logGroup.name, region: env.region })),
      ]),
    }),
    tags: nameTag(scope),
  });
}

/** The one container of the task, as ECS container-definition JSON. */
function containerDefinition(plan: ServiceTaskPlan, logGroup: CloudwatchLogGroup, region: string, containerPort?: number): object {
  const chc = plan.containerHealthCheck;
  const environment = Object.entries(plan.environment).map(([name, value]) => ({ name, value }));
  const secrets = plan.secrets.map((s) => ({ name: s.name, valueFrom: s.jsonKey !== undefined ? `${s.arn}:${s.jsonKey}::` : s.arn }));
  return {
    name: WEB_CONTAINER_NAME,
    image: plan.image,
    ...(plan.entryPoint ? { entryPoint: plan.entryPoint } : {}),
    ...(plan.command ? { command: plan.command } : {}),
    essential: true,
    ...(containerPort !== undefined ? { portMappings: [{ containerPort, protocol: 'tcp' }] } : {}),
    // Left out when empty, as aws-cdk-lib does.
    ...(environment.length > 0 ? { environment } : {}),
    ...(secrets.length > 0 ? { secrets } : {}),
    ...(plan.stopTimeoutSeconds !== undefined ? { stopTimeout: plan.stopTimeoutSeconds } : {}),
    ...(plan.initContainers.length > 0 ? {
      mountPoints: plan.initContainers.map((init) => ({ sourceVolume: init.volumeName, containerPath: init.mountPath, readOnly: true })),
      dependsOn: plan.initContainers.map((init) => ({ containerName: init.name, condition: 'SUCCESS' })),
    } : {}),
    logConfiguration: {
      logDriver: 'awslogs',
      options: { 'awslogs-group': logGroup.name, 'awslogs-region': region, 'awslogs-stream-prefix': plan.logStreamPrefix },
    },
    ...(chc ? {
      healthCheck: {
        command: chc.command,
        interval: chc.intervalSeconds,
        timeout: chc.timeoutSeconds,
        retries: chc.retries,
        startPeriod: chc.startPeriodSeconds,
      },
    } : {}),
  };
}

/** The tasks' security group, all outbound (images, AWS APIs through NAT, granted databases); callers add what may come in. */
export function createServiceSecurityGroup(scope: Construct, cluster: PlatformCluster): SecurityGroup {
  const securityGroup = new SecurityGroup(scope, 'SecurityGroup', {
    description: `Tasks of ${scope.node.path}`,
    vpcId: cluster.network.vpcId,
    tags: nameTag(scope),
  });
  new VpcSecurityGroupEgressRule(scope, 'SecurityGroupEgressAll', {
    securityGroupId: securityGroup.id,
    description: 'Allow all outbound traffic by default',
    ipProtocol: '-1',
    cidrIpv4: '0.0.0.0/0',
    tags: nameTag(scope),
  });
  return securityGroup;
}

/** The service's alarms and their literal names. */
export interface ServiceAlarms {
  readonly alarms: CloudwatchMetricAlarm[];
  readonly alarmNames: string[];
}

/**
 * The error-log metric filter and one alarm per planned alarm, each notifying
 * `topicArn` when it fires and when it returns to OK. `dimensions` gives a
 * metric's dimensions by namespace (the error-log metric has none).
 */
export function createServiceAlarms(scope: Construct, plan: ServiceTaskPlan, logGroup: CloudwatchLogGroup, topicArn: string,
  dimensions: (alarm: AlarmPlan) => Record<string, string> | undefined): ServiceAlarms {
  const alarmNames = plan.alarms.map((alarm) => physicalName(scope, { suffix: `${alarm.key}Alarm`, allowed: ALARM_NAME_CHARACTERS }));
  const errorMetricName = errorLogMetricName(scope.node.path);
  const errorAlarm = plan.alarms.find((a) => a.key === 'ErrorLogs')!;
  const metricFilter = new CloudwatchLogMetricFilter(scope, 'ErrorLogsMetricFilter', {
    name: physicalName(scope, { suffix: 'ErrorLogs', allowed: /[^:*]/, maxLength: 512 }),
    logGroupName: logGroup.name,
    pattern: plan.errorLogPattern,
    metricTransformation: { namespace: errorAlarm.namespace, name: errorMetricName, value: '1', defaultValue: '0' },
  });
  const alarms = plan.alarms.map((alarm, i) => new CloudwatchMetricAlarm(scope, `${alarm.key}Alarm`, {
    alarmName: alarmNames[i],
    alarmDescription: `${alarm.key} of ${scope.node.path} over ${alarm.threshold}`,
    namespace: alarm.namespace,
    metricName: alarm.key === 'ErrorLogs' ? errorMetricName : alarm.metricName,
    dimensions: dimensions(alarm),
    statistic: alarm.statistic,
    threshold: alarm.threshold,
    comparisonOperator: alarm.comparison,
    evaluationPeriods: alarm.evaluationPeriods,
    period: alarm.periodSeconds,
    treatMissingData: alarm.treatMissingData,
    alarmActions: [topicArn],
    okActions: [topicArn],
    tags: nameTag(scope),
    dependsOn: alarm.key === 'ErrorLogs' ? [metricFilter] : undefined,
  }));
  return { alarms, alarmNames };
}

/** What the ECS service runs with. */
export interface EcsServiceParts {
  readonly cluster: PlatformCluster;
  readonly taskDefinition: EcsTaskDefinition;
  readonly securityGroup: SecurityGroup;
  readonly roles: ServiceRoles;
  readonly waitForSteadyState?: boolean;
  /** The alarms that roll a deployment back (the plan's deployment alarms). */
  readonly deploymentAlarmNames: string[];
  /** Only with a load balancer. */
  readonly loadBalancer?: EcsServiceLoadBalancer;
  readonly healthCheckGracePeriodSeconds?: number;
  /** What must exist first besides the cluster's capacity providers and the roles' policies (e.g. the listener rule). */
  readonly after?: Array<ITerraformDependable & IConstruct>;
}

/** The ECS service in the cluster's private subnets, named from its path, and its autoscaling when planned. */
export function createEcsService(scope: Construct, plan: ServiceTaskPlan, parts: EcsServiceParts): EcsService {
  const cluster = parts.cluster;
  const service = new EcsService(scope, 'Service', {
    name: physicalName(scope),
    cluster: cluster.clusterArn,
    taskDefinition: parts.taskDefinition.arn,
    // With autoscaling the count starts at its minimum and is the scaler's from then on.
    desiredCount: plan.desiredCount ?? plan.autoScaling!.minCapacity,
    capacityProviderStrategy: plan.capacityProviderStrategy.map((s) => ({ ...s })),
    // A changed capacity-provider strategy (spot on or off, a profile change) then rolls the
    // service in place, as CloudFormation does; without it provider 6 refuses the plan and
    // provider 5 destroys and recreates the service (an outage).
    forceNewDeployment: true,
    // Apply fails when the service cannot become stable, as a CloudFormation deployment does.
    waitForSteadyState: parts.waitForSteadyState ?? true,
    deploymentController: { type: 'ECS' },
    deploymentCircuitBreaker: { enable: true, rollback: plan.deployment.circuitBreakerRollback },
    deploymentMinimumHealthyPercent: plan.deployment.minimumHealthyPercent,
    deploymentMaximumPercent: plan.deployment.maximumPercent,
    alarms: parts.deploymentAlarmNames.length > 0
      ? { alarmNames: parts.deploymentAlarmNames, enable: true, rollback: true }
      : undefined,
    enableExecuteCommand: plan.enableExecuteCommand,
    networkConfiguration: {
      subnets: cluster.network.privateSubnetIds,
      securityGroups: [parts.securityGroup.id],
      assignPublicIp: false,
    },
    loadBalancer: parts.loadBalancer ? [parts.loadBalancer] : undefined,
    healthCheckGracePeriodSeconds: parts.healthCheckGracePeriodSeconds,
    propagateTags: 'SERVICE',
    // Autoscaling owns the task count once it is on.
    lifecycle: plan.desiredCount === undefined ? { ignoreChanges: ['desired_count'] } : undefined,
    tags: nameTag(scope),
    // First the cluster's capacity providers and the roles' policies (tasks pull the image and
    // read secrets as soon as the service starts), and whatever the caller names.
    dependsOn: sameStackDependencies(scope,
      [...(parts.after ?? []), cluster.capacityProviders, parts.roles.executionRolePolicy, parts.roles.taskRolePolicy]),
  });

  if (plan.autoScaling) {
    const target = new AppautoscalingTarget(scope, 'ScalableTarget', {
      serviceNamespace: 'ecs',
      scalableDimension: 'ecs:service:DesiredCount',
      resourceId: `service/${cluster.clusterName}/${service.name}`,
      minCapacity: plan.autoScaling.minCapacity,
      maxCapacity: plan.autoScaling.maxCapacity,
      tags: nameTag(scope),
    });
    const trackingPolicy = (policyId: string, metric: string, targetValue: number) => new AppautoscalingPolicy(scope, policyId, {
      name: physicalName(scope, { suffix: policyId, allowed: /[A-Za-z0-9_./-]/ }),
      policyType: 'TargetTrackingScaling',
      serviceNamespace: target.serviceNamespace,
      scalableDimension: target.scalableDimension,
      resourceId: target.resourceId,
      targetTrackingScalingPolicyConfiguration: {
        targetValue,
        predefinedMetricSpecification: { predefinedMetricType: metric },
      },
    });
    trackingPolicy('CpuScaling', 'ECSServiceAverageCPUUtilization', plan.autoScaling.cpuTargetPercent);
    if (plan.autoScaling.memoryTargetPercent !== undefined) {
      trackingPolicy('MemoryScaling', 'ECSServiceAverageMemoryUtilization', plan.autoScaling.memoryTargetPercent);
    }
  }
  return service;
}

/** The ECS metrics' dimensions of the service `scope` in `cluster` (its name is planned, so known before it exists). */
export function ecsServiceDimensions(scope: IConstruct, cluster: PlatformCluster): Record<string, string> {
  return { ClusterName: cluster.clusterName, ServiceName: physicalName(scope) };
}

/** The service construct's members addEnvironment and addSecret change. */
export interface ServiceContainerParts {
  readonly kind: string;
  readonly construct: Construct;
  readonly plan: ServiceTaskPlan;
}

/** `addEnvironment` of both kinds: checked against what the container has; the container definition reads the plan at synth. */
export function addServiceEnvironment(parts: ServiceContainerParts, name: string, value: string): void {
  planAddedEnvironment(parts.plan, name, value, serviceMethodContext(parts, 'addEnvironment'));
  parts.plan.environment[name] = value;
}

/** `addSecret` of both kinds: the container reads it, the execution role's (lazy) policy grants exactly it. */
export function addServiceSecret(parts: ServiceContainerParts, name: string, secret: ContainerSecret): void {
  const added = planAddedSecret(parts.plan, name, secret, serviceMethodContext(parts, 'addSecret'));
  parts.plan.secrets.push(...added.secrets);
  mergeSecretGrants(parts.plan, added);
}

/** How a method call's bad arguments are reported: `<Kind>.<method>` at the service's path. */
export function serviceMethodContext(parts: Pick<ServiceContainerParts, 'kind' | 'construct'>, method: string) {
  return cdktfValidationContext(`${parts.kind}.${method}`, parts.construct.node.scope!, parts.construct.node.id);
}
