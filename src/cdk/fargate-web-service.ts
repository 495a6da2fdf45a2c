import { Duration, Lazy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { CDK_ENVIRONMENT, cdkPlatformRef, checkCdkProps, markCdkConstruct } from './engine';
import { IFargateService } from './fargate-service';
import {
  addServiceEnvironment,
  addServiceSecret,
  cdkServiceFacts,
  cdkServiceOtherEngineProps,
  cdkServicePropFields,
  createExecutionRole,
  createFargateService,
  createServiceAlarms,
  createServiceLogGroup,
  createTaskDefinition,
  createTaskRole,
  ecsServiceDimensions,
  PlannedSecret,
  ServiceContainerParts,
  serviceMethodContext,
} from './fargate-service-parts';
import { PlatformCluster } from './platform-cluster';
import { PlatformLoadBalancer } from './platform-load-balancer';
import { EnvironmentProfile } from '../constructs/environment-profile';
import {
  AlarmPlan,
  ContainerSecret,
  FargateWebServiceOptions,
  InitContainerPlan,
  planInitContainer,
  planWebService,
  secretReadStatements,
  TargetProtocol,
  WEB_CONTAINER_NAME,
  WEB_SERVICE_OPTIONS_SCHEMA,
  WebServicePlan,
} from '../constructs/fargate-web-service';
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
export class FargateWebService extends Construct implements IFargateService {
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

    this.loadBalancer = props.loadBalancer
      ?? new PlatformLoadBalancer(this, 'LoadBalancer', { network, ...plan.loadBalancerOptions });
    this.dnsName = this.loadBalancer.dnsName;

    this.logGroup = createServiceLogGroup(this, plan, cluster);
    this.executionRole = createExecutionRole(this, plan, this.logGroup);
    this.taskRole = createTaskRole(this, cluster);
    this.taskDefinition = createTaskDefinition(this, plan, {
      executionRole: this.executionRole,
      taskRole: this.taskRole,
      logGroup: this.logGroup,
      containerImage: props.containerImage,
      containerPort: plan.containerPort,
    });
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

    this.service = createFargateService(this, plan, {
      cluster,
      taskDefinition: this.taskDefinition,
      securityGroup: this.securityGroup,
      executionRole: this.executionRole,
      healthCheckGracePeriodSeconds: plan.healthCheckGracePeriodSeconds,
    });
    // Registers the target and makes the service wait for the listener (rule) that uses the target group.
    this.targetGroup.addTarget(this.service.loadBalancerTarget({
      containerName: WEB_CONTAINER_NAME,
      containerPort: plan.containerPort,
      protocol: ecs.Protocol.TCP,
    }));
    this.serviceName = this.service.serviceName;

    this.alarmTopic = props.alarmTopic ?? cluster.alertsTopic;
    const { alarms, alarmNames } = createServiceAlarms(this, plan, this.logGroup, this.alarmTopic, (a) => this.alarmDimensions(a, cluster));
    this.alarms = alarms;
    this.alarmNames = alarmNames;

    // The literal names: alarm.alarmName would be a Ref, which aws-cdk-lib reports as a possible cycle.
    this.service.enableDeploymentAlarms(
      alarmNames.filter((_, i) => plan.alarms[i].deploymentAlarm),
      { behavior: ecs.AlarmBehavior.ROLLBACK_ON_ALARM },
    );
  }

  /**
   * Add a plain environment variable to the container after construction (how
   * later constructs hand the service their connection settings). Checked like
   * `environment`; a name the service already has is refused.
   */
  public addEnvironment(name: string, value: string): void {
    addServiceEnvironment(this.containerParts(), name, value);
  }

  /**
   * Add a secret environment variable after construction: the execution role
   * may then read exactly this secret (and decrypt with its key, if given).
   */
  public addSecret(name: string, secret: ContainerSecret): void {
    addServiceSecret(this.containerParts(), name, secret);
  }

  /**
   * @internal
   * Run `init` to completion before the web container starts, handing it files
   * on a task volume (how TeleportCluster configures a distroless image).
   */
  public _addInitContainer(init: InitContainerPlan): void {
    const grants = planInitContainer(this.plan, init, serviceMethodContext(this.containerParts(), '_addInitContainer'));
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

  private containerParts(): ServiceContainerParts {
    return { kind: 'FargateWebService', construct: this, plan: this.plan, taskDefinition: this.taskDefinition, executionRole: this.executionRole };
  }

  private alarmDimensions(alarm: AlarmPlan, cluster: PlatformCluster): Record<string, string> | undefined {
    switch (alarm.namespace) {
      case 'AWS/ECS':
        return ecsServiceDimensions(cluster, this.service);
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

/**
 * Check the props (types, names, collaborators and values, all problems in one
 * error) and plan the service. Only this binding knows: `image` and
 * `containerImage` are alternatives, `secretsFrom` objects and their ARN forms,
 * the VPC's interface endpoints, and the rules already on a shared listener.
 */
function planCdkWebService(scope: Construct, id: string, props: FargateWebServiceProps): WebServicePlan {
  const schema = S.extend(WEB_SERVICE_OPTIONS_SCHEMA, {
    ...cdkServicePropFields(scope),
    loadBalancer: cdkPlatformRef(scope, 'PlatformLoadBalancer'),
  }, ['cluster'], {
    ...cdkServiceOtherEngineProps('FargateWebService'),
    waitForSteadyState: 'waitForSteadyState exists only in the CDK for Terraform FargateWebService (CloudFormation always waits for a stable service)',
  });
  const { v, props: p } = checkCdkProps<FargateWebServiceProps>('FargateWebService', scope, id, props, schema);
  const facts = cdkServiceFacts(v, p, props);
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
    facts,
  );
}
