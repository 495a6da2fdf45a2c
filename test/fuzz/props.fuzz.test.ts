/**
 * The props fuzz suite: every case of ./cases in both engines. Each case must
 * either construct and synthesise cleanly, or throw one PropsValidationError
 * listing exactly the expected problem props (never a TypeError or a raw
 * engine error), and the two engines must decide alike.
 *
 * Speed: a rejected construct throws before it creates anything, so all
 * rejected cases of an engine share one stack (each under its own child scope)
 * and its fixture. Accepted cases go into a few small apps, each with its own
 * fixture, and every app is synthesised once, in bulk; a synthesis error is
 * pinned on the case whose construct path it names.
 *
 * A case may call methods on its construct (TeleportCluster's addDatabase and
 * addApp) once built; an error a call throws is the case's error. A rejected
 * case that constructs (and calls) without an error is built again in an app
 * of its own, which is then synthesised: some problems show only then
 * (TeleportCluster checks its teams' roles when its configuration is rendered).
 */
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { VpcEndpoint } from '@cdktf/provider-aws/lib/vpc-endpoint';
import { App, CfnResource, Lazy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Lazy as TfLazy, App as TfApp, TerraformResource, TerraformStack, Testing } from 'cdktf';
import { Construct, IConstruct } from 'constructs';
import { AZS, Call, CASES, CdkObjects, CERTIFICATE_ARN, Collaborators, Engine, Fixture, FuzzCase, IMAGE, Kind, Props, TOPIC_ARN } from './cases';
import { PropProblem, PropsValidationError } from '../../src/constructs/validation';
import * as cdk from 'ecs-platform-constructs/cdk';
import * as cdktf from 'ecs-platform-constructs/cdktf';

/** Props that take the ARN of a secret: a value that is no ARN may be the secret itself, and errors never repeat it. */
const SECRET_PROPS = ['github.clientSecretArn'];

const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';
/** A new accepted-case app once its stack holds this many resources (CloudFormation allows 500 per stack; one case can add ~150). */
const MAX_GROUP_RESOURCES = 350;
/** ... or this many cases (keeps each CDKTF app, which rule and endpoint lookups walk, small). */
const MAX_GROUP_CASES = 40;
const CLASS_NAME: Record<Kind, string> = {
  network: 'PlatformNetwork',
  cluster: 'PlatformCluster',
  loadBalancer: 'PlatformLoadBalancer',
  service: 'FargateWebService',
  database: 'ManagedDatabase',
  table: 'ManagedTable',
  finops: 'FinOpsGuardrails',
  teleport: 'TeleportCluster',
  repository: 'ContainerRepository',
  deployRole: 'GitHubDeployRole',
  agentSpace: 'DevOpsAgentSpace',
  worker: 'FargateWorkerService',
  specPlatform: 'SpecPlatform',
};

// --- The engines --------------------------------------------------------------------------------

interface Kit {
  readonly engine: Engine;
  /** A stack `id` in `region`, in `app` or (without one) in a new app. */
  stack(app: IConstruct | undefined, id: string, region: string): { app: IConstruct; stack: Construct };
  build(kind: Kind, scope: Construct, id: string, props: unknown): Construct;
  /** A string token resolving to `value` at synthesis. */
  token(value: string): string;
  /** Interface endpoints for ecr.api, ecr.dkr and logs in the network's private subnets. */
  imagePullEndpoints(scope: Construct, network: unknown): void;
  resourceCount(stack: Construct): number;
  /** Synthesise the app (throws on failure). */
  synth(app: IConstruct, stack: Construct): void;
}

const outdirs = mkdtempSync(join(tmpdir(), 'epc-fuzz-'));
let outdirCount = 0;
const nextOutdir = () => join(outdirs, String(++outdirCount));

const CDK: Kit = {
  engine: 'cdk',
  stack(app, id, region) {
    // Template validation (cfn-lint rules) belongs to the quality gates; here it would only cost ~10 s.
    const theApp = (app as App | undefined) ?? new App({ outdir: nextOutdir(), builtinCloudFormationValidation: false });
    return { app: theApp, stack: new Stack(theApp, id, { env: { account: ACCOUNT, region } }) };
  },
  build(kind, scope, id, props) {
    switch (kind) {
      case 'network': return new cdk.PlatformNetwork(scope, id, props as cdk.PlatformNetworkProps);
      case 'cluster': return new cdk.PlatformCluster(scope, id, props as cdk.PlatformClusterProps);
      case 'loadBalancer': return new cdk.PlatformLoadBalancer(scope, id, props as cdk.PlatformLoadBalancerProps);
      case 'service': return new cdk.FargateWebService(scope, id, props as cdk.FargateWebServiceProps);
      case 'database': return new cdk.ManagedDatabase(scope, id, props as cdk.ManagedDatabaseProps);
      case 'table': return new cdk.ManagedTable(scope, id, props as cdk.ManagedTableProps);
      case 'finops': return new cdk.FinOpsGuardrails(scope, id, props as cdk.FinOpsGuardrailsProps);
      case 'teleport': return new cdk.TeleportCluster(scope, id, props as cdk.TeleportClusterProps);
      case 'repository': return new cdk.ContainerRepository(scope, id, props as cdk.ContainerRepositoryProps);
      case 'deployRole': return new cdk.GitHubDeployRole(scope, id, props as cdk.GitHubDeployRoleProps);
      case 'agentSpace': return new cdk.DevOpsAgentSpace(scope, id, props as cdk.DevOpsAgentSpaceProps);
      case 'worker': return new cdk.FargateWorkerService(scope, id, props as cdk.FargateWorkerServiceProps);
      case 'specPlatform': return new cdk.SpecPlatform(scope, id, props as cdk.SpecPlatformProps);
    }
  },
  token: (value) => Lazy.string({ produce: () => value }),
  imagePullEndpoints(_scope, network) {
    const n = network as cdk.PlatformNetwork;
    const services = {
      EcrApi: ec2.InterfaceVpcEndpointAwsService.ECR,
      EcrDkr: ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER,
      Logs: ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
    };
    for (const [id, service] of Object.entries(services)) n.vpc.addInterfaceEndpoint(id, { service, subnets: { subnets: n.privateSubnets } });
  },
  resourceCount: (stack) => stack.node.findAll().filter((c) => CfnResource.isCfnResource(c)).length,
  synth: (app) => void (app as App).synth(),
};

const CDKTF: Kit = {
  engine: 'cdktf',
  stack(app, id, region) {
    const theApp = (app as TfApp | undefined) ?? Testing.app({ outdir: nextOutdir() });
    const stack = new TerraformStack(theApp, id);
    new AwsProvider(stack, 'aws', { region });
    return { app: theApp, stack };
  },
  build(kind, scope, id, props) {
    switch (kind) {
      case 'network': return new cdktf.PlatformNetwork(scope, id, props as cdktf.PlatformNetworkProps);
      case 'cluster': return new cdktf.PlatformCluster(scope, id, props as cdktf.PlatformClusterProps);
      case 'loadBalancer': return new cdktf.PlatformLoadBalancer(scope, id, props as cdktf.PlatformLoadBalancerProps);
      case 'service': return new cdktf.FargateWebService(scope, id, props as cdktf.FargateWebServiceProps);
      case 'database': return new cdktf.ManagedDatabase(scope, id, props as cdktf.ManagedDatabaseProps);
      case 'table': return new cdktf.ManagedTable(scope, id, props as cdktf.ManagedTableProps);
      case 'finops': return new cdktf.FinOpsGuardrails(scope, id, props as cdktf.FinOpsGuardrailsProps);
      case 'teleport': return new cdktf.TeleportCluster(scope, id, props as cdktf.TeleportClusterProps);
      case 'repository': return new cdktf.ContainerRepository(scope, id, props as cdktf.ContainerRepositoryProps);
      case 'deployRole': return new cdktf.GitHubDeployRole(scope, id, props as cdktf.GitHubDeployRoleProps);
      case 'agentSpace': return new cdktf.DevOpsAgentSpace(scope, id, props as cdktf.DevOpsAgentSpaceProps);
      case 'worker': return new cdktf.FargateWorkerService(scope, id, props as cdktf.FargateWorkerServiceProps);
      case 'specPlatform': return new cdktf.SpecPlatform(scope, id, props as cdktf.SpecPlatformProps);
    }
  },
  token: (value) => TfLazy.stringValue({ produce: () => value }),
  imagePullEndpoints(scope, network) {
    const n = network as cdktf.PlatformNetwork;
    for (const service of ['ecr.api', 'ecr.dkr', 'logs']) {
      new VpcEndpoint(scope, `Endpoint-${service}`, {
        vpcId: n.vpcId,
        serviceName: `com.amazonaws.${REGION}.${service}`,
        vpcEndpointType: 'Interface',
        subnetIds: n.privateSubnetIds,
        privateDnsEnabled: true,
      });
    }
  },
  resourceCount: (stack) => stack.node.findAll().filter((c) => c instanceof TerraformResource).length,
  synth: (_app, stack) => void Testing.synth(stack as TerraformStack, true),
};


// --- Fixtures -----------------------------------------------------------------------------------

function lazy<T>(make: () => T): () => T {
  let value: T | undefined;
  let made = false;
  return () => {
    if (!made) {
      value = make();
      made = true;
    }
    return value as T;
  };
}

function collaboratorsOf(world: () => World): Collaborators {
  return {
    get network() { return world().network; },
    get cluster() { return world().cluster; },
    get lb() { return world().lb; },
    get httpsLb() { return world().httpsLb; },
    get database() { return world().database; },
    get app() { return world().app; },
  };
}

function cdkObjectsIn(stack: Construct): CdkObjects {
  const topic = lazy(() => sns.Topic.fromTopicArn(stack, 'AlarmTopic', TOPIC_ARN));
  const secret = lazy(() => secretsmanager.Secret.fromSecretCompleteArn(stack, 'DbSecret',
    'arn:aws:secretsmanager:eu-west-1:111122223333:secret:db-credentials-AbCdEf'));
  const secretByName = lazy(() => secretsmanager.Secret.fromSecretNameV2(stack, 'NamedSecret', 'api-token'));
  const parameter = lazy(() => ssm.StringParameter.fromStringParameterName(stack, 'FlagsParameter', '/app/feature-flags'));
  return {
    get topic() { return topic(); },
    get containerImage() { return ecs.ContainerImage.fromRegistry(IMAGE); },
    get secret() { return secret(); },
    get secretByName() { return secretByName(); },
    get parameter() { return parameter(); },
  };
}

interface Peers {
  readonly foreign: () => World;
  readonly otherRegion: () => World;
  readonly alien: () => World;
  readonly cdk: () => CdkObjects;
}

/** The collaborators of one stack, each built on first use. */
class World implements Fixture {
  public peers!: Peers;
  /** The scope of the case being set up: what newDatabase and newApp make goes there. */
  public caseScope?: Construct;
  private readonly made = new Map<string, unknown>();
  private fresh = 0;
  /** Listener priorities of the apps made by newApp (the cases' own priorities are below 40000). */
  private appPriority = 40000;

  constructor(
    private readonly kit: Kit,
    public readonly stack: Construct,
    private readonly azs: string[],
    /** Attach a service with listener-rule priority 10 to the shared load balancer. */
    private readonly takePriority10: boolean,
  ) {}

  public get engine(): Engine { return this.kit.engine; }
  public get network(): unknown { return this.once('network', () => this.build('network', 'Network', { availabilityZones: this.azs })); }
  public get cluster(): unknown { return this.once('cluster', () => this.build('cluster', 'Cluster', { network: this.network })); }
  public get lb(): unknown {
    return this.once('lb', () => {
      const lb = this.build('loadBalancer', 'SharedLoadBalancer', { network: this.network });
      if (this.takePriority10) {
        this.build('service', 'PriorityTen', { cluster: this.cluster, image: IMAGE, loadBalancer: lb, routing: { pathPatterns: ['/ten/*'], priority: 10 } });
      }
      return lb;
    });
  }
  /** The shared HTTPS load balancer (with a service on priority 10 where the other load balancer has one). */
  public get httpsLb(): unknown {
    return this.once('httpsLb', () => {
      const lb = this.build('loadBalancer', 'HttpsLoadBalancer', { network: this.network, certificateArn: CERTIFICATE_ARN });
      if (this.takePriority10) {
        this.build('service', 'HttpsPriorityTen', { cluster: this.cluster, image: IMAGE, loadBalancer: lb, routing: { pathPatterns: ['/ten/*'], priority: 10 } });
      }
      return lb;
    });
  }
  public get database(): unknown { return this.once('database', () => this.build('database', 'Database', { network: this.network })); }
  /** On the plain-HTTP load balancer: the other engine builds it when it first needs it, so it must not change what the HTTPS listener holds. */
  public get app(): unknown {
    return this.once('app', () => this.build('service', 'App', {
      cluster: this.cluster, image: IMAGE, loadBalancer: this.lb, routing: { pathPatterns: ['/app/*'], priority: 11 },
    }));
  }
  public get otherNetwork(): unknown {
    return this.once('otherNetwork', () => this.build('network', 'OtherNetwork', { availabilityZones: this.azs, cidr: '10.1.0.0/16' }));
  }
  public get otherLb(): unknown { return this.once('otherLb', () => this.build('loadBalancer', 'OtherLoadBalancer', { network: this.otherNetwork })); }
  public get otherHttpsLb(): unknown {
    return this.once('otherHttpsLb', () => this.build('loadBalancer', 'OtherHttpsLoadBalancer', { network: this.otherNetwork, certificateArn: CERTIFICATE_ARN }));
  }
  public get otherCluster(): unknown { return this.once('otherCluster', () => this.build('cluster', 'OtherCluster', { network: this.otherNetwork })); }
  public get natlessCluster(): unknown {
    return this.once('natlessCluster', () => {
      const network = this.build('network', 'NatlessNetwork', { availabilityZones: this.azs, natGateways: 0 });
      return this.build('cluster', 'NatlessCluster', { network });
    });
  }
  public get endpointCluster(): unknown {
    return this.once('endpointCluster', () => {
      const network = this.build('network', 'EndpointNetwork', { availabilityZones: this.azs, natGateways: 0 });
      this.kit.imagePullEndpoints(this.stack, network);
      return this.build('cluster', 'EndpointCluster', { network });
    });
  }
  public get foreign(): Collaborators { return collaboratorsOf(this.peers.foreign); }
  public get otherRegion(): Collaborators { return collaboratorsOf(this.peers.otherRegion); }
  public get alien(): Collaborators { return collaboratorsOf(this.peers.alien); }
  public get cdk(): CdkObjects { return this.peers.cdk(); }

  public token(value: string): string { return this.kit.token(value); }

  public newDatabase(id = `Database${++this.fresh}`, props: Props = {}): unknown {
    return this.kit.build('database', this.caseScope ?? this.stack, id, { network: this.network, ...props });
  }

  public newApp(id = `App${++this.fresh}`, props: Props = {}): unknown {
    const priority = ++this.appPriority;
    return this.kit.build('service', this.caseScope ?? this.stack, id, {
      cluster: this.cluster, image: IMAGE, loadBalancer: this.httpsLb, routing: { pathPatterns: [`/app${priority}/*`], priority }, ...props,
    });
  }

  public newWorker(id = `Worker${++this.fresh}`, props: Props = {}): unknown {
    return this.kit.build('worker', this.caseScope ?? this.stack, id, { cluster: this.cluster, image: IMAGE, ...props });
  }

  private once<T>(key: string, make: () => T): T {
    if (!this.made.has(key)) this.made.set(key, make());
    return this.made.get(key) as T;
  }

  private build(kind: Kind, id: string, props: unknown): Construct {
    return this.kit.build(kind, this.stack, id, props);
  }
}

// --- Running the cases --------------------------------------------------------------------------

/** Where a case's error came from: its constructor, one of its calls, or the synthesis of its app. */
type Step = 'construct' | Call['method'] | 'synth';

/** What one case did in one engine. */
interface Run {
  readonly engine: Engine;
  readonly expected: 'ok' | readonly string[];
  /** The construct path of the case's construct. */
  readonly path: string;
  readonly scope: Construct;
  /** The props given to the constructor. */
  props?: unknown;
  /** What the constructor (or a call, or the synthesis of the case's own app) threw, if anything. */
  error?: unknown;
  /** Where `error` came from. */
  step?: Step;
  /** For an error a call threw: the call's arguments by the names its problems use ({ database | app, options }). */
  callArguments?: Props;
  /** For an error the constructor threw: how many constructs it left in the tree (itself included). */
  leftBehind?: number;
  /** What building the case's props (its fixture) threw: a harness problem, not a finding. */
  fixtureError?: unknown;
  /** Set once the run's app was synthesised (accepted cases only). */
  synthesised?: boolean;
  synthError?: string;
}

interface Group {
  readonly app: IConstruct;
  readonly stack: Construct;
  readonly world: World;
  readonly runs: Run[];
}

interface Side {
  readonly kit: Kit;
  readonly reject: World;
  readonly groups: Group[];
}

function expectationIn(c: FuzzCase, engine: Engine): 'ok' | readonly string[] {
  return c.only === 'both' || c.only === engine ? c.expect : c.other;
}

const runs = new Map<string, Run>();
const runOf = (c: FuzzCase, engine: Engine) => runs.get(`${engine} ${c.name}`)!;

/** aws-cdk-lib objects in the CDK rejection stack, for the CDK-only props handed to a CDKTF construct. */
let cdkRejectObjects: () => CdkObjects;

function setUp(): Record<Engine, Side> {
  const sides = {} as Record<Engine, Side>;
  cdkRejectObjects = lazy(() => cdkObjectsIn(sides.cdk.reject.stack));
  for (const kit of [CDK, CDKTF]) {
    const { app, stack } = kit.stack(undefined, 'Fuzz', REGION);
    const reject = new World(kit, stack, AZS, true);
    const foreign = lazy(() => {
      const w = new World(kit, kit.stack(undefined, 'Foreign', REGION).stack, AZS, false);
      w.peers = reject.peers;
      return w;
    });
    const otherRegion = lazy(() => {
      const w = new World(kit, kit.stack(app, 'OtherRegion', 'us-east-1').stack, ['us-east-1a', 'us-east-1b'], false);
      w.peers = reject.peers;
      return w;
    });
    const alien = () => sides[kit.engine === 'cdk' ? 'cdktf' : 'cdk'].reject;
    reject.peers = { foreign, otherRegion, alien, cdk: cdkRejectObjects };
    sides[kit.engine] = { kit, reject, groups: [] };
  }
  return sides;
}

/** The accepted-case app with room for one more case. */
function groupFor(side: Side): Group {
  const last = side.groups[side.groups.length - 1];
  if (last && last.runs.length < MAX_GROUP_CASES && side.kit.resourceCount(last.stack) < MAX_GROUP_RESOURCES) return last;
  const { app, stack } = side.kit.stack(undefined, `Ok${String(side.groups.length + 1).padStart(2, '0')}`, REGION);
  const world = new World(side.kit, stack, AZS, false);
  world.peers = { ...side.reject.peers, cdk: side.kit.engine === 'cdk' ? lazy(() => cdkObjectsIn(stack)) : cdkRejectObjects };
  const group: Group = { app, stack, world, runs: [] };
  side.groups.push(group);
  return group;
}

/** The argument names a call's problems use. */
const TARGET_NAME: Record<Call['method'], string> = { addDatabase: 'database', addApp: 'app', investigateAlarms: 'service' };

/** Set up case `i` under `parent` with `world`'s collaborators, construct it and make its calls. */
function attempt(kit: Kit, c: FuzzCase, i: number, world: World, parent: Construct, expected: 'ok' | readonly string[]): Run {
  const scope = new Construct(parent, `Case${String(i + 1).padStart(3, '0')}`);
  const run: Run = { engine: kit.engine, expected, scope, path: `${scope.node.path}/Subject` };
  let props: unknown;
  let calls: readonly Call[];
  world.caseScope = scope;
  try {
    props = c.props(world);
    calls = c.calls?.(world) ?? [];
  } catch (e) {
    run.fixtureError = e;
    return run;
  } finally {
    world.caseScope = undefined;
  }
  run.props = props;
  let subject: Construct;
  try {
    subject = kit.build(c.kind, scope, 'Subject', props);
  } catch (e) {
    run.error = e;
    run.step = 'construct';
    const left = scope.node.tryFindChild('Subject');
    if (left) run.leftBehind = left.node.findAll().length;
    return run;
  }
  for (const call of calls) {
    try {
      (subject as unknown as Record<string, (target: unknown, options: unknown) => void>)[call.method](call.target, call.options);
    } catch (e) {
      run.error = e;
      run.step = call.method;
      run.callArguments = { [TARGET_NAME[call.method]]: call.target, options: call.options };
      return run;
    }
  }
  return run;
}

/** Case `i` built again in an app of its own, with its own fixture, then synthesised. */
function soloRun(side: Side, c: FuzzCase, i: number, expected: 'ok' | readonly string[]): Run {
  const { app, stack } = side.kit.stack(undefined, `Solo${String(i + 1).padStart(3, '0')}`, REGION);
  const world = new World(side.kit, stack, AZS, true);
  world.peers = { ...side.reject.peers, cdk: side.kit.engine === 'cdk' ? lazy(() => cdkObjectsIn(stack)) : cdkRejectObjects };
  const run = attempt(side.kit, c, i, world, stack, expected);
  if (run.fixtureError === undefined && run.error === undefined) {
    run.synthesised = true;
    try {
      side.kit.synth(app, stack);
    } catch (e) {
      run.error = e;
      run.step = 'synth';
    }
  }
  return run;
}

function runAll(): void {
  const sides = setUp();
  for (const engine of ['cdk', 'cdktf'] as const) {
    const side = sides[engine];
    CASES.forEach((c, i) => {
      const expected = expectationIn(c, engine);
      const group = expected === 'ok' ? groupFor(side) : undefined;
      const world = group?.world ?? side.reject;
      let run = attempt(side.kit, c, i, world, world.stack, expected);
      // A construct that threw half-way (or whose call did) must not break the bulk synthesis of the other accepted cases;
      // and what a rejected case built (its construct, what it made for its calls) must not change the fixture the next case sees
      // (the listener rules a listener priority is judged against).
      if (!group || run.error !== undefined) {
        for (const child of [...run.scope.node.children]) run.scope.node.tryRemoveChild(child.node.id);
      }
      // Rejected props that constructed: the problem may show only when the app is synthesised.
      if (!group && run.fixtureError === undefined && run.error === undefined) run = soloRun(side, c, i, expected);
      runs.set(`${engine} ${c.name}`, run);
      group?.runs.push(run);
    });
    for (const group of side.groups) {
      for (const r of group.runs) r.synthesised = true;
      try {
        side.kit.synth(group.app, group.stack);
      } catch (e) {
        const message = errorText(e);
        const named = group.runs.filter((r) => message.includes(r.path));
        for (const r of named.length > 0 ? named : group.runs) r.synthError = message;
      }
    }
  }
}

// --- Judging ------------------------------------------------------------------------------------

function errorText(e: unknown): string {
  if (!(e instanceof Error)) return `a thrown ${typeof e}: ${String(e)}`;
  const frame = e.stack?.split('\n').find((line) => /\/src\//.test(line))?.trim();
  return `${e.constructor.name}: ${e.message.split('\n').slice(0, 6).join(' | ')}${frame ? ` (${frame})` : ''}`;
}

function isValidationError(e: unknown): e is PropsValidationError {
  return e instanceof PropsValidationError && e.name === 'PropsValidationError';
}

/** The value at a problem path such as 'routing.pathPatterns[1]' in the props given, if there is one. */
function valueAt(props: unknown, path: string): { found: boolean; value?: unknown } {
  let current: unknown = props;
  for (const part of path.split('.')) {
    const [, key, indexes] = /^([^[]*)((?:\[\d+\])*)$/.exec(part) ?? [];
    if (key === undefined || typeof current !== 'object' || current === null || !(key in current)) return { found: false };
    current = (current as Record<string, unknown>)[key];
    for (const index of (indexes ?? '').match(/\d+/g) ?? []) {
      if (!Array.isArray(current) || Number(index) >= current.length) return { found: false };
      current = current[Number(index)];
    }
  }
  return { found: true, value: current };
}

/** How the message must show a plain value the user gave, or undefined for objects. */
function shown(value: unknown): string | undefined {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return JSON.stringify(value).slice(0, 60);
  return undefined;
}

const ENGINE_WORDS = /\b(an? )?(AWS CDK|CDK for Terraform)\b|ecs-platform-constructs\/cdk(tf)?\b/g;
/** Props only one binding has, as they appear in lists of valid names. */
const ENGINE_ONLY_NAMES = /, (containerImage|alarmTopic|secretsFrom|alarmTopicArn|waitForSteadyState)\b/g;
/** The engines' own type names for one kind of collaborator (FinOpsGuardrails' alertsTopic: sns.ITopic, SnsTopic). */
const ENGINE_TYPES = /\b(sns\.ITopic|SnsTopic resource|SnsTopic)\b/g;
/** What a problem allows, with the engine's own words, types and props taken out, for comparing the engines. */
const neutral = (p: PropProblem) => `${p.prop}: ${p.allowed.replace(ENGINE_WORDS, '<engine>').replace(ENGINE_TYPES, '<type>').replace(ENGINE_ONLY_NAMES, '')}`;

function judgeRun(c: FuzzCase, run: Run): string[] {
  const at = `[${run.engine}]`;
  if (run.fixtureError !== undefined) return [`${at} the fixture failed: ${errorText(run.fixtureError)}`];
  if (run.expected === 'ok') {
    const failures: string[] = [];
    if (run.error !== undefined) {
      failures.push(isValidationError(run.error)
        ? `${at} rejected valid props: ${run.error.message.replace(/\n/g, ' | ')}`
        : `${at} crashed: ${errorText(run.error)}`);
    } else if (!run.synthesised) {
      failures.push(`${at} was never synthesised (harness error)`);
    } else if (run.synthError !== undefined) {
      failures.push(`${at} synthesis failed: ${run.synthError}`);
    } else {
      const errors = run.scope.node.findAll().flatMap((n) => n.node.metadata
        .filter((m) => m.type === 'aws:cdk:error' || m.type === '@cdktf/error')
        .map((m) => `${n.node.path}: ${String(m.data)}`));
      if (errors.length > 0) failures.push(`${at} error annotations: ${errors.join('; ')}`);
    }
    return failures;
  }

  const expected = [...run.expected].sort();
  if (run.error === undefined) {
    return [`${at} accepted${run.synthesised ? ' (and synthesised)' : ''}; expected a PropsValidationError listing ${expected.join(', ')}`];
  }
  const step = run.step ?? 'construct';
  const during = step === 'construct' ? '' : step === 'synth' ? ' at synthesis' : ` in ${step}`;
  if (!isValidationError(run.error)) {
    const left = run.leftBehind !== undefined ? ', leaving a half-built construct in the tree' : '';
    return [`${at} threw ${errorText(run.error)}${during}${left} instead of a PropsValidationError listing ${expected.join(', ')}`];
  }
  const e = run.error;
  const failures: string[] = [];
  const got = e.problems.map((p) => p.prop).sort();
  if (JSON.stringify(got) !== JSON.stringify(expected)) {
    failures.push(`${at} problems [${got.join(', ')}], expected [${expected.join(', ')}]: ${e.message.replace(/\n/g, ' | ')}`);
  }
  const n = e.problems.length;
  // A call's problems are its own: TeleportCluster.addDatabase, with the names of its arguments.
  const construct = step === 'construct' || step === 'synth' ? CLASS_NAME[c.kind] : `${CLASS_NAME[c.kind]}.${step}`;
  const header = `Invalid props for ${construct} at '${run.path}' (${n} problem${n === 1 ? '' : 's'}):`;
  if (!e.message.startsWith(header)) failures.push(`${at} message${during} does not start with ${JSON.stringify(header)}: ${e.message.split('\n')[0]}`);
  const props = run.callArguments ?? run.props;
  for (const p of e.problems) {
    if (!e.message.includes(`  - ${p.prop}: got `)) failures.push(`${at} message has no line for ${p.prop}`);
    if (!p.allowed || p.allowed.trim().length === 0) failures.push(`${at} ${p.prop}: no "allowed" text`);
    const given = valueAt(props, p.prop);
    // A secret given where its ARN belongs is never repeated: the message must say it is not shown, and not contain it.
    if (SECRET_PROPS.includes(p.prop) && given.found && typeof given.value === 'string' && !given.value.startsWith('arn:')) {
      if (e.message.includes(given.value) || !e.message.includes(`${p.prop}: got "<a value that is not an ARN, not shown>"`)) {
        failures.push(`${at} ${p.prop}: a secret value given in place of its ARN is repeated, or not said to be hidden`);
      }
      continue;
    }
    const text = given.found ? shown(given.value) : undefined;
    // A bad variable name (environment.1X) is named by the name itself.
    const name = JSON.stringify(p.prop.slice(p.prop.lastIndexOf('.') + 1));
    if (text !== undefined && !e.message.includes(`${p.prop}: got ${text}`) && !e.message.includes(`${p.prop}: got ${name}`)) {
      failures.push(`${at} the message does not name the value given for ${p.prop} (${text}): ${e.message.replace(/\n/g, ' | ')}`);
    }
  }
  if (c.only === 'both' || c.only === run.engine) {
    for (const text of c.says) {
      if (!e.message.includes(text)) failures.push(`${at} message lacks ${JSON.stringify(text)}: ${e.message.replace(/\n/g, ' | ')}`);
    }
  } else if (!/unknown prop/.test(e.message)) {
    failures.push(`${at} the other engine's prop is not reported as an unknown prop: ${e.message.replace(/\n/g, ' | ')}`);
  }
  if (run.leftBehind !== undefined) failures.push(`${at} the rejected construct left itself in the tree (with ${run.leftBehind - 1} construct(s) under it)`);
  return failures;
}

function judge(c: FuzzCase): string[] {
  const cdkRun = runOf(c, 'cdk');
  const tfRun = runOf(c, 'cdktf');
  const failures = [...judgeRun(c, cdkRun), ...judgeRun(c, tfRun)];
  if (c.only === 'both') {
    const decision = (r: Run) => (r.error === undefined ? 'accepted' : isValidationError(r.error) ? 'rejected' : 'crashed');
    if (decision(cdkRun) !== decision(tfRun)) {
      failures.push(`the engines disagree: cdk ${decision(cdkRun)}, cdktf ${decision(tfRun)}`);
    } else if (isValidationError(cdkRun.error) && isValidationError(tfRun.error)) {
      const cdkProblems = cdkRun.error.problems.map(neutral).sort();
      const tfProblems = tfRun.error.problems.map(neutral).sort();
      if (JSON.stringify(cdkProblems.map((p) => p.split(':')[0])) !== JSON.stringify(tfProblems.map((p) => p.split(':')[0]))) {
        failures.push(`the engines list different problems: cdk [${cdkProblems.join('; ')}], cdktf [${tfProblems.join('; ')}]`);
      } else if (JSON.stringify(cdkProblems) !== JSON.stringify(tfProblems)) {
        failures.push(`the engines explain a problem differently: cdk [${cdkProblems.join('; ')}], cdktf [${tfProblems.join('; ')}]`);
      }
    }
  }
  return failures;
}

// --- The tests ----------------------------------------------------------------------------------

beforeAll(runAll);

afterAll(() => rmSync(outdirs, { recursive: true, force: true }));

test('the table has at least 300 uniquely named cases', () => {
  expect(CASES.length).toBeGreaterThanOrEqual(300);
  expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
});

test.each(CASES)('$name', (c) => {
  expect(judge(c)).toEqual([]);
});
