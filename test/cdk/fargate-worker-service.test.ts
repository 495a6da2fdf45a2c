import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { cdkStack, formatFindings } from '../helpers/cdk';
import { cdkGatesAndTemplate } from '../helpers/cdk-gates';
import { NGINX, NODE } from '../helpers/images';
import { AttributeType, EnvironmentProfile } from 'ecs-platform-constructs';
import {
  FargateWebService,
  FargateWorkerService,
  ManagedDatabase,
  ManagedTable,
  PlatformCluster,
  PlatformNetwork,
} from 'ecs-platform-constructs/cdk';

const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:queue-token-AbCdEf';
const WORKER_COMMAND = ['node', '-e', 'setInterval(() => console.log("tick"), 60000)'];

function platform(profile?: EnvironmentProfile) {
  const { app, stack } = cdkStack();
  const network = new PlatformNetwork(stack, 'Network', { profile });
  const cluster = new PlatformCluster(stack, 'Cluster', { network });
  return { app, stack, network, cluster };
}

function only(t: Template, type: string): any {
  const all = Object.values(t.findResources(type));
  expect(all).toHaveLength(1);
  return all[0];
}

describe('FargateWorkerService (AWS CDK)', () => {
  describe('GIVEN an image and a command (DEVELOPMENT)', () => {
    let t: Template;
    let findings: string;
    let worker: FargateWorkerService;

    beforeAll(() => {
      const p = platform();
      worker = new FargateWorkerService(p.stack, 'Worker', { cluster: p.cluster, image: NODE, command: WORKER_COMMAND });
      const gated = cdkGatesAndTemplate(p.app, p.stack);
      t = gated.template;
      findings = formatFindings(gated.findings);
    });

    test('THEN the quality gates (cdk-nag + Control Tower) report nothing unacknowledged', () => {
      expect(findings).toBe('');
    });

    test('THEN a service and task with no load balancer, target group or port', () => {
      t.resourceCountIs('AWS::ECS::Service', 1);
      t.resourceCountIs('AWS::ElasticLoadBalancingV2::LoadBalancer', 0);
      t.resourceCountIs('AWS::ElasticLoadBalancingV2::TargetGroup', 0);
      const service = only(t, 'AWS::ECS::Service').Properties;
      expect(service.LoadBalancers).toBeUndefined();
      expect(service.HealthCheckGracePeriodSeconds).toBeUndefined();
      const [container] = only(t, 'AWS::ECS::TaskDefinition').Properties.ContainerDefinitions;
      expect(container.PortMappings).toBeUndefined();
      expect(container.Command).toEqual(WORKER_COMMAND);
    });

    test('THEN the web service\'s defaults: 256/512, 2 tasks, Spot with an on-demand base, circuit breaker, ECS Exec, private subnets', () => {
      t.hasResourceProperties('AWS::ECS::TaskDefinition', { Cpu: '256', Memory: '512' });
      t.hasResourceProperties('AWS::ECS::Service', {
        DesiredCount: 2,
        EnableExecuteCommand: true,
        CapacityProviderStrategy: [
          { CapacityProvider: 'FARGATE', Base: 1, Weight: 0 },
          { CapacityProvider: 'FARGATE_SPOT', Base: 0, Weight: 1 },
        ],
        DeploymentConfiguration: Match.objectLike({ DeploymentCircuitBreaker: { Enable: true, Rollback: true } }),
        NetworkConfiguration: { AwsvpcConfiguration: Match.objectLike({ AssignPublicIp: 'DISABLED' }) },
      });
    });

    test('THEN its security group admits nothing and may reach out', () => {
      const group = only(t, 'AWS::EC2::SecurityGroup').Properties;
      expect(group.GroupDescription).toBe('Service Test/Worker: no inbound');
      expect(group.SecurityGroupIngress).toBeUndefined();
      expect(group.SecurityGroupEgress).toEqual([expect.objectContaining({ CidrIp: '0.0.0.0/0', IpProtocol: '-1' })]);
      t.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
    });

    test('THEN three alarms (CPU, memory, error log lines) to the cluster\'s alerts topic, none of them a deployment alarm', () => {
      expect(worker.alarmNames).toEqual(['Test/Worker/CpuAlarm', 'Test/Worker/MemoryAlarm', 'Test/Worker/ErrorLogsAlarm']);
      t.resourceCountIs('AWS::CloudWatch::Alarm', 3);
      for (const alarm of Object.values(t.findResources('AWS::CloudWatch::Alarm')) as any[]) {
        expect(alarm.Properties.AlarmActions).toHaveLength(1);
        expect(alarm.Properties.OKActions).toEqual(alarm.Properties.AlarmActions);
      }
      const service = only(t, 'AWS::ECS::Service').Properties;
      expect(service.DeploymentConfiguration.Alarms).toEqual({ AlarmNames: [], Enable: false, Rollback: false });
      t.resourceCountIs('AWS::Logs::MetricFilter', 1);
    });
  });

  test('GIVEN a health check, autoscaling, secrets and a topic THEN the container check, the scaler and exactly those grants', () => {
    const p = platform(EnvironmentProfile.PRODUCTION);
    const topic = new sns.Topic(p.stack, 'Pager');
    new FargateWorkerService(p.stack, 'Worker', {
      cluster: p.cluster,
      image: NGINX,
      healthCheck: { command: ['CMD-SHELL', 'test -f /tmp/alive'], intervalSeconds: 20, unhealthyThreshold: 4 },
      autoScaling: { minCapacity: 1, maxCapacity: 5, cpuTargetPercent: 65 },
      secrets: { TOKEN: { secretsManagerArn: SECRET_ARN } },
      alarmTopic: topic,
    });
    const t = Template.fromStack(p.stack);
    const [container] = only(t, 'AWS::ECS::TaskDefinition').Properties.ContainerDefinitions;
    expect(container.HealthCheck).toEqual({ Command: ['CMD-SHELL', 'test -f /tmp/alive'], Interval: 20, Timeout: 5, Retries: 4, StartPeriod: 60 });
    expect(container.Secrets).toEqual([{ Name: 'TOKEN', ValueFrom: SECRET_ARN }]);
    expect(only(t, 'AWS::ECS::Service').Properties.DesiredCount).toBeUndefined();
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 1, MaxCapacity: 5 });
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({ TargetValue: 65 }),
    });
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'secretsmanager:GetSecretValue', Resource: SECRET_ARN })]) },
    });
    // PRODUCTION keeps the log a year and retains it on deletion.
    t.hasResource('AWS::Logs::LogGroup', { DeletionPolicy: 'Retain', Properties: Match.objectLike({ RetentionInDays: 365 }) });
    for (const alarm of Object.values(t.findResources('AWS::CloudWatch::Alarm')) as any[]) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: Stack.of(topic).getLogicalId(topic.node.defaultChild as sns.CfnTopic) }]);
    }
  });

  test('GIVEN a database and a table THEN the worker is granted like a web service (security group, secret, task role, environment)', () => {
    const p = platform();
    const worker = new FargateWorkerService(p.stack, 'Worker', { cluster: p.cluster, image: NODE, command: WORKER_COMMAND });
    const db = new ManagedDatabase(p.stack, 'Db', { network: p.network });
    const table = new ManagedTable(p.stack, 'Jobs', { partitionKey: { name: 'id', type: AttributeType.STRING } });
    db.grantConnect(worker);
    table.grantReadWriteData(worker);
    const t = Template.fromStack(p.stack);
    const [container] = only(t, 'AWS::ECS::TaskDefinition').Properties.ContainerDefinitions;
    expect(container.Environment.map((e: any) => e.Name).sort()).toEqual(['DB_HOST', 'DB_NAME', 'DB_PORT', 'JOBS_TABLE']);
    expect(container.Secrets.map((s: any) => s.Name).sort()).toEqual(['DB_PASSWORD', 'DB_USERNAME']);
    t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { FromPort: 5432, ToPort: 5432 });
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: Match.arrayWith(['dynamodb:PutItem']) })]) },
    });
  });

  test('GIVEN web-only props, wrong types and the other engine\'s props THEN one error lists them all', () => {
    const p = platform();
    expect(() => new FargateWorkerService(p.stack, 'Worker', {
      cluster: p.cluster,
      image: NGINX,
      containerPort: 8080,
      routing: { priority: 1 },
      cpu: 'big',
      alarmTopicArn: 'arn:aws:sns:eu-west-1:111122223333:alerts',
      healthCheck: { intervalSeconds: 10 },
      containerImage: ecs.ContainerImage.fromRegistry(NGINX),
    } as any)).toThrow(new RegExp([
      'Invalid props for FargateWorkerService at \'Test/Worker\' \\(6 problems\\)',
      '- containerPort: got 8080; unknown prop: containerPort is a FargateWebService prop',
      '- routing: .*unknown prop: routing is a FargateWebService prop',
      '- cpu: got "big"; expected',
      '- alarmTopicArn: .*takes alarmTopic',
      '- healthCheck.command: got undefined; expected .*\\(required\\)',
      '- containerImage: .*either image or containerImage',
    ].map((l) => `${l}[^]*`).join('')));
  });

  test('a worker is not a FargateWebService: a shared-load-balancer prop or a web service\'s method has no place on it', () => {
    const p = platform();
    const worker = new FargateWorkerService(p.stack, 'Worker', { cluster: p.cluster, image: NGINX });
    expect((worker as unknown as FargateWebService).dnsName).toBeUndefined();
    expect(() => worker.addEnvironment('1BAD', 'x')).toThrow(/FargateWorkerService\.addEnvironment at 'Test\/Worker'[^]*- name: got "1BAD"/);
    expect(() => worker.addSecret('TOKEN', { secretsManagerArn: 'not-an-arn' })).toThrow(/FargateWorkerService\.addSecret at 'Test\/Worker'/);
  });
});
