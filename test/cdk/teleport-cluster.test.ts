import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { parse as parseYaml } from 'yaml';
import * as cdk from '../../src/cdk';
import { FargateWebService, ManagedDatabase, PlatformCluster, PlatformLoadBalancer, PlatformNetwork, TeleportCluster } from '../../src/cdk';
import * as cdktf from '../../src/cdktf';
import { EnvironmentProfile } from '../../src/constructs/environment-profile';
import { TELEPORT_VERSION } from '../../src/constructs/teleport-cluster';
import { cdkStack, formatFindings } from '../helpers/cdk';
import { cdkGatesAndTemplate } from '../helpers/cdk-gates';
import { evaluateCfn } from '../helpers/cfn-eval';
import { NGINX } from '../helpers/images';
import { tfStack } from '../helpers/terraform';

const CERT = 'arn:aws:acm:eu-west-1:111122223333:certificate/11111111-2222-3333-4444-555555555555';
const TELEPORT_CERT = 'arn:aws:acm:eu-west-1:111122223333:certificate/66666666-7777-8888-9999-000000000000';
const SECRET = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:teleport/github-AbCdEf';
const GITHUB = { clientId: 'Iv1.abc', clientSecretArn: SECRET, organization: 'my-org', teamsToRoles: [{ team: 'platform', roles: ['access', 'db-main-db', 'platform-apps'] }] };

interface Built { app: App; stack: Stack; teleport: TeleportCluster; db: ManagedDatabase; api: FargateWebService }

function build(profile: EnvironmentProfile, stackId = 'Test'): Built {
  const { app, stack } = cdkStack(stackId);
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
  return { app, stack, teleport, db, api };
}

/** One synthesis per profile, with the gates, shared by every test below. */
const synthesised = new Map<EnvironmentProfile, { built: Built; template: Template; findings: string }>();
function output(profile: EnvironmentProfile) {
  if (!synthesised.has(profile)) {
    const built = build(profile);
    const { findings, template } = cdkGatesAndTemplate(built.app, built.stack);
    synthesised.set(profile, { built, template, findings: formatFindings(findings) });
  }
  return synthesised.get(profile)!;
}
const idOf = (t: Template, type: string, prefix: string) => {
  const ids = Object.keys(t.findResources(type)).filter((id) => id.startsWith(prefix));
  expect(ids).toHaveLength(1);
  return ids[0];
};

describe.each([EnvironmentProfile.DEVELOPMENT, EnvironmentProfile.PRODUCTION])('TeleportCluster (CDK, %s)', (profile) => {
  const production = profile === EnvironmentProfile.PRODUCTION;

  test('zero unacknowledged cdk-nag and Control Tower findings', () => {
    expect(output(profile).findings).toBe('');
  });

  test('HTTPS targets on the proxy port behind host rules for the domain and its wildcard, with the Teleport certificate on the listener', () => {
    const { template: t } = output(profile);
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      Port: 3080, Protocol: 'HTTPS', HealthCheckProtocol: 'HTTPS', HealthCheckPath: '/webapi/ping', Matcher: { HttpCode: '200' },
    });
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::ListenerRule', {
      Priority: 1,
      Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: ['teleport.example.com', '*.teleport.example.com'] } }],
    });
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::ListenerCertificate', { Certificates: [{ CertificateArn: TELEPORT_CERT }] });
  });

  test(`${production ? 2 : 1} task(s) of the pinned image, on Fargate only, stopped gracefully`, () => {
    const { template: t } = output(profile);
    const service = t.findResources('AWS::ECS::Service')[idOf(t, 'AWS::ECS::Service', 'TeleportService')].Properties;
    expect(service.DesiredCount).toBe(production ? 2 : 1);
    expect(service.CapacityProviderStrategy).toEqual([{ CapacityProvider: 'FARGATE', Base: 0, Weight: 1 }]);
    const [teleport] = t.findResources('AWS::ECS::TaskDefinition')[idOf(t, 'AWS::ECS::TaskDefinition', 'TeleportServiceTaskDefinition')].Properties.ContainerDefinitions;
    expect(teleport).toMatchObject({
      Image: `public.ecr.aws/gravitational/teleport-distroless:${TELEPORT_VERSION}`,
      StopTimeout: 120,
      DependsOn: [{ ContainerName: 'teleport-config', Condition: 'SUCCESS' }],
      MountPoints: [{ SourceVolume: 'teleport-config', ContainerPath: '/etc/teleport', ReadOnly: true }],
    });
  });

  test('the configuration is rendered into the config container; the GitHub secret only as a Secrets Manager reference', () => {
    const { template: t } = output(profile);
    const td = t.findResources('AWS::ECS::TaskDefinition')[idOf(t, 'AWS::ECS::TaskDefinition', 'TeleportServiceTaskDefinition')].Properties;
    const config = td.ContainerDefinitions[1];
    expect(config).toMatchObject({ Name: 'teleport-config', Essential: false, Secrets: [{ Name: 'GITHUB_CLIENT_SECRET', ValueFrom: SECRET }] });
    const env = Object.fromEntries(config.Environment.map((e: any) => [e.Name, evaluateCfn(t.toJSON(), e.Value, { region: 'eu-west-1', accountId: '111122223333' })]));
    const yaml = parseYaml(env.TELEPORT_CONFIG);
    expect(yaml.teleport.storage.table_name).toBe(`<Ref ${idOf(t, 'AWS::DynamoDB::Table', 'TeleportStateTable')}>`);
    expect(yaml.teleport.storage.audit_events_uri).toEqual([`dynamodb://<Ref ${idOf(t, 'AWS::DynamoDB::Table', 'TeleportEventsTable')}>`]);
    expect(yaml.db_service.databases[0]).toMatchObject({ name: 'main-db', protocol: 'postgres', aws: { region: 'eu-west-1' } });
    expect(env.TELEPORT_CONNECTOR).toMatch(/client_secret: \|-\n$/);
    // The secret's value is nowhere: the template holds its ARN, as valueFrom, and the execution role's grant.
    const text = JSON.stringify(t.toJSON());
    expect(text.split(SECRET).length - 1).toBe(2);
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([{ Action: 'secretsmanager:GetSecretValue', Effect: 'Allow', Resource: SECRET }]) },
      Roles: [{ Ref: idOf(t, 'AWS::IAM::Role', 'TeleportServiceExecutionRole') }],
    });
  });

  test('state and audit tables (stream, TTL, PITR, one customer-managed key), retained and protected in PRODUCTION', () => {
    const { template: t } = output(profile);
    const key = { 'Fn::GetAtt': [idOf(t, 'AWS::KMS::Key', 'TeleportKey'), 'Arn'] };
    for (const [prefix, extra] of [['TeleportStateTable', { StreamSpecification: { StreamViewType: 'NEW_IMAGE' } }], ['TeleportEventsTable', {}]] as const) {
      const table = t.findResources('AWS::DynamoDB::Table')[idOf(t, 'AWS::DynamoDB::Table', prefix)];
      expect(table.Properties).toMatchObject({
        ...extra,
        BillingMode: 'PAY_PER_REQUEST',
        TimeToLiveSpecification: { AttributeName: 'Expires', Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: key },
      });
      expect(table.DeletionPolicy).toBe(production ? 'Retain' : 'Delete');
      expect(table.Properties.DeletionProtectionEnabled ?? false).toBe(production);
    }
  });

  test('recordings bucket: versioned, under the key, TLS only, private, expiring with the audit retention; retained in PRODUCTION', () => {
    const { template: t } = output(profile);
    const bucket = t.findResources('AWS::S3::Bucket')[idOf(t, 'AWS::S3::Bucket', 'TeleportRecordings')];
    expect(bucket.Properties).toMatchObject({
      VersioningConfiguration: { Status: 'Enabled' },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      LifecycleConfiguration: {
        Rules: [expect.objectContaining({ ExpirationInDays: production ? 365 : 30, NoncurrentVersionExpiration: { NoncurrentDays: 30 } })],
      },
    });
    expect(bucket.DeletionPolicy).toBe(production ? 'Retain' : 'Delete');
    t.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  test('addDatabase: IAM authentication on, rds-db:connect as exactly the named user, the port open from Teleport only', () => {
    const { template: t } = output(profile);
    t.hasResourceProperties('AWS::RDS::DBInstance', { EnableIAMDatabaseAuthentication: true });
    const teleportSg = { 'Fn::GetAtt': [idOf(t, 'AWS::EC2::SecurityGroup', 'TeleportServiceSecurityGroup'), 'GroupId'] };
    t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 5432,
      ToPort: 5432,
      SourceSecurityGroupId: teleportSg,
      GroupId: { 'Fn::GetAtt': [idOf(t, 'AWS::EC2::SecurityGroup', 'MainDbSecurityGroup'), 'GroupId'] },
    });
    const statements = t.findResources('AWS::IAM::Policy')[idOf(t, 'AWS::IAM::Policy', 'TeleportServiceTaskRoleDefaultPolicy')].Properties.PolicyDocument.Statement;
    const connect = statements.find((s: any) => s.Action === 'rds-db:connect');
    expect(evaluateCfn(t.toJSON(), connect.Resource, { region: 'eu-west-1', accountId: '111122223333' }))
      .toBe(`arn:aws:rds-db:eu-west-1:111122223333:dbuser:<${idOf(t, 'AWS::RDS::DBInstance', 'MainDbInstance')}.DbiResourceId>/app_readonly`);
  });

  test('addApp: the app\'s tasks in a private DNS namespace, reachable from Teleport on the container port', () => {
    const { template: t } = output(profile);
    t.hasResourceProperties('AWS::ServiceDiscovery::PrivateDnsNamespace', { Name: 'platform.teleport.internal' });
    t.hasResourceProperties('AWS::ServiceDiscovery::Service', {
      Name: 'api', DnsConfig: { DnsRecords: [{ Type: 'A', TTL: 10 }], RoutingPolicy: 'MULTIVALUE' },
    });
    t.hasResourceProperties('AWS::ECS::Service', {
      ServiceRegistries: [{ RegistryArn: { 'Fn::GetAtt': [idOf(t, 'AWS::ServiceDiscovery::Service', 'TeleportAppapi'), 'Arn'] } }],
    });
    t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 80,
      ToPort: 80,
      GroupId: { 'Fn::GetAtt': [idOf(t, 'AWS::EC2::SecurityGroup', 'ApiSecurityGroup'), 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [idOf(t, 'AWS::EC2::SecurityGroup', 'TeleportServiceSecurityGroup'), 'GroupId'] },
    });
  });
});

describe('TeleportCluster (CDK): mistakes', () => {
  const base = () => {
    const { stack } = cdkStack();
    const network = new PlatformNetwork(stack, 'Network');
    const cluster = new PlatformCluster(stack, 'Cluster', { network });
    return { stack, network, cluster };
  };

  test('GIVEN a team mapped to a role nobody defines THEN synthesis fails naming the roles that exist', () => {
    const { stack, network, cluster } = base();
    const ingress = new PlatformLoadBalancer(stack, 'Ingress', { network, certificateArn: CERT });
    new TeleportCluster(stack, 'Teleport', {
      cluster,
      loadBalancer: ingress,
      domainName: 'teleport.example.com',
      github: { ...GITHUB, teamsToRoles: [{ team: 'platform', roles: ['acess'] }] },
    });
    expect(() => Template.fromStack(stack)).toThrow(/github\.teamsToRoles\[0\]\.roles\[0\]: got "acess"; expected one of access, editor, auditor, platform-apps/);
  });

  test('GIVEN a load balancer without HTTPS and a bad domain THEN one error names both', () => {
    const { stack, network, cluster } = base();
    const plain = new PlatformLoadBalancer(stack, 'Plain', { network });
    expect(() => new TeleportCluster(stack, 'Teleport', { cluster, loadBalancer: plain, domainName: 'https://teleport', github: GITHUB }))
      .toThrow(/\(2 problems\):\n {2}- domainName: .*\n {2}- loadBalancer: .*expected a load balancer listening on HTTPS/);
  });

  test('GIVEN a database and an app of the other engine THEN addDatabase and addApp say so', () => {
    const { stack, network, cluster } = base();
    const ingress = new PlatformLoadBalancer(stack, 'Ingress', { network, certificateArn: CERT });
    const teleport = new TeleportCluster(stack, 'Teleport', { cluster, loadBalancer: ingress, domainName: 'teleport.example.com', github: GITHUB });
    const { stack: tf } = tfStack();
    const tfNetwork = new cdktf.PlatformNetwork(tf, 'Network');
    const tfDb = new cdktf.ManagedDatabase(tf, 'Db', { network: tfNetwork });
    const tfApi = new cdktf.FargateWebService(tf, 'Api', { cluster: new cdktf.PlatformCluster(tf, 'Cluster', { network: tfNetwork }), image: NGINX, containerPort: 80 });
    expect(() => teleport.addDatabase(tfDb as unknown as cdk.ManagedDatabase, { users: ['app'] }))
      .toThrow(/TeleportCluster.addDatabase.*\n {2}- database: .*CDK for Terraform/);
    expect(() => teleport.addApp(tfApi as unknown as cdk.FargateWebService, { name: 'api' }))
      .toThrow(/TeleportCluster.addApp.*\n {2}- app: .*CDK for Terraform/);
  });
});

test('TeleportCluster (CDK) across stacks: data < access < services, no cycle', () => {
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'epc-tp-')) });
  const env = { account: '111122223333', region: 'eu-west-1' };
  const platform = new Stack(app, 'Platform', { env });
  const network = new PlatformNetwork(platform, 'Network', { availabilityZones: ['eu-west-1a', 'eu-west-1b'] });
  const cluster = new PlatformCluster(platform, 'Cluster', { network });
  const ingress = new PlatformLoadBalancer(platform, 'Ingress', { network, certificateArn: CERT });
  const data = new Stack(app, 'Data', { env });
  const db = new ManagedDatabase(data, 'MainDb', { network });
  const access = new Stack(app, 'Access', { env });
  const teleport = new TeleportCluster(access, 'Teleport', { cluster, loadBalancer: ingress, domainName: 'teleport.example.com', github: GITHUB });
  const services = new Stack(app, 'Services', { env });
  const api = new FargateWebService(services, 'Api', { cluster, loadBalancer: ingress, image: NGINX, containerPort: 80, routing: { pathPatterns: ['/*'], priority: 100 } });
  teleport.addDatabase(db, { name: 'main-db', users: ['app_readonly'] });
  teleport.addApp(api, { name: 'api' });
  const assembly = app.synth();
  const deps = (name: string) => assembly.getStackByName(name).dependencies.map((d) => d.id).filter((id) => !id.endsWith('.assets')).sort();
  expect(deps('Access')).toEqual(['Data', 'Platform']);
  expect(deps('Services')).toEqual(['Access', 'Platform']);
  expect(deps('Data')).toEqual(['Platform']);
});
