// Deep imports only: the @cdktf/provider-aws root barrel costs ~1.7 s and 550 MB.
import { AppautoscalingPolicy } from '@cdktf/provider-aws/lib/appautoscaling-policy';
import { AppautoscalingTarget } from '@cdktf/provider-aws/lib/appautoscaling-target';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { CloudwatchLogMetricFilter } from '@cdktf/provider-aws/lib/cloudwatch-log-metric-filter';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { EcsService } from '@cdktf/provider-aws/lib/ecs-service';
import { EcsTaskDefinition } from '@cdktf/provider-aws/lib/ecs-task-definition';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { LbListenerRule, LbListenerRuleCondition } from '@cdktf/provider-aws/lib/lb-listener-rule';
import { LbTargetGroup } from '@cdktf/provider-aws/lib/lb-target-group';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { ITerraformDependable, Lazy } from 'cdktf';
import { Construct } from 'constructs';
import {
  assumeRolePolicy,
  awsEnvironment,
  cdktfPlatformRef,
  cdktfValidationContext,
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
import { PlatformLoadBalancer } from './platform-load-balancer';
import { EnvironmentProfile } from '../constructs/environment-profile';
import {
  AlarmPlan,
  ContainerSecret,
  errorLogMetricName,
  executionRoleStatements,
  FargateWebServiceOptions,
  initContainerDefinition,
  InitContainerPlan,
  mergeSecretGrants,
  planAddedEnvironment,
  planInitContainer,
  planAddedSecret,
  planWebService,
  taskRoleStatements,
  WEB_CONTAINER_NAME,
  WEB_SERVICE_OPTIONS_SCHEMA,
  WebServicePlan,
} from '../constructs/fargate-web-service';
import { ALARM_NAME_CHARACTERS } from '../constructs/naming';
import { ECS_TASKS } from '../constructs/policies';
import { S } from '../constructs/prop-schema';

/** Props of the CDK for Terraform FargateWebService. */
export interface FargateWebServiceProps extends FargateWebServiceOptions {
  /** The cluster the service runs in (and whose network, key and alerts topic it uses). */
  readonly cluster: PlatformCluster;
  /**
   * A load balancer shared with other services: the service adds a listener
   * rule (`routing`) to its listener.
   * @default - the service creates its own load balancer and takes its whole listener
   */
  readonly loadBalancer?: PlatformLoadBalancer;
  /**
   * ARN of the SNS topic the alarms notify.
   * @default - the cluster's alerts topic
   */
  readonly alarmTopicArn?: string;
  /**
   * Make `terraform apply` wait until the service is stable (its tasks running
   * and healthy), as CloudFormation always does, so a deployment that cannot
   * become healthy fails the apply instead of passing silently. Turn it off to
   * return as soon as ECS accepts the change (the circuit breaker still rolls a
   * failed deployment back).
   *
   * This prop exists only in CDK for Terraform: CloudFormation always waits.
   * @default true
   */
  readonly waitForSteadyState?: boolean;
}

/**
 * A web container on Fargate behind an Application Load Balancer: its own
 * load balancer, or a path/host rule on a shared one; health checks,
 * deployment circuit breaker with rollback, deployment alarms, optional
 * autoscaling, ECS Exec, an encrypted log group, least-privilege roles and
 * alarms (CPU, memory, 5xx, unhealthy hosts, error log lines) to an SNS topic.
 *
 * The same plan as the AWS CDK FargateWebService, rendered as AWS provider resources.
 */
export class FargateWebService extends Construct {
  /** The profile the defaults were picked from. */
  public readonly profile: EnvironmentProfile;
  /** The ECS service. */
  public readonly service: EcsService;
  /** The service's name. */
  public readonly serviceName: string;
  /** The task definition. */
  public readonly taskDefinition: EcsTaskDefinition;
  /** The target group the load balancer forwards to. */
  public readonly targetGroup: LbTargetGroup;
  /** The tasks' security group. */
  public readonly securityGroup: SecurityGroup;
  /** The container log group. */
  public readonly logGroup: CloudwatchLogGroup;
  /** The alarms, in order: CPU, memory, 5xx, unhealthy hosts, error log lines. */
  public readonly alarms: CloudwatchMetricAlarm[];
  /** The alarms' names, in the same order (literal strings, known at synth). */
  public readonly alarmNames: string[];
  /** ARN of the topic the alarms notify: the alarmTopicArn given, or the cluster's alerts topic. */
  public readonly alarmTopicArn: string;
  /** The role ECS uses to pull the image, write logs and read the secrets. */
  public readonly executionRole: IamRole;
  /** The role the container runs as (ECS Exec permissions only). */
  public readonly taskRole: IamRole;
  /** The load balancer in front of the service: the shared one, or its own. */
  public readonly loadBalancer: PlatformLoadBalancer;
  /** The listener rule on the shared load balancer, when shared. */
  public readonly listenerRule?: LbListenerRule;
  /** The cluster the service runs in. */
  public readonly cluster: PlatformCluster;
  /** The port the container listens on (what the load balancer and granted peers reach). */
  public readonly containerPort: number;
  /** The load balancer's DNS name. */
  public readonly dnsName: string;

  private readonly plan: WebServicePlan;

  constructor(scope: Construct, id: string, props: FargateWebServiceProps) {
    const plan = planCdktfWebService(scope, id, props);
    super(scope, id);
    markCdktfConstruct(this, 'FargateWebService');
    this.plan = plan;
    this.containerPort = plan.containerPort;
    this.cluster = props.cluster;
    const shared = props.loadBalancer;
    const cluster = props.cluster;
    const network = cluster.network;
    this.profile = plan.profile;

    this.loadBalancer = shared ?? new PlatformLoadBalancer(this, 'LoadBalancer', { network, ...plan.loadBalancerOptions });
    this.dnsName = this.loadBalancer.dnsName;
    const env = awsEnvironment(this);

    // --- Container log.
    this.logGroup = new CloudwatchLogGroup(this, 'LogGroup', {
      namePrefix: logGroupNamePrefix(this, WEB_CONTAINER_NAME),
      retentionInDays: plan.logRetentionDays,
      kmsKeyId: cluster.encryptionKeyArn,
      skipDestroy: plan.retainOnDelete,
      tags: nameTag(this),
    });

    // --- Roles: pull, log and read the secrets given (execution); ECS Exec only (task).
    this.executionRole = new IamRole(this, 'ExecutionRole', {
      assumeRolePolicy: assumeRolePolicy(ECS_TASKS, env),
      tags: nameTag(this),
    });
    const executionRolePolicy = new IamRolePolicy(this, 'ExecutionRolePolicy', {
      role: this.executionRole.id,
      // Lazy: addSecret may grant more after construction.
      policy: Lazy.stringValue({ produce: () => policyDocument(executionRoleStatements(this.plan, logStreamsArn(this.logGroup.arn), env)) }),
    });
    this.taskRole = new IamRole(this, 'TaskRole', {
      assumeRolePolicy: assumeRolePolicy(ECS_TASKS, env),
      tags: nameTag(this),
    });
    const taskRolePolicy = new IamRolePolicy(this, 'TaskRolePolicy', {
      role: this.taskRole.id,
      policy: policyDocument(taskRoleStatements(logStreamsArn(cluster.execLogGroup.arn), cluster.encryptionKeyArn)),
    });

    // --- Task definition.
    this.taskDefinition = new EcsTaskDefinition(this, 'TaskDefinition', {
      family: physicalName(this),
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: String(plan.cpu),
      memory: String(plan.memoryMiB),
      runtimePlatform: { operatingSystemFamily: 'LINUX', cpuArchitecture: plan.cpuArchitecture },
      ephemeralStorage: plan.ephemeralStorageGiB !== undefined ? { sizeInGib: plan.ephemeralStorageGiB } : undefined,
      executionRoleArn: this.executionRole.arn,
      taskRoleArn: this.taskRole.arn,
      // Lazy: addEnvironment and addSecret may add to the container after construction.
      containerDefinitions: Lazy.stringValue({
        produce: () => JSON.stringify([
          containerDefinition(this.plan, this.logGroup, env.region),
          ...this.plan.initContainers.map((init) => initContainerDefinition(init, { group: this.logGroup.name, region: env.region })),
        ]),
      }),
      tags: nameTag(this),
    });

    // --- Security groups: tasks reachable only from the load balancer, on the container port.
    this.securityGroup = new SecurityGroup(this, 'SecurityGroup', {
      description: `Tasks of ${this.node.path}`,
      vpcId: network.vpcId,
      tags: nameTag(this),
    });
    new VpcSecurityGroupIngressRule(this, 'SecurityGroupIngressFromLoadBalancer', {
      securityGroupId: this.securityGroup.id,
      description: `Container port ${plan.containerPort} from the load balancer`,
      ipProtocol: 'tcp',
      fromPort: plan.containerPort,
      toPort: plan.containerPort,
      referencedSecurityGroupId: this.loadBalancer.securityGroupId,
      tags: nameTag(this),
    });
    // Tasks pull images and call AWS APIs through the NAT gateways.
    new VpcSecurityGroupEgressRule(this, 'SecurityGroupEgressAll', {
      securityGroupId: this.securityGroup.id,
      description: 'Allow all outbound traffic by default',
      ipProtocol: '-1',
      cidrIpv4: '0.0.0.0/0',
      tags: nameTag(this),
    });
    new VpcSecurityGroupEgressRule(this, 'LoadBalancerEgress', {
      securityGroupId: this.loadBalancer.securityGroupId,
      description: `Container port ${plan.containerPort} to ${this.node.path}`,
      ipProtocol: 'tcp',
      fromPort: plan.containerPort,
      toPort: plan.containerPort,
      referencedSecurityGroupId: this.securityGroup.id,
      tags: nameTag(this),
    });

    // --- Target group and its place on the listener.
    const hc = plan.healthCheck;
    this.targetGroup = new LbTargetGroup(this, 'TargetGroup', {
      targetType: 'ip',
      protocol: plan.targetProtocol,
      port: plan.containerPort,
      vpcId: network.vpcId,
      deregistrationDelay: String(plan.deregistrationDelaySeconds),
      // A changed port or VPC replaces the target group: the new one must exist before the listener lets go of the old.
      lifecycle: { createBeforeDestroy: true },
      healthCheck: {
        enabled: true,
        path: hc.path,
        protocol: plan.targetProtocol,
        port: 'traffic-port',
        interval: hc.intervalSeconds,
        timeout: hc.timeoutSeconds,
        healthyThreshold: hc.healthyThreshold,
        unhealthyThreshold: hc.unhealthyThreshold,
        matcher: hc.healthyHttpCodes,
      },
      tags: nameTag(this),
    });

    let attachedThrough: Array<ITerraformDependable & Construct>;
    if (shared && plan.routing) {
      const conditions: LbListenerRuleCondition[] = [];
      if (plan.routing.pathPatterns.length > 0) conditions.push({ pathPattern: { values: plan.routing.pathPatterns } });
      if (plan.routing.hostHeaders.length > 0) conditions.push({ hostHeader: { values: plan.routing.hostHeaders } });
      this.listenerRule = new LbListenerRule(this, 'ListenerRule', {
        listenerArn: shared.listener.arn,
        priority: plan.routing.priority,
        condition: conditions,
        action: [{ type: 'forward', targetGroupArn: this.targetGroup.arn }],
        tags: nameTag(this),
      });
      attachedThrough = [this.listenerRule];
    } else {
      this.loadBalancer._forwardDefaultTo(this.targetGroup);
      attachedThrough = [this.loadBalancer.listener];
    }

    // --- Alarms (before the service: two of them roll its deployments back).
    const topicArn = props.alarmTopicArn ?? cluster.alertsTopicArn;
    this.alarmTopicArn = topicArn;
    this.alarmNames = plan.alarms.map((alarm) => physicalName(this, { suffix: `${alarm.key}Alarm`, allowed: ALARM_NAME_CHARACTERS }));
    const serviceName = physicalName(this);
    const alarmDimensions = (alarm: AlarmPlan): Record<string, string> | undefined => {
      switch (alarm.namespace) {
        case 'AWS/ECS':
          return { ClusterName: cluster.clusterName, ServiceName: serviceName };
        case 'AWS/ApplicationELB':
          return { LoadBalancer: this.loadBalancer.loadBalancer.arnSuffix, TargetGroup: this.targetGroup.arnSuffix };
        default:
          return undefined;
      }
    };
    const errorMetricName = errorLogMetricName(this.node.path);
    const errorAlarm = plan.alarms.find((a) => a.key === 'ErrorLogs')!;
    const metricFilter = new CloudwatchLogMetricFilter(this, 'ErrorLogsMetricFilter', {
      name: physicalName(this, { suffix: 'ErrorLogs', allowed: /[^:*]/, maxLength: 512 }),
      logGroupName: this.logGroup.name,
      pattern: plan.errorLogPattern,
      metricTransformation: { namespace: errorAlarm.namespace, name: errorMetricName, value: '1', defaultValue: '0' },
    });
    this.alarms = plan.alarms.map((alarm, i) => new CloudwatchMetricAlarm(this, `${alarm.key}Alarm`, {
      alarmName: this.alarmNames[i],
      alarmDescription: `${alarm.key} of ${this.node.path} over ${alarm.threshold}`,
      namespace: alarm.namespace,
      metricName: alarm.key === 'ErrorLogs' ? errorMetricName : alarm.metricName,
      dimensions: alarmDimensions(alarm),
      statistic: alarm.statistic,
      threshold: alarm.threshold,
      comparisonOperator: alarm.comparison,
      evaluationPeriods: alarm.evaluationPeriods,
      period: alarm.periodSeconds,
      treatMissingData: alarm.treatMissingData,
      alarmActions: [topicArn],
      okActions: [topicArn],
      tags: nameTag(this),
      dependsOn: alarm.key === 'ErrorLogs' ? [metricFilter] : undefined,
    }));

    // --- The service.
    this.service = new EcsService(this, 'Service', {
      name: serviceName,
      cluster: cluster.clusterArn,
      taskDefinition: this.taskDefinition.arn,
      // With autoscaling the count starts at its minimum and is the scaler's from then on.
      desiredCount: plan.desiredCount ?? plan.autoScaling!.minCapacity,
      capacityProviderStrategy: plan.capacityProviderStrategy.map((s) => ({ ...s })),
      // A changed capacity-provider strategy (spot on or off, a profile change) then rolls the
      // service in place, as CloudFormation does; without it provider 6 refuses the plan and
      // provider 5 destroys and recreates the service (an outage).
      forceNewDeployment: true,
      // Apply fails when the service cannot become stable, as a CloudFormation deployment does.
      waitForSteadyState: props.waitForSteadyState ?? true,
      deploymentController: { type: 'ECS' },
      deploymentCircuitBreaker: { enable: true, rollback: plan.deployment.circuitBreakerRollback },
      deploymentMinimumHealthyPercent: plan.deployment.minimumHealthyPercent,
      deploymentMaximumPercent: plan.deployment.maximumPercent,
      alarms: {
        alarmNames: this.alarms.filter((_, i) => plan.alarms[i].deploymentAlarm).map((a) => a.alarmName),
        enable: true,
        rollback: true,
      },
      enableExecuteCommand: plan.enableExecuteCommand,
      networkConfiguration: {
        subnets: network.privateSubnetIds,
        securityGroups: [this.securityGroup.id],
        assignPublicIp: false,
      },
      loadBalancer: [{ containerName: WEB_CONTAINER_NAME, containerPort: plan.containerPort, targetGroupArn: this.targetGroup.arn }],
      healthCheckGracePeriodSeconds: plan.healthCheckGracePeriodSeconds,
      propagateTags: 'SERVICE',
      // Autoscaling owns the task count once it is on.
      lifecycle: plan.desiredCount === undefined ? { ignoreChanges: ['desired_count'] } : undefined,
      tags: nameTag(this),
      // First the target group's place on the listener, the cluster's capacity providers and the
      // roles' policies (tasks pull the image and read secrets as soon as the service starts).
      dependsOn: sameStackDependencies(this, [...attachedThrough, cluster.capacityProviders, executionRolePolicy, taskRolePolicy]),
    });
    this.serviceName = this.service.name;

    // --- Autoscaling.
    if (plan.autoScaling) {
      const target = new AppautoscalingTarget(this, 'ScalableTarget', {
        serviceNamespace: 'ecs',
        scalableDimension: 'ecs:service:DesiredCount',
        resourceId: `service/${cluster.clusterName}/${this.service.name}`,
        minCapacity: plan.autoScaling.minCapacity,
        maxCapacity: plan.autoScaling.maxCapacity,
        tags: nameTag(this),
      });
      const trackingPolicy = (policyId: string, metric: string, targetValue: number) => new AppautoscalingPolicy(this, policyId, {
        name: physicalName(this, { suffix: policyId, allowed: /[A-Za-z0-9_./-]/ }),
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
  }

  /**
   * Add a plain environment variable to the container after construction (how
   * later constructs hand the service their connection settings). Checked like
   * `environment`; a name the service already has is refused.
   */
  public addEnvironment(name: string, value: string): void {
    planAddedEnvironment(this.plan, name, value, this.methodContext('addEnvironment'));
    this.plan.environment[name] = value;
  }

  /**
   * Add a secret environment variable after construction: the execution role
   * may then read exactly this secret (and decrypt with its key, if given).
   */
  public addSecret(name: string, secret: ContainerSecret): void {
    const added = planAddedSecret(this.plan, name, secret, this.methodContext('addSecret'));
    this.plan.secrets.push(...added.secrets);
    mergeSecretGrants(this.plan, added);
  }

  /**
   * @internal
   * Run `init` to completion before the web container starts, handing it files
   * on a task volume (how TeleportCluster configures a distroless image).
   */
  public _addInitContainer(init: InitContainerPlan): void {
    planInitContainer(this.plan, init, this.methodContext('_addInitContainer'));
    this.taskDefinition.putVolume(this.plan.initContainers.map((c) => ({ name: c.volumeName })));
  }

  private methodContext(method: string) {
    return cdktfValidationContext(`FargateWebService.${method}`, this.node.scope!, this.node.id);
  }
}

/** The one container of the task, as ECS container-definition JSON. */
function containerDefinition(plan: WebServicePlan, logGroup: CloudwatchLogGroup, region: string): object {
  const chc = plan.containerHealthCheck;
  const environment = Object.entries(plan.environment).map(([name, value]) => ({ name, value }));
  const secrets = plan.secrets.map((s) => ({ name: s.name, valueFrom: s.jsonKey !== undefined ? `${s.arn}:${s.jsonKey}::` : s.arn }));
  return {
    name: WEB_CONTAINER_NAME,
    image: plan.image,
    ...(plan.entryPoint ? { entryPoint: plan.entryPoint } : {}),
    ...(plan.command ? { command: plan.command } : {}),
    essential: true,
    portMappings: [{ containerPort: plan.containerPort, protocol: 'tcp' }],
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

/**
 * Check the props (types, names, collaborators and values, all problems in one
 * error) and plan the service, with what only this binding knows: the VPC's
 * interface endpoints and the rules already on a shared listener.
 */
function planCdktfWebService(scope: Construct, id: string, props: FargateWebServiceProps): WebServicePlan {
  const schema = S.extend(WEB_SERVICE_OPTIONS_SCHEMA, {
    cluster: cdktfPlatformRef(scope, 'PlatformCluster'),
    loadBalancer: cdktfPlatformRef(scope, 'PlatformLoadBalancer'),
    alarmTopicArn: S.string,
    waitForSteadyState: S.boolean,
  }, ['cluster'], {
    alarmTopic: 'the CDK for Terraform FargateWebService takes alarmTopicArn (the topic\'s ARN)',
    containerImage: 'the CDK for Terraform FargateWebService takes image (a registry reference, e.g. an ECR repository URL and tag)',
    secretsFrom: 'the CDK for Terraform FargateWebService takes secrets with ARNs (e.g. a SecretsmanagerSecret\'s arn)',
  });
  const { v, props: p } = checkCdktfProps<FargateWebServiceProps>('FargateWebService', scope, id, props, schema);
  if (p.alarmTopicArn !== undefined && !v.isUnresolved(p.alarmTopicArn)) {
    v.require(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/.test(p.alarmTopicArn), 'alarmTopicArn', p.alarmTopicArn,
      'expected a standard SNS topic ARN such as "arn:aws:sns:eu-west-1:111122223333:alerts"');
  }
  const cluster = p.cluster;
  const shared = p.loadBalancer;
  return planWebService(
    p,
    cluster?.profile ?? EnvironmentProfile.DEVELOPMENT,
    {
      // As given: a wrong loadBalancer is reported on its own, not again as routing without one.
      shared: props?.loadBalancer !== undefined && props?.loadBalancer !== null,
      takenPriorities: shared?._takenPriorities ?? [],
      sameNetwork: shared && cluster ? shared.network === cluster.network : undefined,
    },
    v,
    {
      network: cluster ? {
        natGateways: cluster.network.natGatewayCount,
        cidr: cluster.network.cidr,
        interfaceEndpoints: cluster.network._interfaceEndpointServices,
      } : undefined,
    },
  );
}
