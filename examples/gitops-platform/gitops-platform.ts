/**
 * What both editions of the GitOps example share: the spec's directory (this one) and which environment
 * a profile synthesises. The platform itself is the YAML: defaults.yaml < platform.yaml <
 * environments/<env>.yaml (docs/platform-spec.md). `npx ecs-platform synth` builds the same stacks from
 * the command line; these apps let `cdk` and `cdktf` run it like any other app.
 */
import * as path from 'path';
import { EnvironmentProfile, PlatformSpec } from 'ecs-platform-constructs';

/** The spec's directory: defaults.yaml, platform.yaml, environments/. */
export const SPEC_DIR = path.join(__dirname);

/** The environment each profile synthesises: DEVELOPMENT -> dev, PRODUCTION -> prod. */
export const ENVIRONMENTS: Record<EnvironmentProfile, string> = {
  [EnvironmentProfile.DEVELOPMENT]: 'dev',
  [EnvironmentProfile.PRODUCTION]: 'prod',
};

/** The spec of `environment` (`platform:environment` in the context), else of the profile's environment. */
export function specFor(profile: EnvironmentProfile, environment?: string): PlatformSpec {
  return PlatformSpec.load(SPEC_DIR, { environment: environment ?? ENVIRONMENTS[profile] });
}
