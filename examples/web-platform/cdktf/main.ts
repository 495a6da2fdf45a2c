/**
 * Example "web-platform", CDK for Terraform edition: the reference platform's web tier.
 *
 * One stack, web-platform (DEVELOPMENT profile, every default not named below),
 * with an AWS provider in eu-west-1 and Terraform's default local backend:
 *   - Network:  PlatformNetwork (2 AZs, 1 NAT gateway, flow logs).
 *   - Cluster:  PlatformCluster (FARGATE + FARGATE_SPOT, Container Insights, ECS Exec logging, alerts topic).
 *   - Ingress:  a PlatformLoadBalancer shared by two services. Plain HTTP on port 80
 *               (no certificate or domain, so synthesis needs no DNS); give it
 *               `certificateArn` or `domain` for HTTPS with HTTP redirecting to it.
 *   - Frontend: nginx on port 80 behind Ingress, catch-all `/*` (priority 100).
 *   - Api:      a Node.js server on port 3000 behind Ingress, `/api/*` (priority 10, so it
 *               is matched before the frontend's catch-all), health check on /health,
 *               0.5 vCPU / 1 GiB, 2 to 6 tasks scaled on 70 % CPU.
 *   - FinOps:   a stand-in for the OpenOps FinOps app (httpd on port 80) with its OWN load
 *               balancer (no `loadBalancer` prop: the service creates one and takes its whole listener),
 *               internal (`loadBalancerOptions.internal`: a cost dashboard is for the team, reached
 *               over VPN or Teleport, not the internet), on Graviton (`cpuArchitecture: ARM64`).
 *   The Api learns the public address after construction (`addEnvironment`), the way later
 *   constructs (a database, a queue) hand services their connection settings.
 *
 * Outputs: the DNS names of the two load balancers (ingress_dns_name, finops_dns_name).
 *
 * The AZs are read at plan time from the `aws_availability_zones` data source; to
 * pin them, pass `availabilityZones: ['eu-west-1a', 'eu-west-1b']` to PlatformNetwork.
 *
 * Synthesise:  cdktf synth          (from this directory)
 * Deploy:      cdktf deploy web-platform
 */
// Deep imports only: the @cdktf/provider-aws root barrel costs ~1.7 s and 550 MB.
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { App, TerraformOutput, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { CpuArchitecture, EnvironmentProfile } from 'ecs-platform-constructs';
import {
  FargateWebService,
  PlatformCluster,
  PlatformLoadBalancer,
  PlatformNetwork,
} from 'ecs-platform-constructs/cdktf';

/** The region the example stack deploys to. */
const REGION = 'eu-west-1';

/**
 * The three services' images, pinned to a full version so every deployment runs
 * the same code, each listening on its service's container port and answering
 * its health check. They stand in for your own: put your image (and, if its
 * CMD is not the server, a `command`) where each service names one below.
 */
export const IMAGES = {
  // nginx serves its welcome page on port 80 at `/`.
  frontend: 'public.ecr.aws/docker/library/nginx:1.27.5',
  // Node.js runs no server by itself; API_COMMAND starts a one-line one on port 3000.
  api: 'public.ecr.aws/docker/library/node:22.14.0-alpine',
  // A stand-in for the OpenOps FinOps app (public.ecr.aws/openops/openops-app), which needs its
  // engine, PostgreSQL, Redis and OPS_* secrets to become healthy; the reference platform
  // example runs all of them. Apache httpd answers `/` on port 80.
  finOps: 'public.ecr.aws/docker/library/httpd:2.4.63',
};

/** Stands in for your API's server: answers every path (including /health) on port 3000. */
export const API_COMMAND = ['node', '-e', "require('http').createServer((req, res) => res.end('ok')).listen(3000)"];

/** Props of a WebPlatformStack. */
export interface WebPlatformStackProps {
  /** The AWS region of the stack's provider. */
  readonly region: string;
  /**
   * Cost-versus-resilience defaults of every construct in the stack.
   * @default EnvironmentProfile.DEVELOPMENT
   */
  readonly profile?: EnvironmentProfile;
}

/** Network, cluster, a shared load balancer with two services, and one service on its own load balancer. */
export class WebPlatformStack extends TerraformStack {
  public readonly network: PlatformNetwork;
  public readonly cluster: PlatformCluster;
  public readonly ingress: PlatformLoadBalancer;
  public readonly frontend: FargateWebService;
  public readonly api: FargateWebService;
  public readonly finOps: FargateWebService;

  constructor(scope: Construct, id: string, props: WebPlatformStackProps) {
    super(scope, id);
    const profile = props.profile ?? EnvironmentProfile.DEVELOPMENT;

    new AwsProvider(this, 'aws', { region: props.region });

    this.network = new PlatformNetwork(this, 'Network', { profile });
    this.cluster = new PlatformCluster(this, 'Cluster', { network: this.network });

    // HTTP only: no certificateArn / domain. Every service on it gets a listener rule.
    this.ingress = new PlatformLoadBalancer(this, 'Ingress', { network: this.network });

    this.frontend = new FargateWebService(this, 'Frontend', {
      cluster: this.cluster,
      loadBalancer: this.ingress,
      image: IMAGES.frontend,
      containerPort: 80,
      routing: { pathPatterns: ['/*'], priority: 100 },
    });

    this.api = new FargateWebService(this, 'Api', {
      cluster: this.cluster,
      loadBalancer: this.ingress,
      image: IMAGES.api,
      command: API_COMMAND,
      containerPort: 3000,
      healthCheck: { path: '/health' },
      cpu: 512,
      memoryMiB: 1024,
      autoScaling: { minCapacity: 2, maxCapacity: 6, cpuTargetPercent: 70 },
      routing: { pathPatterns: ['/api/*'], priority: 10 },
      environment: { LOG_LEVEL: 'info' },
      // In-flight API calls get 10 s to finish when a task stops (the default is 30 s).
      deregistrationDelaySeconds: 10,
    });
    this.api.addEnvironment('PUBLIC_URL', `http://${this.ingress.dnsName}`);

    // No `loadBalancer`: the service stands up its own (FinOps/LoadBalancer).
    this.finOps = new FargateWebService(this, 'FinOps', {
      cluster: this.cluster,
      image: IMAGES.finOps,
      containerPort: 80,
      // httpd's official image is multi-architecture: Graviton runs it for less per vCPU.
      cpuArchitecture: CpuArchitecture.ARM64,
      loadBalancerOptions: { internal: true },
    });

    new TerraformOutput(this, 'ingress_dns_name', {
      description: 'DNS name of the shared load balancer (Frontend on /*, Api on /api/*)',
      value: this.ingress.dnsName,
    });
    new TerraformOutput(this, 'finops_dns_name', {
      description: 'DNS name of the FinOps service\'s own load balancer',
      value: this.finOps.dnsName,
    });
  }
}

/**
 * Add the example's stack to `app` and return it. Without an argument a new
 * App is created, which takes its output directory from the cdktf CLI
 * (CDKTF_OUTDIR); tests pass `new App({ outdir })`.
 */
export function buildApp(app: App = new App()): App {
  new WebPlatformStack(app, 'web-platform', { region: REGION });
  return app;
}

if (require.main === module) {
  buildApp().synth();
}
