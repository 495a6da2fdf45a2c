/**
 * Example "gitops-platform", AWS CDK edition: the GitOps seed's platform, described in YAML
 * (../defaults.yaml, ../platform.yaml, ../environments/dev.yaml and prod.yaml) and built by
 * PlatformSpecStack: one stack, `ecso-<env>`, holding the network, cluster, certificates, the shared
 * load balancer, `main-db`, `sessions`, `test-app` and `nginx`, and Teleport with GitHub SSO.
 *
 * Environment: `-c platform:environment=prod` (default dev); `-c platform:profile=PRODUCTION` picks prod too.
 *
 * Synthesise:  cdk synth            (from this directory)
 * Deploy:      cdk deploy ecso-dev
 * Or, without this app:  npx ecs-platform synth --engine cdk --env dev --dir .. && npx cdk deploy --app cdk.out
 */
import { App } from 'aws-cdk-lib';
import { profileFrom } from '../../platform/platform';
import { specFor } from '../gitops-platform';
import { EnvironmentProfile } from 'ecs-platform-constructs';
import { PlatformSpecStack } from 'ecs-platform-constructs/cdk';

/** Add the environment's stack to `app` (a new App when none is given) and return it. */
export function buildApp(app: App = new App(), profile: EnvironmentProfile = profileFrom(app)): App {
  const spec = specFor(profile, app.node.tryGetContext('platform:environment'));
  new PlatformSpecStack(app, `${spec.name}-${spec.environment}`, { spec });
  return app;
}

if (require.main === module) {
  buildApp().synth();
}
