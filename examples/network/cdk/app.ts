/**
 * Example "network", AWS CDK edition.
 *
 * Two stacks, one per environment profile:
 *   - NetworkDev:  PlatformNetwork with the DEVELOPMENT profile and every default
 *                  (2 AZs, 1 NAT gateway, 30-day flow logs, destroyed with the stack).
 *   - NetworkProd: PlatformNetwork with the PRODUCTION profile over 3 AZs
 *                  (1 NAT gateway per AZ, 365-day flow logs, retained on delete).
 *
 * Both stacks are environment-agnostic: the AZs come from `Fn::GetAZs` at deploy
 * time, so `cdk synth` needs no AWS credentials and no context lookups. To pin a
 * stack to an account/region, pass `env` to the Stack; to pin the AZs, pass
 * `availabilityZones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c']` to PlatformNetwork.
 *
 * Synthesise:  cdk synth            (from this directory)
 * Deploy:      cdk deploy NetworkDev
 */
import { App, CfnOutput, Fn, Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { EnvironmentProfile } from 'ecs-platform-constructs';
import { PlatformNetwork, PlatformNetworkProps } from 'ecs-platform-constructs/cdk';

/** Props of a NetworkStack: the PlatformNetwork options plus ordinary stack props. */
export interface NetworkStackProps extends StackProps {
  readonly network?: PlatformNetworkProps;
}

/** One PlatformNetwork and the outputs other stacks and pipelines read. */
export class NetworkStack extends Stack {
  public readonly network: PlatformNetwork;

  constructor(scope: Construct, id: string, props: NetworkStackProps = {}) {
    super(scope, id, props);

    this.network = new PlatformNetwork(this, 'Network', props.network);

    new CfnOutput(this, 'VpcId', {
      description: 'ID of the platform VPC',
      value: this.network.vpcId,
    });
    new CfnOutput(this, 'PublicSubnetIds', {
      description: 'Public subnet IDs (load balancers, NAT gateways), comma-separated',
      value: Fn.join(',', this.network.publicSubnetIds),
    });
    new CfnOutput(this, 'PrivateSubnetIds', {
      description: 'Private subnet IDs (services, egress through NAT), comma-separated',
      value: Fn.join(',', this.network.privateSubnetIds),
    });
    new CfnOutput(this, 'IsolatedSubnetIds', {
      description: 'Isolated subnet IDs (databases, no internet route), comma-separated',
      value: Fn.join(',', this.network.isolatedSubnetIds),
    });
  }
}

/** Add the example's stacks to `app` (a new App when none is given) and return it. */
export function buildApp(app: App = new App()): App {
  new NetworkStack(app, 'NetworkDev', {
    description: 'ecs-platform-constructs example: PlatformNetwork, DEVELOPMENT profile',
    network: { profile: EnvironmentProfile.DEVELOPMENT },
  });

  new NetworkStack(app, 'NetworkProd', {
    description: 'ecs-platform-constructs example: PlatformNetwork, PRODUCTION profile over 3 AZs',
    network: { profile: EnvironmentProfile.PRODUCTION, maxAzs: 3 },
  });

  return app;
}

if (require.main === module) {
  buildApp().synth();
}
