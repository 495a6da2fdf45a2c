import { execFileSync } from 'child_process';
import { mkdtempSync, readFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { EnvironmentProfile } from '../../src/constructs/environment-profile';
import { TargetProtocol } from '../../src/constructs/fargate-web-service';
import { DatabaseEngine } from '../../src/constructs/managed-database';
import { AwsEnvironment } from '../../src/constructs/policies';
import {
  checkTeamRoles,
  planTeleport,
  planTeleportApp,
  planTeleportDatabase,
  TELEPORT,
  TELEPORT_CONFIG_SCRIPT,
  TELEPORT_VERSION,
  TeleportClusterOptions,
  teleportConfigContainer,
  teleportConfigYaml,
  teleportConnectorYamlHead,
  TeleportEngineFacts,
  TeleportPlan,
  teleportRolesYaml,
  teleportTaskRoleStatements,
  toYaml,
} from '../../src/constructs/teleport-cluster';
import { PropsValidationError, PropsValidator, ValidationContext } from '../../src/constructs/validation';

const context: ValidationContext = { construct: 'TeleportCluster', path: 'Stack/Teleport', isUnresolved: (x) => typeof x === 'string' && x.includes('${Token[') };
const SECRET = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:teleport/github-AbCdEf';
const CERT = 'arn:aws:acm:eu-west-1:111122223333:certificate/1234abcd-12ab';
const OPTIONS: TeleportClusterOptions = {
  domainName: 'teleport.example.com',
  clusterName: 'platform',
  github: { clientId: 'Iv1.abc', clientSecretArn: SECRET, organization: 'my-org', teamsToRoles: [{ team: 'platform', roles: ['access', 'editor'] }] },
};
const SHARED: TeleportEngineFacts = {
  sharedLoadBalancer: true, loadBalancerHttps: true, takenPriorities: [1, 2, 10], clusterProfile: EnvironmentProfile.DEVELOPMENT,
};
const NAMES = { region: 'eu-west-1', stateTableName: 'teleport-state', eventsTableName: 'teleport-events', recordingsBucketName: 'teleport-recordings' };
const ENV: AwsEnvironment = { partition: 'aws', region: 'eu-west-1', accountId: '111122223333', urlSuffix: 'amazonaws.com' };

const plan = (options: Partial<TeleportClusterOptions> = {}, facts: Partial<TeleportEngineFacts> = {}) =>
  planTeleport({ ...OPTIONS, ...options } as TeleportClusterOptions, { ...SHARED, ...facts }, context);

/** The problems of invalid options, as `prop: allowed` lines. */
function problems(run: () => unknown): string[] {
  try {
    run();
  } catch (e) {
    if (e instanceof PropsValidationError) return e.problems.map((p) => `${p.prop}: ${p.allowed}`);
    throw e;
  }
  throw new Error('expected a PropsValidationError');
}

const MAIN_DB = { construct: 'MainDb' };
const API = { construct: 'Api' };

/** A plan with one PostgreSQL database and one app registered, as the bindings register them. */
function registered(options: Partial<TeleportClusterOptions> = {}): TeleportPlan {
  const p = plan(options);
  planTeleportDatabase(p, { users: ['app_readonly', 'reporting'] }, {
    source: MAIN_DB,
    sameNetwork: true,
    id: 'MainDb',
    engine: DatabaseEngine.POSTGRES,
    databaseName: 'main',
    address: 'main.abc.eu-west-1.rds.amazonaws.com',
    port: 5432,
    instanceIdentifier: 'main-db',
    resourceId: 'db-ABCDEFGHIJKLMNOP',
    instanceArn: 'arn:aws:rds:eu-west-1:111122223333:db:main-db',
  }, new PropsValidator(context));
  planTeleportApp(p, { name: 'api' }, { source: API, id: 'Api', sameNetwork: true, host: 'api.platform.teleport.internal', port: 8080 }, new PropsValidator(context));
  return p;
}

describe('plan', () => {
  test('GIVEN DEVELOPMENT THEN one task, HTTPS targets on 3080, host rules for the domain and its wildcard on the first free priority', () => {
    const p = plan();
    expect(p.replicas).toBe(1);
    expect(p.auditRetentionDays).toBe(30);
    expect(p.retainOnDelete).toBe(false);
    expect(p.publicAddress).toBe('teleport.example.com:443');
    expect(p.service).toMatchObject({
      image: `public.ecr.aws/gravitational/teleport-distroless:${TELEPORT_VERSION}`,
      containerPort: 3080,
      targetProtocol: TargetProtocol.HTTPS,
      cpu: 512,
      memoryMiB: 1024,
      desiredCount: 1,
      spot: false,
      stopTimeoutSeconds: 120,
      healthCheck: { path: '/webapi/ping', healthyHttpCodes: '200' },
      routing: { hostHeaders: ['teleport.example.com', '*.teleport.example.com'], priority: 3 },
    });
    // dumb-init turns ECS's SIGTERM into SIGQUIT: Teleport's graceful shutdown.
    expect(p.service.entryPoint).toEqual(['/usr/bin/dumb-init', '--rewrite', '15:3', '--', '/usr/local/bin/teleport', 'start']);
    expect(p.service.command).toEqual(['--config', '/etc/teleport/teleport.yaml', '--bootstrap', '/etc/teleport/bootstrap.yaml',
      '--apply-on-startup', '/etc/teleport/apply-on-startup.yaml']);
  });

  test('GIVEN PRODUCTION THEN two tasks (the most DynamoDB supports), a year of audit, retained', () => {
    const p = plan({}, { clusterProfile: EnvironmentProfile.PRODUCTION });
    expect([p.replicas, p.auditRetentionDays, p.retainOnDelete, p.service.desiredCount]).toEqual([2, 365, true, 2]);
    // Replaced one at a time: never a third auth server on DynamoDB during a deployment.
    expect([p.service.minimumHealthyPercent, p.service.maximumPercent]).toEqual([50, 100]);
    expect([plan().service.minimumHealthyPercent, plan().service.maximumPercent]).toEqual([undefined, undefined]);
    expect(p.stateTable.profile).toBe(EnvironmentProfile.PRODUCTION);
  });

  test('the tables have the shapes Teleport creates: state with its NEW_IMAGE stream, events with the timesearchV2 index, both with TTL on Expires', () => {
    const p = plan();
    expect(p.stateTable).toMatchObject({
      partitionKey: { name: 'HashKey', type: 'S' }, sortKey: { name: 'FullPath', type: 'S' }, stream: 'NEW_IMAGE', timeToLiveAttribute: 'Expires',
    });
    expect(p.eventsTable).toMatchObject({
      partitionKey: { name: 'SessionID', type: 'S' },
      sortKey: { name: 'EventIndex', type: 'N' },
      globalSecondaryIndexes: [{ indexName: 'timesearchV2', partitionKey: { name: 'CreatedAtDate', type: 'S' }, sortKey: { name: 'CreatedAt', type: 'N' }, projection: 'ALL' }],
      timeToLiveAttribute: 'Expires',
    });
  });

  test('GIVEN no shared load balancer THEN Teleport\'s own takes the whole listener with the certificate', () => {
    const p = plan({ certificateArn: CERT }, { sharedLoadBalancer: false, loadBalancerHttps: undefined });
    expect(p.service.routing).toBeUndefined();
    expect(p.service.loadBalancerOptions).toEqual({ certificateArn: CERT, profile: EnvironmentProfile.DEVELOPMENT });
  });

  test('clusterName defaults to the domain', () => {
    expect(plan({ clusterName: undefined }).clusterName).toBe('teleport.example.com');
  });
});

describe('validation: every problem in one error', () => {
  test('GIVEN bad values everywhere THEN each is named with what is allowed', () => {
    expect(problems(() => plan({
      domainName: 'https://Teleport.example.com/',
      clusterName: 'Platform!',
      github: { clientId: 'has space', clientSecretArn: 'ghp_plaintextsecret', organization: '-bad-', teamsToRoles: [] },
      teleportVersion: 'latest',
      replicas: 3,
      cpu: 300,
      listenerPriority: 10,
      auditRetentionDays: 0,
      logRetentionDays: 42,
      certificateArn: 'arn:aws:iam::111122223333:server-certificate/x',
    }))).toEqual([
      expect.stringMatching(/^domainName: expected a lower-case DNS host name/),
      expect.stringMatching(/^clusterName: expected 1 to 63 lower-case/),
      expect.stringMatching(/^github.clientId: /),
      expect.stringMatching(/^github.clientSecretArn: expected a Secrets Manager secret ARN/),
      expect.stringMatching(/^github.organization: /),
      expect.stringMatching(/^github.teamsToRoles: expected at least one team/),
      expect.stringMatching(/^certificateArn: expected an ACM certificate ARN/),
      expect.stringMatching(/^teleportVersion: expected a full version .* never "latest"/),
      expect.stringMatching(/^replicas: expected 1 or 2: Teleport supports at most 2 auth servers on DynamoDB/),
      expect.stringMatching(/^cpu: expected one of 256, 512/),
      expect.stringMatching(/^listenerPriority: expected a priority not taken on the listener \(taken: 1, 2, 10\)/),
      expect.stringMatching(/^auditRetentionDays: /),
      expect.stringMatching(/^logRetentionDays: expected one of/),
    ]);
  });

  test('GIVEN GitHub settings incomplete THEN each missing one is reported', () => {
    expect(problems(() => plan({ github: {} as any }))).toEqual([
      expect.stringMatching(/^github.clientId: .*required/),
      expect.stringMatching(/^github.clientSecretArn: .*required/),
      expect.stringMatching(/^github.organization: .*required/),
      expect.stringMatching(/^github.teamsToRoles: .*required/),
    ]);
  });

  test('GIVEN a load balancer without HTTPS, or none and no certificate THEN the error says what Teleport needs', () => {
    expect(problems(() => plan({}, { loadBalancerHttps: false }))).toEqual([expect.stringMatching(/^loadBalancer: expected a load balancer listening on HTTPS/)]);
    expect(problems(() => plan({}, { sharedLoadBalancer: false, loadBalancerHttps: undefined })))
      .toEqual([expect.stringMatching(/^certificateArn: expected a certificate for domainName and \*.domainName/)]);
  });

  test('GIVEN duplicate teams and bad role names THEN both are reported', () => {
    expect(problems(() => plan({
      github: { ...OPTIONS.github, teamsToRoles: [{ team: 'ops', roles: ['access'] }, { team: 'ops', roles: ['has space'] }, { team: 'dev', roles: [] }] },
    }))).toEqual([
      'github.teamsToRoles[1].team: expected each team once (give one entry all its roles)',
      'github.teamsToRoles[1].roles[0]: expected a Teleport role name such as "access"',
      'github.teamsToRoles[2].roles: expected at least one role',
    ]);
  });

  test('GIVEN a team mapped to a role nobody defines THEN the check at render lists the roles that exist', () => {
    const p = registered({ github: { ...OPTIONS.github, teamsToRoles: [{ team: 'platform', roles: ['access', 'db-missing', 'db-maindb'] }] } });
    expect(problems(() => checkTeamRoles(p, context))).toEqual([
      'github.teamsToRoles[0].roles[1]: expected one of access, editor, auditor, platform-apps, db-maindb (db-<name> roles come from addDatabase)',
    ]);
  });

  test('GIVEN addDatabase and addApp mistakes THEN they are reported on the options', () => {
    const p = registered();
    const facts = {
      source: { construct: 'Other' },
      sameNetwork: true,
      id: 'Other',
      engine: DatabaseEngine.MYSQL,
      databaseName: 'x',
      address: 'a',
      port: 3306,
      instanceIdentifier: 'i',
      resourceId: 'db-X',
      instanceArn: 'arn:aws:rds:eu-west-1:111122223333:db:i',
    };
    const v = () => new PropsValidator(context);
    expect(problems(() => planTeleportDatabase(p, { users: [], name: 'maindb' }, facts, v()))).toEqual([
      'options.name: expected a database name not registered yet',
      'options.users: expected at least one database user',
    ]);
    expect(problems(() => planTeleportDatabase(p, { users: ['ok', '1bad'], name: 'Not_A_Label', databaseNames: [] }, facts, v()))).toEqual([
      expect.stringMatching(/^options.name: expected a name of lower-case letters/),
      expect.stringMatching(/^options.users\[1\]: expected a database user name/),
      expect.stringMatching(/^options.databaseNames: expected at least one database name/),
    ]);
    expect(problems(() => planTeleportDatabase(p, { users: ['x'], name: 'again' }, { ...facts, source: MAIN_DB, sameNetwork: false }, v()))).toEqual([
      'database: expected a database not registered yet (it is registered as maindb)',
      'database: expected a database on the cluster\'s network (Teleport reaches it inside the VPC)',
    ]);
    const app = { source: { construct: 'Web' }, id: 'Web', sameNetwork: true, host: 'h', port: 1 };
    expect(problems(() => planTeleportApp(p, { name: 'api' }, app, v())))
      .toEqual(['options.name: expected an app name not registered yet (each app has its own host name)']);
    expect(problems(() => planTeleportApp(p, { name: 'API.x' }, app, v())))
      .toEqual([expect.stringMatching(/^options.name: expected a DNS label/)]);
    expect(problems(() => planTeleportApp(p, { name: 'api-v2' }, { ...app, source: API }, v())))
      .toEqual([expect.stringMatching(/^app: expected a service not registered yet \(it is registered as api; ECS takes one service registry per service\)/)]);
  });

  test('GIVEN a secret value where its ARN belongs THEN the error does not repeat it', () => {
    try {
      plan({ github: { ...OPTIONS.github, clientSecretArn: 'ghp_0123456789abcdefSECRET' } });
      throw new Error('expected a PropsValidationError');
    } catch (e) {
      expect((e as Error).message).toMatch(/github.clientSecretArn: got "<a value that is not an ARN, not shown>"/);
      expect((e as Error).message).not.toContain('SECRET');
    }
  });

  test('GIVEN a shared load balancer on another network, a cluster without NAT, a priority without a shared listener THEN each is named', () => {
    expect(problems(() => plan({}, { sameNetwork: false, natGateways: 0 }))).toEqual([
      expect.stringMatching(/^loadBalancer: expected a load balancer on the cluster's network/),
      expect.stringMatching(/^cluster: expected a network with a NAT gateway: Teleport signs users in through github.com/),
    ]);
    expect(problems(() => plan({ certificateArn: CERT, listenerPriority: 5 }, { sharedLoadBalancer: false, loadBalancerHttps: undefined })))
      .toEqual([expect.stringMatching(/^listenerPriority: expected no listenerPriority without a shared loadBalancer/)]);
    expect(problems(() => plan({ domainName: `${'a'.repeat(60)}.${'b'.repeat(60)}.example.com` })))
      .toEqual([expect.stringMatching(/^domainName: expected at most 126 characters/)]);
  });
});

describe('configuration', () => {
  const p = registered();
  const config = parseYaml(teleportConfigYaml(p, NAMES));

  test('teleport.yaml: DynamoDB state and audit events in separate tables, recordings in S3, retention from the plan', () => {
    expect(config.version).toBe('v3');
    expect(config.teleport.storage).toEqual({
      type: 'dynamodb',
      region: 'eu-west-1',
      table_name: 'teleport-state',
      audit_events_uri: ['dynamodb://teleport-events'],
      audit_sessions_uri: 's3://teleport-recordings/records',
      audit_retention_period: '720h',
      continuous_backups: true,
    });
    expect(config.teleport.storage.table_name).not.toBe(config.teleport.storage.audit_events_uri[0].replace('dynamodb://', ''));
  });

  test('teleport.yaml: auth and proxy in one process behind the ALB, GitHub as the connector, no SSH service', () => {
    expect(config.auth_service).toEqual({
      enabled: true,
      cluster_name: 'platform',
      listen_addr: '0.0.0.0:3025',
      proxy_listener_mode: 'multiplex',
      authentication: { type: 'github', connector_name: 'github' },
    });
    expect(config.proxy_service).toEqual({
      enabled: true, web_listen_addr: `0.0.0.0:${TELEPORT.webPort}`, public_addr: 'teleport.example.com:443', trust_x_forwarded_for: true,
    });
    expect(config.ssh_service).toEqual({ enabled: false });
  });

  test('teleport.yaml: the registered database (IAM auth through its RDS instance) and app (<name>.<domain>)', () => {
    expect(config.db_service).toEqual({
      enabled: true,
      databases: [{
        name: 'maindb',
        protocol: 'postgres',
        uri: 'main.abc.eu-west-1.rds.amazonaws.com:5432',
        static_labels: { 'platform/database': 'maindb' },
        aws: { region: 'eu-west-1', rds: { instance_id: 'main-db' } },
      }],
    });
    expect(config.app_service).toEqual({
      enabled: true,
      apps: [{ name: 'api', uri: 'http://api.platform.teleport.internal:8080', public_addr: 'api.teleport.example.com', labels: { 'platform/app': 'api' } }],
    });
  });

  test('GIVEN nothing registered THEN the database and app services are off', () => {
    const bare = parseYaml(teleportConfigYaml(plan(), NAMES));
    expect([bare.db_service, bare.app_service]).toEqual([{ enabled: false }, { enabled: false }]);
  });

  test('roles applied on every start: platform-apps and db-<name> with exactly the registered users and database', () => {
    const roles = parseAllDocuments(teleportRolesYaml(p)).map((d) => d.toJS());
    expect(roles).toEqual([
      { kind: 'role', version: 'v7', metadata: { name: 'platform-apps', description: expect.any(String) }, spec: { allow: { app_labels: { 'platform/app': '*' } } } },
      {
        kind: 'role',
        version: 'v7',
        metadata: { name: 'db-maindb', description: expect.any(String) },
        spec: { allow: { db_labels: { 'platform/database': 'maindb' }, db_names: ['main'], db_users: ['app_readonly', 'reporting'] } },
      },
    ]);
  });

  test('the GitHub connector: teams to roles, the callback on the proxy address, and the secret appended by the config container', () => {
    const secret = 'a1b2"c3\'d4$e5: #f6 \\g7';
    const connector = parseYaml(`${teleportConnectorYamlHead(p)}    ${secret}\n`);
    expect(connector).toEqual({
      kind: 'github',
      version: 'v3',
      metadata: { name: 'github' },
      spec: {
        display: 'GitHub',
        client_id: 'Iv1.abc',
        redirect_url: 'https://teleport.example.com/v1/webapi/github/callback',
        teams_to_roles: [{ organization: 'my-org', team: 'platform', roles: ['access', 'editor'] }],
        client_secret: secret,
      },
    });
  });

  test('the config container\'s script writes the three files; the secret arrives verbatim and only in bootstrap.yaml', () => {
    const dir = mkdtempSync(join(tmpdir(), 'teleport-config-'));
    const secret = 'gh0_s3cr3t"with\'quotes$and:colons #and \\slashes';
    const init = teleportConfigContainer(p, () => NAMES, () => undefined);
    execFileSync('/bin/sh', ['-c', TELEPORT_CONFIG_SCRIPT.split(TELEPORT.configDir).join(dir)], {
      env: { ...init.environment(), GITHUB_CLIENT_SECRET: secret, PATH: process.env.PATH },
    });
    const read = (name: string) => readFileSync(join(dir, name), 'utf8');
    expect(parseYaml(read('teleport.yaml'))).toEqual(config);
    expect(parseAllDocuments(read('apply-on-startup.yaml')).map((d) => d.toJS().metadata.name)).toEqual(['platform-apps', 'db-maindb']);
    // The first start: the roles, then the connector that maps teams to them, with the secret verbatim.
    const bootstrap = parseAllDocuments(read('bootstrap.yaml')).map((d) => d.toJS());
    expect(bootstrap.map((r) => `${r.kind}/${r.metadata.name}`)).toEqual(['role/platform-apps', 'role/db-maindb', 'github/github']);
    expect(bootstrap[2].spec.client_secret).toBe(secret);
    expect(read('teleport.yaml') + read('apply-on-startup.yaml')).not.toContain('s3cr3t');
    expect(init.secrets).toEqual([{ name: 'GITHUB_CLIENT_SECRET', arn: SECRET }]);
    expect(Object.keys(init.environment())).toEqual(init.environmentNames);
  });

  test('the script never writes `${`, which Terraform JSON would read as an interpolation', () => {
    expect(TELEPORT_CONFIG_SCRIPT).not.toContain('${');
    expect(TELEPORT_CONFIG_SCRIPT).not.toContain('%{');
  });

  test('toYaml quotes every string, so tokens, numbers-as-strings and YAML keywords survive', () => {
    const value = { 'a': 'yes', 'b': '0123', 'c': '${Token[TOKEN.12]}', 'd': ['on', 'null'], 'e/f': { g: true, h: 3 }, 'i': [], 'j': [{ k: 'x', l: ['y'] }] };
    expect(parseYaml(toYaml(value))).toEqual(value);
  });
});

describe('task role', () => {
  const p = registered();
  const statements = teleportTaskRoleStatements(p, {
    stateTableArn: 'arn:aws:dynamodb:eu-west-1:111122223333:table/state',
    eventsTableArn: 'arn:aws:dynamodb:eu-west-1:111122223333:table/events',
    recordingsBucketArn: 'arn:aws:s3:::recordings',
    keyArn: 'arn:aws:kms:eu-west-1:111122223333:key/k',
  }, ENV);

  test('exactly the actions Teleport documents, on exactly its tables, stream, index, bucket, recordings and key', () => {
    expect(statements.map((s) => [s.Action, s.Resource, s.Condition])).toEqual([
      [expect.arrayContaining(['dynamodb:GetRecords', 'dynamodb:DescribeStream', 'dynamodb:UpdateContinuousBackups', 'dynamodb:ConditionCheckItem']),
        ['arn:aws:dynamodb:eu-west-1:111122223333:table/state', 'arn:aws:dynamodb:eu-west-1:111122223333:table/state/stream/*'], undefined],
      [expect.not.arrayContaining(['dynamodb:GetRecords', 'dynamodb:DescribeStream', 'dynamodb:GetShardIterator']),
        ['arn:aws:dynamodb:eu-west-1:111122223333:table/events', 'arn:aws:dynamodb:eu-west-1:111122223333:table/events/index/*'], undefined],
      [['s3:ListBucket', 's3:ListBucketVersions', 's3:ListBucketMultipartUploads', 's3:GetEncryptionConfiguration', 's3:GetBucketVersioning'],
        'arn:aws:s3:::recordings', undefined],
      [['s3:GetObject', 's3:GetObjectVersion', 's3:GetObjectRetention', 's3:PutObject', 's3:ListMultipartUploadParts', 's3:AbortMultipartUpload'],
        'arn:aws:s3:::recordings/records/*', undefined],
      [expect.arrayContaining(['kms:Decrypt', 'kms:GenerateDataKey*']), 'arn:aws:kms:eu-west-1:111122223333:key/k',
        { StringEquals: { 'kms:ViaService': 'dynamodb.eu-west-1.amazonaws.com' } }],
      [['kms:Decrypt', 'kms:GenerateDataKey'], 'arn:aws:kms:eu-west-1:111122223333:key/k', { StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } }],
      ['rds-db:connect', ['arn:aws:rds-db:eu-west-1:111122223333:dbuser:db-ABCDEFGHIJKLMNOP/app_readonly',
        'arn:aws:rds-db:eu-west-1:111122223333:dbuser:db-ABCDEFGHIJKLMNOP/reporting'], undefined],
      ['rds:DescribeDBInstances', 'arn:aws:rds:eu-west-1:111122223333:db:main-db', undefined],
    ]);
    expect(statements[0].Action).toHaveLength(17);
    expect(statements[1].Action).toHaveLength(13);
  });

  test('nothing on *', () => {
    expect(statements.flatMap((s) => [s.Resource].flat())).not.toContain('*');
  });
});
