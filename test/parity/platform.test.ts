import { buildCdk, buildTf, PARAM, PARAM_KEY, SECRET } from './web-scenario';
import { normaliseCfnPlatform, normaliseTfPlatform } from '../helpers/parity-platform';
import { EnvironmentProfile } from 'ecs-platform-constructs';

describe.each([EnvironmentProfile.DEVELOPMENT, EnvironmentProfile.PRODUCTION])(
  'PlatformCluster, PlatformLoadBalancer, FargateWebService parity (%s)',
  (profile) => {
    const cfn = normaliseCfnPlatform(buildCdk(profile));
    const tf = normaliseTfPlatform(buildTf(profile));

    test('the cluster: insights, capacity providers, exec logging, encrypted alerts, topic and key policies', () => {
      expect(tf.cluster).toEqual(cfn.cluster);
    });

    test('the load balancers: listeners, default actions, attributes, ingress, ordering, access-log policy by region', () => {
      expect(tf.loadBalancers).toEqual(cfn.loadBalancers);
    });

    test.each(['Frontend', 'Api', 'FinOps', 'Worker'])('service %s: sizes, health checks, routing, ingress, alarms, scaling, ordering, IAM documents, retention', (name) => {
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
      // Autoscaled: the scaler owns the count (desiredCount 3 only sets the minimum's default).
      desiredCount: 'scaler',
      waitsFor: { listenerOrRule: true, rolePolicies: true },
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
    const sourceConditions = (source: string) => `{"ArnLike":{"aws:SourceArn":"${source}"},"StringEquals":{"aws:SourceAccount":"111122223333"}}`;
    expect(api.executionRoleGrants.trust).toEqual([
      `Allow sts:AssumeRole to {"Service":"ecs-tasks.amazonaws.com"} if ${sourceConditions('arn:aws:ecs:eu-west-1:111122223333:*')}`,
    ]);
    expect(api.executionRoleGrants.grants).toEqual(expect.arrayContaining([
      // The log streams (CloudFormation's Arn attribute ends in ':*'; Terraform's arn gets it appended).
      'Allow logs:CreateLogStream on <loggroup:ApiLogGroup.arn>:*',
      'Allow logs:PutLogEvents on <loggroup:ApiLogGroup.arn>:*',
      `Allow kms:Decrypt on ${PARAM_KEY} if {"StringEquals":{"kms:ViaService":"ssm.eu-west-1.amazonaws.com"}}`,
    ]));
    expect(api.taskRoleGrants.grants).toContain('Allow logs:PutLogEvents on <loggroup:ClusterExecLogGroup.arn>:*');
  });

  test('the alerts topic admits this account\'s alarms, and its key lets them encrypt', () => {
    expect(n.cluster.alertsTopicPolicy).toEqual([
      'Allow sns:Publish on <topic:ClusterAlertsTopic.arn> to {"Service":"cloudwatch.amazonaws.com"} if '
        + '{"ArnLike":{"aws:SourceArn":"arn:aws:cloudwatch:eu-west-1:111122223333:alarm:*"},"StringEquals":{"aws:SourceAccount":"111122223333"}}',
      'Deny sns:Publish on <topic:ClusterAlertsTopic.arn> to {"AWS":"*"} if {"Bool":{"aws:SecureTransport":"false"}}',
    ]);
    expect(n.cluster.keyPolicy).toEqual(expect.arrayContaining([
      expect.stringMatching(/^Allow kms:GenerateDataKey\* on \* to \{"Service":"cloudwatch\.amazonaws\.com"\} if .*"aws:SourceAccount":"111122223333"/),
      expect.stringMatching(/^Allow kms:Decrypt on \* to \{"Service":"cloudwatch\.amazonaws\.com"\}/),
    ]));
  });

  test('the load balancers come after the internet gateway, and log delivery works in old and new regions alike', () => {
    expect(n.loadBalancers.Ingress.afterInternetGateway).toBe(true);
    const delivery = (region: string) => n.loadBalancers.Ingress.accessLogPolicy[region].filter((g: string) => g.includes('s3:PutObject'));
    expect(delivery('us-east-1')).toEqual(['Allow s3:PutObject on <bucket:IngressAccessLogs.arn>/alb/AWSLogs/111122223333/* to '
      + '{"AWS":"arn:aws:iam::127311923021:root","Service":"logdelivery.elasticloadbalancing.amazonaws.com"}']);
    expect(delivery('ap-south-2')).toEqual(['Allow s3:PutObject on <bucket:IngressAccessLogs.arn>/alb/AWSLogs/111122223333/* to '
      + '{"Service":"logdelivery.elasticloadbalancing.amazonaws.com"}']);
  });

  test('Frontend runs on Spot in DEVELOPMENT with one on-demand base task; FinOps has its own load balancer', () => {
    expect(n.services.Frontend.capacityProviderStrategy).toHaveLength(2);
    expect(n.services.Frontend.capacityProviderStrategy).toEqual(expect.arrayContaining([
      { provider: 'FARGATE', base: 1, weight: 0 }, { provider: 'FARGATE_SPOT', base: 0, weight: 1 },
    ]));
    expect(n.services.FinOps.targetGroup.loadBalancer).toBe('FinOps');
    expect(n.loadBalancers.FinOps.listeners).toEqual([{ port: 80, protocol: 'HTTP', default: 'forward FinOps' }]);
    // Its own load balancer is internal, in the private subnets, open to the CIDRs given; the task runs on Graviton, off Spot.
    expect(n.loadBalancers.FinOps).toMatchObject({ internetFacing: false, subnetTier: ['private'], ingress: ['80 from 10.0.0.0/16', '80 from 192.168.0.0/24'] });
    expect(n.loadBalancers.Ingress).toMatchObject({ internetFacing: true, subnetTier: ['public'] });
    expect(n.services.FinOps).toMatchObject({
      runtime: 'LINUX/ARM64',
      ephemeralStorageGiB: 30,
      gracePeriod: 90,
      container: { entryPoint: ['httpd-foreground'] },
      targetGroup: { deregistrationDelaySeconds: 5 },
      capacityProviderStrategy: [{ provider: 'FARGATE', base: 0, weight: 1 }],
    });
    expect(n.loadBalancers.Ingress.ingress).toEqual(['443 from 0.0.0.0/0', '80 from 0.0.0.0/0']);
    expect(n.loadBalancers.Ingress.listeners.map((l: any) => l.default)).toEqual(expect.arrayContaining(['fixed 404', 'redirect HTTPS:443 HTTP_301']));
  });

  test('Worker: the same task, roles and scaling without a load balancer; no inbound; CPU, memory and error-log alarms; a container health check', () => {
    const worker = n.services.Worker;
    expect(worker).toMatchObject({
      cpu: 512,
      memoryMiB: 1024,
      desiredCount: 'scaler',
      waitsFor: { listenerOrRule: 'no load balancer', rolePolicies: true },
      execEnabled: true,
      publicIp: false,
      subnets: 2,
      ingress: [],
      loadBalancerEgress: [],
      autoScaling: { min: 1, max: 4, policies: ['ECSServiceAverageCPUUtilization 70'] },
      deployment: { minimumHealthyPercent: 100, maximumPercent: 200, alarms: [], circuitBreaker: { Enable: true, Rollback: true } },
      container: {
        name: 'web',
        ports: undefined,
        environment: [{ name: 'QUEUE', value: 'jobs' }],
        healthCheck: { command: ['CMD-SHELL', 'test -d /proc/1 || exit 1'], interval: 20, timeout: 4, retries: 4, startPeriod: 60 },
      },
      log: { retentionDays: 30, encrypted: true },
    });
    expect(worker.targetGroup).toBeUndefined();
    expect(worker.gracePeriod).toBeUndefined();
    expect(Object.keys(worker.alarms).sort()).toEqual(['Cpu', 'ErrorLogs', 'Memory']);
    expect(worker.alarms.Memory).toMatchObject({ threshold: 90, dimensions: ['ClusterName', 'ServiceName'], actions: 1, okActions: 1 });
    expect(worker.alarms.ErrorLogs).toMatchObject({ threshold: 3, metric: 'ErrorLogLines-<path>', dimensions: [] });
    expect(worker.executionRole['secretsmanager:GetSecretValue']).toEqual([SECRET]);
  });
});
