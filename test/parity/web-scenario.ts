/**
 * One platform built the same way in both engines, for the parity tests of
 * PlatformCluster, PlatformLoadBalancer and FargateWebService: a shared HTTPS
 * load balancer with two path-routed services, a service with its own, and a
 * worker (FargateWorkerService) without one.
 */
import { cdkStack, cdkTemplate } from '../helpers/cdk';
import { HTTPD, NGINX, NODE, nodeHttpServer } from '../helpers/images';
import { tfStack, tfSynthFull, TfJson } from '../helpers/terraform';
import { CpuArchitecture, EnvironmentProfile } from 'ecs-platform-constructs';
import * as cdk from 'ecs-platform-constructs/cdk';
import * as cdktf from 'ecs-platform-constructs/cdktf';

export const CERT = 'arn:aws:acm:eu-west-1:111122223333:certificate/11111111-2222-3333-4444-555555555555';
export const SECRET = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:api-db-AbCdEf';
export const PARAM = 'arn:aws:ssm:eu-west-1:111122223333:parameter/api/key';
export const PARAM_KEY = 'arn:aws:kms:eu-west-1:111122223333:key/11111111-2222-3333-4444-555555555555';

/** The service options, keyed by construct ID; `shared` ones sit on the Ingress load balancer. */
export const SERVICES = {
  Frontend: { shared: true, options: { image: NGINX, containerPort: 80, routing: { pathPatterns: ['/*'], priority: 100 } } },
  Api: {
    shared: true,
    options: {
      image: NODE,
      command: nodeHttpServer(3000),
      containerPort: 3000,
      cpu: 512,
      memoryMiB: 1024,
      desiredCount: 3,
      healthCheck: { path: '/health', intervalSeconds: 15, timeoutSeconds: 4, command: ['CMD-SHELL', 'wget -qO- http://localhost:3000/health || exit 1'] },
      autoScaling: { minCapacity: 2, maxCapacity: 6, cpuTargetPercent: 60, memoryTargetPercent: 75 },
      alarms: { cpuPercent: 85, http5xxCount: 5, evaluationPeriods: 3 },
      routing: { pathPatterns: ['/api/*'], hostHeaders: ['api.example.com'], priority: 10 },
      environment: { LOG_LEVEL: 'info' },
      secrets: { DB_PASSWORD: { secretsManagerArn: SECRET, jsonKey: 'password' }, API_KEY: { ssmParameterArn: PARAM, kmsKeyArn: PARAM_KEY } },
      spot: false,
    },
  },
  FinOps: {
    shared: false,
    options: {
      image: HTTPD,
      containerPort: 80,
      logRetentionDays: 90,
      cpuArchitecture: CpuArchitecture.ARM64,
      entryPoint: ['httpd-foreground'],
      ephemeralStorageGiB: 30,
      healthCheckGracePeriodSeconds: 90,
      deregistrationDelaySeconds: 5,
      loadBalancerOptions: { internal: true, allowedCidrs: ['10.0.0.0/16', '192.168.0.0/24'] },
    },
  },
} as const;

/** A worker beside the web services (FargateWorkerService: no load balancer), using the same kinds of options. */
export const WORKER = {
  image: NODE,
  command: ['node', '-e', 'setInterval(() => console.log("tick"), 60000)'],
  cpu: 512,
  memoryMiB: 1024,
  healthCheck: { command: ['CMD-SHELL', 'test -d /proc/1 || exit 1'], intervalSeconds: 20, timeoutSeconds: 4, unhealthyThreshold: 4 },
  autoScaling: { minCapacity: 1, maxCapacity: 4, cpuTargetPercent: 70 },
  alarms: { memoryPercent: 90, errorLogCount: 3 },
  environment: { QUEUE: 'jobs' },
  secrets: { TOKEN: { secretsManagerArn: SECRET } },
};

export function buildCdk(profile: EnvironmentProfile): Record<string, any> {
  const { stack } = cdkStack('Parity');
  const network = new cdk.PlatformNetwork(stack, 'Network', { profile, availabilityZones: ['eu-west-1a', 'eu-west-1b'] });
  const cluster = new cdk.PlatformCluster(stack, 'Cluster', { network });
  const ingress = new cdk.PlatformLoadBalancer(stack, 'Ingress', { network, certificateArn: CERT });
  for (const [id, s] of Object.entries(SERVICES)) {
    new cdk.FargateWebService(stack, id, { cluster, ...(s.shared ? { loadBalancer: ingress } : {}), ...(s.options as any) });
  }
  new cdk.FargateWorkerService(stack, 'Worker', { cluster, ...WORKER });
  return cdkTemplate(stack).toJSON();
}

export function buildTf(profile: EnvironmentProfile): TfJson {
  const { stack } = tfStack('parity');
  const network = new cdktf.PlatformNetwork(stack, 'Network', { profile, availabilityZones: ['eu-west-1a', 'eu-west-1b'] });
  const cluster = new cdktf.PlatformCluster(stack, 'Cluster', { network });
  const ingress = new cdktf.PlatformLoadBalancer(stack, 'Ingress', { network, certificateArn: CERT });
  for (const [id, s] of Object.entries(SERVICES)) {
    new cdktf.FargateWebService(stack, id, { cluster, ...(s.shared ? { loadBalancer: ingress } : {}), ...(s.options as any) });
  }
  new cdktf.FargateWorkerService(stack, 'Worker', { cluster, ...WORKER });
  return tfSynthFull(stack);
}
