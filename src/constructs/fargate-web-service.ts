import { ENVIRONMENT_PROFILES, EnvironmentProfile, profileDefaults } from './environment-profile';
import { LOAD_BALANCER_OPTIONS_SCHEMA, LoadBalancerPlan, planLoadBalancer, PlatformLoadBalancerOptions } from './platform-load-balancer';
import { LOG_RETENTION_DAYS } from './platform-network';
import { AwsEnvironment, PolicyStatementJson } from './policies';
import { checkProps, PropSchema, S } from './prop-schema';
import { PropsValidator, ValidationContext } from './validation';

/** The CPU architecture the task runs on. */
export enum CpuArchitecture {
  /** Intel/AMD x86-64. */
  X86_64 = 'X86_64',
  /** AWS Graviton (ARM64): cheaper per vCPU; needs an image built for arm64, and cannot run on Fargate Spot. */
  ARM64 = 'ARM64',
}

/** The protocol the load balancer speaks to the tasks. */
export enum TargetProtocol {
  /** Plain HTTP inside the VPC. */
  HTTP = 'HTTP',
  /**
   * HTTPS to the task, for containers that serve TLS themselves (Teleport's
   * proxy, end-to-end encryption). The load balancer accepts any certificate the
   * container presents, self-signed included; health checks use HTTPS too.
   */
  HTTPS = 'HTTPS',
}

/** The target-group (and optional container) health check. */
export interface WebServiceHealthCheck {
  /**
   * HTTP path the load balancer probes; must start with `/`.
   * @default '/'
   */
  readonly path?: string;
  /**
   * Seconds between probes, 5 to 300.
   * @default 30
   */
  readonly intervalSeconds?: number;
  /**
   * Seconds before a probe counts as failed, 2 to 120, less than intervalSeconds.
   * @default 5
   */
  readonly timeoutSeconds?: number;
  /**
   * Successful probes before a target is healthy, 2 to 10.
   * @default 2
   */
  readonly healthyThreshold?: number;
  /**
   * Failed probes before a target is unhealthy, 2 to 10.
   * @default 3
   */
  readonly unhealthyThreshold?: number;
  /**
   * HTTP codes that count as healthy, e.g. `200` or `200-299`.
   * @default '200-399'
   */
  readonly healthyHttpCodes?: string;
  /**
   * A container health check command (`CMD-SHELL` form when one string), e.g.
   * `['CMD-SHELL', 'curl -f http://localhost:8080/health || exit 1']`.
   * @default - no container health check; the load balancer's probe decides
   */
  readonly command?: string[];
}

/** Target-tracking autoscaling of the task count. */
export interface WebServiceAutoScaling {
  /**
   * Fewest tasks, 1 or more.
   * @default - desiredCount
   */
  readonly minCapacity?: number;
  /**
   * Most tasks, up to 1,000.
   * @default - twice minCapacity
   */
  readonly maxCapacity?: number;
  /**
   * Average CPU utilisation to track, 10 to 90.
   * @default 70
   */
  readonly cpuTargetPercent?: number;
  /**
   * Average memory utilisation to track, 10 to 90.
   * @default - memory is not tracked
   */
  readonly memoryTargetPercent?: number;
}

/** CloudWatch alarms on the service; each goes to the alerts topic. */
export interface WebServiceAlarms {
  /** @default 80 */
  readonly cpuPercent?: number;
  /** @default 80 */
  readonly memoryPercent?: number;
  /**
   * Target 5xx responses per minute.
   * @default 10
   */
  readonly http5xxCount?: number;
  /**
   * Alarm when more than this many targets are unhealthy.
   * @default 0
   */
  readonly unhealthyHosts?: number;
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

/** Listener-rule conditions on a shared load balancer. */
export interface WebServiceRouting {
  /**
   * Path patterns such as `/api/*`.
   * @default - none
   */
  readonly pathPatterns?: string[];
  /**
   * Host headers such as `api.example.com`.
   * @default - none
   */
  readonly hostHeaders?: string[];
  /** Listener-rule priority, 1 to 50,000, unique on the listener. */
  readonly priority: number;
}

/** A container secret read from Secrets Manager or SSM Parameter Store at task start. */
export interface ContainerSecret {
  /**
   * ARN of a Secrets Manager secret.
   * @default - none; give this or ssmParameterArn
   */
  readonly secretsManagerArn?: string;
  /**
   * Inject one key of a JSON secret.
   * @default - the whole secret string
   */
  readonly jsonKey?: string;
  /**
   * ARN of an SSM parameter.
   * @default - none; give this or secretsManagerArn
   */
  readonly ssmParameterArn?: string;
  /**
   * ARN of the customer-managed KMS key the secret or SecureString parameter
   * is encrypted with. The execution role may then decrypt with exactly this
   * key, and only through Secrets Manager or SSM.
   * @default - the AWS-managed key (`aws/secretsmanager`, `aws/ssm`), which needs no grant
   */
  readonly kmsKeyArn?: string;
}

/**
 * Engine-neutral options every Fargate service of the library shares (FargateWebService,
 * FargateWorkerService): the task, its container, secrets, scaling, Spot and logs.
 */
export interface FargateServiceOptions {
  /**
   * Container image reference, e.g. `public.ecr.aws/docker/library/nginx:1.27`.
   * @default - required unless the engine binding takes an image object instead
   */
  readonly image?: string;
  /**
   * The command the container runs, overriding the image's CMD, e.g.
   * `['node', 'server.js']`.
   * @default - the image's own command
   */
  readonly command?: string[];
  /**
   * The entry point the container runs, overriding the image's ENTRYPOINT, e.g. `['/bin/sh', '-c']`.
   * @default - the image's own entry point
   */
  readonly entryPoint?: string[];
  /**
   * The CPU architecture: `ARM64` runs on AWS Graviton (the image must be built for arm64; Fargate Spot is x86-64 only).
   * @default CpuArchitecture.X86_64
   */
  readonly cpuArchitecture?: CpuArchitecture;
  /**
   * The least share of desiredCount kept running during a deployment, 0 to 100.
   * @default 100 - a new task starts before an old one stops
   */
  readonly minimumHealthyPercent?: number;
  /**
   * The most tasks during a deployment, as a share of desiredCount, 100 to 400,
   * above minimumHealthyPercent (else a deployment could neither start nor stop a task).
   * @default 200
   */
  readonly maximumPercent?: number;
  /**
   * Seconds ECS waits after the stop signal before it kills the container, 2 to
   * 120: the time a stopping task gets to finish its work and close connections.
   * @default - ECS's 30 seconds
   */
  readonly stopTimeoutSeconds?: number;
  /**
   * Task CPU units (256, 512, 1024, 2048, 4096, 8192, 16384).
   * @default 256
   */
  readonly cpu?: number;
  /**
   * Task memory in MiB; must be a size Fargate offers for `cpu`.
   * @default 512
   */
  readonly memoryMiB?: number;
  /**
   * Tasks to run, 0 to 1,000. With `autoScaling` the scaler owns the count:
   * this only sets the default of `autoScaling.minCapacity`, and deployments
   * never reset a scaled-out service.
   * @default 2
   */
  readonly desiredCount?: number;
  /** @default - no autoscaling */
  readonly autoScaling?: WebServiceAutoScaling;
  /**
   * Plain environment variables.
   * @default - none
   */
  readonly environment?: Record<string, string>;
  /**
   * Secret environment variables; the execution role may read exactly these.
   * @default - none
   */
  readonly secrets?: Record<string, ContainerSecret>;
  /**
   * Run on Fargate Spot: one FARGATE base task, the rest on FARGATE_SPOT.
   * @default - true in DEVELOPMENT, false in PRODUCTION
   */
  readonly spot?: boolean;
  /**
   * Cost-versus-resilience defaults.
   * @default - the cluster's profile
   */
  readonly profile?: EnvironmentProfile;
  /**
   * Days to keep the container log.
   * @default - 30 in DEVELOPMENT, 365 in PRODUCTION
   */
  readonly logRetentionDays?: number;
  /**
   * The task's ephemeral storage in GiB, 21 to 200.
   * @default - Fargate's 20 GiB
   */
  readonly ephemeralStorageGiB?: number;
}

/** Engine-neutral options of FargateWebService, shared by the CDK and CDKTF constructs. */
export interface FargateWebServiceOptions extends FargateServiceOptions {
  /**
   * Port the container listens on, 1 to 65535.
   * @default 8080
   */
  readonly containerPort?: number;
  /**
   * The protocol the load balancer uses to reach the container port.
   * @default TargetProtocol.HTTP
   */
  readonly targetProtocol?: TargetProtocol;
  /** @default - path '/', interval 30 s, timeout 5 s, healthy 2, unhealthy 3 */
  readonly healthCheck?: WebServiceHealthCheck;
  /** @default - CPU 80 %, memory 80 %, 10 5xx/min, any unhealthy host, 10 error lines/min, 2 periods */
  readonly alarms?: WebServiceAlarms;
  /**
   * Conditions of the listener rule on a shared load balancer (requires one).
   * @default - the whole listener (own load balancer)
   */
  readonly routing?: WebServiceRouting;
  /**
   * Seconds a new task gets to start before failed load-balancer health checks
   * count against it, 0 to 7200 (also the container health check's start period, at most 300).
   * @default 60
   */
  readonly healthCheckGracePeriodSeconds?: number;
  /**
   * Seconds the load balancer lets in-flight requests to a stopping task finish, 0 to 3600.
   * @default 30
   */
  readonly deregistrationDelaySeconds?: number;
  /**
   * Options of the service's own load balancer (certificate or domain, allowed
   * CIDRs, internal, ...). Not with a shared `loadBalancer`, whose options are its own.
   * @default - an internet-facing load balancer on plain HTTP 80, open to anyone
   */
  readonly loadBalancerOptions?: PlatformLoadBalancerOptions;
}

/** @internal the run-time shape of the FargateServiceOptions every service shares. */
export const SERVICE_OPTIONS_FIELDS: { readonly [K in keyof Required<FargateServiceOptions>]: PropSchema } = {
  image: S.string,
  command: S.strings,
  entryPoint: S.strings,
  cpuArchitecture: S.enumOf('CpuArchitecture', CpuArchitecture),
  minimumHealthyPercent: S.integer,
  maximumPercent: S.integer,
  stopTimeoutSeconds: S.integer,
  cpu: S.integer,
  memoryMiB: S.integer,
  desiredCount: S.integer,
  autoScaling: S.struct<WebServiceAutoScaling>({
    minCapacity: S.integer,
    maxCapacity: S.integer,
    cpuTargetPercent: S.integer,
    memoryTargetPercent: S.integer,
  }),
  environment: S.mapOf(S.string, 'variable names'),
  secrets: S.mapOf(S.struct<ContainerSecret>({
    secretsManagerArn: S.string,
    jsonKey: S.string,
    ssmParameterArn: S.string,
    kmsKeyArn: S.string,
  }), 'variable names'),
  spot: S.boolean,
  profile: S.enumOf('EnvironmentProfile', EnvironmentProfile),
  logRetentionDays: S.integer,
  ephemeralStorageGiB: S.integer,
};

/** @internal the run-time shape of FargateWebServiceOptions. */
export const WEB_SERVICE_OPTIONS_SCHEMA = S.struct<FargateWebServiceOptions>({
  ...SERVICE_OPTIONS_FIELDS,
  containerPort: S.integer,
  targetProtocol: S.enumOf('TargetProtocol', TargetProtocol),
  healthCheck: S.struct<WebServiceHealthCheck>({
    path: S.string,
    intervalSeconds: S.integer,
    timeoutSeconds: S.integer,
    healthyThreshold: S.integer,
    unhealthyThreshold: S.integer,
    healthyHttpCodes: S.string,
    command: S.strings,
  }),
  alarms: S.struct<WebServiceAlarms>({
    cpuPercent: S.integer,
    memoryPercent: S.integer,
    http5xxCount: S.integer,
    unhealthyHosts: S.integer,
    errorLogCount: S.integer,
    errorLogPattern: S.string,
    evaluationPeriods: S.integer,
  }),
  routing: S.struct<WebServiceRouting>({ pathPatterns: S.strings, hostHeaders: S.strings, priority: S.integer }, ['priority']),
  healthCheckGracePeriodSeconds: S.integer,
  deregistrationDelaySeconds: S.integer,
  loadBalancerOptions: LOAD_BALANCER_OPTIONS_SCHEMA,
});

/**
 * @internal
 * Fargate's task sizes: memory (MiB) per CPU unit (Linux, platform 1.4.0).
 */
export const FARGATE_MEMORY_BY_CPU: Readonly<Record<number, readonly number[]>> = {
  256: [512, 1024, 2048],
  512: range(1024, 4096, 1024),
  1024: range(2048, 8192, 1024),
  2048: range(4096, 16384, 1024),
  4096: range(8192, 30720, 1024),
  8192: range(16384, 61440, 4096),
  16384: range(32768, 122880, 8192),
};

function range(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let x = from; x <= to; x += step) out.push(x);
  return out;
}

/** @internal */
export const WEB_SERVICE_DEFAULTS = {
  containerPort: 8080,
  cpu: 256,
  memoryMiB: 512,
  desiredCount: 2,
  healthCheck: { path: '/', intervalSeconds: 30, timeoutSeconds: 5, healthyThreshold: 2, unhealthyThreshold: 3, healthyHttpCodes: '200-399' },
  cpuTargetPercent: 70,
  alarms: { cpuPercent: 80, memoryPercent: 80, http5xxCount: 10, unhealthyHosts: 0, errorLogCount: 10, errorLogPattern: '?ERROR ?Error ?error', evaluationPeriods: 2 },
  /** ALB listener rules: match values per condition (path patterns, host headers) and per rule, wildcards per rule. */
  maxValuesPerCondition: 3,
  maxValuesPerRule: 5,
  maxWildcardsPerRule: 5,
  /** Time for a task to start before health checks count against it. */
  startupGraceSeconds: 60,
  deregistrationDelaySeconds: 30,
} as const;

/**
 * @internal
 * A health-check command in ECS form, as aws-cdk-lib renders it: one string is
 * a shell command; otherwise CMD is assumed unless CMD or CMD-SHELL leads.
 */
export function ecsHealthCheckCommand(command: readonly string[]): string[] {
  if (command.length === 1) return ['CMD-SHELL', command[0]];
  return command[0] === 'CMD' || command[0] === 'CMD-SHELL' ? [...command] : ['CMD', ...command];
}

/** @internal one alarm, rendered alike by both engines. */
export interface AlarmPlan {
  /** Construct ID suffix and a stable key: Cpu, Memory, Http5xx, UnhealthyHosts, ErrorLogs. */
  readonly key: 'Cpu' | 'Memory' | 'Http5xx' | 'UnhealthyHosts' | 'ErrorLogs';
  readonly namespace: string;
  readonly metricName: string;
  readonly statistic: 'Average' | 'Sum' | 'Maximum';
  readonly threshold: number;
  readonly comparison: 'GreaterThanThreshold';
  readonly evaluationPeriods: number;
  readonly periodSeconds: number;
  /** Breaching when there is no data (false: not breaching). */
  readonly treatMissingData: 'notBreaching';
  /** Roll a deployment back when this alarm fires during it. */
  readonly deploymentAlarm: boolean;
}

/** @internal what both engines build for a FargateWebService. */
export interface WebServicePlan {
  readonly profile: EnvironmentProfile;
  readonly image?: string;
  readonly command?: string[];
  readonly entryPoint?: string[];
  readonly cpuArchitecture: CpuArchitecture;
  readonly containerPort: number;
  readonly targetProtocol: TargetProtocol;
  /** Seconds between the stop signal and the kill; undefined for ECS's default. */
  readonly stopTimeoutSeconds?: number;
  /** Containers that run to completion before the web container starts (added by other constructs, e.g. TeleportCluster). */
  readonly initContainers: InitContainerPlan[];
  readonly cpu: number;
  readonly memoryMiB: number;
  /** Ephemeral storage in GiB; undefined for Fargate's default 20 GiB. */
  readonly ephemeralStorageGiB?: number;
  /** The fixed task count; undefined when autoscaling owns the count (then it starts at autoScaling.minCapacity). */
  readonly desiredCount?: number;
  readonly healthCheck: Required<Omit<WebServiceHealthCheck, 'command'>> & { readonly command?: string[] };
  readonly autoScaling?: { minCapacity: number; maxCapacity: number; cpuTargetPercent: number; memoryTargetPercent?: number };
  readonly alarms: AlarmPlan[];
  readonly errorLogPattern: string;
  readonly routing?: { pathPatterns: string[]; hostHeaders: string[]; priority: number };
  readonly environment: Record<string, string>;
  /** Each secret: `arn` is what the container reads (valueFrom), `policyArn` what IAM grants (a partial ARN gets `-??????`). */
  readonly secrets: Array<{ name: string; arn: string; policyArn: string; kind: SecretKind; jsonKey?: string; kmsKeyArn?: string }>;
  /**
   * What the execution role may read, one grant per action, each on exactly
   * the ARNs given. A Secrets Manager ARN without its 6-character suffix gets
   * `-??????` appended, or IAM would not match the real secret.
   */
  readonly secretGrants: Array<{ action: 'secretsmanager:GetSecretValue' | 'ssm:GetParameters'; resources: string[] }>;
  /**
   * The customer-managed keys the secrets are encrypted with, each with the
   * services (secretsmanager, ssm) allowed to use it on the role's behalf (kms:ViaService).
   */
  readonly secretKeyGrants: Array<{ keyArn: string; viaServices: SecretKind[] }>;
  /** Capacity-provider strategy; one FARGATE base task keeps the service up when Spot is reclaimed. */
  readonly capacityProviderStrategy: Array<{ capacityProvider: 'FARGATE' | 'FARGATE_SPOT'; base: number; weight: number }>;
  /** The container health check, when a command was given (ECS form: starts with CMD or CMD-SHELL). */
  readonly containerHealthCheck?: {
    readonly command: string[];
    readonly intervalSeconds: number;
    readonly timeoutSeconds: number;
    readonly retries: number;
    readonly startPeriodSeconds: number;
  };
  /** Seconds new tasks get before load-balancer health checks count (also the container check's start period). */
  readonly healthCheckGracePeriodSeconds: number;
  /** Seconds the target group drains a deregistering task. */
  readonly deregistrationDelaySeconds: number;
  /** The options of the service's own load balancer (already checked); undefined on a shared one. */
  readonly loadBalancerOptions?: PlatformLoadBalancerOptions;
  /** awslogs stream prefix. */
  readonly logStreamPrefix: string;
  readonly logRetentionDays: number;
  readonly retainOnDelete: boolean;
  readonly deployment: { minimumHealthyPercent: number; maximumPercent: number; circuitBreakerRollback: true };
  readonly enableExecuteCommand: true;
}

/**
 * @internal
 * The part of a service's plan that needs no load balancer: the task, its
 * roles, logging, scaling, deployment and alarms. FargateWorkerService builds
 * exactly this; FargateWebService builds it plus its target group and routing.
 */
export type ServiceTaskPlan = Omit<WebServicePlan, LoadBalancerPlanFields>;

/** @internal the plan fields only a service behind a load balancer has. */
export type LoadBalancerPlanFields =
  'containerPort' | 'targetProtocol' | 'routing' | 'loadBalancerOptions' | 'deregistrationDelaySeconds' | 'healthCheck' | 'healthCheckGracePeriodSeconds';

/**
 * @internal
 * A container that runs to completion before the web container starts and
 * hands it files on a task volume (ECS `dependsOn` SUCCESS): how a distroless
 * image gets configuration and secrets written at task start.
 */
export interface InitContainerPlan {
  readonly name: string;
  readonly image: string;
  readonly entryPoint: string[];
  readonly command: string[];
  /** The plain variables' names. */
  readonly environmentNames: readonly string[];
  /** Produced at synth: later calls (e.g. TeleportCluster.addDatabase) may change the values. */
  readonly environment: () => Record<string, string>;
  /** Secret variables, read by the execution role (granted through the web service's secret grants). */
  readonly secrets: Array<{ readonly name: string; readonly arn: string }>;
  /** The task volume both containers mount at mountPath: read-write here, read-only in the web container. */
  readonly volumeName: string;
  readonly mountPath: string;
}

/** @internal what the planner needs to know about the load balancer the service is attached to. */
export interface WebServiceLoadBalancerContext {
  /** The service is attached to a shared load balancer (not its own). */
  readonly shared: boolean;
  /** Priorities already taken on the shared listener (by other services or rules the user added). */
  readonly takenPriorities: readonly number[];
  /** Whether the shared load balancer is on the cluster's network; undefined when unknown. */
  readonly sameNetwork?: boolean;
}

/** @internal what only the engine binding knows about the service's surroundings. */
export interface WebServiceEngineFacts {
  /** The image came as an engine object (CDK `containerImage`) instead of `image`. */
  readonly imageGivenAsObject?: boolean;
  /** Secrets given as engine objects, converted to ARNs (CDK `secretsFrom`). */
  readonly engineSecrets?: Readonly<Record<string, ContainerSecret>>;
  /** Names of secrets whose Secrets Manager ARN is partial (a secret imported by name): IAM needs `-??????`. */
  readonly partialSecretArns?: readonly string[];
  /** The cluster's network, as far as routes out of its private subnets go. */
  readonly network?: { readonly natGateways: number; readonly cidr?: string; readonly interfaceEndpoints: readonly string[] };
}

/** @internal ECS and ALB limits the planner checks at synth rather than at deploy time. */
export const WEB_SERVICE_LIMITS = {
  /** ECS: an image reference is at most 255 characters of these. */
  image: /^[A-Za-z0-9][A-Za-z0-9_.:/@#-]{0,254}$/,
  /** ALB: health-check path and path-pattern lengths. */
  maxHealthCheckPathLength: 1024,
  maxPatternLength: 128,
  /** CloudWatch Logs: a metric filter pattern is at most 1024 characters. */
  maxFilterPatternLength: 1024,
  /** ECS: a task definition (its container definitions) is at most 64 KiB. */
  maxTaskDefinitionBytes: 65536,
  /** ECS: health-check grace period, container health-check start period. */
  maxGracePeriodSeconds: 2147483647,
  maxStartPeriodSeconds: 300,
  maxDeregistrationDelaySeconds: 3600,
  ephemeralStorageGiB: { min: 21, max: 200 },
} as const;

/** @internal interface endpoints a private subnet without NAT needs to start a task from ECR. */
export const IMAGE_PULL_ENDPOINTS: readonly string[] = ['ecr.api', 'ecr.dkr', 'logs'];

/** @internal validate FargateWebService options (all problems at once) and compute the plan. */
export function planWebService(
  options: FargateWebServiceOptions,
  clusterProfile: EnvironmentProfile,
  /** The load balancer the service is attached to; undefined for a service without one (FargateWorkerService). */
  lb: WebServiceLoadBalancerContext | undefined,
  validation: PropsValidator | ValidationContext,
  facts: WebServiceEngineFacts = {},
): WebServicePlan {
  const { v, o } = PropsValidator.begin(validation, WEB_SERVICE_OPTIONS_SCHEMA, options);
  const d = WEB_SERVICE_DEFAULTS;
  const L = WEB_SERVICE_LIMITS;

  const profile = v.oneOf('profile', o.profile, ENVIRONMENT_PROFILES) ? o.profile! : clusterProfile;
  const defaults = profileDefaults(profile);

  if (!facts.imageGivenAsObject) {
    if (o.image === undefined) {
      // Unless the image was given, but wrongly (already reported), or the props themselves are wrong.
      if (!['image', 'props'].some((prop) => v.hasProblemAt(prop))) {
        v.report('image', undefined, 'expected a container image reference such as "public.ecr.aws/docker/library/nginx:1.27" (required)');
      }
    } else if (!v.isUnresolved(o.image)) {
      v.require(L.image.test(o.image), 'image', o.image,
        'expected an image reference of at most 255 letters, digits and _ . : / @ # - (no spaces), e.g. "public.ecr.aws/docker/library/nginx:1.27"');
    }
  }
  for (const prop of ['command', 'entryPoint'] as const) {
    const value = o[prop];
    if (value !== undefined && !v.isUnresolved(value)) {
      v.require(value.length > 0 && value.every((c) => c.length > 0), prop, value, 'expected a non-empty list of non-empty strings, e.g. ["node", "server.js"]');
    }
  }

  const containerPort = o.containerPort ?? d.containerPort;
  v.integerInRange('containerPort', containerPort, 1, 65535);
  const targetProtocol = v.oneOf('targetProtocol', o.targetProtocol, Object.values(TargetProtocol)) && o.targetProtocol !== undefined
    ? o.targetProtocol : TargetProtocol.HTTP;
  if (o.stopTimeoutSeconds !== undefined) v.integerInRange('stopTimeoutSeconds', o.stopTimeoutSeconds, 2, 120);
  const minimumHealthyPercent = o.minimumHealthyPercent ?? 100;
  const maximumPercent = o.maximumPercent ?? 200;
  const minPercentOk = !v.hasProblemAt('minimumHealthyPercent') && v.integerInRange('minimumHealthyPercent', minimumHealthyPercent, 0, 100);
  const maxPercentOk = !v.hasProblemAt('maximumPercent') && v.integerInRange('maximumPercent', maximumPercent, 100, 400);
  if (minPercentOk && maxPercentOk && maximumPercent <= minimumHealthyPercent) {
    const culprit = o.maximumPercent !== undefined ? 'maximumPercent' : 'minimumHealthyPercent';
    v.report(culprit, culprit === 'maximumPercent' ? maximumPercent : minimumHealthyPercent,
      `expected maximumPercent above minimumHealthyPercent (${minimumHealthyPercent} and ${maximumPercent}): a deployment could neither start nor stop a task`);
  }

  const cpu = o.cpu ?? d.cpu;
  const memoryMiB = o.memoryMiB ?? d.memoryMiB;
  const cpus = Object.keys(FARGATE_MEMORY_BY_CPU).map(Number);
  // A cpu of the wrong type was reported already: memory is then judged against every size, not the default cpu's.
  const cpuOk = !v.hasProblemAt('cpu') && (v.isUnresolved(cpu) || v.require(cpus.includes(cpu), 'cpu', cpu, `expected one of ${cpus.join(', ')}`));
  if (!v.isUnresolved(cpu) && !v.isUnresolved(memoryMiB)) {
    if (cpuOk) {
      const valid = FARGATE_MEMORY_BY_CPU[cpu];
      v.require(valid.includes(memoryMiB), 'memoryMiB', memoryMiB, `expected a memory size Fargate offers for cpu ${cpu}: ${describeSizes(valid)}`);
    } else {
      // cpu is wrong too: memory can still be checked against every size Fargate offers.
      const any = [...new Set(Object.values(FARGATE_MEMORY_BY_CPU).flat())];
      v.require(any.includes(memoryMiB), 'memoryMiB', memoryMiB, 'expected a memory size Fargate offers (512, 1024, 2048, then steps of 1024 up to 30720, 4096 up to 61440, 8192 up to 122880)');
    }
  }
  const cpuArchitecture = o.cpuArchitecture ?? CpuArchitecture.X86_64;
  if (cpuArchitecture === CpuArchitecture.ARM64 && o.spot === true) {
    v.report('spot', true, 'expected false (or left out) with cpuArchitecture ARM64: Fargate Spot runs x86-64 tasks only');
  }

  const desiredCount = o.desiredCount ?? d.desiredCount;
  const desiredOk = !v.hasProblemAt('desiredCount') && v.integerInRange('desiredCount', desiredCount, 0, 1000);

  const hc = { ...d.healthCheck, ...definedOnly(o.healthCheck ?? {}) };
  if (!v.isUnresolved(hc.path)) {
    v.require(hc.path.startsWith('/') && hc.path.length <= L.maxHealthCheckPathLength && !/\s/.test(hc.path), 'healthCheck.path', hc.path,
      `expected a path starting with "/", without spaces, of at most ${L.maxHealthCheckPathLength} characters, e.g. "/health"`);
  }
  const intervalOk = !v.hasProblemAt('healthCheck.intervalSeconds') && v.integerInRange('healthCheck.intervalSeconds', hc.intervalSeconds, 5, 300);
  const timeoutOk = !v.hasProblemAt('healthCheck.timeoutSeconds') && v.integerInRange('healthCheck.timeoutSeconds', hc.timeoutSeconds, 2, 120);
  if (intervalOk && timeoutOk && hc.timeoutSeconds >= hc.intervalSeconds) {
    v.report('healthCheck.timeoutSeconds', hc.timeoutSeconds, `expected less than healthCheck.intervalSeconds (${hc.intervalSeconds})`);
  }
  v.integerInRange('healthCheck.healthyThreshold', hc.healthyThreshold, 2, 10);
  v.integerInRange('healthCheck.unhealthyThreshold', hc.unhealthyThreshold, 2, 10);
  if (!v.isUnresolved(hc.healthyHttpCodes)) {
    const problem = httpCodesProblem(hc.healthyHttpCodes);
    if (problem) v.report('healthCheck.healthyHttpCodes', hc.healthyHttpCodes, problem);
  }
  if (o.healthCheck?.command !== undefined) {
    if (timeoutOk && hc.timeoutSeconds > 60) {
      v.report('healthCheck.timeoutSeconds', hc.timeoutSeconds, 'expected at most 60 with a container health check command (the ECS limit)');
    }
    v.require(o.healthCheck.command.length > 0 && o.healthCheck.command.every((c) => c.length > 0), 'healthCheck.command', o.healthCheck.command,
      'expected a non-empty command, e.g. ["CMD-SHELL", "curl -f http://localhost/health || exit 1"]');
  }

  let autoScaling: WebServicePlan['autoScaling'];
  if (o.autoScaling) {
    const a = o.autoScaling;
    // Defaults derived from other values stay within range, so only values the user wrote are reported.
    const min = a.minCapacity ?? (desiredOk ? Math.max(1, desiredCount) : 1);
    const max = a.maxCapacity ?? Math.min(1000, Math.max(min * 2, 1));
    const minOk = !v.hasProblemAt('autoScaling.minCapacity') && v.integerInRange('autoScaling.minCapacity', min, 1, 1000);
    const maxOk = !v.hasProblemAt('autoScaling.maxCapacity') && v.integerInRange('autoScaling.maxCapacity', max, 1, 1000);
    if (minOk && maxOk && min > max) {
      const culprit = a.maxCapacity !== undefined ? 'autoScaling.maxCapacity' : 'autoScaling.minCapacity';
      v.report(culprit, culprit === 'autoScaling.maxCapacity' ? max : min,
        culprit === 'autoScaling.maxCapacity' ? `expected at least autoScaling.minCapacity (${min})` : `expected at most autoScaling.maxCapacity (${max})`);
    }
    const cpuTarget = a.cpuTargetPercent ?? d.cpuTargetPercent;
    v.integerInRange('autoScaling.cpuTargetPercent', cpuTarget, 10, 90);
    if (a.memoryTargetPercent !== undefined) v.integerInRange('autoScaling.memoryTargetPercent', a.memoryTargetPercent, 10, 90);
    autoScaling = { minCapacity: min, maxCapacity: max, cpuTargetPercent: cpuTarget, memoryTargetPercent: a.memoryTargetPercent };
  }

  const al = { ...d.alarms, ...definedOnly(o.alarms ?? {}) };
  v.integerInRange('alarms.cpuPercent', al.cpuPercent, 1, 100);
  v.integerInRange('alarms.memoryPercent', al.memoryPercent, 1, 100);
  v.integerInRange('alarms.http5xxCount', al.http5xxCount, 0, 1_000_000);
  v.integerInRange('alarms.unhealthyHosts', al.unhealthyHosts, 0, 1000);
  v.integerInRange('alarms.errorLogCount', al.errorLogCount, 0, 1_000_000);
  v.integerInRange('alarms.evaluationPeriods', al.evaluationPeriods, 1, 10);
  if (!v.isUnresolved(al.errorLogPattern)) {
    v.require(al.errorLogPattern.length <= L.maxFilterPatternLength, 'alarms.errorLogPattern', al.errorLogPattern,
      `expected a CloudWatch Logs filter pattern of at most ${L.maxFilterPatternLength} characters`);
  }

  const routing = planRouting(v, o.routing, lb);

  if (lb?.shared && lb.sameNetwork === false) {
    v.report('loadBalancer', '<a PlatformLoadBalancer on another network>',
      'expected a load balancer on the cluster\'s network (a target group reaches tasks only inside its own VPC)');
  }
  if (lb?.shared && o.loadBalancerOptions !== undefined) {
    v.report('loadBalancerOptions', o.loadBalancerOptions,
      'expected no loadBalancerOptions with a shared loadBalancer (set them on the PlatformLoadBalancer itself)');
  }

  const { secrets, secretGrants, secretKeyGrants } = planSecrets(v, o.secrets ?? {}, facts);
  const environment = o.environment ?? {};
  for (const name of Object.keys(environment)) {
    v.require(/^[A-Za-z_][A-Za-z0-9_]*$/.test(name), `environment.${name}`, name, 'expected a variable name of letters, digits and _ (not starting with a digit)');
    v.require(!secrets.some((s) => s.name === name), `environment.${name}`, name, 'expected a name not also given as a secret');
  }
  // ECS refuses a task definition over 64 KiB; nearly all of it is the container's environment, secrets and command.
  const parts = { environment, secrets, command: o.command, entryPoint: o.entryPoint, image: o.image };
  const taskDefinitionBytes = 2048 + JSON.stringify(parts).length;
  if (taskDefinitionBytes > L.maxTaskDefinitionBytes) {
    // Reported on the prop taking the most room.
    const [largest] = Object.entries(parts).map(([prop, value]) => [prop, JSON.stringify(value ?? '').length] as const).sort((x, y) => y[1] - x[1]);
    v.report(largest[0], `<${Math.ceil(largest[1] / 1024)} KiB of ${largest[0]}>`,
      `expected a task definition within ECS's ${L.maxTaskDefinitionBytes / 1024} KiB limit; this one needs about ${Math.ceil(taskDefinitionBytes / 1024)} KiB `
      + '(move large values into a secret, a file in the image, or S3)');
  }

  const logRetentionDays = o.logRetentionDays ?? defaults.auditLogRetentionDays;
  if (!v.isUnresolved(logRetentionDays)) {
    v.require(LOG_RETENTION_DAYS.includes(logRetentionDays), 'logRetentionDays', logRetentionDays, `expected one of ${LOG_RETENTION_DAYS.join(', ')}`);
  }
  const healthCheckGracePeriodSeconds = o.healthCheckGracePeriodSeconds ?? d.startupGraceSeconds;
  v.integerInRange('healthCheckGracePeriodSeconds', healthCheckGracePeriodSeconds, 0, L.maxGracePeriodSeconds);
  const deregistrationDelaySeconds = o.deregistrationDelaySeconds ?? d.deregistrationDelaySeconds;
  v.integerInRange('deregistrationDelaySeconds', deregistrationDelaySeconds, 0, L.maxDeregistrationDelaySeconds);
  if (o.ephemeralStorageGiB !== undefined) {
    v.integerInRange('ephemeralStorageGiB', o.ephemeralStorageGiB, L.ephemeralStorageGiB.min, L.ephemeralStorageGiB.max);
  }

  checkImagePullRoute(v, o.image, secrets, facts);

  // The service's own load balancer: its options are checked here, so every problem lands in this one error.
  let ownLoadBalancer: LoadBalancerPlan | undefined;
  if (lb && !lb.shared) {
    ownLoadBalancer = planLoadBalancer({ profile, ...(o.loadBalancerOptions ?? {}) }, profile, v.prefixed('loadBalancerOptions.'), facts.network?.cidr);
  }

  v.throwIfInvalid();

  // ARM64 cannot run on Fargate Spot: the development default of Spot yields to it.
  const spot = o.spot ?? (profile === EnvironmentProfile.DEVELOPMENT && cpuArchitecture === CpuArchitecture.X86_64);
  const evaluationPeriods = al.evaluationPeriods;
  const alarm = (key: AlarmPlan['key'], namespace: string, metricName: string, statistic: AlarmPlan['statistic'], threshold: number, deploymentAlarm: boolean): AlarmPlan =>
    ({ key, namespace, metricName, statistic, threshold, comparison: 'GreaterThanThreshold', evaluationPeriods, periodSeconds: 60, treatMissingData: 'notBreaching', deploymentAlarm });

  return {
    profile,
    image: o.image,
    command: o.command ? [...o.command] : undefined,
    entryPoint: o.entryPoint ? [...o.entryPoint] : undefined,
    cpuArchitecture,
    containerPort,
    targetProtocol,
    stopTimeoutSeconds: o.stopTimeoutSeconds,
    initContainers: [],
    cpu,
    memoryMiB,
    ephemeralStorageGiB: o.ephemeralStorageGiB,
    desiredCount: autoScaling ? undefined : desiredCount,
    healthCheck: { ...hc, command: o.healthCheck?.command },
    autoScaling,
    alarms: [
      alarm('Cpu', 'AWS/ECS', 'CPUUtilization', 'Average', al.cpuPercent, false),
      alarm('Memory', 'AWS/ECS', 'MemoryUtilization', 'Average', al.memoryPercent, false),
      alarm('Http5xx', 'AWS/ApplicationELB', 'HTTPCode_Target_5XX_Count', 'Sum', al.http5xxCount, true),
      alarm('UnhealthyHosts', 'AWS/ApplicationELB', 'UnHealthyHostCount', 'Maximum', al.unhealthyHosts, true),
      alarm('ErrorLogs', 'EcsPlatform/Logs', 'ErrorLogLines', 'Sum', al.errorLogCount, false),
    ],
    errorLogPattern: al.errorLogPattern,
    routing,
    environment: { ...environment },
    secrets,
    secretGrants,
    secretKeyGrants,
    capacityProviderStrategy: spot
      ? [{ capacityProvider: 'FARGATE', base: 1, weight: 0 }, { capacityProvider: 'FARGATE_SPOT', base: 0, weight: 1 }]
      : [{ capacityProvider: 'FARGATE', base: 0, weight: 1 }],
    containerHealthCheck: o.healthCheck?.command
      ? {
        command: ecsHealthCheckCommand(o.healthCheck.command),
        intervalSeconds: hc.intervalSeconds,
        timeoutSeconds: hc.timeoutSeconds,
        retries: hc.unhealthyThreshold,
        startPeriodSeconds: Math.min(healthCheckGracePeriodSeconds, L.maxStartPeriodSeconds),
      }
      : undefined,
    healthCheckGracePeriodSeconds,
    deregistrationDelaySeconds,
    loadBalancerOptions: lb && !lb.shared ? { ...(o.loadBalancerOptions ?? {}), profile: ownLoadBalancer!.profile } : undefined,
    logStreamPrefix: WEB_CONTAINER_NAME,
    logRetentionDays,
    retainOnDelete: defaults.retainOnDelete,
    deployment: { minimumHealthyPercent, maximumPercent, circuitBreakerRollback: true },
    enableExecuteCommand: true,
  };
}

/** Listener-rule conditions: only on a shared load balancer, within the ALB's limits, on a free priority. */
function planRouting(v: PropsValidator, r: WebServiceRouting | undefined, lb: WebServiceLoadBalancerContext | undefined): WebServicePlan['routing'] {
  const d = WEB_SERVICE_DEFAULTS;
  if (!r) {
    if (lb?.shared && !v.hasProblemAt('routing')) {
      v.report('routing', undefined, 'expected routing (path patterns or host headers and a priority) when attached to a shared loadBalancer');
    }
    return undefined;
  }
  const pathPatterns = r.pathPatterns ?? [];
  const hostHeaders = r.hostHeaders ?? [];
  if (!lb?.shared && !v.hasProblemAt('loadBalancer')) {
    v.report('routing', r, 'expected a shared loadBalancer: routing applies to a listener shared with other services');
  }
  // The ALB's listener-rule limits: 3 values per condition, 5 per rule, 5 wildcards per rule.
  const values = pathPatterns.length + hostHeaders.length;
  if (!v.hasProblemAt('routing.pathPatterns') && !v.hasProblemAt('routing.hostHeaders')) {
    v.require(values >= 1, 'routing', r, 'expected at least one path pattern or host header');
  }
  v.require(pathPatterns.length <= d.maxValuesPerCondition, 'routing.pathPatterns', pathPatterns,
    `expected at most ${d.maxValuesPerCondition} path patterns (the ALB's limit of values per condition)`);
  v.require(hostHeaders.length <= d.maxValuesPerCondition, 'routing.hostHeaders', hostHeaders,
    `expected at most ${d.maxValuesPerCondition} host headers (the ALB's limit of values per condition)`);
  v.require(values <= d.maxValuesPerRule, 'routing', r,
    `expected at most ${d.maxValuesPerRule} path patterns and host headers together (the ALB's limit of values per rule); got ${values}`);
  const wildcards = [...pathPatterns, ...hostHeaders].filter((x) => !v.isUnresolved(x)).join('').replace(/[^*?]/g, '').length;
  v.require(wildcards <= d.maxWildcardsPerRule, 'routing', r,
    `expected at most ${d.maxWildcardsPerRule} wildcards (* and ?) across path patterns and host headers (the ALB's limit per rule); got ${wildcards}`);
  const max = WEB_SERVICE_LIMITS.maxPatternLength;
  pathPatterns.forEach((p, i) => {
    if (v.isUnresolved(p)) return;
    v.require(p.startsWith('/') && p.length <= max && /^[A-Za-z0-9_\-.$/~"'@:+&*?]+$/.test(p), `routing.pathPatterns[${i}]`, p,
      `expected a path pattern starting with "/" of at most ${max} characters: letters, digits and _ - . $ / ~ " ' @ : + & * ?`);
  });
  hostHeaders.forEach((h, i) => {
    if (v.isUnresolved(h)) return;
    // The ALB wants at least one '.', and only letters (or wildcards) after the last one.
    v.require(/^[A-Za-z0-9*?_.-]{1,128}$/.test(h) && /\.[A-Za-z*?]+$/.test(h), `routing.hostHeaders[${i}]`, h,
      'expected a host name such as "api.example.com" of at most 128 characters (wildcards * and ? allowed; at least one "." and only letters after the last)');
  });
  if (v.integerInRange('routing.priority', r.priority, 1, 50000) && lb?.takenPriorities.includes(r.priority)) {
    v.report('routing.priority', r.priority, 'expected a priority not already used on this listener (by another service or a rule added to it)');
  }
  return { pathPatterns: [...pathPatterns], hostHeaders: [...hostHeaders], priority: r.priority };
}

/** Secrets given as ARNs or engine objects: their names, sources, and exactly what the execution role may read. */
function planSecrets(v: PropsValidator, given: Record<string, ContainerSecret>, facts: WebServiceEngineFacts) {
  const secrets: WebServicePlan['secrets'] = [];
  const engineSecrets = facts.engineSecrets ?? {};
  for (const name of Object.keys(engineSecrets)) {
    if (name in given) v.report(`secrets.${name}`, given[name], 'expected each secret name once (it is also given in secretsFrom)');
  }
  const partial = new Set(facts.partialSecretArns ?? []);
  const sources = [
    ...Object.entries(given).map(([name, s]) => ({ name, s, prop: `secrets.${name}`, fields: 'secretsManagerArn or ssmParameterArn' })),
    ...Object.entries(engineSecrets).map(([name, s]) => ({ name, s, prop: `secretsFrom.${name}`, fields: 'secret or parameter' })),
  ];
  for (const { name, s, prop, fields } of sources) {
    // A field of the wrong type was reported already (and left out): do not also call the secret empty.
    const typeProblem = v.hasProblemAt(prop);
    v.require(/^[A-Za-z_][A-Za-z0-9_]*$/.test(name), prop, name, 'expected a variable name of letters, digits and _ (not starting with a digit)');
    const both = s.secretsManagerArn !== undefined && s.ssmParameterArn !== undefined;
    const neither = s.secretsManagerArn === undefined && s.ssmParameterArn === undefined;
    if (both || neither) {
      if (!typeProblem) v.report(prop, s, `expected exactly one of ${fields}`);
      continue;
    }
    if (s.kmsKeyArn !== undefined && !v.isUnresolved(s.kmsKeyArn)) {
      v.require(KMS_KEY_ARN.test(s.kmsKeyArn), `${prop}.kmsKeyArn`, s.kmsKeyArn,
        'expected a KMS key ARN such as "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-..." (not an alias)');
    }
    if (s.jsonKey !== undefined && !v.isUnresolved(s.jsonKey)) {
      // ECS reads valueFrom as <arn>:<json-key>:<version-stage>:<version-id>.
      v.require(s.jsonKey.length > 0 && !s.jsonKey.includes(':'), `${prop}.jsonKey`, s.jsonKey, 'expected a non-empty JSON key without ":"');
    }
    if (s.secretsManagerArn !== undefined) {
      const arn = s.secretsManagerArn;
      if (!v.isUnresolved(arn)) {
        v.require(/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/.test(arn), `${prop}.secretsManagerArn`, arn,
          'expected a Secrets Manager secret ARN such as "arn:aws:secretsmanager:eu-west-1:111122223333:secret:db-AbCdEf"');
      }
      // A partial ARN (no 6-character suffix) matches the secret in IAM only with `-??????` appended.
      const complete = partial.has(name) ? false : v.isUnresolved(arn) || /-[A-Za-z0-9]{6}$/.test(arn);
      secrets.push({ name, arn, policyArn: complete ? arn : `${arn}-??????`, kind: 'secretsmanager', jsonKey: s.jsonKey, kmsKeyArn: s.kmsKeyArn });
    } else {
      const arn = s.ssmParameterArn!;
      if (!v.isUnresolved(arn)) {
        v.require(/^arn:aws[a-z-]*:ssm:[a-z0-9-]+:\d{12}:parameter\/.+$/.test(arn), `${prop}.ssmParameterArn`, arn, 'expected an SSM parameter ARN');
      }
      v.require(s.jsonKey === undefined, `${prop}.jsonKey`, s.jsonKey, 'expected no jsonKey for an SSM parameter');
      secrets.push({ name, arn, policyArn: arn, kind: 'ssm', kmsKeyArn: s.kmsKeyArn });
    }
  }
  const unique = (xs: string[]) => [...new Set(xs)];
  const secretArns = unique(secrets.filter((s) => s.kind === 'secretsmanager').map((s) => s.policyArn));
  const parameterArns = unique(secrets.filter((s) => s.kind === 'ssm').map((s) => s.policyArn));
  const secretGrants: WebServicePlan['secretGrants'] = [
    ...(secretArns.length ? [{ action: 'secretsmanager:GetSecretValue' as const, resources: secretArns }] : []),
    ...(parameterArns.length ? [{ action: 'ssm:GetParameters' as const, resources: parameterArns }] : []),
  ];
  const secretKeyGrants: WebServicePlan['secretKeyGrants'] = [];
  for (const s of secrets.filter((x) => x.kmsKeyArn !== undefined)) {
    const grant = secretKeyGrants.find((g) => g.keyArn === s.kmsKeyArn);
    if (!grant) secretKeyGrants.push({ keyArn: s.kmsKeyArn!, viaServices: [s.kind] });
    else if (!grant.viaServices.includes(s.kind)) grant.viaServices.push(s.kind);
  }
  return { secrets, secretGrants, secretKeyGrants };
}

/**
 * @internal
 * Check one environment variable added after construction (`addEnvironment`),
 * against the variables and secrets the service already has.
 */
export function planAddedEnvironment(plan: ServiceTaskPlan, name: unknown, value: unknown, context: ValidationContext): void {
  const v = new PropsValidator(context);
  if (typeof name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    v.report('name', name, 'expected a variable name of letters, digits and _ (not starting with a digit)');
  } else if (name in plan.environment || plan.secrets.some((s) => s.name === name)) {
    v.report('name', name, 'expected a name the service does not have yet (as a variable or a secret)');
  }
  v.require(typeof value === 'string', 'value', value, 'expected a string (environment values are strings; use String(x) for numbers)');
  v.throwIfInvalid();
}

/**
 * @internal
 * Check one secret added after construction (`addSecret`) and plan exactly
 * what the execution role needs for it.
 */
export function planAddedSecret(plan: ServiceTaskPlan, name: unknown, secret: unknown, context: ValidationContext,
  facts: WebServiceEngineFacts = {}) {
  const v = new PropsValidator(context);
  const checked = checkProps<{ secrets?: Record<string, ContainerSecret> }>(v,
    S.struct<{ secrets?: Record<string, ContainerSecret> }>({ secrets: WEB_SERVICE_OPTIONS_SCHEMA.fields.secrets }),
    { secrets: { [String(name)]: secret } });
  if (typeof name !== 'string') {v.report('name', name, 'expected a string');} else if (name in plan.environment || plan.secrets.some((s) => s.name === name)) {
    v.report('name', name, 'expected a name the service does not have yet (as a variable or a secret)');
  }
  const planned = planSecrets(v, checked.secrets ?? {}, { ...facts, engineSecrets: {} });
  v.throwIfInvalid();
  return planned;
}

/** Why a target-group matcher is wrong, or undefined: codes 200-499, single or as low-high ranges, comma-separated. */
function httpCodesProblem(codes: string): string | undefined {
  const allowed = 'expected HTTP codes from 200 to 499 such as "200", "200,204" or "200-299" (ranges low-high)';
  if (!/^\d{3}(-\d{3})?(,\d{3}(-\d{3})?)*$/.test(codes)) return allowed;
  for (const part of codes.split(',')) {
    const [low, high = low] = part.split('-').map(Number);
    if (low < 200 || high > 499) return `${allowed}; ${part} is outside 200-499`;
    if (low > high) return `${allowed}; ${part} is reversed`;
  }
  return undefined;
}

/**
 * Tasks start in the network's private subnets: without a NAT gateway they
 * reach ECR, CloudWatch Logs and the secret stores only through interface
 * endpoints, and a public registry not at all.
 */
function checkImagePullRoute(v: PropsValidator, image: string | undefined, secrets: WebServicePlan['secrets'], facts: WebServiceEngineFacts): void {
  const network = facts.network;
  if (!network || network.natGateways > 0) return;
  const needed = [...IMAGE_PULL_ENDPOINTS, ...new Set(secrets.map((s) => s.kind))];
  const missing = needed.filter((service) => !network.interfaceEndpoints.includes(service));
  const fromEcr = facts.imageGivenAsObject || image === undefined || v.isUnresolved(image) || /\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\//.test(image);
  if (missing.length > 0) {
    v.report('cluster', '<a cluster on a network with natGateways: 0>',
      `expected a network its tasks can pull images from: it has no NAT gateway and no interface endpoint for ${missing.join(', ')} (set natGateways to 1 or more on the PlatformNetwork, or add those endpoints)`);
  } else if (!fromEcr) {
    v.report('image', image, 'expected an image in this region\'s ECR: the network has no NAT gateway, so tasks cannot reach other registries');
  }
}

/**
 * @internal
 * The error-log metric's name for the service at `path`: metric filters cannot
 * use the (deploy-time) service name as a dimension, so the name carries it.
 */
export function errorLogMetricName(path: string): string {
  return `ErrorLogLines-${path.replace(/[^A-Za-z0-9_.-]/g, '-')}`.slice(0, 255);
}

/** @internal the one container of a web service's task. */
export const WEB_CONTAINER_NAME = 'web';

/** @internal where a container secret is read from. */
export type SecretKind = 'secretsmanager' | 'ssm';

const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/.+$/;

/** Actions ECS Exec needs on resources that cannot be named (no resource-level permissions). */
const EXEC_SESSION_ACTIONS = [
  'ssmmessages:CreateControlChannel',
  'ssmmessages:CreateDataChannel',
  'ssmmessages:OpenControlChannel',
  'ssmmessages:OpenDataChannel',
];

/** Pull the image, write the container log, read exactly the secrets given (and decrypt with exactly their keys). */
const IMAGE_PULL_ACTIONS = ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'];

/**
 * @internal
 * The execution role's statements. `logStreamsArn` is the container log
 * group's stream-level ARN (`<log group ARN>:*`).
 */
export function executionRoleStatements(plan: ServiceTaskPlan, logStreamsArn: string, env: AwsEnvironment): PolicyStatementJson[] {
  return [
    { Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
    { Effect: 'Allow', Action: [...IMAGE_PULL_ACTIONS], Resource: '*' },
    { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: logStreamsArn },
    ...secretReadStatements(plan, env),
  ];
}

/**
 * @internal
 * Read exactly the secrets planned (`secretGrants`), and decrypt with exactly
 * their customer-managed keys, only through Secrets Manager or SSM.
 */
export function secretReadStatements(grants: Pick<WebServicePlan, 'secretGrants' | 'secretKeyGrants'>, env: AwsEnvironment): PolicyStatementJson[] {
  return [
    ...grants.secretGrants.map((g): PolicyStatementJson => ({ Effect: 'Allow', Action: g.action, Resource: g.resources })),
    ...grants.secretKeyGrants.map((g): PolicyStatementJson => ({
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: g.keyArn,
      // Only as Secrets Manager / SSM decrypt the secret for the role, never directly.
      Condition: { StringEquals: { 'kms:ViaService': g.viaServices.map((service) => `${service}.${env.region}.${env.urlSuffix}`) } },
    })),
  ];
}

/**
 * @internal
 * The task role's statements: ECS Exec only (the session channels, the
 * cluster's exec log streams and key). `execLogStreamsArn` is stream-level.
 */
export function taskRoleStatements(execLogStreamsArn: string, clusterKeyArn: string): PolicyStatementJson[] {
  return [
    { Effect: 'Allow', Action: [...EXEC_SESSION_ACTIONS], Resource: '*' },
    { Effect: 'Allow', Action: 'logs:DescribeLogGroups', Resource: '*' },
    { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'], Resource: execLogStreamsArn },
    { Effect: 'Allow', Action: 'kms:Decrypt', Resource: clusterKeyArn },
  ];
}

function describeSizes(sizes: readonly number[]): string {
  return sizes.length <= 4 ? sizes.join(', ') : `${sizes[0]} to ${sizes[sizes.length - 1]} in steps of ${sizes[1] - sizes[0]}`;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, value]) => value !== undefined)) as Partial<T>;
}

/**
 * @internal
 * Add to the plan's secret grants what `added` needs (each ARN and key once),
 * so the execution role reads exactly the secrets of every container.
 */
export function mergeSecretGrants(plan: ServiceTaskPlan, added: Pick<WebServicePlan, 'secretGrants' | 'secretKeyGrants'>): void {
  for (const grant of added.secretGrants) {
    const same = plan.secretGrants.find((g) => g.action === grant.action);
    if (same) same.resources.push(...grant.resources.filter((r) => !same.resources.includes(r)));
    else plan.secretGrants.push({ action: grant.action, resources: [...grant.resources] });
  }
  for (const grant of added.secretKeyGrants) {
    const same = plan.secretKeyGrants.find((g) => g.keyArn === grant.keyArn);
    if (same) same.viaServices.push(...grant.viaServices.filter((x) => !same.viaServices.includes(x)));
    else plan.secretKeyGrants.push({ keyArn: grant.keyArn, viaServices: [...grant.viaServices] });
  }
}

/**
 * @internal
 * Add an init container to the plan: its Secrets Manager secrets join the
 * execution role's grants. The construct adding it has validated the ARNs.
 */
export function planInitContainer(plan: WebServicePlan, init: InitContainerPlan, context: ValidationContext): Pick<WebServicePlan, 'secretGrants' | 'secretKeyGrants'> {
  const v = new PropsValidator(context);
  if (plan.initContainers.some((c) => c.name === init.name) || init.name === WEB_CONTAINER_NAME) {
    v.report('name', init.name, 'expected a container name the task does not have yet');
  }
  const planned = planSecrets(v, Object.fromEntries(init.secrets.map((s) => [s.name, { secretsManagerArn: s.arn }])), {});
  v.throwIfInvalid();
  mergeSecretGrants(plan, planned);
  plan.initContainers.push(init);
  return planned;
}

/**
 * @internal
 * An init container as ECS container-definition JSON (the CDKTF binding's form;
 * aws-cdk-lib renders the same from its container API).
 */
export function initContainerDefinition(init: InitContainerPlan, log: { group: string; region: string }): object {
  const environment = Object.entries(init.environment()).map(([name, value]) => ({ name, value }));
  return {
    name: init.name,
    image: init.image,
    entryPoint: init.entryPoint,
    command: init.command,
    essential: false,
    ...(environment.length > 0 ? { environment } : {}),
    ...(init.secrets.length > 0 ? { secrets: init.secrets.map((s) => ({ name: s.name, valueFrom: s.arn })) } : {}),
    mountPoints: [{ sourceVolume: init.volumeName, containerPath: init.mountPath, readOnly: false }],
    logConfiguration: {
      logDriver: 'awslogs',
      options: { 'awslogs-group': log.group, 'awslogs-region': log.region, 'awslogs-stream-prefix': init.name },
    },
  };
}
