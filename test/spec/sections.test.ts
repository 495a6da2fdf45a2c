/**
 * The section tables (src/spec/sections.ts), key by key: every key with a prop reaches the planned
 * construct options at that prop (through its `toProp` conversion when it has one), every key is
 * accepted by the JSON Schema the merged spec is checked against (platformSpecJsonSchema) while an
 * unknown sibling is refused, and every key without a prop (references, switches, fixed values) does
 * what its section says.
 *
 * Table-driven from SECTIONS itself: a key added to a table is tested here without a line changed, and
 * a key without a prop that has no test below fails the suite until it gets one.
 */
import Ajv from 'ajv';
import * as YAML from 'yaml';
import { EnvironmentProfile } from '../../src/constructs/environment-profile';
import type { JsonSchema } from '../../src/spec/json-schema';
import type { SpecProblem } from '../../src/spec/load';
import { PlatformSpecError } from '../../src/spec/platform-spec';
import { platformSpecJsonSchema } from '../../src/spec/schema';
import { KeyRule, SECTIONS, SpecSection, valueAt } from '../../src/spec/sections';
import { PlatformSpec } from 'ecs-platform-constructs';

const KMS_KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const CERTIFICATE_ARN = 'arn:aws:acm:eu-west-1:111122223333:certificate/1234abcd-12ab-34cd-56ef-1234567890ab';
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:demo/db-AbCdEf';
const PARAMETER_ARN = 'arn:aws:ssm:eu-west-1:111122223333:parameter/demo/api-key';
const ROLE_ARN = 'arn:aws:iam::111122223333:role/developers';

const PLATFORM = `platform:
  name: demo
  region: eu-west-1
`;

// --- helpers ----------------------------------------------------------------------------------------------

function load(yaml: string, environment?: string): PlatformSpec {
  return PlatformSpec.fromSources([{ file: 'platform.yaml', content: yaml }], { environment });
}

/** The problems loading `yaml` reports; fails when it loads. */
function problemsOf(yaml: string): SpecProblem[] {
  try {
    load(yaml);
  } catch (error) {
    expect(error).toBeInstanceOf(PlatformSpecError);
    return [...(error as PlatformSpecError).problems];
  }
  throw new Error(`expected the spec to be refused:\n${yaml}`);
}

/** `yaml` with `value` set at `path` (intermediate mappings created). */
function withValue(yaml: string, path: readonly string[], value: unknown): string {
  const doc = YAML.parseDocument(yaml);
  doc.setIn(path, value);
  return doc.toString();
}

const ajv = new Ajv({ allErrors: true, strict: false });
const validateSpec = ajv.compile(platformSpecJsonSchema());

// --- samples ----------------------------------------------------------------------------------------------

/**
 * Values a construct takes, where the schema's type alone does not say (`cpu: 512`, not any integer),
 * by `<section>.<dotted key>` (services and defaults share `service.`), also for a struct's fields.
 */
const SAMPLES: Record<string, unknown> = {
  'platform.region': 'eu-central-1',
  'platform.account': '111122223333',
  'network.cidr': '10.20.0.0/16',
  'network.maxAzs': 3,
  'network.availabilityZones': ['eu-west-1a', 'eu-west-1b'],
  'network.natGateways': 1,
  'network.flowLogs.retentionDays': 30,
  'network.flowLogs.kmsKeyArn': KMS_KEY_ARN,
  'cluster.execLogRetentionDays': 30,
  'loadBalancer.certificateArn': CERTIFICATE_ARN,
  'loadBalancer.allowedCidrs': ['10.0.0.0/8'],
  'loadBalancer.idleTimeoutSeconds': 120,
  'loadBalancer.accessLogRetentionDays': 90,
  'service.image': 'public.ecr.aws/nginx/nginx:1.27',
  'service.command': ['node', 'server.js'],
  'service.entryPoint': ['/bin/sh', '-c'],
  'service.cpu': 512,
  'service.memory': 1024,
  'service.desiredCount': 2,
  'service.stopTimeout': 30,
  'service.ephemeralStorage': 40,
  'service.minimumHealthyPercent': 50,
  'service.maximumPercent': 200,
  'service.logRetentionDays': 14,
  'service.environment': { NODE_ENV: 'production' },
  'service.secrets': { DB_PASSWORD: SECRET_ARN },
  'service.healthCheck.command': ['CMD-SHELL', 'curl -f http://localhost/health || exit 1'],
  'service.healthCheck.interval': 15,
  'service.healthCheck.timeout': 5,
  'service.healthCheck.unhealthyThreshold': 3,
  'service.autoscaling.minCapacity': 2,
  'service.autoscaling.maxCapacity': 6,
  'service.autoscaling.targetCpu': 60,
  'service.autoscaling.targetMemory': 75,
  'service.alarms.cpuPercent': 85,
  'service.alarms.memoryPercent': 85,
  'service.alarms.errorLogCount': 10,
  'service.alarms.errorLogPattern': '?ERROR ?Error',
  'service.alarms.evaluationPeriods': 3,
  'service.port': 8080,
  'service.healthCheck.path': '/healthz',
  'service.healthCheck.healthyThreshold': 2,
  'service.healthCheck.matcher': '200-299',
  'service.healthCheck.gracePeriod': 60,
  'service.deregistrationDelay': 30,
  'service.routing.pathPatterns': ['/api/*'],
  'service.routing.hostHeaders': ['app.example.com'],
  'service.routing.priority': 10,
  'service.alarms.http5xxCount': 10,
  'service.alarms.unhealthyHosts': 1,
  'service.teleport.name': 'dashboard',
  'databases.engineVersion': '17.9',
  'databases.instanceClass': 'db.t4g.small',
  'databases.allocatedStorage': 50,
  'databases.maxAllocatedStorage': 200,
  'databases.database': 'appdb',
  'databases.username': 'dbadmin',
  'databases.port': 5433,
  'databases.backup.retentionPeriod': 14,
  'databases.backup.window': '03:00-04:00',
  'databases.maintenance.window': 'sun:04:30-sun:05:30',
  'databases.monitoringInterval': 60,
  'databases.kmsKeyArn': KMS_KEY_ARN,
  'databases.environmentPrefix': 'MAIN_DB',
  'databases.teleport.users': ['app_readonly'],
  'databases.teleport.name': 'main',
  'tables.hashKey': { name: 'pk', type: 'S' },
  'tables.sortKey': { name: 'sk', type: 'N' },
  'tables.readCapacity': 5,
  'tables.writeCapacity': 5,
  'tables.globalSecondaryIndexes': [{ name: 'by-owner', hashKey: { name: 'owner', type: 'S' }, projection: 'INCLUDE', nonKeyAttributes: ['title'] }],
  'tables.ttl.attribute': 'expiresAt',
  'tables.kmsKeyArn': KMS_KEY_ARN,
  'tables.environmentVariable': 'SESSIONS_TABLE',
  'certificates.domain': 'app.example.com',
  'certificates.subjectAlternativeNames': ['*.app.example.com'],
  'certificates.hostedZoneId': 'Z0123456789ABCDEFGHIJ',
  'teleport.domain': 'teleport.example.com',
  'teleport.clusterName': 'demo-teleport',
  'teleport.version': '17.4.8',
  'teleport.cpu': 1024,
  'teleport.memory': 2048,
  'teleport.replicas': 2,
  'teleport.certificateArn': CERTIFICATE_ARN,
  'teleport.listenerPriority': 5,
  'teleport.auditRetentionDays': 365,
  'teleport.logRetentionDays': 30,
  'teleport.sso.github.clientId': 'Iv1.0123456789abcdef',
  'teleport.sso.github.clientSecretArn': SECRET_ARN,
  'teleport.sso.github.organization': 'my-org',
  'teleport.sso.github.teams': [{ team: 'platform', roles: ['access', 'editor'] }],
  'finops.budgets': [{ name: 'demo-monthly', limitUsd: 1000, period: 'MONTHLY' }],
  'finops.notify': { emails: ['ops@example.com'] },
  'finops.anomalyDetection': { minImpactUsd: 100 },
  'finops.idleInstances.lookbackDays': 14,
  'finops.idleInstances.schedule': 'cron(0 8 ? * MON *)',
  'finops.unattachedVolumes.graceDays': 7,
  'finops.unattachedVolumes.schedule': 'cron(0 8 ? * MON *)',
  'finops.budgetAction': { denyLaunchOnRoleArns: [ROLE_ARN], atPercent: 100 },
  'finops.logRetentionDays': 30,
  'devopsAgent.name': 'demo-agent',
  'devopsAgent.description': 'Watches the demo platform',
  'devopsAgent.locale': 'en-US',
  'devopsAgent.github': { serviceId: 'github-1234', owner: 'my-org', repository: 'demo-app', repositoryId: '123456789', ownerType: 'organization' },
  'devopsAgent.slack': { serviceId: 'slack-1234', workspaceId: 'T0123ABCD', workspaceName: 'my-org', channelId: 'C0123ABCD', channelName: 'ops' },
};

function sampleKey(section: SpecSection, key: string): string {
  return `${section.name === 'services' || section.name === 'defaults' ? 'service' : section.name}.${key}`;
}

/** A value valid for `schema`: the override for `key`, else what the schema says (const, first enum value, ...). */
function sampleFor(schema: JsonSchema, key: string): unknown {
  if (key in SAMPLES) return SAMPLES[key];
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return schema.enum[0];
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'boolean':
      return true;
    case 'integer':
      return 7;
    case 'number':
      return 42.5;
    case 'string':
      return 'sample-text';
    case 'array':
      return [sampleFor(schema.items ?? { type: 'string' }, `${key}[]`)];
    case 'object':
      if (schema.properties) {
        return Object.fromEntries(Object.entries(schema.properties).map(([name, field]) => [name, sampleFor(field, `${key}.${name}`)]));
      }
      return { SAMPLE: sampleFor(typeof schema.additionalProperties === 'object' ? schema.additionalProperties : { type: 'string' }, `${key}.*`) };
    default:
      throw new Error(`no sample for ${key}: ${JSON.stringify(schema)}`);
  }
}

const sample = (section: SpecSection, rule: KeyRule) => sampleFor(rule.schema, sampleKey(section, rule.key));

// --- where each section's keys go, and where their options come out -----------------------------------------

interface SectionFixture {
  /** A minimal valid spec holding the entry. */
  readonly base: string;
  /** The entry's path: `['services', 'app']`. */
  readonly entry: readonly string[];
  /** The construct options planned for the entry. */
  readonly options?: (spec: PlatformSpec) => Record<string, unknown> | undefined;
  /** Only the rules that apply (a worker takes no web-only key). */
  readonly rules?: (rule: KeyRule) => boolean;
}

const FIXTURES: Record<string, SectionFixture> = {
  platform: { base: PLATFORM, entry: ['platform'] },
  network: { base: PLATFORM, entry: ['network'], options: (s) => s._plan.network.options },
  cluster: { base: PLATFORM, entry: ['cluster'], options: (s) => s._plan.cluster.options },
  certificates: { base: `${PLATFORM}certificates:\n  app-cert:\n    domain: app.example.com\n`, entry: ['certificates', 'app-cert'] },
  loadBalancer: { base: PLATFORM, entry: ['loadBalancer'], options: (s) => s._plan.loadBalancer?.options },
  // The service writes nothing of its own, so everything it has comes from defaults.
  defaults: { base: `${PLATFORM}services:\n  app: {}\n`, entry: ['defaults'], options: (s) => s._plan.services[0].options },
  databases: { base: `${PLATFORM}databases:\n  main-db:\n    engine: postgres\n`, entry: ['databases', 'main-db'], options: (s) => s._plan.databases[0].options },
  tables: { base: `${PLATFORM}tables:\n  sessions:\n    hashKey: { name: id, type: S }\n`, entry: ['tables', 'sessions'], options: (s) => s._plan.tables[0].options },
  services: { base: `${PLATFORM}services:\n  app:\n    image: nginx\n`, entry: ['services', 'app'], options: (s) => s._plan.services[0].options },
  teleport: { base: `${PLATFORM}teleport:\n  domain: teleport.example.com\n`, entry: ['teleport'], options: (s) => s._plan.teleport?.options },
  finops: { base: `${PLATFORM}finops:\n  logRetentionDays: 14\n`, entry: ['finops'], options: (s) => s._plan.finops?.options },
  devopsAgent: { base: `${PLATFORM}devopsAgent:\n  operatorApp: false\n`, entry: ['devopsAgent'], options: (s) => s._plan.devopsAgent?.options },
};

const WORKER: SectionFixture = {
  base: `${PLATFORM}services:\n  jobs:\n    type: worker\n    image: busybox\n`,
  entry: ['services', 'jobs'],
  options: (s) => s._plan.services[0].options,
  rules: (rule) => rule.only === undefined,
};

/** The problems whose path is `path`. */
function at(problems: SpecProblem[], path: string): SpecProblem[] {
  return problems.filter((p) => p.path === path);
}

// --- keys with a prop ---------------------------------------------------------------------------------------

function describePropKeys(section: SpecSection, fixture: SectionFixture): void {
  const rules = section.rules.filter((rule) => rule.prop !== undefined && (fixture.rules?.(rule) ?? true));
  const options = fixture.options;
  if (!options) {
    test('has no key with a prop (its keys are read by the planner itself)', () => {
      expect(rules).toEqual([]);
    });
    return;
  }
  test.each(rules.map((rule) => ({ key: rule.key, prop: rule.prop!, rule })))('$key sets the option $prop', ({ rule }) => {
    const value = sample(section, rule);
    const spec = load(withValue(fixture.base, [...fixture.entry, ...rule.key.split('.')], value));
    const planned = options(spec);
    expect(planned).toBeDefined();
    expect(valueAt(planned, rule.prop!)).toEqual(rule.toProp ? rule.toProp(value) : value);
  });
}

describe.each(SECTIONS.map((section) => [section.name, section] as const))('section %s', (name, section) => {
  const fixture = FIXTURES[name];

  test('has a fixture here', () => {
    expect(fixture).toBeDefined();
    expect(load(fixture.base).name).toBe('demo');
  });

  describePropKeys(section, fixture);
  if (name === 'services') {
    describe('on a worker (type: worker)', () => describePropKeys(section, WORKER));
  }

  test.each(section.rules.map((rule) => ({ key: rule.key, rule })))('the sample for $key is valid for its schema', ({ rule }) => {
    const valid = ajv.validate(rule.schema, sample(section, rule));
    expect(ajv.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  test.each(section.rules.map((rule) => ({ key: rule.key, rule })))('the JSON Schema accepts $key and refuses an unknown sibling', ({ rule }) => {
    const path = [...fixture.entry, ...rule.key.split('.')];
    const spec = YAML.parse(withValue(fixture.base, path, sample(section, rule)));
    expect(validateSpec(spec)).toBe(true);

    const sibling = [...path.slice(0, -1), 'zzUnknownKey'];
    const withSibling = withValue(withValue(fixture.base, path, sample(section, rule)), sibling, 1);
    expect(validateSpec(YAML.parse(withSibling))).toBe(false);
    expect(validateSpec.errors).toContainEqual(expect.objectContaining({
      keyword: 'additionalProperties',
      instancePath: `/${path.slice(0, -1).join('/')}`,
      params: { additionalProperty: 'zzUnknownKey' },
    }));
    // ... and loading reports it at its line, by its dotted path.
    const problems = at(problemsOf(withSibling), sibling.join('.'));
    expect(problems).toEqual([expect.objectContaining({ file: 'platform.yaml', message: expect.stringMatching(/^unknown key; /) })]);
    const line = withSibling.split('\n').findIndex((l) => l.trimStart().startsWith('zzUnknownKey:')) + 1;
    expect(problems[0].line).toBe(line);
  });

  const noProp = section.rules.filter((rule) => rule.prop === undefined);
  if (noProp.length > 0) {
    test.each(noProp.map((rule) => ({ key: rule.key })))('$key (no prop) does what the section says', ({ key }) => {
      const check = NO_PROP_KEYS[name]?.[key];
      if (!check) throw new Error(`no test for ${name}.${key}: add one to NO_PROP_KEYS`);
      check();
    });
  }
});

// --- keys without a prop --------------------------------------------------------------------------------------

const APP_CERT = `certificates:
  app-cert:
    domain: app.example.com
`;
const WEB_AND_WORKER = `services:
  web-app:
    image: nginx
  jobs:
    type: worker
    image: busybox
`;

/** A refused fixed value: the message says what the only value is and why. */
function expectFixed(yaml: string, path: string, expected: unknown, why: RegExp): void {
  const problems = at(problemsOf(yaml), path);
  expect(problems).toHaveLength(1);
  expect(problems[0].message).toMatch(new RegExp(`^expected ${JSON.stringify(expected)} \\(`));
  expect(problems[0].message).toMatch(why);
}

const NO_PROP_KEYS: Record<string, Record<string, () => void>> = {
  platform: {
    name: () => {
      const spec = load(PLATFORM);
      expect(spec.name).toBe('demo');
      expect(spec._plan.tags.platform).toBe('demo');
      expect(at(problemsOf(PLATFORM.replace('demo', 'Demo_Platform')), 'platform.name')[0].message).toMatch(/^expected text matching/);
    },
    region: () => {
      expect(load(PLATFORM).region).toBe('eu-west-1');
      expect(at(problemsOf(PLATFORM.replace('eu-west-1', 'europe')), 'platform.region')).toHaveLength(1);
    },
    profile: () => {
      const yaml = `${PLATFORM}services:\n  app:\n    image: nginx\n`;
      expect(load(yaml).profile).toBe(EnvironmentProfile.DEVELOPMENT);
      const production = load(withValue(yaml, ['platform', 'profile'], 'production'));
      expect(production.profile).toBe(EnvironmentProfile.PRODUCTION);
      expect(production._plan.services[0].options.profile).toBe(EnvironmentProfile.PRODUCTION);
      expect(production._plan.network.options.profile).toBe(EnvironmentProfile.PRODUCTION);
    },
    account: () => {
      expect(load(PLATFORM).account).toBeUndefined();
      expect(load(withValue(PLATFORM, ['platform', 'account'], '111122223333')).account).toBe('111122223333');
      expect(at(problemsOf(withValue(PLATFORM, ['platform', 'account'], '1234')), 'platform.account')).toHaveLength(1);
    },
    tags: () => {
      const spec = load(withValue(PLATFORM, ['platform', 'tags'], { owner: 'platform-team' }), 'dev');
      expect(spec._plan.tags).toEqual({ owner: 'platform-team', platform: 'demo', environment: 'dev' });
    },
  },
  certificates: {
    domain: () => {
      const spec = load(`${PLATFORM}${APP_CERT}`);
      expect(spec._plan.certificates).toEqual([expect.objectContaining({ name: 'app-cert', domainName: 'app.example.com', subjectAlternativeNames: [] })]);
      expect(at(problemsOf(`${PLATFORM}certificates:\n  app-cert:\n    hostedZoneId: Z0123\n`), 'certificates.app-cert')[0].message).toBe('missing domain (required)');
    },
    subjectAlternativeNames: () => {
      const spec = load(withValue(`${PLATFORM}${APP_CERT}`, ['certificates', 'app-cert', 'subjectAlternativeNames'], ['*.app.example.com']));
      expect(spec._plan.certificates[0].subjectAlternativeNames).toEqual(['*.app.example.com']);
    },
    validationMethod: () => {
      expect(load(withValue(`${PLATFORM}${APP_CERT}`, ['certificates', 'app-cert', 'validationMethod'], 'DNS'))._plan.certificates).toHaveLength(1);
      expectFixed(withValue(`${PLATFORM}${APP_CERT}`, ['certificates', 'app-cert', 'validationMethod'], 'EMAIL'),
        'certificates.app-cert.validationMethod', 'DNS', /validated through DNS records.*; got "EMAIL"$/);
    },
    hostedZoneId: () => {
      const spec = load(withValue(`${PLATFORM}${APP_CERT}`, ['certificates', 'app-cert', 'hostedZoneId'], 'Z0123456789ABCDEFGHIJ'));
      expect(spec._plan.certificates[0].hostedZoneId).toBe('Z0123456789ABCDEFGHIJ');
      expect(at(problemsOf(withValue(`${PLATFORM}${APP_CERT}`, ['certificates', 'app-cert', 'hostedZoneId'], 'zone-1')), 'certificates.app-cert.hostedZoneId')).toHaveLength(1);
    },
  },
  loadBalancer: {
    certificate: () => {
      const yaml = `${PLATFORM}${APP_CERT}loadBalancer:\n  certificate: app-cert\n`;
      expect(load(yaml)._plan.loadBalancer?.certificate).toBe('app-cert');
      expect(load(yaml)._plan.loadBalancer?.options.certificateArn).toBeUndefined();
      const typo = at(problemsOf(yaml.replace('certificate: app-cert', 'certificate: app-crt')), 'loadBalancer.certificate');
      expect(typo.map((p) => p.message)).toEqual(['no certificate is named "app-crt"; did you mean app-cert?']);
      const both = at(problemsOf(`${yaml}  certificateArn: ${CERTIFICATE_ARN}\n`), 'loadBalancer.certificate');
      expect(both.map((p) => p.message)).toEqual(['give certificate (a name in certificates) or certificateArn, not both']);
    },
  },
  defaults: {
    'autoscaling.enabled': () => {
      const yaml = `${PLATFORM}defaults:\n  autoscaling:\n    enabled: true\n    maxCapacity: 6\nservices:\n  app: {}\n`;
      expect(load(yaml)._plan.services[0].options.autoScaling).toEqual({ maxCapacity: 6 });
      expect(load(yaml.replace('enabled: true', 'enabled: false'))._plan.services[0].options).not.toHaveProperty('autoScaling');
      // A service turns an inherited autoscaling off, and on again over defaults that turn it off.
      expect(load(yaml.replace('app: {}', 'app:\n    autoscaling:\n      enabled: false'))._plan.services[0].options).not.toHaveProperty('autoScaling');
      expect(load(yaml.replace('enabled: true', 'enabled: false').replace('app: {}', 'app:\n    autoscaling:\n      enabled: true'))
        ._plan.services[0].options.autoScaling).toEqual({ maxCapacity: 6 });
    },
  },
  services: {
    'type': () => {
      const spec = load(`${PLATFORM}${WEB_AND_WORKER}`);
      expect(spec._plan.services.map((s) => [s.name, s.type])).toEqual([['web-app', 'web'], ['jobs', 'worker']]);
      // Only workers: no load balancer is needed.
      expect(load(`${PLATFORM}services:\n  jobs:\n    type: worker\n`)._plan.loadBalancer).toBeUndefined();
      expect(spec._plan.loadBalancer).toBeDefined();
      // A worker skips the web-only keys it inherits ...
      const inherited = load(`${PLATFORM}defaults:\n  port: 8080\n  healthCheck:\n    path: /health\n    interval: 10\n${WEB_AND_WORKER}`);
      expect(inherited._plan.services[0].options).toMatchObject({ containerPort: 8080, healthCheck: { path: '/health', intervalSeconds: 10 } });
      expect(inherited._plan.services[1].options).not.toHaveProperty('containerPort');
      expect(inherited._plan.services[1].options.healthCheck).toEqual({ intervalSeconds: 10 });
      // ... but one written on the worker is a mistake.
      const problems = problemsOf(`${PLATFORM}${WEB_AND_WORKER}    port: 8080\n    routing:\n      priority: 5\n`);
      expect(problems).toEqual([
        { file: 'platform.yaml', line: 10, column: 5, path: 'services.jobs.port', message: 'port is a web service key: a worker (type: worker) has no load balancer, port or routing' },
        { file: 'platform.yaml', line: 12, column: 7, path: 'services.jobs.routing.priority', message: 'routing.priority is a web service key: a worker (type: worker) has no load balancer, port or routing' },
      ]);
      expect(at(problemsOf(`${PLATFORM}services:\n  app:\n    type: cron\n`), 'services.app.type')[0].message).toBe('expected one of "web", "worker"; got "cron"');
    },
    'autoscaling.enabled': () => {
      const yaml = `${PLATFORM}services:\n  app:\n    autoscaling:\n      enabled: true\n      minCapacity: 2\n      targetCpu: 60\n`;
      expect(load(yaml)._plan.services[0].options.autoScaling).toEqual({ minCapacity: 2, cpuTargetPercent: 60 });
      expect(load(yaml.replace('enabled: true', 'enabled: false'))._plan.services[0].options).not.toHaveProperty('autoScaling');
    },
    'teleport.app': () => {
      const yaml = `${PLATFORM}teleport:\n  domain: teleport.example.com\nservices:\n  dashboard:\n    teleport:\n      app: true\n  api: {}\n`;
      expect(load(yaml)._plan.services.map((s) => s.teleportApp)).toEqual(['dashboard', undefined]);
      expect(load(yaml.replace('app: true', 'app: false'))._plan.services[0].teleportApp).toBeUndefined();
      const withoutTeleport = problemsOf(yaml.replace('teleport:\n  domain: teleport.example.com\n', ''));
      expect(withoutTeleport).toEqual([expect.objectContaining({ path: 'services.dashboard.teleport.app', message: expect.stringContaining('needs the teleport section') })]);
      const off = problemsOf(yaml.replace('  domain: teleport.example.com\n', '  enabled: false\n'));
      expect(off.map((p) => p.path)).toEqual(['services.dashboard.teleport.app']);
    },
    'teleport.name': () => {
      const yaml = `${PLATFORM}teleport:\n  domain: teleport.example.com\nservices:\n  dashboard:\n    teleport:\n      app: true\n      name: grafana\n`;
      expect(load(yaml)._plan.services[0].teleportApp).toBe('grafana');
    },
  },
  databases: {
    'publiclyAccessible': () => {
      const yaml = `${PLATFORM}databases:\n  main-db:\n    engine: postgres\n    publiclyAccessible: false\n`;
      expect(load(yaml)._plan.databases[0].options).not.toHaveProperty('publiclyAccessible');
      expectFixed(yaml.replace('publiclyAccessible: false', 'publiclyAccessible: true'), 'databases.main-db.publiclyAccessible', false,
        /databases live in the isolated subnets; reach one through Teleport.*; got true$/);
    },
    'skipFinalSnapshot': () => {
      const yaml = (profile: string, skip: boolean) => `platform:\n  name: demo\n  region: eu-west-1\n  profile: ${profile}\ndatabases:\n  main-db:\n    skipFinalSnapshot: ${skip}\n`;
      expect(load(yaml('development', true))._plan.databases).toHaveLength(1);
      expect(load(yaml('production', false))._plan.databases).toHaveLength(1);
      expect(problemsOf(yaml('production', true))).toEqual([{
        file: 'platform.yaml',
        line: 7,
        column: 24,
        path: 'databases.main-db.skipFinalSnapshot',
        message: expect.stringMatching(/^a production database takes a final snapshot when deleted.*use profile: development/),
      }]);
      expect(problemsOf(yaml('development', false))).toEqual([{
        file: 'platform.yaml',
        line: 7,
        column: 24,
        path: 'databases.main-db.skipFinalSnapshot',
        message: 'a development database is deleted without a snapshot; use profile: production to keep one',
      }]);
    },
    'allowedServices': () => {
      const yaml = `${PLATFORM}services:\n  test-app: {}\n  nginx: {}\ndatabases:\n  main-db:\n    allowedServices: [test-app]\n`;
      expect(load(yaml)._plan.databases[0].allowedServices).toEqual(['test-app']);
      const problems = problemsOf(yaml.replace('[test-app]', '[test-app, tset-app]'));
      expect(problems).toEqual([{
        file: 'platform.yaml',
        line: 9,
        column: 33,
        path: 'databases.main-db.allowedServices[1]',
        message: 'no service is named "tset-app"; did you mean test-app?',
      }]);
      expect(problemsOf(yaml.replace('[test-app]', '[billing]'))[0].message).toBe('no service is named "billing"; the services are test-app, nginx');
    },
    'environmentPrefix': () => {
      const yaml = `${PLATFORM}databases:\n  main-db:\n    environmentPrefix: MAIN_DB\n`;
      expect(load(yaml)._plan.databases[0].environmentPrefix).toBe('MAIN_DB');
      expect(load(yaml)._plan.databases[0].options).not.toHaveProperty('environmentPrefix');
    },
    'teleport.enabled': () => {
      const yaml = `${PLATFORM}teleport:\n  domain: teleport.example.com\ndatabases:\n  main-db:\n    teleport:\n      enabled: true\n      users: [app_readonly]\n`;
      expect(load(yaml)._plan.databases[0].teleport).toEqual({ name: 'main-db', users: ['app_readonly'] });
      expect(load(yaml.replace('enabled: true', 'enabled: false'))._plan.databases[0].teleport).toBeUndefined();
      expect(problemsOf(yaml.replace('teleport:\n  domain: teleport.example.com\n', ''))).toEqual([expect.objectContaining({
        path: 'databases.main-db.teleport.enabled', message: 'Teleport database access needs the teleport section (with enabled: true)',
      })]);
    },
    'teleport.users': () => {
      const yaml = `${PLATFORM}teleport:\n  domain: teleport.example.com\ndatabases:\n  main-db:\n    teleport:\n      enabled: true\n`;
      expect(problemsOf(yaml)).toEqual([{
        file: 'platform.yaml', line: 8, column: 5, path: 'databases.main-db.teleport', message: 'expected teleport.users: the database users Teleport may log in as',
      }]);
      expect(load(`${yaml}      users: [a, b]\n`)._plan.databases[0].teleport?.users).toEqual(['a', 'b']);
    },
    'teleport.name': () => {
      const yaml = `${PLATFORM}teleport:\n  domain: teleport.example.com\ndatabases:\n  main-db:\n    teleport:\n      enabled: true\n      users: [a]\n      name: main\n`;
      expect(load(yaml)._plan.databases[0].teleport?.name).toBe('main');
    },
  },
  tables: {
    'ttl.enabled': () => {
      const yaml = `${PLATFORM}tables:\n  sessions:\n    hashKey: { name: id, type: S }\n    ttl:\n      enabled: true\n      attribute: expiresAt\n`;
      expect(load(yaml)._plan.tables[0].options.timeToLiveAttribute).toBe('expiresAt');
      expect(load(yaml.replace('enabled: true', 'enabled: false'))._plan.tables[0].options).not.toHaveProperty('timeToLiveAttribute');
      expect(problemsOf(yaml.replace('      attribute: expiresAt\n', ''))).toEqual([{
        file: 'platform.yaml', line: 7, column: 5, path: 'tables.sessions.ttl', message: 'expected ttl.attribute: the attribute holding each item\'s expiry time',
      }]);
    },
    'pointInTimeRecovery': () => {
      const yaml = `${PLATFORM}tables:\n  sessions:\n    hashKey: { name: id, type: S }\n    pointInTimeRecovery: true\n`;
      expect(load(yaml)._plan.tables[0].options).not.toHaveProperty('pointInTimeRecovery');
      expectFixed(yaml.replace('pointInTimeRecovery: true', 'pointInTimeRecovery: false'), 'tables.sessions.pointInTimeRecovery', true,
        /every table keeps 35 days of point-in-time recovery.*; got false$/);
    },
    'encryption': () => {
      const yaml = `${PLATFORM}tables:\n  sessions:\n    hashKey: { name: id, type: S }\n    encryption: true\n`;
      expect(load(yaml)._plan.tables).toHaveLength(1);
      expectFixed(yaml.replace('encryption: true', 'encryption: false'), 'tables.sessions.encryption', true, /encrypted with a customer-managed KMS key.*; got false$/);
    },
    'allowedServices.read': () => {
      const yaml = `${PLATFORM}services:\n  test-app: {}\n  reporting: {}\ntables:\n  sessions:\n    hashKey: { name: id, type: S }\n    allowedServices:\n      read: [reporting, test-app]\n      write: [test-app]\n`;
      const table = load(yaml)._plan.tables[0];
      expect([table.read, table.write]).toEqual([['reporting', 'test-app'], ['test-app']]);
      expect(problemsOf(yaml.replace('read: [reporting,', 'read: [reportng,'))).toEqual([{
        file: 'platform.yaml', line: 11, column: 14, path: 'tables.sessions.allowedServices.read[0]', message: 'no service is named "reportng"; did you mean reporting?',
      }]);
    },
    'allowedServices.write': () => {
      const yaml = `${PLATFORM}services:\n  test-app: {}\ntables:\n  sessions:\n    hashKey: { name: id, type: S }\n    allowedServices:\n      write:\n        - test-ap\n`;
      expect(problemsOf(yaml)).toEqual([{
        file: 'platform.yaml', line: 11, column: 11, path: 'tables.sessions.allowedServices.write[0]', message: 'no service is named "test-ap"; did you mean test-app?',
      }]);
    },
  },
  teleport: {
    'enabled': () => {
      const yaml = `${PLATFORM}teleport:\n  enabled: true\n  domain: teleport.example.com\n`;
      expect(load(yaml)._plan.teleport?.options.domainName).toBe('teleport.example.com');
      expect(load(yaml)._plan.loadBalancer).toBeDefined();
      const off = load(yaml.replace('enabled: true', 'enabled: false'));
      expect(off._plan.teleport).toBeUndefined();
      expect(off._plan.loadBalancer).toBeUndefined();
    },
    'certificate': () => {
      const yaml = `${PLATFORM}certificates:\n  teleport-cert:\n    domain: teleport.example.com\nteleport:\n  domain: teleport.example.com\n  certificate: teleport-cert\n`;
      expect(load(yaml)._plan.teleport?.certificate).toBe('teleport-cert');
      expect(problemsOf(yaml.replace('certificate: teleport-cert', 'certificate: teleport'))).toEqual([{
        file: 'platform.yaml', line: 9, column: 16, path: 'teleport.certificate', message: 'no certificate is named "teleport"; did you mean teleport-cert?',
      }]);
    },
    'sso.github.enabled': () => {
      const yaml = `${PLATFORM}teleport:\n  domain: teleport.example.com\n  sso:\n    github:\n      enabled: true\n      organization: my-org\n`;
      expect(load(yaml)._plan.teleport?.options.github).toEqual({ organization: 'my-org' });
      expectFixed(yaml.replace('enabled: true', 'enabled: false'), 'teleport.sso.github.enabled', true, /GitHub is how users sign in to Teleport\); got false$/);
    },
  },
  devopsAgent: {
    investigate: () => {
      const yaml = `${PLATFORM}services:\n  test-app: {}\n  nginx: {}\ndevopsAgent:\n  operatorApp: false\n`;
      expect(load(yaml)._plan.devopsAgent?.investigate).toEqual(['test-app', 'nginx']);
      expect(load(yaml)._plan.devopsAgent?.options.name).toBe('demo');
      expect(load(`${yaml}  investigate: [nginx]\n`)._plan.devopsAgent?.investigate).toEqual(['nginx']);
      expect(load(`${yaml}  investigate: []\n`)._plan.devopsAgent?.investigate).toEqual([]);
      expect(problemsOf(`${yaml}  investigate: [ngnix]\n`)).toEqual([{
        file: 'platform.yaml', line: 9, column: 17, path: 'devopsAgent.investigate[0]', message: 'no service is named "ngnix"; did you mean nginx?',
      }]);
    },
  },
};

describe('toProp conversions', () => {
  test('secrets: an ARN becomes a Secrets Manager or SSM reference; an object passes through', () => {
    const yaml = `${PLATFORM}services:\n  app:\n    secrets:\n      DB_PASSWORD: ${SECRET_ARN}\n      API_KEY: ${PARAMETER_ARN}\n      DB_USER:\n        secretsManagerArn: ${SECRET_ARN}\n        jsonKey: username\n`;
    expect(load(yaml)._plan.services[0].options.secrets).toEqual({
      DB_PASSWORD: { secretsManagerArn: SECRET_ARN },
      API_KEY: { ssmParameterArn: PARAMETER_ARN },
      DB_USER: { secretsManagerArn: SECRET_ARN, jsonKey: 'username' },
    });
  });

  test('globalSecondaryIndexes: name and hashKey become indexName and partitionKey', () => {
    const yaml = `${PLATFORM}tables:\n  orders:\n    hashKey: { name: id, type: S }\n    globalSecondaryIndexes:\n      - name: by-customer\n        hashKey: { name: customer, type: S }\n        sortKey: { name: placedAt, type: N }\n        projection: KEYS_ONLY\n`;
    expect(load(yaml)._plan.tables[0].options.globalSecondaryIndexes).toEqual([
      { indexName: 'by-customer', partitionKey: { name: 'customer', type: 'S' }, sortKey: { name: 'placedAt', type: 'N' }, projection: 'KEYS_ONLY' },
    ]);
  });
});
