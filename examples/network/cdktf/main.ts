/**
 * Example "network", CDK for Terraform edition.
 *
 * Two stacks, one per environment profile:
 *   - network-dev:  PlatformNetwork with the DEVELOPMENT profile and every default
 *                   (2 AZs, 1 NAT gateway, 30-day flow logs, destroyed with the stack).
 *   - network-prod: PlatformNetwork with the PRODUCTION profile over 3 AZs
 *                   (1 NAT gateway per AZ, 365-day flow logs, log group kept on destroy).
 *
 * Each stack has its own AWS provider (eu-west-1) and Terraform's default local
 * backend (terraform.<stack>.tfstate). The AZs are read at plan time from the
 * `aws_availability_zones` data source; to pin them, pass
 * `availabilityZones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c']` to PlatformNetwork.
 *
 * Synthesise:  cdktf synth          (from this directory)
 * Deploy:      cdktf deploy network-dev
 */
// Deep imports only: the @cdktf/provider-aws root barrel costs ~1.7 s and 550 MB.
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { App, TerraformOutput, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { EnvironmentProfile } from 'ecs-platform-constructs';
import { PlatformNetwork, PlatformNetworkProps } from 'ecs-platform-constructs/cdktf';

/** The region both example stacks deploy to. */
const REGION = 'eu-west-1';

/** Props of a NetworkStack. */
export interface NetworkStackProps {
  /** The AWS region of the stack's provider. */
  readonly region: string;
  /** The PlatformNetwork options. */
  readonly network?: PlatformNetworkProps;
}

/** One AWS provider, one PlatformNetwork and the outputs other stacks and pipelines read. */
export class NetworkStack extends TerraformStack {
  public readonly network: PlatformNetwork;

  constructor(scope: Construct, id: string, props: NetworkStackProps) {
    super(scope, id);

    new AwsProvider(this, 'aws', { region: props.region });

    this.network = new PlatformNetwork(this, 'Network', props.network);

    new TerraformOutput(this, 'vpc_id', {
      description: 'ID of the platform VPC',
      value: this.network.vpcId,
    });
    new TerraformOutput(this, 'public_subnet_ids', {
      description: 'Public subnet IDs (load balancers, NAT gateways)',
      value: this.network.publicSubnetIds,
    });
    new TerraformOutput(this, 'private_subnet_ids', {
      description: 'Private subnet IDs (services, egress through NAT)',
      value: this.network.privateSubnetIds,
    });
    new TerraformOutput(this, 'isolated_subnet_ids', {
      description: 'Isolated subnet IDs (databases, no internet route)',
      value: this.network.isolatedSubnetIds,
    });
  }
}

/**
 * Add the example's stacks to `app` and return it. Without an argument a new
 * App is created, which takes its output directory from the cdktf CLI
 * (CDKTF_OUTDIR); tests pass `new App({ outdir })`.
 */
export function buildApp(app: App = new App()): App {
  new NetworkStack(app, 'network-dev', {
    region: REGION,
    network: { profile: EnvironmentProfile.DEVELOPMENT },
  });

  new NetworkStack(app, 'network-prod', {
    region: REGION,
    network: { profile: EnvironmentProfile.PRODUCTION, maxAzs: 3 },
  });

  return app;
}

if (require.main === module) {
  buildApp().synth();
}
