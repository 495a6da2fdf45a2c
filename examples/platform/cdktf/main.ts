/**
 * Example "platform", CDK for Terraform edition: the complete reference platform, split into stacks the
 * way a platform team runs it. The seeds' three-stack platform (examples/three-stack) grown to every
 * construct of the library.
 *
 * Six stacks, applied in this order (cdktf cross-stack outputs; no depends_on across stacks):
 *   - platform-network:    PlatformNetwork, 10.0.0.0/16 over 2 AZs (3 in PRODUCTION).
 *   - platform-cluster:    PlatformCluster (Container Insights, FARGATE + FARGATE_SPOT, ECS Exec logging,
 *                          the alerts topic every alarm goes to) and Ingress, the shared internet-facing
 *                          HTTPS PlatformLoadBalancer (idle timeout 350 s for Teleport's sessions).
 *   - platform-data:       `main-db` (PostgreSQL ManagedDatabase in the isolated subnets) and `sessions`
 *                          (ManagedTable: pk/sk, a GSI, TTL), the GitOps seed's data.
 *   - platform-access:     Teleport on Ingress (teleport.example.com and *.teleport.example.com,
 *                          priority 10), GitHub SSO, `main-db` registered for ['app_readonly'].
 *   - platform-services:   Api (the DevOps Agent seed's Node app, port 3000, /health, on api.example.com
 *                          /api/*), Web (nginx on every other path of that host) and Worker (a
 *                          FargateWorkerService: no load balancer, a container health check). Api and
 *                          Worker are granted `main-db` and read/write on `sessions`; Api is registered
 *                          with Teleport as `api`.
 *   - platform-operations: FinOpsGuardrails (the FinOps seeds' budget, anomalies, events, reports, to
 *                          the alerts topic), AppRepo (ContainerRepository), Deploy (GitHubDeployRole for
 *                          the three services and AppRepo) and Agent (DevOpsAgentSpace monitoring every
 *                          resource tagged platform=reference-platform, investigating the services' alarms).
 *
 * Why this order: data before access (Teleport's rule on the database's security group lives with
 * Teleport), access before services (addApp gives the Api Teleport's service registry and an ingress rule
 * from Teleport's security group), operations last (it names the services' alarms and task definitions).
 *
 * Every stack's AWS provider tags every resource `platform = reference-platform` (default_tags): the
 * agent space's monitor association scopes to that tag. The region is literal (eu-west-1, where AWS
 * DevOps Agent runs), so synthesis checks it. Profiles: `platform:profile` in cdktf.json's "context"
 * (DEVELOPMENT unless given). Give each stack a real backend before applying (cdktf's default local
 * state files are absolute paths of the machine that synthesised).
 *
 * Synthesise:  cdktf synth          (from this directory)
 * Deploy:      cdktf deploy platform-network platform-cluster platform-data platform-access platform-services platform-operations
 */
// Deep imports only: the @cdktf/provider-aws root barrel costs ~1.7 s and 550 MB.
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { App, TerraformOutput, TerraformStack } from 'cdktf';
import { agentSpaceOptions, deployRoleOptions, settingsFrom as agentSettingsFrom } from '../../devops-agent-demo/devops-agent-demo';
import { companionsFrom, finOpsOptions } from '../../openops-finops/openops';
import { API_APP_NAME, MAIN_DB_NAME, MAIN_DB_USERS, sessionsTableOptions, settingsFrom, teleportOptions } from '../../zero-trust/zero-trust';
import {
  apiServiceOptions,
  networkOptions,
  PLATFORM_NAME,
  PLATFORM_TAGS,
  profileFrom,
  webServiceOptions,
  workerServiceOptions,
} from '../platform';
import { EnvironmentProfile } from 'ecs-platform-constructs';
import {
  ContainerRepository,
  DevOpsAgentSpace,
  FargateWebService,
  FargateWorkerService,
  FinOpsGuardrails,
  GitHubDeployRole,
  ManagedDatabase,
  ManagedTable,
  PlatformCluster,
  PlatformLoadBalancer,
  PlatformNetwork,
  TeleportCluster,
} from 'ecs-platform-constructs/cdktf';

/** The region the platform deploys to: one AWS DevOps Agent runs in. */
const REGION = 'eu-west-1';

/**
 * Add the platform's six stacks to `app` and return it. Without an argument a new App is created,
 * which takes its output directory from the cdktf CLI (CDKTF_OUTDIR); tests pass `new App({ outdir })`.
 */
export function buildApp(app: App = new App(), profile: EnvironmentProfile = profileFrom(app)): App {
  const settings = settingsFrom(app);
  const agentSettings = agentSettingsFrom(app, {});
  const stackNamed = (id: string) => {
    const stack = new TerraformStack(app, id);
    new AwsProvider(stack, 'aws', { region: REGION, defaultTags: [{ tags: PLATFORM_TAGS }] });
    return stack;
  };

  // --- network ---------------------------------------------------------------------------------------------
  const networkStack = stackNamed('platform-network');
  const network = new PlatformNetwork(networkStack, 'Network', networkOptions(profile));

  // --- cluster: the cluster, its alerts topic, the shared HTTPS load balancer ------------------------------
  const clusterStack = stackNamed('platform-cluster');
  const cluster = new PlatformCluster(clusterStack, 'Cluster', { network, containerInsights: true });
  // Teleport tunnels long-lived sessions through the ALB: 350 s, not the 60 s default.
  const ingress = new PlatformLoadBalancer(clusterStack, 'Ingress', { network, certificateArn: settings.ingressCertificateArn, idleTimeoutSeconds: 350 });

  // --- data: main-db and sessions -----------------------------------------------------------------------------
  const dataStack = stackNamed('platform-data');
  const mainDb = new ManagedDatabase(dataStack, 'MainDb', { network, databaseName: 'main' });
  const sessions = new ManagedTable(dataStack, 'Sessions', sessionsTableOptions(profile));

  // --- access: Teleport on the shared listener, main-db registered --------------------------------------------
  const accessStack = stackNamed('platform-access');
  const teleport = new TeleportCluster(accessStack, 'Teleport', { cluster, loadBalancer: ingress, ...teleportOptions(settings) });
  teleport.addDatabase(mainDb, { users: MAIN_DB_USERS, name: MAIN_DB_NAME });

  // --- services: Api and Web on the shared listener, the Worker; the data through grants ----------------------
  const servicesStack = stackNamed('platform-services');
  const api = new FargateWebService(servicesStack, 'Api', { cluster, loadBalancer: ingress, ...apiServiceOptions(settings, profile) });
  const web = new FargateWebService(servicesStack, 'Web', { cluster, loadBalancer: ingress, ...webServiceOptions(settings) });
  const worker = new FargateWorkerService(servicesStack, 'Worker', { cluster, ...workerServiceOptions(profile) });
  for (const service of [api, worker]) {
    mainDb.grantConnect(service);
    sessions.grantReadWriteData(service);
  }
  teleport.addApp(api, { name: API_APP_NAME });

  // --- operations: FinOps, the image repository, the deploy role, the DevOps agent ---------------------------
  const operationsStack = stackNamed('platform-operations');
  new FinOpsGuardrails(operationsStack, 'FinOps', { ...finOpsOptions(profile, companionsFrom(app)), alertsTopic: cluster.alertsTopic });
  const repo = new ContainerRepository(operationsStack, 'AppRepo', { profile });
  const services = [api, web, worker];
  const deploy = new GitHubDeployRole(operationsStack, 'Deploy', {
    ...deployRoleOptions(agentSettings),
    platformName: PLATFORM_NAME,
    services,
    containerRepositories: [repo],
  });
  const agent = new DevOpsAgentSpace(operationsStack, 'Agent', {
    ...agentSpaceOptions(agentSettings),
    name: PLATFORM_NAME,
    description: 'Investigates the reference platform\'s alarms',
    profile,
    monitor: { tags: PLATFORM_TAGS },
  });
  for (const service of services) agent.investigateAlarms(service);

  new TerraformOutput(clusterStack, 'ingress_dns_name', {
    description: `Point ${settings.apiHost}, ${settings.teleportDomainName} and *.${settings.teleportDomainName} here`,
    value: ingress.dnsName,
  });
  new TerraformOutput(clusterStack, 'alerts_topic_arn', { description: 'Subscribe the on-call here: every alarm, FinOps alert and report', value: cluster.alertsTopicArn });
  new TerraformOutput(dataStack, 'main_db_endpoint', { value: mainDb.endpointAddress });
  new TerraformOutput(accessStack, 'teleport_proxy_address', { description: 'tsh login --proxy=<this> --auth=github', value: teleport.publicAddress });
  new TerraformOutput(servicesStack, 'api_url', { value: `https://${settings.apiHost}/api/` });
  new TerraformOutput(operationsStack, 'app_repository_uri', { description: 'Push the services\' images here', value: repo.repositoryUri });
  new TerraformOutput(operationsStack, 'deploy_role_arn', { description: 'role-to-assume of the GitHub workflow', value: deploy.roleArn });
  new TerraformOutput(operationsStack, 'api_deploy_workflow', { description: '.github/workflows/deploy-api.yml', value: deploy.workflow(api, repo) });
  new TerraformOutput(operationsStack, 'agent_space_id', { value: agent.agentSpaceId });
  new TerraformOutput(operationsStack, 'webhook_secret_arn', {
    description: 'Put the agent space\'s generic webhook here: {"webhookUrl": "...", "webhookSecret": "..."}',
    value: agent.webhookSecret!.arn,
  });
  return app;
}

if (require.main === module) {
  buildApp().synth();
}
