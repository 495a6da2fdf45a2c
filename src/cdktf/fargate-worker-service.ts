// Deep imports only: the @cdktf/provider-aws root barrel costs ~1.7 s and 550 MB.
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { EcsService } from '@cdktf/provider-aws/lib/ecs-service';
import { EcsTaskDefinition } from '@cdktf/provider-aws/lib/ecs-task-definition';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { Construct } from 'constructs';
import { awsEnvironment, checkCdktfProps, markCdktfConstruct } from './engine';
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
} from './fargate-service-parts';
import { PlatformCluster } from './platform-cluster';
import { EnvironmentProfile } from '../constructs/environment-profile';
import { ContainerSecret } from '../constructs/fargate-web-service';
import { FargateWorkerServiceOptions, planWorkerService, WORKER_SERVICE_OPTIONS_SCHEMA, WorkerServicePlan } from '../constructs/fargate-worker-service';
import { S } from '../constructs/prop-schema';

/** Props of the CDK for Terraform FargateWorkerService. */
export interface FargateWorkerServiceProps extends FargateWorkerServiceOptions {
  /** The cluster the service runs in (and whose network, key and alerts topic it uses). */
  readonly cluster: PlatformCluster;
  /**
   * ARN of the SNS topic the alarms notify.
   * @default - the cluster's alerts topic
   */
  readonly alarmTopicArn?: string;
  /**
   * Make `terraform apply` wait until the service is stable, as CloudFormation
   * always does. This prop exists only in CDK for Terraform.
   * @default true
   */
  readonly waitForSteadyState?: boolean;
}

/**
 * A Fargate service without a load balancer (queue workers, schedulers,
 * consumers): FargateWebService's task, roles, logging, secrets, Spot,
 * autoscaling, circuit-breaker rollback and ECS Exec, planned by the same
 * planner; alarms on CPU, memory and error log lines; an optional container
 * health check. Its security group admits nothing; grants (a database's
 * `grantConnect`) open what it reaches.
 *
 * The same plan as the AWS CDK FargateWorkerService, rendered as AWS provider resources.
 */
export class FargateWorkerService extends Construct implements IFargateService {
  /** The profile the defaults were picked from. */
  public readonly profile: EnvironmentProfile;
  /** The cluster the service runs in. */
  public readonly cluster: PlatformCluster;
  /** The ECS service. */
  public readonly service: EcsService;
  /** The service's name. */
  public readonly serviceName: string;
  /** The task definition. */
  public readonly taskDefinition: EcsTaskDefinition;
  /** The tasks' security group: no inbound rules, all outbound. */
  public readonly securityGroup: SecurityGroup;
  /** The container log group. */
  public readonly logGroup: CloudwatchLogGroup;
  /** The alarms, in order: CPU, memory, error log lines. */
  public readonly alarms: CloudwatchMetricAlarm[];
  /** The alarms' names, in the same order (literal strings, known at synth). */
  public readonly alarmNames: string[];
  /** ARN of the topic the alarms notify: the alarmTopicArn given, or the cluster's alerts topic. */
  public readonly alarmTopicArn: string;
  /** The role ECS uses to pull the image, write logs and read the secrets. */
  public readonly executionRole: IamRole;
  /** The role the container runs as (ECS Exec permissions only). */
  public readonly taskRole: IamRole;

  private readonly plan: WorkerServicePlan;

  constructor(scope: Construct, id: string, props: FargateWorkerServiceProps) {
    const plan = planCdktfWorkerService(scope, id, props);
    super(scope, id);
    markCdktfConstruct(this, 'FargateWorkerService');
    this.plan = plan;
    this.profile = plan.profile;
    const cluster = props.cluster;
    this.cluster = cluster;
    const env = awsEnvironment(this);

    this.logGroup = createServiceLogGroup(this, plan, cluster);
    const roles = createServiceRoles(this, plan, this.logGroup, cluster, env);
    this.executionRole = roles.executionRole;
    this.taskRole = roles.taskRole;
    this.taskDefinition = createTaskDefinition(this, plan, roles, this.logGroup, env);
    this.securityGroup = createServiceSecurityGroup(this, cluster);

    this.alarmTopicArn = props.alarmTopicArn ?? cluster.alertsTopicArn;
    const { alarms, alarmNames } = createServiceAlarms(this, plan, this.logGroup, this.alarmTopicArn,
      (alarm) => (alarm.namespace === 'AWS/ECS' ? ecsServiceDimensions(this, cluster) : undefined));
    this.alarms = alarms;
    this.alarmNames = alarmNames;

    this.service = createEcsService(this, plan, {
      cluster,
      taskDefinition: this.taskDefinition,
      securityGroup: this.securityGroup,
      roles,
      waitForSteadyState: props.waitForSteadyState,
      // No target group to judge a deployment by: the circuit breaker rolls it back.
      deploymentAlarmNames: [],
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

  private containerParts(): ServiceContainerParts {
    return { kind: 'FargateWorkerService', construct: this, plan: this.plan };
  }
}

/** Check the props (all problems in one error) and plan the worker. */
function planCdktfWorkerService(scope: Construct, id: string, props: FargateWorkerServiceProps): WorkerServicePlan {
  const schema = S.extend(WORKER_SERVICE_OPTIONS_SCHEMA, cdktfServicePropFields(scope), ['cluster'],
    cdktfServiceOtherEngineProps('FargateWorkerService'));
  const { v, props: p } = checkCdktfProps<FargateWorkerServiceProps>('FargateWorkerService', scope, id, props, schema);
  const facts = cdktfServiceFacts(v, p);
  return planWorkerService(p, p.cluster?.profile ?? EnvironmentProfile.DEVELOPMENT, v, facts);
}
