import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { App, TerraformStack } from 'cdktf';
import { parse as parseYaml } from 'yaml';
import * as cdk from '../../src/cdk';
import * as cdktf from '../../src/cdktf';
import { FargateWebService, ManagedDatabase, PlatformCluster, PlatformLoadBalancer, PlatformNetwork, TeleportCluster } from '../../src/cdktf';
import { EnvironmentProfile } from '../../src/constructs/environment-profile';
import { TELEPORT_VERSION } from '../../src/constructs/teleport-cluster';
import { cdkStack } from '../helpers/cdk';
import { NGINX } from '../helpers/images';
import { TfJson, tfStack, tfSynthFull } from '../helpers/terraform';
import { describeTfGates } from '../helpers/tf-gates';
import { tfAddress, tfContainers, tfPolicy, tfRefTo, tfResourceAt } from '../helpers/tf-platform';

const CERT = 'arn:aws:acm:eu-west-1:111122223333:certificate/11111111-2222-3333-4444-555555555555';
const TELEPORT_CERT = 'arn:aws:acm:eu-west-1:111122223333:certificate/66666666-7777-8888-9999-000000000000';
const SECRET = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:teleport/github-AbCdEf';
const GITHUB = { clientId: 'Iv1.abc', clientSecretArn: SECRET, organization: 'my-org', teamsToRoles: [{ team: 'platform', roles: ['access', 'db-main-db', 'platform-apps'] }] };

function build(profile: EnvironmentProfile): TerraformStack {
  const { stack } = tfStack();
  const network = new PlatformNetwork(stack, 'Network', { profile });
  const cluster = new PlatformCluster(stack, 'Cluster', { network });
  const ingress = new PlatformLoadBalancer(stack, 'Ingress', { network, certificateArn: CERT, idleTimeoutSeconds: 350 });
  const db = new ManagedDatabase(stack, 'MainDb', { network, databaseName: 'main' });
  const api = new FargateWebService(stack, 'Api', { cluster, loadBalancer: ingress, image: NGINX, containerPort: 80, routing: { pathPatterns: ['/*'], priority: 100 } });
  const teleport = new TeleportCluster(stack, 'Teleport', {
    cluster, loadBalancer: ingress, domainName: 'teleport.example.com', clusterName: 'platform', certificateArn: TELEPORT_CERT, github: GITHUB,
  });
  teleport.addDatabase(db, { name: 'main-db', users: ['app_readonly'] });
  teleport.addApp(api, { name: 'api' });
  return stack;
}

describeTfGates('TeleportCluster (CDKTF) gates', {
  development: () => build(EnvironmentProfile.DEVELOPMENT),
  production: () => build(EnvironmentProfile.PRODUCTION),
});

const synthesised = new Map<EnvironmentProfile, TfJson>();
const output = (profile: EnvironmentProfile) => {
  if (!synthesised.has(profile)) synthesised.set(profile, tfSynthFull(build(profile)));
  return synthesised.get(profile)!;
};

describe.each([EnvironmentProfile.DEVELOPMENT, EnvironmentProfile.PRODUCTION])('TeleportCluster (CDKTF, %s)', (profile) => {
  const production = profile === EnvironmentProfile.PRODUCTION;

  test('HTTPS targets on the proxy port behind host rules for the domain and its wildcard, with the Teleport certificate on the listener', () => {
    const j = output(profile);
    expect(tfResourceAt(j, 'aws_lb_target_group', 'Teleport/Service/TargetGroup')).toMatchObject({
      port: 3080, protocol: 'HTTPS', health_check: { protocol: 'HTTPS', path: '/webapi/ping', matcher: '200' },
    });
    expect(tfResourceAt(j, 'aws_lb_listener_rule', 'Teleport/Service/ListenerRule')).toMatchObject({
      priority: 1, condition: [{ host_header: { values: ['teleport.example.com', '*.teleport.example.com'] } }],
    });
    expect(tfResourceAt(j, 'aws_lb_listener_certificate', 'Teleport/ListenerCertificate')).toMatchObject({
      certificate_arn: TELEPORT_CERT, listener_arn: tfRefTo(j, 'aws_lb_listener', 'Ingress/HttpsListener', 'arn'),
    });
  });

  test(`${production ? 2 : 1} task(s) of the pinned image, waiting for Teleport's policy and steady state`, () => {
    const j = output(profile);
    const service = tfResourceAt(j, 'aws_ecs_service', 'Teleport/Service/Service');
    expect(service.desired_count).toBe(production ? 2 : 1);
    expect(service.wait_for_steady_state).toBe(true);
    expect(service.depends_on).toContain(tfAddress(j, 'aws_iam_role_policy', 'Teleport/TaskRolePolicy'));
    const [teleport, config] = tfContainers(tfResourceAt(j, 'aws_ecs_task_definition', 'Teleport/Service/TaskDefinition'));
    expect(teleport).toMatchObject({
      image: `public.ecr.aws/gravitational/teleport-distroless:${TELEPORT_VERSION}`,
      stopTimeout: 120,
      dependsOn: [{ containerName: 'teleport-config', condition: 'SUCCESS' }],
      mountPoints: [{ sourceVolume: 'teleport-config', containerPath: '/etc/teleport', readOnly: true }],
    });
    expect(config).toMatchObject({ name: 'teleport-config', essential: false, secrets: [{ name: 'GITHUB_CLIENT_SECRET', valueFrom: SECRET }] });
  });

  test('the configuration refers to the tables and bucket by Terraform reference; the secret is only an ARN', () => {
    const j = output(profile);
    const [, config] = tfContainers(tfResourceAt(j, 'aws_ecs_task_definition', 'Teleport/Service/TaskDefinition'));
    const env = Object.fromEntries(config.environment.map((e: any) => [e.name, e.value]));
    const yaml = parseYaml(env.TELEPORT_CONFIG);
    expect(yaml.teleport.storage).toMatchObject({
      table_name: tfRefTo(j, 'aws_dynamodb_table', 'Teleport/StateTable/Table', 'name'),
      audit_events_uri: [`dynamodb://${tfRefTo(j, 'aws_dynamodb_table', 'Teleport/EventsTable/Table', 'name')}`],
      audit_sessions_uri: `s3://${tfRefTo(j, 'aws_s3_bucket', 'Teleport/Recordings', 'bucket')}/records`,
    });
    expect(env.TELEPORT_CONNECTOR).toMatch(/client_secret: \|-\n$/);
    expect(JSON.stringify(j).split(SECRET).length - 1).toBe(2);
  });

  test('tables and bucket: stream, TTL, PITR, one key, versioning, TLS only; prevent_destroy in PRODUCTION', () => {
    const j = output(profile);
    const key = tfRefTo(j, 'aws_kms_key', 'Teleport/Key', 'arn');
    const state = tfResourceAt(j, 'aws_dynamodb_table', 'Teleport/StateTable/Table');
    expect(state).toMatchObject({
      hash_key: 'HashKey',
      range_key: 'FullPath',
      stream_enabled: true,
      stream_view_type: 'NEW_IMAGE',
      ttl: { attribute_name: 'Expires', enabled: true },
      point_in_time_recovery: { enabled: true },
      server_side_encryption: { enabled: true, kms_key_arn: key },
    });
    expect(state.lifecycle?.prevent_destroy ?? false).toBe(production);
    expect(tfResourceAt(j, 'aws_dynamodb_table', 'Teleport/EventsTable/Table').global_secondary_index)
      .toEqual([expect.objectContaining({ name: 'timesearchV2', hash_key: 'CreatedAtDate', range_key: 'CreatedAt', projection_type: 'ALL' })]);
    expect(tfResourceAt(j, 'aws_s3_bucket', 'Teleport/Recordings')).toMatchObject({ force_destroy: !production });
    expect(tfResourceAt(j, 'aws_s3_bucket_versioning', 'Teleport/RecordingsVersioning').versioning_configuration.status).toBe('Enabled');
    expect(tfResourceAt(j, 'aws_s3_bucket_server_side_encryption_configuration', 'Teleport/RecordingsEncryption').rule)
      .toEqual([{ apply_server_side_encryption_by_default: { sse_algorithm: 'aws:kms', kms_master_key_id: key }, bucket_key_enabled: true }]);
    expect(tfPolicy(tfResourceAt(j, 'aws_s3_bucket_policy', 'Teleport/RecordingsPolicy')).Statement[0])
      .toMatchObject({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
  });

  test('addDatabase and addApp: rds-db:connect as the named user, the database and app ports open from Teleport, the app registered', () => {
    const j = output(profile);
    const statements = tfPolicy(tfResourceAt(j, 'aws_iam_role_policy', 'Teleport/TaskRolePolicy')).Statement;
    expect(statements.find((s: any) => s.Action === 'rds-db:connect').Resource[0])
      .toMatch(new RegExp(':dbuser:\\$\\{aws_db_instance\\.MainDb_Instance_[0-9A-F]{8}\\.resource_id\\}/app_readonly$'));
    const teleportSg = tfRefTo(j, 'aws_security_group', 'Teleport/Service/SecurityGroup', 'id');
    expect(tfResourceAt(j, 'aws_vpc_security_group_ingress_rule', 'Teleport/DatabaseIngress-main-db')).toMatchObject({
      from_port: 5432, to_port: 5432, referenced_security_group_id: teleportSg, security_group_id: tfRefTo(j, 'aws_security_group', 'MainDb/SecurityGroup', 'id'),
    });
    expect(tfResourceAt(j, 'aws_vpc_security_group_ingress_rule', 'Api/TeleportIngress-api')).toMatchObject({
      from_port: 80, to_port: 80, referenced_security_group_id: teleportSg, security_group_id: tfRefTo(j, 'aws_security_group', 'Api/SecurityGroup', 'id'),
    });
    expect(tfResourceAt(j, 'aws_ecs_service', 'Api/Service').service_registries)
      .toEqual({ registry_arn: tfRefTo(j, 'aws_service_discovery_service', 'Teleport/App-api', 'arn') });
    expect(tfResourceAt(j, 'aws_service_discovery_private_dns_namespace', 'Teleport/AppNamespace').name).toBe('platform.teleport.internal');
  });
});

describe('TeleportCluster (CDKTF): mistakes', () => {
  test('GIVEN a team mapped to a role nobody defines THEN synthesis fails naming the roles that exist', () => {
    const { stack } = tfStack();
    const network = new PlatformNetwork(stack, 'Network');
    const cluster = new PlatformCluster(stack, 'Cluster', { network });
    const ingress = new PlatformLoadBalancer(stack, 'Ingress', { network, certificateArn: CERT });
    new TeleportCluster(stack, 'Teleport', {
      cluster, loadBalancer: ingress, domainName: 'teleport.example.com', github: { ...GITHUB, teamsToRoles: [{ team: 'platform', roles: ['acess'] }] },
    });
    expect(() => tfSynthFull(stack)).toThrow(/github\.teamsToRoles\[0\]\.roles\[0\]: got "acess"; expected one of access, editor, auditor, platform-apps/);
  });

  test('GIVEN no load balancer and no certificate THEN the error asks for the certificate', () => {
    const { stack } = tfStack();
    const cluster = new PlatformCluster(stack, 'Cluster', { network: new PlatformNetwork(stack, 'Network') });
    expect(() => new TeleportCluster(stack, 'Teleport', { cluster, domainName: 'teleport.example.com', github: GITHUB }))
      .toThrow(/certificateArn: got undefined; expected a certificate for domainName and \*\.domainName/);
  });

  test('GIVEN a database of the other engine THEN addDatabase says so', () => {
    const { stack } = tfStack();
    const network = new PlatformNetwork(stack, 'Network');
    const cluster = new PlatformCluster(stack, 'Cluster', { network });
    const teleport = new TeleportCluster(stack, 'Teleport', { cluster, domainName: 'teleport.example.com', certificateArn: TELEPORT_CERT, github: GITHUB });
    const { stack: cdkOut } = cdkStack();
    const cdkDb = new cdk.ManagedDatabase(cdkOut, 'Db', { network: new cdk.PlatformNetwork(cdkOut, 'Network') });
    expect(() => teleport.addDatabase(cdkDb as unknown as cdktf.ManagedDatabase, { users: ['app'] }))
      .toThrow(/TeleportCluster.addDatabase.*\n {2}- database: .*AWS CDK/);
  });
});

test('TeleportCluster (CDKTF) across stacks: Terraform outputs, no depends_on into another stack, no cycle', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'epc-tp-tf-'));
  try {
    const app = new App({ outdir });
    const stack = (id: string) => {
      const s = new TerraformStack(app, id);
      new AwsProvider(s, 'aws', { region: 'eu-west-1' });
      return s;
    };
    const platform = stack('platform');
    const network = new PlatformNetwork(platform, 'Network');
    const cluster = new PlatformCluster(platform, 'Cluster', { network });
    const ingress = new PlatformLoadBalancer(platform, 'Ingress', { network, certificateArn: CERT });
    const db = new ManagedDatabase(stack('data'), 'MainDb', { network });
    const teleport = new TeleportCluster(stack('access'), 'Teleport', { cluster, loadBalancer: ingress, domainName: 'teleport.example.com', github: GITHUB });
    const api = new FargateWebService(stack('services'), 'Api', {
      cluster, loadBalancer: ingress, image: NGINX, containerPort: 80, routing: { pathPatterns: ['/*'], priority: 100 },
    });
    teleport.addDatabase(db, { name: 'main-db', users: ['app_readonly'] });
    teleport.addApp(api, { name: 'api' });
    app.synth();
    const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8'));
    const deps = (name: string) => [...manifest.stacks[name].dependencies].sort();
    expect(deps('access')).toEqual(['data', 'platform']);
    expect(deps('services')).toEqual(['access', 'platform']);
    for (const name of ['access', 'services']) {
      const json = JSON.parse(readFileSync(join(outdir, manifest.stacks[name].synthesizedStackPath), 'utf8'));
      const dependsOn = Object.values<any>(json.resource).flatMap((rs) => Object.values<any>(rs)).flatMap((r) => r.depends_on ?? []);
      for (const address of dependsOn) expect([name, address, address.split('.')[0] in json.resource]).toEqual([name, address, true]);
    }
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
});
