/**
 * The operations sections built by both engines: `devopsAgent` investigates every service's alarms (or
 * those `investigate` names), `finops` sends to the cluster's alerts topic; both carry the profile.
 */
import { App } from 'aws-cdk-lib';
import { Testing } from 'cdktf';
import { PlatformSpec } from 'ecs-platform-constructs';
import * as cdk from 'ecs-platform-constructs/cdk';
import * as cdktf from 'ecs-platform-constructs/cdktf';

const spec = (investigate: string) => PlatformSpec.fromSources([{
  file: 'platform.yaml',
  content: `
platform: { name: ops, region: us-east-1, profile: production }
services:
  web: { image: public.ecr.aws/docker/library/nginx:1.27.5, port: 80, routing: { pathPatterns: ["/*"], priority: 100 } }
  jobs: { type: worker, image: public.ecr.aws/docker/library/nginx:1.27.5 }
finops:
  budgets: [{ name: ops-monthly, limitUsd: 500, period: MONTHLY }]
devopsAgent:
  description: Investigates the platform
${investigate}`,
}]);

describe.each([
  ['every service by default', '', ['web', 'jobs']],
  ['the services investigate names', '  investigate: [jobs]', ['jobs']],
])('devopsAgent and finops: %s', (_title, investigate, investigated) => {
  const built = {
    cdk: new cdk.PlatformSpecStack(new App(), 'ops', { spec: spec(investigate) }).platform,
    cdktf: new cdktf.PlatformSpecStack(Testing.app(), 'ops', { spec: spec(investigate) }).platform,
  };

  test.each(['cdk', 'cdktf'] as const)('%s: the agent space is named after the platform and investigates the right services', (engine) => {
    const platform = built[engine];
    expect(platform.devOpsAgent).toBeDefined();
    const services = Object.entries(platform.services);
    const names = platform.devOpsAgent!.investigatedServices.map((s) => services.find(([, service]) => service === s)![0]);
    expect(names).toEqual(investigated);
    expect(platform.spec._plan.devopsAgent!.options).toMatchObject({ name: 'ops', description: 'Investigates the platform', profile: 'PRODUCTION' });
  });

  test.each(['cdk', 'cdktf'] as const)('%s: the guardrails notify the cluster\'s alerts topic', (engine) => {
    const platform = built[engine];
    expect(platform.finOps!.topic).toBe(platform.cluster.alertsTopic);
  });
});
