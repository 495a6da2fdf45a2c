/**
 * SpecPlatform parity: the GitOps example's spec built by both engines' PlatformSpecStack gives the same
 * cluster, load balancer and services (sizes, health checks, routing, ingress, alarms, scaling, IAM, the
 * data's connection settings), per environment; and the same stack outputs.
 */
import { join } from 'path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Testing } from 'cdktf';
import { normaliseCfnPlatform, normaliseTfPlatform } from '../helpers/parity-platform';
import { tfSynthFull } from '../helpers/terraform';
import { PlatformSpec } from 'ecs-platform-constructs';
import * as cdk from 'ecs-platform-constructs/cdk';
import * as cdktf from 'ecs-platform-constructs/cdktf';

const SPEC_DIR = join(__dirname, '..', '..', 'examples', 'gitops-platform');

describe.each(['dev', 'prod'])('SpecPlatform parity, environment %s', (environment) => {
  const spec = PlatformSpec.load(SPEC_DIR, { environment });
  const cdkStack = new cdk.PlatformSpecStack(new App(), `ecso-${environment}`, { spec });
  const template = Template.fromStack(cdkStack).toJSON();
  const tfJson = tfSynthFull(new cdktf.PlatformSpecStack(Testing.app(), `ecso-${environment}`, { spec }));
  const cfn = normaliseCfnPlatform(template, 'Platform');
  const tf = normaliseTfPlatform(tfJson, 'Platform');

  test('the cluster and the shared load balancer', () => {
    expect(tf.cluster).toEqual(cfn.cluster);
    // The stack is pinned to the spec's region, so only that region's access-log policy is deployed (CDK
    // writes the region's ELB account as a literal; the normaliser evaluates every region).
    const inRegion = (lbs: typeof cfn.loadBalancers) => Object.fromEntries(Object.entries(lbs).map(([name, lb]) => [name,
      { ...lb, accessLogPolicy: (lb.accessLogPolicy as Record<string, unknown>)[spec.region] }]));
    expect(inRegion(tf.loadBalancers)).toEqual(inRegion(cfn.loadBalancers));
  });

  test('every service the spec names, and Teleport\'s, the same in both engines', () => {
    expect(Object.keys(tf.services).sort()).toEqual(Object.keys(cfn.services).sort());
    expect(Object.keys(cfn.services).length).toBe(3);
    for (const name of Object.keys(cfn.services)) expect([name, tf.services[name]]).toEqual([name, cfn.services[name]]);
  });

  test('the same outputs, with the same descriptions', () => {
    const cfnOutputs = Object.entries<any>(template.Outputs).map(([id, o]) => [id, o.Description]).sort();
    const tfOutputs = Object.entries<any>(tfJson.output).map(([id, o]) => [id, o.description]).sort();
    expect(tfOutputs).toEqual(cfnOutputs);
    expect(cfnOutputs.map(([id]) => id)).toEqual(['AlertsTopicArn', 'DatabaseMainDbEndpoint', 'LoadBalancerDnsName', 'TableSessionsName', 'TeleportProxyAddress']);
  });

  test('the normalised form says what the spec says (guards against both engines being wrong alike)', () => {
    const app = Object.entries<any>(cfn.services).find(([name]) => /testapp/i.test(name))![1];
    expect(app).toMatchObject({
      cpu: 256,
      memoryMiB: 512,
      targetGroup: { port: 3000, healthCheck: { path: '/health', interval: 30, timeout: 5, healthy: 2, unhealthy: 3 } },
      routing: [{ priority: 100, listenerPort: 443, paths: ['/api/*'], hosts: ['app.example.com'] }],
      deployment: { minimumHealthyPercent: 100, maximumPercent: 200 },
    });
    expect(app.autoScaling ?? null).toEqual(environment === 'prod'
      ? expect.objectContaining({ min: 2, max: 6, policies: ['ECSServiceAverageCPUUtilization 60'] })
      : null);
  });
});
