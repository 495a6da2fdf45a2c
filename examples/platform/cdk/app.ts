/**
 * Example "platform", AWS CDK edition: the complete reference platform, split into stacks the way a
 * platform team runs it. The seeds' three-stack platform (examples/three-stack) grown to every
 * construct of the library.
 *
 * Six stacks, deployed in this order (CloudFormation exports; no cycles; `cdk deploy --all` follows it):
 *   - PlatformNetwork:    PlatformNetwork, 10.0.0.0/16 over 2 AZs (3 in PRODUCTION).
 *   - PlatformCluster:    PlatformCluster (Container Insights, FARGATE + FARGATE_SPOT, ECS Exec logging,
 *                         the alerts topic every alarm goes to) and Ingress, the shared internet-facing
 *                         HTTPS PlatformLoadBalancer (idle timeout 350 s for Teleport's sessions).
 *   - PlatformData:       `main-db` (PostgreSQL ManagedDatabase in the isolated subnets) and `sessions`
 *                         (ManagedTable: pk/sk, a GSI, TTL), the GitOps seed's data.
 *   - PlatformAccess:     Teleport on Ingress (teleport.example.com and *.teleport.example.com, priority
 *                         10), GitHub SSO, `main-db` registered for ['app_readonly'].
 *   - PlatformServices:   Api (the DevOps Agent seed's Node app, port 3000, /health, on api.example.com
 *                         /api/*), Web (nginx on every other path of that host) and Worker (a
 *                         FargateWorkerService: no load balancer, a container health check). Api and
 *                         Worker are granted `main-db` and read/write on `sessions`; Api is registered
 *                         with Teleport as `api`.
 *   - PlatformOperations: FinOpsGuardrails (the FinOps seeds' budget, anomalies, events, reports, to the
 *                         alerts topic), AppRepo (ContainerRepository), Deploy (GitHubDeployRole for the
 *                         three services and AppRepo) and Agent (DevOpsAgentSpace monitoring all six
 *                         stacks, investigating the three services' alarms). A CloudFormation rule
 *                         refuses a region AWS DevOps Agent does not run in.
 *
 * Why this order: data before access (Teleport's rule on the database's security group lives with
 * Teleport), access before services (addApp gives the Api Teleport's service registry and an ingress rule
 * from Teleport's security group), operations last (it names the services' alarms and task definitions).
 * The shared load balancer lives with the cluster: each service's listener rule, target group and
 * security-group rules live in its own stack, so no earlier stack ever depends on a later one.
 *
 * Profiles: `-c platform:profile=PRODUCTION` synthesises the same code with PRODUCTION defaults (a NAT
 * gateway per AZ, no Spot, multi-AZ RDS, deletion protection, retention on delete, a year of logs).
 * Settings (certificates, hosts, GitHub, Slack): the context keys of the zero-trust and devops-agent-demo
 * examples (examples/README.md), placeholders in account 111122223333 until given.
 *
 * Synthesise:  cdk synth            (from this directory)
 * Deploy:      cdk deploy --all
 */
import { App, Aws, CfnOutput, CfnRule, Fn, Stack, StackProps, Tags } from 'aws-cdk-lib';
import { agentSpaceOptions, deployRoleOptions, settingsFrom as agentSettingsFrom, SUPPORTED_REGIONS } from '../../devops-agent-demo/devops-agent-demo';
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
} from 'ecs-platform-constructs/cdk';

/** Add the platform's six stacks to `app` (a new App when none is given) and return it. */
export function buildApp(app: App = new App(), profile: EnvironmentProfile = profileFrom(app)): App {
  const settings = settingsFrom(app);
  const agentSettings = agentSettingsFrom(app, {});
  const props: StackProps = { description: `ecs-platform-constructs example: the reference platform (${profile})` };
  const stackNamed = (id: string) => {
    const stack = new Stack(app, id, props);
    for (const [key, value] of Object.entries(PLATFORM_TAGS)) Tags.of(stack).add(key, value);
    return stack;
  };

  // --- network ---------------------------------------------------------------------------------------------
  const networkStack = stackNamed('PlatformNetwork');
  const network = new PlatformNetwork(networkStack, 'Network', networkOptions(profile));

  // --- cluster: the cluster, its alerts topic, the shared HTTPS load balancer ------------------------------
  const clusterStack = stackNamed('PlatformCluster');
  const cluster = new PlatformCluster(clusterStack, 'Cluster', { network, containerInsights: true });
  // Teleport tunnels long-lived sessions through the ALB: 350 s, not the 60 s default.
  const ingress = new PlatformLoadBalancer(clusterStack, 'Ingress', { network, certificateArn: settings.ingressCertificateArn, idleTimeoutSeconds: 350 });

  // --- data: main-db and sessions -----------------------------------------------------------------------------
  const dataStack = stackNamed('PlatformData');
  const mainDb = new ManagedDatabase(dataStack, 'MainDb', { network, databaseName: 'main' });
  const sessions = new ManagedTable(dataStack, 'Sessions', sessionsTableOptions(profile));

  // --- access: Teleport on the shared listener, main-db registered --------------------------------------------
  const accessStack = stackNamed('PlatformAccess');
  const teleport = new TeleportCluster(accessStack, 'Teleport', { cluster, loadBalancer: ingress, ...teleportOptions(settings) });
  teleport.addDatabase(mainDb, { users: MAIN_DB_USERS, name: MAIN_DB_NAME });

  // --- services: Api and Web on the shared listener, the Worker; the data through grants ----------------------
  const servicesStack = stackNamed('PlatformServices');
  const api = new FargateWebService(servicesStack, 'Api', { cluster, loadBalancer: ingress, ...apiServiceOptions(settings, profile) });
  const web = new FargateWebService(servicesStack, 'Web', { cluster, loadBalancer: ingress, ...webServiceOptions(settings) });
  const worker = new FargateWorkerService(servicesStack, 'Worker', { cluster, ...workerServiceOptions(profile) });
  for (const service of [api, worker]) {
    mainDb.grantConnect(service);
    sessions.grantReadWriteData(service);
  }
  teleport.addApp(api, { name: API_APP_NAME });

  // --- operations: FinOps, the image repository, the deploy role, the DevOps agent ---------------------------
  const operationsStack = stackNamed('PlatformOperations');
  new CfnRule(operationsStack, 'DevOpsAgentRegion', {
    assertions: [{
      assert: Fn.conditionContains([...SUPPORTED_REGIONS], Aws.REGION),
      assertDescription: `AWS DevOps Agent runs in ${SUPPORTED_REGIONS.join(', ')}: deploy the platform in one of them`,
    }],
  });
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
    monitor: { stacks: [networkStack, clusterStack, dataStack, accessStack, servicesStack, operationsStack] },
  });
  for (const service of services) agent.investigateAlarms(service);

  new CfnOutput(clusterStack, 'IngressDnsName', {
    description: `Point ${settings.apiHost}, ${settings.teleportDomainName} and *.${settings.teleportDomainName} here`,
    value: ingress.dnsName,
  });
  new CfnOutput(clusterStack, 'AlertsTopicArn', { description: 'Subscribe the on-call here: every alarm, FinOps alert and report', value: cluster.alertsTopicArn });
  new CfnOutput(dataStack, 'MainDbEndpoint', { value: mainDb.endpointAddress });
  new CfnOutput(accessStack, 'TeleportProxyAddress', { description: 'tsh login --proxy=<this> --auth=github', value: teleport.publicAddress });
  new CfnOutput(servicesStack, 'ApiUrl', { value: `https://${settings.apiHost}/api/` });
  new CfnOutput(operationsStack, 'AppRepositoryUri', { description: 'Push the services\' images here', value: repo.repositoryUri });
  new CfnOutput(operationsStack, 'DeployRoleArn', { description: 'role-to-assume of the GitHub workflow', value: deploy.roleArn });
  new CfnOutput(operationsStack, 'ApiDeployWorkflow', { description: '.github/workflows/deploy-api.yml', value: deploy.workflow(api, repo) });
  new CfnOutput(operationsStack, 'AgentSpaceId', { value: agent.agentSpaceId });
  new CfnOutput(operationsStack, 'WebhookSecretArn', {
    description: 'Put the agent space\'s generic webhook here: {"webhookUrl": "...", "webhookSecret": "..."}',
    value: agent.webhookSecret!.ref,
  });
  return app;
}

if (require.main === module) {
  buildApp().synth();
}
