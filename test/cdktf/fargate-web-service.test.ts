import { TerraformOutput } from 'cdktf';
import { NGINX } from '../helpers/images';
import { TfJson, tfResources, tfStack, tfSynthFull } from '../helpers/terraform';
import { describeTfGates } from '../helpers/tf-gates';
import { tfAddress, tfContainers, tfPlatform, tfPolicy, tfRefTo, tfResourceAt } from '../helpers/tf-platform';
import { EnvironmentProfile, FargateWebServiceOptions } from 'ecs-platform-constructs';
import { FargateWebService, FargateWebServiceProps, PlatformCluster, PlatformLoadBalancer, PlatformNetwork } from 'ecs-platform-constructs/cdktf';

const IMAGE = NGINX;
const CERTIFICATE_ARN = 'arn:aws:acm:eu-west-1:111122223333:certificate/11111111-2222-3333-4444-555555555555';
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:db-AbCdEf';
const OTHER_SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:api-key-GhIjKl';
const PARAMETER_ARN = 'arn:aws:ssm:eu-west-1:111122223333:parameter/app/flags';

/** A service with its own load balancer on a fresh network and cluster. */
function ownService(options: Omit<FargateWebServiceProps, 'cluster'> = {}, profile?: EnvironmentProfile) {
  const platform = tfPlatform(profile);
  const service = new FargateWebService(platform.stack, 'Web', { cluster: platform.cluster, image: IMAGE, ...options });
  return { ...platform, service };
}

/** Two services behind one HTTPS load balancer: /api/* and a host header. */
function sharedServices(profile?: EnvironmentProfile) {
  const platform = tfPlatform(profile);
  const lb = new PlatformLoadBalancer(platform.stack, 'Lb', { network: platform.network, certificateArn: CERTIFICATE_ARN });
  const api = new FargateWebService(platform.stack, 'Api', {
    cluster: platform.cluster, loadBalancer: lb, image: IMAGE, routing: { pathPatterns: ['/api/*'], priority: 10 },
  });
  const admin = new FargateWebService(platform.stack, 'Admin', {
    cluster: platform.cluster,
    loadBalancer: lb,
    image: IMAGE,
    containerPort: 3000,
    routing: { pathPatterns: ['/admin/*'], hostHeaders: ['admin.example.com'], priority: 20 },
  });
  return { ...platform, lb, api, admin };
}

function alarm(json: TfJson, key: string, service = 'Web'): TfJson {
  return tfResourceAt(json, 'aws_cloudwatch_metric_alarm', `${service}/${key}Alarm`);
}

describe('FargateWebService (CDK for Terraform)', () => {
  describe('GIVEN defaults (own load balancer, DEVELOPMENT)', () => {
    const { stack, service } = ownService();
    new TerraformOutput(stack, 'service_name', { value: service.serviceName });
    new TerraformOutput(stack, 'dns_name', { value: service.dnsName });
    const json = tfSynthFull(stack);

    test('THEN it creates its own PlatformLoadBalancer whose listener forwards everything to the target group', () => {
      expect(service.loadBalancer.node.path).toBe('test/Web/LoadBalancer');
      expect(service.listenerRule).toBeUndefined();
      expect(tfResources(json, 'aws_lb')).toHaveLength(1);
      expect(tfResources(json, 'aws_lb_listener_rule')).toHaveLength(0);
      expect(tfResourceAt(json, 'aws_lb_listener', 'Web/LoadBalancer/HttpListener').default_action).toEqual([
        { type: 'forward', target_group_arn: tfRefTo(json, 'aws_lb_target_group', 'Web/TargetGroup', 'arn') },
      ]);
    });

    test('THEN a Fargate task of 256 CPU / 512 MiB with one essential container logging to its encrypted log group', () => {
      const taskDefinition = tfResourceAt(json, 'aws_ecs_task_definition', 'Web/TaskDefinition');
      expect(taskDefinition).toMatchObject({
        requires_compatibilities: ['FARGATE'],
        network_mode: 'awsvpc',
        cpu: '256',
        memory: '512',
        runtime_platform: { operating_system_family: 'LINUX', cpu_architecture: 'X86_64' },
        execution_role_arn: tfRefTo(json, 'aws_iam_role', 'Web/ExecutionRole', 'arn'),
        task_role_arn: tfRefTo(json, 'aws_iam_role', 'Web/TaskRole', 'arn'),
      });
      expect(tfContainers(taskDefinition)).toEqual([{
        name: 'web',
        image: IMAGE,
        essential: true,
        portMappings: [{ containerPort: 8080, protocol: 'tcp' }],
        logConfiguration: {
          logDriver: 'awslogs',
          options: {
            'awslogs-group': tfRefTo(json, 'aws_cloudwatch_log_group', 'Web/LogGroup', 'name'),
            'awslogs-region': expect.stringMatching(/^\$\{data\.aws_region\.[^.]+\.name\}$/),
            'awslogs-stream-prefix': 'web',
          },
        },
      }]);
      expect(tfResourceAt(json, 'aws_cloudwatch_log_group', 'Web/LogGroup')).toMatchObject({
        retention_in_days: 30, skip_destroy: false, kms_key_id: tfRefTo(json, 'aws_kms_key', 'Cluster/Key', 'arn'),
      });
    });

    test('THEN the service: Spot with one on-demand base task, circuit breaker, ECS Exec, private subnets, no public IP', () => {
      const ecsService = tfResourceAt(json, 'aws_ecs_service', 'Web/Service');
      expect(ecsService).toMatchObject({
        cluster: tfRefTo(json, 'aws_ecs_cluster', 'Cluster/Cluster', 'arn'),
        task_definition: tfRefTo(json, 'aws_ecs_task_definition', 'Web/TaskDefinition', 'arn'),
        desired_count: 2,
        capacity_provider_strategy: [
          { capacity_provider: 'FARGATE', base: 1, weight: 0 },
          { capacity_provider: 'FARGATE_SPOT', base: 0, weight: 1 },
        ],
        deployment_circuit_breaker: { enable: true, rollback: true },
        deployment_minimum_healthy_percent: 100,
        deployment_maximum_percent: 200,
        enable_execute_command: true,
        network_configuration: {
          subnets: [expect.stringMatching(/aws_subnet\.Network_PrivateSubnet1_/), expect.stringMatching(/aws_subnet\.Network_PrivateSubnet2_/)],
          security_groups: [tfRefTo(json, 'aws_security_group', 'Web/SecurityGroup', 'id')],
          assign_public_ip: false,
        },
        load_balancer: [{ container_name: 'web', container_port: 8080, target_group_arn: tfRefTo(json, 'aws_lb_target_group', 'Web/TargetGroup', 'arn') }],
        health_check_grace_period_seconds: 60,
        propagate_tags: 'SERVICE',
        // A changed capacity-provider strategy (spot, profile) rolls the service in place instead of
        // failing the plan (provider 6) or replacing the service (provider 5).
        force_new_deployment: true,
        // Apply fails when the service cannot become stable, as a CloudFormation deployment does.
        wait_for_steady_state: true,
      });
      expect(ecsService.launch_type).toBeUndefined();
      expect(ecsService.lifecycle).toBeUndefined();
      // The target group is on the listener, the capacity providers on the cluster, and the roles may pull,
      // log and read secrets, before the service starts its first task.
      expect(ecsService.depends_on).toEqual([
        tfAddress(json, 'aws_lb_listener', 'Web/LoadBalancer/HttpListener'),
        tfAddress(json, 'aws_ecs_cluster_capacity_providers', 'Cluster/CapacityProviders'),
        tfAddress(json, 'aws_iam_role_policy', 'Web/ExecutionRolePolicy'),
        tfAddress(json, 'aws_iam_role_policy', 'Web/TaskRolePolicy'),
      ]);
    });

    test('THEN the 5xx and unhealthy-host alarms roll deployments back', () => {
      expect(tfResourceAt(json, 'aws_ecs_service', 'Web/Service').alarms).toEqual({
        alarm_names: [
          tfRefTo(json, 'aws_cloudwatch_metric_alarm', 'Web/Http5xxAlarm', 'alarm_name'),
          tfRefTo(json, 'aws_cloudwatch_metric_alarm', 'Web/UnhealthyHostsAlarm', 'alarm_name'),
        ],
        enable: true,
        rollback: true,
      });
    });

    test('THEN a target group of IP targets probing / on the traffic port, 30 s deregistration', () => {
      expect(tfResourceAt(json, 'aws_lb_target_group', 'Web/TargetGroup')).toMatchObject({
        target_type: 'ip',
        protocol: 'HTTP',
        port: 8080,
        vpc_id: tfRefTo(json, 'aws_vpc', 'Network/Vpc', 'id'),
        deregistration_delay: '30',
        lifecycle: { create_before_destroy: true },
        health_check: {
          path: '/',
          protocol: 'HTTP',
          port: 'traffic-port',
          interval: 30,
          timeout: 5,
          healthy_threshold: 2,
          unhealthy_threshold: 3,
          matcher: '200-399',
        },
      });
    });

    test('THEN tasks take traffic only from the load balancer on the container port, and the load balancer may reach them there', () => {
      const serviceSg = tfRefTo(json, 'aws_security_group', 'Web/SecurityGroup', 'id');
      const lbSg = tfRefTo(json, 'aws_security_group', 'Web/LoadBalancer/SecurityGroup', 'id');
      const ingressToService = tfResources(json, 'aws_vpc_security_group_ingress_rule').filter(([, r]) => r.security_group_id === serviceSg);
      expect(ingressToService.map(([, r]) => r)).toEqual([expect.objectContaining({
        ip_protocol: 'tcp', from_port: 8080, to_port: 8080, referenced_security_group_id: lbSg,
      })]);
      expect(ingressToService[0][1].cidr_ipv4).toBeUndefined();
      const egress = tfResources(json, 'aws_vpc_security_group_egress_rule').map(([, r]) => r);
      expect(egress).toHaveLength(2);
      expect(egress).toContainEqual(expect.objectContaining({
        security_group_id: lbSg, ip_protocol: 'tcp', from_port: 8080, to_port: 8080, referenced_security_group_id: serviceSg,
      }));
      expect(egress).toContainEqual(expect.objectContaining({ security_group_id: serviceSg, ip_protocol: '-1', cidr_ipv4: '0.0.0.0/0' }));
      // The load balancer itself still takes only its listener port.
      const ingressToLb = tfResources(json, 'aws_vpc_security_group_ingress_rule').filter(([, r]) => r.security_group_id === lbSg);
      expect(ingressToLb.map(([, r]) => [r.from_port, r.to_port, r.cidr_ipv4])).toEqual([[80, 80, '0.0.0.0/0']]);
    });

    test('THEN five alarms with the plan\'s thresholds and dimensions, each notifying the cluster\'s alerts topic', () => {
      expect(service.alarms).toHaveLength(5);
      const topic = tfRefTo(json, 'aws_sns_topic', 'Cluster/AlertsTopic', 'arn');
      const common = {
        comparison_operator: 'GreaterThanThreshold',
        evaluation_periods: 2,
        period: 60,
        treat_missing_data: 'notBreaching',
        alarm_actions: [topic],
        ok_actions: [topic],
      };
      const ecs = { ClusterName: tfRefTo(json, 'aws_ecs_cluster', 'Cluster/Cluster', 'name'), ServiceName: 'test-Web' };
      const alb = {
        LoadBalancer: tfRefTo(json, 'aws_lb', 'Web/LoadBalancer/LoadBalancer', 'arn_suffix'),
        TargetGroup: tfRefTo(json, 'aws_lb_target_group', 'Web/TargetGroup', 'arn_suffix'),
      };
      expect(alarm(json, 'Cpu')).toMatchObject({ ...common, namespace: 'AWS/ECS', metric_name: 'CPUUtilization', statistic: 'Average', threshold: 80, dimensions: ecs });
      expect(alarm(json, 'Memory')).toMatchObject({ ...common, namespace: 'AWS/ECS', metric_name: 'MemoryUtilization', statistic: 'Average', threshold: 80, dimensions: ecs });
      expect(alarm(json, 'Http5xx')).toMatchObject({
        ...common, namespace: 'AWS/ApplicationELB', metric_name: 'HTTPCode_Target_5XX_Count', statistic: 'Sum', threshold: 10, dimensions: alb,
      });
      expect(alarm(json, 'UnhealthyHosts')).toMatchObject({
        ...common, namespace: 'AWS/ApplicationELB', metric_name: 'UnHealthyHostCount', statistic: 'Maximum', threshold: 0, dimensions: alb,
      });
      expect(alarm(json, 'ErrorLogs')).toMatchObject({
        ...common, namespace: 'EcsPlatform/Logs', metric_name: 'ErrorLogLines-test-Web', statistic: 'Sum', threshold: 10,
      });
      expect(alarm(json, 'ErrorLogs').dimensions).toBeUndefined();
      // The ECS service name in the dimensions is the service's.
      expect(tfResourceAt(json, 'aws_ecs_service', 'Web/Service').name).toBe('test-Web');
    });

    test('THEN error lines in the container log count into the ErrorLogs metric', () => {
      expect(tfResourceAt(json, 'aws_cloudwatch_log_metric_filter', 'Web/ErrorLogsMetricFilter')).toMatchObject({
        log_group_name: tfRefTo(json, 'aws_cloudwatch_log_group', 'Web/LogGroup', 'name'),
        pattern: '?ERROR ?Error ?error',
        metric_transformation: { namespace: 'EcsPlatform/Logs', name: 'ErrorLogLines-test-Web', value: '1', default_value: '0' },
      });
    });

    test('THEN the execution role pulls images and writes its log, with no secrets and no managed policies', () => {
      const role = tfResourceAt(json, 'aws_iam_role', 'Web/ExecutionRole');
      // Only this account's ECS may assume it (confused-deputy protection).
      expect(tfPolicy(role, 'assume_role_policy').Statement).toEqual([{
        Effect: 'Allow',
        Principal: { Service: 'ecs-tasks.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: {
          StringEquals: { 'aws:SourceAccount': expect.stringMatching(/^\$\{data\.aws_caller_identity\.[^.]+\.account_id\}$/) },
          ArnLike: { 'aws:SourceArn': expect.stringMatching(/^arn:\$\{data\.aws_partition\.[^.]+\.partition\}:ecs:\$\{data\.aws_region\.[^.]+\.name\}:\$\{[^}]+\}:\*$/) },
        },
      }]);
      expect(role.managed_policy_arns).toBeUndefined();
      expect(tfPolicy(tfResourceAt(json, 'aws_iam_role_policy', 'Web/ExecutionRolePolicy')).Statement).toEqual([
        { Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
        { Effect: 'Allow', Action: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'], Resource: '*' },
        { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: `${tfRefTo(json, 'aws_cloudwatch_log_group', 'Web/LogGroup', 'arn')}:*` },
      ]);
    });

    test('THEN the task role has only what ECS Exec needs', () => {
      const role = tfResourceAt(json, 'aws_iam_role', 'Web/TaskRole');
      expect(tfPolicy(role, 'assume_role_policy').Statement[0]).toMatchObject({
        Principal: { Service: 'ecs-tasks.amazonaws.com' },
        Condition: { StringEquals: { 'aws:SourceAccount': expect.any(String) }, ArnLike: { 'aws:SourceArn': expect.stringMatching(/:ecs:/) } },
      });
      expect(tfPolicy(tfResourceAt(json, 'aws_iam_role_policy', 'Web/TaskRolePolicy')).Statement).toEqual([
        {
          Effect: 'Allow',
          Action: ['ssmmessages:CreateControlChannel', 'ssmmessages:CreateDataChannel', 'ssmmessages:OpenControlChannel', 'ssmmessages:OpenDataChannel'],
          Resource: '*',
        },
        { Effect: 'Allow', Action: 'logs:DescribeLogGroups', Resource: '*' },
        {
          Effect: 'Allow',
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
          Resource: `${tfRefTo(json, 'aws_cloudwatch_log_group', 'Cluster/ExecLogGroup', 'arn')}:*`,
        },
        { Effect: 'Allow', Action: 'kms:Decrypt', Resource: tfRefTo(json, 'aws_kms_key', 'Cluster/Key', 'arn') },
      ]);
    });

    test('THEN no autoscaling, and the public properties point at what was built', () => {
      expect(tfResources(json, 'aws_appautoscaling_target')).toHaveLength(0);
      expect(tfResources(json, 'aws_appautoscaling_policy')).toHaveLength(0);
      expect(service.profile).toBe(EnvironmentProfile.DEVELOPMENT);
      expect(json.output.service_name.value).toBe(tfRefTo(json, 'aws_ecs_service', 'Web/Service', 'name'));
      expect(json.output.dns_name.value).toBe(tfRefTo(json, 'aws_lb', 'Web/LoadBalancer/LoadBalancer', 'dns_name'));
      expect(service.loadBalancer.loadBalancer).toBeDefined();
      expect(service.securityGroup.node.path).toBe('test/Web/SecurityGroup');
      expect(service.targetGroup.node.path).toBe('test/Web/TargetGroup');
      expect(service.logGroup.node.path).toBe('test/Web/LogGroup');
      expect(service.taskDefinition.node.path).toBe('test/Web/TaskDefinition');
      expect([service.executionRole.node.id, service.taskRole.node.id]).toEqual(['ExecutionRole', 'TaskRole']);
      expect(service.alarms.map((a) => a.node.id)).toEqual(['CpuAlarm', 'MemoryAlarm', 'Http5xxAlarm', 'UnhealthyHostsAlarm', 'ErrorLogsAlarm']);
    });
  });

  test('GIVEN PRODUCTION THEN on-demand only, a year of logs kept on destroy, and its own load balancer protected', () => {
    const { stack } = ownService({}, EnvironmentProfile.PRODUCTION);
    const json = tfSynthFull(stack);
    expect(tfResourceAt(json, 'aws_ecs_service', 'Web/Service').capacity_provider_strategy)
      .toEqual([{ capacity_provider: 'FARGATE', base: 0, weight: 1 }]);
    expect(tfResourceAt(json, 'aws_cloudwatch_log_group', 'Web/LogGroup')).toMatchObject({ retention_in_days: 365, skip_destroy: true });
    expect(tfResourceAt(json, 'aws_lb', 'Web/LoadBalancer/LoadBalancer')).toMatchObject({ enable_deletion_protection: true });
  });

  test('GIVEN spot false in DEVELOPMENT / spot true in PRODUCTION THEN the strategy follows the prop', () => {
    const onDemand = tfSynthFull(ownService({ spot: false }).stack);
    expect(tfResourceAt(onDemand, 'aws_ecs_service', 'Web/Service').capacity_provider_strategy)
      .toEqual([{ capacity_provider: 'FARGATE', base: 0, weight: 1 }]);
    const spot = tfSynthFull(ownService({ spot: true }, EnvironmentProfile.PRODUCTION).stack);
    expect(tfResourceAt(spot, 'aws_ecs_service', 'Web/Service').capacity_provider_strategy).toEqual([
      { capacity_provider: 'FARGATE', base: 1, weight: 0 },
      { capacity_provider: 'FARGATE_SPOT', base: 0, weight: 1 },
    ]);
  });

  describe('GIVEN two services on a shared HTTPS load balancer', () => {
    const { stack, lb, api, admin } = sharedServices();
    const json = tfSynthFull(stack);

    test('THEN each adds a forwarding listener rule on the HTTPS listener, with its conditions and priority', () => {
      const httpsListener = tfRefTo(json, 'aws_lb_listener', 'Lb/HttpsListener', 'arn');
      expect(tfResources(json, 'aws_lb')).toHaveLength(1);
      expect(tfResourceAt(json, 'aws_lb_listener_rule', 'Api/ListenerRule')).toMatchObject({
        listener_arn: httpsListener,
        priority: 10,
        condition: [{ path_pattern: { values: ['/api/*'] } }],
        action: [{ type: 'forward', target_group_arn: tfRefTo(json, 'aws_lb_target_group', 'Api/TargetGroup', 'arn') }],
      });
      expect(tfResourceAt(json, 'aws_lb_listener_rule', 'Admin/ListenerRule')).toMatchObject({
        listener_arn: httpsListener,
        priority: 20,
        condition: [{ path_pattern: { values: ['/admin/*'] } }, { host_header: { values: ['admin.example.com'] } }],
        action: [{ type: 'forward', target_group_arn: tfRefTo(json, 'aws_lb_target_group', 'Admin/TargetGroup', 'arn') }],
      });
      expect(lb._takenPriorities.sort()).toEqual([10, 20]);
      expect(api.listenerRule).toBeDefined();
      expect(api.loadBalancer).toBe(lb);
      expect(admin.dnsName).toBe(lb.dnsName);
    });

    test('THEN the listener still answers 404 to anything no rule claims, and HTTP still redirects', () => {
      expect(tfResourceAt(json, 'aws_lb_listener', 'Lb/HttpsListener').default_action).toEqual([
        { type: 'fixed-response', fixed_response: { status_code: '404', content_type: 'text/plain', message_body: 'Not Found' } },
      ]);
      expect(tfResourceAt(json, 'aws_lb_listener', 'Lb/HttpListener').default_action[0].type).toBe('redirect');
    });

    test('THEN each service starts after its listener rule', () => {
      expect(tfResourceAt(json, 'aws_ecs_service', 'Api/Service').depends_on).toContain(tfAddress(json, 'aws_lb_listener_rule', 'Api/ListenerRule'));
      expect(tfResourceAt(json, 'aws_ecs_service', 'Admin/Service').depends_on).toContain(tfAddress(json, 'aws_lb_listener_rule', 'Admin/ListenerRule'));
    });

    test('THEN the load balancer may reach each service on its own container port only, and still takes only 80 and 443', () => {
      const lbSg = tfRefTo(json, 'aws_security_group', 'Lb/SecurityGroup', 'id');
      const egress = tfResources(json, 'aws_vpc_security_group_egress_rule').map(([, r]) => r).filter((r) => r.security_group_id === lbSg);
      expect(egress.map((r) => [r.from_port, r.to_port, r.referenced_security_group_id]).sort()).toEqual([
        [3000, 3000, tfRefTo(json, 'aws_security_group', 'Admin/SecurityGroup', 'id')],
        [8080, 8080, tfRefTo(json, 'aws_security_group', 'Api/SecurityGroup', 'id')],
      ]);
      expect(tfResourceAt(json, 'aws_vpc_security_group_ingress_rule', 'Admin/SecurityGroupIngressFromLoadBalancer'))
        .toMatchObject({ from_port: 3000, to_port: 3000, referenced_security_group_id: lbSg });
      const ingressToLb = tfResources(json, 'aws_vpc_security_group_ingress_rule').filter(([, r]) => r.security_group_id === lbSg);
      expect(ingressToLb.map(([, r]) => r.from_port).sort()).toEqual([443, 80]);
    });

    test('THEN the ALB alarms of each service watch its own target group on the shared load balancer', () => {
      const lbSuffix = tfRefTo(json, 'aws_lb', 'Lb/LoadBalancer', 'arn_suffix');
      expect(alarm(json, 'Http5xx', 'Api').dimensions).toEqual({ LoadBalancer: lbSuffix, TargetGroup: tfRefTo(json, 'aws_lb_target_group', 'Api/TargetGroup', 'arn_suffix') });
      expect(alarm(json, 'Http5xx', 'Admin').dimensions).toEqual({ LoadBalancer: lbSuffix, TargetGroup: tfRefTo(json, 'aws_lb_target_group', 'Admin/TargetGroup', 'arn_suffix') });
    });
  });

  test('GIVEN autoScaling THEN a scalable target and CPU and memory target tracking, and Terraform leaves the task count to it', () => {
    const { stack } = ownService({ desiredCount: 3, autoScaling: { maxCapacity: 10, cpuTargetPercent: 60, memoryTargetPercent: 75 } });
    const json = tfSynthFull(stack);
    const target = tfResourceAt(json, 'aws_appautoscaling_target', 'Web/ScalableTarget');
    expect(target).toMatchObject({
      service_namespace: 'ecs',
      scalable_dimension: 'ecs:service:DesiredCount',
      min_capacity: 3,
      max_capacity: 10,
      resource_id: `service/${tfRefTo(json, 'aws_ecs_cluster', 'Cluster/Cluster', 'name')}/${tfRefTo(json, 'aws_ecs_service', 'Web/Service', 'name')}`,
    });
    const targetRef = (attr: string) => tfRefTo(json, 'aws_appautoscaling_target', 'Web/ScalableTarget', attr);
    const policy = (metric: string, value: number) => ({
      policy_type: 'TargetTrackingScaling',
      resource_id: targetRef('resource_id'),
      scalable_dimension: targetRef('scalable_dimension'),
      service_namespace: targetRef('service_namespace'),
      target_tracking_scaling_policy_configuration: { target_value: value, predefined_metric_specification: { predefined_metric_type: metric } },
    });
    expect(tfResourceAt(json, 'aws_appautoscaling_policy', 'Web/CpuScaling')).toMatchObject(policy('ECSServiceAverageCPUUtilization', 60));
    expect(tfResourceAt(json, 'aws_appautoscaling_policy', 'Web/MemoryScaling')).toMatchObject(policy('ECSServiceAverageMemoryUtilization', 75));
    // The count starts at the minimum and is the scaler's from then on.
    expect(tfResourceAt(json, 'aws_ecs_service', 'Web/Service')).toMatchObject({ desired_count: 3, lifecycle: { ignore_changes: ['desired_count'] } });
  });

  test('GIVEN waitForSteadyState false THEN apply returns as soon as ECS accepts the change', () => {
    const json = tfSynthFull(ownService({ waitForSteadyState: false }).stack);
    expect(tfResourceAt(json, 'aws_ecs_service', 'Web/Service').wait_for_steady_state).toBe(false);
  });

  test('GIVEN a command THEN the container runs it instead of the image\'s CMD', () => {
    const json = tfSynthFull(ownService({ command: ['nginx', '-g', 'daemon off;'] }).stack);
    expect(tfContainers(tfResourceAt(json, 'aws_ecs_task_definition', 'Web/TaskDefinition'))[0].command).toEqual(['nginx', '-g', 'daemon off;']);
  });

  test('GIVEN secrets under customer-managed keys THEN the execution role decrypts with exactly those keys, only through Secrets Manager / SSM', () => {
    const key = 'arn:aws:kms:eu-west-1:111122223333:key/11111111-2222-3333-4444-555555555555';
    const json = tfSynthFull(ownService({
      secrets: { DB: { secretsManagerArn: SECRET_ARN, kmsKeyArn: key }, FLAGS: { ssmParameterArn: PARAMETER_ARN, kmsKeyArn: key } },
    }).stack);
    const statements = tfPolicy(tfResourceAt(json, 'aws_iam_role_policy', 'Web/ExecutionRolePolicy')).Statement;
    const via = (service: string) => expect.stringMatching(new RegExp(`^${service}\\.\\$\\{data\\.aws_region\\.[^.]+\\.name\\}\\.\\$\\{data\\.aws_partition\\.[^.]+\\.dns_suffix\\}$`));
    expect(statements.filter((st: any) => st.Action === 'kms:Decrypt')).toEqual([{
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: key,
      Condition: { StringEquals: { 'kms:ViaService': [via('secretsmanager'), via('ssm')] } },
    }]);
  });

  test('GIVEN the same app deployed as two stacks (dev, staging) THEN every name it has to set differs', () => {
    const names = (stackName: string) => {
      const { stack } = tfStack(stackName);
      const network = new PlatformNetwork(stack, 'Network', { availabilityZones: ['eu-west-1a', 'eu-west-1b'] });
      new FargateWebService(stack, 'Api', { cluster: new PlatformCluster(stack, 'Cluster', { network }), image: IMAGE, autoScaling: {} });
      const json = tfSynthFull(stack);
      return [
        ...tfResources(json, 'aws_ecs_cluster').map(([, r]) => r.name),
        ...tfResources(json, 'aws_ecs_service').map(([, r]) => r.name),
        ...tfResources(json, 'aws_ecs_task_definition').map(([, r]) => r.family),
        ...tfResources(json, 'aws_cloudwatch_metric_alarm').map(([, r]) => r.alarm_name),
        ...tfResources(json, 'aws_cloudwatch_log_metric_filter').map(([, r]) => r.name),
        ...tfResources(json, 'aws_cloudwatch_log_metric_filter').map(([, r]) => r.metric_transformation.name),
        ...tfResources(json, 'aws_appautoscaling_policy').map(([, r]) => r.name),
      ];
    };
    const dev = names('web-dev');
    expect(dev).toContain('web-dev/Api/CpuAlarm');
    expect(names('web-staging').filter((n) => dev.includes(n))).toEqual([]);
  });

  test('GIVEN autoScaling without memory THEN CPU tracking only, between desiredCount and twice that', () => {
    const json = tfSynthFull(ownService({ autoScaling: {} }).stack);
    expect(tfResourceAt(json, 'aws_appautoscaling_target', 'Web/ScalableTarget')).toMatchObject({ min_capacity: 2, max_capacity: 4 });
    expect(tfResources(json, 'aws_appautoscaling_policy')).toHaveLength(1);
    expect(tfResourceAt(json, 'aws_appautoscaling_policy', 'Web/CpuScaling').target_tracking_scaling_policy_configuration.target_value).toBe(70);
  });

  test('GIVEN secrets THEN the container reads them and the execution role may read exactly those ARNs', () => {
    const { stack } = ownService({
      environment: { LOG_LEVEL: 'info' },
      secrets: {
        DB_PASSWORD: { secretsManagerArn: SECRET_ARN, jsonKey: 'password' },
        DB_USER: { secretsManagerArn: SECRET_ARN, jsonKey: 'username' },
        API_KEY: { secretsManagerArn: OTHER_SECRET_ARN },
        FLAGS: { ssmParameterArn: PARAMETER_ARN },
      },
    });
    const json = tfSynthFull(stack);
    const [container] = tfContainers(tfResourceAt(json, 'aws_ecs_task_definition', 'Web/TaskDefinition'));
    expect(container.environment).toEqual([{ name: 'LOG_LEVEL', value: 'info' }]);
    expect(container.secrets).toEqual([
      { name: 'DB_PASSWORD', valueFrom: `${SECRET_ARN}:password::` },
      { name: 'DB_USER', valueFrom: `${SECRET_ARN}:username::` },
      { name: 'API_KEY', valueFrom: OTHER_SECRET_ARN },
      { name: 'FLAGS', valueFrom: PARAMETER_ARN },
    ]);
    const statements = tfPolicy(tfResourceAt(json, 'aws_iam_role_policy', 'Web/ExecutionRolePolicy')).Statement;
    expect(statements.slice(3)).toEqual([
      { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: [SECRET_ARN, OTHER_SECRET_ARN] },
      { Effect: 'Allow', Action: 'ssm:GetParameters', Resource: [PARAMETER_ARN] },
    ]);
    // Nothing else reaches secrets: the task role has no secret actions.
    expect(JSON.stringify(tfPolicy(tfResourceAt(json, 'aws_iam_role_policy', 'Web/TaskRolePolicy')))).not.toMatch(/secretsmanager|ssm:/);
  });

  test('GIVEN a container health-check command, sizes, port, thresholds and an alarm topic THEN they are rendered as given', () => {
    const { stack } = ownService({
      cpu: 1024,
      memoryMiB: 4096,
      containerPort: 3000,
      desiredCount: 1,
      healthCheck: { path: '/health', intervalSeconds: 15, timeoutSeconds: 10, healthyThreshold: 3, unhealthyThreshold: 4, healthyHttpCodes: '200', command: ['curl -f http://localhost:3000/health || exit 1'] },
      alarms: { cpuPercent: 90, http5xxCount: 50, unhealthyHosts: 1, evaluationPeriods: 3, errorLogPattern: '"FATAL"' },
      logRetentionDays: 90,
    });
    const json = tfSynthFull(stack);
    const taskDefinition = tfResourceAt(json, 'aws_ecs_task_definition', 'Web/TaskDefinition');
    expect(taskDefinition).toMatchObject({ cpu: '1024', memory: '4096' });
    const [container] = tfContainers(taskDefinition);
    expect(container.portMappings).toEqual([{ containerPort: 3000, protocol: 'tcp' }]);
    expect(container.healthCheck).toEqual({
      command: ['CMD-SHELL', 'curl -f http://localhost:3000/health || exit 1'], interval: 15, timeout: 10, retries: 4, startPeriod: 60,
    });
    expect(tfResourceAt(json, 'aws_lb_target_group', 'Web/TargetGroup')).toMatchObject({
      port: 3000,
      health_check: { path: '/health', interval: 15, timeout: 10, healthy_threshold: 3, unhealthy_threshold: 4, matcher: '200' },
    });
    expect(tfResourceAt(json, 'aws_ecs_service', 'Web/Service')).toMatchObject({
      desired_count: 1, load_balancer: [expect.objectContaining({ container_port: 3000 })],
    });
    expect(alarm(json, 'Cpu')).toMatchObject({ threshold: 90, evaluation_periods: 3 });
    expect(alarm(json, 'Http5xx')).toMatchObject({ threshold: 50, evaluation_periods: 3 });
    expect(alarm(json, 'UnhealthyHosts')).toMatchObject({ threshold: 1 });
    expect(tfResourceAt(json, 'aws_cloudwatch_log_metric_filter', 'Web/ErrorLogsMetricFilter').pattern).toBe('"FATAL"');
    expect(tfResourceAt(json, 'aws_cloudwatch_log_group', 'Web/LogGroup').retention_in_days).toBe(90);
  });

  test('GIVEN alarmTopicArn THEN every alarm notifies that topic instead of the cluster\'s', () => {
    const topicArn = 'arn:aws:sns:eu-west-1:111122223333:ops';
    const alarms = tfResources(tfSynthFull(ownService({ alarmTopicArn: topicArn }).stack), 'aws_cloudwatch_metric_alarm');
    expect(alarms).toHaveLength(5);
    for (const [, a] of alarms) expect(a).toMatchObject({ alarm_actions: [topicArn], ok_actions: [topicArn] });
  });

  test('GIVEN a multi-word health-check command THEN it runs as CMD unless it names its form', () => {
    const exec = tfSynthFull(ownService({ healthCheck: { command: ['/bin/check', '--quick'] } }).stack);
    expect(tfContainers(tfResourceAt(exec, 'aws_ecs_task_definition', 'Web/TaskDefinition'))[0].healthCheck.command)
      .toEqual(['CMD', '/bin/check', '--quick']);
    const shell = tfSynthFull(ownService({ healthCheck: { command: ['CMD-SHELL', 'exit 0'] } }).stack);
    expect(tfContainers(tfResourceAt(shell, 'aws_ecs_task_definition', 'Web/TaskDefinition'))[0].healthCheck.command)
      .toEqual(['CMD-SHELL', 'exit 0']);
  });

  describe('validation: bad props throw before anything is created, naming the prop', () => {
    test.each<[string, FargateWebServiceOptions, RegExp]>([
      ['a cpu/memory pair Fargate does not offer', { cpu: 512, memoryMiB: 512 }, /memoryMiB: got 512; expected a memory size Fargate offers for cpu 512: 1024, 2048, 3072, 4096$/],
      ['a memory size too large for the cpu', { cpu: 2048, memoryMiB: 32768 }, /memoryMiB: got 32768; .* for cpu 2048: 4096 to 16384 in steps of 1024/],
      ['a cpu Fargate does not offer', { cpu: 300 }, /cpu: got 300/],
      ['desiredCount above 1000', { desiredCount: 1001 }, /desiredCount: got 1001; expected an integer from 0 to 1000/],
      ['a negative desiredCount', { desiredCount: -1 }, /desiredCount/],
      ['minCapacity below 1', { autoScaling: { minCapacity: 0 } }, /autoScaling\.minCapacity: got 0/],
      ['maxCapacity above 1000', { autoScaling: { maxCapacity: 1001 } }, /autoScaling\.maxCapacity: got 1001/],
      ['minCapacity above maxCapacity', { autoScaling: { minCapacity: 5, maxCapacity: 3 } }, /autoScaling\.maxCapacity: got 3; expected at least autoScaling\.minCapacity \(5\)/],
      ['a health-check path without a leading /', { healthCheck: { path: 'health' } }, /healthCheck\.path: got "health"/],
      ['containerPort 0', { containerPort: 0 }, /containerPort: got 0; expected an integer from 1 to 65535/],
      ['containerPort 65536', { containerPort: 65536 }, /containerPort: got 65536/],
      ['routing without a shared load balancer', { routing: { pathPatterns: ['/api/*'], priority: 1 } }, /routing: .*expected a shared loadBalancer/],
      ['no image', { image: undefined }, /image: got undefined/],
    ])('%s', (_name, options, error) => {
      const { stack, cluster } = tfPlatform();
      expect(() => new FargateWebService(stack, 'Web', { cluster, image: IMAGE, ...options })).toThrow(error);
      expect(stack.node.tryFindChild('Web')).toBeUndefined();
    });

    test.each<[string, FargateWebServiceOptions['routing'], RegExp]>([
      ['more than five values in one listener rule', { pathPatterns: ['/a', '/b', '/c'], hostHeaders: ['a.example.com', 'b.example.com', 'c.example.com'], priority: 1 },
        /routing: .*expected at most 5 path patterns and host headers together \(the ALB's limit of values per rule\); got 6/],
      ['more than three path patterns', { pathPatterns: ['/1', '/2', '/3', '/4'], priority: 1 },
        /routing\.pathPatterns: got \["\/1","\/2","\/3","\/4"\]; expected at most 3 path patterns \(the ALB's limit of values per condition\)/],
    ])('%s', (_name, routing, error) => {
      const { stack, network, cluster } = tfPlatform();
      const loadBalancer = new PlatformLoadBalancer(stack, 'Lb', { network });
      expect(() => new FargateWebService(stack, 'Web', { cluster, loadBalancer, image: IMAGE, routing })).toThrow(error);
    });

    test('a listener-rule priority used twice on one listener', () => {
      const { stack, network, cluster } = tfPlatform();
      const loadBalancer = new PlatformLoadBalancer(stack, 'Lb', { network });
      new FargateWebService(stack, 'Api', { cluster, loadBalancer, image: IMAGE, routing: { pathPatterns: ['/api/*'], priority: 10 } });
      expect(() => new FargateWebService(stack, 'Admin', { cluster, loadBalancer, image: IMAGE, routing: { pathPatterns: ['/admin/*'], priority: 10 } }))
        .toThrow(/FargateWebService at 'test\/Admin'.*\n.*routing\.priority: got 10; expected a priority not already used/);
      expect(stack.node.tryFindChild('Admin')).toBeUndefined();
    });

    test('a shared load balancer without routing', () => {
      const { stack, network, cluster } = tfPlatform();
      const loadBalancer = new PlatformLoadBalancer(stack, 'Lb', { network });
      expect(() => new FargateWebService(stack, 'Web', { cluster, loadBalancer, image: IMAGE })).toThrow(/routing: got undefined; expected routing/);
    });

    test('every problem at once', () => {
      const { stack, cluster } = tfPlatform();
      expect(() => new FargateWebService(stack, 'Web', { cluster, image: IMAGE, containerPort: 0, desiredCount: 5000, healthCheck: { path: 'x' } }))
        .toThrow(/\(3 problems\)/);
    });
  });
});

describeTfGates('FargateWebService (CDK for Terraform) quality gates', {
  'a service with its own load balancer': () => ownService().stack,
  'two services on a shared HTTPS load balancer': () => sharedServices().stack,
  'PRODUCTION, autoscaling, secrets': () => ownService({
    autoScaling: { maxCapacity: 6, memoryTargetPercent: 70 },
    environment: { LOG_LEVEL: 'info' },
    secrets: { DB_PASSWORD: { secretsManagerArn: SECRET_ARN, jsonKey: 'password' }, FLAGS: { ssmParameterArn: PARAMETER_ARN } },
  }, EnvironmentProfile.PRODUCTION).stack,
});
