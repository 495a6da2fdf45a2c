/** `ecs-platform init`: a starter spec that validates as written (the CLI checks it after writing). */

const SCHEMA = 'node_modules/ecs-platform-constructs/platform-spec.schema.json';

/** The starter files, by path relative to the spec's directory. */
export function STARTER_FILES(options: { readonly name: string; readonly region: string }): Record<string, string> {
  return {
    'defaults.yaml': `# yaml-language-server: $schema=${SCHEMA}
# Settings every service inherits; a service's own keys win (docs/platform-spec.md).
defaults:
  cpu: 256
  memory: 512
  desiredCount: 1
  healthCheck:
    path: /health
    interval: 30
  logRetentionDays: 30
`,
    'platform.yaml': `# yaml-language-server: $schema=${SCHEMA}
# What every environment shares; environments/<env>.yaml is merged over it.
platform:
  name: ${options.name}
  region: ${options.region}

network:
  cidr: 10.0.0.0/16
  maxAzs: 2

services:
  web:
    image: public.ecr.aws/docker/library/nginx:1.27.5
    port: 80
    healthCheck:
      path: /
    routing:
      pathPatterns: [/*]
      priority: 100
`,
    'environments/dev.yaml': `# yaml-language-server: $schema=../${SCHEMA}
platform:
  profile: development
`,
    'environments/prod.yaml': `# yaml-language-server: $schema=../${SCHEMA}
platform:
  profile: production

defaults:
  desiredCount: 2
  autoscaling:
    minCapacity: 2
    maxCapacity: 6
    targetCpu: 60
`,
  };
}
