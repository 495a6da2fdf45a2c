/**
 * Example "three-stack", AWS CDK edition: the seeds' production platform as three stacks joined by
 * cross-stack references (CloudFormation exports), deployable in dependency order.
 *   - ThreeStackIdentity: AppRepo (ContainerRepository) and Deploy (GitHubDeployRole: the repository's
 *                         `main` branch may push to AppRepo; services are added to it later).
 *   - ThreeStackNetwork:  PlatformNetwork, 10.0.0.0/16 over 2 AZs.
 *   - ThreeStackCluster:  PlatformCluster on that network (imports its VPC and subnets): Container
 *                         Insights, FARGATE + FARGATE_SPOT, ECS Exec logging, the alerts topic.
 *
 * Profiles: `-c platform:profile=PRODUCTION`. GitHub repository: `-c github:repository=owner/name`.
 *
 * Synthesise:  cdk synth            (from this directory)
 * Deploy:      cdk deploy --all     (identity and network first, then the cluster)
 */
import { App, CfnOutput, Stack, StackProps } from 'aws-cdk-lib';
import { profileFrom } from '../../platform/platform';
import { CLUSTER_OPTIONS, deployRoleOptions, networkOptions, repositoryOptions } from '../three-stack';
import { EnvironmentProfile } from 'ecs-platform-constructs';
import { ContainerRepository, GitHubDeployRole, PlatformCluster, PlatformNetwork } from 'ecs-platform-constructs/cdk';

/** Add the example's three stacks to `app` (a new App when none is given) and return it. */
export function buildApp(app: App = new App(), profile: EnvironmentProfile = profileFrom(app)): App {
  const props: StackProps = { description: `ecs-platform-constructs example: three-stack platform (${profile})` };

  const identity = new Stack(app, 'ThreeStackIdentity', props);
  const repo = new ContainerRepository(identity, 'AppRepo', repositoryOptions(profile));
  const deploy = new GitHubDeployRole(identity, 'Deploy', { ...deployRoleOptions(app.node.tryGetContext('github:repository')), containerRepositories: [repo] });

  const networkStack = new Stack(app, 'ThreeStackNetwork', props);
  const network = new PlatformNetwork(networkStack, 'Network', networkOptions(profile));

  const clusterStack = new Stack(app, 'ThreeStackCluster', props);
  const cluster = new PlatformCluster(clusterStack, 'Cluster', { network, ...CLUSTER_OPTIONS });

  new CfnOutput(identity, 'AppRepositoryUri', { value: repo.repositoryUri });
  new CfnOutput(identity, 'DeployRoleArn', { description: 'role-to-assume of the GitHub workflow', value: deploy.roleArn });
  new CfnOutput(networkStack, 'VpcId', { value: network.vpcId });
  new CfnOutput(clusterStack, 'ClusterName', { value: cluster.clusterName });
  new CfnOutput(clusterStack, 'AlertsTopicArn', { value: cluster.alertsTopicArn });
  return app;
}

if (require.main === module) {
  buildApp().synth();
}
