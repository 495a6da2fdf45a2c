/**
 * The fuzz table: wrong and edge-case props for PlatformNetwork,
 * PlatformCluster, PlatformLoadBalancer, FargateWebService, ManagedDatabase,
 * ManagedTable, FinOpsGuardrails and TeleportCluster, each written
 * ONCE with the outcome both engines must produce: a clean construction and
 * synthesis ('ok'), or one PropsValidationError listing exactly the given
 * problem props (in any order).
 *
 * Collaborators come from a `Fixture` (one per engine), so the same case hands
 * the CDK construct a CDK cluster and the CDKTF construct a CDKTF cluster.
 *
 * A case may also call methods of the construct it built (TeleportCluster's
 * addDatabase and addApp): a problem found by a call is reported by the call.
 * A case rejected only when the app is synthesised (TeleportCluster's check of
 * its teams' roles, which needs every addDatabase) is rebuilt in an app of its
 * own and synthesised there.
 */

import { PlatformSpec } from 'ecs-platform-constructs';

export type Engine = 'cdk' | 'cdktf';
export type Kind = 'network' | 'cluster' | 'loadBalancer' | 'service' | 'database' | 'table' | 'finops' | 'teleport' | 'repository' | 'deployRole' | 'agentSpace'
  | 'worker' | 'specPlatform';
export type Props = Record<string, unknown>;

/** A network, cluster and load balancer of some other place (app, region, engine). */
export interface Collaborators {
  readonly network: unknown;
  readonly cluster: unknown;
  /** A load balancer without a certificate (plain HTTP). */
  readonly lb: unknown;
  /** A load balancer on the same network with a certificate (HTTPS), CERTIFICATE_ARN. */
  readonly httpsLb: unknown;
  /** A ManagedDatabase on the network. */
  readonly database: unknown;
  /** A FargateWebService in the cluster. */
  readonly app: unknown;
}

/** aws-cdk-lib objects for the props only the AWS CDK FargateWebService has. */
export interface CdkObjects {
  /** sns.Topic.fromTopicArn */
  readonly topic: unknown;
  /** ecs.ContainerImage.fromRegistry */
  readonly containerImage: unknown;
  /** secretsmanager.Secret.fromSecretCompleteArn */
  readonly secret: unknown;
  /** secretsmanager.Secret.fromSecretNameV2 (a partial ARN) */
  readonly secretByName: unknown;
  /** ssm.StringParameter.fromStringParameterName */
  readonly parameter: unknown;
}

/** The collaborators a case can hand its construct, each created on first use, in the case's engine. */
export interface Fixture extends Collaborators {
  readonly engine: Engine;
  /** A second network, with its own load balancer (not the cluster's network). */
  readonly otherNetwork: unknown;
  readonly otherLb: unknown;
  /** A cluster on a network with natGateways 0 and no interface endpoints. */
  readonly natlessCluster: unknown;
  /** A cluster on a network with natGateways 0 and interface endpoints for ecr.api, ecr.dkr and logs. */
  readonly endpointCluster: unknown;
  /** The same kinds from another app. */
  readonly foreign: Collaborators;
  /** The same kinds from a stack of this app in us-east-1. */
  readonly otherRegion: Collaborators;
  /** The same kinds from the other engine. */
  readonly alien: Collaborators;
  /** aws-cdk-lib objects (the CDK fixture's own; the CDKTF fixture hands the CDK ones). */
  readonly cdk: CdkObjects;
  /** An HTTPS load balancer (CERTIFICATE_ARN) on the second network. */
  readonly otherHttpsLb: unknown;
  /** A cluster on the second network. */
  readonly otherCluster: unknown;
  /** A deploy-time string token of the engine, resolving to `value`. */
  token(value: string): string;
  /**
   * A new ManagedDatabase for this case alone, with the construct ID `id` (its
   * default Teleport name) and `props` over `{ network }`.
   */
  newDatabase(id?: string, props?: Props): unknown;
  /**
   * A new FargateWebService for this case alone, with the construct ID `id` and
   * `props` over a service routed on `httpsLb` (a listener priority of its own).
   */
  newApp(id?: string, props?: Props): unknown;
  /** A new FargateWorkerService for this case alone. */
  newWorker(id?: string, props?: Props): unknown;
}

export type PropsOf = (fx: Fixture) => unknown;

/** A method call on the construct a case built. */
export interface Call {
  readonly method: 'addDatabase' | 'addApp' | 'investigateAlarms';
  /** The database (addDatabase) or web service (addApp, investigateAlarms) handed over. */
  readonly target: unknown;
  readonly options: unknown;
}
export type CallsOf = (fx: Fixture) => readonly Call[];
/** Props and the calls to make on the construct built with them. */
export interface Scenario {
  readonly props: PropsOf;
  readonly calls: CallsOf;
}

export interface FuzzCase {
  /** Unique, numbered: the jest test name. */
  readonly name: string;
  readonly kind: Kind;
  readonly props: PropsOf;
  /** 'ok': constructs and synthesises cleanly; otherwise the prop paths of the problems (any order, each as often as listed). */
  readonly expect: 'ok' | readonly string[];
  /** Text the error message must contain (e.g. "did you mean healthCheck?"). */
  readonly says: readonly string[];
  /** 'both', or the one engine whose binding has the props used. */
  readonly only: 'both' | Engine;
  /** For an engine-only case: the problems the other engine must report (its unknown props). */
  readonly other: readonly string[];
  /** Calls on the construct once built, in order (their collaborators made with the props). */
  readonly calls?: CallsOf;
}

// --- Values -------------------------------------------------------------------------------------

export const IMAGE = 'public.ecr.aws/docker/library/nginx:1.27';
export const ECR_IMAGE = '111122223333.dkr.ecr.eu-west-1.amazonaws.com/web:1.0.0';
export const AZS = ['eu-west-1a', 'eu-west-1b'];
export const TOPIC_ARN = 'arn:aws:sns:eu-west-1:111122223333:alerts';
const CERT = 'arn:aws:acm:eu-west-1:111122223333:certificate/11111111-2222-3333-4444-555555555555';
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:db-credentials-AbCdEf';
const PARTIAL_SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:db-credentials';
const PARAM_ARN = 'arn:aws:ssm:eu-west-1:111122223333:parameter/app/feature-flags';
const KMS_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const ZONE = 'Z0123456789ABCDEFGHIJ';
const DOMAIN = { domainName: 'app.example.com', hostedZoneId: ZONE };
/** The certificate of the fixture's HTTPS load balancers. */
export const CERTIFICATE_ARN = 'arn:aws:acm:eu-west-1:111122223333:certificate/abc-123';
/** TeleportCluster: GitHub sign-on of one team with preset roles, on teleport.example.com. */
const GITHUB = {
  clientId: 'Iv1.0123456789abcdef',
  clientSecretArn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:teleport/github-AbCdEf',
  organization: 'my-org',
  teamsToRoles: [{ team: 'platform', roles: ['access', 'editor'] }],
};
const TELEPORT = { domainName: 'teleport.example.com', github: GITHUB };

/** `n` distinct client CIDRs (TEST-NET-2 hosts). */
const cidrs = (n: number): string[] => Array.from({ length: n }, (_, i) => `198.51.100.${i}/32`);
/** A DNS name of exactly `length` characters: labels of up to 63 'a's, then '.com' (for the lengths used here). */
function domainOfLength(length: number): string {
  let name = '';
  while (name.length < length - 4) {
    const room = length - 4 - name.length - (name ? 1 : 0);
    name += `${name ? '.' : ''}${'a'.repeat(Math.min(63, room))}`;
  }
  return `${name}.com`;
}
/** A 64-hex-digit image digest. */
const DIGEST = `sha256:${'ab12'.repeat(16)}`;

// --- Builders -----------------------------------------------------------------------------------

type Extra = Props | ((fx: Fixture) => Props);
const resolve = (extra: Extra, fx: Fixture): Props => (typeof extra === 'function' ? extra(fx) : extra);

function isPlain(x: unknown): x is Props {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && Object.getPrototypeOf(x) === Object.prototype;
}
/** `b` over `a`, merging plain objects (arrays, constructs and other values replace). */
function merge(a: Props, b: Props): Props {
  const out: Props = { ...a };
  for (const [key, value] of Object.entries(b)) out[key] = isPlain(out[key]) && isPlain(value) ? merge(out[key] as Props, value) : value;
  return out;
}
/** `{ a: { b: value } }` for 'a.b'. */
function nest(path: string, value: unknown): Props {
  return path.split('.').reduceRight<unknown>((inner, key) => ({ [key]: inner }), value) as Props;
}

/** A network on the literal AZs eu-west-1a/b (no data source in CDKTF). */
const network = (extra: Extra = {}): PropsOf => (fx) => merge({ availabilityZones: AZS }, resolve(extra, fx));
/** A network whose AZs are looked up at deploy time. */
const lookupNetwork = (extra: Extra = {}): PropsOf => (fx) => resolve(extra, fx);
const cluster = (extra: Extra = {}): PropsOf => (fx) => merge({ network: fx.network }, resolve(extra, fx));
const loadBalancer = (extra: Extra = {}): PropsOf => (fx) => merge({ network: fx.network }, resolve(extra, fx));
/** A service with its own load balancer. */
const service = (extra: Extra = {}): PropsOf => (fx) => merge({ cluster: fx.cluster, image: IMAGE }, resolve(extra, fx));

/** Listener-rule priorities handed out to routed cases: unique, so no case collides with another (10 is the fixture's). */
let nextPriority = 100;
/** A service on the shared load balancer, with a listener rule of its own priority. */
const routed = (extra: Extra = {}): PropsOf => {
  const priority = nextPriority++;
  return (fx) => merge({ cluster: fx.cluster, image: IMAGE, loadBalancer: fx.lb, routing: { pathPatterns: [`/r${priority}/*`], priority } }, resolve(extra, fx));
};

/** A database on the fixture's network. */
const database = (extra: Extra = {}): PropsOf => (fx) => merge({ network: fx.network }, resolve(extra, fx));
/** A table with a string partition key. */
const dynamoTable = (extra: Extra = {}): PropsOf => (fx) => merge({ partitionKey: { name: 'pk', type: 'S' } }, resolve(extra, fx));

/** FinOpsGuardrails: the props as given (every prop is optional). */
const finops = (extra: Extra = {}): PropsOf => (fx) => resolve(extra, fx);

/** TeleportCluster on the shared HTTPS load balancer (a listener rule for its domain and wildcard). */
const teleport = (extra: Extra = {}): PropsOf => (fx) => merge({ cluster: fx.cluster, loadBalancer: fx.httpsLb, ...TELEPORT }, resolve(extra, fx));

/** ContainerRepository: the props as given (every prop is optional). */
const repository = (extra: Extra = {}): PropsOf => (fx) => resolve(extra, fx);

/** GitHubDeployRole: one repository and branch, the fixture's service to deploy. */
const deployRole = (extra: Extra = {}): PropsOf => (fx) => merge({ repository: 'my-org/my-app', branches: ['main'], services: [fx.app] }, resolve(extra, fx));

/** DevOpsAgentSpace: a name and the platform's tag (CDKTF needs one; the fuzz stacks' providers have no default_tags). */
const agentSpace = (extra: Extra = {}): PropsOf => (fx) => merge({ name: 'fuzz', monitor: { tags: { platform: 'fuzz' } } }, resolve(extra, fx));

const worker = (extra: Extra = {}): PropsOf => (fx) => merge({ cluster: fx.cluster, image: IMAGE }, resolve(extra, fx));

/** A small spec (eu-west-1, the fuzz stacks' region): a web service, a worker, a database and a table. */
const specOf = (region: string) => PlatformSpec.fromSources([{
  file: 'platform.yaml',
  content: [
    `platform: { name: fuzz, region: ${region} }`,
    'services:',
    `  api: { image: ${IMAGE}, port: 80, routing: { pathPatterns: ["/*"], priority: 100 } }`,
    `  jobs: { type: worker, image: ${IMAGE} }`,
    'databases: { main-db: { allowedServices: [api] } }',
    'tables: { sessions: { hashKey: { name: pk, type: S }, allowedServices: { read: [api], write: [jobs] } } }',
  ].join('\n'),
}]);
const SPEC = specOf('eu-west-1');
const specPlatform = (extra: Extra = {}): PropsOf => (fx) => ({ spec: SPEC, ...resolve(extra, fx) });

const BUILDERS: Record<Kind, (extra: Extra) => PropsOf> = {
  network, cluster, loadBalancer, service, database, table: dynamoTable, finops, teleport, repository, deployRole, agentSpace, worker, specPlatform,
};

// --- The table ----------------------------------------------------------------------------------

const table: Array<Omit<FuzzCase, 'name'> & { title: string }> = [];

const scenario = (given: PropsOf | Scenario) => (typeof given === 'function' ? { props: given } : given);
function ok(kind: Kind, title: string, props: PropsOf | Scenario): void {
  table.push({ kind, title, ...scenario(props), expect: 'ok', says: [], only: 'both', other: [] });
}
function bad(kind: Kind, title: string, props: PropsOf | Scenario, problems: string[], says: string[] = []): void {
  table.push({ kind, title, ...scenario(props), expect: problems, says, only: 'both', other: [] });
}
/** A FargateWebService case using props only `engine` has; the other engine must report `other` as unknown props. */
function only(engine: Engine, title: string, props: PropsOf, expected: 'ok' | string[], other: string[], says: string[] = []): void {
  table.push({ kind: 'service', title, props, expect: expected, says, only: engine, other });
}

// 1. Props that are not an object at all, or missing required collaborators.
bad('network', 'props null', () => null, ['props'], ['props: got null']);
bad('network', 'props a string', () => 'cidr=10.0.0.0/16', ['props'], ['props: got "cidr=10.0.0.0/16"']);
bad('network', 'props an array', () => [{ cidr: '10.0.0.0/16' }], ['props']);
ok('network', 'props undefined (all defaults)', () => undefined);
ok('network', 'props {} (all defaults)', () => ({}));
bad('cluster', 'props undefined (network is required)', () => undefined, ['network']);
bad('cluster', 'props {} (network is required)', () => ({}), ['network']);
bad('cluster', 'props null', () => null, ['props']);
bad('cluster', 'props a number', () => 42, ['props'], ['props: got 42']);
bad('loadBalancer', 'props undefined (network is required)', () => undefined, ['network']);
bad('loadBalancer', 'props null', () => null, ['props']);
bad('loadBalancer', 'props a boolean', () => true, ['props']);
bad('service', 'props undefined (cluster and image are required)', () => undefined, ['cluster', 'image']);
bad('service', 'props {} (cluster and image are required)', () => ({}), ['cluster', 'image']);
bad('service', 'props null', () => null, ['props']);
bad('service', 'props a string', () => 'nginx', ['props']);
bad('service', 'props an array', () => [], ['props']);

// 2. Integers: wrong types, null, NaN, Infinity, -Infinity, fractions; then the boundaries.
interface IntegerProp {
  readonly kind: Kind;
  readonly path: string;
  /** A valid value (its string form is a wrong type). */
  readonly valid: number;
  /** The inclusive range, when the prop has one. */
  readonly range?: readonly [number, number];
  /** The builder: service (own load balancer), routed (shared) and so on. */
  readonly build?: (extra: Extra) => PropsOf;
  /** Other props the range needs (e.g. intervalSeconds 300 for timeoutSeconds 120). */
  readonly context?: Props;
}
const INTEGERS: IntegerProp[] = [
  { kind: 'network', path: 'maxAzs', valid: 3, range: [2, 6], build: lookupNetwork },
  { kind: 'network', path: 'natGateways', valid: 1, range: [0, 2] },
  { kind: 'network', path: 'flowLogs.retentionDays', valid: 30 },
  { kind: 'cluster', path: 'execLogRetentionDays', valid: 30 },
  { kind: 'loadBalancer', path: 'idleTimeoutSeconds', valid: 60, range: [1, 4000] },
  { kind: 'loadBalancer', path: 'accessLogRetentionDays', valid: 90, range: [1, 3653] },
  { kind: 'service', path: 'containerPort', valid: 8080, range: [1, 65535] },
  { kind: 'service', path: 'cpu', valid: 256 },
  { kind: 'service', path: 'memoryMiB', valid: 1024 },
  { kind: 'service', path: 'desiredCount', valid: 2, range: [0, 1000] },
  { kind: 'service', path: 'healthCheck.intervalSeconds', valid: 30, range: [5, 300], build: routed, context: { healthCheck: { timeoutSeconds: 4 } } },
  { kind: 'service', path: 'healthCheck.timeoutSeconds', valid: 5, range: [2, 120], build: routed, context: { healthCheck: { intervalSeconds: 300 } } },
  { kind: 'service', path: 'healthCheck.healthyThreshold', valid: 3, range: [2, 10], build: routed },
  { kind: 'service', path: 'healthCheck.unhealthyThreshold', valid: 3, range: [2, 10], build: routed },
  { kind: 'service', path: 'autoScaling.minCapacity', valid: 2, range: [1, 1000], build: routed },
  { kind: 'service', path: 'autoScaling.maxCapacity', valid: 4, range: [1, 1000], build: routed, context: { desiredCount: 1 } },
  { kind: 'service', path: 'autoScaling.cpuTargetPercent', valid: 50, range: [10, 90], build: routed },
  { kind: 'service', path: 'autoScaling.memoryTargetPercent', valid: 50, range: [10, 90], build: routed },
  { kind: 'service', path: 'alarms.cpuPercent', valid: 80, range: [1, 100], build: routed },
  { kind: 'service', path: 'alarms.memoryPercent', valid: 80, range: [1, 100], build: routed },
  { kind: 'service', path: 'alarms.http5xxCount', valid: 10, range: [0, 1_000_000], build: routed },
  { kind: 'service', path: 'alarms.unhealthyHosts', valid: 0, range: [0, 1000], build: routed },
  { kind: 'service', path: 'alarms.errorLogCount', valid: 10, range: [0, 1_000_000], build: routed },
  { kind: 'service', path: 'alarms.evaluationPeriods', valid: 2, range: [1, 10], build: routed },
  { kind: 'service', path: 'routing.priority', valid: 20, range: [1, 50000], build: routed },
  { kind: 'service', path: 'logRetentionDays', valid: 30 },
  { kind: 'service', path: 'healthCheckGracePeriodSeconds', valid: 60, range: [0, 2147483647] },
  { kind: 'service', path: 'deregistrationDelaySeconds', valid: 30, range: [0, 3600] },
  { kind: 'service', path: 'ephemeralStorageGiB', valid: 30, range: [21, 200] },
  { kind: 'service', path: 'loadBalancerOptions.idleTimeoutSeconds', valid: 60, range: [1, 4000] },
  { kind: 'service', path: 'loadBalancerOptions.accessLogRetentionDays', valid: 90, range: [1, 3653] },
];
/** The integer cases of each prop of `props`. */
function integerCases(props: readonly IntegerProp[]): void {
  for (const p of props) {
    const build = p.build ?? BUILDERS[p.kind];
    const withValue = (value: unknown) => build(merge(p.context ?? {}, nest(p.path, value)));
    bad(p.kind, `${p.path}: NaN`, withValue(NaN), [p.path], [`${p.path}: got NaN`]);
    bad(p.kind, `${p.path}: Infinity`, withValue(Infinity), [p.path]);
    bad(p.kind, `${p.path}: -Infinity`, withValue(-Infinity), [p.path]);
    bad(p.kind, `${p.path}: ${p.valid + 0.5} (not an integer)`, withValue(p.valid + 0.5), [p.path]);
    bad(p.kind, `${p.path}: '${p.valid}' (a number as a string)`, withValue(String(p.valid)), [p.path]);
    bad(p.kind, `${p.path}: null`, withValue(null), [p.path]);
    if (p.range) {
      const [min, max] = p.range;
      ok(p.kind, `${p.path}: ${min} (the minimum)`, withValue(min));
      ok(p.kind, `${p.path}: ${max} (the maximum)`, withValue(max));
      bad(p.kind, `${p.path}: ${min - 1} (one below the minimum)`, withValue(min - 1), [p.path], [`${p.path}: got ${min - 1}`]);
      bad(p.kind, `${p.path}: ${max + 1} (one above the maximum)`, withValue(max + 1), [p.path], [`${p.path}: got ${max + 1}`]);
    }
  }
}
integerCases(INTEGERS);

// Log retention: one of the values CloudWatch Logs accepts.
function logRetentionCases(props: ReadonlyArray<readonly [Kind, string]>): void {
  for (const [kind, path] of props) {
    const build = BUILDERS[kind];
    ok(kind, `${path}: 1 (the shortest retention)`, build(nest(path, 1)));
    ok(kind, `${path}: 3653 (the longest retention)`, build(nest(path, 3653)));
    bad(kind, `${path}: 0`, build(nest(path, 0)), [path]);
    bad(kind, `${path}: 2 (not a CloudWatch Logs retention)`, build(nest(path, 2)), [path]);
    bad(kind, `${path}: 3654`, build(nest(path, 3654)), [path]);
  }
}
logRetentionCases([['network', 'flowLogs.retentionDays'], ['cluster', 'execLogRetentionDays'], ['service', 'logRetentionDays']]);

// 3. Booleans given as strings, numbers and null.
const BOOLEANS: Array<[Kind, string]> = [
  ['network', 's3GatewayEndpoint'],
  ['network', 'restrictDefaultSecurityGroup'],
  ['network', 'flowLogs.enabled'],
  ['network', 'flowLogs.retainOnDelete'],
  ['cluster', 'containerInsights'],
  ['loadBalancer', 'internal'],
  ['loadBalancer', 'deletionProtection'],
  ['service', 'spot'],
  ['service', 'loadBalancerOptions.internal'],
];
for (const [kind, path] of BOOLEANS) {
  const build = BUILDERS[kind];
  bad(kind, `${path}: 'false' (a string for a boolean)`, build(nest(path, 'false')), [path], [`${path}: got "false"`]);
  bad(kind, `${path}: 1 (a number for a boolean)`, build(nest(path, 1)), [path]);
  bad(kind, `${path}: null`, build(nest(path, null)), [path]);
}
ok('network', 's3GatewayEndpoint false, restrictDefaultSecurityGroup false', network({ s3GatewayEndpoint: false, restrictDefaultSecurityGroup: false }));
ok('network', 'flowLogs.enabled false', network({ flowLogs: { enabled: false } }));
ok('cluster', 'containerInsights false', cluster({ containerInsights: false }));
ok('loadBalancer', 'internal true (in the private subnets, open to the VPC)', loadBalancer({ internal: true }));
ok('loadBalancer', 'deletionProtection true', loadBalancer({ deletionProtection: true }));
ok('service', 'spot true', service({ spot: true }));
ok('service', 'loadBalancerOptions.internal true', service({ loadBalancerOptions: { internal: true } }));

// 4. Enums given values that are not members.
const ENUMS: Array<[Kind, string, unknown[]]> = [
  ['network', 'profile', ['production', 'PROD', 1]],
  ['cluster', 'profile', ['development', '']],
  ['loadBalancer', 'profile', ['Production', null]],
  ['service', 'profile', ['staging', { name: 'PRODUCTION' }]],
  ['service', 'loadBalancerOptions.profile', ['prod']],
  ['network', 'flowLogs.trafficType', ['all', 'BOTH', true]],
  ['service', 'cpuArchitecture', ['arm64', 'AMD64', 'X86-64', 'GRAVITON']],
];
for (const [kind, path, values] of ENUMS) {
  for (const value of values) bad(kind, `${path}: ${JSON.stringify(value)} (not a member)`, BUILDERS[kind](nest(path, value)), [path]);
}
ok('network', 'profile PRODUCTION (a NAT gateway per AZ)', network({ profile: 'PRODUCTION' }));
ok('network', 'flowLogs.trafficType REJECT', network({ flowLogs: { trafficType: 'REJECT' } }));
ok('service', 'profile PRODUCTION on a development cluster', service({ profile: 'PRODUCTION' }));

// 5. Strings given other types.
/** A service with one Secrets Manager secret DB, for the checks of its other fields. */
const withSecret = (extra: Extra): PropsOf => service((fx) => merge({ secrets: { DB: { secretsManagerArn: SECRET_ARN } } }, resolve(extra, fx)));
const STRINGS: Array<[Kind, string, unknown[], ((extra: Extra) => PropsOf)?]> = [
  ['network', 'cidr', [10, { cidr: '10.0.0.0/16' }]],
  ['network', 'flowLogs.kmsKeyArn', [123, ['arn']]],
  ['loadBalancer', 'certificateArn', [{ arn: CERT }, 1]],
  ['service', 'image', [5, { uri: IMAGE }, [IMAGE]]],
  ['service', 'healthCheck.path', [5, ['/health']]],
  ['service', 'healthCheck.healthyHttpCodes', [200, ['200']]],
  ['service', 'alarms.errorLogPattern', [false]],
  ['service', 'loadBalancerOptions.certificateArn', [{ arn: CERT }]],
  ['service', 'secrets.DB.kmsKeyArn', [7], withSecret],
  ['service', 'secrets.DB.jsonKey', [7], withSecret],
];
for (const [kind, path, values, build] of STRINGS) {
  for (const value of values) bad(kind, `${path}: ${JSON.stringify(value)} (not a string)`, (build ?? BUILDERS[kind])(nest(path, value)), [path]);
}
// A mistyped value must not drag in a second, derived problem.
bad('service', 'secrets.DB.secretsManagerArn: 5 (reported once, not also as "neither ARN")', service({ secrets: { DB: { secretsManagerArn: 5 } } }),
  ['secrets.DB.secretsManagerArn']);
bad('service', 'secrets.P.ssmParameterArn: {} (reported once)', service({ secrets: { P: { ssmParameterArn: {} } } }), ['secrets.P.ssmParameterArn']);
bad('loadBalancer', 'domain.domainName: 5 (reported once)', loadBalancer({ domain: { domainName: 5, hostedZoneId: ZONE } }), ['domain.domainName']);
bad('loadBalancer', 'domain.hostedZoneId: 5 (reported once)', loadBalancer({ domain: { domainName: 'app.example.com', hostedZoneId: 5 } }), ['domain.hostedZoneId']);
bad('service', "cpu: '1024' with memoryMiB 4096 (memory is not judged against the default cpu)", service({ cpu: '1024', memoryMiB: 4096 }), ['cpu']);
bad('network', "maxAzs: '3' with natGateways 3 (natGateways is not judged against the default maxAzs)", lookupNetwork({ maxAzs: '3', natGateways: 3 }), ['maxAzs']);
bad('service', "healthCheck.intervalSeconds: '60' with timeoutSeconds 45 (not judged against the default interval)",
  routed({ healthCheck: { intervalSeconds: '60', timeoutSeconds: 45 } }), ['healthCheck.intervalSeconds']);
bad('service', "autoScaling.minCapacity: 'one' with maxCapacity 1 (not judged against the default minimum)",
  routed({ autoScaling: { minCapacity: 'one', maxCapacity: 1 } }), ['autoScaling.minCapacity']);

// 6. Lists, maps and structs given other shapes.
bad('network', "availabilityZones: 'eu-west-1a' (a string for a list)", network({ availabilityZones: 'eu-west-1a' }), ['availabilityZones']);
bad('network', 'availabilityZones: [1, 2] (numbers in the list)', network({ availabilityZones: [1, 2] }), ['availabilityZones[0]', 'availabilityZones[1]']);
bad('loadBalancer', "allowedCidrs: '0.0.0.0/0' (a string for a list)", loadBalancer({ allowedCidrs: '0.0.0.0/0' }), ['allowedCidrs']);
bad('loadBalancer', 'allowedCidrs: [5]', loadBalancer({ allowedCidrs: [5] }), ['allowedCidrs[0]']);
bad('loadBalancer', 'allowedCidrs: [null]', loadBalancer({ allowedCidrs: [null] }), ['allowedCidrs[0]']);
bad('service', "command: 'node server.js' (a string for a list)", service({ command: 'node server.js' }), ['command']);
bad('service', 'command: [1]', service({ command: [1] }), ['command[0]']);
bad('service', 'command: [] (empty)', service({ command: [] }), ['command']);
bad('service', "entryPoint: '/bin/sh'", service({ entryPoint: '/bin/sh' }), ['entryPoint']);
bad('service', "entryPoint: ['']", service({ entryPoint: [''] }), ['entryPoint']);
bad('service', "healthCheck.command: 'curl -f localhost' (a string for a list)", service({ healthCheck: { command: 'curl -f localhost' } }), ['healthCheck.command']);
bad('service', 'healthCheck.command: [] (empty)', service({ healthCheck: { command: [] } }), ['healthCheck.command']);
bad('service', 'routing.pathPatterns: 5 (reported once)', routed({ routing: { pathPatterns: 5 } }), ['routing.pathPatterns']);
bad('service', "routing.pathPatterns: '/api/*' (a string for a list, reported once)", routed({ routing: { pathPatterns: '/api/*' } }), ['routing.pathPatterns']);
bad('service', "routing.hostHeaders: 'api.example.com' (a string for a list)", routed({ routing: { hostHeaders: 'api.example.com' } }), ['routing.hostHeaders']);
bad('service', "loadBalancerOptions.allowedCidrs: '0.0.0.0/0'", service({ loadBalancerOptions: { allowedCidrs: '0.0.0.0/0' } }), ['loadBalancerOptions.allowedCidrs']);
bad('service', "environment: ['A=B'] (a list for a map)", service({ environment: ['A=B'] }), ['environment']);
bad('service', "environment: 'A=B'", service({ environment: 'A=B' }), ['environment']);
bad('service', 'environment.PORT: 8080 (a number for a string)', service({ environment: { PORT: 8080 } }), ['environment.PORT'], ['environment.PORT: got 8080']);
bad('service', 'environment.DEBUG: true', service({ environment: { DEBUG: true } }), ['environment.DEBUG']);
bad('service', 'environment.X: null', service({ environment: { X: null } }), ['environment.X']);
bad('service', 'environment.CONFIG: {} (an object for a string)', service({ environment: { CONFIG: { a: 1 } } }), ['environment.CONFIG']);
bad('service', 'secrets: [ ... ] (a list for a map)', service({ secrets: [{ secretsManagerArn: SECRET_ARN }] }), ['secrets']);
bad('service', "secrets.DB: 'arn:...' (a string for a secret)", service({ secrets: { DB: SECRET_ARN } }), ['secrets.DB']);
bad('service', 'secrets.DB: null', service({ secrets: { DB: null } }), ['secrets.DB']);
bad('service', "healthCheck: '/health' (a string for a struct)", service({ healthCheck: '/health' }), ['healthCheck']);
bad('service', 'alarms: false', service({ alarms: false }), ['alarms'], ['alarms: got false']);
bad('service', 'autoScaling: true', service({ autoScaling: true }), ['autoScaling']);
bad('service', 'routing: 5 on a shared load balancer (reported once)', routed({ routing: 5 }), ['routing']);
bad('service', "loadBalancerOptions: 'internal'", service({ loadBalancerOptions: 'internal' }), ['loadBalancerOptions']);
bad('service', 'loadBalancerOptions: []', service({ loadBalancerOptions: [] }), ['loadBalancerOptions']);
bad('network', 'flowLogs: true', network({ flowLogs: true }), ['flowLogs']);
bad('loadBalancer', "domain: 'app.example.com' (a string for a struct)", loadBalancer({ domain: 'app.example.com' }), ['domain']);
bad('service', 'healthCheck: a Date instance', service({ healthCheck: new Date(0) }), ['healthCheck']);

// 7. undefined where a value is required.
bad('service', 'cluster: undefined', service({ cluster: undefined }), ['cluster'], ['cluster: got undefined']);
bad('service', 'image: undefined', service({ image: undefined }), ['image']);
bad('service', 'routing.priority: undefined', routed({ routing: { priority: undefined } }), ['routing.priority']);
bad('cluster', 'network: undefined', cluster({ network: undefined }), ['network']);
bad('loadBalancer', 'network: undefined', loadBalancer({ network: undefined }), ['network']);
bad('loadBalancer', 'domain without hostedZoneId (reported once)', loadBalancer({ domain: { domainName: 'app.example.com' } }), ['domain.hostedZoneId']);
bad('loadBalancer', 'domain without domainName (reported once)', loadBalancer({ domain: { hostedZoneId: ZONE } }), ['domain.domainName']);

// 8. Typos in prop names: reported with the nearest valid name.
const TYPOS: Array<[Kind, Props, string[], string]> = [
  ['network', { maxAZs: 3 }, ['maxAZs'], 'maxAzs'],
  ['network', { natGateway: 1 }, ['natGateway'], 'natGateways'],
  ['network', { flowlogs: { enabled: false } }, ['flowlogs'], 'flowLogs'],
  ['network', { CIDR: '10.0.0.0/16' }, ['CIDR'], 'cidr'],
  ['network', { availabilityZone: 'eu-west-1a' }, ['availabilityZone'], 'availabilityZones'],
  ['network', { s3GatewayEndpoints: false }, ['s3GatewayEndpoints'], 's3GatewayEndpoint'],
  ['network', { flowLogs: { retention: 30 } }, ['flowLogs.retention'], 'retentionDays'],
  ['network', { flowLogs: { traffic: 'ALL' } }, ['flowLogs.traffic'], 'trafficType'],
  ['cluster', { containerInsight: true }, ['containerInsight'], 'containerInsights'],
  ['cluster', { execLogRetention: 30 }, ['execLogRetention'], 'execLogRetentionDays'],
  ['cluster', { Profile: 'PRODUCTION' }, ['Profile'], 'profile'],
  ['loadBalancer', { certificateARN: CERT }, ['certificateARN'], 'certificateArn'],
  ['loadBalancer', { allowedCIDRs: ['0.0.0.0/0'] }, ['allowedCIDRs'], 'allowedCidrs'],
  ['loadBalancer', { idleTimeout: 60 }, ['idleTimeout'], 'idleTimeoutSeconds'],
  ['loadBalancer', { accessLogsRetentionDays: 30 }, ['accessLogsRetentionDays'], 'accessLogRetentionDays'],
  ['loadBalancer', { deleteProtection: true }, ['deleteProtection'], 'deletionProtection'],
  ['loadBalancer', { certificate: CERT }, ['certificate'], 'certificateArn'],
  ['service', { desiredcount: 3 }, ['desiredcount'], 'desiredCount'],
  ['service', { healtCheck: { path: '/health' } }, ['healtCheck'], 'healthCheck'],
  ['service', { memory: 1024 }, ['memory'], 'memoryMiB'],
  ['service', { memoryMb: 1024 }, ['memoryMb'], 'memoryMiB'],
  ['service', { containerPorts: 80 }, ['containerPorts'], 'containerPort'],
  ['service', { enviroment: { A: 'b' } }, ['enviroment'], 'environment'],
  ['service', { secret: {} }, ['secret'], 'secrets'],
  ['service', { autoscaling: { minCapacity: 2 } }, ['autoscaling'], 'autoScaling'],
  ['service', { alarm: {} }, ['alarm'], 'alarms'],
  ['service', { Image: IMAGE }, ['Image'], 'image'],
  ['service', { logRetention: 30 }, ['logRetention'], 'logRetentionDays'],
  ['service', { ephemeralStorage: 30 }, ['ephemeralStorage'], 'ephemeralStorageGiB'],
  ['service', { deregistrationDelay: 10 }, ['deregistrationDelay'], 'deregistrationDelaySeconds'],
  ['service', { healthCheckGracePeriod: 10 }, ['healthCheckGracePeriod'], 'healthCheckGracePeriodSeconds'],
  ['service', { spots: true }, ['spots'], 'spot'],
  ['service', { loadbalancer: {} }, ['loadbalancer'], 'loadBalancer'],
  ['service', { cpuArch: 'ARM64' }, ['cpuArch'], 'cpuArchitecture'],
  ['service', { port: 80 }, ['port'], 'containerPort'],
  ['service', { healthCheck: { intervalSecs: 10 } }, ['healthCheck.intervalSecs'], 'intervalSeconds'],
  ['service', { healthCheck: { interval: 10 } }, ['healthCheck.interval'], 'intervalSeconds'],
  ['service', { healthCheck: { timeout: 3 } }, ['healthCheck.timeout'], 'timeoutSeconds'],
  ['service', { healthCheck: { healthyHttpCode: '200' } }, ['healthCheck.healthyHttpCode'], 'healthyHttpCodes'],
  ['service', { autoScaling: { minCapacty: 2 } }, ['autoScaling.minCapacty'], 'minCapacity'],
  ['service', { alarms: { cpuPercentage: 90 } }, ['alarms.cpuPercentage'], 'cpuPercent'],
  ['service', { secrets: { DB: { secretsManagerArn: SECRET_ARN, jsonkey: 'password' } } }, ['secrets.DB.jsonkey'], 'jsonKey'],
  ['service', { loadBalancerOptions: { certificateARN: CERT } }, ['loadBalancerOptions.certificateARN'], 'certificateArn'],
];
for (const [kind, extra, problems, nearest] of TYPOS) {
  bad(kind, `typo ${problems[0]} (did you mean ${nearest}?)`, BUILDERS[kind](extra), problems, [`did you mean ${nearest}?`]);
}
// A typo of a required prop: the typo and the missing prop are both reported.
bad('cluster', 'network missing (an unknown prop given as undefined is ignored)', () => ({ networks: undefined, profile: 'PRODUCTION' }), ['network']);
bad('cluster', 'typo networks: <network> (and network missing)', (fx) => ({ networks: fx.network }), ['networks', 'network'], ['did you mean network?']);
bad('service', 'typo cluser: <cluster> (and cluster missing)', (fx) => ({ cluser: fx.cluster, image: IMAGE }), ['cluser', 'cluster'], ['did you mean cluster?']);
bad('service', 'typo routing.pathPattern', routed({ routing: { pathPattern: ['/x'], pathPatterns: ['/y'] } }), ['routing.pathPattern'], ['did you mean pathPatterns?']);
bad('service', 'typo routing.prio (and priority missing)', (fx) => ({ cluster: fx.cluster, image: IMAGE, loadBalancer: fx.lb, routing: { pathPatterns: ['/t'], prio: 30 } }),
  ['routing.prio', 'routing.priority'], ['did you mean priority?']);
bad('loadBalancer', 'typo domain.hostedZone (and hostedZoneId missing)', loadBalancer({ domain: { domainName: 'app.example.com', hostedZone: ZONE } }),
  ['domain.hostedZone', 'domain.hostedZoneId'], ['did you mean hostedZoneId?']);
bad('service', 'unknown prop foo (no near name)', service({ foo: 1 }), ['foo'], ['unknown prop']);
bad('network', 'unknown prop vpcCidr (no near name)', network({ vpcCidr: '10.0.0.0/16' }), ['vpcCidr'], ['unknown prop']);
bad('loadBalancer', 'unknown prop internetFacing (no near name)', loadBalancer({ internetFacing: true }), ['internetFacing'], ['unknown prop']);
ok('service', 'an unknown prop given as undefined is ignored', service({ foo: undefined }));

// 9. Collaborators: wrong classes, other engines, other apps, other regions.
bad('service', 'cluster: null', service({ cluster: null }), ['cluster']);
bad('service', 'cluster: a PlatformNetwork', service((fx) => ({ cluster: fx.network })), ['cluster'], ['not a PlatformNetwork']);
bad('service', 'cluster: a PlatformLoadBalancer', service((fx) => ({ cluster: fx.lb })), ['cluster']);
bad('service', "cluster: 'my-cluster' (a name)", service({ cluster: 'my-cluster' }), ['cluster'], ['cluster: got "my-cluster"']);
bad('service', 'cluster: a plain object imitating one', service((fx) => ({ cluster: { network: fx.network, clusterName: 'x' } })), ['cluster']);
bad('service', 'cluster: of the other engine', service((fx) => ({ cluster: fx.alien.cluster })), ['cluster'], ['one app uses one engine']);
bad('service', 'cluster: of another app', service((fx) => ({ cluster: fx.foreign.cluster })), ['cluster'], ['another app']);
bad('service', 'cluster: in another region (us-east-1)', service((fx) => ({ cluster: fx.otherRegion.cluster })), ['cluster'], ['us-east-1']);
bad('service', 'loadBalancer: a PlatformCluster', routed((fx) => ({ loadBalancer: fx.cluster })), ['loadBalancer'], ['not a PlatformCluster']);
bad('service', 'loadBalancer: a PlatformNetwork', routed((fx) => ({ loadBalancer: fx.network })), ['loadBalancer']);
bad('service', "loadBalancer: 'arn:...' (an ARN)", routed({ loadBalancer: 'arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/app/x/1' }), ['loadBalancer']);
bad('service', 'loadBalancer: null without routing', service({ loadBalancer: null }), ['loadBalancer']);
bad('service', 'loadBalancer: null with routing (reported once)', routed({ loadBalancer: null }), ['loadBalancer']);
bad('service', 'loadBalancer: of the other engine', routed((fx) => ({ loadBalancer: fx.alien.lb })), ['loadBalancer'], ['one app uses one engine']);
bad('service', 'loadBalancer: of another app', routed((fx) => ({ loadBalancer: fx.foreign.lb })), ['loadBalancer'], ['another app']);
bad('service', 'loadBalancer: in another region', routed((fx) => ({ loadBalancer: fx.otherRegion.lb })), ['loadBalancer'], ['us-east-1']);
bad('service', 'loadBalancer: on a different network than the cluster', routed((fx) => ({ loadBalancer: fx.otherLb })), ['loadBalancer'], ["cluster's network"]);
bad('service', 'cluster and loadBalancer both of the other engine', routed((fx) => ({ cluster: fx.alien.cluster, loadBalancer: fx.alien.lb })),
  ['cluster', 'loadBalancer']);
bad('cluster', 'network: null', cluster({ network: null }), ['network']);
bad('cluster', 'network: a PlatformCluster', cluster((fx) => ({ network: fx.cluster })), ['network'], ['not a PlatformCluster']);
bad('cluster', "network: 'vpc-0123' (an ID)", cluster({ network: 'vpc-0123' }), ['network']);
bad('cluster', 'network: of the other engine', cluster((fx) => ({ network: fx.alien.network })), ['network'], ['one app uses one engine']);
bad('cluster', 'network: of another app', cluster((fx) => ({ network: fx.foreign.network })), ['network'], ['another app']);
bad('cluster', 'network: in another region', cluster((fx) => ({ network: fx.otherRegion.network })), ['network'], ['us-east-1']);
bad('loadBalancer', 'network: a PlatformLoadBalancer', loadBalancer((fx) => ({ network: fx.lb })), ['network']);
bad('loadBalancer', 'network: a PlatformCluster', loadBalancer((fx) => ({ network: fx.cluster })), ['network']);
bad('loadBalancer', 'network: {}', loadBalancer({ network: {} }), ['network']);
bad('loadBalancer', 'network: of the other engine', loadBalancer((fx) => ({ network: fx.alien.network })), ['network'], ['one app uses one engine']);
bad('loadBalancer', 'network: of another app', loadBalancer((fx) => ({ network: fx.foreign.network })), ['network'], ['another app']);
bad('loadBalancer', 'network: in another region', loadBalancer((fx) => ({ network: fx.otherRegion.network })), ['network'], ['us-east-1']);

// 10. Network values: CIDRs, AZs, NAT gateways.
ok('network', "cidr '10.0.0.0/24' (the smallest VPC)", network({ cidr: '10.0.0.0/24' }));
ok('network', "cidr '192.168.0.0/16'", network({ cidr: '192.168.0.0/16' }));
ok('network', "maxAzs 4 with cidr '10.0.0.0/24'", lookupNetwork({ maxAzs: 4, cidr: '10.0.0.0/24' }));
ok('network', "maxAzs 6 with cidr '10.0.0.0/16', natGateways 6", lookupNetwork({ maxAzs: 6, cidr: '10.0.0.0/16', natGateways: 6 }));
bad('network', "maxAzs 5 with cidr '10.0.0.0/24' (too small for 5 AZs)", lookupNetwork({ maxAzs: 5, cidr: '10.0.0.0/24' }), ['maxAzs']);
const BAD_VPC_CIDRS: Array<[string, string]> = [
  ['10.0.0.1/16', 'host bits set'],
  ['10.1.2.0/16', 'host bits set'],
  ['224.0.0.0/16', 'multicast'],
  ['239.255.0.0/16', 'multicast'],
  ['127.0.0.0/16', 'loopback'],
  ['240.0.0.0/16', 'reserved'],
  ['255.255.0.0/16', 'reserved'],
  ['169.254.0.0/16', 'link-local'],
  ['0.0.0.0/16', '"this network"'],
  ['10.0.0.0/8', 'prefix too short'],
  ['10.0.0.0/15', 'prefix too short'],
  ['10.0.0.0/25', 'prefix too long'],
  ['10.0.0.0/33', 'prefix out of range'],
  ['256.0.0.0/16', 'octet out of range'],
  ['10.0.0.0', 'no prefix'],
  ['10.0.0/16', 'three octets'],
  ['', 'empty'],
  [' 10.0.0.0/16', 'leading space'],
  ['10.0.0.0/16\n', 'trailing newline'],
  ['010.0.0.0/16', 'leading zero (octal to some parsers; Terraform refuses it)'],
];
for (const [cidr, why] of BAD_VPC_CIDRS) bad('network', `cidr ${JSON.stringify(cidr)} (${why})`, network({ cidr }), ['cidr'], [`cidr: got ${JSON.stringify(cidr)}`]);
bad('network', 'availabilityZones from two regions', network({ availabilityZones: ['eu-west-1a', 'us-east-1b'] }), ['availabilityZones[1]'], ['eu-west-1']);
bad('network', 'availabilityZones all in another region', network({ availabilityZones: ['us-east-1a', 'us-east-1b'] }), ['availabilityZones[0]', 'availabilityZones[1]']);
bad('network', "availabilityZones as zone IDs ('euw1-az1')", network({ availabilityZones: ['euw1-az1', 'euw1-az2'] }), ['availabilityZones[0]', 'availabilityZones[1]'],
  ['zone ID']);
bad('network', 'availabilityZones with a duplicate', network({ availabilityZones: ['eu-west-1a', 'eu-west-1a'] }), ['availabilityZones']);
bad('network', 'availabilityZones fewer than maxAzs', network({ maxAzs: 3 }), ['availabilityZones']);
bad('network', 'availabilityZones: []', network({ availabilityZones: [] }), ['availabilityZones']);
bad('network', "availabilityZones: ['eu-west-1'] (a region, not a zone)", network({ availabilityZones: ['eu-west-1', 'eu-west-1b'] }), ['availabilityZones[0]']);
ok('network', 'availabilityZones: three, maxAzs 2 (the first two are used)', network({ availabilityZones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'] }));
bad('network', 'natGateways 3 with maxAzs 2', network({ natGateways: 3 }), ['natGateways']);
bad('network', 'natGateways 7 with maxAzs 1 (both wrong)', lookupNetwork({ maxAzs: 1, natGateways: 7 }), ['maxAzs', 'natGateways']);
bad('network', "flowLogs.kmsKeyArn 'alias/flow-logs' (an alias)", network({ flowLogs: { kmsKeyArn: 'alias/flow-logs' } }), ['flowLogs.kmsKeyArn']);
ok('network', 'flowLogs.kmsKeyArn a key ARN', network({ flowLogs: { kmsKeyArn: KMS_ARN } }));

// 11. Load-balancer values: CIDRs clients connect from, certificates, domains.
const BAD_SOURCE_CIDRS: Array<[string, string]> = [
  ['203.0.113.1/24', 'host bits set'],
  ['224.0.0.0/4', 'multicast'],
  ['239.1.1.1/32', 'multicast'],
  ['127.0.0.1/32', 'loopback'],
  ['240.0.0.0/4', 'reserved'],
  ['255.255.255.255/32', 'reserved (broadcast)'],
  ['169.254.169.254/32', 'link-local'],
  ['0.0.0.0/8', '"this network"'],
  ['1.2.3.4', 'no prefix'],
  ['1.2.3.4/40', 'prefix out of range'],
  ['::/0', 'IPv6'],
  ['203.0.113.0/24 ', 'trailing space'],
  ['010.1.2.0/24', 'leading zero'],
];
for (const [cidr, why] of BAD_SOURCE_CIDRS) {
  bad('loadBalancer', `allowedCidrs[1] ${JSON.stringify(cidr)} (${why})`, loadBalancer({ allowedCidrs: ['0.0.0.0/0', cidr] }), ['allowedCidrs[1]'],
    [`allowedCidrs[1]: got ${JSON.stringify(cidr)}`]);
}
bad('service', "loadBalancerOptions.allowedCidrs[0] '203.0.113.1/24' (host bits)", service({ loadBalancerOptions: { allowedCidrs: ['203.0.113.1/24'] } }),
  ['loadBalancerOptions.allowedCidrs[0]']);
bad('service', "loadBalancerOptions.allowedCidrs[0] '224.0.0.0/4' (multicast)", service({ loadBalancerOptions: { allowedCidrs: ['224.0.0.0/4'] } }),
  ['loadBalancerOptions.allowedCidrs[0]'], ['multicast']);
bad('loadBalancer', 'allowedCidrs with a duplicate', loadBalancer({ allowedCidrs: ['203.0.113.0/24', '198.51.100.0/24', '203.0.113.0/24'] }), ['allowedCidrs[2]']);
bad('loadBalancer', 'allowedCidrs: []', loadBalancer({ allowedCidrs: [] }), ['allowedCidrs']);
ok('loadBalancer', 'allowedCidrs: 60 on plain HTTP (1 listener port)', loadBalancer({ allowedCidrs: cidrs(60) }));
bad('loadBalancer', 'allowedCidrs: 61 on plain HTTP', loadBalancer({ allowedCidrs: cidrs(61) }), ['allowedCidrs']);
ok('loadBalancer', 'allowedCidrs: 30 with a certificate (2 listener ports)', loadBalancer({ allowedCidrs: cidrs(30), certificateArn: CERT }));
bad('loadBalancer', 'allowedCidrs: 31 with a certificate', loadBalancer({ allowedCidrs: cidrs(31), certificateArn: CERT }), ['allowedCidrs']);
bad('loadBalancer', 'allowedCidrs: 31 with a domain', loadBalancer({ allowedCidrs: cidrs(31), domain: DOMAIN }), ['allowedCidrs']);
bad('loadBalancer', 'allowedCidrs: 31 with a certificate, one repeated', loadBalancer({ allowedCidrs: [...cidrs(30), '198.51.100.0/32'], certificateArn: CERT }),
  ['allowedCidrs', 'allowedCidrs[30]']);
ok('service', 'loadBalancerOptions.allowedCidrs: 30 with a certificate', service({ loadBalancerOptions: { allowedCidrs: cidrs(30), certificateArn: CERT } }));
bad('service', 'loadBalancerOptions.allowedCidrs: 31 with a certificate', service({ loadBalancerOptions: { allowedCidrs: cidrs(31), certificateArn: CERT } }),
  ['loadBalancerOptions.allowedCidrs']);
ok('loadBalancer', "allowedCidrs ['0.0.0.0/1', '128.0.0.0/1'] (halves of the internet contain reserved ranges but are not inside one)", loadBalancer({ allowedCidrs: ['0.0.0.0/1', '128.0.0.0/1'] }));
ok('loadBalancer', 'internal with allowedCidrs of the VPC', loadBalancer({ internal: true, allowedCidrs: ['10.0.0.0/16'] }));
ok('loadBalancer', 'certificateArn', loadBalancer({ certificateArn: CERT }));
bad('loadBalancer', "certificateArn 'my-cert' (not an ARN)", loadBalancer({ certificateArn: 'my-cert' }), ['certificateArn']);
bad('loadBalancer', 'certificateArn of IAM (not ACM)', loadBalancer({ certificateArn: 'arn:aws:iam::111122223333:server-certificate/x' }), ['certificateArn']);
bad('loadBalancer', 'certificateArn and domain together', loadBalancer({ certificateArn: CERT, domain: DOMAIN }), ['certificateArn']);
ok('loadBalancer', 'domain app.example.com', loadBalancer({ domain: DOMAIN }));
ok('loadBalancer', 'domain *.example.com (wildcard)', loadBalancer({ domain: { domainName: '*.example.com', hostedZoneId: ZONE } }));
// ACM: a certificate's first domain name (its common name) is at most 64 characters; DNS allows 253.
ok('loadBalancer', 'domain of 64 characters (the most ACM takes as a certificate\'s first name)', loadBalancer({ domain: { domainName: domainOfLength(64), hostedZoneId: ZONE } }));
for (const length of [65, 253, 254]) {
  bad('loadBalancer', `domain of ${length} characters`, loadBalancer({ domain: { domainName: domainOfLength(length), hostedZoneId: ZONE } }), ['domain.domainName']);
}
bad('loadBalancer', 'domain with a 64-character label', loadBalancer({ domain: { domainName: `${'a'.repeat(64)}.example.com`, hostedZoneId: ZONE } }),
  ['domain.domainName']);
bad('loadBalancer', "domain 'localhost' (no dot)", loadBalancer({ domain: { domainName: 'localhost', hostedZoneId: ZONE } }), ['domain.domainName']);
bad('loadBalancer', "domain 'app example.com' (a space)", loadBalancer({ domain: { domainName: 'app example.com', hostedZoneId: ZONE } }), ['domain.domainName']);
bad('loadBalancer', "domain.hostedZoneId 'example.com' (a name, not an ID)", loadBalancer({ domain: { domainName: 'app.example.com', hostedZoneId: 'example.com' } }),
  ['domain.hostedZoneId']);

// 12. Service values: sizes, health checks, routing, images, secrets, environment.
ok('service', 'cpu 16384 with memoryMiB 122880 (the largest task)', service({ cpu: 16384, memoryMiB: 122880 }));
ok('service', 'cpu 16384 with memoryMiB 32768', service({ cpu: 16384, memoryMiB: 32768 }));
ok('service', 'cpu 256 with memoryMiB 2048', service({ cpu: 256, memoryMiB: 2048 }));
ok('service', 'cpu 8192 with memoryMiB 61440', service({ cpu: 8192, memoryMiB: 61440 }));
bad('service', 'cpu 128 (below the smallest)', service({ cpu: 128 }), ['cpu']);
bad('service', 'cpu 32768 (above the largest)', service({ cpu: 32768, memoryMiB: 65536 }), ['cpu']);
bad('service', 'cpu 300 with a valid memory size', service({ cpu: 300, memoryMiB: 1024 }), ['cpu']);
bad('service', 'cpu 256 with memoryMiB 3072 (a size of cpu 512)', service({ cpu: 256, memoryMiB: 3072 }), ['memoryMiB']);
bad('service', 'cpu 16384 with memoryMiB 131072', service({ cpu: 16384, memoryMiB: 131072 }), ['memoryMiB']);
bad('service', 'cpu 8192 with memoryMiB 17408 (not in steps of 4096)', service({ cpu: 8192, memoryMiB: 17408 }), ['memoryMiB']);
bad('service', 'cpu 300 and memoryMiB 100 (both wrong: both reported)', service({ cpu: 300, memoryMiB: 100 }), ['cpu', 'memoryMiB']);
bad('service', 'cpu 100 and memoryMiB 999999 (both wrong)', service({ cpu: 100, memoryMiB: 999999 }), ['cpu', 'memoryMiB']);
bad('service', 'cpuArchitecture ARM64 with spot true', service({ cpuArchitecture: 'ARM64', spot: true }), ['spot'], ['ARM64']);
ok('service', 'cpuArchitecture ARM64 with spot false', service({ cpuArchitecture: 'ARM64', spot: false }));
ok('service', 'cpuArchitecture ARM64 in development (the spot default yields)', service({ cpuArchitecture: 'ARM64' }));
ok('service', 'cpuArchitecture X86_64 with spot true', service({ cpuArchitecture: 'X86_64', spot: true }));
ok('service', 'healthCheck intervalSeconds 300 with timeoutSeconds 120', routed({ healthCheck: { intervalSeconds: 300, timeoutSeconds: 120 } }));
bad('service', 'healthCheck timeoutSeconds equal to intervalSeconds', routed({ healthCheck: { intervalSeconds: 10, timeoutSeconds: 10 } }), ['healthCheck.timeoutSeconds']);
bad('service', 'healthCheck timeoutSeconds above intervalSeconds', routed({ healthCheck: { intervalSeconds: 10, timeoutSeconds: 20 } }), ['healthCheck.timeoutSeconds']);
ok('service', 'healthCheck command with timeoutSeconds 60', routed({ healthCheck: { command: ['CMD-SHELL', 'curl -f http://localhost:8080/ || exit 1'], intervalSeconds: 120, timeoutSeconds: 60 } }));
bad('service', 'healthCheck command with timeoutSeconds 61', routed({ healthCheck: { command: ['CMD-SHELL', 'true'], intervalSeconds: 120, timeoutSeconds: 61 } }),
  ['healthCheck.timeoutSeconds']);
for (const codes of ['200-499', '200', '200,204', '200-299,301', '499']) {
  ok('service', `healthCheck.healthyHttpCodes '${codes}'`, routed({ healthCheck: { healthyHttpCodes: codes } }));
}
for (const codes of ['199', '500', '200-500', '100-299', '299-200', '200,', '200 - 299', '2xx', '', '200,600']) {
  bad('service', `healthCheck.healthyHttpCodes '${codes}'`, routed({ healthCheck: { healthyHttpCodes: codes } }), ['healthCheck.healthyHttpCodes'],
    [`healthCheck.healthyHttpCodes: got ${JSON.stringify(codes)}`]);
}
ok('service', 'healthCheck.path of 1024 characters', routed({ healthCheck: { path: `/${'a'.repeat(1023)}` } }));
bad('service', 'healthCheck.path of 1025 characters', routed({ healthCheck: { path: `/${'a'.repeat(1024)}` } }), ['healthCheck.path']);
bad('service', "healthCheck.path 'health' (no leading /)", routed({ healthCheck: { path: 'health' } }), ['healthCheck.path']);
bad('service', "healthCheck.path '/my health' (a space)", routed({ healthCheck: { path: '/my health' } }), ['healthCheck.path']);
ok('service', 'routing.pathPatterns of 128 characters', routed({ routing: { pathPatterns: [`/${'p'.repeat(127)}`] } }));
bad('service', 'routing.pathPatterns[0] of 129 characters', routed({ routing: { pathPatterns: [`/${'p'.repeat(128)}`] } }), ['routing.pathPatterns[0]']);
bad('service', "routing.pathPatterns[1] 'api/*' (no leading /)", routed({ routing: { pathPatterns: ['/ok', 'api/*'] } }), ['routing.pathPatterns[1]']);
bad('service', "routing.pathPatterns[0] '/a b' (a space)", routed({ routing: { pathPatterns: ['/a b'] } }), ['routing.pathPatterns[0]']);
bad('service', 'routing.pathPatterns: 4 (the ALB takes 3 per condition)', routed({ routing: { pathPatterns: ['/a', '/b', '/c', '/d'] } }), ['routing.pathPatterns']);
bad('service', 'routing: 3 paths and 3 hosts (the ALB takes 5 per rule)',
  routed({ routing: { pathPatterns: ['/a', '/b', '/c'], hostHeaders: ['a.example.com', 'b.example.com', 'c.example.com'] } }), ['routing']);
bad('service', 'routing: 6 wildcards', routed({ routing: { pathPatterns: ['/a/*/*', '/b/**', '/c/*?'] } }), ['routing']);
bad('service', 'routing: a priority but no conditions', routed({ routing: { pathPatterns: [] } }), ['routing']);
ok('service', 'routing: host headers only', routed({ routing: { pathPatterns: undefined, hostHeaders: ['api.example.com', '*.example.org'] } }));
bad('service', "routing.hostHeaders[0] 'api_example' (no dot)", routed({ routing: { hostHeaders: ['api_example'] } }), ['routing.hostHeaders[0]']);
bad('service', "routing.hostHeaders[0] 'api.example.com:443' (a port)", routed({ routing: { hostHeaders: ['api.example.com:443'] } }), ['routing.hostHeaders[0]']);
bad('service', 'routing.priority already used on the listener', routed({ routing: { priority: 10 } }), ['routing.priority'], ['routing.priority: got 10']);
bad('service', 'routing without a shared load balancer', service({ routing: { pathPatterns: ['/x'], priority: 40 } }), ['routing']);
bad('service', 'a shared load balancer without routing', service((fx) => ({ loadBalancer: fx.lb })), ['routing']);
bad('service', 'loadBalancerOptions with a shared loadBalancer', routed({ loadBalancerOptions: { internal: true } }), ['loadBalancerOptions']);
bad('service', 'loadBalancerOptions {} with a shared loadBalancer', routed({ loadBalancerOptions: {} }), ['loadBalancerOptions']);
ok('service', 'autoScaling { minCapacity: 600 } (the derived maxCapacity is not reported)', service({ autoScaling: { minCapacity: 600 } }));
ok('service', 'autoScaling {} (all defaults)', service({ autoScaling: {} }));
ok('service', 'desiredCount 0 with autoScaling {}', service({ desiredCount: 0, autoScaling: {} }));
ok('service', 'desiredCount 1000 with autoScaling {}', service({ desiredCount: 1000, autoScaling: {} }));
bad('service', 'autoScaling maxCapacity below minCapacity', routed({ autoScaling: { minCapacity: 5, maxCapacity: 4 } }), ['autoScaling.maxCapacity']);
bad('service', 'autoScaling maxCapacity 1 below the desiredCount default 2', routed({ autoScaling: { maxCapacity: 1 } }), ['autoScaling.maxCapacity']);
ok('service', 'image of 255 characters', service({ image: `public.ecr.aws/${'a'.repeat(236)}:1.0` }));
bad('service', 'image of 256 characters', service({ image: `public.ecr.aws/${'a'.repeat(237)}:1.0` }), ['image']);
ok('service', 'image by digest', service({ image: `public.ecr.aws/docker/library/nginx@${DIGEST}` }));
ok('service', 'image from a registry with a port', service({ image: 'registry.example.com:5000/team/web:2' }));
for (const [image, why] of [
  ['nginx :1.27', 'a space'], [' nginx:1.27', 'a leading space'], ['nginx:1.27\n', 'a newline'], ['nginx\t1.27', 'a tab'], ['nginx!latest', 'a "!"'],
  ['nginx;rm -rf /', 'a ";"'], ['-nginx', 'a leading "-"'], ['', 'empty'], ['nginx:1.27 ', 'a trailing space'], ['nginx:$(TAG)', '"$(" and ")"'],
]) {
  bad('service', `image ${JSON.stringify(image)} (${why})`, service({ image }), ['image'], [`image: got ${JSON.stringify(image)}`]);
}
ok('service', 'secrets: Secrets Manager with jsonKey and KMS key, SSM parameter', service({
  secrets: { DB_PASSWORD: { secretsManagerArn: SECRET_ARN, jsonKey: 'password', kmsKeyArn: KMS_ARN }, FLAGS: { ssmParameterArn: PARAM_ARN }, _X: { secretsManagerArn: PARTIAL_SECRET_ARN } },
}));
for (const name of ['1X', 'MY-VAR', 'my var', '']) {
  bad('service', `secrets name ${JSON.stringify(name)} (not a variable name)`, service({ secrets: { [name]: { secretsManagerArn: SECRET_ARN } } }), [`secrets.${name}`],
    [JSON.stringify(name)]);
}
bad('service', "secrets.DB.jsonKey 'a:b' (contains ':')", service({ secrets: { DB: { secretsManagerArn: SECRET_ARN, jsonKey: 'a:b' } } }), ['secrets.DB.jsonKey'],
  ['secrets.DB.jsonKey: got "a:b"']);
bad('service', "secrets.DB.jsonKey ''", service({ secrets: { DB: { secretsManagerArn: SECRET_ARN, jsonKey: '' } } }), ['secrets.DB.jsonKey']);
bad('service', 'secrets.P.jsonKey with an SSM parameter', service({ secrets: { P: { ssmParameterArn: PARAM_ARN, jsonKey: 'x' } } }), ['secrets.P.jsonKey']);
bad('service', 'secrets.DB with both ARNs', service({ secrets: { DB: { secretsManagerArn: SECRET_ARN, ssmParameterArn: PARAM_ARN } } }), ['secrets.DB']);
bad('service', 'secrets.DB with neither ARN', service({ secrets: { DB: {} } }), ['secrets.DB']);
bad('service', 'secrets.DB.secretsManagerArn of S3', service({ secrets: { DB: { secretsManagerArn: 'arn:aws:s3:::bucket' } } }), ['secrets.DB.secretsManagerArn']);
bad('service', 'secrets.P.ssmParameterArn without a name', service({ secrets: { P: { ssmParameterArn: 'arn:aws:ssm:eu-west-1:111122223333:parameter' } } }),
  ['secrets.P.ssmParameterArn']);
bad('service', "secrets.DB.kmsKeyArn 'alias/aws/secretsmanager'", service({ secrets: { DB: { secretsManagerArn: SECRET_ARN, kmsKeyArn: 'alias/aws/secretsmanager' } } }),
  ['secrets.DB.kmsKeyArn']);
bad('service', 'environment.DB also a secret', service({ environment: { DB: 'x' }, secrets: { DB: { secretsManagerArn: SECRET_ARN } } }), ['environment.DB']);
for (const name of ['1X', 'MY-VAR', 'a.b', '']) {
  bad('service', `environment name ${JSON.stringify(name)} (not a variable name)`, service({ environment: { [name]: 'v' } }), [`environment.${name}`]);
}
ok('service', 'environment: 60,000 characters (within 64 KiB)', service({ environment: { BIG: 'x'.repeat(60000) } }));
bad('service', 'environment: 70,000 characters (a task definition over 64 KiB)', service({ environment: { BIG: 'x'.repeat(70000) } }), ['environment'], ['64 KiB']);
bad('service', 'environment: 700 variables of 100 characters (over 64 KiB)',
  service({ environment: Object.fromEntries(Array.from({ length: 700 }, (_, i) => [`VAR_${i}`, 'v'.repeat(100)])) }), ['environment']);
bad('service', 'command: 70,000 characters (over 64 KiB, reported on command)', service({ command: ['sh', '-c', 'x'.repeat(70000)] }), ['command'], ['64 KiB']);
ok('service', 'command and entryPoint', service({ command: ['nginx', '-g', 'daemon off;'], entryPoint: ['/docker-entrypoint.sh'] }));
bad('service', 'alarms.errorLogPattern of 1025 characters', routed({ alarms: { errorLogPattern: 'E'.repeat(1025) } }), ['alarms.errorLogPattern']);
ok('service', 'alarms.errorLogPattern of 1024 characters', routed({ alarms: { errorLogPattern: `"${'E'.repeat(1022)}"` } }));

// 13. The image route: a cluster on a network without NAT gateways.
bad('service', 'cluster on a network with natGateways 0 (no route to pull the image)', service((fx) => ({ cluster: fx.natlessCluster })), ['cluster'], ['natGateways']);
bad('service', 'natGateways 0, ECR image, no endpoints', service((fx) => ({ cluster: fx.natlessCluster, image: ECR_IMAGE })), ['cluster']);
ok('service', 'natGateways 0 with ECR and logs endpoints, an ECR image', service((fx) => ({ cluster: fx.endpointCluster, image: ECR_IMAGE })));
bad('service', 'natGateways 0 with endpoints, a public image', service((fx) => ({ cluster: fx.endpointCluster })), ['image'], ['ECR']);
bad('service', 'natGateways 0 with endpoints, a secret but no secretsmanager endpoint',
  service((fx) => ({ cluster: fx.endpointCluster, image: ECR_IMAGE, secrets: { DB: { secretsManagerArn: SECRET_ARN } } })), ['cluster'], ['secretsmanager']);

// 14. Several problems at once: every one is listed.
bad('service', 'five wrong props at once', service({ spot: 'false', cpu: 100, desiredCount: -1, healthCheck: { path: 'health' }, environment: { PORT: 80 } }),
  ['spot', 'cpu', 'desiredCount', 'healthCheck.path', 'environment.PORT']);
bad('service', 'health check: timeout, codes and path wrong', routed({ healthCheck: { intervalSeconds: 10, timeoutSeconds: 10, healthyHttpCodes: '299-200', path: `/${'h'.repeat(1024)}` } }),
  ['healthCheck.timeoutSeconds', 'healthCheck.healthyHttpCodes', 'healthCheck.path']);
bad('service', 'routing: bad path, bad host, taken priority and loadBalancerOptions',
  routed({ routing: { pathPatterns: ['api', '/ok'], hostHeaders: ['bad host'], priority: 10 }, loadBalancerOptions: {} }),
  ['routing.pathPatterns[0]', 'routing.hostHeaders[0]', 'routing.priority', 'loadBalancerOptions']);
bad('service', 'foreign cluster, alien load balancer and a typo', routed((fx) => ({ cluster: fx.foreign.cluster, loadBalancer: fx.alien.lb, desiredcount: 2 })),
  ['cluster', 'loadBalancer', 'desiredcount']);
bad('service', 'three bad secrets', service({
  secrets: { '1X': { secretsManagerArn: SECRET_ARN }, 'BOTH': { secretsManagerArn: SECRET_ARN, ssmParameterArn: PARAM_ARN }, 'J': { secretsManagerArn: SECRET_ARN, jsonKey: 'a:b' } },
}), ['secrets.1X', 'secrets.BOTH', 'secrets.J.jsonKey']);
bad('service', 'autoScaling: four values out of range', routed({ autoScaling: { minCapacity: 0, maxCapacity: 1001, cpuTargetPercent: 95, memoryTargetPercent: 5 } }),
  ['autoScaling.minCapacity', 'autoScaling.maxCapacity', 'autoScaling.cpuTargetPercent', 'autoScaling.memoryTargetPercent']);
bad('service', 'alarms: every value wrong', routed({
  alarms: {
    cpuPercent: 0, memoryPercent: 101, http5xxCount: -1, unhealthyHosts: 1001, errorLogCount: 1.5, errorLogPattern: 7, evaluationPeriods: 11,
  },
}), ['alarms.cpuPercent', 'alarms.memoryPercent', 'alarms.http5xxCount', 'alarms.unhealthyHosts', 'alarms.errorLogCount', 'alarms.errorLogPattern', 'alarms.evaluationPeriods']);
bad('service', 'cpu and memory wrong, ARM64 on spot', service({ cpu: 3000, memoryMiB: 3000, cpuArchitecture: 'ARM64', spot: true }), ['cpu', 'memoryMiB', 'spot']);
bad('service', 'loadBalancerOptions: bad certificate, 31 CIDRs, idle timeout 4001',
  service({ loadBalancerOptions: { certificateArn: 'x', allowedCidrs: cidrs(31), idleTimeoutSeconds: 4001 } }),
  ['loadBalancerOptions.certificateArn', 'loadBalancerOptions.allowedCidrs', 'loadBalancerOptions.idleTimeoutSeconds']);
bad('network', 'six wrong props at once', lookupNetwork({ cidr: '10.0.0.1/16', maxAzs: 7, natGateways: -1, flowLogs: { retentionDays: 2, trafficType: 'SOME' }, profile: 'prod' }),
  ['cidr', 'maxAzs', 'natGateways', 'flowLogs.retentionDays', 'flowLogs.trafficType', 'profile']);
bad('cluster', 'alien network, wrong types and a typo', (fx) => ({ network: fx.alien.network, containerInsights: 'yes', execLogRetentionDays: 2, profil: 'PRODUCTION' }),
  ['network', 'containerInsights', 'execLogRetentionDays', 'profil'], ['did you mean profile?']);
bad('loadBalancer', 'certificate and domain, idle 0, host-bit CIDR, internal as a string',
  loadBalancer({ certificateArn: CERT, domain: DOMAIN, idleTimeoutSeconds: 0, allowedCidrs: ['1.2.3.4/8'], internal: 'yes' }),
  ['certificateArn', 'idleTimeoutSeconds', 'allowedCidrs[0]', 'internal']);

// 15. Props only one engine has: checked in their engine, reported as unknown props in the other.
only('cdk', 'alarmTopic: an sns.ITopic', service((fx) => ({ alarmTopic: fx.cdk.topic })), 'ok', ['alarmTopic']);
only('cdk', "alarmTopic: 'arn:...' (an ARN, not a topic)", service({ alarmTopic: TOPIC_ARN }), ['alarmTopic'], ['alarmTopic'], ['sns.Topic.fromTopicArn']);
only('cdk', 'alarmTopic: null', service({ alarmTopic: null }), ['alarmTopic'], ['alarmTopic']);
only('cdk', 'containerImage instead of image', service((fx) => ({ image: undefined, containerImage: fx.cdk.containerImage })), 'ok', ['containerImage', 'image']);
only('cdk', 'containerImage and image together', service((fx) => ({ containerImage: fx.cdk.containerImage })), ['containerImage'], ['containerImage']);
only('cdk', "containerImage: 'nginx' (a string, reported once)", service({ image: undefined, containerImage: 'nginx' }), ['containerImage'], ['containerImage', 'image']);
only('cdk', 'secretsFrom: a secret with jsonKey and a parameter', service((fx) => ({
  secretsFrom: { DB: { secret: fx.cdk.secret, jsonKey: 'password' }, NAMED: { secret: fx.cdk.secretByName }, FLAGS: { parameter: fx.cdk.parameter } },
})), 'ok', ['secretsFrom']);
only('cdk', 'secretsFrom.DB with neither secret nor parameter', service({ secretsFrom: { DB: {} } }), ['secretsFrom.DB'], ['secretsFrom']);
only('cdk', 'secretsFrom.DB with both', service((fx) => ({ secretsFrom: { DB: { secret: fx.cdk.secret, parameter: fx.cdk.parameter } } })), ['secretsFrom.DB'], ['secretsFrom']);
only('cdk', 'secretsFrom.FLAGS parameter with jsonKey', service((fx) => ({ secretsFrom: { FLAGS: { parameter: fx.cdk.parameter, jsonKey: 'x' } } })),
  ['secretsFrom.FLAGS.jsonKey'], ['secretsFrom']);
only('cdk', "secretsFrom name 'MY-VAR' (reported on secretsFrom)", service((fx) => ({ secretsFrom: { 'MY-VAR': { secret: fx.cdk.secret } } })),
  ['secretsFrom.MY-VAR'], ['secretsFrom']);
only('cdk', "secretsFrom.DB: 'arn:...' (a string)", service({ secretsFrom: { DB: SECRET_ARN } }), ['secretsFrom.DB'], ['secretsFrom']);
only('cdk', "secretsFrom.DB.secret: 'arn:...' (an ARN, not a secret)", service({ secretsFrom: { DB: { secret: SECRET_ARN } } }), ['secretsFrom.DB.secret'], ['secretsFrom']);
only('cdk', 'secretsFrom and secrets with one name', service((fx) => ({ secretsFrom: { DB: { secret: fx.cdk.secret } }, secrets: { DB: { secretsManagerArn: SECRET_ARN } } })),
  ['secrets.DB'], ['secretsFrom']);
only('cdk', 'secretsFrom: [] (a list for a map)', service({ secretsFrom: [] }), ['secretsFrom'], ['secretsFrom']);
only('cdktf', 'alarmTopicArn', service({ alarmTopicArn: TOPIC_ARN }), 'ok', ['alarmTopicArn'], []);
only('cdktf', "alarmTopicArn 'alerts' (not an ARN)", service({ alarmTopicArn: 'alerts' }), ['alarmTopicArn'], ['alarmTopicArn']);
only('cdktf', 'alarmTopicArn of a FIFO topic', service({ alarmTopicArn: `${TOPIC_ARN}.fifo` }), ['alarmTopicArn'], ['alarmTopicArn']);
only('cdktf', 'alarmTopicArn: 5', service({ alarmTopicArn: 5 }), ['alarmTopicArn'], ['alarmTopicArn']);
only('cdktf', 'alarmTopicArn: a CDK topic object', service((fx) => ({ alarmTopicArn: fx.cdk.topic })), ['alarmTopicArn'], ['alarmTopicArn']);
only('cdktf', 'waitForSteadyState false', service({ waitForSteadyState: false }), 'ok', ['waitForSteadyState']);
only('cdktf', 'waitForSteadyState true', service({ waitForSteadyState: true }), 'ok', ['waitForSteadyState']);
only('cdktf', "waitForSteadyState: 'false'", service({ waitForSteadyState: 'false' }), ['waitForSteadyState'], ['waitForSteadyState'], ['waitForSteadyState: got "false"']);
only('cdktf', 'waitForSteadyState: null', service({ waitForSteadyState: null }), ['waitForSteadyState'], ['waitForSteadyState']);
only('cdktf', 'waitForSteadyState: 0', service({ waitForSteadyState: 0 }), ['waitForSteadyState'], ['waitForSteadyState']);

// 16. The data tier: ManagedDatabase and ManagedTable.
bad('database', 'props undefined (network is required)', () => undefined, ['network']);
bad('database', 'network: a cluster', database((fx) => ({ network: fx.cluster })), ['network']);
bad('database', 'network of the other engine', database((fx) => ({ network: fx.alien.network })), ['network']);
bad('database', 'network of another app', database((fx) => ({ network: fx.foreign.network })), ['network']);
ok('database', 'defaults (PostgreSQL 17, db.t4g.micro)', database());
ok('database', 'MySQL 8.4.8 on db.t4g.medium (Performance Insights on)', database({ engine: 'mysql', engineVersion: '8.4.8', instanceClass: 'db.t4g.medium' }));
ok('database', 'MariaDB 11.8, PRODUCTION, storage 65536 GiB', database({ engine: 'mariadb', engineVersion: '11.8', profile: 'PRODUCTION', allocatedStorageGiB: 65536, maxAllocatedStorageGiB: 65536 }));
ok('database', 'boundaries: port 1150, 35 days of backups, monitoring every second', database({ port: 1150, backupRetentionDays: 35, monitoringIntervalSeconds: 1 }));
bad('database', "engine 'postgresql' (not a member)", database({ engine: 'postgresql' }), ['engine']);
bad('database', 'engine MYSQL with a PostgreSQL version', database({ engine: 'mysql', engineVersion: '17.9' }), ['engineVersion'], ['is engine meant to be DatabaseEngine.POSTGRES?']);
bad('database', 'engineVersion: 17 (a number)', database({ engineVersion: 17 }), ['engineVersion']);
bad('database', "engineVersion 'latest'", database({ engineVersion: 'latest' }), ['engineVersion']);
bad('database', "instanceClass 'db.m7g.micro' (not offered in the family)", database({ instanceClass: 'db.m7g.micro' }), ['instanceClass'], ['m7g family']);
bad('database', "instanceClass 't4g.micro' (no db. prefix)", database({ instanceClass: 't4g.micro' }), ['instanceClass']);
bad('database', 'allocatedStorageGiB 19', database({ allocatedStorageGiB: 19 }), ['allocatedStorageGiB']);
bad('database', 'allocatedStorageGiB 65537', database({ allocatedStorageGiB: 65537 }), ['allocatedStorageGiB']);
bad('database', 'maxAllocatedStorageGiB below allocatedStorageGiB', database({ allocatedStorageGiB: 200, maxAllocatedStorageGiB: 100 }), ['maxAllocatedStorageGiB']);
ok('database', 'allocatedStorageGiB 500 (the ceiling follows it)', database({ allocatedStorageGiB: 500 }));
bad('database', "allocatedStorageGiB: '20' (a string)", database({ allocatedStorageGiB: '20' }), ['allocatedStorageGiB']);
bad('database', "databaseName 'my-app'", database({ databaseName: 'my-app' }), ['databaseName']);
bad('database', "databaseName 'template1' (reserved)", database({ databaseName: 'template1' }), ['databaseName']);
bad('database', "masterUsername 'admin' (reserved)", database({ masterUsername: 'admin' }), ['masterUsername']);
bad('database', "masterUsername 'rdsadmin' (reserved)", database({ masterUsername: 'rdsadmin' }), ['masterUsername']);
bad('database', 'masterUsername of 17 characters on MariaDB', database({ engine: 'mariadb', masterUsername: 'a'.repeat(17) }), ['masterUsername']);
bad('database', 'port 1149', database({ port: 1149 }), ['port']);
bad('database', 'port NaN', database({ port: NaN }), ['port'], ['port: got NaN']);
bad('database', 'backupRetentionDays 36', database({ backupRetentionDays: 36 }), ['backupRetentionDays']);
bad('database', 'monitoringIntervalSeconds 2', database({ monitoringIntervalSeconds: 2 }), ['monitoringIntervalSeconds']);
bad('database', "multiAz: 'true' (a string)", database({ multiAz: 'true' }), ['multiAz']);
bad('database', "maintenanceWindow 'sun:04:30-05:30' (no second day)", database({ maintenanceWindow: 'sun:04:30-05:30' }), ['maintenanceWindow']);
bad('database', "backupWindow '03:00-03:10' (under 30 minutes)", database({ backupWindow: '03:00-03:10' }), ['backupWindow']);
bad('database', "kmsKeyArn 'alias/db'", database({ kmsKeyArn: 'alias/db' }), ['kmsKeyArn']);
bad('database', 'typo instanceType (did you mean instanceClass?)', database({ instanceType: 'db.t4g.micro' }), ['instanceType'], ['did you mean instanceClass?']);
bad('database', 'typo multiAZ (did you mean multiAz?)', database({ multiAZ: true }), ['multiAZ'], ['did you mean multiAz?']);
bad('database', 'several problems at once', database({ engine: 'mariadb', engineVersion: '8.4', masterUsername: 'root', port: 80, storage: 50 }),
  ['engineVersion', 'masterUsername', 'port', 'storage']);
bad('table', 'props undefined (partitionKey is required)', () => undefined, ['partitionKey']);
ok('table', 'a partition key only', dynamoTable());
ok('table', 'keys, a GSI, TTL and a stream', dynamoTable({
  sortKey: { name: 'sk', type: 'N' },
  timeToLiveAttribute: 'expiresAt',
  stream: 'NEW_AND_OLD_IMAGES',
  globalSecondaryIndexes: [{ indexName: 'gsi1', partitionKey: { name: 'g', type: 'S' }, projection: 'INCLUDE', nonKeyAttributes: ['a'] }],
}));
ok('table', 'PROVISIONED with autoscaling', dynamoTable({
  billingMode: 'PROVISIONED', readCapacity: 5, writeCapacity: 5, readAutoScaling: { minCapacity: 5, maxCapacity: 50 }, writeAutoScaling: { minCapacity: 5, maxCapacity: 50 },
}));
bad('table', "partitionKey.type 'STRING' (the member's name, not its value)", dynamoTable({ partitionKey: { name: 'pk', type: 'STRING' } }), ['partitionKey.type']);
bad('table', "partitionKey.type 'BOOL'", dynamoTable({ partitionKey: { name: 'pk', type: 'BOOL' } }), ['partitionKey.type']);
bad('table', "partitionKey: 'pk' (a string for a key)", dynamoTable({ partitionKey: 'pk' }), ['partitionKey']);
bad('table', 'partitionKey name empty', dynamoTable({ partitionKey: { name: '', type: 'S' } }), ['partitionKey.name']);
bad('table', 'TTL on the partition key', dynamoTable({ timeToLiveAttribute: 'pk' }), ['timeToLiveAttribute']);
bad('table', 'readCapacity without PROVISIONED', dynamoTable({ readCapacity: 5 }), ['readCapacity']);
bad('table', 'PROVISIONED without capacities', dynamoTable({ billingMode: 'PROVISIONED' }), ['readCapacity', 'writeCapacity']);
bad('table', '21 GSIs', dynamoTable({ globalSecondaryIndexes: Array.from({ length: 21 }, (_, i) => ({ indexName: `gsi${i}`, partitionKey: { name: `g${i}`, type: 'S' } })) }),
  ['globalSecondaryIndexes']);
bad('table', 'two GSIs with one name', dynamoTable({ globalSecondaryIndexes: [1, 2].map((i) => ({ indexName: 'gsi', partitionKey: { name: `g${i}`, type: 'S' } })) }),
  ['globalSecondaryIndexes[1].indexName']);
bad('table', 'INCLUDE without nonKeyAttributes', dynamoTable({ globalSecondaryIndexes: [{ indexName: 'gsi1', partitionKey: { name: 'g', type: 'S' }, projection: 'INCLUDE' }] }),
  ['globalSecondaryIndexes[0].nonKeyAttributes']);
bad('table', 'one attribute with two types', dynamoTable({ globalSecondaryIndexes: [{ indexName: 'gsi1', partitionKey: { name: 'pk', type: 'N' } }] }),
  ['globalSecondaryIndexes[0].partitionKey.type']);
bad('table', "billingMode 'ON_DEMAND' (not a member)", dynamoTable({ billingMode: 'ON_DEMAND' }), ['billingMode']);
bad('table', 'typo timeToLive (did you mean timeToLiveAttribute?)', dynamoTable({ timeToLive: 'expiresAt' }), ['timeToLive'], ['did you mean timeToLiveAttribute?']);
bad('table', "environmentVariable 'sessions-table'", dynamoTable({ environmentVariable: 'sessions-table' }), ['environmentVariable']);

// 17. FinOpsGuardrails. Most accepted cases create no function (each function adds a Lambda asset to synthesise).
const ROLE_ARN = 'arn:aws:iam::111122223333:role/Developers';
const MONITOR_ARN = 'arn:aws:ce::111122223333:anomalymonitor/12345678-abcd-ef01-2345-6789abcdef01';
const MONTHLY = { name: 'monthly', limitUsd: 100 };
/** `n` distinct addresses. */
const emails = (n: number): string[] => Array.from({ length: n }, (_, i) => `finops${i}@example.com`);
/** One budget `monthly` of 100 USD with `extra` over it. */
const budget = (extra: Props): PropsOf => finops({ budgets: [{ ...MONTHLY, ...extra }] });
/** A Jira target with `extra` over a valid one. */
const jira = (extra: Props): PropsOf => finops({ notify: { jira: { baseUrl: 'https://example.atlassian.net', projectKey: 'OPS', credentialsSecretArn: SECRET_ARN, ...extra } } });

// Not props at all.
bad('finops', 'props null', () => null, ['props'], ['props: got null']);
bad('finops', "props a string ('monthly')", () => 'monthly', ['props']);
bad('finops', 'props an array of budgets', () => [MONTHLY], ['props']);
ok('finops', 'props undefined (all defaults)', () => undefined);
ok('finops', 'props {} (all defaults)', finops());

// Unknown names, with suggestions.
bad('finops', 'typo budget (did you mean budgets?)', finops({ budget: [MONTHLY] }), ['budget'], ['did you mean budgets?']);
bad('finops', 'typo notfy (did you mean notify?)', finops({ notfy: { emails: ['a@example.com'] } }), ['notfy'], ['did you mean notify?']);
bad('finops', 'topic (did you mean alertsTopic?)', finops({ topic: TOPIC_ARN }), ['topic'], ['did you mean alertsTopic?']);
bad('finops', 'budgets[0].limit (did you mean limitUsd?), so limitUsd is missing', finops({ budgets: [{ name: 'monthly', limit: 100 }] }),
  ['budgets[0].limit', 'budgets[0].limitUsd'], ['did you mean limitUsd?']);
bad('finops', 'notify.slack.channel (did you mean channelId?), so channelId is missing',
  finops({ notify: { slack: { workspaceId: 'T0123ABCD', channel: 'C0456EFGH' } } }), ['notify.slack.channel', 'notify.slack.channelId'], ['did you mean channelId?']);
bad('finops', 'idleInstances.lookback (did you mean lookbackDays?)', finops({ idleInstances: { lookback: 7 } }), ['idleInstances.lookback'],
  ['did you mean lookbackDays?']);
bad('finops', "cost-filter key 'service' (did you mean Service?)", budget({ costFilters: { service: ['Amazon Simple Storage Service'] } }),
  ['budgets[0].costFilters.service'], ['did you mean Service?']);
bad('finops', "cost-filter key 'Services' (not a key)", budget({ costFilters: { Services: ['Amazon Simple Storage Service'] } }), ['budgets[0].costFilters.Services']);

// Wrong types at every level.
bad('finops', "profile 'production' (not a member)", finops({ profile: 'production' }), ['profile']);
bad('finops', 'budgets: an object for a list', finops({ budgets: MONTHLY }), ['budgets']);
bad('finops', 'budgets: [null]', finops({ budgets: [null] }), ['budgets[0]']);
bad('finops', "budgets[0].limitUsd: '100' (a string)", budget({ limitUsd: '100' }), ['budgets[0].limitUsd'], ['budgets[0].limitUsd: got "100"']);
bad('finops', 'budgets[0].limitUsd: NaN', budget({ limitUsd: NaN }), ['budgets[0].limitUsd'], ['budgets[0].limitUsd: got NaN']);
bad('finops', 'budgets[0].limitUsd: Infinity', budget({ limitUsd: Infinity }), ['budgets[0].limitUsd']);
bad('finops', 'budgets[0].name: 5, limitUsd: null', finops({ budgets: [{ name: 5, limitUsd: null }] }), ['budgets[0].name', 'budgets[0].limitUsd']);
bad('finops', "budgets[0].period 'MONTH' (not a member)", budget({ period: 'MONTH' }), ['budgets[0].period']);
bad('finops', "budgets[0].thresholds[0].percent: '80'", budget({ thresholds: [{ percent: '80' }] }), ['budgets[0].thresholds[0].percent']);
bad('finops', "budgets[0].thresholds[1].type 'actual' (not a member)", budget({ thresholds: [{ percent: 80 }, { percent: 100, type: 'actual' }] }),
  ['budgets[0].thresholds[1].type']);
bad('finops', "costFilters.Service: 'EC2' (a string for a list)", budget({ costFilters: { Service: 'EC2' } }), ['budgets[0].costFilters.Service']);
bad('finops', 'costFilters: a list for a map', budget({ costFilters: ['Service'] }), ['budgets[0].costFilters']);
bad('finops', "notify: 'finops@example.com' (a string for a struct)", finops({ notify: 'finops@example.com' }), ['notify']);
bad('finops', "notify.emails: 'a@example.com' (a string for a list)", finops({ notify: { emails: 'a@example.com' } }), ['notify.emails']);
// A mistyped value must not drag in a second, derived problem ("a channel needs its workspace").
bad('finops', "notify.slack.workspaceId: 5, channelId: ['C0456EFGH'] (each reported once)",
  finops({ notify: { slack: { workspaceId: 5, channelId: ['C0456EFGH'] } } }), ['notify.slack.workspaceId', 'notify.slack.channelId']);
bad('finops', 'notify.jira: {} (three required props)', finops({ notify: { jira: {} } }),
  ['notify.jira.baseUrl', 'notify.jira.projectKey', 'notify.jira.credentialsSecretArn']);
bad('finops', 'anomalyDetection: true', finops({ anomalyDetection: true }), ['anomalyDetection']);
bad('finops', 'anomalyDetection.minImpactUsd: null', finops({ anomalyDetection: { minImpactUsd: null } }), ['anomalyDetection.minImpactUsd']);
bad('finops', "instanceEvents: 'false', volumeEvents: 0", finops({ instanceEvents: 'false', volumeEvents: 0 }), ['instanceEvents', 'volumeEvents'],
  ['instanceEvents: got "false"']);
bad('finops', 'idleInstances.lookbackDays: 7.5 (not an integer)', finops({ idleInstances: { lookbackDays: 7.5 } }), ['idleInstances.lookbackDays']);
bad('finops', "STOP with lookbackDays '14' (reported once, not also as missing)", finops({ idleInstances: { mode: 'STOP', lookbackDays: '14' } }),
  ['idleInstances.lookbackDays']);
bad('finops', "idleInstances.includeAutoScaling: 'yes'", finops({ idleInstances: { includeAutoScaling: 'yes' } }), ['idleInstances.includeAutoScaling']);
bad('finops', 'DELETE with graceDays -Infinity (reported once)', finops({ unattachedVolumes: { mode: 'DELETE', graceDays: -Infinity } }),
  ['unattachedVolumes.graceDays']);
bad('finops', 'unattachedVolumes.snapshotBeforeDelete: null', finops({ unattachedVolumes: { snapshotBeforeDelete: null } }),
  ['unattachedVolumes.snapshotBeforeDelete']);
bad('finops', 'budgetAction.denyLaunchOnRoleArns: an ARN for a list (reported once)', finops({ budgets: [MONTHLY], budgetAction: { denyLaunchOnRoleArns: ROLE_ARN } }),
  ['budgetAction.denyLaunchOnRoleArns']);
bad('finops', 'budgetAction: {} (denyLaunchOnRoleArns is required)', finops({ budgets: [MONTHLY], budgetAction: {} }), ['budgetAction.denyLaunchOnRoleArns']);
bad('finops', "budgetAction.approval 'auto' (not a member)", finops({ budgets: [MONTHLY], budgetAction: { denyLaunchOnRoleArns: [ROLE_ARN], approval: 'auto' } }),
  ['budgetAction.approval']);
bad('finops', "logRetentionDays: '30'", finops({ logRetentionDays: '30' }), ['logRetentionDays']);
bad('finops', "alertsTopic: 'arn:...' (an ARN, not a topic)", finops({ alertsTopic: TOPIC_ARN }), ['alertsTopic'], [`alertsTopic: got "${TOPIC_ARN}"`]);
bad('finops', 'alertsTopic: a cluster (not its topic)', finops((fx) => ({ alertsTopic: fx.cluster })), ['alertsTopic']);
bad('finops', "alertsTopic: the other engine's cluster topic", finops((fx) => ({ alertsTopic: (fx.alien.cluster as { alertsTopic: unknown }).alertsTopic })),
  ['alertsTopic']);
bad('finops', 'alertsTopic: null', finops({ alertsTopic: null }), ['alertsTopic'], ['alertsTopic: got null']);

// Every value rule.
bad('finops', 'logRetentionDays 2 (not a CloudWatch Logs retention)', finops({ logRetentionDays: 2 }), ['logRetentionDays']);
bad('finops', "budgets[0].name 'my budget' (a space)", budget({ name: 'my budget' }), ['budgets[0].name']);
bad('finops', 'budgets[0].name of 41 characters', budget({ name: 'b'.repeat(41) }), ['budgets[0].name']);
bad('finops', "budget names 'Monthly' and 'monthly' (unique regardless of case)", finops({ budgets: [{ ...MONTHLY, name: 'Monthly' }, MONTHLY] }), ['budgets[1].name']);
bad('finops', "budget names 'team-a' and 'team_a' (one construct ID)", finops({ budgets: [{ ...MONTHLY, name: 'team-a' }, { ...MONTHLY, name: 'team_a' }] }),
  ['budgets'], ['BudgetTeamA twice']);
bad('finops', 'budgets[0].limitUsd 0', budget({ limitUsd: 0 }), ['budgets[0].limitUsd'], ['budgets[0].limitUsd: got 0']);
bad('finops', 'budgets[0].limitUsd -5', budget({ limitUsd: -5 }), ['budgets[0].limitUsd']);
bad('finops', 'budgets[0].limitUsd 1e13', budget({ limitUsd: 1e13 }), ['budgets[0].limitUsd']);
// AWS Budgets' Spend.Amount is a decimal string (([0-9]*\.)?[0-9]+): String(1e-7) is "1e-7".
bad('finops', 'budgets[0].limitUsd 0.0000001 (under a cent; rendered as 1e-7)', budget({ limitUsd: 0.0000001 }), ['budgets[0].limitUsd']);
bad('finops', 'budgets[0].thresholds: [] (1 to 5)', budget({ thresholds: [] }), ['budgets[0].thresholds']);
bad('finops', 'budgets[0].thresholds: six', budget({ thresholds: [10, 20, 30, 40, 50, 60].map((percent) => ({ percent })) }), ['budgets[0].thresholds']);
bad('finops', 'threshold percents 0 and 1001', budget({ thresholds: [{ percent: 0 }, { percent: 1001 }] }),
  ['budgets[0].thresholds[0].percent', 'budgets[0].thresholds[1].percent']);
bad('finops', 'a FORECASTED threshold on a DAILY budget', budget({ period: 'DAILY', thresholds: [{ percent: 100, type: 'FORECASTED' }] }),
  ['budgets[0].thresholds[0].type'], ['DAILY']);
bad('finops', 'one threshold twice (ACTUAL by default and by name)', budget({ thresholds: [{ percent: 80 }, { percent: 80, type: 'ACTUAL' }] }),
  ['budgets[0].thresholds[1]']);
bad('finops', 'costFilters.Service: [] (no values)', budget({ costFilters: { Service: [] } }), ['budgets[0].costFilters.Service']);
bad('finops', 'notify.emails: eleven addresses', finops({ notify: { emails: emails(11) } }), ['notify.emails'], ['at most 10']);
bad('finops', "notify.emails ['not-an-address']", finops({ notify: { emails: ['not-an-address'] } }), ['notify.emails[0]']);
bad('finops', 'notify.emails: one address twice (any case)', finops({ notify: { emails: ['Ops@example.com', 'ops@example.com'] } }), ['notify.emails[1]']);
bad('finops', "notify.topicEmails ['ops@localhost'] (no domain)", finops({ notify: { topicEmails: ['ops@localhost'] } }), ['notify.topicEmails[0]']);
bad('finops', 'notify.slack: {} (workspace and channel missing)', finops({ notify: { slack: {} } }), ['notify.slack.workspaceId', 'notify.slack.channelId']);
bad('finops', "notify.slack: lower-case workspace, channel '#finops' (a name)", finops({ notify: { slack: { workspaceId: 't0123abcd', channelId: '#finops' } } }),
  ['notify.slack.workspaceId', 'notify.slack.channelId'], ['not the channel name']);
bad('finops', 'notify.slackWebhookSecretArn: the webhook URL itself', finops({ notify: { slackWebhookSecretArn: 'https://hooks.slack.com/services/T0/B0/x' } }),
  ['notify.slackWebhookSecretArn']);
bad('finops', 'notify.jira.baseUrl http://', jira({ baseUrl: 'http://jira.example.com' }), ['notify.jira.baseUrl']);
bad('finops', 'notify.jira.baseUrl with credentials in it', jira({ baseUrl: 'https://bot:token@example.atlassian.net' }), ['notify.jira.baseUrl']);
bad('finops', "notify.jira: projectKey 'ops', issueType '', a parameter ARN for the secret", jira({ projectKey: 'ops', issueType: '', credentialsSecretArn: PARAM_ARN }),
  ['notify.jira.projectKey', 'notify.jira.issueType', 'notify.jira.credentialsSecretArn']);
bad('finops', 'anomalyDetection.minImpactUsd 0', finops({ anomalyDetection: { minImpactUsd: 0 } }), ['anomalyDetection.minImpactUsd']);
bad('finops', "anomalyDetection.existingMonitorArn 'Default-Services-Monitor' (a name)", finops({ anomalyDetection: { existingMonitorArn: 'Default-Services-Monitor' } }),
  ['anomalyDetection.existingMonitorArn']);
bad('finops', 'idleInstances.mode DELETE (instances are stopped, never deleted)', finops({ idleInstances: { mode: 'DELETE' } }), ['idleInstances.mode']);
bad('finops', 'idleInstances STOP without lookbackDays', finops({ idleInstances: { mode: 'STOP' } }), ['idleInstances.lookbackDays'], ['explicit lookback']);
bad('finops', 'idleInstances.lookbackDays 0 and maxCpuPercent 101', finops({ idleInstances: { lookbackDays: 0, maxCpuPercent: 101 } }),
  ['idleInstances.lookbackDays', 'idleInstances.maxCpuPercent']);
bad('finops', 'idleInstances.lookbackDays 64, maxNetworkBytesPerDay -1', finops({ idleInstances: { lookbackDays: 64, maxNetworkBytesPerDay: -1 } }),
  ['idleInstances.lookbackDays', 'idleInstances.maxNetworkBytesPerDay']);
bad('finops', "idleInstances.excludeTag 'aws:keep' (reserved prefix)", finops({ idleInstances: { excludeTag: 'aws:keep' } }), ['idleInstances.excludeTag']);
bad('finops', "idleInstances.schedule 'every day'", finops({ idleInstances: { schedule: 'every day' } }), ['idleInstances.schedule']);
bad('finops', "idleInstances.schedule 'cron(0 6 * * ?)' (five fields)", finops({ idleInstances: { schedule: 'cron(0 6 * * ?)' } }), ['idleInstances.schedule']);
// EventBridge: a positive value, the unit singular for 1 and plural otherwise (rate(1 days) and rate(5 day) fail at deploy).
bad('finops', "unattachedVolumes.schedule 'rate(1 week)'", finops({ unattachedVolumes: { schedule: 'rate(1 week)' } }), ['unattachedVolumes.schedule']);
bad('finops', "unattachedVolumes.schedule 'rate(0 days)'", finops({ unattachedVolumes: { schedule: 'rate(0 days)' } }), ['unattachedVolumes.schedule']);
bad('finops', "idleInstances.schedule 'rate(1 days)' and unattachedVolumes.schedule 'rate(5 day)'",
  finops({ idleInstances: { schedule: 'rate(1 days)' }, unattachedVolumes: { schedule: 'rate(5 day)' } }), ['idleInstances.schedule', 'unattachedVolumes.schedule']);
bad('finops', 'unattachedVolumes.mode STOP (volumes cannot be stopped)', finops({ unattachedVolumes: { mode: 'STOP' } }), ['unattachedVolumes.mode']);
bad('finops', 'unattachedVolumes DELETE without graceDays', finops({ unattachedVolumes: { mode: 'DELETE' } }), ['unattachedVolumes.graceDays'], ['explicit grace period']);
bad('finops', "unattachedVolumes.graceDays 366 and excludeTag ''", finops({ unattachedVolumes: { graceDays: 366, excludeTag: '' } }),
  ['unattachedVolumes.graceDays', 'unattachedVolumes.excludeTag']);
bad('finops', 'budgetAction without budgets', finops({ budgetAction: { denyLaunchOnRoleArns: [ROLE_ARN] } }), ['budgetAction'], ['at least one budget']);
bad('finops', "budgetAction.budget 'weekly' (no such budget)", finops({ budgets: [MONTHLY], budgetAction: { denyLaunchOnRoleArns: [ROLE_ARN], budget: 'weekly' } }),
  ['budgetAction.budget'], ['"monthly"']);
bad('finops', 'budgetAction.denyLaunchOnRoleArns: [] and atPercent 0', finops({ budgets: [MONTHLY], budgetAction: { denyLaunchOnRoleArns: [], atPercent: 0 } }),
  ['budgetAction.denyLaunchOnRoleArns', 'budgetAction.atPercent']);
bad('finops', 'budgetAction: a user ARN and a role name, atPercent 1001',
  finops({ budgets: [MONTHLY], budgetAction: { denyLaunchOnRoleArns: ['arn:aws:iam::111122223333:user/alice', 'Developers'], atPercent: 1001 } }),
  ['budgetAction.denyLaunchOnRoleArns[0]', 'budgetAction.denyLaunchOnRoleArns[1]', 'budgetAction.atPercent']);
bad('finops', 'budgetAction: 101 role ARNs', finops({ budgets: [MONTHLY], budgetAction: { denyLaunchOnRoleArns: Array.from({ length: 101 }, (_, i) => `${ROLE_ARN}${i}`) } }),
  ['budgetAction.denyLaunchOnRoleArns']);
bad('finops', "alertsTopic of another app's cluster", finops((fx) => ({ alertsTopic: (fx.foreign.cluster as { alertsTopic: unknown }).alertsTopic })), ['alertsTopic']);
bad('finops', 'alertsTopic of a cluster in another region (its alarms cannot notify it)',
  finops((fx) => ({ alertsTopic: (fx.otherRegion.cluster as { alertsTopic: unknown }).alertsTopic })), ['alertsTopic']);

// Several mistakes at once: every one is listed.
bad('finops', 'every section wrong at once', finops({
  profile: 'prod',
  budgets: [{ name: 'ok', limitUsd: 0, period: 'DAILY', thresholds: [{ percent: 90, type: 'FORECASTED' }], costFilters: { region: ['eu-west-1'] } }],
  notify: { emails: ['x'], slack: { channelId: 'C1' }, jira: { baseUrl: 'ftp://jira', projectKey: 'OPS', credentialsSecretArn: 'secret' } },
  anomalyDetection: { minImpactUsd: -1 },
  idleInstances: { mode: 'STOP', maxCpuPercent: 200 },
  unattachedVolumes: { mode: 'DELETE', schedule: 'daily' },
  budgetAction: { denyLaunchOnRoleArns: ['role'], budget: 'nope' },
  logRetentionDays: 0,
}), [
  'profile', 'budgets[0].limitUsd', 'budgets[0].thresholds[0].type', 'budgets[0].costFilters.region', 'notify.emails[0]', 'notify.slack.workspaceId',
  'notify.jira.baseUrl', 'notify.jira.credentialsSecretArn', 'anomalyDetection.minImpactUsd', 'idleInstances.lookbackDays', 'idleInstances.maxCpuPercent',
  'unattachedVolumes.graceDays', 'unattachedVolumes.schedule', 'budgetAction.denyLaunchOnRoleArns[0]', 'budgetAction.budget', 'logRetentionDays',
], ['did you mean Region?']);
bad('finops', 'wrong types beside bad values, and a typo', finops({
  budgets: [{ name: 'a', limitUsd: '10' }, { name: 'a', limitUsd: 10 }],
  notify: { topicEmails: ['ok@example.com', 'ok@example.com'], slackWebhookSecretArn: 42 },
  idleInstances: { mode: 'REPORT', lookbackDays: 100, schedule: null },
  budgetActon: {},
}), ['budgets[0].limitUsd', 'budgets[1].name', 'notify.topicEmails[1]', 'notify.slackWebhookSecretArn', 'idleInstances.lookbackDays',
  'idleInstances.schedule', 'budgetActon'], ['did you mean budgetAction?']);

// Edge-valid values.
ok('finops', 'limitUsd 0.01, thresholds 1 % and 1000 %', budget({ limitUsd: 0.01, thresholds: [{ percent: 1 }, { percent: 1000, type: 'FORECASTED' }] }));
ok('finops', 'five thresholds, a DAILY budget with ACTUAL ones only, QUARTERLY and ANNUALLY budgets', finops({
  budgets: [
    { ...MONTHLY, thresholds: [{ percent: 50 }, { percent: 80 }, { percent: 100 }, { percent: 90, type: 'FORECASTED' }, { percent: 100, type: 'FORECASTED' }] },
    { name: 'daily', limitUsd: 5, period: 'DAILY', thresholds: [{ percent: 100, type: 'ACTUAL' }] },
    { name: 'Quarterly_2', limitUsd: 1e12, period: 'QUARTERLY' },
    { name: 'b'.repeat(40), limitUsd: 12000.75, period: 'ANNUALLY' },
  ],
}));
ok('finops', 'every cost-filter key', budget({
  costFilters: {
    AZ: ['eu-west-1a'],
    BillingEntity: ['AWS'],
    CostCategory: ['team$platform'],
    InstanceType: ['t4g.micro'],
    InvoicingEntity: ['Amazon Web Services EMEA SARL'],
    LegalEntityName: ['Amazon Web Services EMEA SARL'],
    LinkedAccount: ['111122223333'],
    Operation: ['RunInstances'],
    PurchaseType: ['On Demand Instances'],
    Region: ['eu-west-1'],
    Service: ['Amazon Elastic Compute Cloud - Compute'],
    TagKeyValue: ['user:team$platform'],
    UsageType: ['EUW1-BoxUsage:t4g.micro'],
    UsageTypeGroup: ['EC2: Running Hours'],
  },
}));
ok('finops', 'ten budget emails, topic emails, a Chatbot channel', finops({
  budgets: [MONTHLY],
  notify: { emails: emails(10), topicEmails: ["o'brien+finops@mail.example.co.uk"], slack: { workspaceId: 'T0123ABCD', channelId: 'c0456efgh' } },
}));
ok('finops', 'anomalyDetection with an existing monitor, minImpactUsd 0.01', finops({ anomalyDetection: { existingMonitorArn: MONITOR_ARN, minImpactUsd: 0.01 } }));
ok('finops', 'anomalyDetection {} (a new monitor), no EC2 or EBS events', finops({ anomalyDetection: {}, instanceEvents: false, volumeEvents: false }));
ok('finops', 'budgetAction AUTOMATIC at 1000 % on a role with a path, on the second budget', finops({
  budgets: [MONTHLY, { name: 'compute', limitUsd: 50 }],
  budgetAction: { denyLaunchOnRoleArns: ['arn:aws-us-gov:iam::111122223333:role/teams/platform/Developers'], approval: 'AUTOMATIC', atPercent: 1000, budget: 'compute' },
}));
ok('finops', 'budgetAction at 1 % on 100 roles', finops({
  budgets: [MONTHLY], budgetAction: { denyLaunchOnRoleArns: Array.from({ length: 100 }, (_, i) => `${ROLE_ARN}${i}`), atPercent: 1 },
}));
ok('finops', "alertsTopic: the cluster's alerts topic", finops((fx) => ({ alertsTopic: (fx.cluster as { alertsTopic: unknown }).alertsTopic, budgets: [MONTHLY], anomalyDetection: {} })));
ok('finops', 'PRODUCTION, logRetentionDays 3653', finops({ profile: 'PRODUCTION', logRetentionDays: 3653, budgets: [MONTHLY] }));
ok('finops', "idleInstances STOP, lookbackDays 63, schedule 'rate(1 day)', maxCpuPercent 100, maxNetworkBytesPerDay 0", finops({
  idleInstances: { mode: 'STOP', lookbackDays: 63, schedule: 'rate(1 day)', maxCpuPercent: 100, maxNetworkBytesPerDay: 0, includeAutoScaling: true, excludeTag: 'cost-centre/keep' },
}));
ok('finops', "unattachedVolumes DELETE, graceDays 365, no snapshot, schedule 'rate(12 hours)'", finops({
  unattachedVolumes: { mode: 'DELETE', graceDays: 365, snapshotBeforeDelete: false, schedule: 'rate(12 hours)' },
}));
ok('finops', 'a Slack webhook and Jira (issue type of 60 characters), lookbackDays 1 and graceDays 1 in REPORT mode', finops({
  notify: {
    slackWebhookSecretArn: SECRET_ARN,
    jira: { baseUrl: 'https://jira.example.com:8443/jira', projectKey: 'FIN_OPS2', credentialsSecretArn: PARTIAL_SECRET_ARN, issueType: 'T'.repeat(60) },
  },
  idleInstances: { lookbackDays: 1 },
  unattachedVolumes: { graceDays: 1 },
}));

// 18. TeleportCluster: on the shared HTTPS load balancer unless said otherwise, then addDatabase and addApp.
/** Teleport's own certificate (teleport.example.com and *.teleport.example.com). */
const TELEPORT_CERT = 'arn:aws:acm:eu-west-1:111122223333:certificate/def-456';
/** TeleportCluster props with `extra` put in place of whole props (no merging: `github: {}` is an empty github). */
const teleportSet = (extra: Extra): PropsOf => (fx) => ({ ...(teleport()(fx) as Props), ...resolve(extra, fx) });
/** TeleportCluster with a load balancer of its own: certificateArn is required. */
const ownTeleport = (extra: Extra = {}): PropsOf => (fx) =>
  merge({ cluster: fx.cluster, ...TELEPORT, certificateArn: TELEPORT_CERT }, resolve(extra, fx));
/** TeleportCluster with `extra` over the valid GitHub options. */
const github = (extra: Props): PropsOf => teleport({ github: extra });
/** TeleportCluster with these teams and their roles. */
const teams = (...teamsToRoles: unknown[]): PropsOf => teleport({ github: { teamsToRoles } });
const addDatabase = (target: unknown, options: unknown): Call => ({ method: 'addDatabase', target, options });
const addApp = (target: unknown, options: unknown): Call => ({ method: 'addApp', target, options });
/** A TeleportCluster of `props`, then `calls`. */
const calling = (props: PropsOf, calls: CallsOf): Scenario => ({ props, calls });
/** A TeleportCluster, then addDatabase of a new PostgreSQL database with `options`. */
const withDatabase = (options: unknown): Scenario => calling(teleport(), (fx) => [addDatabase(fx.newDatabase(), options)]);
/** A TeleportCluster, then addApp of a new web service with `options`. */
const withApp = (options: unknown): Scenario => calling(teleport(), (fx) => [addApp(fx.newApp(), options)]);

// Numbers. The ranges come first, so the accepted listener priorities 1 and 50000 find their listener free.
integerCases([
  { kind: 'teleport', path: 'listenerPriority', valid: 20, range: [1, 50000] },
  { kind: 'teleport', path: 'replicas', valid: 1, range: [1, 2] },
  { kind: 'teleport', path: 'auditRetentionDays', valid: 30, range: [1, 3650] },
]);
logRetentionCases([['teleport', 'logRetentionDays']]);
bad('teleport', 'replicas -1', teleport({ replicas: -1 }), ['replicas'], ['replicas: got -1']);
bad('teleport', 'replicas 3 in PRODUCTION (at most two auth servers on DynamoDB)', teleport({ profile: 'PRODUCTION', replicas: 3 }), ['replicas'], ['replicas: got 3']);
bad('teleport', 'cpu 256 with memoryMiB 4096 (a size of cpu 512 and up)', teleport({ cpu: 256, memoryMiB: 4096 }), ['memoryMiB'], ['memoryMiB: got 4096']);
bad('teleport', 'cpu 300 and memoryMiB 100 (both wrong: both reported)', teleport({ cpu: 300, memoryMiB: 100 }), ['cpu', 'memoryMiB']);
bad('teleport', "cpu '2048' with memoryMiB 8192 (memory is not judged against the default cpu)", teleport({ cpu: '2048', memoryMiB: 8192 }), ['cpu']);
bad('teleport', 'listenerPriority 10, taken by a service on the shared listener', teleport({ listenerPriority: 10 }), ['listenerPriority'],
  ['listenerPriority: got 10']);
bad('teleport', 'listenerPriority without a shared load balancer (Teleport has a listener of its own)', ownTeleport({ listenerPriority: 20 }), ['listenerPriority']);

// Not props, missing and mistyped props.
bad('teleport', 'props undefined (cluster, domainName, github and, with no loadBalancer, certificateArn are required)', () => undefined,
  ['cluster', 'domainName', 'github', 'certificateArn']);
bad('teleport', 'props null', () => null, ['props'], ['props: got null']);
bad('teleport', 'cluster: null', teleport({ cluster: null }), ['cluster'], ['cluster: got null']);
bad('teleport', 'domainName: 443 (a number)', teleport({ domainName: 443 }), ['domainName'], ['domainName: got 443']);
bad('teleport', 'github: {} (its four props are required)', teleportSet({ github: {} }),
  ['github.clientId', 'github.clientSecretArn', 'github.organization', 'github.teamsToRoles']);
bad('teleport', 'github.teamsToRoles: an object for a list', github({ teamsToRoles: { team: 'platform', roles: ['access'] } }), ['github.teamsToRoles']);

// Unknown names, with suggestions.
bad('teleport', 'typo domain (did you mean domainName?), so domainName is missing', teleport({ domainName: undefined, domain: 'teleport.example.com' }),
  ['domain', 'domainName'], ['did you mean domainName?']);
bad('teleport', 'priority (did you mean listenerPriority?)', teleport({ priority: 20 }), ['priority'], ['did you mean listenerPriority?']);
bad('teleport', 'github.clientSecret (did you mean clientSecretArn?), so clientSecretArn is missing',
  github({ clientSecretArn: undefined, clientSecret: GITHUB.clientSecretArn }), ['github.clientSecret', 'github.clientSecretArn'], ['did you mean clientSecretArn?']);
bad('teleport', 'teamsToRoles[0].role (did you mean roles?), so roles is missing', teams({ team: 'platform', role: ['access'] }),
  ['github.teamsToRoles[0].role', 'github.teamsToRoles[0].roles'], ['did you mean roles?']);

// The domain: a literal, lower-case host name, whose wildcard fits a listener rule.
for (const [domainName, why] of [
  ['https://teleport.example.com', 'a scheme'],
  ['teleport.example.com:443', 'a port'],
  ['teleport.example.com/login', 'a path'],
  ['*.example.com', 'a wildcard'],
  ['Teleport.Example.com', 'upper case'],
  ['teleport.example.com.', 'a trailing dot'],
]) {
  bad('teleport', `domainName ${JSON.stringify(domainName)} (${why})`, teleport({ domainName }), ['domainName'], [`domainName: got ${JSON.stringify(domainName)}`]);
}
bad('teleport', 'domainName of 254 characters', teleport({ domainName: domainOfLength(254) }), ['domainName']);
bad('teleport', 'domainName a deploy-time token', teleport((fx) => ({ domainName: fx.token('teleport.example.com') })), ['domainName'], ['literal host name']);
bad('teleport', "domainName of 127 characters (its wildcard, 129, is over the ALB's 128 per host header)", teleport({ domainName: domainOfLength(127) }), ['domainName']);
for (const [clusterName, why] of [['Platform', 'upper case'], ['c'.repeat(64), '64 characters']]) {
  bad('teleport', `clusterName ${JSON.stringify(clusterName.slice(0, 20))} (${why})`, teleport({ clusterName }), ['clusterName']);
}

// GitHub sign-on.
for (const prop of ['clientId', 'clientSecretArn', 'organization', 'teamsToRoles']) {
  bad('teleport', `github without ${prop}`, github({ [prop]: undefined }), [`github.${prop}`], [`github.${prop}: got undefined`]);
}
bad('teleport', 'github.clientSecretArn an SSM parameter ARN', github({ clientSecretArn: PARAM_ARN }), ['github.clientSecretArn'], ['Secrets Manager']);
bad('teleport', 'github.clientSecretArn a KMS key ARN', github({ clientSecretArn: KMS_ARN }), ['github.clientSecretArn']);
bad('teleport', 'github.clientSecretArn: the client secret itself (40 hex digits)', github({ clientSecretArn: '3f9c2e7a1b0d4c8e9f6a5b2c1d0e9f8a7b6c5d4e' }),
  ['github.clientSecretArn']);
bad('teleport', 'github.teamsToRoles: [] (nobody could sign in)', teams(), ['github.teamsToRoles'], ['at least one team']);
bad('teleport', 'one team twice', teams({ team: 'platform', roles: ['access'] }, { team: 'platform', roles: ['editor'] }), ['github.teamsToRoles[1].team'],
  ['each team once']);
bad('teleport', "team 'Platform Team' twice (not a slug, and repeated: each entry reported once)",
  teams({ team: 'Platform Team', roles: ['access'] }, { team: 'Platform Team', roles: ['editor'] }), ['github.teamsToRoles[0].team', 'github.teamsToRoles[1].team']);
bad('teleport', 'teamsToRoles[0].roles: [] (no role)', teams({ team: 'platform', roles: [] }), ['github.teamsToRoles[0].roles']);
bad('teleport', "roles 'db admin' and 'on call' (spaces: each role reported at its index)", teams({ team: 'platform', roles: ['access', 'db admin', 'on call'] }),
  ['github.teamsToRoles[0].roles[1]', 'github.teamsToRoles[0].roles[2]']);
// A team's roles are checked once every addDatabase is known: when the configuration is rendered.
bad('teleport', "a team mapped to 'db-missing' (no database registered)", teams({ team: 'platform', roles: ['access', 'db-missing'] }),
  ['github.teamsToRoles[0].roles[1]'], ['db-<name> roles come from addDatabase']);
bad('teleport', "a team mapped to 'acess' (a typo of access)", teams({ team: 'platform', roles: ['acess'] }), ['github.teamsToRoles[0].roles[0]'],
  ['access, editor, auditor']);
bad('teleport', "the second team mapped to 'db-orders', the database registered as 'order'",
  calling(teams({ team: 'platform', roles: ['access'] }, { team: 'data', roles: ['db-orders'] }), (fx) => [addDatabase(fx.newDatabase(), { users: ['app'], name: 'order' })]),
  ['github.teamsToRoles[1].roles[0]'], ['db-order']);

// Versions, certificates and load balancers.
for (const teleportVersion of ['latest', '18', 'v18.10.0']) {
  bad('teleport', `teleportVersion ${JSON.stringify(teleportVersion)}`, teleport({ teleportVersion }), ['teleportVersion'], [`teleportVersion: got ${JSON.stringify(teleportVersion)}`]);
}
bad('teleport', "certificateArn 'my-cert' (not an ARN)", teleport({ certificateArn: 'my-cert' }), ['certificateArn'], ['certificateArn: got "my-cert"']);
bad('teleport', 'no loadBalancer and no certificateArn', ownTeleport({ certificateArn: undefined }), ['certificateArn'], ['no shared loadBalancer']);
bad('teleport', 'a loadBalancer without HTTPS (created without certificateArn)', teleport((fx) => ({ loadBalancer: fx.lb })), ['loadBalancer'], ['HTTPS']);
bad('teleport', 'loadBalancer: null (reported once, not also as a missing certificateArn)', teleport({ loadBalancer: null }), ['loadBalancer']);
bad('teleport', 'loadBalancer: of the other engine', teleport((fx) => ({ loadBalancer: fx.alien.httpsLb })), ['loadBalancer'], ['one app uses one engine']);
bad('teleport', 'loadBalancer: of another app', teleport((fx) => ({ loadBalancer: fx.foreign.httpsLb })), ['loadBalancer'], ['another app']);
bad('teleport', 'loadBalancer: in another region', teleport((fx) => ({ loadBalancer: fx.otherRegion.httpsLb })), ['loadBalancer'], ['us-east-1']);
bad('teleport', 'loadBalancer: on a different network than the cluster', teleport((fx) => ({ loadBalancer: fx.otherHttpsLb })), ['loadBalancer'],
  ["cluster's network"]);
bad('teleport', 'cluster: of the other engine', teleport((fx) => ({ cluster: fx.alien.cluster })), ['cluster'], ['one app uses one engine']);
bad('teleport', 'cluster: of another app', teleport((fx) => ({ cluster: fx.foreign.cluster })), ['cluster'], ['another app']);
bad('teleport', 'cluster: in another region (us-east-1)', teleport((fx) => ({ cluster: fx.otherRegion.cluster })), ['cluster'], ['us-east-1']);
bad('teleport', 'cluster on a network with natGateways 0 (no route to pull the Teleport image)', ownTeleport((fx) => ({ cluster: fx.natlessCluster })), ['cluster'],
  ['natGateways']);

// addDatabase.
bad('teleport', 'addDatabase: users []', withDatabase({ users: [] }), ['options.users'], ['at least one']);
bad('teleport', 'addDatabase: options undefined (users is required)', withDatabase(undefined), ['options.users']);
bad('teleport', "addDatabase: users '1app' and 'app user' (each reported at its index)", withDatabase({ users: ['1app', 'app user'] }),
  ['options.users[0]', 'options.users[1]']);
bad('teleport', "addDatabase: name 'Orders DB' (not a DNS label)", withDatabase({ users: ['app'], name: 'Orders DB' }), ['options.name'],
  ['options.name: got "Orders DB"']);
bad('teleport', 'addDatabase: the default name, of construct ID 9Db, is not a DNS label', calling(teleport(), (fx) => [addDatabase(fx.newDatabase('9Db'), { users: ['app'] })]),
  ['database'], ['give options.name']);
bad('teleport', "addDatabase: two databases named 'main'",
  calling(teleport(), (fx) => [addDatabase(fx.newDatabase(), { users: ['app'], name: 'main' }), addDatabase(fx.newDatabase(), { users: ['app'], name: 'main' })]),
  ['options.name'], ['not registered yet']);
bad('teleport', 'addDatabase: one database twice, under two names', calling(teleport(), (fx) => {
  const db = fx.newDatabase();
  return [addDatabase(db, { users: ['app'], name: 'main' }), addDatabase(db, { users: ['app'], name: 'main-ro' })];
}), ['database']);
bad('teleport', 'addDatabase: databaseNames [] (no database could be opened)', withDatabase({ users: ['app'], databaseNames: [] }), ['options.databaseNames']);
bad('teleport', "addDatabase: databaseNames ['main', 'my db'] (reported at its index)", withDatabase({ users: ['app'], databaseNames: ['main', 'my db'] }),
  ['options.databaseNames[1]']);
bad('teleport', 'addDatabase: a database of the other engine', calling(teleport(), (fx) => [addDatabase(fx.alien.database, { users: ['app'] })]), ['database'],
  ['one app uses one engine']);
bad('teleport', 'addDatabase: a database of another app', calling(teleport(), (fx) => [addDatabase(fx.foreign.database, { users: ['app'] })]), ['database'],
  ['another app']);
bad('teleport', "addDatabase: a database on another network than Teleport's cluster",
  calling(teleport(), (fx) => [addDatabase(fx.newDatabase('Elsewhere', { network: fx.otherNetwork }), { users: ['app'] })]), ['database'], ['network']);

// addApp.
bad('teleport', "addApp: name 'My App' (not a DNS label)", withApp({ name: 'My App' }), ['options.name'], ['options.name: got "My App"']);
bad('teleport', 'addApp: name of 64 characters', withApp({ name: 'a'.repeat(64) }), ['options.name']);
bad('teleport', "addApp: two apps named 'api'", calling(teleport(), (fx) => [addApp(fx.newApp(), { name: 'api' }), addApp(fx.newApp(), { name: 'api' })]),
  ['options.name'], ['not registered yet']);
bad('teleport', 'addApp: one app twice, under two names', calling(teleport(), (fx) => {
  const app = fx.newApp();
  return [addApp(app, { name: 'api' }), addApp(app, { name: 'api-v2' })];
}), ['app']);
bad('teleport', 'addApp: an app of the other engine', calling(teleport(), (fx) => [addApp(fx.alien.app, { name: 'api' })]), ['app'], ['one app uses one engine']);
bad('teleport', 'addApp: an app of another app', calling(teleport(), (fx) => [addApp(fx.foreign.app, { name: 'api' })]), ['app'], ['another app']);
bad('teleport', "addApp: an app in a cluster on another network than Teleport's",
  calling(teleport(), (fx) => [addApp(fx.newApp('Elsewhere', { cluster: fx.otherCluster, loadBalancer: fx.otherHttpsLb }), { name: 'api' })]), ['app'], ['network']);

// Several problems at once: every one is listed.
bad('teleport', 'every prop wrong at once', teleport({
  domainName: 'https://teleport.example.com',
  clusterName: 'Platform',
  github: { clientId: 'Iv1 abc', clientSecretArn: 'ghp_secret', organization: 'my org', teamsToRoles: [{ team: 'platform', roles: [] }] },
  teleportVersion: 'latest',
  replicas: 3,
  cpu: 300,
  listenerPriority: 10,
  auditRetentionDays: 0,
  logRetentionDays: 2,
  profile: 'prod',
}), ['domainName', 'clusterName', 'github.clientId', 'github.clientSecretArn', 'github.organization', 'github.teamsToRoles[0].roles', 'teleportVersion',
  'replicas', 'cpu', 'listenerPriority', 'auditRetentionDays', 'logRetentionDays', 'profile']);
bad('teleport', 'a foreign cluster, an alien load balancer and a typo', teleport((fx) => ({ cluster: fx.foreign.cluster, loadBalancer: fx.alien.httpsLb, replicaCount: 2 })),
  ['cluster', 'loadBalancer', 'replicaCount']);

// Accepted.
ok('teleport', 'defaults on the shared HTTPS listener (its own certificate covers the names)', teleport());
ok('teleport', 'a load balancer of its own (certificateArn, no loadBalancer)', ownTeleport());
ok('teleport', 'every prop: PRODUCTION, 2 replicas, cpu 2048 with 4096 MiB, a priority, a certificate for the shared listener', teleport({
  clusterName: 'platform.example',
  profile: 'PRODUCTION',
  replicas: 2,
  cpu: 2048,
  memoryMiB: 4096,
  listenerPriority: nextPriority++,
  certificateArn: TELEPORT_CERT,
  teleportVersion: '17.7.3',
  auditRetentionDays: 400,
  logRetentionDays: 400,
}));
ok('teleport', 'clientSecretArn and certificateArn deploy-time tokens',
  teleport((fx) => ({ github: { clientSecretArn: fx.token(GITHUB.clientSecretArn) }, certificateArn: fx.token(TELEPORT_CERT) })));
ok('teleport', "addDatabase: MainDb, mapped as 'db-maindb' (its default name)",
  calling(teams({ team: 'platform', roles: ['access', 'db-maindb'] }), (fx) => [addDatabase(fx.newDatabase('MainDb'), { users: ['app_readonly'] })]));
ok('teleport', "addDatabase: MySQL as 'orders' with two database names; addApp 'api' and 'admin'; teams mapped to both", calling(
  teams({ team: 'data', roles: ['db-orders'] }, { team: 'platform', roles: ['access', 'platform-apps'] }),
  (fx) => [
    addDatabase(fx.newDatabase('Orders', { engine: 'mysql' }), { users: ['app_rw', 'reporting$ro'], name: 'orders', databaseNames: ['orders', 'audit'] }),
    addApp(fx.newApp(), { name: 'api' }),
    addApp(fx.newApp(), { name: 'admin' }),
  ]));
ok('teleport', 'a load balancer of its own, with a database and an app', calling(ownTeleport({ github: { teamsToRoles: [{ team: 'platform', roles: ['db-main', 'platform-apps'] }] } }),
  (fx) => [addDatabase(fx.newDatabase(), { users: ['app'], name: 'main' }), addApp(fx.newApp(), { name: 'web' })]));

// FargateWebService options added with TeleportCluster (appended: earlier case numbers stay).
ok('service', 'HTTPS targets, a 120 s stop timeout, one task at a time (50 % / 100 %)',
  service({ targetProtocol: 'HTTPS', stopTimeoutSeconds: 120, minimumHealthyPercent: 50, maximumPercent: 100 }));
bad('service', 'targetProtocol TCP, stopTimeoutSeconds 121', service({ targetProtocol: 'TCP', stopTimeoutSeconds: 121 }), ['targetProtocol', 'stopTimeoutSeconds']);
bad('service', 'maximumPercent not above minimumHealthyPercent', service({ minimumHealthyPercent: 100, maximumPercent: 100 }), ['maximumPercent']);
bad('service', 'deployment percentages out of range and of the wrong type', service({ minimumHealthyPercent: 101, maximumPercent: '200' }),
  ['minimumHealthyPercent', 'maximumPercent']);

// ContainerRepository (appended: earlier case numbers stay).
ok('repository', 'no props: immutable, scanned, 30 tagged, 7 days untagged, its own key', repository());
ok('repository', 'every prop: mutable, unscanned, 100 tagged, 1 day, a key, PRODUCTION', repository({
  immutableTags: false,
  scanOnPush: false,
  keepTaggedImages: 100,
  untaggedExpiryDays: 1,
  kmsKeyArn: 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  profile: 'PRODUCTION',
}));
bad('repository', 'keepTaggedImages 10001', repository({ keepTaggedImages: 10001 }), ['keepTaggedImages']);
bad('repository', 'untaggedExpiryDays 0', repository({ untaggedExpiryDays: 0 }), ['untaggedExpiryDays']);
bad('repository', 'untaggedExpiryDays 1.5, keepTaggedImages "30"', repository({ untaggedExpiryDays: 1.5, keepTaggedImages: '30' }), ['untaggedExpiryDays', 'keepTaggedImages']);
bad('repository', 'kmsKeyArn an alias', repository({ kmsKeyArn: 'alias/aws/ecr' }), ['kmsKeyArn']);
bad('repository', 'immutableTags "true", scanOnPush 1', repository({ immutableTags: 'true', scanOnPush: 1 }), ['immutableTags', 'scanOnPush']);
bad('repository', 'profile "prod"', repository({ profile: 'prod' }), ['profile']);
bad('repository', 'typo keepTaggedImage (did you mean keepTaggedImages?)', repository({ keepTaggedImage: 30 }), ['keepTaggedImage'], ['did you mean keepTaggedImages?']);
bad('repository', 'props null', () => null as unknown as Props, ['props']);

// GitHubDeployRole (appended: earlier case numbers stay).
ok('deployRole', 'a branch and the fixture\'s service', deployRole());
ok('deployRole', 'environments only, an existing provider, a platform name, 2-hour sessions', deployRole({
  branches: undefined,
  environments: ['production', 'staging'],
  platformName: 'shop',
  maxSessionMinutes: 120,
  existingProviderArn: 'arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com',
}));
bad('deployRole', 'repository without its owner', deployRole({ repository: 'my-app' }), ['repository']);
bad('deployRole', 'repository my-org/* (a wildcard across repositories)', deployRole({ repository: 'my-org/*' }), ['repository']);
bad('deployRole', 'no branch and no environment', deployRole({ branches: [] }), ['branches']);
bad('deployRole', 'branch feature/* and refs/heads/main', deployRole({ branches: ['feature/*', 'refs/heads/main'] }), ['branches[0]', 'branches[1]']);
bad('deployRole', 'environment "prod*" and a duplicate branch', deployRole({ environments: ['prod*'], branches: ['main', 'main'] }), ['environments[0]', 'branches']);
bad('deployRole', 'existingProviderArn of another provider', deployRole({ existingProviderArn: 'arn:aws:iam::111122223333:oidc-provider/accounts.google.com' }),
  ['existingProviderArn']);
bad('deployRole', 'platformName with a slash, maxSessionMinutes 10', deployRole({ platformName: 'a/b', maxSessionMinutes: 10 }), ['platformName', 'maxSessionMinutes']);
bad('deployRole', 'a service of another app', deployRole((fx) => ({ services: [fx.foreign.app] })), ['services[0]']);
bad('deployRole', 'a service of the other engine', deployRole((fx) => ({ services: [fx.alien.app] })), ['services[0]'], ['one app uses one engine']);
bad('deployRole', 'services a string, containerRepositories an object', deployRole({ services: 'api', containerRepositories: {} }), ['services', 'containerRepositories']);
bad('deployRole', 'no repository', deployRole({ repository: undefined }), ['repository']);

// DevOpsAgentSpace (appended: earlier case numbers stay).
const AGENT_GITHUB = { serviceId: 'github-svc-1', owner: 'my-org', repository: 'my-app', repositoryId: '123456789' };
const AGENT_SLACK = { serviceId: 'slack-svc-1', workspaceId: 'T0123ABCD', workspaceName: 'my-org', channelId: 'C0123ABCD' };
const investigateAlarms = (target: unknown): Call => ({ method: 'investigateAlarms', target, options: undefined });
ok('agentSpace', 'a name and the platform tag', agentSpace());
ok('agentSpace', 'every prop: GitHub (a user), Slack, no operator app, CRITICAL, ja-JP, PRODUCTION', agentSpace({
  description: 'The platform\'s agent',
  locale: 'ja-JP',
  github: { ...AGENT_GITHUB, ownerType: 'user' },
  slack: { ...AGENT_SLACK, channelName: 'ops' },
  operatorApp: false,
  investigationPriority: 'CRITICAL',
  profile: 'PRODUCTION',
}));
ok('agentSpace', 'investigateAlarms of two services', calling(agentSpace({ github: AGENT_GITHUB }),
  (fx) => [investigateAlarms(fx.newApp()), investigateAlarms(fx.newApp())]));
bad('agentSpace', 'no name', agentSpace({ name: undefined }), ['name']);
bad('agentSpace', 'name "" and locale "english"', agentSpace({ name: '', locale: 'english' }), ['name', 'locale']);
bad('agentSpace', 'github without serviceId, repositoryId not a number', agentSpace({ github: { ...AGENT_GITHUB, serviceId: undefined, repositoryId: 'abc' } }),
  ['github.serviceId', 'github.repositoryId']);
bad('agentSpace', 'github.repository with its owner, owner with a space', agentSpace({ github: { ...AGENT_GITHUB, repository: 'my-org/my-app', owner: 'my org' } }),
  ['github.repository', 'github.owner']);
bad('agentSpace', 'github.ownerType "team"', agentSpace({ github: { ...AGENT_GITHUB, ownerType: 'team' } }), ['github.ownerType']);
bad('agentSpace', 'slack workspaceId lower-case, no channelId, serviceId with a space',
  agentSpace({ slack: { ...AGENT_SLACK, workspaceId: 't0123abcd', channelId: undefined, serviceId: 'slack 1' } }),
  ['slack.workspaceId', 'slack.channelId', 'slack.serviceId']);
bad('agentSpace', 'investigationPriority "urgent", operatorApp "yes"', agentSpace({ investigationPriority: 'urgent', operatorApp: 'yes' }),
  ['investigationPriority', 'operatorApp']);
bad('agentSpace', 'a monitor tag key starting aws:, a tag value a number', agentSpace({ monitor: { tags: { 'aws:owner': 'x', 'team': 7 } } }),
  ['monitor.tags.aws:owner', 'monitor.tags.team']);
bad('agentSpace', 'typo investigationPriorty (did you mean investigationPriority?)', agentSpace({ investigationPriorty: 'HIGH' }),
  ['investigationPriorty'], ['did you mean investigationPriority?']);
bad('agentSpace', 'props null', () => null as unknown as Props, ['props']);
bad('agentSpace', 'investigateAlarms of a service of another app', calling(agentSpace(), (fx) => [investigateAlarms(fx.foreign.app)]), ['service'], ['another app']);
bad('agentSpace', 'investigateAlarms of a service of the other engine', calling(agentSpace(), (fx) => [investigateAlarms(fx.alien.app)]), ['service'],
  ['one app uses one engine']);
bad('agentSpace', 'investigateAlarms of a string', calling(agentSpace(), () => [investigateAlarms('api')]), ['service']);

// FargateWorkerService: the web service's planner without a load balancer.
ok('worker', 'an image only', worker());
ok('worker', 'every prop a worker has', worker({
  command: ['node', 'worker.js'],
  cpu: 1024,
  memoryMiB: 2048,
  desiredCount: 3,
  spot: false,
  environment: { QUEUE: 'jobs' },
  secrets: { TOKEN: { secretsManagerArn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:token-AbCdEf' } },
  healthCheck: { command: ['CMD-SHELL', 'test -f /tmp/alive'], intervalSeconds: 20, timeoutSeconds: 4, unhealthyThreshold: 4 },
  alarms: { cpuPercent: 90, memoryPercent: 85, errorLogCount: 1, errorLogPattern: 'FATAL', evaluationPeriods: 3 },
  autoScaling: undefined,
  stopTimeoutSeconds: 120,
  logRetentionDays: 90,
  profile: 'PRODUCTION',
}));
ok('worker', 'autoscaling without a fixed count', worker({ desiredCount: undefined, autoScaling: { minCapacity: 1, maxCapacity: 10, cpuTargetPercent: 60 } }));
bad('worker', 'no cluster', worker({ cluster: undefined }), ['cluster']);
bad('worker', 'no image', worker({ image: undefined }), ['image']);
bad('worker', 'web-only props: containerPort, routing, loadBalancer, healthCheckGracePeriodSeconds',
  worker({ containerPort: 8080, routing: { priority: 5 }, loadBalancer: {}, healthCheckGracePeriodSeconds: 30 }),
  ['containerPort', 'routing', 'loadBalancer', 'healthCheckGracePeriodSeconds'], ['is a FargateWebService prop']);
bad('worker', 'healthCheck without a command, a path (a web health check)', worker({ healthCheck: { path: '/health' } }),
  ['healthCheck.command', 'healthCheck.path']);
bad('worker', 'cpu 300, memoryMiB 100, desiredCount -1', worker({ cpu: 300, memoryMiB: 100, desiredCount: -1 }), ['cpu', 'memoryMiB', 'desiredCount']);
bad('worker', 'alarms.cpuPercent 0, alarms.evaluationPeriods 11, alarms.http5xxCount (a web alarm)',
  worker({ alarms: { cpuPercent: 0, evaluationPeriods: 11, http5xxCount: 5 } }), ['alarms.cpuPercent', 'alarms.evaluationPeriods', 'alarms.http5xxCount']);
bad('worker', 'healthCheck.intervalSeconds 1, timeoutSeconds 90', worker({ healthCheck: { command: ['CMD', 'true'], intervalSeconds: 1, timeoutSeconds: 90 } }),
  ['healthCheck.intervalSeconds', 'healthCheck.timeoutSeconds']);
bad('worker', 'a cluster of another app', worker((fx) => ({ cluster: fx.foreign.cluster })), ['cluster'], ['another app']);
bad('worker', 'a cluster of the other engine', worker((fx) => ({ cluster: fx.alien.cluster })), ['cluster'], ['one app uses one engine']);
bad('worker', 'typo comand (did you mean command?)', worker({ comand: ['node'] }), ['comand'], ['did you mean command?']);
bad('worker', 'props null', () => null as unknown as Props, ['props']);
ok('agentSpace', 'investigateAlarms of a worker', calling(agentSpace(), (fx) => [investigateAlarms(fx.newWorker())]));

ok('specPlatform', 'a spec of the stack\'s region', specPlatform());
bad('specPlatform', 'no spec', specPlatform({ spec: undefined }), ['spec']);
bad('specPlatform', 'a spec parsed by hand (a plain object, not a PlatformSpec)',
  specPlatform({ spec: { platform: { name: 'fuzz', region: 'eu-west-1' } } }), ['spec'], ['expected a PlatformSpec']);
bad('specPlatform', 'a spec directory\'s name instead of the loaded spec', specPlatform({ spec: './platform' }), ['spec'], ['PlatformSpec.load(dir']);
bad('specPlatform', 'typo specs (did you mean spec?), and so no spec', () => ({ specs: SPEC }), ['spec', 'specs'], ['did you mean spec?']);
bad('specPlatform', 'a spec for another region than the stack\'s', specPlatform({ spec: specOf('us-east-1') }), ['spec'],
  ['expected a spec for the stack\'s region eu-west-1; its platform.region is us-east-1']);
bad('specPlatform', 'props null', () => null as unknown as Props, ['props']);

export const CASES: readonly FuzzCase[] = table.map(({ title, ...c }, i) => ({
  ...c,
  name: `${String(i + 1).padStart(3, '0')} ${c.kind}: ${title}`,
}));
