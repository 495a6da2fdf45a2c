/**
 * Fixtures and readers for the CDKTF tests of the platform constructs: a
 * network and cluster to build on, resources found by construct path, and
 * the JSON strings (policies, container definitions) parsed.
 */
import { TerraformStack } from 'cdktf';
import { TfJson, tfResources, tfStack } from './terraform';
import { EnvironmentProfile } from 'ecs-platform-constructs';
import { PlatformCluster, PlatformNetwork } from 'ecs-platform-constructs/cdktf';

export interface TfPlatform {
  readonly stack: TerraformStack;
  readonly network: PlatformNetwork;
  readonly cluster: PlatformCluster;
}

/** A stack with a network (literal AZs: fewer data sources) and a cluster on it. */
export function tfPlatform(profile?: EnvironmentProfile): TfPlatform {
  const { stack } = tfStack();
  const network = new PlatformNetwork(stack, 'Network', { profile, availabilityZones: ['eu-west-1a', 'eu-west-1b'] });
  const cluster = new PlatformCluster(stack, 'Cluster', { network });
  return { stack, network, cluster };
}

/**
 * Whether a resource of a full synth (tfSynthFull: it keeps the "//" metadata)
 * sits at construct path `path` below the stack, e.g. 'Web/TargetGroup'.
 */
function isAt(config: TfJson, path: string): boolean {
  const full: string | undefined = config['//']?.metadata?.path;
  if (full === undefined) throw new Error('no construct path in the resource: read the stack with tfSynthFull');
  return full.slice(full.indexOf('/') + 1) === path;
}

/** The one `type` resource at construct path `path` (below the stack) of a full synth; throws when there is none. */
export function tfResourceAt(json: TfJson, type: string, path: string): TfJson {
  const found = tfResources(json, type).filter(([, config]) => isAt(config, path));
  if (found.length !== 1) {
    throw new Error(`expected one ${type} at ${path}, found ${found.length} among ${tfResources(json, type).map(([n]) => n).join(', ')}`);
  }
  return found[0][1];
}

/** `<type>.<name>` of the resource at `path`: its Terraform address (what depends_on lists). */
export function tfAddress(json: TfJson, type: string, path: string): string {
  const [name] = tfResources(json, type).find(([, config]) => isAt(config, path)) ?? [];
  if (!name) throw new Error(`no ${type} at ${path}`);
  return `${type}.${name}`;
}

/** `${<type>.<name>.<attr>}` of the resource at `path`: how another resource refers to it. */
export function tfRefTo(json: TfJson, type: string, path: string, attr: string): string {
  return `\${${tfAddress(json, type, path)}.${attr}}`;
}

/** The parsed IAM policy of a resource (`policy` or `assume_role_policy`). */
export function tfPolicy(resource: TfJson, attr = 'policy'): { Version: string; Statement: any[] } {
  return JSON.parse(resource[attr]);
}

/** The parsed container definitions of an aws_ecs_task_definition. */
export function tfContainers(taskDefinition: TfJson): any[] {
  return JSON.parse(taskDefinition.container_definitions);
}

/** The Guard acknowledgements written beside a resource (full synth only). */
export function tfAcknowledgements(resource: TfJson): Record<string, string> {
  return resource['//']?.acknowledged ?? {};
}
