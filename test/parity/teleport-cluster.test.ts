/**
 * TeleportCluster parity: the same options give the same Teleport in both
 * engines, read into one normalised form and compared with one toEqual per
 * profile: the services (ports, health checks, routing, who may reach whom,
 * alarms, every IAM grant), the tables, the recordings bucket, both containers
 * and the configuration they carry (as deployed), the app registry and the
 * listener certificate.
 */
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { cdkStack, cdkTemplate } from '../helpers/cdk';
import { graphOf, Graph, normaliseCfnPlatform, normaliseTfPlatform } from '../helpers/parity-platform';
import { policyGrants } from '../helpers/symbolic';
import { tfStack, tfSynthFull } from '../helpers/terraform';
import { teleport } from '../upgrade/scenarios';
import { EnvironmentProfile } from 'ecs-platform-constructs';

type Json = Record<string, any>;
const list = (v: unknown): any[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const sorted = <T>(xs: T[]) => [...xs].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
/** ECS's camelCase for CloudFormation's PascalCase container definitions. */
const camel = (o: any): any => Array.isArray(o) ? o.map(camel) : o && typeof o === 'object'
  ? Object.fromEntries(Object.entries(o).map(([k, v]) => (k === 'Ref' || k.startsWith('Fn::') ? [k, v] : [k[0].toLowerCase() + k.slice(1), camel(v)])))
  : o;

function normalise(output: Json, engine: 'cfn' | 'tf'): Json {
  const cfn = engine === 'cfn';
  const g: Graph = graphOf(output, engine);
  const sym = (v: unknown) => g.symbolic(v);
  const resources = (cfnType: string, tfType: string): Array<{ path: string; p: Json }> => cfn
    ? Object.entries<Json>(output.Resources).filter(([, r]) => r.Type === cfnType).map(([id, r]) => ({ path: g.pathOf(id), p: r.Properties ?? {} }))
    : Object.entries<Json>(output.resource?.[tfType] ?? {}).map(([name, p]) => ({ path: g.pathOf(`${tfType}.${name}`), p }));
  /** The one resource at `path` (aws-cdk-lib drops a last component that ends its parent's name: StateTable/Table). */
  const one = (cfnType: string, tfType: string, tfPath: string, cfnPath = tfPath) => {
    const path = cfn ? cfnPath : tfPath;
    const found = resources(cfnType, tfType).filter((x) => x.path === path);
    expect([path, found.length]).toEqual([path, 1]);
    return found[0].p;
  };

  const tables = Object.fromEntries(['StateTable', 'EventsTable'].map((name) => {
    const t = one('AWS::DynamoDB::Table', 'aws_dynamodb_table', `Teleport${name}`);
    return [name, cfn ? {
      keys: t.KeySchema.map((k: Json) => `${k.AttributeName}:${k.KeyType}`),
      attributes: sorted(t.AttributeDefinitions.map((a: Json) => `${a.AttributeName}:${a.AttributeType}`)),
      billing: t.BillingMode,
      stream: t.StreamSpecification?.StreamViewType ?? null,
      ttl: t.TimeToLiveSpecification ? `${t.TimeToLiveSpecification.AttributeName}:${t.TimeToLiveSpecification.Enabled}` : null,
      indexes: (t.GlobalSecondaryIndexes ?? []).map((i: Json) => `${i.IndexName} ${i.KeySchema.map((k: Json) => k.AttributeName).join('/')} ${i.Projection.ProjectionType}`),
      pitr: t.PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled,
      key: sym(t.SSESpecification.KMSMasterKeyId),
      deletionProtection: t.DeletionProtectionEnabled ?? false,
    } : {
      keys: [`${t.hash_key}:HASH`, `${t.range_key}:RANGE`],
      attributes: sorted(t.attribute.map((a: Json) => `${a.name}:${a.type}`)),
      billing: t.billing_mode,
      stream: t.stream_enabled ? t.stream_view_type : null,
      ttl: t.ttl ? `${t.ttl.attribute_name}:${t.ttl.enabled}` : null,
      indexes: list(t.global_secondary_index).map((i: Json) => `${i.name} ${[i.hash_key, i.range_key].join('/')} ${i.projection_type}`),
      pitr: t.point_in_time_recovery.enabled,
      key: sym(t.server_side_encryption.kms_key_arn),
      deletionProtection: t.deletion_protection_enabled ?? false,
    }];
  }));

  const bucket = (() => {
    if (cfn) {
      const b = one('AWS::S3::Bucket', '', 'TeleportRecordings');
      const rule = b.LifecycleConfiguration.Rules[0];
      const sse = b.BucketEncryption.ServerSideEncryptionConfiguration[0];
      const policy = one('AWS::S3::BucketPolicy', '', 'TeleportRecordingsPolicy');
      return {
        versioning: b.VersioningConfiguration.Status,
        encryption: [sse.ServerSideEncryptionByDefault.SSEAlgorithm, sym(sse.ServerSideEncryptionByDefault.KMSMasterKeyID), sse.BucketKeyEnabled],
        publicAccessBlocked: Object.values(b.PublicAccessBlockConfiguration).every((x) => x === true),
        ownership: b.OwnershipControls.Rules[0].ObjectOwnership,
        lifecycle: {
          expirationDays: rule.ExpirationInDays,
          noncurrentDays: rule.NoncurrentVersionExpiration.NoncurrentDays,
          abortMultipartDays: rule.AbortIncompleteMultipartUpload.DaysAfterInitiation,
          transitions: list(rule.Transitions).map((t: Json) => `${t.StorageClass}@${t.TransitionInDays}`),
        },
        tlsOnly: policyGrants(sym(policy.PolicyDocument)).filter((x) => x.startsWith('Deny')),
      };
    }
    const byBucket = (type: string) => Object.values<Json>(output.resource[type]).find((r) => String(r.bucket).includes('Teleport_Recordings'))!;
    const sse = byBucket('aws_s3_bucket_server_side_encryption_configuration').rule[0];
    const pab = byBucket('aws_s3_bucket_public_access_block');
    const rule = byBucket('aws_s3_bucket_lifecycle_configuration').rule[0];
    return {
      versioning: byBucket('aws_s3_bucket_versioning').versioning_configuration.status,
      encryption: [sse.apply_server_side_encryption_by_default.sse_algorithm, sym(sse.apply_server_side_encryption_by_default.kms_master_key_id),
        sse.bucket_key_enabled],
      publicAccessBlocked: [pab.block_public_acls, pab.block_public_policy, pab.ignore_public_acls, pab.restrict_public_buckets]
        .every((x) => x === true),
      ownership: byBucket('aws_s3_bucket_ownership_controls').rule.object_ownership,
      lifecycle: {
        expirationDays: rule.expiration[0].days,
        noncurrentDays: rule.noncurrent_version_expiration[0].noncurrent_days,
        abortMultipartDays: rule.abort_incomplete_multipart_upload[0].days_after_initiation,
        transitions: list(rule.transition).map((t: Json) => `${t.storage_class}@${t.days}`),
      },
      tlsOnly: policyGrants(sym(JSON.parse(byBucket('aws_s3_bucket_policy').policy))).filter((x) => x.startsWith('Deny')),
    };
  })();

  // Both containers, with the configuration the config container writes, as deployed.
  const td = one('AWS::ECS::TaskDefinition', 'aws_ecs_task_definition', 'TeleportServiceTaskDefinition');
  const containers = (cfn ? camel(td.ContainerDefinitions) : JSON.parse(td.container_definitions)).map((c: Json) => {
    const environment = Object.fromEntries(list(c.environment).map((e: Json) => [e.name, sym(e.value)]));
    return {
      name: c.name,
      image: c.image,
      essential: c.essential,
      entryPoint: c.entryPoint,
      command: c.command,
      stopTimeout: c.stopTimeout ?? null,
      mountPoints: c.mountPoints,
      dependsOn: c.dependsOn ?? null,
      secrets: list(c.secrets).map((s: Json) => `${s.name}=${sym(s.valueFrom)}`),
      config: environment.TELEPORT_CONFIG === undefined ? null : {
        teleport: parseYaml(environment.TELEPORT_CONFIG),
        roles: parseAllDocuments(environment.TELEPORT_ROLES).map((d) => d.toJS()),
        connector: environment.TELEPORT_CONNECTOR,
      },
    };
  });
  const volumes = (cfn ? td.Volumes : td.volume).map((v: Json) => v.Name ?? v.name);

  const namespace = one('AWS::ServiceDiscovery::PrivateDnsNamespace', 'aws_service_discovery_private_dns_namespace', 'TeleportAppNamespace');
  const discovery = one('AWS::ServiceDiscovery::Service', 'aws_service_discovery_service', 'TeleportAppapi');
  const dns = cfn ? discovery.DnsConfig : discovery.dns_config;
  const apiService = one('AWS::ECS::Service', 'aws_ecs_service', 'ApiService');
  const certificate = one('AWS::ElasticLoadBalancingV2::ListenerCertificate', 'aws_lb_listener_certificate', 'TeleportListenerCertificate');
  // The database's port rule from Teleport (CDK names the rule after its peers; Terraform after Teleport).
  const dbRules = cfn
    ? Object.entries<Json>(output.Resources).filter(([id, r]) => r.Type === 'AWS::EC2::SecurityGroupIngress' && id.startsWith('MainDbSecurityGroupfrom')).map(([, r]) => r.Properties)
      .map((p) => `${p.FromPort} to ${sym(p.GroupId)} from ${sym(p.SourceSecurityGroupId)}`)
    : Object.values<Json>(output.resource.aws_vpc_security_group_ingress_rule).filter((r) => String(r.security_group_id).includes('MainDb_SecurityGroup'))
      .map((r) => `${r.from_port} to ${sym(r.security_group_id)} from ${sym(r.referenced_security_group_id)}`);

  return {
    tables,
    bucket,
    containers,
    volumes,
    appNamespace: cfn ? namespace.Name : namespace.name,
    appDiscovery: {
      name: cfn ? discovery.Name : discovery.name,
      records: list(cfn ? dns.DnsRecords : dns.dns_records).map((r: Json) => `${r.Type ?? r.type} ${r.TTL ?? r.ttl}`),
      routing: cfn ? dns.RoutingPolicy : dns.routing_policy,
      failureThreshold: cfn ? discovery.HealthCheckCustomConfig.FailureThreshold : discovery.health_check_custom_config.failure_threshold,
    },
    apiRegistries: list(cfn ? apiService.ServiceRegistries : apiService.service_registries).map((r: Json) => sym(r.RegistryArn ?? r.registry_arn)),
    listenerCertificate: [
      sym(cfn ? certificate.ListenerArn : certificate.listener_arn),
      list(cfn ? certificate.Certificates.map((c: Json) => c.CertificateArn) : certificate.certificate_arn),
    ],
    databaseIngress: dbRules,
  };
}

describe.each([EnvironmentProfile.DEVELOPMENT, EnvironmentProfile.PRODUCTION])('TeleportCluster parity (%s)', (profile) => {
  const scenario = teleport(profile);
  const { stack: cdkOut } = cdkStack('Parity');
  scenario.cdk(cdkOut);
  const template = cdkTemplate(cdkOut).toJSON();
  const { stack: tfOut } = tfStack('Parity');
  scenario.cdktf(tfOut);
  const json = tfSynthFull(tfOut);

  test('the services (Teleport and the registered app): sizes, ports, health checks, routing, who may reach whom, alarms, roles', () => {
    const cdkServices = normaliseCfnPlatform(template).services;
    const tfServices = normaliseTfPlatform(json).services;
    expect(Object.keys(cdkServices).sort()).toEqual(['Api', 'Teleport']);
    expect(tfServices).toEqual(cdkServices);
  });

  test('tables, bucket, containers and their configuration, app registry, listener certificate, database port', () => {
    const cdk = normalise(template, 'cfn');
    expect(normalise(json, 'tf')).toEqual(cdk);
    // What both engines agree on is also what Teleport needs.
    expect(cdk.containers.map((c: Json) => c.name)).toEqual(['web', 'teleport-config']);
    expect(cdk.containers[1].config.teleport.teleport.storage.audit_sessions_uri).toMatch(/^s3:\/\/<bucket:TeleportRecordings\.name>\/records$/);
    expect(cdk.tables.StateTable.stream).toBe('NEW_IMAGE');
    expect(cdk.tables.EventsTable.deletionProtection).toBe(profile === EnvironmentProfile.PRODUCTION);
  });
});
