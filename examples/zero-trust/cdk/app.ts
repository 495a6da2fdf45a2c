/**
 * Example "zero-trust", AWS CDK edition: the data-tier example behind Teleport. Engineers sign in with
 * GitHub and reach `main-db` and the Api through Teleport (short-lived certificates, every session audited);
 * nothing but the load balancer's listeners is open to the internet.
 *
 * Four stacks, deployed in this order (CloudFormation exports; no cycles):
 *   - ZeroTrustPlatform: PlatformNetwork, PlatformCluster and Ingress, the shared internet-facing
 *                        PlatformLoadBalancer: HTTPS on 443 with the Api's certificate (HTTP 80
 *                        redirects), idle timeout 350 s so Teleport's long-lived sessions (tsh's
 *                        database tunnels and app sessions through the ALB) are not cut at the 60 s default.
 *   - ZeroTrustData:     `main-db`, a PostgreSQL ManagedDatabase in the isolated subnets, and
 *                        `sessions`, a ManagedTable (pk/sk, a GSI, TTL on expiresAt), as in data-tier.
 *   - ZeroTrustAccess:   Teleport (TeleportCluster: auth and proxy on Fargate, DynamoDB state and
 *                        audit events, S3 session recordings, GitHub SSO) on Ingress for
 *                        teleport.example.com and *.teleport.example.com (priority 10), with its own
 *                        certificate added to the listener; `main-db` registered for the users
 *                        ['app_readonly'] (role db-main-db).
 *   - ZeroTrustApps:     the Api service (nginx on port 80 standing in for your app) on Ingress for
 *                        api.example.com (priority 100), granted the database and read/write on the
 *                        table, and registered with Teleport as `api` (https://api.teleport.example.com).
 *
 * Where the shared load balancer lives: in the platform stack. Teleport and the Api both attach to it,
 * and each one's listener rule, target group and security-group rules live in its own stack (remote
 * rules), so the platform stack never depends on a later one. addDatabase makes the access stack depend
 * on the data stack (Teleport's rule on the database's security group lives with Teleport), and addApp
 * makes the apps stack depend on the access stack (the Api's service takes Teleport's Cloud Map registry
 * and an ingress rule from Teleport's security group): platform -> data -> access -> apps. In the apps
 * stack the load balancer would make a cycle (access needs it for Teleport's rule, apps needs access);
 * in the access stack it would not, but the product's public entry point would then belong to the
 * access tier: replacing or tearing down Teleport would take the Api off the internet.
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
 * the context names them (see examples/README.md, "zero-trust"): `ingress:certificateArn`, `api:host`,
 * `teleport:domainName`, `teleport:certificateArn`, `teleport:githubClientId`,
 * `teleport:githubClientSecretArn`, `teleport:githubOrganization`, `teleport:githubTeam`.
 *
 * Synthesise:  cdk synth            (from this directory)
 * Deploy:      cdk deploy --all
 */
import { App, CfnOutput, Stack, StackProps } from 'aws-cdk-lib';
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
} from 'ecs-platform-constructs/cdk';

/** Add the example's four stacks to `app` (a new App when none is given) and return it. */
export function buildApp(app: App = new App(), profile: EnvironmentProfile = EnvironmentProfile.DEVELOPMENT): App {
  const settings = settingsFrom(app);
  const props: StackProps = { description: 'ecs-platform-constructs example: zero-trust access (Teleport) to a data tier' };

  // --- platform: network, cluster, the shared HTTPS load balancer ----------------------------------------
  const platform = new Stack(app, 'ZeroTrustPlatform', props);
  const network = new PlatformNetwork(platform, 'Network', { profile });
  const cluster = new PlatformCluster(platform, 'Cluster', { network });
  // Teleport tunnels long-lived sessions through the ALB: 350 s, not the 60 s default.
  const ingress = new PlatformLoadBalancer(platform, 'Ingress', {
    network,
    certificateArn: settings.ingressCertificateArn,
    idleTimeoutSeconds: 350,
  });

  // --- data: main-db and sessions --------------------------------------------------------------------------
  const data = new Stack(app, 'ZeroTrustData', props);
  const mainDb = new ManagedDatabase(data, 'MainDb', { network, databaseName: 'main' });
  const sessions = new ManagedTable(data, 'Sessions', sessionsTableOptions(profile));

  // --- access: Teleport on the shared listener, with main-db registered -----------------------------------
  const access = new Stack(app, 'ZeroTrustAccess', props);
  const teleport = new TeleportCluster(access, 'Teleport', { cluster, loadBalancer: ingress, ...teleportOptions(settings) });
  teleport.addDatabase(mainDb, { users: MAIN_DB_USERS, name: MAIN_DB_NAME });

  // --- apps: the Api on the shared listener, granted the data, registered with Teleport ------------------
  const apps = new Stack(app, 'ZeroTrustApps', props);
  const api = new FargateWebService(apps, 'Api', { cluster, loadBalancer: ingress, ...apiServiceOptions(settings) });
  mainDb.grantConnect(api);
  sessions.grantReadWriteData(api);
  teleport.addApp(api, { name: API_APP_NAME });

  new CfnOutput(platform, 'IngressDnsName', {
    description: `Point ${settings.teleportDomainName}, *.${settings.teleportDomainName} and ${settings.apiHost} here`,
    value: ingress.dnsName,
  });
  new CfnOutput(data, 'MainDbEndpoint', { description: 'The database\'s DNS name (reachable from granted services and Teleport only)', value: mainDb.endpointAddress });
  new CfnOutput(data, 'SessionsTableName', { value: sessions.tableName });
  new CfnOutput(access, 'TeleportProxyAddress', { description: 'tsh login --proxy=<this> --auth=github', value: teleport.publicAddress });
  new CfnOutput(apps, 'ApiUrl', { description: 'The Api\'s public address', value: `https://${settings.apiHost}` });
  new CfnOutput(apps, 'ApiTeleportUrl', { description: 'The Api through Teleport (tsh apps login api)', value: `https://${API_APP_NAME}.${settings.teleportDomainName}` });
  return app;
}

if (require.main === module) {
  buildApp().synth();
}
