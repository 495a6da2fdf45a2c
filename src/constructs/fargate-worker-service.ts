/**
 * FargateWorkerService, the engine-neutral part (issue 12): a Fargate service
 * without a load balancer (queue workers, schedulers, OpenOps' worker). It has
 * FargateWebService's task, logging, secrets, grants, Spot, autoscaling and
 * deployment settings, planned by the same planner (planWebService without a
 * load balancer), and the alarms a service without a load balancer can have:
 * CPU, memory and error log lines. The container health check, when given,
 * is what tells ECS a task is unhealthy.
 */
import { EnvironmentProfile } from './environment-profile';
import {
  FargateServiceOptions,
  planWebService,
  SERVICE_OPTIONS_FIELDS,
  ServiceTaskPlan,
  WebServiceEngineFacts,
  WebServicePlan,
} from './fargate-web-service';
import { S, StructSchema } from './prop-schema';
import { PropsValidator, ValidationContext } from './validation';

/** The container health check of a worker: a command ECS runs in the container. */
export interface WorkerServiceHealthCheck {
  /**
   * The command (`CMD-SHELL` form when one string), e.g. `['CMD-SHELL', 'test -f /tmp/alive']`;
   * exit 0 means healthy.
   */
  readonly command: string[];
  /**
   * Seconds between checks, 5 to 300.
   * @default 30
   */
  readonly intervalSeconds?: number;
  /**
   * Seconds before a check counts as failed, 2 to 60, less than intervalSeconds.
   * @default 5
   */
  readonly timeoutSeconds?: number;
  /**
   * Failed checks in a row before ECS replaces the task, 2 to 10.
   * @default 3
   */
  readonly unhealthyThreshold?: number;
}

/** CloudWatch alarms on a worker; each goes to the alerts topic. */
export interface WorkerServiceAlarms {
  /** @default 80 */
  readonly cpuPercent?: number;
  /** @default 80 */
  readonly memoryPercent?: number;
  /**
   * Log lines matching errorLogPattern per minute.
   * @default 10
   */
  readonly errorLogCount?: number;
  /**
   * CloudWatch Logs filter pattern that counts as an error line.
   * @default '?ERROR ?Error ?error'
   */
  readonly errorLogPattern?: string;
  /**
   * Consecutive one-minute periods over the threshold before an alarm fires, 1 to 10.
   * @default 2
   */
  readonly evaluationPeriods?: number;
}

/** Engine-neutral options of FargateWorkerService, shared by the CDK and CDKTF constructs. */
export interface FargateWorkerServiceOptions extends FargateServiceOptions {
  /**
   * A container health check; without one ECS replaces a task only when its process exits.
   * @default - none
   */
  readonly healthCheck?: WorkerServiceHealthCheck;
  /** @default - CPU 80 %, memory 80 %, 10 error lines/min, 2 periods */
  readonly alarms?: WorkerServiceAlarms;
}

const BEHIND_A_LOAD_BALANCER = 'is a FargateWebService prop (a worker has no load balancer); use FargateWebService for a service that takes requests';

/** The web service's load-balancer props, explained when given to a worker. */
const WEB_SERVICE_ONLY: Readonly<Record<string, string>> = Object.fromEntries(
  ['loadBalancer', 'loadBalancerOptions', 'routing', 'containerPort', 'targetProtocol', 'healthCheckGracePeriodSeconds', 'deregistrationDelaySeconds']
    .map((name) => [name, `${name} ${BEHIND_A_LOAD_BALANCER}`]),
);

/** @internal the run-time shape of FargateWorkerServiceOptions. */
export const WORKER_SERVICE_OPTIONS_SCHEMA: StructSchema = {
  ...S.struct<FargateWorkerServiceOptions>({
    ...SERVICE_OPTIONS_FIELDS,
    healthCheck: S.struct<WorkerServiceHealthCheck>({
      command: S.strings,
      intervalSeconds: S.integer,
      timeoutSeconds: S.integer,
      unhealthyThreshold: S.integer,
    }, ['command']),
    alarms: S.struct<WorkerServiceAlarms>({
      cpuPercent: S.integer,
      memoryPercent: S.integer,
      errorLogCount: S.integer,
      errorLogPattern: S.string,
      evaluationPeriods: S.integer,
    }),
  }),
  elsewhere: WEB_SERVICE_ONLY,
};

/** @internal what both engines build for a FargateWorkerService: a web service's plan without what a load balancer needs. */
export type WorkerServicePlan = ServiceTaskPlan;

/** The alarms a service without a load balancer can have (the others watch its target group). */
const WORKER_ALARMS: ReadonlyArray<WebServicePlan['alarms'][number]['key']> = ['Cpu', 'Memory', 'ErrorLogs'];

/**
 * @internal
 * Validate FargateWorkerService options (all problems at once) and compute the
 * plan, with the web service's planner: the same checks of the same props, the
 * same defaults, no load balancer.
 */
export function planWorkerService(options: FargateWorkerServiceOptions, clusterProfile: EnvironmentProfile,
  validation: PropsValidator | ValidationContext, facts: WebServiceEngineFacts = {}): WorkerServicePlan {
  const { v, o } = PropsValidator.begin(validation, WORKER_SERVICE_OPTIONS_SCHEMA, options);
  const plan = planWebService(o, clusterProfile, undefined, v, facts);
  const {
    containerPort: _port, targetProtocol: _protocol, routing: _routing, loadBalancerOptions: _lb,
    deregistrationDelaySeconds: _drain, healthCheck: _targetCheck, healthCheckGracePeriodSeconds: _grace, ...task
  } = plan;
  return {
    ...task,
    // No target group to roll a deployment back on: the circuit breaker alone does (no deployment alarms).
    alarms: plan.alarms.filter((a) => WORKER_ALARMS.includes(a.key)).map((a) => ({ ...a, deploymentAlarm: false })),
  };
}
