import { Duration, Lazy, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { CDK_ENVIRONMENT, cdkDeploymentPath, cdkPlatformRef, cdkValidationContext, checkCdkProps, markCdkConstruct } from './engine';
import { PlatformCluster } from './platform-cluster';
import { PlatformLoadBalancer } from './platform-load-balancer';
import { EnvironmentProfile } from '../constructs/environment-profile';
import {
  AlarmPlan,
  ContainerSecret,
  errorLogMetricName,
  executionRoleStatements,
  FargateWebServiceOptions,
  InitContainerPlan,
  planAddedEnvironment,
  planInitContainer,
  planAddedSecret,
  planWebService,
  secretReadStatements,
  TargetProtocol,
  taskRoleStatements,
  WEB_CONTAINER_NAME,
  WEB_SERVICE_OPTIONS_SCHEMA,
  WebServicePlan,
} from '../constructs/fargate-web-service';
import { ALARM_NAME_CHARACTERS, physicalNameFromPath } from '../constructs/naming';
import { ONE_YEAR_DAYS } from '../constructs/platform-network';
import { ECS_TASKS, sourceConditions } from '../constructs/policies';
import { S } from '../constructs/prop-schema';

/** Props of the AWS CDK FargateWebService. */
export interface FargateWebServiceProps extends FargateWebServiceOptions {
  /** The cluster to run in; its network, key and alerts topic are used. */
  readonly cluster: PlatformCluster;
  /**
   * A load balancer shared with other services: the service adds a listener
   * rule (`routing` is then required) on its listener.
   * @default - the service creates its own load balancer and takes its whole listener
   */
  readonly loadBalancer?: PlatformLoadBalancer;
  /**
   * The container image as an aws-cdk-lib object (e.g. `ecs.ContainerImage.fromEcrRepository(repo, 'v1')`
   * or `fromAsset`), instead of the `image` reference.
   * @default - `image` is pulled from its registry
   */
  readonly containerImage?: ecs.ContainerImage;
  /**
   * Where the service's alarms (and their return to OK) are sent.
   * @default - the cluster's alertsTopic
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * Secret environment variables from aws-cdk-lib secret objects, beside
   * `secrets` (ARNs): the execution role may read exactly these (a secret
   * imported by name is granted with its `-??????` suffix), and decrypt with the
   * secret's own KMS key where it has one.
   * @default - none
   */
  readonly secretsFrom?: Record<string, SecretSource>;
}

/** A container secret from an aws-cdk-lib object: a Secrets Manager secret (optionally one JSON key of it) or an SSM parameter. */
export interface SecretSource {
  /**
   * A Secrets Manager secret.
   * @default - none; give this or parameter
   */
  readonly secret?: secretsmanager.ISecret;
  /**
   * Inject one key of a JSON secret.
   * @default - the whole secret string
   */
  readonly jsonKey?: string;
  /**
   * An SSM parameter (String or SecureString).
   * @default - none; give this or secret
   */
  readonly parameter?: ssm.IParameter;
}

/**
 * A web service on ECS Fargate behind an Application Load Balancer: task
 * definition with one container, a service with circuit-breaker rollback,
 * ECS Exec, optional target-tracking autoscaling, a log group, and alarms
 * (CPU, memory, target 5xx, unhealthy hosts, error log lines) to an SNS topic;
 * the load-balancer alarms roll a failing deployment back.
 *
 * Without `loadBalancer` the service creates its own; with one, it adds a
 * listener rule on the shared listener (path patterns and/or host headers).
 */
export class FargateWebService extends Construct {
  /** The profile the defaults were picked from. */
  public readonly profile: EnvironmentProfile;
  /** The ECS service. */
  public readonly service: ecs.FargateService;
  /** The service name. */
  public readonly serviceName: string;
  /** The task definition. */
  public readonly taskDefinition: ecs.FargateTaskDefinition;
  /** The target group the load balancer forwards to. */
  public readonly targetGroup: elbv2.ApplicationTargetGroup;
  /** The service's security group: in from the load balancer on the container port only. */
  public readonly securityGroup: ec2.SecurityGroup;
  /** The container log group. */
  public readonly logGroup: logs.LogGroup;
  /** The alarms, in order: Cpu, Memory, Http5xx, UnhealthyHosts, ErrorLogs. */
  public readonly alarms: cloudwatch.Alarm[];
  /** The alarms' names, in the same order (literal strings, known at synth). */
  public readonly alarmNames: string[];
  /** The topic the alarms notify: the alarmTopic given, or the cluster's alerts topic. */
  public readonly alarmTopic: sns.ITopic;
  /** The role ECS uses to start tasks: pull the image, write the log, read exactly the secrets given. */
  public readonly executionRole: iam.Role;
  /** The role the container runs as: ECS Exec only, until you grant it more. */
  public readonly taskRole: iam.Role;
  /** The load balancer in front: the shared one given, or the service's own. */
  public readonly loadBalancer: PlatformLoadBalancer;
  /** The listener rule on the shared load balancer; none when the service owns its load balancer. */
  public readonly listenerRule?: elbv2.ApplicationListenerRule;
  /** The cluster the service runs in. */
  public readonly cluster: PlatformCluster;
  /** The port the container listens on (what the load balancer and granted peers reach). */
  public readonly containerPort: number;
  /** The load balancer's DNS name. */
  public readonly dnsName: string;

  private readonly plan: WebServicePlan;
  private readonly container: ecs.ContainerDefinition;

  constructor(scope: Construct, id: string, props: FargateWebServiceProps) {
    const plan = planCdkWebService(scope, id, props);
    super(scope, id);
    markCdkConstruct(this, 'FargateWebService');
    this.plan = plan;
    this.containerPort = plan.containerPort;
    this.cluster = props.cluster;
    this.profile = plan.profile;
    const cluster = props.cluster;
    const network = cluster.network;
    const removalPolicy = plan.retainOnDelete ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    this.loadBalancer = props.loadBalancer
      ?? new PlatformLoadBalancer(this, 'LoadBalancer', { network, ...plan.loadBalancerOptions });
    this.dnsName = this.loadBalancer.dnsName;

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: plan.logRetentionDays as logs.RetentionDays,
      encryptionKey: cluster.encryptionKey,
      removalPolicy,
    });
    if (Stack.of(cluster) !== Stack.of(this)) {
      Validations.of(this.logGroup).acknowledge({
        id: 'cdk-validator-cfnguard::cloudwatch_log_group_encrypted_check',
        reason: 'encrypted with the cluster\'s key, which lives in another stack: its ARN arrives as an Fn::ImportValue, which the rule does not read as a key.',
      });
    }
    if (plan.logRetentionDays < ONE_YEAR_DAYS) {
      Validations.of(this.logGroup).acknowledge({
        id: 'cdk-validator-cfnguard::cloudwatch_log_group_retention_period_check',
        reason: `logRetentionDays is ${plan.logRetentionDays} (${plan.profile} profile or explicit choice); PRODUCTION keeps container logs ${ONE_YEAR_DAYS} days.`,
      });
    }

    this.executionRole = this.createExecutionRole(plan);
    this.taskRole = this.createTaskRole(cluster);
    this.taskDefinition = this.createTaskDefinition(plan, props.containerImage);
    this.container = this.taskDefinition.defaultContainer!;

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: network.vpc,
      description: `Service ${this.node.path}: in from its load balancer only`,
      // Tasks pull images and call AWS APIs through NAT.
      allowAllOutbound: true,
    });
    const port = ec2.Port.tcp(plan.containerPort);
    this.securityGroup.addIngressRule(this.loadBalancer.securityGroup, port,
      `Load balancer to container port ${plan.containerPort}`);
    this.loadBalancer._allowEgressTo(this.securityGroup, plan.containerPort,
      `To ${this.node.path} on container port ${plan.containerPort}`);

    this.targetGroup = new elbv2.ApplicationTargetGroup(this, 'TargetGroup', {
      vpc: network.vpc,
      targetType: elbv2.TargetType.IP,
      protocol: plan.targetProtocol === TargetProtocol.HTTPS ? elbv2.ApplicationProtocol.HTTPS : elbv2.ApplicationProtocol.HTTP,
      port: plan.containerPort,
      deregistrationDelay: Duration.seconds(plan.deregistrationDelaySeconds),
      healthCheck: {
        protocol: plan.targetProtocol === TargetProtocol.HTTPS ? elbv2.Protocol.HTTPS : elbv2.Protocol.HTTP,
        port: 'traffic-port',
        path: plan.healthCheck.path,
        interval: Duration.seconds(plan.healthCheck.intervalSeconds),
        timeout: Duration.seconds(plan.healthCheck.timeoutSeconds),
        healthyThresholdCount: plan.healthCheck.healthyThreshold,
        unhealthyThresholdCount: plan.healthCheck.unhealthyThreshold,
        healthyHttpCodes: plan.healthCheck.healthyHttpCodes,
      },
    });

    if (plan.routing) {
      const conditions: elbv2.ListenerCondition[] = [];
      if (plan.routing.pathPatterns.length > 0) conditions.push(elbv2.ListenerCondition.pathPatterns(plan.routing.pathPatterns));
      if (plan.routing.hostHeaders.length > 0) conditions.push(elbv2.ListenerCondition.hostHeaders(plan.routing.hostHeaders));
      this.listenerRule = new elbv2.ApplicationListenerRule(this, 'ListenerRule', {
        listener: this.loadBalancer.listener,
        priority: plan.routing.priority,
        conditions,
        action: elbv2.ListenerAction.forward([this.targetGroup]),
      });
    } else {
      this.loadBalancer._forwardDefaultTo(this.targetGroup);
    }

    this.service = new ecs.FargateService(this, 'Service', {
      cluster: cluster.cluster,
      taskDefinition: this.taskDefinition,
      desiredCount: plan.desiredCount,
      capacityProviderStrategies: plan.capacityProviderStrategy.map((s) => ({ ...s })),
      circuitBreaker: { enable: true, rollback: plan.deployment.circuitBreakerRollback },
      minHealthyPercent: plan.deployment.minimumHealthyPercent,
      maxHealthyPercent: plan.deployment.maximumPercent,
      vpcSubnets: { subnets: network.privateSubnets },
      assignPublicIp: false,
      securityGroups: [this.securityGroup],
      healthCheckGracePeriod: Duration.seconds(plan.healthCheckGracePeriodSeconds),
      propagateTags: ecs.PropagatedTagSource.SERVICE,
    });
    // ECS Exec on the resource only: the service's own `enableExecuteCommand` would add its
    // own task-role statements and key-policy statements; createTaskRole grants exactly the plan's.
    (this.service.node.defaultChild as ecs.CfnService).enableExecuteCommand = plan.enableExecuteCommand;
    if (plan.desiredCount === undefined) {
      // Autoscaling owns the count: a DesiredCount in the template would reset a scaled-out
      // service on every deployment. Without it ECS starts one task and the scalable target
      // raises the count to its minimum when it registers.
      (this.service.node.defaultChild as ecs.CfnService).addPropertyDeletionOverride('DesiredCount');
    }
    // The capacity-provider strategy needs the cluster's capacity-provider association first.
    this.service.node.addDependency(cluster.cluster);
    // Tasks pull the image and read secrets with the execution role as soon as the service starts:
    // its policy must exist first (aws-cdk-lib orders only the task role's).
    this.service.node.addDependency(this.executionRole);
    // Registers the target and makes the service wait for the listener (rule) that uses the target group.
    this.targetGroup.addTarget(this.service.loadBalancerTarget({
      containerName: WEB_CONTAINER_NAME,
      containerPort: plan.containerPort,
      protocol: ecs.Protocol.TCP,
    }));
    this.serviceName = this.service.serviceName;

    if (plan.autoScaling) {
      const scaling = this.service.autoScaleTaskCount({
        minCapacity: plan.autoScaling.minCapacity,
        maxCapacity: plan.autoScaling.maxCapacity,
      });
      scaling.scaleOnCpuUtilization('CpuScaling', { targetUtilizationPercent: plan.autoScaling.cpuTargetPercent });
      if (plan.autoScaling.memoryTargetPercent !== undefined) {
        scaling.scaleOnMemoryUtilization('MemoryScaling', { targetUtilizationPercent: plan.autoScaling.memoryTargetPercent });
      }
    }

    const errorLogs = plan.alarms.find((a) => a.key === 'ErrorLogs')!;
    // Named from the stack name and path: two deployments of the app (dev, staging) never share them.
    const deploymentPath = cdkDeploymentPath(this);
    const errorMetricName = errorLogMetricName(deploymentPath);
    new logs.MetricFilter(this, 'ErrorLogsMetricFilter', {
      logGroup: this.logGroup,
      filterPattern: logs.FilterPattern.literal(plan.errorLogPattern),
      metricNamespace: errorLogs.namespace,
      metricName: errorMetricName,
      metricValue: '1',
      defaultValue: 0,
    });

    this.alarmTopic = props.alarmTopic ?? cluster.alertsTopic;
    const topicAction = new cloudwatchActions.SnsAction(this.alarmTopic);
    const alarmNameOf = (a: AlarmPlan) => physicalNameFromPath(deploymentPath, { suffix: `${a.key}Alarm`, allowed: ALARM_NAME_CHARACTERS });
    this.alarmNames = plan.alarms.map(alarmNameOf);
    this.alarms = plan.alarms.map((a) => {
      const alarm = new cloudwatch.Alarm(this, `${a.key}Alarm`, {
        // Named from the construct path (as in Terraform): deployment alarms are
        // referenced by name, and a generated name makes aws-cdk-lib warn of a cycle.
        alarmName: alarmNameOf(a),
        alarmDescription: `${a.key} of ${this.node.path}`,
        metric: new cloudwatch.Metric({
          namespace: a.namespace,
          metricName: a.key === 'ErrorLogs' ? errorMetricName : a.metricName,
          statistic: a.statistic,
          period: Duration.seconds(a.periodSeconds),
          dimensionsMap: this.alarmDimensions(a, cluster),
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

    // The literal names: alarm.alarmName would be a Ref, which aws-cdk-lib reports as a possible cycle.
    this.service.enableDeploymentAlarms(
      plan.alarms.filter((a) => a.deploymentAlarm).map(alarmNameOf),
      { behavior: ecs.AlarmBehavior.ROLLBACK_ON_ALARM },
    );
  }

  /**
   * Add a plain environment variable to the container after construction (how
   * later constructs hand the service their connection settings). Checked like
   * `environment`; a name the service already has is refused.
   */
  public addEnvironment(name: string, value: string): void {
    planAddedEnvironment(this.plan, name, value, this.methodContext('addEnvironment'));
    this.container.addEnvironment(name, value);
    this.plan.environment[name] = value;
    Validations.of(this.taskDefinition).acknowledge({ id: 'AwsSolutions::AwsSolutions-ECS2', reason: 'plain configuration; secret values go through `secrets`' });
  }

  /**
   * Add a secret environment variable after construction: the execution role
   * may then read exactly this secret (and decrypt with its key, if given).
   */
  public addSecret(name: string, secret: ContainerSecret): void {
    const added = planAddedSecret(this.plan, name, secret, this.methodContext('addSecret'));
    for (const s of added.secrets) {
      this.container.addSecret(s.name, new PlannedSecret(s.arn, s.jsonKey));
      this.plan.secrets.push(s);
    }
    for (const statement of secretReadStatements(added, CDK_ENVIRONMENT)) {
      this.executionRole.addToPolicy(iam.PolicyStatement.fromJson(statement));
    }
  }

  /**
   * @internal
   * Run `init` to completion before the web container starts, handing it files
   * on a task volume (how TeleportCluster configures a distroless image).
   */
  public _addInitContainer(init: InitContainerPlan): void {
    const grants = planInitContainer(this.plan, init, this.methodContext('_addInitContainer'));
    this.taskDefinition.addVolume({ name: init.volumeName });
    const container = this.taskDefinition.addContainer(init.name, {
      containerName: init.name,
      image: ecs.ContainerImage.fromRegistry(init.image),
      entryPoint: init.entryPoint,
      command: init.command,
      essential: false,
      // Produced at synth: later calls may change the values.
      environment: Object.fromEntries(init.environmentNames.map((name) => [name, Lazy.string({ produce: () => init.environment()[name] })])),
      secrets: Object.fromEntries(init.secrets.map((s) => [s.name, new PlannedSecret(s.arn)])),
      logging: ecs.LogDrivers.awsLogs({ logGroup: this.logGroup, streamPrefix: init.name }),
    });
    container.addMountPoints({ sourceVolume: init.volumeName, containerPath: init.mountPath, readOnly: false });
    this.container.addMountPoints({ sourceVolume: init.volumeName, containerPath: init.mountPath, readOnly: true });
    this.container.addContainerDependencies({ container, condition: ecs.ContainerDependencyCondition.SUCCESS });
    // The execution role reads the init container's secrets too.
    for (const statement of secretReadStatements(grants, CDK_ENVIRONMENT)) {
      this.executionRole.addToPolicy(iam.PolicyStatement.fromJson(statement));
    }
  }

  private methodContext(method: string) {
    return cdkValidationContext(`FargateWebService.${method}`, this.node.scope!, this.node.id);
  }

  /** Pull the image, write the container log, read exactly the secrets given; no managed policies. */
  private createExecutionRole(plan: WebServicePlan): iam.Role {
    const role = new iam.Role(this, 'ExecutionRole', {
      assumedBy: ecsTasksPrincipal(),
      description: `ECS task execution role of ${this.node.path}`,
    });
    // logGroupArn is CloudFormation's Arn attribute, which already ends in ':*' (the log streams);
    // the awslogs driver grants the same statement, so the two merge into one.
    for (const statement of executionRoleStatements(plan, this.logGroup.logGroupArn, CDK_ENVIRONMENT)) {
      role.addToPolicy(iam.PolicyStatement.fromJson(statement));
    }
    Validations.of(role).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason: 'ecr:GetAuthorizationToken supports no resource-level permissions; the image-pull actions are on * because the image may come from any ECR repository the account can pull from.',
    });
    return role;
  }

  /** ECS Exec: the session channels, the cluster's exec log group and key. */
  private createTaskRole(cluster: PlatformCluster): iam.Role {
    const role = new iam.Role(this, 'TaskRole', {
      assumedBy: ecsTasksPrincipal(),
      description: `ECS task role of ${this.node.path}`,
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

  private createTaskDefinition(plan: WebServicePlan, containerImage?: ecs.ContainerImage): ecs.FargateTaskDefinition {
    const taskDefinition = new ecs.FargateTaskDefinition(this, 'TaskDefinition', {
      // Named from the stack name and path, as in Terraform: aws-cdk-lib's default family is the
      // construct path only, so dev and staging would register revisions into one family.
      family: physicalNameFromPath(cdkDeploymentPath(this)),
      cpu: plan.cpu,
      memoryLimitMiB: plan.memoryMiB,
      executionRole: this.executionRole,
      taskRole: this.taskRole,
      ephemeralStorageGiB: plan.ephemeralStorageGiB,
      runtimePlatform: {
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
        cpuArchitecture: ecs.CpuArchitecture.of(plan.cpuArchitecture),
      },
    });
    const chc = plan.containerHealthCheck;
    taskDefinition.addContainer(WEB_CONTAINER_NAME, {
      containerName: WEB_CONTAINER_NAME,
      image: containerImage ?? ecs.ContainerImage.fromRegistry(plan.image!),
      command: plan.command,
      entryPoint: plan.entryPoint,
      essential: true,
      portMappings: [{ containerPort: plan.containerPort, protocol: ecs.Protocol.TCP }],
      environment: plan.environment,
      secrets: Object.fromEntries(plan.secrets.map((s) => [s.name, new PlannedSecret(s.arn, s.jsonKey)])),
      logging: ecs.LogDrivers.awsLogs({ logGroup: this.logGroup, streamPrefix: plan.logStreamPrefix }),
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
    if (Object.keys(plan.environment).length > 0) {
      Validations.of(taskDefinition).acknowledge({
        id: 'AwsSolutions::AwsSolutions-ECS2',
        reason: 'plain configuration; secret values go through `secrets`',
      });
    }
    return taskDefinition;
  }

  private alarmDimensions(alarm: AlarmPlan, cluster: PlatformCluster): Record<string, string> | undefined {
    switch (alarm.namespace) {
      case 'AWS/ECS':
        return { ClusterName: cluster.clusterName, ServiceName: this.service.serviceName };
      case 'AWS/ApplicationELB':
        return {
          LoadBalancer: this.loadBalancer.loadBalancer.loadBalancerFullName,
          TargetGroup: this.targetGroup.targetGroupFullName,
        };
      default:
        return undefined; // the error-log metric is the service's own
    }
  }
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
class PlannedSecret extends ecs.Secret {
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

/**
 * Check the props (types, names, collaborators and values, all problems in one
 * error) and plan the service. Only this binding knows: `image` and
 * `containerImage` are alternatives, `secretsFrom` objects and their ARN forms,
 * the VPC's interface endpoints, and the rules already on a shared listener.
 */
function planCdkWebService(scope: Construct, id: string, props: FargateWebServiceProps): WebServicePlan {
  const schema = S.extend(WEB_SERVICE_OPTIONS_SCHEMA, {
    cluster: cdkPlatformRef(scope, 'PlatformCluster'),
    loadBalancer: cdkPlatformRef(scope, 'PlatformLoadBalancer'),
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
  }, ['cluster'], {
    waitForSteadyState: 'waitForSteadyState exists only in the CDK for Terraform FargateWebService (CloudFormation always waits for a stable service)',
    alarmTopicArn: 'the AWS CDK FargateWebService takes alarmTopic (an sns.ITopic; sns.Topic.fromTopicArn(...) for an ARN)',
  });
  const { v, props: p } = checkCdkProps<FargateWebServiceProps>('FargateWebService', scope, id, props, schema);
  if (p.containerImage !== undefined && props?.image !== undefined) {
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
      // As given: a containerImage of the wrong type is reported on its own, not again as a missing image.
      imageGivenAsObject: props?.containerImage !== undefined && props?.containerImage !== null,
      engineSecrets,
      partialSecretArns,
      network: cluster ? {
        natGateways: cluster.network.natGatewayCount,
        cidr: cluster.network.cidr,
        interfaceEndpoints: cluster.network._interfaceEndpointServices,
      } : undefined,
    },
  );
}
