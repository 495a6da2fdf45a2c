/**
 * Benchmark baseline: the web-platform example's three services written with
 * aws-cdk-lib alone (`ecs_patterns.ApplicationLoadBalancedFargateService`), no
 * ecs-platform-constructs. `node scripts/bench.js` synthesises it beside the
 * web-platform example (both engines) and reports their cost relative to this.
 *
 * Same shape where aws-cdk-lib's pattern allows it: a VPC over 2 AZs with one
 * NAT gateway, a cluster with Fargate capacity providers and Container
 * Insights, and three load-balanced Fargate services with the example's
 * images, ports, task sizes, desired count (2), health-check path and
 * autoscaling. Not the same: the pattern gives each service its own ALB (no
 * shared listener with path rules), and there are no flow logs, KMS keys,
 * access logs, alarms, ECS Exec logging or security-group tightening, which
 * the library adds. So the ratio measures what the library's extra resources
 * and its plan/validation layer cost at synth time, not like-for-like overhead.
 *
 * Environment-agnostic (AZs from `Fn::GetAZs`): no credentials or lookups.
 * Run: node -r ts-node/register/transpile-only app.ts  (CDK_OUTDIR picks the output directory)
 */
import { App, Stack, StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as ecsPatterns from 'aws-cdk-lib/aws-ecs-patterns';
import { Construct } from 'constructs';

/** The web-platform example's images. */
const IMAGES = {
  frontend: 'public.ecr.aws/docker/library/nginx:1.27',
  api: 'public.ecr.aws/docker/library/node:22-alpine',
  finOps: 'public.ecr.aws/openops/openops-app:latest',
};

/** A VPC, a cluster and three ALB-fronted Fargate services, aws-cdk-lib only. */
export class AlbFargateStack extends Stack {
  constructor(scope: Construct, id: string, props: StackProps = {}) {
    super(scope, id, props);

    const vpc = new ec2.Vpc(this, 'Vpc', { maxAzs: 2, natGateways: 1 });
    const cluster = new ecs.Cluster(this, 'Cluster', {
      vpc,
      enableFargateCapacityProviders: true,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });

    new ecsPatterns.ApplicationLoadBalancedFargateService(this, 'Frontend', {
      cluster,
      cpu: 256,
      memoryLimitMiB: 512,
      desiredCount: 2,
      circuitBreaker: { rollback: true },
      taskImageOptions: { image: ecs.ContainerImage.fromRegistry(IMAGES.frontend), containerPort: 80 },
    });

    const api = new ecsPatterns.ApplicationLoadBalancedFargateService(this, 'Api', {
      cluster,
      cpu: 512,
      memoryLimitMiB: 1024,
      desiredCount: 2,
      circuitBreaker: { rollback: true },
      taskImageOptions: {
        image: ecs.ContainerImage.fromRegistry(IMAGES.api),
        containerPort: 3000,
        environment: { LOG_LEVEL: 'info' },
      },
    });
    api.targetGroup.configureHealthCheck({ path: '/health' });
    api.service
      .autoScaleTaskCount({ minCapacity: 2, maxCapacity: 6 })
      .scaleOnCpuUtilization('CpuScaling', { targetUtilizationPercent: 70 });

    new ecsPatterns.ApplicationLoadBalancedFargateService(this, 'FinOps', {
      cluster,
      cpu: 256,
      memoryLimitMiB: 512,
      desiredCount: 2,
      circuitBreaker: { rollback: true },
      taskImageOptions: { image: ecs.ContainerImage.fromRegistry(IMAGES.finOps), containerPort: 8080 },
    });
  }
}

/** Add the benchmark stack to `app` (a new App when none is given) and return it. */
export function buildApp(app: App = new App()): App {
  new AlbFargateStack(app, 'AlbFargate', {
    description: 'ecs-platform-constructs benchmark baseline: aws-cdk-lib ecs_patterns only',
  });
  return app;
}

if (require.main === module) {
  buildApp().synth();
}
