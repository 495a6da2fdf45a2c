/**
 * Example "openops-finops", CDK for Terraform edition: the FinOps seeds' OpenOps platform.
 *
 * Three stacks, applied in this order (cdktf cross-stack outputs; no depends_on across stacks):
 *   - openops-finops-platform:   PlatformNetwork, PlatformCluster (its alerts topic is the one place
 *                                every alarm and cost alert lands) and Ingress, a shared
 *                                PlatformLoadBalancer (plain HTTP on 80: give it `certificateArn` or
 *                                `domain` for HTTPS).
 *   - openops-finops-app:        OpenOpsDb, a PostgreSQL ManagedDatabase (database `openops`, TLS
 *                                required), the OpenOps secrets, and OpenOps, the openops-app container
 *                                on Fargate behind Ingress (`/*`, health check `/api/v1/health`).
 *   - openops-finops-guardrails: FinOpsGuardrails: a $1,000 daily budget, Cost Anomaly Detection (≥ $100),
 *                                EC2 and EBS events, Slack through AWS Chatbot, and the idle-instance and
 *                                unattached-volume workflows in REPORT mode, to the cluster's alerts topic.
 *
 * The secrets are created empty: put their values with the AWS CLI (examples/README.md). A value
 * Terraform generated would sit in its state; the database's master password is RDS-managed and
 * never does.
 *
 * OpenOps' app does not start on its own: it needs Redis (OPS_QUEUE_MODE=REDIS) and the openops-tables
 * service, which this library cannot build yet (see examples/README.md, "openops-finops"). Until you
 * name them in cdktf.json's context (`openops:redisHost`, `openops:tablesApiUrl`), the service is
 * created with no tasks, so the apply succeeds and nothing fails its health check.
 *
 * Synthesise:  cdktf synth          (from this directory)
 * Deploy:      cdktf deploy openops-finops-platform openops-finops-app openops-finops-guardrails
 */
// Deep imports only: the @cdktf/provider-aws root barrel costs ~1.7 s and 550 MB.
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { App, dependable, TerraformOutput, TerraformStack } from 'cdktf';
import { companionsFrom, finOpsOptions, OPENOPS_DATABASE, OPENOPS_READ_ACTIONS, openOpsServiceOptions } from '../openops';
import { EnvironmentProfile } from 'ecs-platform-constructs';
import {
  FargateWebService,
  FinOpsGuardrails,
  ManagedDatabase,
  PlatformCluster,
  PlatformLoadBalancer,
  PlatformNetwork,
} from 'ecs-platform-constructs/cdktf';

/** The region the example's stacks deploy to. */
const REGION = 'eu-west-1';

/**
 * Add the example's three stacks to `app` and return it. Without an argument a
 * new App is created, which takes its output directory from the cdktf CLI
 * (CDKTF_OUTDIR); tests pass `new App({ outdir })`.
 */
export function buildApp(app: App = new App(), profile: EnvironmentProfile = EnvironmentProfile.DEVELOPMENT): App {
  const companions = companionsFrom(app);
  const stackIn = (id: string) => {
    const stack = new TerraformStack(app, id);
    new AwsProvider(stack, 'aws', { region: REGION });
    return stack;
  };

  // --- platform: network, cluster (alerts topic), the shared load balancer ---------------------------
  const platform = stackIn('openops-finops-platform');
  const network = new PlatformNetwork(platform, 'Network', { profile });
  const cluster = new PlatformCluster(platform, 'Cluster', { network });
  // OpenOps' own gateway lets synchronous webhooks run for 600 s (OPS_FLOW_TIMEOUT_SECONDS): so does the ALB.
  const ingress = new PlatformLoadBalancer(platform, 'Ingress', { network, idleTimeoutSeconds: 600 });
  const publicUrl = `http://${ingress.dnsName}`;

  // --- app: the database, the secrets, OpenOps ---------------------------------------------------------
  const appStack = stackIn('openops-finops-app');
  const db = new ManagedDatabase(appStack, 'OpenOpsDb', { network, databaseName: OPENOPS_DATABASE });

  // Empty: their values are put with the AWS CLI (README), so they are in no configuration or state.
  // Kept like the database in PRODUCTION: the encryption key is what decrypts OpenOps' stored connections.
  const secret = (id: string, description: string) => new SecretsmanagerSecret(appStack, id, {
    namePrefix: `openops-${id.replace(/[A-Z]/g, (c, i: number) => (i ? '-' : '') + c.toLowerCase())}-`,
    description,
    lifecycle: profile === EnvironmentProfile.PRODUCTION ? { preventDestroy: true } : undefined,
  });
  const encryptionKey = secret('EncryptionKey', 'OpenOps OPS_ENCRYPTION_KEY (encrypts stored connections; never change it)');
  const jwtSecret = secret('JwtSecret', 'OpenOps OPS_JWT_SECRET (signs sessions)');
  const adminPassword = secret('AdminPassword', 'OpenOps OPS_OPENOPS_ADMIN_PASSWORD (the first admin, also openops-tables\' admin)');
  // node-postgres verifies the server certificate, and the RDS CAs are not in Node's trust store.
  const postgresCa = secret('PostgresCaBundle', 'OpenOps OPS_POSTGRES_SSL_CA: the RDS CA bundle of the region (https://truststore.pki.rds.amazonaws.com)');

  const openOps = new FargateWebService(appStack, 'OpenOps', {
    cluster,
    loadBalancer: ingress,
    ...openOpsServiceOptions(companions, publicUrl, db.endpointAddress),
    secrets: {
      OPS_ENCRYPTION_KEY: { secretsManagerArn: encryptionKey.arn },
      OPS_JWT_SECRET: { secretsManagerArn: jwtSecret.arn },
      OPS_OPENOPS_ADMIN_PASSWORD: { secretsManagerArn: adminPassword.arn },
      OPS_POSTGRES_SSL_CA: { secretsManagerArn: postgresCa.arn },
    },
  });
  // OPS_POSTGRES_HOST, _PORT, _NAME and the secrets OPS_POSTGRES_USERNAME, _PASSWORD; the port rule.
  db.grantConnect(openOps, { environmentPrefix: 'OPS_POSTGRES' });

  const readCosts = new IamRolePolicy(appStack, 'OpenOpsReadCosts', {
    role: openOps.taskRole.name,
    policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: OPENOPS_READ_ACTIONS, Resource: '*' }] }),
  });
  // Tasks start with the permissions they run with: the service waits for the policy.
  openOps.service.dependsOn = [...(openOps.service.dependsOn ?? []), dependable(readCosts)];

  // --- guardrails: budgets, anomalies, events, Slack, the clean-up reports -----------------------------
  const guardrails = stackIn('openops-finops-guardrails');
  new FinOpsGuardrails(guardrails, 'FinOps', { ...finOpsOptions(profile, companions), alertsTopic: cluster.alertsTopic });

  new TerraformOutput(platform, 'ingress_dns_name', { description: 'DNS name of the load balancer OpenOps is served on', value: ingress.dnsName });
  new TerraformOutput(platform, 'alerts_topic_arn', { description: 'Where service alarms and FinOps alerts land', value: cluster.alertsTopicArn });
  new TerraformOutput(appStack, 'openops_url', { value: publicUrl });
  new TerraformOutput(appStack, 'openops_db_endpoint', { description: 'The database\'s DNS name (reachable from granted services only)', value: db.endpointAddress });
  new TerraformOutput(appStack, 'secret_arns', {
    description: 'Put these secrets\' values before the app runs',
    value: {
      encryption_key: encryptionKey.arn,
      jwt_secret: jwtSecret.arn,
      admin_password: adminPassword.arn,
      postgres_ca_bundle: postgresCa.arn,
    },
  });
  return app;
}

if (require.main === module) {
  buildApp().synth();
}
