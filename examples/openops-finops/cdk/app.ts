/**
 * Example "openops-finops", AWS CDK edition: the FinOps seeds' OpenOps platform.
 *
 * Three stacks, deployed in this order (CloudFormation exports; no cycles):
 *   - OpenOpsFinOpsPlatform:   PlatformNetwork, PlatformCluster (its alerts topic is the one place
 *                              every alarm and cost alert lands) and Ingress, a shared
 *                              PlatformLoadBalancer (plain HTTP on 80: give it `certificateArn` or
 *                              `domain` for HTTPS).
 *   - OpenOpsFinOpsApp:        OpenOpsDb, a PostgreSQL ManagedDatabase (database `openops`, TLS
 *                              required), the OpenOps secrets, and OpenOps, the openops-app container
 *                              on Fargate behind Ingress (`/*`, health check `/api/v1/health`).
 *   - OpenOpsFinOpsGuardrails: FinOpsGuardrails: a $1,000 daily budget, Cost Anomaly Detection (≥ $100),
 *                              EC2 and EBS events, Slack through AWS Chatbot, and the idle-instance and
 *                              unattached-volume workflows in REPORT mode, to the cluster's alerts topic.
 *
 * OpenOps' app does not start on its own: it needs Redis (OPS_QUEUE_MODE=REDIS) and the openops-tables
 * service, which this library cannot build yet (see examples/README.md, "openops-finops"). Until you
 * name them in the context (`openops:redisHost`, `openops:tablesApiUrl`), the service is created with
 * no tasks, so the deployment succeeds and nothing fails its health check.
 *
 * Synthesise:  cdk synth            (from this directory)
 * Deploy:      cdk deploy --all
 */
import { App, CfnOutput, RemovalPolicy, Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { BudgetPeriod, EnvironmentProfile, RemediationMode } from 'ecs-platform-constructs';
import {
  FargateWebService,
  FinOpsGuardrails,
  ManagedDatabase,
  PlatformCluster,
  PlatformLoadBalancer,
  PlatformNetwork,
} from 'ecs-platform-constructs/cdk';

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
 * Read from the context (cdk.json or `cdk deploy -c key=value`); with both given, the app runs.
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

/** The companions named in the app's context. */
export function companionsFrom(app: App): OpenOpsCompanions {
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

/** Add the example's three stacks to `app` (a new App when none is given) and return it. */
export function buildApp(app: App = new App(), profile: EnvironmentProfile = EnvironmentProfile.DEVELOPMENT): App {
  const companions = companionsFrom(app);
  const props: StackProps = { description: 'ecs-platform-constructs example: OpenOps on Fargate with FinOps guardrails' };

  // --- platform: network, cluster (alerts topic), the shared load balancer ---------------------------
  const platform = new Stack(app, 'OpenOpsFinOpsPlatform', props);
  const network = new PlatformNetwork(platform, 'Network', { profile });
  const cluster = new PlatformCluster(platform, 'Cluster', { network });
  // OpenOps' own gateway lets synchronous webhooks run for 600 s (OPS_FLOW_TIMEOUT_SECONDS): so does the ALB.
  const ingress = new PlatformLoadBalancer(platform, 'Ingress', { network, idleTimeoutSeconds: 600 });
  const publicUrl = `http://${ingress.dnsName}`;

  // --- app: the database, the secrets, OpenOps ---------------------------------------------------------
  const appStack = new Stack(app, 'OpenOpsFinOpsApp', props);
  const db = new ManagedDatabase(appStack, 'OpenOpsDb', { network, databaseName: OPENOPS_DATABASE });

  // Generated by Secrets Manager at deploy time: the values are never in the template. Kept like the
  // database in PRODUCTION: the encryption key is what decrypts OpenOps' stored connections.
  const removalPolicy = profile === EnvironmentProfile.PRODUCTION ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
  // OPS_ENCRYPTION_KEY: 32 lower-case letters and digits (OpenOps checks /^[A-Fa-z0-9]{32}$/).
  const encryptionKey = new secretsmanager.Secret(appStack, 'EncryptionKey', {
    description: 'OpenOps OPS_ENCRYPTION_KEY (encrypts stored connections; never change it)',
    generateSecretString: { passwordLength: 32, excludeUppercase: true, excludePunctuation: true },
    removalPolicy,
  });
  const jwtSecret = new secretsmanager.Secret(appStack, 'JwtSecret', {
    description: 'OpenOps OPS_JWT_SECRET (signs sessions)',
    generateSecretString: { passwordLength: 64, excludePunctuation: true },
    removalPolicy,
  });
  const adminPassword = new secretsmanager.Secret(appStack, 'AdminPassword', {
    description: 'OpenOps OPS_OPENOPS_ADMIN_PASSWORD (the first admin, also openops-tables\' admin)',
    generateSecretString: { passwordLength: 24, excludePunctuation: true },
    removalPolicy,
  });
  // Empty until you store the RDS CA bundle of the region in it (README): node-postgres verifies the
  // server certificate, and the RDS CAs are not in Node's trust store.
  const postgresCa = new secretsmanager.CfnSecret(appStack, 'PostgresCaBundle', {
    description: 'OpenOps OPS_POSTGRES_SSL_CA: the RDS CA bundle of the region (https://truststore.pki.rds.amazonaws.com)',
  });
  postgresCa.applyRemovalPolicy(removalPolicy);
  const secrets = [encryptionKey, jwtSecret, adminPassword];
  for (const secret of [...secrets, postgresCa]) {
    Validations.of(secret).acknowledge(
      { id: 'AwsSolutions::AwsSolutions-SMG4', reason: 'OpenOps reads it only at start and keeps no old value: the encryption key must never change (it decrypts the stored connections), the admin password is also openops-tables\' admin, the CA bundle changes with RDS. Change them by hand with a restart.' },
    );
  }

  const running = companions.redisHost !== undefined && companions.tablesApiUrl !== undefined;
  const openOps = new FargateWebService(appStack, 'OpenOps', {
    cluster,
    loadBalancer: ingress,
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
      OPS_OPENOPS_TABLES_DB_HOST: db.endpointAddress,
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
    secretsFrom: {
      OPS_ENCRYPTION_KEY: { secret: encryptionKey },
      OPS_JWT_SECRET: { secret: jwtSecret },
      OPS_OPENOPS_ADMIN_PASSWORD: { secret: adminPassword },
    },
    secrets: {
      OPS_POSTGRES_SSL_CA: { secretsManagerArn: postgresCa.ref },
    },
  });
  // OPS_POSTGRES_HOST, _PORT, _NAME and the secrets OPS_POSTGRES_USERNAME, _PASSWORD; the port rule.
  db.grantConnect(openOps, { environmentPrefix: 'OPS_POSTGRES' });

  const readCosts = new iam.Policy(appStack, 'OpenOpsReadCosts', {
    roles: [openOps.taskRole],
    statements: [new iam.PolicyStatement({ actions: OPENOPS_READ_ACTIONS, resources: ['*'] })],
  });
  Validations.of(readCosts).acknowledge({
    id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
    reason: 'read-only; these Cost Explorer, Compute Optimizer, EC2 Describe and GetMetricData actions have no resource-level permissions',
  });
  // Tasks start with the permissions they run with: the service waits for the policy.
  openOps.service.node.addDependency(readCosts);

  // --- guardrails: budgets, anomalies, events, Slack, the clean-up reports -----------------------------
  const guardrails = new Stack(app, 'OpenOpsFinOpsGuardrails', props);
  new FinOpsGuardrails(guardrails, 'FinOps', {
    profile,
    alertsTopic: cluster.alertsTopic,
    budgets: [{ name: 'daily', period: BudgetPeriod.DAILY, limitUsd: 1000 }],
    notify: FINOPS_NOTIFY,
    instanceEvents: true,
    volumeEvents: true,
    idleInstances: { mode: RemediationMode.REPORT },
    unattachedVolumes: { mode: RemediationMode.REPORT },
    anomalyDetection: { minImpactUsd: 100, ...(companions.anomalyMonitorArn ? { existingMonitorArn: companions.anomalyMonitorArn } : {}) },
  });

  new CfnOutput(platform, 'IngressDnsName', { description: 'DNS name of the load balancer OpenOps is served on', value: ingress.dnsName });
  new CfnOutput(platform, 'AlertsTopicArn', { description: 'Where service alarms and FinOps alerts land', value: cluster.alertsTopicArn });
  new CfnOutput(appStack, 'OpenOpsUrl', { value: publicUrl });
  new CfnOutput(appStack, 'OpenOpsDbEndpoint', { description: 'The database\'s DNS name (reachable from granted services only)', value: db.endpointAddress });
  new CfnOutput(appStack, 'PostgresCaBundleSecretArn', { description: 'Store the RDS CA bundle of the region here before the app runs', value: postgresCa.ref });
  return app;
}

if (require.main === module) {
  buildApp().synth();
}
