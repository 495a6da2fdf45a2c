/**
 * Composition across stacks (DESIGN.md): a platform split into stacks of one
 * app, in both engines. Every construct works when its collaborators live in
 * another stack: CloudFormation exports in CDK, cdktf cross-stack outputs in
 * Terraform (never a depends_on into remote state); the stacks deploy in the
 * order Platform < Edge < Apps; and a collaborator of another app is a clear error.
 */
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { App as CdkApp, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CloudAssembly, CloudFormationStackArtifact } from 'aws-cdk-lib/cx-api';
import { App as TfApp, TerraformStack, Testing } from 'cdktf';
import { HTTPD, NGINX } from '../helpers/images';
import { TfJson, tfResources, tfStack } from '../helpers/terraform';
import { terraformAvailability, terraformValidateAll, ValidateResult } from '../helpers/terraform-cli';
import { tfAddress, tfRefTo, tfResourceAt } from '../helpers/tf-platform';
import * as cdk from 'ecs-platform-constructs/cdk';
import * as cdktf from 'ecs-platform-constructs/cdktf';

const ENV = { account: '111122223333', region: 'eu-west-1' };
const AZS = ['eu-west-1a', 'eu-west-1b'];

/** The service on the shared load balancer, and the one with its own (pinned images, the ports they serve). */
const API = { image: NGINX, containerPort: 80, routing: { pathPatterns: ['/api/*'], priority: 10 } };
const WEB = { image: HTTPD, containerPort: 80 };

/**
 * Stacks in an order that respects `deps` (stack -> the stacks it depends on); throws on a cycle.
 * Ties are broken by name, so the order is stable.
 */
function deployOrder(deps: Record<string, string[]>): string[] {
  const order: string[] = [];
  const visiting = new Set<string>();
  const visit = (name: string, chain: string[]) => {
    if (order.includes(name)) return;
    if (visiting.has(name)) throw new Error(`dependency cycle: ${[...chain, name].join(' -> ')}`);
    visiting.add(name);
    for (const d of [...(deps[name] ?? [])].sort()) visit(d, [...chain, name]);
    visiting.delete(name);
    order.push(name);
  };
  for (const name of Object.keys(deps).sort()) visit(name, []);
  return order;
}

/** Every stack `name` depends on, directly or through another. */
function transitiveDeps(deps: Record<string, string[]>, name: string): string[] {
  const found = new Set<string>();
  const visit = (n: string) => (deps[n] ?? []).forEach((d) => {
    if (!found.has(d)) {
      found.add(d);
      visit(d);
    }
  });
  visit(name);
  return [...found].sort();
}

/** Every value of `key` anywhere in a JSON document. */
function valuesOf(json: unknown, key: string): unknown[] {
  const found: unknown[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) {
      v.forEach(walk);
    } else if (v && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) {
        if (k === key) found.push(child);
        walk(child);
      }
    }
  };
  walk(json);
  return found;
}

// ---------------------------------------------------------------------------------------------
// AWS CDK
// ---------------------------------------------------------------------------------------------

interface CdkSplit {
  readonly assembly: CloudAssembly;
  readonly templates: Record<string, any>;
  readonly outdir: string;
}

function synthCdk(app: CdkApp, outdir: string): CdkSplit {
  const assembly = app.synth();
  const templates = Object.fromEntries(assembly.stacks.map((s) => [s.id, s.template]));
  return { assembly, templates, outdir };
}

/** Platform (network, cluster) < Edge (shared load balancer) < Apps (a service on it, a service with its own). */
function cdkEdgeApp(): CdkSplit {
  const outdir = mkdtempSync(join(tmpdir(), 'epc-cdk-split-'));
  // Template validation is the quality gates' job (run on every scenario and example); here it would double the synth time.
  const app = new CdkApp({ outdir, builtinCloudFormationValidation: false });
  const platform = new Stack(app, 'Platform', { env: ENV });
  const network = new cdk.PlatformNetwork(platform, 'Network', { availabilityZones: AZS });
  const cluster = new cdk.PlatformCluster(platform, 'Cluster', { network });
  const edge = new Stack(app, 'Edge', { env: ENV });
  const lb = new cdk.PlatformLoadBalancer(edge, 'Lb', { network });
  const apps = new Stack(app, 'Apps', { env: ENV });
  new cdk.FargateWebService(apps, 'Api', { cluster, loadBalancer: lb, ...API });
  new cdk.FargateWebService(apps, 'Web', { cluster, ...WEB });
  return synthCdk(app, outdir);
}

/** Platform (network, cluster, shared load balancer) < AppsA, AppsB (a routed service each). */
function cdkSharedInPlatformApp(): CdkSplit {
  const outdir = mkdtempSync(join(tmpdir(), 'epc-cdk-split-'));
  const app = new CdkApp({ outdir, builtinCloudFormationValidation: false });
  const platform = new Stack(app, 'Platform', { env: ENV });
  const network = new cdk.PlatformNetwork(platform, 'Network', { availabilityZones: AZS });
  const cluster = new cdk.PlatformCluster(platform, 'Cluster', { network });
  const lb = new cdk.PlatformLoadBalancer(platform, 'Lb', { network });
  const appsA = new Stack(app, 'AppsA', { env: ENV });
  new cdk.FargateWebService(appsA, 'Api', { cluster, loadBalancer: lb, ...API });
  const appsB = new Stack(app, 'AppsB', { env: ENV });
  new cdk.FargateWebService(appsB, 'Admin', { cluster, loadBalancer: lb, image: NGINX, containerPort: 80, routing: { pathPatterns: ['/admin/*'], priority: 20 } });
  return synthCdk(app, outdir);
}

/** Stack -> the stacks it depends on, from the cloud assembly (asset manifests left out). */
function cdkDeps(assembly: CloudAssembly): Record<string, string[]> {
  return Object.fromEntries(assembly.stacks.map((s) => [
    s.id,
    s.dependencies.filter((d): d is CloudFormationStackArtifact => d instanceof CloudFormationStackArtifact).map((d) => d.id).sort(),
  ]));
}

/** The export names a template imports. */
function cfnImports(template: any): string[] {
  return valuesOf(template, 'Fn::ImportValue').map((v) => {
    if (typeof v !== 'string') throw new Error(`Fn::ImportValue of a non-literal export name: ${JSON.stringify(v)}`);
    return v;
  });
}

/** What the stack exporting `exportName` exports under it (the Output's Value). */
function cfnExported(templates: Record<string, any>, exportName: string): unknown {
  const [stack] = exportName.split(':');
  const output = Object.values<any>(templates[stack]?.Outputs ?? {}).find((o) => o.Export?.Name === exportName);
  if (!output) throw new Error(`no export ${exportName} in ${stack}`);
  return output.Value;
}

/** The [logicalId, resource] pairs of `type` whose logical ID starts with `prefix`. */
function cfnResources(template: any, type: string, prefix = ''): Array<[string, any]> {
  return Object.entries<any>(template.Resources ?? {}).filter(([id, r]) => r.Type === type && id.startsWith(prefix));
}

function cfnOne(template: any, type: string, prefix: string): [string, any] {
  const found = cfnResources(template, type, prefix);
  if (found.length !== 1) throw new Error(`expected one ${type} ${prefix}*, found ${found.map(([id]) => id).join(', ') || 'none'}`);
  return found[0];
}

/** DependsOn entries naming no resource of their own template, as `stack/logicalId -> target`. */
function cfnForeignDependsOn(templates: Record<string, any>): string[] {
  return Object.entries<any>(templates).flatMap(([stack, template]) => Object.entries<any>(template.Resources ?? {})
    .flatMap(([id, r]) => [r.DependsOn ?? []].flat().map((on: string) => `${stack}/${id} -> ${on}`)
      .filter((entry) => !(entry.split(' -> ')[1] in template.Resources))));
}

const importOf = (stack: string) => ({ 'Fn::ImportValue': expect.stringMatching(new RegExp(`^${stack}:`)) });

describe('AWS CDK: a platform split into stacks of one app', () => {
  describe('GIVEN Platform (network, cluster) < Edge (shared load balancer) < Apps (a routed service, a service with its own)', () => {
    let s: CdkSplit;
    beforeAll(() => { s = cdkEdgeApp(); });
    afterAll(() => rmSync(s.outdir, { recursive: true, force: true }));

    test('THEN the app synthesises without a dependency cycle and deploys Platform < Edge < Apps', () => {
      const deps = cdkDeps(s.assembly);
      expect(deps).toEqual({ Platform: [], Edge: ['Platform'], Apps: ['Edge', 'Platform'] });
      expect(deployOrder(deps)).toEqual(['Platform', 'Edge', 'Apps']);
      expect(transitiveDeps(deps, 'Apps')).toEqual(['Edge', 'Platform']);
      expect(s.assembly.getStackArtifact('Edge').dependencies.map((d) => d.id)).not.toContain('Apps');
      expect(s.assembly.getStackArtifact('Platform').dependencies.filter((d) => d instanceof CloudFormationStackArtifact)).toEqual([]);
    });

    test('THEN every DependsOn names a resource of its own template (CloudFormation orders only within one stack)', () => {
      expect(cfnForeignDependsOn(s.templates)).toEqual([]);
    });

    test('THEN Platform imports nothing, Edge imports only Platform exports, Apps only Platform and Edge exports', () => {
      expect(cfnImports(s.templates.Platform)).toEqual([]);
      const edgeImports = cfnImports(s.templates.Edge);
      expect(edgeImports.length).toBeGreaterThan(0);
      expect(edgeImports.filter((name) => !name.startsWith('Platform:'))).toEqual([]);
      expect(cfnImports(s.templates.Apps).filter((name) => !/^(Platform|Edge):/.test(name))).toEqual([]);
      // Every import names an export that exists.
      for (const name of [...edgeImports, ...cfnImports(s.templates.Apps)]) expect(cfnExported(s.templates, name)).toBeDefined();
      expect(s.templates.Apps.Outputs ?? {}).toEqual({});
    });

    test('THEN the load balancer and its listener are in Edge, with no egress rule and no service resource there', () => {
      const edge = Template.fromJSON(s.templates.Edge);
      edge.resourceCountIs('AWS::ElasticLoadBalancingV2::LoadBalancer', 1);
      edge.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 1);
      edge.resourceCountIs('AWS::EC2::SecurityGroupEgress', 0);
      edge.resourceCountIs('AWS::ElasticLoadBalancingV2::ListenerRule', 0);
      edge.resourceCountIs('AWS::ElasticLoadBalancingV2::TargetGroup', 0);
      edge.resourceCountIs('AWS::ECS::Service', 0);
      // The load balancer's security group names no service security group inline either.
      const [, sg] = cfnOne(s.templates.Edge, 'AWS::EC2::SecurityGroup', 'LbSecurityGroup');
      expect(JSON.stringify(sg.Properties.SecurityGroupEgress ?? [])).not.toContain('DestinationSecurityGroupId');
      // On the network of Platform.
      expect(cfnOne(s.templates.Edge, 'AWS::ElasticLoadBalancingV2::LoadBalancer', 'Lb')[1].Properties.Subnets)
        .toEqual([importOf('Platform'), importOf('Platform')]);
      expect(sg.Properties.VpcId).toEqual(importOf('Platform'));
    });

    test('THEN the shared load balancer\'s egress to the routed service lives in Apps, on the Edge security group imported', () => {
      const [lbSgId] = cfnOne(s.templates.Edge, 'AWS::EC2::SecurityGroup', 'LbSecurityGroup');
      const [apiSgId] = cfnOne(s.templates.Apps, 'AWS::EC2::SecurityGroup', 'ApiSecurityGroup');
      const egress = cfnResources(s.templates.Apps, 'AWS::EC2::SecurityGroupEgress')
        .filter(([, r]) => r.Properties.GroupId?.['Fn::ImportValue'] !== undefined);
      expect(egress).toHaveLength(1);
      const [, rule] = egress[0];
      expect(rule.Properties).toMatchObject({
        GroupId: importOf('Edge'),
        DestinationSecurityGroupId: { 'Fn::GetAtt': [apiSgId, 'GroupId'] },
        IpProtocol: 'tcp',
        FromPort: 80,
        ToPort: 80,
      });
      expect(cfnExported(s.templates, rule.Properties.GroupId['Fn::ImportValue'])).toEqual({ 'Fn::GetAtt': [lbSgId, 'GroupId'] });
      // And the service takes the container port from that security group.
      const ingress = cfnResources(s.templates.Apps, 'AWS::EC2::SecurityGroupIngress')
        .filter(([, r]) => JSON.stringify(r.Properties.GroupId) === JSON.stringify({ 'Fn::GetAtt': [apiSgId, 'GroupId'] }));
      expect(ingress).toHaveLength(1);
      expect(ingress[0][1].Properties).toMatchObject({ SourceSecurityGroupId: importOf('Edge'), FromPort: 80, ToPort: 80 });
    });

    test('THEN the listener rule is in Apps, on the imported listener ARN, forwarding /api/* at priority 10', () => {
      const [listenerId] = cfnOne(s.templates.Edge, 'AWS::ElasticLoadBalancingV2::Listener', 'Lb');
      const [targetGroupId] = cfnOne(s.templates.Apps, 'AWS::ElasticLoadBalancingV2::TargetGroup', 'ApiTargetGroup');
      const [, rule] = cfnOne(s.templates.Apps, 'AWS::ElasticLoadBalancingV2::ListenerRule', 'Api');
      expect(rule.Properties).toMatchObject({
        ListenerArn: importOf('Edge'),
        Priority: 10,
        Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/api/*'] } }],
        Actions: [{ Type: 'forward', TargetGroupArn: { Ref: targetGroupId } }],
      });
      expect(cfnExported(s.templates, rule.Properties.ListenerArn['Fn::ImportValue'])).toEqual({ Ref: listenerId });
      // The service waits for its rule (same stack), so the target group is attached before tasks register.
      const [, service] = cfnOne(s.templates.Apps, 'AWS::ECS::Service', 'ApiService');
      expect(service.DependsOn).toEqual(expect.arrayContaining([cfnOne(s.templates.Apps, 'AWS::ElasticLoadBalancingV2::ListenerRule', 'Api')[0]]));
    });

    test('THEN Apps imports the cluster and network values from Platform', () => {
      for (const name of ['Api', 'Web']) {
        const [, service] = cfnOne(s.templates.Apps, 'AWS::ECS::Service', `${name}Service`);
        expect(service.Properties.Cluster).toEqual(importOf('Platform'));
        expect(service.Properties.NetworkConfiguration.AwsvpcConfiguration.Subnets).toEqual([importOf('Platform'), importOf('Platform')]);
        expect(cfnOne(s.templates.Apps, 'AWS::ElasticLoadBalancingV2::TargetGroup', `${name}TargetGroup`)[1].Properties.VpcId).toEqual(importOf('Platform'));
        expect(cfnOne(s.templates.Apps, 'AWS::EC2::SecurityGroup', `${name}SecurityGroup`)[1].Properties.VpcId).toEqual(importOf('Platform'));
      }
    });

    test('THEN the service with its own load balancer has it, its listener and its egress in Apps, on the Platform network', () => {
      const apps = s.templates.Apps;
      const [, ownLb] = cfnOne(apps, 'AWS::ElasticLoadBalancingV2::LoadBalancer', 'WebLoadBalancer');
      expect(ownLb.Properties.Subnets).toEqual([importOf('Platform'), importOf('Platform')]);
      const [ownSgId] = cfnOne(apps, 'AWS::EC2::SecurityGroup', 'WebLoadBalancerSecurityGroup');
      const [webSgId] = cfnOne(apps, 'AWS::EC2::SecurityGroup', 'WebSecurityGroup');
      const inline = apps.Resources[ownSgId].Properties.SecurityGroupEgress ?? [];
      const separate = cfnResources(apps, 'AWS::EC2::SecurityGroupEgress').map(([, r]) => r.Properties)
        .filter((p) => JSON.stringify(p.GroupId) === JSON.stringify({ 'Fn::GetAtt': [ownSgId, 'GroupId'] }));
      expect([...inline, ...separate]).toEqual(expect.arrayContaining([
        expect.objectContaining({ DestinationSecurityGroupId: { 'Fn::GetAtt': [webSgId, 'GroupId'] }, FromPort: 80, ToPort: 80 }),
      ]));
      const [targetGroupId] = cfnOne(apps, 'AWS::ElasticLoadBalancingV2::TargetGroup', 'WebTargetGroup');
      expect(cfnOne(apps, 'AWS::ElasticLoadBalancingV2::Listener', 'WebLoadBalancer')[1].Properties.DefaultActions)
        .toEqual([{ Type: 'forward', TargetGroupArn: { Ref: targetGroupId } }]);
      expect(cfnResources(s.templates.Edge, 'AWS::ElasticLoadBalancingV2::LoadBalancer', 'Web')).toEqual([]);
    });
  });

  describe('GIVEN the shared load balancer in Platform and a routed service in each of AppsA and AppsB', () => {
    let s: CdkSplit;
    beforeAll(() => { s = cdkSharedInPlatformApp(); });
    afterAll(() => rmSync(s.outdir, { recursive: true, force: true }));

    test('THEN Platform deploys first, AppsA and AppsB after it and independently of each other', () => {
      const deps = cdkDeps(s.assembly);
      expect(deps).toEqual({ Platform: [], AppsA: ['Platform'], AppsB: ['Platform'] });
      expect(deployOrder(deps)[0]).toBe('Platform');
      expect(cfnImports(s.templates.Platform)).toEqual([]);
      for (const stack of ['AppsA', 'AppsB']) expect(cfnImports(s.templates[stack]).filter((n) => !n.startsWith('Platform:'))).toEqual([]);
    });

    test('THEN Platform holds no egress rule, listener rule or target group of either app', () => {
      expect(cfnForeignDependsOn(s.templates)).toEqual([]);
      const platform = Template.fromJSON(s.templates.Platform);
      platform.resourceCountIs('AWS::EC2::SecurityGroupEgress', 0);
      platform.resourceCountIs('AWS::ElasticLoadBalancingV2::ListenerRule', 0);
      platform.resourceCountIs('AWS::ElasticLoadBalancingV2::TargetGroup', 0);
    });

    test.each([['AppsA', 'Api', 10, '/api/*'], ['AppsB', 'Admin', 20, '/admin/*']] as const)(
      'THEN %s holds the egress rule of the Platform load balancer to %s and its listener rule on the imported listener',
      (stack, service, priority, path) => {
        const [lbSgId] = cfnOne(s.templates.Platform, 'AWS::EC2::SecurityGroup', 'LbSecurityGroup');
        const [listenerId] = cfnOne(s.templates.Platform, 'AWS::ElasticLoadBalancingV2::Listener', 'Lb');
        const [serviceSgId] = cfnOne(s.templates[stack], 'AWS::EC2::SecurityGroup', `${service}SecurityGroup`);
        const [, egress] = cfnOne(s.templates[stack], 'AWS::EC2::SecurityGroupEgress', '');
        expect(egress.Properties).toMatchObject({
          GroupId: importOf('Platform'), DestinationSecurityGroupId: { 'Fn::GetAtt': [serviceSgId, 'GroupId'] }, FromPort: 80, ToPort: 80,
        });
        expect(cfnExported(s.templates, egress.Properties.GroupId['Fn::ImportValue'])).toEqual({ 'Fn::GetAtt': [lbSgId, 'GroupId'] });
        const [, rule] = cfnOne(s.templates[stack], 'AWS::ElasticLoadBalancingV2::ListenerRule', service);
        expect(rule.Properties).toMatchObject({
          ListenerArn: importOf('Platform'), Priority: priority, Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: [path] } }],
        });
        expect(cfnExported(s.templates, rule.Properties.ListenerArn['Fn::ImportValue'])).toEqual({ Ref: listenerId });
      },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// CDK for Terraform
// ---------------------------------------------------------------------------------------------

interface TfSplit {
  /** Stack -> the stacks it depends on, from the manifest. */
  readonly deps: Record<string, string[]>;
  /** Stack -> its cdk.tf.json as written by synth (with the "//" metadata). */
  readonly stacks: Record<string, TfJson>;
  readonly outdir: string;
}

function tfStackIn(app: TfApp, id: string): TerraformStack {
  const stack = new TerraformStack(app, id);
  new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
  return stack;
}

function synthTf(app: TfApp): TfSplit {
  app.synth();
  const manifest = JSON.parse(readFileSync(join(app.outdir, 'manifest.json'), 'utf8'));
  const entries = Object.entries<any>(manifest.stacks);
  return {
    deps: Object.fromEntries(entries.map(([name, m]) => [name, [...(m.dependencies ?? [])].sort()])),
    stacks: Object.fromEntries(entries.map(([name, m]) => [name, JSON.parse(readFileSync(join(app.outdir, m.synthesizedStackPath), 'utf8'))])),
    outdir: app.outdir,
  };
}

function tfEdgeApp(): TfSplit {
  const app = Testing.app({ outdir: mkdtempSync(join(tmpdir(), 'epc-tf-split-')) });
  const platform = tfStackIn(app, 'Platform');
  const network = new cdktf.PlatformNetwork(platform, 'Network', { availabilityZones: AZS });
  const cluster = new cdktf.PlatformCluster(platform, 'Cluster', { network });
  const edge = tfStackIn(app, 'Edge');
  const lb = new cdktf.PlatformLoadBalancer(edge, 'Lb', { network });
  const apps = tfStackIn(app, 'Apps');
  new cdktf.FargateWebService(apps, 'Api', { cluster, loadBalancer: lb, ...API });
  new cdktf.FargateWebService(apps, 'Web', { cluster, ...WEB });
  return synthTf(app);
}

function tfSharedInPlatformApp(): TfSplit {
  const app = Testing.app({ outdir: mkdtempSync(join(tmpdir(), 'epc-tf-split-')) });
  const platform = tfStackIn(app, 'Platform');
  const network = new cdktf.PlatformNetwork(platform, 'Network', { availabilityZones: AZS });
  const cluster = new cdktf.PlatformCluster(platform, 'Cluster', { network });
  const lb = new cdktf.PlatformLoadBalancer(platform, 'Lb', { network });
  const appsA = tfStackIn(app, 'AppsA');
  new cdktf.FargateWebService(appsA, 'Api', { cluster, loadBalancer: lb, ...API });
  const appsB = tfStackIn(app, 'AppsB');
  new cdktf.FargateWebService(appsB, 'Admin', { cluster, loadBalancer: lb, image: NGINX, containerPort: 80, routing: { pathPatterns: ['/admin/*'], priority: 20 } });
  return synthTf(app);
}

/** Addresses (`type.name`, `data.type.name`) of the resources and data sources a stack declares. */
function tfDeclared(json: TfJson): Set<string> {
  const declared = new Set<string>();
  for (const [type, blocks] of Object.entries<any>(json.resource ?? {})) for (const name of Object.keys(blocks)) declared.add(`${type}.${name}`);
  for (const [type, blocks] of Object.entries<any>(json.data ?? {})) for (const name of Object.keys(blocks)) declared.add(`data.${type}.${name}`);
  return declared;
}

/** Every depends_on entry of a stack's resources, data sources, outputs and modules, with where it is. */
function tfDependsOn(json: TfJson): Array<{ at: string; on: string }> {
  const found: Array<{ at: string; on: string }> = [];
  const blocks = (kind: string, prefix: string) => {
    for (const [type, byName] of Object.entries<any>(json[kind] ?? {})) {
      for (const [name, block] of Object.entries<any>(byName)) {
        for (const on of block?.depends_on ?? []) found.push({ at: `${prefix}${type}.${name}`, on });
      }
    }
  };
  blocks('resource', '');
  blocks('data', 'data.');
  for (const kind of ['output', 'module']) {
    for (const [name, block] of Object.entries<any>(json[kind] ?? {})) {
      for (const on of block?.depends_on ?? []) found.push({ at: `${kind}.${name}`, on });
    }
  }
  return found;
}

/** The stacks a stack reads through terraform_remote_state (`cross-stack-reference-input-<stack>`). */
function tfRemoteStates(json: TfJson): string[] {
  return Object.keys(json.data?.terraform_remote_state ?? {}).map((name) => name.replace(/^cross-stack-reference-input-/, '')).sort();
}

/** `[stack, output]` of a `${data.terraform_remote_state.cross-stack-reference-input-<stack>.outputs.<output>}` value. */
function tfRemoteOutput(value: unknown): [string, string] | undefined {
  const m = typeof value === 'string'
    ? /^\$\{data\.terraform_remote_state\.cross-stack-reference-input-([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)\}$/.exec(value)
    : null;
  return m ? [m[1], m[2]] : undefined;
}

/** What stack `[stack, output]` exports under that output: the value the remote-state read returns. */
function tfExported(split: TfSplit, value: unknown): unknown {
  const ref = tfRemoteOutput(value);
  if (!ref) throw new Error(`not a cross-stack reference: ${JSON.stringify(value)}`);
  const output = split.stacks[ref[0]]?.output?.[ref[1]];
  if (!output) throw new Error(`no output ${ref[1]} in stack ${ref[0]}`);
  return output.value;
}

/** Every `data.terraform_remote_state.<name>.outputs.<output>` reference inside a stack's strings. */
function tfRemoteReferences(json: TfJson): Array<[string, string]> {
  const text = JSON.stringify({ ...json, data: { ...json.data, terraform_remote_state: undefined } });
  return [...text.matchAll(/data\.terraform_remote_state\.cross-stack-reference-input-([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)/g)]
    .map((m): [string, string] => [m[1], m[2]]);
}

const remote = (stack: string) => expect.stringMatching(new RegExp(`^\\$\\{data\\.terraform_remote_state\\.cross-stack-reference-input-${stack}\\.outputs\\.`));

const tf = terraformAvailability();
// A visible reason either way: terraform validate runs only where terraform and a provider mirror exist.
console.log(tf.available ? `terraform validate of the split-stack apps: ${tf.reason}` : `SKIPPING terraform validate of the split-stack apps: ${tf.reason}`);
const TF = tf.available;

describe('CDK for Terraform: a platform split into stacks of one app', () => {
  let edgeApp: TfSplit;
  let sharedApp: TfSplit;
  beforeAll(() => {
    edgeApp = tfEdgeApp();
    sharedApp = tfSharedInPlatformApp();
  });
  afterAll(() => {
    for (const split of [edgeApp, sharedApp]) if (split) rmSync(split.outdir, { recursive: true, force: true });
  });

  describe('GIVEN Platform (network, cluster) < Edge (shared load balancer) < Apps (a routed service, a service with its own)', () => {
    test('THEN the manifest orders the stacks Platform < Edge < Apps', () => {
      expect(edgeApp.deps).toEqual({ Platform: [], Edge: ['Platform'], Apps: ['Edge', 'Platform'] });
      expect(deployOrder(edgeApp.deps)).toEqual(['Platform', 'Edge', 'Apps']);
    });

    test('THEN every depends_on names a resource or data source of its own stack, never remote state', () => {
      for (const [name, json] of Object.entries(edgeApp.stacks)) {
        const declared = tfDeclared(json);
        const wrong = tfDependsOn(json).filter(({ on }) => on.startsWith('data.terraform_remote_state') || !declared.has(on));
        expect({ stack: name, wrong }).toEqual({ stack: name, wrong: [] });
      }
      // The service still waits for its own listener rule, and the own load balancer's one for its listener.
      const apps = edgeApp.stacks.Apps;
      expect(tfResourceAt(apps, 'aws_ecs_service', 'Api/Service').depends_on).toContain(tfAddress(apps, 'aws_lb_listener_rule', 'Api/ListenerRule'));
      expect(tfResourceAt(apps, 'aws_ecs_service', 'Web/Service').depends_on).toContain(tfAddress(apps, 'aws_lb_listener', 'Web/LoadBalancer/HttpListener'));
    });

    test('THEN cross-stack values flow through terraform_remote_state and outputs that exist, and only down the deploy order', () => {
      expect(tfRemoteStates(edgeApp.stacks.Platform)).toEqual([]);
      expect(tfRemoteStates(edgeApp.stacks.Edge)).toEqual(['Platform']);
      expect(tfRemoteStates(edgeApp.stacks.Apps)).toEqual(['Edge', 'Platform']);
      expect(edgeApp.stacks.Apps.output ?? {}).toEqual({});
      for (const [name, json] of Object.entries(edgeApp.stacks)) {
        for (const [stack, output] of tfRemoteReferences(json)) {
          expect({ in: name, ref: `${stack}.${output}`, exists: edgeApp.stacks[stack]?.output?.[output] !== undefined })
            .toEqual({ in: name, ref: `${stack}.${output}`, exists: true });
          expect(edgeApp.deps[name]).toContain(stack);
        }
      }
      // The load balancer in Edge sits on the Platform network.
      const edge = edgeApp.stacks.Edge;
      const alb = tfResourceAt(edge, 'aws_lb', 'Lb/LoadBalancer');
      expect(alb.subnets).toEqual([remote('Platform'), remote('Platform')]);
      expect(tfResourceAt(edge, 'aws_security_group', 'Lb/SecurityGroup').vpc_id).toEqual(remote('Platform'));
      // Its depends_on keeps its own bucket policy, and leaves the (already applied) Platform network out.
      expect(alb.depends_on).toEqual([tfAddress(edge, 'aws_s3_bucket_policy', 'Lb/AccessLogsPolicy')]);
    });

    test('THEN the shared load balancer\'s egress to the routed service lives in Apps, on the Edge security group read from remote state', () => {
      const edge = edgeApp.stacks.Edge;
      const apps = edgeApp.stacks.Apps;
      expect(tfResources(edge, 'aws_vpc_security_group_egress_rule')).toEqual([]);
      expect(tfResources(edge, 'aws_lb_listener_rule')).toEqual([]);
      expect(tfResources(edge, 'aws_lb_target_group')).toEqual([]);
      const egress = tfResourceAt(apps, 'aws_vpc_security_group_egress_rule', 'Api/LoadBalancerEgress');
      expect(egress).toMatchObject({
        security_group_id: remote('Edge'),
        referenced_security_group_id: tfRefTo(apps, 'aws_security_group', 'Api/SecurityGroup', 'id'),
        ip_protocol: 'tcp',
        from_port: 80,
        to_port: 80,
      });
      expect(tfExported(edgeApp, egress.security_group_id)).toBe(tfRefTo(edge, 'aws_security_group', 'Lb/SecurityGroup', 'id'));
      const ingress = tfResourceAt(apps, 'aws_vpc_security_group_ingress_rule', 'Api/SecurityGroupIngressFromLoadBalancer');
      expect(tfExported(edgeApp, ingress.referenced_security_group_id)).toBe(tfRefTo(edge, 'aws_security_group', 'Lb/SecurityGroup', 'id'));
    });

    test('THEN the listener rule is in Apps, on the Edge listener ARN read from remote state, forwarding /api/* at priority 10', () => {
      const edge = edgeApp.stacks.Edge;
      const apps = edgeApp.stacks.Apps;
      const rule = tfResourceAt(apps, 'aws_lb_listener_rule', 'Api/ListenerRule');
      expect(rule).toMatchObject({
        listener_arn: remote('Edge'),
        priority: 10,
        condition: [{ path_pattern: { values: ['/api/*'] } }],
        action: [{ type: 'forward', target_group_arn: tfRefTo(apps, 'aws_lb_target_group', 'Api/TargetGroup', 'arn') }],
      });
      expect(tfExported(edgeApp, rule.listener_arn)).toBe(tfRefTo(edge, 'aws_lb_listener', 'Lb/HttpListener', 'arn'));
    });

    test('THEN Apps reads the cluster and network values from Platform', () => {
      const platform = edgeApp.stacks.Platform;
      const apps = edgeApp.stacks.Apps;
      for (const name of ['Api', 'Web']) {
        const service = tfResourceAt(apps, 'aws_ecs_service', `${name}/Service`);
        expect(tfExported(edgeApp, service.cluster)).toBe(tfRefTo(platform, 'aws_ecs_cluster', 'Cluster/Cluster', 'arn'));
        expect(service.network_configuration.subnets).toEqual([remote('Platform'), remote('Platform')]);
        expect(tfResourceAt(apps, 'aws_lb_target_group', `${name}/TargetGroup`).vpc_id).toEqual(remote('Platform'));
        expect(tfResourceAt(apps, 'aws_security_group', `${name}/SecurityGroup`).vpc_id).toEqual(remote('Platform'));
        expect(tfExported(edgeApp, tfResourceAt(apps, 'aws_security_group', `${name}/SecurityGroup`).vpc_id))
          .toBe(tfRefTo(platform, 'aws_vpc', 'Network/Vpc', 'id'));
      }
    });

    test('THEN the service with its own load balancer has it, its listener and its egress in Apps', () => {
      const apps = edgeApp.stacks.Apps;
      expect(tfResourceAt(apps, 'aws_lb', 'Web/LoadBalancer/LoadBalancer').subnets).toEqual([remote('Platform'), remote('Platform')]);
      expect(tfResourceAt(apps, 'aws_vpc_security_group_egress_rule', 'Web/LoadBalancerEgress')).toMatchObject({
        security_group_id: tfRefTo(apps, 'aws_security_group', 'Web/LoadBalancer/SecurityGroup', 'id'),
        referenced_security_group_id: tfRefTo(apps, 'aws_security_group', 'Web/SecurityGroup', 'id'),
      });
      expect(tfResourceAt(apps, 'aws_lb_listener', 'Web/LoadBalancer/HttpListener').default_action)
        .toEqual([expect.objectContaining({ type: 'forward', target_group_arn: tfRefTo(apps, 'aws_lb_target_group', 'Web/TargetGroup', 'arn') })]);
    });
  });

  describe('GIVEN the shared load balancer in Platform and a routed service in each of AppsA and AppsB', () => {
    test('THEN Platform is applied first, AppsA and AppsB after it and independently of each other', () => {
      expect(sharedApp.deps).toEqual({ Platform: [], AppsA: ['Platform'], AppsB: ['Platform'] });
      expect(deployOrder(sharedApp.deps)[0]).toBe('Platform');
      expect(tfRemoteStates(sharedApp.stacks.Platform)).toEqual([]);
      expect(tfRemoteStates(sharedApp.stacks.AppsA)).toEqual(['Platform']);
      expect(tfRemoteStates(sharedApp.stacks.AppsB)).toEqual(['Platform']);
    });

    test('THEN every depends_on names a resource or data source of its own stack, never remote state', () => {
      for (const [name, json] of Object.entries(sharedApp.stacks)) {
        const declared = tfDeclared(json);
        const wrong = tfDependsOn(json).filter(({ on }) => on.startsWith('data.terraform_remote_state') || !declared.has(on));
        expect({ stack: name, wrong }).toEqual({ stack: name, wrong: [] });
        for (const [stack, output] of tfRemoteReferences(json)) expect(sharedApp.stacks[stack]?.output?.[output]).toBeDefined();
      }
      expect(tfResources(sharedApp.stacks.Platform, 'aws_vpc_security_group_egress_rule')).toEqual([]);
      expect(tfResources(sharedApp.stacks.Platform, 'aws_lb_listener_rule')).toEqual([]);
    });

    test.each([['AppsA', 'Api', 10, '/api/*'], ['AppsB', 'Admin', 20, '/admin/*']] as const)(
      'THEN %s holds the egress rule of the Platform load balancer to %s and its listener rule on the Platform listener',
      (stack, service, priority, path) => {
        const platform = sharedApp.stacks.Platform;
        const apps = sharedApp.stacks[stack];
        const egress = tfResourceAt(apps, 'aws_vpc_security_group_egress_rule', `${service}/LoadBalancerEgress`);
        expect(egress.referenced_security_group_id).toBe(tfRefTo(apps, 'aws_security_group', `${service}/SecurityGroup`, 'id'));
        expect(tfExported(sharedApp, egress.security_group_id)).toBe(tfRefTo(platform, 'aws_security_group', 'Lb/SecurityGroup', 'id'));
        const rule = tfResourceAt(apps, 'aws_lb_listener_rule', `${service}/ListenerRule`);
        expect(rule).toMatchObject({ priority, condition: [{ path_pattern: { values: [path] } }] });
        expect(tfExported(sharedApp, rule.listener_arn)).toBe(tfRefTo(platform, 'aws_lb_listener', 'Lb/HttpListener', 'arn'));
        expect(tfResourceAt(apps, 'aws_ecs_service', `${service}/Service`).depends_on).toContain(tfAddress(apps, 'aws_lb_listener_rule', `${service}/ListenerRule`));
      },
    );
  });

  // Both apps' stacks in one `terraform validate` (the provider schema loads once).
  let validated: Record<string, ValidateResult> | undefined;
  const validation = () => (validated ??= terraformValidateAll({
    ...Object.fromEntries(Object.entries(edgeApp.stacks).map(([name, json]) => [`edge-app/${name}`, json])),
    ...Object.fromEntries(Object.entries(sharedApp.stacks).map(([name, json]) => [`shared-app/${name}`, json])),
  }));

  (TF ? test : test.skip)('THEN every stack of both split apps passes terraform validate', () => {
    const results = validation();
    expect(Object.keys(results).sort()).toEqual([
      'edge-app/Apps', 'edge-app/Edge', 'edge-app/Platform', 'shared-app/AppsA', 'shared-app/AppsB', 'shared-app/Platform',
    ]);
    const warnings = Object.entries(results).flatMap(([name, r]) => r.warnings.map((w) => `${name}: ${w}`));
    if (warnings.length) console.log(`terraform validate warnings:\n  ${warnings.join('\n  ')}`);
    expect(Object.fromEntries(Object.entries(results).map(([name, r]) => [name, r.errors]))).toEqual({
      'edge-app/Apps': [], 'edge-app/Edge': [], 'edge-app/Platform': [], 'shared-app/AppsA': [], 'shared-app/AppsB': [], 'shared-app/Platform': [],
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Collaborators of another app
// ---------------------------------------------------------------------------------------------

describe('collaborators from elsewhere', () => {
  describe('AWS CDK', () => {
    /** A network, cluster and load balancer in a stack of a different app. */
    function elsewhere() {
      const app = new CdkApp();
      const stack = new Stack(app, 'Elsewhere', { env: ENV });
      const network = new cdk.PlatformNetwork(stack, 'Network', { availabilityZones: AZS });
      const cluster = new cdk.PlatformCluster(stack, 'Cluster', { network });
      const lb = new cdk.PlatformLoadBalancer(stack, 'Lb', { network });
      return { network, cluster, lb };
    }
    /** A stack of this app, with a network and cluster of its own. */
    function here() {
      const app = new CdkApp();
      const stack = new Stack(app, 'Here', { env: ENV });
      const network = new cdk.PlatformNetwork(stack, 'Network', { availabilityZones: AZS });
      return { stack, network, cluster: new cdk.PlatformCluster(stack, 'Cluster', { network }) };
    }

    test('a PlatformCluster on a network of another app throws, naming network', () => {
      const { network } = elsewhere();
      const { stack } = here();
      expect(() => new cdk.PlatformCluster(stack, 'Cluster2', { network })).toThrow(/\bnetwork\b/);
    });

    test('a PlatformLoadBalancer on a network of another app throws, naming network', () => {
      const { network } = elsewhere();
      const { stack } = here();
      expect(() => new cdk.PlatformLoadBalancer(stack, 'Lb', { network })).toThrow(/\bnetwork\b/);
    });

    test('a FargateWebService on a cluster of another app throws, naming cluster', () => {
      const { cluster } = elsewhere();
      const { stack } = here();
      expect(() => new cdk.FargateWebService(stack, 'Web', { cluster, ...WEB })).toThrow(/\bcluster\b/);
    });

    test('a FargateWebService on a load balancer of another app throws, naming loadBalancer', () => {
      const { lb } = elsewhere();
      const { stack, cluster } = here();
      expect(() => new cdk.FargateWebService(stack, 'Api', { cluster, loadBalancer: lb, ...API })).toThrow(/\bloadBalancer\b/);
    });

    test('another app is named as such, and is the only problem listed', () => {
      const { cluster } = elsewhere();
      const { stack } = here();
      expect(() => new cdk.FargateWebService(stack, 'Web', { cluster, ...WEB })).toThrow(
        /\(1 problem\):\n {2}- cluster: got a PlatformCluster at 'Elsewhere\/Cluster'; expected an AWS CDK PlatformCluster .* of the same app; this one belongs to another app/);
    });

    test('a collaborator in another region of the same app throws, naming both regions', () => {
      const app = new CdkApp();
      const network = new cdk.PlatformNetwork(new Stack(app, 'Ireland', { env: ENV }), 'Network', { availabilityZones: AZS });
      const virginia = new Stack(app, 'Virginia', { env: { ...ENV, region: 'us-east-1' } });
      expect(() => new cdk.PlatformCluster(virginia, 'Cluster', { network }))
        .toThrow(/network: got a PlatformNetwork at 'Ireland\/Network'; expected an AWS CDK PlatformNetwork .* in this stack's region us-east-1; it is in eu-west-1/);
    });

    test('a collaborator of the other engine throws, naming its engine', () => {
      const tfNetwork = new cdktf.PlatformNetwork(tfStack('tf').stack, 'Network', { availabilityZones: AZS });
      const { stack } = here();
      expect(() => new cdk.PlatformCluster(stack, 'Cluster2', { network: tfNetwork as unknown as cdk.PlatformNetwork }))
        .toThrow(/network: got a PlatformNetwork at 'tf\/Network'; expected an AWS CDK PlatformNetwork \(from ecs-platform-constructs\/cdk\), not the CDK for Terraform PlatformNetwork/);
    });
  });

  describe('CDK for Terraform', () => {
    function elsewhere() {
      const { stack } = tfStack('elsewhere');
      const network = new cdktf.PlatformNetwork(stack, 'Network', { availabilityZones: AZS });
      const cluster = new cdktf.PlatformCluster(stack, 'Cluster', { network });
      const lb = new cdktf.PlatformLoadBalancer(stack, 'Lb', { network });
      return { network, cluster, lb };
    }
    function here() {
      const { stack } = tfStack('here');
      const network = new cdktf.PlatformNetwork(stack, 'Network', { availabilityZones: AZS });
      return { stack, network, cluster: new cdktf.PlatformCluster(stack, 'Cluster', { network }) };
    }

    test('a PlatformCluster on a network of another app throws, naming network', () => {
      const { network } = elsewhere();
      const { stack } = here();
      expect(() => new cdktf.PlatformCluster(stack, 'Cluster2', { network })).toThrow(/\bnetwork\b/);
    });

    test('a PlatformLoadBalancer on a network of another app throws, naming network', () => {
      const { network } = elsewhere();
      const { stack } = here();
      expect(() => new cdktf.PlatformLoadBalancer(stack, 'Lb', { network })).toThrow(/\bnetwork\b/);
    });

    test('a FargateWebService on a cluster of another app throws, naming cluster', () => {
      const { cluster } = elsewhere();
      const { stack } = here();
      expect(() => new cdktf.FargateWebService(stack, 'Web', { cluster, ...WEB })).toThrow(/\bcluster\b/);
    });

    test('a FargateWebService on a load balancer of another app throws, naming loadBalancer', () => {
      const { lb } = elsewhere();
      const { stack, cluster } = here();
      expect(() => new cdktf.FargateWebService(stack, 'Api', { cluster, loadBalancer: lb, ...API })).toThrow(/\bloadBalancer\b/);
    });

    test('a collaborator in another region (the providers\' regions) throws, naming both regions', () => {
      const app = Testing.app();
      const ireland = new TerraformStack(app, 'ireland');
      new AwsProvider(ireland, 'aws', { region: 'eu-west-1' });
      const network = new cdktf.PlatformNetwork(ireland, 'Network', { availabilityZones: AZS });
      const virginia = new TerraformStack(app, 'virginia');
      new AwsProvider(virginia, 'aws', { region: 'us-east-1' });
      expect(() => new cdktf.PlatformCluster(virginia, 'Cluster', { network }))
        .toThrow(/network: got a PlatformNetwork at 'ireland\/Network'; expected a CDK for Terraform PlatformNetwork .* in this stack's region us-east-1; it is in eu-west-1/);
    });

    test('a collaborator of the other engine throws, naming its engine', () => {
      const cdkNetwork = new cdk.PlatformNetwork(new Stack(new CdkApp(), 'Cdk', { env: ENV }), 'Network', { availabilityZones: AZS });
      const { stack } = here();
      expect(() => new cdktf.PlatformCluster(stack, 'Cluster2', { network: cdkNetwork as unknown as cdktf.PlatformNetwork }))
        .toThrow(/network: got a PlatformNetwork at 'Cdk\/Network'; expected a CDK for Terraform PlatformNetwork \(from ecs-platform-constructs\/cdktf\), not the AWS CDK PlatformNetwork/);
    });
  });
});
