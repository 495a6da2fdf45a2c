import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { cdkStack, cdkTemplate, formatFindings } from '../helpers/cdk';
import { cdkGatesAndTemplate } from '../helpers/cdk-gates';
import { NGINX } from '../helpers/images';
import { EnvironmentProfile } from 'ecs-platform-constructs';
import {
  FargateWebService,
  FargateWebServiceProps,
  PlatformCluster,
  PlatformLoadBalancer,
  PlatformNetwork,
} from 'ecs-platform-constructs/cdk';

const IMAGE = NGINX;
const CERTIFICATE_ARN = 'arn:aws:acm:eu-west-1:111122223333:certificate/11111111-2222-3333-4444-555555555555';
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:db-credentials-AbCdEf';
const OTHER_SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:api-token-GhIjKl';
const PARAMETER_ARN = 'arn:aws:ssm:eu-west-1:111122223333:parameter/app/feature-flags';

/** A network and cluster to put services on. */
function platform(profile?: EnvironmentProfile): { app: App; stack: Stack; network: PlatformNetwork; cluster: PlatformCluster } {
  const { app, stack } = cdkStack();
  const network = new PlatformNetwork(stack, 'Network', { profile });
  const cluster = new PlatformCluster(stack, 'Cluster', { network });
  return { app, stack, network, cluster };
}

/** The logical ID of the one resource of `type` whose logical ID starts with `prefix`. */
function idOf(t: Template, type: string, prefix: string): string {
  const ids = Object.keys(t.findResources(type)).filter((id) => id.startsWith(prefix));
  expect(ids).toHaveLength(1);
  return ids[0];
}

/** The one resource of `type` whose logical ID starts with `prefix`. */
function resourceOf(t: Template, type: string, prefix: string) {
  return t.findResources(type)[idOf(t, type, prefix)];
}

const ref = (id: string) => ({ Ref: id });
const arnOf = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
const groupIdOf = (id: string) => ({ 'Fn::GetAtt': [id, 'GroupId'] });

describe('FargateWebService (AWS CDK)', () => {
  describe('GIVEN an image and nothing else (DEVELOPMENT, own load balancer)', () => {
    let t: Template;
    let findings: string;
    let web: FargateWebService;
    let cluster: PlatformCluster;

    beforeAll(() => {
      const p = platform();
      cluster = p.cluster;
      web = new FargateWebService(p.stack, 'Web', { cluster, image: IMAGE });
      const gated = cdkGatesAndTemplate(p.app, p.stack);
      t = gated.template;
      findings = formatFindings(gated.findings);
    });

    test('THEN the quality gates (cdk-nag + Control Tower) report nothing unacknowledged', () => {
      expect(findings).toBe('');
    });

    test('THEN one service, task definition, target group and its own load balancer (HTTP, forwarding everything)', () => {
      t.resourceCountIs('AWS::ECS::Service', 1);
      t.resourceCountIs('AWS::ECS::TaskDefinition', 1);
      t.resourceCountIs('AWS::ElasticLoadBalancingV2::TargetGroup', 1);
      t.resourceCountIs('AWS::ElasticLoadBalancingV2::LoadBalancer', 1);
      t.resourceCountIs('AWS::ElasticLoadBalancingV2::ListenerRule', 0);
      t.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 1);
      t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
        Port: 80,
        DefaultActions: [{ Type: 'forward', TargetGroupArn: ref(idOf(t, 'AWS::ElasticLoadBalancingV2::TargetGroup', 'WebTargetGroup')) }],
      });
      expect(web.loadBalancer.node.path).toBe('Test/Web/LoadBalancer');
      expect(web.loadBalancer.profile).toBe(EnvironmentProfile.DEVELOPMENT);
      expect(web.listenerRule).toBeUndefined();
    });

    test('THEN the task: 256 CPU / 512 MiB Fargate awsvpc on Linux x86_64, one essential "web" container logging to its log group', () => {
      t.hasResourceProperties('AWS::ECS::TaskDefinition', {
        Cpu: '256',
        Memory: '512',
        NetworkMode: 'awsvpc',
        RequiresCompatibilities: ['FARGATE'],
        RuntimePlatform: { OperatingSystemFamily: 'LINUX', CpuArchitecture: 'X86_64' },
        ExecutionRoleArn: arnOf(idOf(t, 'AWS::IAM::Role', 'WebExecutionRole')),
        TaskRoleArn: arnOf(idOf(t, 'AWS::IAM::Role', 'WebTaskRole')),
        ContainerDefinitions: [{
          Name: 'web',
          Image: IMAGE,
          Essential: true,
          PortMappings: [{ ContainerPort: 8080, Protocol: 'tcp' }],
          LogConfiguration: {
            LogDriver: 'awslogs',
            Options: {
              'awslogs-group': ref(idOf(t, 'AWS::Logs::LogGroup', 'WebLogGroup')),
              'awslogs-stream-prefix': 'web',
              'awslogs-region': ref('AWS::Region'),
            },
          },
          Environment: Match.absent(),
          Secrets: Match.absent(),
          HealthCheck: Match.absent(),
        }],
      });
    });

    test('THEN the container log keeps 30 days, encrypted with the cluster key, destroyed with the stack', () => {
      t.hasResource('AWS::Logs::LogGroup', {
        Properties: { RetentionInDays: 30, KmsKeyId: arnOf(idOf(t, 'AWS::KMS::Key', 'ClusterKey')) },
        DeletionPolicy: 'Delete',
      });
      expect(idOf(t, 'AWS::Logs::LogGroup', 'WebLogGroup')).toBeDefined();
    });

    test('THEN the execution role may pull images and write its log, nothing else, with no managed policies', () => {
      const role = resourceOf(t, 'AWS::IAM::Role', 'WebExecutionRole');
      // Only this account's ECS may assume it (confused-deputy protection).
      expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([{
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { Service: 'ecs-tasks.amazonaws.com' },
        Condition: {
          StringEquals: { 'aws:SourceAccount': ref('AWS::AccountId') },
          ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', ref('AWS::Partition'), ':ecs:', ref('AWS::Region'), ':', ref('AWS::AccountId'), ':*']] } },
        },
      }]);
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      expect(resourceOf(t, 'AWS::IAM::Policy', 'WebExecutionRoleDefaultPolicy').Properties.PolicyDocument.Statement).toEqual([
        { Action: 'ecr:GetAuthorizationToken', Effect: 'Allow', Resource: '*' },
        { Action: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'], Effect: 'Allow', Resource: '*' },
        { Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Effect: 'Allow', Resource: arnOf(idOf(t, 'AWS::Logs::LogGroup', 'WebLogGroup')) },
      ]);
    });

    test('THEN the service waits for its listener, the capacity providers and both roles\' policies', () => {
      // Tasks pull the image and read secrets with the execution role the moment the service starts.
      expect(resourceOf(t, 'AWS::ECS::Service', 'WebService').DependsOn).toEqual(expect.arrayContaining([
        idOf(t, 'AWS::ElasticLoadBalancingV2::Listener', 'WebLoadBalancerHttpListener'),
        idOf(t, 'AWS::IAM::Policy', 'WebExecutionRoleDefaultPolicy'),
        idOf(t, 'AWS::IAM::Policy', 'WebTaskRoleDefaultPolicy'),
        idOf(t, 'AWS::ECS::ClusterCapacityProviderAssociations', 'Cluster'),
      ]));
    });

    test('THEN the task role has ECS Exec only: session channels, the cluster\'s exec log group and key', () => {
      const role = resourceOf(t, 'AWS::IAM::Role', 'WebTaskRole');
      expect(role.Properties.AssumeRolePolicyDocument.Statement[0]).toMatchObject({
        Principal: { Service: 'ecs-tasks.amazonaws.com' },
        Condition: { StringEquals: { 'aws:SourceAccount': ref('AWS::AccountId') } },
      });
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      expect(resourceOf(t, 'AWS::IAM::Policy', 'WebTaskRoleDefaultPolicy').Properties.PolicyDocument.Statement).toEqual([
        {
          Action: ['ssmmessages:CreateControlChannel', 'ssmmessages:CreateDataChannel', 'ssmmessages:OpenControlChannel', 'ssmmessages:OpenDataChannel'],
          Effect: 'Allow',
          Resource: '*',
        },
        { Action: 'logs:DescribeLogGroups', Effect: 'Allow', Resource: '*' },
        {
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
          Effect: 'Allow',
          Resource: arnOf(idOf(t, 'AWS::Logs::LogGroup', 'ClusterExecLogGroup')),
        },
        { Action: 'kms:Decrypt', Effect: 'Allow', Resource: arnOf(idOf(t, 'AWS::KMS::Key', 'ClusterKey')) },
      ]);
      // ECS Exec adds nothing to the cluster key's policy beyond PlatformCluster's own statements.
      expect(resourceOf(t, 'AWS::KMS::Key', 'ClusterKey').Properties.KeyPolicy.Statement).toHaveLength(4);
    });

    test('THEN the service security group admits only the load balancer\'s on 8080, and the load balancer may reach only it', () => {
      const serviceSg = idOf(t, 'AWS::EC2::SecurityGroup', 'WebSecurityGroup');
      const lbSg = idOf(t, 'AWS::EC2::SecurityGroup', 'WebLoadBalancerSecurityGroup');
      const sg = t.findResources('AWS::EC2::SecurityGroup')[serviceSg];
      expect(sg.Properties.SecurityGroupIngress).toBeUndefined();
      expect(sg.Properties.SecurityGroupEgress).toEqual([{ CidrIp: '0.0.0.0/0', Description: 'Allow all outbound traffic by default', IpProtocol: '-1' }]);
      t.resourceCountIs('AWS::EC2::SecurityGroupIngress', 1);
      t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
        GroupId: groupIdOf(serviceSg), SourceSecurityGroupId: groupIdOf(lbSg), IpProtocol: 'tcp', FromPort: 8080, ToPort: 8080,
      });
      t.resourceCountIs('AWS::EC2::SecurityGroupEgress', 1);
      t.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
        GroupId: groupIdOf(lbSg), DestinationSecurityGroupId: groupIdOf(serviceSg), IpProtocol: 'tcp', FromPort: 8080, ToPort: 8080,
      });
      const lb = t.findResources('AWS::EC2::SecurityGroup')[lbSg];
      expect(lb.Properties.SecurityGroupIngress).toEqual([expect.objectContaining({ CidrIp: '0.0.0.0/0', FromPort: 80, ToPort: 80 })]);
      // Inline, the placeholder that matches nothing removes EC2's default allow-all egress when the group is created.
      expect(lb.Properties.SecurityGroupEgress).toEqual([{ CidrIp: '255.255.255.255/32', Description: 'Disallow all traffic', IpProtocol: 'icmp', FromPort: 252, ToPort: 86 }]);
    });

    test('THEN the target group: IP targets over HTTP on 8080, health check from the plan, 30 s deregistration delay', () => {
      t.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
        TargetType: 'ip',
        Protocol: 'HTTP',
        Port: 8080,
        VpcId: ref(idOf(t, 'AWS::EC2::VPC', 'NetworkVpc')),
        HealthCheckProtocol: 'HTTP',
        HealthCheckPort: 'traffic-port',
        HealthCheckPath: '/',
        HealthCheckIntervalSeconds: 30,
        HealthCheckTimeoutSeconds: 5,
        HealthyThresholdCount: 2,
        UnhealthyThresholdCount: 3,
        Matcher: { HttpCode: '200-399' },
        TargetGroupAttributes: Match.arrayWith([{ Key: 'deregistration_delay.timeout_seconds', Value: '30' }]),
      });
    });

    test('THEN the service: Spot with one FARGATE base task, circuit breaker with rollback, 100/200 %, ECS Exec, private subnets, no public IP', () => {
      const service = resourceOf(t, 'AWS::ECS::Service', 'WebService');
      expect(service.Properties).toMatchObject({
        Cluster: ref(idOf(t, 'AWS::ECS::Cluster', 'Cluster')),
        DesiredCount: 2,
        CapacityProviderStrategy: [
          { CapacityProvider: 'FARGATE', Base: 1, Weight: 0 },
          { CapacityProvider: 'FARGATE_SPOT', Base: 0, Weight: 1 },
        ],
        DeploymentConfiguration: {
          DeploymentCircuitBreaker: { Enable: true, Rollback: true },
          MinimumHealthyPercent: 100,
          MaximumPercent: 200,
        },
        EnableExecuteCommand: true,
        HealthCheckGracePeriodSeconds: 60,
        PropagateTags: 'SERVICE',
        LoadBalancers: [{ ContainerName: 'web', ContainerPort: 8080, TargetGroupArn: ref(idOf(t, 'AWS::ElasticLoadBalancingV2::TargetGroup', 'WebTargetGroup')) }],
        NetworkConfiguration: {
          AwsvpcConfiguration: {
            AssignPublicIp: 'DISABLED',
            SecurityGroups: [groupIdOf(idOf(t, 'AWS::EC2::SecurityGroup', 'WebSecurityGroup'))],
            Subnets: Stack.of(web).resolve(cluster.network.privateSubnetIds),
          },
        },
      });
      expect(service.Properties.LaunchType).toBeUndefined();
    });

    test('THEN the service waits for the listener forwarding to its target group and for the capacity-provider association', () => {
      const service = resourceOf(t, 'AWS::ECS::Service', 'WebService');
      expect(service.DependsOn).toEqual(expect.arrayContaining([
        idOf(t, 'AWS::ElasticLoadBalancingV2::Listener', 'WebLoadBalancerHttpListener'),
        idOf(t, 'AWS::ECS::ClusterCapacityProviderAssociations', 'Cluster'),
      ]));
    });

    test('THEN five alarms with the plan\'s thresholds and dimensions, each notifying the cluster\'s alerts topic on alarm and OK', () => {
      const topic = ref(idOf(t, 'AWS::SNS::Topic', 'ClusterAlertsTopic'));
      const ecsDimensions = [
        { Name: 'ClusterName', Value: ref(idOf(t, 'AWS::ECS::Cluster', 'Cluster')) },
        { Name: 'ServiceName', Value: { 'Fn::GetAtt': [idOf(t, 'AWS::ECS::Service', 'WebService'), 'Name'] } },
      ];
      const albDimensions = [
        { Name: 'LoadBalancer', Value: { 'Fn::GetAtt': [idOf(t, 'AWS::ElasticLoadBalancingV2::LoadBalancer', 'WebLoadBalancer'), 'LoadBalancerFullName'] } },
        { Name: 'TargetGroup', Value: { 'Fn::GetAtt': [idOf(t, 'AWS::ElasticLoadBalancingV2::TargetGroup', 'WebTargetGroup'), 'TargetGroupFullName'] } },
      ];
      const expected: Array<[string, string, string, string, number, unknown]> = [
        ['WebCpuAlarm', 'AWS/ECS', 'CPUUtilization', 'Average', 80, ecsDimensions],
        ['WebMemoryAlarm', 'AWS/ECS', 'MemoryUtilization', 'Average', 80, ecsDimensions],
        ['WebHttp5xxAlarm', 'AWS/ApplicationELB', 'HTTPCode_Target_5XX_Count', 'Sum', 10, albDimensions],
        ['WebUnhealthyHostsAlarm', 'AWS/ApplicationELB', 'UnHealthyHostCount', 'Maximum', 0, albDimensions],
        ['WebErrorLogsAlarm', 'EcsPlatform/Logs', 'ErrorLogLines-Test-Web', 'Sum', 10, undefined],
      ];
      t.resourceCountIs('AWS::CloudWatch::Alarm', 5);
      for (const [prefix, namespace, metricName, statistic, threshold, dimensions] of expected) {
        expect(resourceOf(t, 'AWS::CloudWatch::Alarm', prefix).Properties).toMatchObject({
          Namespace: namespace,
          MetricName: metricName,
          Statistic: statistic,
          Threshold: threshold,
          ComparisonOperator: 'GreaterThanThreshold',
          EvaluationPeriods: 2,
          Period: 60,
          TreatMissingData: 'notBreaching',
          AlarmActions: [topic],
          OKActions: [topic],
        });
        expect(resourceOf(t, 'AWS::CloudWatch::Alarm', prefix).Properties.Dimensions).toEqual(dimensions);
      }
      expect(web.alarms.map((a) => a.node.id)).toEqual(['CpuAlarm', 'MemoryAlarm', 'Http5xxAlarm', 'UnhealthyHostsAlarm', 'ErrorLogsAlarm']);
    });

    test('THEN the error-log metric filter counts matching lines into the ErrorLogs alarm\'s metric', () => {
      t.hasResourceProperties('AWS::Logs::MetricFilter', {
        LogGroupName: ref(idOf(t, 'AWS::Logs::LogGroup', 'WebLogGroup')),
        FilterPattern: '?ERROR ?Error ?error',
        MetricTransformations: [{ MetricNamespace: 'EcsPlatform/Logs', MetricName: 'ErrorLogLines-Test-Web', MetricValue: '1', DefaultValue: 0 }],
      });
    });

    test('THEN the 5xx and unhealthy-host alarms, named from the construct path, roll a failing deployment back', () => {
      expect(resourceOf(t, 'AWS::ECS::Service', 'WebService').Properties.DeploymentConfiguration.Alarms).toEqual({
        AlarmNames: ['Test/Web/Http5xxAlarm', 'Test/Web/UnhealthyHostsAlarm'],
        Enable: true,
        Rollback: true,
      });
      expect(resourceOf(t, 'AWS::CloudWatch::Alarm', 'WebHttp5xxAlarm').Properties.AlarmName).toBe('Test/Web/Http5xxAlarm');
      expect(resourceOf(t, 'AWS::CloudWatch::Alarm', 'WebCpuAlarm').Properties.AlarmName).toBe('Test/Web/CpuAlarm');
    });

    test('THEN aws-cdk-lib sees no possible cycle in the deployment alarms (named, not referenced)', () => {
      const p = platform();
      new FargateWebService(p.stack, 'Web', { cluster: p.cluster, image: IMAGE });
      expect(Annotations.fromStack(p.stack).findInfo('*', Match.stringLikeRegexp('circular dependency'))).toEqual([]);
    });

    test('THEN no autoscaling without autoScaling', () => {
      t.resourceCountIs('AWS::ApplicationAutoScaling::ScalableTarget', 0);
    });

    test('THEN the public properties and the construct IDs both engines share', () => {
      expect(web.profile).toBe(EnvironmentProfile.DEVELOPMENT);
      expect(web.serviceName).toBe(web.service.serviceName);
      expect(web.dnsName).toBe(web.loadBalancer.dnsName);
      expect(web.taskDefinition.executionRole).toBe(web.executionRole);
      expect(web.taskDefinition.taskRole).toBe(web.taskRole);
      expect(web.node.children.map((c) => c.node.id)).toEqual([
        'LoadBalancer', 'LogGroup', 'ExecutionRole', 'TaskRole', 'TaskDefinition', 'SecurityGroup', 'TargetGroup', 'Service',
        'ErrorLogsMetricFilter', 'CpuAlarm', 'MemoryAlarm', 'Http5xxAlarm', 'UnhealthyHostsAlarm', 'ErrorLogsAlarm',
      ]);
    });
  });

  describe('GIVEN two services on a shared HTTPS load balancer with path and host rules', () => {
    let t: Template;
    let findings: string;
    let lb: PlatformLoadBalancer;
    let api: FargateWebService;
    let site: FargateWebService;

    beforeAll(() => {
      const p = platform();
      lb = new PlatformLoadBalancer(p.stack, 'Lb', { network: p.network, certificateArn: CERTIFICATE_ARN });
      api = new FargateWebService(p.stack, 'Api', {
        cluster: p.cluster,
        loadBalancer: lb,
        image: IMAGE,
        containerPort: 3000,
        routing: { pathPatterns: ['/api/*', '/v2/*'], priority: 10 },
      });
      site = new FargateWebService(p.stack, 'Site', {
        cluster: p.cluster,
        loadBalancer: lb,
        image: IMAGE,
        routing: { hostHeaders: ['www.example.com'], pathPatterns: ['/*'], priority: 20 },
      });
      const gated = cdkGatesAndTemplate(p.app, p.stack);
      t = gated.template;
      findings = formatFindings(gated.findings);
    });

    test('THEN the quality gates report nothing unacknowledged', () => {
      expect(findings).toBe('');
    });

    test('THEN one load balancer, whose HTTPS listener still answers 404 to anything unmatched', () => {
      t.resourceCountIs('AWS::ElasticLoadBalancingV2::LoadBalancer', 1);
      t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
        Port: 443,
        DefaultActions: [Match.objectLike({ Type: 'fixed-response' })],
      });
      expect(api.loadBalancer).toBe(lb);
      expect(site.loadBalancer).toBe(lb);
      expect(api.dnsName).toBe(lb.dnsName);
      expect(lb._takenPriorities).toEqual([10, 20]);
    });

    test('THEN each service has a listener rule on the HTTPS listener with its priority and conditions, forwarding to its target group', () => {
      const listener = ref(idOf(t, 'AWS::ElasticLoadBalancingV2::Listener', 'LbHttpsListener'));
      t.resourceCountIs('AWS::ElasticLoadBalancingV2::ListenerRule', 2);
      expect(resourceOf(t, 'AWS::ElasticLoadBalancingV2::ListenerRule', 'ApiListenerRule').Properties).toEqual({
        ListenerArn: listener,
        Priority: 10,
        Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/api/*', '/v2/*'] } }],
        Actions: [{ Type: 'forward', TargetGroupArn: ref(idOf(t, 'AWS::ElasticLoadBalancingV2::TargetGroup', 'ApiTargetGroup')) }],
      });
      expect(resourceOf(t, 'AWS::ElasticLoadBalancingV2::ListenerRule', 'SiteListenerRule').Properties).toEqual({
        ListenerArn: listener,
        Priority: 20,
        Conditions: [
          { Field: 'path-pattern', PathPatternConfig: { Values: ['/*'] } },
          { Field: 'host-header', HostHeaderConfig: { Values: ['www.example.com'] } },
        ],
        Actions: [{ Type: 'forward', TargetGroupArn: ref(idOf(t, 'AWS::ElasticLoadBalancingV2::TargetGroup', 'SiteTargetGroup')) }],
      });
      expect(api.listenerRule?.node.path).toBe('Test/Api/ListenerRule');
    });

    test('THEN each service waits for its own listener rule', () => {
      expect(resourceOf(t, 'AWS::ECS::Service', 'ApiService').DependsOn).toContain(idOf(t, 'AWS::ElasticLoadBalancingV2::ListenerRule', 'ApiListenerRule'));
      expect(resourceOf(t, 'AWS::ECS::Service', 'SiteService').DependsOn).toContain(idOf(t, 'AWS::ElasticLoadBalancingV2::ListenerRule', 'SiteListenerRule'));
    });

    test('THEN each service admits only the load balancer on its own container port, and the load balancer reaches each on that port only', () => {
      const lbSg = groupIdOf(idOf(t, 'AWS::EC2::SecurityGroup', 'LbSecurityGroup'));
      const rules = (type: string) => Object.values(t.findResources(type)).map((r) => r.Properties);
      expect(rules('AWS::EC2::SecurityGroupIngress')).toEqual(expect.arrayContaining([
        expect.objectContaining({ GroupId: groupIdOf(idOf(t, 'AWS::EC2::SecurityGroup', 'ApiSecurityGroup')), SourceSecurityGroupId: lbSg, FromPort: 3000, ToPort: 3000 }),
        expect.objectContaining({ GroupId: groupIdOf(idOf(t, 'AWS::EC2::SecurityGroup', 'SiteSecurityGroup')), SourceSecurityGroupId: lbSg, FromPort: 8080, ToPort: 8080 }),
      ]));
      expect(rules('AWS::EC2::SecurityGroupIngress')).toHaveLength(2);
      expect(rules('AWS::EC2::SecurityGroupEgress')).toEqual(expect.arrayContaining([
        expect.objectContaining({ GroupId: lbSg, DestinationSecurityGroupId: groupIdOf(idOf(t, 'AWS::EC2::SecurityGroup', 'ApiSecurityGroup')), FromPort: 3000, ToPort: 3000 }),
        expect.objectContaining({ GroupId: lbSg, DestinationSecurityGroupId: groupIdOf(idOf(t, 'AWS::EC2::SecurityGroup', 'SiteSecurityGroup')), FromPort: 8080, ToPort: 8080 }),
      ]));
      expect(rules('AWS::EC2::SecurityGroupEgress')).toHaveLength(2);
      const lbGroup = resourceOf(t, 'AWS::EC2::SecurityGroup', 'LbSecurityGroup').Properties;
      expect(lbGroup.SecurityGroupIngress.map((r: { FromPort: number }) => r.FromPort)).toEqual([80, 443]);
    });

    test('THEN each service\'s load-balancer alarms watch the shared load balancer and its own target group', () => {
      t.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'HTTPCode_Target_5XX_Count',
        Dimensions: [
          { Name: 'LoadBalancer', Value: { 'Fn::GetAtt': [idOf(t, 'AWS::ElasticLoadBalancingV2::LoadBalancer', 'LbLoadBalancer'), 'LoadBalancerFullName'] } },
          { Name: 'TargetGroup', Value: { 'Fn::GetAtt': [idOf(t, 'AWS::ElasticLoadBalancingV2::TargetGroup', 'SiteTargetGroup'), 'TargetGroupFullName'] } },
        ],
      });
      t.resourceCountIs('AWS::CloudWatch::Alarm', 10);
    });
  });

  describe('GIVEN a PRODUCTION platform', () => {
    let t: Template;
    let findings: string;
    let web: FargateWebService;

    beforeAll(() => {
      const p = platform(EnvironmentProfile.PRODUCTION);
      web = new FargateWebService(p.stack, 'Web', { cluster: p.cluster, image: IMAGE });
      const gated = cdkGatesAndTemplate(p.app, p.stack);
      t = gated.template;
      findings = formatFindings(gated.findings);
    });

    test('THEN the quality gates report nothing unacknowledged', () => {
      expect(findings).toBe('');
    });

    test('THEN no Spot, a year of container logs kept on delete, and its load balancer protected and retained', () => {
      expect(web.profile).toBe(EnvironmentProfile.PRODUCTION);
      expect(web.loadBalancer.profile).toBe(EnvironmentProfile.PRODUCTION);
      expect(resourceOf(t, 'AWS::ECS::Service', 'WebService').Properties.CapacityProviderStrategy)
        .toEqual([{ CapacityProvider: 'FARGATE', Base: 0, Weight: 1 }]);
      expect(resourceOf(t, 'AWS::Logs::LogGroup', 'WebLogGroup')).toMatchObject({
        Properties: { RetentionInDays: 365 }, DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain',
      });
      t.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
        LoadBalancerAttributes: Match.arrayWith([{ Key: 'deletion_protection.enabled', Value: 'true' }]),
      });
      t.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Retain' });
    });
  });

  describe('GIVEN secrets, environment, a container health check, autoscaling, alarm settings and an alarm topic', () => {
    let t: Template;
    let findings: string;
    let topic: sns.Topic;

    beforeAll(() => {
      const p = platform();
      topic = new sns.Topic(p.stack, 'OnCall', { masterKey: p.cluster.encryptionKey, enforceSSL: true });
      new FargateWebService(p.stack, 'Web', {
        cluster: p.cluster,
        image: IMAGE,
        containerPort: 3000,
        cpu: 1024,
        memoryMiB: 4096,
        desiredCount: 3,
        spot: false,
        environment: { LOG_LEVEL: 'info', REGION_NAME: 'eu-west-1' },
        secrets: {
          DB_PASSWORD: { secretsManagerArn: SECRET_ARN, jsonKey: 'password' },
          DB_USER: { secretsManagerArn: SECRET_ARN, jsonKey: 'username' },
          API_TOKEN: { secretsManagerArn: OTHER_SECRET_ARN },
          FLAGS: { ssmParameterArn: PARAMETER_ARN },
        },
        healthCheck: {
          path: '/health',
          intervalSeconds: 15,
          timeoutSeconds: 4,
          healthyThreshold: 3,
          unhealthyThreshold: 4,
          healthyHttpCodes: '200',
          command: ['curl -f http://localhost:3000/health || exit 1'],
        },
        autoScaling: { minCapacity: 3, maxCapacity: 12, cpuTargetPercent: 60, memoryTargetPercent: 75 },
        alarms: { cpuPercent: 90, http5xxCount: 5, unhealthyHosts: 1, errorLogPattern: '"FATAL"', evaluationPeriods: 3 },
        logRetentionDays: 90,
        alarmTopic: topic,
      });
      const gated = cdkGatesAndTemplate(p.app, p.stack);
      t = gated.template;
      findings = formatFindings(gated.findings);
    });

    test('THEN the quality gates report nothing unacknowledged (environment variables acknowledged beside the task definition)', () => {
      expect(findings).toBe('');
    });

    test('THEN the execution role reads exactly the secret and parameter ARNs given, with exactly the actions needed', () => {
      const statements = resourceOf(t, 'AWS::IAM::Policy', 'WebExecutionRoleDefaultPolicy').Properties.PolicyDocument.Statement;
      expect(statements.slice(3)).toEqual([
        { Action: 'secretsmanager:GetSecretValue', Effect: 'Allow', Resource: [SECRET_ARN, OTHER_SECRET_ARN] },
        { Action: 'ssm:GetParameters', Effect: 'Allow', Resource: PARAMETER_ARN },
      ]);
      expect(JSON.stringify(statements)).not.toMatch(/secretsmanager:DescribeSecret|ssm:GetParameter"|ssm:DescribeParameters/);
    });

    test('THEN the container gets the secrets by ARN (JSON keys as :key::), the environment, and the container health check', () => {
      t.hasResourceProperties('AWS::ECS::TaskDefinition', {
        Cpu: '1024',
        Memory: '4096',
        ContainerDefinitions: [Match.objectLike({
          PortMappings: [{ ContainerPort: 3000, Protocol: 'tcp' }],
          Environment: [{ Name: 'LOG_LEVEL', Value: 'info' }, { Name: 'REGION_NAME', Value: 'eu-west-1' }],
          Secrets: [
            { Name: 'DB_PASSWORD', ValueFrom: `${SECRET_ARN}:password::` },
            { Name: 'DB_USER', ValueFrom: `${SECRET_ARN}:username::` },
            { Name: 'API_TOKEN', ValueFrom: SECRET_ARN.replace('db-credentials-AbCdEf', 'api-token-GhIjKl') },
            { Name: 'FLAGS', ValueFrom: PARAMETER_ARN },
          ],
          HealthCheck: {
            Command: ['CMD-SHELL', 'curl -f http://localhost:3000/health || exit 1'],
            Interval: 15,
            Timeout: 4,
            Retries: 4,
            StartPeriod: 60,
          },
        })],
      });
    });

    test('THEN the target group probes the given path, timings and codes on port 3000', () => {
      t.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
        Port: 3000,
        HealthCheckPath: '/health',
        HealthCheckIntervalSeconds: 15,
        HealthCheckTimeoutSeconds: 4,
        HealthyThresholdCount: 3,
        UnhealthyThresholdCount: 4,
        Matcher: { HttpCode: '200' },
      });
    });

    test('THEN no Spot, no fixed count (the scaler owns it), and target tracking on CPU and memory between 3 and 12 tasks', () => {
      const service = resourceOf(t, 'AWS::ECS::Service', 'WebService').Properties;
      expect(service).toMatchObject({ CapacityProviderStrategy: [{ CapacityProvider: 'FARGATE', Base: 0, Weight: 1 }] });
      // A DesiredCount would reset a scaled-out service to it on every deployment.
      expect(service.DesiredCount).toBeUndefined();
      t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
        MinCapacity: 3, MaxCapacity: 12, ScalableDimension: 'ecs:service:DesiredCount', ServiceNamespace: 'ecs',
      });
      const target = ref(idOf(t, 'AWS::ApplicationAutoScaling::ScalableTarget', 'WebServiceTaskCount'));
      t.resourceCountIs('AWS::ApplicationAutoScaling::ScalingPolicy', 2);
      for (const [prefix, metric, value] of [
        ['WebServiceTaskCountTargetCpuScaling', 'ECSServiceAverageCPUUtilization', 60],
        ['WebServiceTaskCountTargetMemoryScaling', 'ECSServiceAverageMemoryUtilization', 75],
      ] as const) {
        expect(resourceOf(t, 'AWS::ApplicationAutoScaling::ScalingPolicy', prefix).Properties).toMatchObject({
          PolicyType: 'TargetTrackingScaling',
          ScalingTargetId: target,
          TargetTrackingScalingPolicyConfiguration: { PredefinedMetricSpecification: { PredefinedMetricType: metric }, TargetValue: value },
        });
      }
    });

    test('THEN alarms use the given thresholds, periods and pattern, and notify the given topic instead of the cluster\'s', () => {
      const onCall = [ref(idOf(t, 'AWS::SNS::Topic', 'OnCall'))];
      for (const [prefix, threshold] of [['WebCpuAlarm', 90], ['WebMemoryAlarm', 80], ['WebHttp5xxAlarm', 5], ['WebUnhealthyHostsAlarm', 1], ['WebErrorLogsAlarm', 10]] as const) {
        expect(resourceOf(t, 'AWS::CloudWatch::Alarm', prefix).Properties).toMatchObject({
          Threshold: threshold, EvaluationPeriods: 3, AlarmActions: onCall, OKActions: onCall,
        });
      }
      t.hasResourceProperties('AWS::Logs::MetricFilter', { FilterPattern: '"FATAL"' });
      t.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90, KmsKeyId: Match.anyValue() });
    });
  });

  test('GIVEN autoScaling with defaults THEN desiredCount to twice that, CPU at 70 %, no memory policy, and no aws-cdk-lib warnings', () => {
    const { stack, cluster } = platform();
    new FargateWebService(stack, 'Web', { cluster, image: IMAGE, desiredCount: 2, autoScaling: {} });
    // Its own load balancer's 404 is replaced by the forward on purpose: acknowledged, not warned about.
    expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
    const t = cdkTemplate(stack);
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 2, MaxCapacity: 4 });
    t.resourceCountIs('AWS::ApplicationAutoScaling::ScalingPolicy', 1);
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: { PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' }, TargetValue: 70 },
    });
  });

  test('GIVEN a command THEN the container runs it instead of the image\'s CMD', () => {
    const { stack, cluster } = platform();
    new FargateWebService(stack, 'Web', { cluster, image: IMAGE, command: ['nginx', '-g', 'daemon off;'] });
    cdkTemplate(stack).hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [Match.objectLike({ Command: ['nginx', '-g', 'daemon off;'] })],
    });
  });

  test('GIVEN secrets under customer-managed keys THEN the execution role decrypts with exactly those keys, only through Secrets Manager / SSM', () => {
    const { stack, cluster } = platform();
    const key = 'arn:aws:kms:eu-west-1:111122223333:key/11111111-2222-3333-4444-555555555555';
    new FargateWebService(stack, 'Web', {
      cluster,
      image: IMAGE,
      secrets: { DB: { secretsManagerArn: SECRET_ARN, kmsKeyArn: key }, FLAGS: { ssmParameterArn: PARAMETER_ARN, kmsKeyArn: key } },
    });
    const t = cdkTemplate(stack);
    const statements = resourceOf(t, 'AWS::IAM::Policy', 'WebExecutionRoleDefaultPolicy').Properties.PolicyDocument.Statement;
    expect(statements.filter((st: any) => st.Action === 'kms:Decrypt')).toEqual([{
      Action: 'kms:Decrypt',
      Effect: 'Allow',
      Resource: key,
      Condition: {
        StringEquals: {
          'kms:ViaService': [
            { 'Fn::Join': ['', ['secretsmanager.', ref('AWS::Region'), '.', ref('AWS::URLSuffix')]] },
            { 'Fn::Join': ['', ['ssm.', ref('AWS::Region'), '.', ref('AWS::URLSuffix')]] },
          ],
        },
      },
    }]);
  });

  test('GIVEN the same stack deployed under two stack names (dev, staging) THEN alarm and metric names differ', () => {
    const names = (stackName: string) => {
      const app = new App();
      const stack = new Stack(app, 'Web', { stackName });
      const network = new PlatformNetwork(stack, 'Network');
      new FargateWebService(stack, 'Api', { cluster: new PlatformCluster(stack, 'Cluster', { network }), image: IMAGE });
      const t = Template.fromStack(stack);
      return [
        ...Object.values(t.findResources('AWS::CloudWatch::Alarm')).map((a: any) => a.Properties.AlarmName),
        ...Object.values(t.findResources('AWS::Logs::MetricFilter')).map((f: any) => f.Properties.MetricTransformations[0].MetricName),
      ];
    };
    const dev = names('web-dev');
    expect(dev).toContain('web-dev/Api/CpuAlarm');
    expect(dev).toContain('ErrorLogLines-web-dev-Api');
    const staging = names('web-staging');
    expect(staging.filter((n) => dev.includes(n))).toEqual([]);
  });

  test('GIVEN a containerImage object THEN it is used (no image needed) and the execution role keeps its statements', () => {
    const { stack, cluster } = platform();
    const repository = ecr.Repository.fromRepositoryName(stack, 'Repo', 'shop/app');
    new FargateWebService(stack, 'Web', { cluster, containerImage: ecs.ContainerImage.fromEcrRepository(repository, 'v1') });
    const t = cdkTemplate(stack);
    t.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [Match.objectLike({ Image: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('/shop/app:v1$')])] } })],
    });
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([{ Action: 'ecr:GetAuthorizationToken', Effect: 'Allow', Resource: '*' }]) },
    });
  });

  describe('validation: each bad prop throws one error naming it, before anything is created', () => {
    test.each<[string, Partial<FargateWebServiceProps>, RegExp]>([
      ['a cpu/memory pair Fargate does not offer', { cpu: 256, memoryMiB: 4096 }, /memoryMiB: got 4096; expected a memory size Fargate offers for cpu 256: 512, 1024, 2048/],
      ['an unknown cpu', { cpu: 300 }, /cpu: got 300/],
      ['desiredCount above 1000', { desiredCount: 1001 }, /desiredCount: got 1001; expected an integer from 0 to 1000/],
      ['a negative desiredCount', { desiredCount: -1 }, /desiredCount: got -1/],
      ['autoScaling.minCapacity 0', { autoScaling: { minCapacity: 0, maxCapacity: 2 } }, /autoScaling\.minCapacity: got 0/],
      ['autoScaling.maxCapacity above 1000', { autoScaling: { maxCapacity: 1001 } }, /autoScaling\.maxCapacity: got 1001/],
      ['minCapacity above maxCapacity', { autoScaling: { minCapacity: 5, maxCapacity: 3 } }, /autoScaling\.maxCapacity: got 3; expected at least autoScaling\.minCapacity \(5\)/],
      ['a health-check path without a leading /', { healthCheck: { path: 'health' } }, /healthCheck\.path: got "health"/],
      ['containerPort 0', { containerPort: 0 }, /containerPort: got 0; expected an integer from 1 to 65535/],
      ['containerPort 65536', { containerPort: 65536 }, /containerPort: got 65536/],
      ['routing without a shared load balancer', { routing: { pathPatterns: ['/api/*'], priority: 1 } }, /routing: .*expected a shared loadBalancer/],
      ['no image', { image: undefined }, /image: got undefined/],
      ['both image and containerImage', { containerImage: ecs.ContainerImage.fromRegistry(IMAGE) }, /containerImage: .*either image or containerImage, not both/],
    ])('%s', (_name, props, message) => {
      const { stack, cluster } = platform();
      const make = () => new FargateWebService(stack, 'Web', { cluster, image: IMAGE, ...props });
      expect(make).toThrow(message);
      expect(make).toThrow(/Invalid props for FargateWebService at 'Test\/Web'/);
      expect(stack.node.tryFindChild('Web')).toBeUndefined();
    });

    test('every problem is reported at once, the CDK-only conflict included', () => {
      const { stack, cluster } = platform();
      expect(() => new FargateWebService(stack, 'Web', {
        cluster, image: IMAGE, containerImage: ecs.ContainerImage.fromRegistry(IMAGE), containerPort: 0, desiredCount: 1001,
      })).toThrow(/\(3 problems\):\n {2}- containerImage: .*\n {2}- containerPort: .*\n {2}- desiredCount: /);
    });

    describe('on a shared load balancer', () => {
      let stack: Stack;
      let cluster: PlatformCluster;
      let loadBalancer: PlatformLoadBalancer;
      beforeAll(() => {
        const p = platform();
        stack = p.stack;
        cluster = p.cluster;
        loadBalancer = new PlatformLoadBalancer(stack, 'Lb', { network: p.network });
        new FargateWebService(stack, 'First', { cluster, loadBalancer, image: IMAGE, routing: { pathPatterns: ['/a/*'], priority: 7 } });
      });

      test.each<[string, Partial<FargateWebServiceProps>, RegExp]>([
        ['a priority already used on the listener', { routing: { pathPatterns: ['/b/*'], priority: 7 } }, /routing\.priority: got 7; expected a priority not already used/],
        ['more than five values in one listener rule', {
          routing: { pathPatterns: ['/1', '/2', '/3'], hostHeaders: ['a.example.com', 'b.example.com', 'c.example.com'], priority: 8 },
        }, /routing: .*expected at most 5 path patterns and host headers together \(the ALB's limit of values per rule\); got 6/],
        ['more than three path patterns', {
          routing: { pathPatterns: ['/1', '/2', '/3', '/4'], priority: 8 },
        }, /routing\.pathPatterns: got \["\/1","\/2","\/3","\/4"\]; expected at most 3 path patterns \(the ALB's limit of values per condition\)/],
        ['no routing', {}, /routing: got undefined; expected routing/],
        ['routing without conditions', { routing: { priority: 9 } }, /routing: .*at least one path pattern or host header/],
      ])('%s', (_name, props, message) => {
        const make = () => new FargateWebService(stack, 'Second', { cluster, loadBalancer, image: IMAGE, ...props });
        expect(make).toThrow(message);
        expect(stack.node.tryFindChild('Second')).toBeUndefined();
        expect(loadBalancer._takenPriorities).toEqual([7]);
      });
    });
  });
});
