/**
 * Example "zero-trust", CDK for Terraform edition: the data-tier example behind Teleport. Engineers sign
 * in with GitHub and reach `main-db` and the Api through Teleport (short-lived certificates, every session
 * audited); nothing but the load balancer's listeners is open to the internet.
 *
 * Four stacks, applied in this order (cdktf cross-stack outputs; no depends_on across stacks):
 *   - zero-trust-platform: PlatformNetwork, PlatformCluster and Ingress, the shared internet-facing
 *                          PlatformLoadBalancer: HTTPS on 443 with the Api's certificate (HTTP 80
 *                          redirects), idle timeout 350 s so Teleport's long-lived sessions (tsh's
 *                          database tunnels and app sessions through the ALB) are not cut at the 60 s default.
 *   - zero-trust-data:     `main-db`, a PostgreSQL ManagedDatabase in the isolated subnets, and
 *                          `sessions`, a ManagedTable (pk/sk, a GSI, TTL on expiresAt), as in data-tier.
 *   - zero-trust-access:   Teleport (TeleportCluster: auth and proxy on Fargate, DynamoDB state and
 *                          audit events, S3 session recordings, GitHub SSO) on Ingress for
 *                          teleport.example.com and *.teleport.example.com (priority 10), with its own
 *                          certificate added to the listener; `main-db` registered for the users
 *                          ['app_readonly'] (role db-main-db).
 *   - zero-trust-apps:     the Api service (nginx on port 80 standing in for your app) on Ingress for
 *                          api.example.com (priority 100), granted the database and read/write on the
 *                          table, and registered with Teleport as `api` (https://api.teleport.example.com).
 *
 * Where the shared load balancer lives: in the platform stack. Teleport and the Api both attach to it,
 * and each one's listener rule, target group and security-group rules live in its own stack, so the
 * platform stack never depends on a later one. addDatabase makes the access stack depend on the data
 * stack (Teleport's rule on the database's security group lives with Teleport), and addApp makes the
 * apps stack depend on the access stack (the Api's service takes Teleport's Cloud Map registry and an
 * ingress rule from Teleport's security group): platform -> data -> access -> apps. In the apps stack
 * the load balancer would make a cycle (access needs it for Teleport's rule, apps needs access); in the
 * access stack it would not, but the product's public entry point would then belong to the access
 * tier: replacing or destroying Teleport would take the Api off the internet.
 *
 * Why the Api shares the load balancer instead of keeping its own: it is the product's public API, and
 * one ALB with host rules is what teams run (one hourly charge, one access log, one place for a WAF);
 * the host rules of Teleport and the Api cannot overlap, and the priorities are pinned so adding a
 * service never moves them. Engineers reach the same tasks through Teleport at api.teleport.example.com,
 * straight to the tasks over Cloud Map (not through the public route), with their GitHub identity and
 * an audit trail. An API meant for engineers only would drop `loadBalancer` and `routing` and take
 * `loadBalancerOptions: { internal: true }` (its own internal ALB), leaving Teleport the only way in.
 *
 * The certificates, host names and GitHub OAuth app are placeholders in account 111122223333 unless
 * cdktf.json's "context" names them (see examples/README.md, "zero-trust"): `ingress:certificateArn`,
 * `api:host`, `teleport:domainName`, `teleport:certificateArn`, `teleport:githubClientId`,
 * `teleport:githubClientSecretArn`, `teleport:githubOrganization`, `teleport:githubTeam`. The GitHub
 * client secret is read by ECS at task start: it is never in the configuration or the state, and
 * neither is the database's master password (RDS keeps it in Secrets Manager). Give each stack a real
 * backend before applying (cdktf's default local state files are absolute paths of the machine that
 * synthesised).
 *
 * Synthesise:  cdktf synth          (from this directory)
 * Deploy:      cdktf deploy zero-trust-platform zero-trust-data zero-trust-access zero-trust-apps
 */
// Deep imports only: the @cdktf/provider-aws root barrel costs ~1.7 s and 550 MB.
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { App, TerraformOutput, TerraformStack } from 'cdktf';
import { API_APP_NAME, apiServiceOptions, MAIN_DB_NAME, MAIN_DB_USERS, sessionsTableOptions, settingsFrom, teleportOptions } from '../zero-trust';
import { EnvironmentProfile } from 'ecs-platform-constructs';
import {
  FargateWebService,
  ManagedDatabase,
  ManagedTable,
  PlatformCluster,
  PlatformLoadBalancer,
  PlatformNetwork,
  TeleportCluster,
} from 'ecs-platform-constructs/cdktf';

/** The region the example's stacks deploy to. */
const REGION = 'eu-west-1';

/**
 * Add the example's four stacks to `app` and return it. Without an argument a
 * new App is created, which takes its output directory from the cdktf CLI
 * (CDKTF_OUTDIR); tests pass `new App({ outdir })`.
 */
export function buildApp(app: App = new App(), profile: EnvironmentProfile = EnvironmentProfile.DEVELOPMENT): App {
  const settings = settingsFrom(app);
  const stackIn = (id: string) => {
    const stack = new TerraformStack(app, id);
    new AwsProvider(stack, 'aws', { region: REGION });
    return stack;
  };

  // --- platform: network, cluster, the shared HTTPS load balancer ----------------------------------------
  const platform = stackIn('zero-trust-platform');
  const network = new PlatformNetwork(platform, 'Network', { profile });
  const cluster = new PlatformCluster(platform, 'Cluster', { network });
  // Teleport tunnels long-lived sessions through the ALB: 350 s, not the 60 s default.
  const ingress = new PlatformLoadBalancer(platform, 'Ingress', {
    network,
    certificateArn: settings.ingressCertificateArn,
    idleTimeoutSeconds: 350,
  });

  // --- data: main-db and sessions --------------------------------------------------------------------------
  const data = stackIn('zero-trust-data');
  const mainDb = new ManagedDatabase(data, 'MainDb', { network, databaseName: 'main' });
  const sessions = new ManagedTable(data, 'Sessions', sessionsTableOptions(profile));

  // --- access: Teleport on the shared listener, with main-db registered -----------------------------------
  const access = stackIn('zero-trust-access');
  const teleport = new TeleportCluster(access, 'Teleport', { cluster, loadBalancer: ingress, ...teleportOptions(settings) });
  teleport.addDatabase(mainDb, { users: MAIN_DB_USERS, name: MAIN_DB_NAME });

  // --- apps: the Api on the shared listener, granted the data, registered with Teleport ------------------
  const apps = stackIn('zero-trust-apps');
  const api = new FargateWebService(apps, 'Api', { cluster, loadBalancer: ingress, ...apiServiceOptions(settings) });
  mainDb.grantConnect(api);
  sessions.grantReadWriteData(api);
  teleport.addApp(api, { name: API_APP_NAME });

  new TerraformOutput(platform, 'ingress_dns_name', {
    description: `Point ${settings.teleportDomainName}, *.${settings.teleportDomainName} and ${settings.apiHost} here`,
    value: ingress.dnsName,
  });
  new TerraformOutput(data, 'main_db_endpoint', { description: 'The database\'s DNS name (reachable from granted services and Teleport only)', value: mainDb.endpointAddress });
  new TerraformOutput(data, 'sessions_table_name', { value: sessions.tableName });
  new TerraformOutput(access, 'teleport_proxy_address', { description: 'tsh login --proxy=<this> --auth=github', value: teleport.publicAddress });
  new TerraformOutput(apps, 'api_url', { description: 'The Api\'s public address', value: `https://${settings.apiHost}` });
  new TerraformOutput(apps, 'api_teleport_url', { description: 'The Api through Teleport (tsh apps login api)', value: `https://${API_APP_NAME}.${settings.teleportDomainName}` });
  return app;
}

if (require.main === module) {
  buildApp().synth();
}
