/**
 * What both editions of the three-stack example share: the seeds' production platform split into an
 * identity, a network and a cluster stack. The identity stack holds who may build and deploy (the
 * image repository and GitHub's deploy role), the network stack the VPC, the cluster stack the ECS
 * cluster and its alerts topic, built on the network through a cross-stack reference. Services are
 * added in stacks of their own later (examples/platform shows the whole platform).
 */
import { ContainerRepositoryOptions, EnvironmentProfile, GitHubDeployRoleOptions, PlatformClusterOptions, PlatformNetworkOptions } from 'ecs-platform-constructs';

/** The platform's name: the deploy role's parameter path. */
export const PLATFORM_NAME = 'three-stack';

/** The seeds' VPC: 10.0.0.0/16 over two AZs. */
export function networkOptions(profile: EnvironmentProfile): PlatformNetworkOptions {
  return { profile, cidr: '10.0.0.0/16', maxAzs: 2 };
}

/** The cluster: Container Insights on (the seeds' production cluster), Spot per profile. */
export const CLUSTER_OPTIONS: Omit<PlatformClusterOptions, 'network'> = { containerInsights: true };

/** The image repository the deploy role pushes to. */
export function repositoryOptions(profile: EnvironmentProfile): ContainerRepositoryOptions {
  return { profile };
}

/**
 * `github:repository` (context): the repository whose `main` branch may push images; a placeholder
 * until given. Services name it as a deployer when they are added.
 */
export function deployRoleOptions(repository: unknown): GitHubDeployRoleOptions {
  return {
    repository: typeof repository === 'string' && repository.length > 0 ? repository : 'my-org/my-app',
    branches: ['main'],
    platformName: PLATFORM_NAME,
  };
}
