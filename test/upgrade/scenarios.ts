/**
 * The construct configurations whose synthesised output is pinned as golden
 * files. Add a scenario for every construct and every profile it supports;
 * never rename one (its golden file is the upgrade baseline).
 */
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { TerraformStack } from 'cdktf';
import { HTTPD, NGINX, NODE, nodeHttpServer } from '../helpers/images';
import { AttributeType, BudgetPeriod, EnvironmentProfile, PlatformSpec, ProjectionType, RemediationMode } from 'ecs-platform-constructs';
import * as cdk from 'ecs-platform-constructs/cdk';
import * as cdktf from 'ecs-platform-constructs/cdktf';

export interface GoldenScenario {
  /** `<construct>/<case>`, also the golden file name. */
  readonly name: string;
  readonly cdk: (stack: Stack) => void;
  readonly cdktf: (stack: TerraformStack) => void;
}

const CERT = 'arn:aws:acm:eu-west-1:111122223333:certificate/11111111-2222-3333-4444-555555555555';

/** The web tier: a cluster, a shared HTTPS load balancer with two routed services, one service with its own. */
function webTier(profile: EnvironmentProfile): Pick<GoldenScenario, 'cdk' | 'cdktf'> {
  const services = (shared: unknown) => [
    ['Frontend', { image: NGINX, containerPort: 80, loadBalancer: shared, routing: { pathPatterns: ['/*'], priority: 100 } }],
    ['Api', {
      image: NODE,
      command: nodeHttpServer(3000),
      containerPort: 3000,
      cpu: 512,
      memoryMiB: 1024,
      loadBalancer: shared,
      healthCheck: { path: '/health' },
      autoScaling: { minCapacity: 2, maxCapacity: 6 },
      routing: { pathPatterns: ['/api/*'], priority: 10 },
      environment: { LOG_LEVEL: 'info' },
    }],
    ['FinOps', { image: HTTPD, containerPort: 80 }],
  ] as const;
  return {
    cdk: (s) => {
      const network = new cdk.PlatformNetwork(s, 'Network', { profile });
      const cluster = new cdk.PlatformCluster(s, 'Cluster', { network });
      const ingress = new cdk.PlatformLoadBalancer(s, 'Ingress', { network, certificateArn: CERT });
      for (const [id, props] of services(ingress)) new cdk.FargateWebService(s, id, { cluster, ...(props as any) });
    },
    cdktf: (s) => {
      const network = new cdktf.PlatformNetwork(s, 'Network', { profile });
      const cluster = new cdktf.PlatformCluster(s, 'Cluster', { network });
      const ingress = new cdktf.PlatformLoadBalancer(s, 'Ingress', { network, certificateArn: CERT });
      for (const [id, props] of services(ingress)) new cdktf.FargateWebService(s, id, { cluster, ...(props as any) });
    },
  };
}

/** The data tier: a service using a PostgreSQL database (grantConnect) and a sessions table (grantReadWriteData). */
function dataTier(profile: EnvironmentProfile): Pick<GoldenScenario, 'cdk' | 'cdktf'> {
  const sessions = {
    partitionKey: { name: 'pk', type: AttributeType.STRING },
    sortKey: { name: 'sk', type: AttributeType.STRING },
    globalSecondaryIndexes: [{ indexName: 'gsi1', partitionKey: { name: 'gsi1pk', type: AttributeType.STRING }, projection: ProjectionType.ALL }],
    timeToLiveAttribute: 'expiresAt',
  };
  return {
    cdk: (s) => {
      const network = new cdk.PlatformNetwork(s, 'Network', { profile });
      const cluster = new cdk.PlatformCluster(s, 'Cluster', { network });
      const api = new cdk.FargateWebService(s, 'Api', { cluster, image: NGINX, containerPort: 80 });
      new cdk.ManagedDatabase(s, 'MainDb', { network, databaseName: 'main' }).grantConnect(api);
      new cdk.ManagedTable(s, 'Sessions', { ...sessions, profile }).grantReadWriteData(api);
    },
    cdktf: (s) => {
      const network = new cdktf.PlatformNetwork(s, 'Network', { profile });
      const cluster = new cdktf.PlatformCluster(s, 'Cluster', { network });
      const api = new cdktf.FargateWebService(s, 'Api', { cluster, image: NGINX, containerPort: 80 });
      new cdktf.ManagedDatabase(s, 'MainDb', { network, databaseName: 'main' }).grantConnect(api);
      new cdktf.ManagedTable(s, 'Sessions', { ...sessions, profile }).grantReadWriteData(api);
    },
  };
}

/** FinOps guardrails: DEVELOPMENT with REPORT workflows; PRODUCTION with everything, alerts to a cluster's topic. */
function finOps(profile: EnvironmentProfile): Pick<GoldenScenario, 'cdk' | 'cdktf'> {
  const secret = (name: string) => `arn:aws:secretsmanager:eu-west-1:111122223333:secret:${name}-AbCdEf`;
  const production = profile === EnvironmentProfile.PRODUCTION;
  const options = {
    profile,
    budgets: [
      { name: 'daily', period: BudgetPeriod.DAILY, limitUsd: 1000 },
      { name: 'compute', limitUsd: 20000, costFilters: { Service: ['Amazon Elastic Compute Cloud - Compute'] } },
    ],
    notify: {
      emails: ['finops@example.com'],
      slack: { workspaceId: 'T0123ABCD', channelId: 'C0456EFGH' },
      ...(production ? {
        slackWebhookSecretArn: secret('slack'),
        jira: { baseUrl: 'https://example.atlassian.net', projectKey: 'OPS', credentialsSecretArn: secret('jira') },
      } : {}),
    },
    anomalyDetection: { minImpactUsd: 100 },
    idleInstances: production ? { mode: RemediationMode.STOP, lookbackDays: 14 } : {},
    unattachedVolumes: production ? { mode: RemediationMode.DELETE, graceDays: 14 } : {},
    budgetAction: production ? { denyLaunchOnRoleArns: ['arn:aws:iam::111122223333:role/developers'] } : undefined,
  };
  return {
    cdk: (s) => {
      const cluster = production ? new cdk.PlatformCluster(s, 'Cluster', { network: new cdk.PlatformNetwork(s, 'Network', { profile }) }) : undefined;
      new cdk.FinOpsGuardrails(s, 'FinOps', { ...options, alertsTopic: cluster?.alertsTopic });
    },
    cdktf: (s) => {
      const cluster = production ? new cdktf.PlatformCluster(s, 'Cluster', { network: new cdktf.PlatformNetwork(s, 'Network', { profile }) }) : undefined;
      new cdktf.FinOpsGuardrails(s, 'FinOps', { ...options, alertsTopic: cluster?.alertsTopic });
    },
  };
}

/** Teleport on a shared HTTPS load balancer, with a PostgreSQL database and a web service registered. */
export function teleport(profile: EnvironmentProfile): Pick<GoldenScenario, 'cdk' | 'cdktf'> {
  const options = {
    domainName: 'teleport.example.com',
    clusterName: 'platform',
    certificateArn: 'arn:aws:acm:eu-west-1:111122223333:certificate/66666666-7777-8888-9999-000000000000',
    github: {
      clientId: 'Iv1.0123456789abcdef',
      clientSecretArn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:teleport/github-AbCdEf',
      organization: 'my-org',
      teamsToRoles: [{ team: 'platform', roles: ['access', 'editor', 'db-main-db', 'platform-apps'] }, { team: 'security', roles: ['auditor'] }],
    },
  };
  const api = { image: NGINX, containerPort: 80, routing: { pathPatterns: ['/*'], priority: 100 } };
  return {
    cdk: (s) => {
      const network = new cdk.PlatformNetwork(s, 'Network', { profile });
      const cluster = new cdk.PlatformCluster(s, 'Cluster', { network });
      const ingress = new cdk.PlatformLoadBalancer(s, 'Ingress', { network, certificateArn: CERT, idleTimeoutSeconds: 350 });
      const db = new cdk.ManagedDatabase(s, 'MainDb', { network, databaseName: 'main' });
      const service = new cdk.FargateWebService(s, 'Api', { cluster, loadBalancer: ingress, ...api });
      const teleportCluster = new cdk.TeleportCluster(s, 'Teleport', { cluster, loadBalancer: ingress, ...options });
      teleportCluster.addDatabase(db, { name: 'main-db', users: ['app_readonly'] });
      teleportCluster.addApp(service, { name: 'api' });
    },
    cdktf: (s) => {
      const network = new cdktf.PlatformNetwork(s, 'Network', { profile });
      const cluster = new cdktf.PlatformCluster(s, 'Cluster', { network });
      const ingress = new cdktf.PlatformLoadBalancer(s, 'Ingress', { network, certificateArn: CERT, idleTimeoutSeconds: 350 });
      const db = new cdktf.ManagedDatabase(s, 'MainDb', { network, databaseName: 'main' });
      const service = new cdktf.FargateWebService(s, 'Api', { cluster, loadBalancer: ingress, ...api });
      const teleportCluster = new cdktf.TeleportCluster(s, 'Teleport', { cluster, loadBalancer: ingress, ...options });
      teleportCluster.addDatabase(db, { name: 'main-db', users: ['app_readonly'] });
      teleportCluster.addApp(service, { name: 'api' });
    },
  };
}

/** A container repository and a deploy role that may push to it. */
export function containerRepository(profile: EnvironmentProfile): Pick<GoldenScenario, 'cdk' | 'cdktf'> {
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'sts:AssumeRole' }] };
  return {
    cdk: (s) => {
      const repo = new cdk.ContainerRepository(s, 'AppRepo', { profile });
      repo.grantPush(new iam.Role(s, 'Deployer', { assumedBy: new iam.AccountPrincipal('111122223333') }));
    },
    cdktf: (s) => {
      const repo = new cdktf.ContainerRepository(s, 'AppRepo', { profile });
      repo.grantPush(new IamRole(s, 'Deployer', { assumeRolePolicy: JSON.stringify(trust) }));
    },
  };
}

/** The delivery path: a repository, a service and the GitHub deploy role for both. */
export function deliveryPath(): Pick<GoldenScenario, 'cdk' | 'cdktf'> {
  const options = { repository: 'my-org/my-app', branches: ['main'], environments: ['production'] };
  return {
    cdk: (s) => {
      const cluster = new cdk.PlatformCluster(s, 'Cluster', { network: new cdk.PlatformNetwork(s, 'Network') });
      const repo = new cdk.ContainerRepository(s, 'AppRepo');
      const api = new cdk.FargateWebService(s, 'Api', { cluster, image: NGINX, containerPort: 80 });
      new cdk.GitHubDeployRole(s, 'Deploy', { ...options, services: [api], containerRepositories: [repo] });
    },
    cdktf: (s) => {
      const cluster = new cdktf.PlatformCluster(s, 'Cluster', { network: new cdktf.PlatformNetwork(s, 'Network') });
      const repo = new cdktf.ContainerRepository(s, 'AppRepo');
      const api = new cdktf.FargateWebService(s, 'Api', { cluster, image: NGINX, containerPort: 80 });
      new cdktf.GitHubDeployRole(s, 'Deploy', { ...options, services: [api], containerRepositories: [repo] });
    },
  };
}

/** The DevOps Agent space watching a service: GitHub and Slack associations, the service's alarms start investigations. */
export function devOpsAgent(profile: EnvironmentProfile): Pick<GoldenScenario, 'cdk' | 'cdktf'> {
  const options = {
    name: 'platform',
    profile,
    github: { serviceId: 'github-svc-1', owner: 'my-org', repository: 'my-app', repositoryId: '123456789' },
    slack: { serviceId: 'slack-svc-1', workspaceId: 'T0123ABCD', workspaceName: 'my-org', channelId: 'C0123ABCD' },
  };
  return {
    cdk: (s) => {
      const cluster = new cdk.PlatformCluster(s, 'Cluster', { network: new cdk.PlatformNetwork(s, 'Network', { profile }) });
      const api = new cdk.FargateWebService(s, 'Api', { cluster, image: NGINX, containerPort: 80 });
      new cdk.DevOpsAgentSpace(s, 'Agent', options).investigateAlarms(api);
    },
    cdktf: (s) => {
      const cluster = new cdktf.PlatformCluster(s, 'Cluster', { network: new cdktf.PlatformNetwork(s, 'Network', { profile }) });
      const api = new cdktf.FargateWebService(s, 'Api', { cluster, image: NGINX, containerPort: 80 });
      new cdktf.DevOpsAgentSpace(s, 'Agent', { ...options, monitor: { tags: { platform: 'golden' } } }).investigateAlarms(api);
    },
  };
}

/** A worker using a database and a table through grants, with a health check, scaling and a secret. */
export function workerService(profile: EnvironmentProfile): Pick<GoldenScenario, 'cdk' | 'cdktf'> {
  const worker = {
    image: NODE,
    command: ['node', '-e', 'setInterval(() => console.log("tick"), 60000)'],
    healthCheck: { command: ['CMD-SHELL', 'test -d /proc/1'] },
    autoScaling: { minCapacity: 1, maxCapacity: 4 },
    secrets: { TOKEN: { secretsManagerArn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:queue-token-AbCdEf' } },
  };
  const jobs = { partitionKey: { name: 'id', type: AttributeType.STRING } };
  return {
    cdk: (s) => {
      const network = new cdk.PlatformNetwork(s, 'Network', { profile });
      const cluster = new cdk.PlatformCluster(s, 'Cluster', { network });
      const service = new cdk.FargateWorkerService(s, 'Worker', { cluster, ...worker });
      new cdk.ManagedDatabase(s, 'Db', { network }).grantConnect(service);
      new cdk.ManagedTable(s, 'Jobs', jobs).grantReadWriteData(service);
    },
    cdktf: (s) => {
      const network = new cdktf.PlatformNetwork(s, 'Network', { profile });
      const cluster = new cdktf.PlatformCluster(s, 'Cluster', { network });
      const service = new cdktf.FargateWorkerService(s, 'Worker', { cluster, ...worker });
      new cdktf.ManagedDatabase(s, 'Db', { network }).grantConnect(service);
      new cdktf.ManagedTable(s, 'Jobs', jobs).grantReadWriteData(service);
    },
  };
}

/**
 * A platform spec (SpecPlatform): every construct it names and their logical IDs / addresses, which an
 * upgrade must keep (a database or table renamed in the tree would be replaced). Inline, not the example's
 * files: the example may change; this baseline may not.
 */
export function platformSpec(profile: 'development' | 'production'): Pick<GoldenScenario, 'cdk' | 'cdktf'> {
  const spec = () => PlatformSpec.fromSources([{
    file: 'platform.yaml',
    content: [
      'platform: { name: golden, region: eu-west-1, profile: ' + profile + ' }',
      'defaults: { cpu: 256, memory: 512, healthCheck: { path: /health } }',
      'certificates:',
      '  app-cert: { domain: app.example.com, subjectAlternativeNames: ["*.app.example.com"], hostedZoneId: Z0123456789ABCDEFGHIJ }',
      'loadBalancer: { certificate: app-cert }',
      'services:',
      `  api: { image: ${NODE}, command: ${JSON.stringify(nodeHttpServer(3000))}, port: 3000, routing: { pathPatterns: ["/*"], priority: 100 } }`,
      `  jobs: { type: worker, image: ${NODE}, command: [node, -e, "setInterval(() => 0, 60000)"] }`,
      'databases:',
      '  main-db: { allowedServices: [api, jobs] }',
      'tables:',
      '  sessions: { hashKey: { name: pk, type: S }, ttl: { attribute: expiresAt }, allowedServices: { read: [api], write: [api, jobs] } }',
    ].join('\n'),
  }]);
  return {
    cdk: (s) => new cdk.SpecPlatform(s, 'Platform', { spec: spec() }),
    cdktf: (s) => new cdktf.SpecPlatform(s, 'Platform', { spec: spec() }),
  };
}

export const SCENARIOS: GoldenScenario[] = [
  {
    name: 'platform-network/development',
    cdk: (s) => new cdk.PlatformNetwork(s, 'Network'),
    cdktf: (s) => new cdktf.PlatformNetwork(s, 'Network'),
  },
  {
    name: 'platform-network/production',
    cdk: (s) => new cdk.PlatformNetwork(s, 'Network', { profile: EnvironmentProfile.PRODUCTION, maxAzs: 3 }),
    cdktf: (s) => new cdktf.PlatformNetwork(s, 'Network', { profile: EnvironmentProfile.PRODUCTION, maxAzs: 3 }),
  },
  { name: 'web-tier/development', ...webTier(EnvironmentProfile.DEVELOPMENT) },
  { name: 'web-tier/production', ...webTier(EnvironmentProfile.PRODUCTION) },
  { name: 'data-tier/development', ...dataTier(EnvironmentProfile.DEVELOPMENT) },
  { name: 'data-tier/production', ...dataTier(EnvironmentProfile.PRODUCTION) },
  { name: 'finops-guardrails/development', ...finOps(EnvironmentProfile.DEVELOPMENT) },
  { name: 'finops-guardrails/production', ...finOps(EnvironmentProfile.PRODUCTION) },
  { name: 'teleport-cluster/development', ...teleport(EnvironmentProfile.DEVELOPMENT) },
  { name: 'teleport-cluster/production', ...teleport(EnvironmentProfile.PRODUCTION) },
  { name: 'container-repository/development', ...containerRepository(EnvironmentProfile.DEVELOPMENT) },
  { name: 'container-repository/production', ...containerRepository(EnvironmentProfile.PRODUCTION) },
  { name: 'github-deploy-role/delivery-path', ...deliveryPath() },
  { name: 'devops-agent-space/development', ...devOpsAgent(EnvironmentProfile.DEVELOPMENT) },
  { name: 'devops-agent-space/production', ...devOpsAgent(EnvironmentProfile.PRODUCTION) },
  { name: 'fargate-worker-service/development', ...workerService(EnvironmentProfile.DEVELOPMENT) },
  { name: 'fargate-worker-service/production', ...workerService(EnvironmentProfile.PRODUCTION) },
  { name: 'platform-spec/development', ...platformSpec('development') },
  { name: 'platform-spec/production', ...platformSpec('production') },
];
