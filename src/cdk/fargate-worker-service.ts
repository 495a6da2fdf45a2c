import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { checkCdkProps, markCdkConstruct } from './engine';
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
  ServiceContainerParts,
} from './fargate-service-parts';
import { SecretSource } from './fargate-web-service';
import { PlatformCluster } from './platform-cluster';
import { EnvironmentProfile } from '../constructs/environment-profile';
import { ContainerSecret } from '../constructs/fargate-web-service';
import {
  FargateWorkerServiceOptions,
  planWorkerService,
  WORKER_SERVICE_OPTIONS_SCHEMA,
  WorkerServicePlan,
} from '../constructs/fargate-worker-service';
import { S } from '../constructs/prop-schema';

/** Props of the AWS CDK FargateWorkerService. */
export interface FargateWorkerServiceProps extends FargateWorkerServiceOptions {
  /** The cluster to run in; its network, key and alerts topic are used. */
  readonly cluster: PlatformCluster;
  /**
   * The container image as an aws-cdk-lib object (e.g. `ecs.ContainerImage.fromEcrRepository(repo, 'v1')`),
   * instead of the `image` reference.
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
   * `secrets` (ARNs): the execution role may read exactly these.
   * @default - none
   */
  readonly secretsFrom?: Record<string, SecretSource>;
}

/**
 * A Fargate service without a load balancer (queue workers, schedulers,
 * consumers): FargateWebService's task, roles, logging, secrets, Spot,
 * autoscaling, circuit-breaker rollback and ECS Exec, planned by the same
 * planner; alarms on CPU, memory and error log lines; an optional container
 * health check. Its security group admits nothing; grants (a database's
 * `grantConnect`) open what it reaches.
 */
export class FargateWorkerService extends Construct implements IFargateService {
  /** The profile the defaults were picked from. */
  public readonly profile: EnvironmentProfile;
  /** The cluster the service runs in. */
  public readonly cluster: PlatformCluster;
  /** The ECS service. */
  public readonly service: ecs.FargateService;
  /** The service name. */
  public readonly serviceName: string;
  /** The task definition. */
  public readonly taskDefinition: ecs.FargateTaskDefinition;
  /** The tasks' security group: no inbound rules, all outbound. */
  public readonly securityGroup: ec2.SecurityGroup;
  /** The container log group. */
  public readonly logGroup: logs.LogGroup;
  /** The alarms, in order: Cpu, Memory, ErrorLogs. */
  public readonly alarms: cloudwatch.Alarm[];
  /** The alarms' names, in the same order (literal strings, known at synth). */
  public readonly alarmNames: string[];
  /** The topic the alarms notify: the alarmTopic given, or the cluster's alerts topic. */
  public readonly alarmTopic: sns.ITopic;
  /** The role ECS uses to start tasks: pull the image, write the log, read exactly the secrets given. */
  public readonly executionRole: iam.Role;
  /** The role the container runs as: ECS Exec only, until you grant it more. */
  public readonly taskRole: iam.Role;

  private readonly plan: WorkerServicePlan;

  constructor(scope: Construct, id: string, props: FargateWorkerServiceProps) {
    const plan = planCdkWorkerService(scope, id, props);
    super(scope, id);
    markCdkConstruct(this, 'FargateWorkerService');
    this.plan = plan;
    this.profile = plan.profile;
    const cluster = props.cluster;
    this.cluster = cluster;

    this.logGroup = createServiceLogGroup(this, plan, cluster);
    this.executionRole = createExecutionRole(this, plan, this.logGroup);
    this.taskRole = createTaskRole(this, cluster);
    this.taskDefinition = createTaskDefinition(this, plan, {
      executionRole: this.executionRole,
      taskRole: this.taskRole,
      logGroup: this.logGroup,
      containerImage: props.containerImage,
    });
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: cluster.network.vpc,
      description: `Service ${this.node.path}: no inbound`,
      // Tasks pull images, call AWS APIs and reach granted databases.
      allowAllOutbound: true,
    });
    this.service = createFargateService(this, plan, {
      cluster,
      taskDefinition: this.taskDefinition,
      securityGroup: this.securityGroup,
      executionRole: this.executionRole,
    });
    this.serviceName = this.service.serviceName;

    this.alarmTopic = props.alarmTopic ?? cluster.alertsTopic;
    const { alarms, alarmNames } = createServiceAlarms(this, plan, this.logGroup, this.alarmTopic,
      (a) => (a.namespace === 'AWS/ECS' ? ecsServiceDimensions(cluster, this.service) : undefined));
    this.alarms = alarms;
    this.alarmNames = alarmNames;
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
    return { kind: 'FargateWorkerService', construct: this, plan: this.plan, taskDefinition: this.taskDefinition, executionRole: this.executionRole };
  }
}

/** Check the props (all problems in one error) and plan the worker. */
function planCdkWorkerService(scope: Construct, id: string, props: FargateWorkerServiceProps): WorkerServicePlan {
  const schema = S.extend(WORKER_SERVICE_OPTIONS_SCHEMA, cdkServicePropFields(scope), ['cluster'], {
    ...cdkServiceOtherEngineProps('FargateWorkerService'),
    waitForSteadyState: 'waitForSteadyState exists only in the CDK for Terraform services (CloudFormation always waits for a stable service)',
  });
  const { v, props: p } = checkCdkProps<FargateWorkerServiceProps>('FargateWorkerService', scope, id, props, schema);
  const facts = cdkServiceFacts(v, p, props);
  return planWorkerService(p, p.cluster?.profile ?? EnvironmentProfile.DEVELOPMENT, v, facts);
}
