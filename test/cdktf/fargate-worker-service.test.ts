import { NGINX, NODE } from '../helpers/images';
import { tfResources, tfSynthFull } from '../helpers/terraform';
import { describeTfGates } from '../helpers/tf-gates';
import { tfAddress, tfContainers, tfPlatform, tfPolicy, tfResourceAt } from '../helpers/tf-platform';
import { AttributeType, EnvironmentProfile } from 'ecs-platform-constructs';
import { FargateWorkerService, FargateWorkerServiceProps, ManagedDatabase, ManagedTable } from 'ecs-platform-constructs/cdktf';

const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:queue-token-AbCdEf';
const TOPIC_ARN = 'arn:aws:sns:eu-west-1:111122223333:pager';
const WORKER_COMMAND = ['node', '-e', 'setInterval(() => console.log("tick"), 60000)'];

function worker(options: Omit<FargateWorkerServiceProps, 'cluster'> = {}, profile?: EnvironmentProfile) {
  const platform = tfPlatform(profile);
  const service = new FargateWorkerService(platform.stack, 'Worker', { cluster: platform.cluster, image: NODE, command: WORKER_COMMAND, ...options });
  return { ...platform, service };
}

describe('FargateWorkerService (CDK for Terraform)', () => {
  describe('GIVEN an image and a command (DEVELOPMENT)', () => {
    const { stack, service } = worker();
    const json = tfSynthFull(stack);
    const ecsService = tfResourceAt(json, 'aws_ecs_service', 'Worker/Service');

    test('THEN a service and task with no load balancer, target group or port', () => {
      expect(tfResources(json, 'aws_lb')).toHaveLength(0);
      expect(tfResources(json, 'aws_lb_target_group')).toHaveLength(0);
      expect(ecsService.load_balancer).toBeUndefined();
      expect(ecsService.health_check_grace_period_seconds).toBeUndefined();
      const [container] = tfContainers(tfResourceAt(json, 'aws_ecs_task_definition', 'Worker/TaskDefinition'));
      expect(container.portMappings).toBeUndefined();
      expect(container.command).toEqual(WORKER_COMMAND);
    });

    test('THEN the web service\'s defaults: 256/512, 2 tasks, Spot with an on-demand base, circuit breaker, ECS Exec, waits for a stable service', () => {
      expect(tfResourceAt(json, 'aws_ecs_task_definition', 'Worker/TaskDefinition')).toMatchObject({ cpu: '256', memory: '512' });
      expect(ecsService).toMatchObject({
        name: 'test-Worker',
        desired_count: 2,
        enable_execute_command: true,
        wait_for_steady_state: true,
        capacity_provider_strategy: [
          { capacity_provider: 'FARGATE', base: 1, weight: 0 },
          { capacity_provider: 'FARGATE_SPOT', base: 0, weight: 1 },
        ],
        deployment_circuit_breaker: { enable: true, rollback: true },
        network_configuration: { assign_public_ip: false },
      });
      expect(ecsService.alarms).toBeUndefined();
      expect(ecsService.depends_on).toEqual(expect.arrayContaining([
        tfAddress(json, 'aws_iam_role_policy', 'Worker/ExecutionRolePolicy'),
        tfAddress(json, 'aws_iam_role_policy', 'Worker/TaskRolePolicy'),
      ]));
    });

    test('THEN its security group admits nothing and may reach out', () => {
      expect(tfResources(json, 'aws_vpc_security_group_ingress_rule')).toHaveLength(0);
      expect(tfResourceAt(json, 'aws_vpc_security_group_egress_rule', 'Worker/SecurityGroupEgressAll')).toMatchObject({ ip_protocol: '-1', cidr_ipv4: '0.0.0.0/0' });
    });

    test('THEN three alarms (CPU, memory, error log lines) to the cluster\'s alerts topic', () => {
      expect(service.alarmNames).toEqual(['test/Worker/CpuAlarm', 'test/Worker/MemoryAlarm', 'test/Worker/ErrorLogsAlarm']);
      expect(tfResources(json, 'aws_cloudwatch_metric_alarm')).toHaveLength(3);
      const cpu = tfResourceAt(json, 'aws_cloudwatch_metric_alarm', 'Worker/CpuAlarm');
      expect(cpu).toMatchObject({ namespace: 'AWS/ECS', metric_name: 'CPUUtilization', threshold: 80, evaluation_periods: 2 });
      expect(cpu.dimensions).toEqual({ ClusterName: expect.any(String), ServiceName: 'test-Worker' });
      expect(cpu.ok_actions).toEqual(cpu.alarm_actions);
      expect(tfResources(json, 'aws_cloudwatch_log_metric_filter')).toHaveLength(1);
    });
  });

  test('GIVEN a health check, autoscaling, secrets and a topic ARN THEN the container check, the scaler and exactly those grants', () => {
    const { stack } = worker({
      image: NGINX,
      command: undefined,
      healthCheck: { command: ['CMD-SHELL', 'test -f /tmp/alive'], intervalSeconds: 20, unhealthyThreshold: 4 },
      autoScaling: { minCapacity: 1, maxCapacity: 5, cpuTargetPercent: 65 },
      secrets: { TOKEN: { secretsManagerArn: SECRET_ARN } },
      alarmTopicArn: TOPIC_ARN,
    }, EnvironmentProfile.PRODUCTION);
    const json = tfSynthFull(stack);
    const [container] = tfContainers(tfResourceAt(json, 'aws_ecs_task_definition', 'Worker/TaskDefinition'));
    expect(container.healthCheck).toEqual({ command: ['CMD-SHELL', 'test -f /tmp/alive'], interval: 20, timeout: 5, retries: 4, startPeriod: 60 });
    expect(container.secrets).toEqual([{ name: 'TOKEN', valueFrom: SECRET_ARN }]);
    const ecsService = tfResourceAt(json, 'aws_ecs_service', 'Worker/Service');
    expect(ecsService.desired_count).toBe(1);
    expect(ecsService.lifecycle).toEqual({ ignore_changes: ['desired_count'] });
    expect(tfResourceAt(json, 'aws_appautoscaling_target', 'Worker/ScalableTarget')).toMatchObject({ min_capacity: 1, max_capacity: 5 });
    expect(tfResourceAt(json, 'aws_appautoscaling_policy', 'Worker/CpuScaling').target_tracking_scaling_policy_configuration.target_value).toBe(65);
    const statements = tfPolicy(tfResourceAt(json, 'aws_iam_role_policy', 'Worker/ExecutionRolePolicy')).Statement;
    expect(statements).toContainEqual(expect.objectContaining({ Action: 'secretsmanager:GetSecretValue', Resource: [SECRET_ARN] }));
    expect(tfResourceAt(json, 'aws_cloudwatch_log_group', 'Worker/LogGroup')).toMatchObject({ retention_in_days: 365, skip_destroy: true });
    for (const [, alarm] of tfResources(json, 'aws_cloudwatch_metric_alarm')) expect(alarm.alarm_actions).toEqual([TOPIC_ARN]);
  });

  test('GIVEN a database and a table THEN the worker is granted like a web service (security group, secret, task role, environment)', () => {
    const { stack, network, service } = worker();
    const db = new ManagedDatabase(stack, 'Db', { network });
    const table = new ManagedTable(stack, 'Jobs', { partitionKey: { name: 'id', type: AttributeType.STRING } });
    db.grantConnect(service);
    table.grantReadWriteData(service);
    const json = tfSynthFull(stack);
    const [container] = tfContainers(tfResourceAt(json, 'aws_ecs_task_definition', 'Worker/TaskDefinition'));
    expect(container.environment.map((e: any) => e.name).sort()).toEqual(['DB_HOST', 'DB_NAME', 'DB_PORT', 'JOBS_TABLE']);
    expect(container.secrets.map((s: any) => s.name).sort()).toEqual(['DB_PASSWORD', 'DB_USERNAME']);
    expect(tfResources(json, 'aws_vpc_security_group_ingress_rule').map(([, r]) => r.from_port)).toEqual([5432]);
  });

  test('GIVEN web-only props, wrong types and the other engine\'s props THEN one error lists them all', () => {
    const { stack, cluster } = tfPlatform();
    expect(() => new FargateWorkerService(stack, 'Worker', {
      cluster,
      image: NGINX,
      containerPort: 8080,
      routing: { priority: 1 },
      cpu: 'big',
      alarmTopic: {},
      healthCheck: { intervalSeconds: 10 },
      alarmTopicArn: 'not-an-arn',
    } as any)).toThrow(new RegExp([
      'Invalid props for FargateWorkerService at \'test/Worker\' \\(6 problems\\)',
      '- containerPort: got 8080; unknown prop: containerPort is a FargateWebService prop',
      '- routing: .*unknown prop: routing is a FargateWebService prop',
      '- cpu: got "big"; expected',
      '- alarmTopic: .*takes alarmTopicArn',
      '- healthCheck.command: got undefined; expected .*\\(required\\)',
      '- alarmTopicArn: got "not-an-arn"; expected a standard SNS topic ARN',
    ].map((l) => `${l}[^]*`).join('')));
  });
});

describeTfGates('FargateWorkerService (CDK for Terraform) quality gates', {
  'a worker with defaults': () => worker().stack,
  'PRODUCTION, autoscaling, secrets, a health check': () => worker({
    autoScaling: { maxCapacity: 4 },
    secrets: { TOKEN: { secretsManagerArn: SECRET_ARN } },
    healthCheck: { command: ['CMD-SHELL', 'test -f /tmp/alive'] },
  }, EnvironmentProfile.PRODUCTION).stack,
});
