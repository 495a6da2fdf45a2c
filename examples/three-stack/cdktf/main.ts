/**
 * Example "three-stack", CDK for Terraform edition: the seeds' production platform as three stacks
 * joined by cross-stack references (cdktf cross-stack outputs), applied in dependency order.
 *   - three-stack-identity: AppRepo (ContainerRepository) and Deploy (GitHubDeployRole: the repository's
 *                           `main` branch may push to AppRepo; services are added to it later).
 *   - three-stack-network:  PlatformNetwork, 10.0.0.0/16 over 2 AZs.
 *   - three-stack-cluster:  PlatformCluster on that network (reads its VPC and subnets from the network
 *                           stack's outputs): Container Insights, FARGATE + FARGATE_SPOT, ECS Exec
 *                           logging, the alerts topic.
 *
 * Profiles: `platform:profile` in cdktf.json's "context". GitHub repository: `github:repository`.
 * Give each stack a real backend before applying.
 *
 * Synthesise:  cdktf synth          (from this directory)
 * Deploy:      cdktf deploy three-stack-identity three-stack-network three-stack-cluster
 */
// Deep imports only: the @cdktf/provider-aws root barrel costs ~1.7 s and 550 MB.
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { App, TerraformOutput, TerraformStack } from 'cdktf';
import { profileFrom } from '../../platform/platform';
import { CLUSTER_OPTIONS, deployRoleOptions, networkOptions, repositoryOptions } from '../three-stack';
import { EnvironmentProfile } from 'ecs-platform-constructs';
import { ContainerRepository, GitHubDeployRole, PlatformCluster, PlatformNetwork } from 'ecs-platform-constructs/cdktf';

/** The region the example's stacks deploy to. */
const REGION = 'eu-west-1';

/** Add the example's three stacks to `app` and return it (a new App takes its outdir from the cdktf CLI). */
export function buildApp(app: App = new App(), profile: EnvironmentProfile = profileFrom(app)): App {
  const stackNamed = (id: string) => {
    const stack = new TerraformStack(app, id);
    new AwsProvider(stack, 'aws', { region: REGION });
    return stack;
  };

  const identity = stackNamed('three-stack-identity');
  const repo = new ContainerRepository(identity, 'AppRepo', repositoryOptions(profile));
  const deploy = new GitHubDeployRole(identity, 'Deploy', { ...deployRoleOptions(app.node.tryGetContext('github:repository')), containerRepositories: [repo] });

  const networkStack = stackNamed('three-stack-network');
  const network = new PlatformNetwork(networkStack, 'Network', networkOptions(profile));

  const clusterStack = stackNamed('three-stack-cluster');
  const cluster = new PlatformCluster(clusterStack, 'Cluster', { network, ...CLUSTER_OPTIONS });

  new TerraformOutput(identity, 'app_repository_uri', { value: repo.repositoryUri });
  new TerraformOutput(identity, 'deploy_role_arn', { description: 'role-to-assume of the GitHub workflow', value: deploy.roleArn });
  new TerraformOutput(networkStack, 'vpc_id', { value: network.vpcId });
  new TerraformOutput(clusterStack, 'cluster_name', { value: cluster.clusterName });
  new TerraformOutput(clusterStack, 'alerts_topic_arn', { value: cluster.alertsTopicArn });
  return app;
}

if (require.main === module) {
  buildApp().synth();
}
