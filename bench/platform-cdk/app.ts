/**
 * Benchmark baseline: the platform example (examples/platform) written with aws-cdk-lib alone, for the
 * parts aws-cdk-lib covers. `node scripts/bench.js` synthesises it beside the platform example in both
 * engines and reports synthesis time per resource against it.
 *
 * Same six stacks and cross-stack references; in each, what an aws-cdk-lib user would write for it:
 *   - network: ec2.Vpc 10.0.0.0/16 over 2 AZs, 1 NAT gateway, public/private/isolated subnets, flow
 *     logs to CloudWatch Logs, an S3 gateway endpoint;
 *   - cluster: ecs.Cluster (Container Insights, FARGATE + FARGATE_SPOT, ECS Exec logging to an
 *     encrypted log group), an encrypted alerts topic, an internet-facing ALB with HTTPS 443 and an
 *     HTTP redirect, access logs to S3;
 *   - data: an encrypted PostgreSQL rds.DatabaseInstance in the isolated subnets (generated secret),
 *     a dynamodb.TableV2 with pk/sk, a GSI, TTL and PITR;
 *   - services: Api and Web (FargateService, target group, listener rule), Worker (FargateService),
 *     each with a log group, CPU and memory alarms to the topic, the Api's and the Worker's connections
 *     to the database and grants on the table;
 *   - operations: an ECR repository and a daily budget.
 * Not covered by aws-cdk-lib L2s, so left out: Teleport, the DevOps Agent space, the FinOps
 * workflows, the GitHub deploy role. Resource counts therefore differ from the library's; the
 * benchmark compares time per resource.
 *
 * Region eu-west-1, account-agnostic (AZs from Fn::GetAZs): no credentials or lookups. Exports buildApp(app) like the examples.
 */
import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as budgets from 'aws-cdk-lib/aws-budgets';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';

const CERTIFICATE_ARN = 'arn:aws:acm:eu-west-1:111122223333:certificate/11111111-2222-3333-4444-555555555555';
const NODE = 'public.ecr.aws/docker/library/node:22.14.0-alpine';
const NGINX = 'public.ecr.aws/docker/library/nginx:1.27.5';

/** Add the baseline's six stacks to `app` and return it. */
export function buildApp(app: App = new App()): App {
  // A literal region: aws-cdk-lib's ALB access logging needs one (the library's load balancer handles a token).
  const env = { region: 'eu-west-1' };
  // --- network
  const networkStack = new Stack(app, 'BaselineNetwork', { env });
  const vpc = new ec2.Vpc(networkStack, 'Vpc', {
    ipAddresses: ec2.IpAddresses.cidr('10.0.0.0/16'),
    maxAzs: 2,
    natGateways: 1,
    subnetConfiguration: [
      { name: 'public', subnetType: ec2.SubnetType.PUBLIC },
      { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      { name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    ],
    flowLogs: { all: { destination: ec2.FlowLogDestination.toCloudWatchLogs(new logs.LogGroup(networkStack, 'FlowLogs', { retention: logs.RetentionDays.ONE_MONTH })) } },
    gatewayEndpoints: { s3: { service: ec2.GatewayVpcEndpointAwsService.S3 } },
  });

  // --- cluster, alerts, the shared load balancer
  const clusterStack = new Stack(app, 'BaselineCluster', { env });
  const key = new kms.Key(clusterStack, 'Key', { enableKeyRotation: true, removalPolicy: RemovalPolicy.DESTROY });
  const execLogs = new logs.LogGroup(clusterStack, 'ExecLogs', { encryptionKey: key, retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
  const cluster = new ecs.Cluster(clusterStack, 'Cluster', {
    vpc,
    containerInsightsV2: ecs.ContainerInsights.ENABLED,
    enableFargateCapacityProviders: true,
    executeCommandConfiguration: { kmsKey: key, logConfiguration: { cloudWatchLogGroup: execLogs }, logging: ecs.ExecuteCommandLogging.OVERRIDE },
  });
  const alerts = new sns.Topic(clusterStack, 'Alerts', { masterKey: key });
  const accessLogs = new s3.Bucket(clusterStack, 'AccessLogs', {
    encryption: s3.BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    removalPolicy: RemovalPolicy.DESTROY,
    autoDeleteObjects: true,
    lifecycleRules: [{ expiration: Duration.days(90) }],
  });
  const alb = new elbv2.ApplicationLoadBalancer(clusterStack, 'Ingress', { vpc, internetFacing: true, idleTimeout: Duration.seconds(350) });
  alb.logAccessLogs(accessLogs, 'alb');
  const https = alb.addListener('Https', { port: 443, certificates: [elbv2.ListenerCertificate.fromArn(CERTIFICATE_ARN)], defaultAction: elbv2.ListenerAction.fixedResponse(404) });
  alb.addRedirect();

  // --- data
  const dataStack = new Stack(app, 'BaselineData', { env });
  const database = new rds.DatabaseInstance(dataStack, 'MainDb', {
    engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_16 }),
    instanceType: ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.MICRO),
    vpc,
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    databaseName: 'main',
    storageEncrypted: true,
    allocatedStorage: 20,
    maxAllocatedStorage: 100,
    backupRetention: Duration.days(1),
    removalPolicy: RemovalPolicy.DESTROY,
    deletionProtection: false,
  });
  const sessions = new dynamodb.TableV2(dataStack, 'Sessions', {
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
    globalSecondaryIndexes: [{ indexName: 'gsi1', partitionKey: { name: 'gsi1pk', type: dynamodb.AttributeType.STRING } }],
    timeToLiveAttribute: 'expiresAt',
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    removalPolicy: RemovalPolicy.DESTROY,
  });

  // --- services
  const servicesStack = new Stack(app, 'BaselineServices', { env });
  const service = (id: string, image: string, port: number | undefined, command?: string[]) => {
    const taskDefinition = new ecs.FargateTaskDefinition(servicesStack, `${id}Task`, { cpu: 256, memoryLimitMiB: 512 });
    const logGroup = new logs.LogGroup(servicesStack, `${id}Logs`, { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
    taskDefinition.addContainer('web', {
      image: ecs.ContainerImage.fromRegistry(image),
      command,
      portMappings: port === undefined ? undefined : [{ containerPort: port }],
      logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: 'web' }),
    });
    const fargate = new ecs.FargateService(servicesStack, id, {
      cluster,
      taskDefinition,
      desiredCount: 2,
      circuitBreaker: { enable: true, rollback: true },
      enableExecuteCommand: true,
      capacityProviderStrategies: [{ capacityProvider: 'FARGATE', base: 1, weight: 0 }, { capacityProvider: 'FARGATE_SPOT', weight: 1 }],
    });
    const action = new cloudwatchActions.SnsAction(alerts);
    for (const [name, metric] of [['Cpu', fargate.metricCpuUtilization()], ['Memory', fargate.metricMemoryUtilization()]] as const) {
      const alarm = new cloudwatch.Alarm(servicesStack, `${id}${name}Alarm`, { metric, threshold: 80, evaluationPeriods: 2 });
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }
    return fargate;
  };
  const api = service('Api', NODE, 3000, ['node', '-e', 'require("http").createServer((q, s) => s.end("ok")).listen(3000)']);
  const web = service('Web', NGINX, 80);
  const worker = service('Worker', NODE, undefined, ['node', '-e', 'setInterval(() => console.log("tick"), 60000)']);
  [[api, 3000, '/api/*', 100], [web, 80, '/*', 200]].forEach(([fargate, port, path, priority]) => {
    const target = new elbv2.ApplicationTargetGroup(servicesStack, `${(fargate as ecs.FargateService).node.id}Targets`, {
      vpc, port: port as number, protocol: elbv2.ApplicationProtocol.HTTP, targets: [fargate as ecs.FargateService], healthCheck: { path: '/' },
    });
    new elbv2.ApplicationListenerRule(servicesStack, `${(fargate as ecs.FargateService).node.id}Rule`, {
      listener: https,
      priority: priority as number,
      conditions: [elbv2.ListenerCondition.hostHeaders(['api.example.com']), elbv2.ListenerCondition.pathPatterns([path as string])],
      action: elbv2.ListenerAction.forward([target]),
    });
  });
  api.autoScaleTaskCount({ minCapacity: 2, maxCapacity: 6 }).scaleOnCpuUtilization('Cpu', { targetUtilizationPercent: 60 });
  for (const fargate of [api, worker]) {
    // A remote rule (in the service's stack): the data stack must not depend on the services stack.
    database.connections.securityGroups[0].addIngressRule(fargate.connections.securityGroups[0], ec2.Port.tcp(5432), 'service to database', true);
    database.secret!.grantRead(fargate.taskDefinition.taskRole);
    sessions.grantReadWriteData(fargate.taskDefinition.taskRole);
  }

  // --- operations
  const operationsStack = new Stack(app, 'BaselineOperations', { env });
  new ecr.Repository(operationsStack, 'AppRepo', { imageScanOnPush: true, imageTagMutability: ecr.TagMutability.IMMUTABLE, removalPolicy: RemovalPolicy.DESTROY });
  new budgets.CfnBudget(operationsStack, 'Daily', {
    budget: { budgetType: 'COST', timeUnit: 'DAILY', budgetLimit: { amount: 1000, unit: 'USD' } },
    notificationsWithSubscribers: [{
      notification: { notificationType: 'ACTUAL', comparisonOperator: 'GREATER_THAN', threshold: 80 },
      subscribers: [{ subscriptionType: 'SNS', address: alerts.topicArn }],
    }],
  });
  return app;
}

if (require.main === module) {
  buildApp().synth();
}
