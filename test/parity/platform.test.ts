import { buildCdk, buildTf, PARAM, SECRET } from './web-scenario';
import { normaliseCfnPlatform, normaliseTfPlatform } from '../helpers/parity-platform';
import { EnvironmentProfile } from 'ecs-platform-constructs';

describe.each([EnvironmentProfile.DEVELOPMENT, EnvironmentProfile.PRODUCTION])(
  'PlatformCluster, PlatformLoadBalancer, FargateWebService parity (%s)',
  (profile) => {
    const cfn = normaliseCfnPlatform(buildCdk(profile));
    const tf = normaliseTfPlatform(buildTf(profile));

    test('the cluster: insights, capacity providers, exec logging, encrypted alerts', () => {
      expect(tf.cluster).toEqual(cfn.cluster);
    });

    test('the load balancers: listeners, default actions, attributes, ingress', () => {
      expect(tf.loadBalancers).toEqual(cfn.loadBalancers);
    });

    test.each(['Frontend', 'Api', 'FinOps'])('service %s: sizes, health checks, routing, ingress, alarms, scaling, IAM, retention', (name) => {
      expect(tf.services[name]).toEqual(cfn.services[name]);
    });
  },
);

describe('the normalised form describes the behaviour (guards against both engines being wrong alike)', () => {
  const n = normaliseCfnPlatform(buildCdk(EnvironmentProfile.DEVELOPMENT));

  test('Api: sizes, health check, routing on the shared HTTPS listener, scaling, alarms', () => {
    const api = n.services.Api;
    expect(api).toMatchObject({
      cpu: 512,
      memoryMiB: 1024,
      desiredCount: 3,
      execEnabled: true,
      publicIp: false,
      subnets: 2,
      targetGroup: {
        port: 3000,
        targetType: 'ip',
        loadBalancer: 'Ingress',
        healthCheck: { path: '/health', interval: 15, timeout: 4, healthy: 2, unhealthy: 3, matcher: '200-399' },
      },
      routing: [{ priority: 10, listenerPort: 443, paths: ['/api/*'], hosts: ['api.example.com'] }],
      ingress: ['3000 from load balancer'],
      loadBalancerEgress: [3000],
      autoScaling: { min: 2, max: 6, policies: ['ECSServiceAverageCPUUtilization 60', 'ECSServiceAverageMemoryUtilization 75'] },
      deployment: { minimumHealthyPercent: 100, maximumPercent: 200, alarms: ['Http5xx', 'UnhealthyHosts'], alarmsRollback: true },
      capacityProviderStrategy: [{ provider: 'FARGATE', base: 0, weight: 1 }],
      log: { retentionDays: 30, encrypted: true },
    });
    expect(api.alarms.Cpu).toMatchObject({ threshold: 85, evaluationPeriods: 3, dimensions: ['ClusterName', 'ServiceName'] });
    expect(api.alarms.Http5xx).toMatchObject({ threshold: 5, dimensions: ['LoadBalancer', 'TargetGroup'] });
    expect(api.alarms.UnhealthyHosts).toMatchObject({ threshold: 0, statistic: 'Maximum' });
    expect(api.executionRole['secretsmanager:GetSecretValue']).toEqual([SECRET]);
    expect(api.executionRole['ssm:GetParameters']).toEqual([PARAM]);
  });

  test('Frontend runs on Spot in DEVELOPMENT with one on-demand base task; FinOps has its own load balancer', () => {
    expect(n.services.Frontend.capacityProviderStrategy).toHaveLength(2);
    expect(n.services.Frontend.capacityProviderStrategy).toEqual(expect.arrayContaining([
      { provider: 'FARGATE', base: 1, weight: 0 }, { provider: 'FARGATE_SPOT', base: 0, weight: 1 },
    ]));
    expect(n.services.FinOps.targetGroup.loadBalancer).toBe('FinOps');
    expect(n.loadBalancers.FinOps.listeners).toEqual([{ port: 80, protocol: 'HTTP', default: 'forward FinOps' }]);
    expect(n.loadBalancers.FinOps.ingress).toEqual(['80 from 0.0.0.0/0']);
    expect(n.loadBalancers.Ingress.ingress).toEqual(['443 from 0.0.0.0/0', '80 from 0.0.0.0/0']);
    expect(n.loadBalancers.Ingress.listeners.map((l: any) => l.default)).toEqual(expect.arrayContaining(['fixed 404', 'redirect HTTPS:443 HTTP_301']));
  });
});
