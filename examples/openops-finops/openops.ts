/**
 * What both editions of the openops-finops example share: OpenOps' image, settings and companions, the
 * app service's options and the guardrails' options. Each edition (cdk/app.ts, cdktf/main.ts) adds
 * only what its engine spells differently: stacks, secrets, the extra task-role policy and outputs.
 */
import { IConstruct } from 'constructs';
import {
  BudgetPeriod,
  EnvironmentProfile,
  FargateWebServiceOptions,
  FinOpsGuardrailsOptions,
  RemediationMode,
} from 'ecs-platform-constructs';

/**
 * OpenOps' app image, pinned to a release: 0.6.25 (2026-05-14) is the newest tag of
 * github.com/openops-cloud/openops, and its release workflow publishes each tag as
 * `public.ecr.aws/openops/openops-app:<tag>`. nginx in the image serves port 80 and proxies
 * `/api/` to the server, which answers `/api/v1/health`.
 */
export const OPENOPS_IMAGE = 'public.ecr.aws/openops/openops-app:0.6.25';

/** The PostgreSQL database OpenOps keeps its own data in (`tables` and `analytics` are its companions'). */
export const OPENOPS_DATABASE = 'openops';

/** The first OpenOps admin (its password is the AdminPassword secret). */
export const OPENOPS_ADMIN_EMAIL = 'admin@example.com';

/** Who hears about cost: the budget's direct emails and the Slack channel (AWS Chatbot). */
export const FINOPS_NOTIFY = {
  emails: ['finops@example.com'],
  slack: { workspaceId: 'T0123ABCD', channelId: 'C0456EFGH' },
};

/**
 * The services a full OpenOps install runs beside the app, which this library cannot build yet.
 * Read from the app's context; with both of the first two given, the app runs.
 */
export interface OpenOpsCompanions {
  /** `openops:redisHost`: Redis (ElastiCache with `notify-keyspace-events Ex`), port 6379. */
  readonly redisHost?: string;
  /** `openops:tablesApiUrl`: where the app reaches openops-tables (it appends `/openops-tables/...`). */
  readonly tablesApiUrl?: string;
  /** `openops:engineUrl`: openops-engine's execute endpoint, e.g. `http://<engine>:3005/execute`. */
  readonly engineUrl?: string;
  /** `finops:anomalyMonitorArn`: an existing AWS-services anomaly monitor (most accounts have `Default-Services-Monitor`). */
  readonly anomalyMonitorArn?: string;
}

/** The companions named in the app's context (cdk.json, `cdk deploy -c key=value`, or cdktf.json's "context"). */
export function companionsFrom(app: IConstruct): OpenOpsCompanions {
  const get = (key: string): string | undefined => {
    const value = app.node.tryGetContext(key);
    return typeof value === 'string' && value.length > 0 ? value : undefined;
  };
  return {
    redisHost: get('openops:redisHost'),
    tablesApiUrl: get('openops:tablesApiUrl'),
    engineUrl: get('openops:engineUrl'),
    anomalyMonitorArn: get('finops:anomalyMonitorArn'),
  };
}

/**
 * What OpenOps' AWS blocks read through the task role (OPS_AWS_ENABLE_IMPLICIT_ROLE): costs,
 * anomalies, rightsizing and the inventory they name. None of these actions has resource-level
 * permissions, so the resource is `*`. Add the write actions of the workflows you enable.
 */
export const OPENOPS_READ_ACTIONS = [
  'ce:GetCostAndUsage',
  'ce:GetCostForecast',
  'ce:GetDimensionValues',
  'ce:GetAnomalies',
  'compute-optimizer:GetEC2InstanceRecommendations',
  'compute-optimizer:GetEBSVolumeRecommendations',
  'ec2:DescribeInstances',
  'ec2:DescribeVolumes',
  'ec2:DescribeRegions',
  'cloudwatch:GetMetricData',
];

/**
 * The OpenOps app service, the same in both engines (the engine adds the cluster, the load balancer and
 * the secrets): `publicUrl` is where users reach it, `tablesDbHost` the database host openops-tables uses.
 */
export function openOpsServiceOptions(companions: OpenOpsCompanions, publicUrl: string, tablesDbHost: string): FargateWebServiceOptions {
  // Without Redis and openops-tables the app exits at start: no task until both are named.
  const running = companions.redisHost !== undefined && companions.tablesApiUrl !== undefined;
  return {
    image: OPENOPS_IMAGE,
    containerPort: 80,
    healthCheck: { path: '/api/v1/health' },
    routing: { pathPatterns: ['/*'], priority: 100 },
    // OpenOps' Helm chart asks 1 vCPU / 2 GiB for the app in production.
    cpu: 1024,
    memoryMiB: 2048,
    // Migrations and seeding on first start take a while.
    healthCheckGracePeriodSeconds: 300,
    desiredCount: running ? 1 : 0,
    environment: {
      OPS_COMPONENT: 'app',
      OPS_ENVIRONMENT_NAME: 'aws-ecs',
      OPS_PUBLIC_URL: publicUrl,
      OPS_FRONTEND_URL: publicUrl,
      OPS_OPENOPS_ADMIN_EMAIL: OPENOPS_ADMIN_EMAIL,
      OPS_DB_TYPE: 'POSTGRES',
      OPS_POSTGRES_DATABASE: OPENOPS_DATABASE,
      OPS_POSTGRES_USE_SSL: 'true',
      OPS_QUEUE_MODE: 'REDIS',
      ...(companions.redisHost ? { OPS_REDIS_HOST: companions.redisHost, OPS_REDIS_PORT: '6379' } : {}),
      OPS_OPENOPS_TABLES_DATABASE_NAME: 'tables',
      OPS_OPENOPS_TABLES_DB_HOST: tablesDbHost,
      OPS_OPENOPS_TABLES_PUBLIC_URL: publicUrl,
      ...(companions.tablesApiUrl ? { OPS_OPENOPS_TABLES_API_URL: companions.tablesApiUrl } : {}),
      ...(companions.engineUrl ? { OPS_ENGINE_URL: companions.engineUrl } : {}),
      // No openops-analytics (Superset) here: the app skips its seed and hides the dashboards.
      OPS_ANALYTICS_ENABLED: 'false',
      OPS_AWS_ENABLE_IMPLICIT_ROLE: 'true',
      // OpenOps' default, COLLECTOR, sends usage telemetry to telemetry.openops.com.
      OPS_TELEMETRY_MODE: 'DISABLED',
      OPS_LOG_LEVEL: 'info',
    },
  };
}

/** The guardrails of the FinOps seeds: the $1,000 daily budget, events, Slack and the clean-up reports. */
export function finOpsOptions(profile: EnvironmentProfile, companions: OpenOpsCompanions): FinOpsGuardrailsOptions {
  return {
    profile,
    budgets: [{ name: 'daily', period: BudgetPeriod.DAILY, limitUsd: 1000 }],
    notify: FINOPS_NOTIFY,
    instanceEvents: true,
    volumeEvents: true,
    idleInstances: { mode: RemediationMode.REPORT },
    unattachedVolumes: { mode: RemediationMode.REPORT },
    anomalyDetection: { minImpactUsd: 100, ...(companions.anomalyMonitorArn ? { existingMonitorArn: companions.anomalyMonitorArn } : {}) },
  };
}
