// Deep imports only: the @cdktf/provider-aws root barrel costs ~1.7 s and 550 MB.
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { EcsService } from '@cdktf/provider-aws/lib/ecs-service';
import { EcsTaskDefinition } from '@cdktf/provider-aws/lib/ecs-task-definition';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { LbListenerRule, LbListenerRuleCondition } from '@cdktf/provider-aws/lib/lb-listener-rule';
import { LbTargetGroup } from '@cdktf/provider-aws/lib/lb-target-group';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { awsEnvironment, cdktfPlatformRef, checkCdktfProps, markCdktfConstruct, nameTag } from './engine';
import { IFargateService } from './fargate-service';
import {
  addServiceEnvironment,
  addServiceSecret,
  cdktfServiceFacts,
  cdktfServiceOtherEngineProps,
  cdktfServicePropFields,
  createEcsService,
  createServiceAlarms,
  createServiceLogGroup,
  createServiceRoles,
  createServiceSecurityGroup,
  createTaskDefinition,
  ecsServiceDimensions,
  ServiceContainerParts,
  serviceMethodContext,
} from './fargate-service-parts';
import { PlatformCluster } from './platform-cluster';
import { PlatformLoadBalancer } from './platform-load-balancer';
import { EnvironmentProfile } from '../constructs/environment-profile';
import {
  ContainerSecret,
  FargateWebServiceOptions,
  InitContainerPlan,
  planInitContainer,
  planWebService,
  WEB_CONTAINER_NAME,
  WEB_SERVICE_OPTIONS_SCHEMA,
  WebServicePlan,
} from '../constructs/fargate-web-service';
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
export class FargateWebService extends Construct implements IFargateService {
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

    // --- Container log, roles (pull, log and read the secrets given; ECS Exec only) and the task.
    this.logGroup = createServiceLogGroup(this, plan, cluster);
    const roles = createServiceRoles(this, plan, this.logGroup, cluster, env);
    this.executionRole = roles.executionRole;
    this.taskRole = roles.taskRole;
    this.taskDefinition = createTaskDefinition(this, plan, roles, this.logGroup, env, plan.containerPort);

    // --- Security groups: tasks reachable only from the load balancer, on the container port.
    this.securityGroup = createServiceSecurityGroup(this, cluster);
    new VpcSecurityGroupIngressRule(this, 'SecurityGroupIngressFromLoadBalancer', {
      securityGroupId: this.securityGroup.id,
      description: `Container port ${plan.containerPort} from the load balancer`,
      ipProtocol: 'tcp',
      fromPort: plan.containerPort,
      toPort: plan.containerPort,
      referencedSecurityGroupId: this.loadBalancer.securityGroupId,
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
    const { alarms, alarmNames } = createServiceAlarms(this, plan, this.logGroup, topicArn, (alarm) => {
      switch (alarm.namespace) {
        case 'AWS/ECS':
          return ecsServiceDimensions(this, cluster);
        case 'AWS/ApplicationELB':
          return { LoadBalancer: this.loadBalancer.loadBalancer.arnSuffix, TargetGroup: this.targetGroup.arnSuffix };
        default:
          return undefined;
      }
    });
    this.alarms = alarms;
    this.alarmNames = alarmNames;

    // --- The service.
    this.service = createEcsService(this, plan, {
      cluster,
      taskDefinition: this.taskDefinition,
      securityGroup: this.securityGroup,
      roles,
      waitForSteadyState: props.waitForSteadyState,
      deploymentAlarmNames: this.alarms.filter((_, i) => plan.alarms[i].deploymentAlarm).map((a) => a.alarmName),
      loadBalancer: { containerName: WEB_CONTAINER_NAME, containerPort: plan.containerPort, targetGroupArn: this.targetGroup.arn },
      healthCheckGracePeriodSeconds: plan.healthCheckGracePeriodSeconds,
      // First the target group's place on the listener.
      after: attachedThrough,
    });
    this.serviceName = this.service.name;
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
    planInitContainer(this.plan, init, serviceMethodContext(this.containerParts(), '_addInitContainer'));
    this.taskDefinition.putVolume(this.plan.initContainers.map((c) => ({ name: c.volumeName })));
  }

  private containerParts(): ServiceContainerParts {
    return { kind: 'FargateWebService', construct: this, plan: this.plan };
  }
}

/**
 * Check the props (types, names, collaborators and values, all problems in one
 * error) and plan the service, with what only this binding knows: the VPC's
 * interface endpoints and the rules already on a shared listener.
 */
function planCdktfWebService(scope: Construct, id: string, props: FargateWebServiceProps): WebServicePlan {
  const schema = S.extend(WEB_SERVICE_OPTIONS_SCHEMA, {
    ...cdktfServicePropFields(scope),
    loadBalancer: cdktfPlatformRef(scope, 'PlatformLoadBalancer'),
  }, ['cluster'], cdktfServiceOtherEngineProps('FargateWebService'));
  const { v, props: p } = checkCdktfProps<FargateWebServiceProps>('FargateWebService', scope, id, props, schema);
  const facts = cdktfServiceFacts(v, p);
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
