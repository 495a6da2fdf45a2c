/**
 * Example "gitops-platform", CDK for Terraform edition: the GitOps seed's platform, described in YAML
 * (../defaults.yaml, ../platform.yaml, ../environments/dev.yaml and prod.yaml) and built by
 * PlatformSpecStack: one stack, `ecso-<env>`, with its AWS provider in the spec's region tagging every
 * resource `platform` and `environment`.
 *
 * Environment: `platform:environment` in cdktf.json's context (default dev); `platform:profile` PRODUCTION picks prod too.
 *
 * Synthesise:  cdktf synth          (from this directory)
 * Deploy:      cdktf deploy ecso-dev
 * Or, without this app:  npx ecs-platform synth --engine cdktf --env dev --dir .. && cd cdktf.out/stacks/ecso-dev && terraform init && terraform apply
 */
import { App } from 'cdktf';
import { profileFrom } from '../../platform/platform';
import { specFor } from '../gitops-platform';
import { EnvironmentProfile } from 'ecs-platform-constructs';
import { PlatformSpecStack } from 'ecs-platform-constructs/cdktf';

/** Add the environment's stack to `app` and return it (a new App takes its outdir from the cdktf CLI). */
export function buildApp(app: App = new App(), profile: EnvironmentProfile = profileFrom(app)): App {
  const spec = specFor(profile, app.node.tryGetContext('platform:environment'));
  new PlatformSpecStack(app, `${spec.name}-${spec.environment}`, { spec });
  return app;
}

if (require.main === module) {
  buildApp().synth();
}
