/**
 * Deployability rules (DESIGN.md, "Output that works when deployed"): cross-resource
 * checks for defects that pass cdk-nag, cfn-guard and `terraform validate` but fail,
 * or misbehave, once deployed.
 *
 * Each engine's output is read into the same Model (alarms, topics, policies, load
 * balancers, services... pointing at each other by id: the CloudFormation logical ID
 * or the Terraform address) and a Graph that knows the engine's spelling of
 * references, dependencies and policy documents. The rules read only those two, so
 * one rule serves both engines.
 */
import { TfJson } from './terraform';

type Json = any;
export type Engine = 'cdk' | 'cdktf';

export interface Finding {
  readonly rule: string;
  /** The CloudFormation logical ID or the Terraform address of the resource at fault. */
  readonly resource: string;
  readonly message: string;
}

export const RULES = [
  'ALARM_TOPIC_ADMITS_CLOUDWATCH',
  'ALARM_TOPIC_KEY_ADMITS_CLOUDWATCH',
  'LOG_GRANT_COVERS_STREAMS',
  'PUBLIC_LB_AFTER_INTERNET_ROUTES',
  'ALB_AFTER_LOG_BUCKET_POLICY',
  'FLOW_LOG_AFTER_ROLE_POLICIES',
  'DEPLOYMENT_ALARMS_EXIST',
  'SERVICE_WAITS_FOR_LISTENER_AND_ROLE_POLICIES',
  'AUTOSCALED_SERVICE_HAS_NO_FIXED_COUNT',
  'ALB_LOG_BUCKET_SSE_S3',
  'ALB_LOG_BUCKET_ADMITS_LOG_DELIVERY',
  'ALB_LOG_BUCKET_REGION_SAFE',
  'SERVICE_ROLE_TRUST_HAS_SOURCE_CONDITION',
  'SERVICE_STATEMENT_HAS_SOURCE_CONDITION',
  'SERVICE_PRINCIPAL_USES_PARTITION_SUFFIX',
  /** CloudFormation only: Terraform's aws_security_group always removes EC2's default egress rule. */
  'SECURITY_GROUP_EGRESS_EXPLICIT',
  'DB_AFTER_EXPORT_LOG_GROUPS',
  'DB_PASSWORD_MANAGED_BY_RDS',
  'TOPIC_ADMITS_ITS_PUBLISHERS',
  'TOPIC_KEY_ADMITS_ITS_PUBLISHERS',
  'ACCOUNT_SCOPED_NAME_INCLUDES_REGION',
  'FUNCTION_AFTER_ROLE_POLICIES',
  'TASK_SECRETS_READABLE',
  'TASK_CONTAINER_DEPENDENCIES_VALID',
  'LAMBDA_SUBSCRIPTION_DELIVERS',
  /** Needs two deployments: see sharedPhysicalNames, not deployabilityFindings. */
  'PHYSICAL_NAME_UNIQUE_PER_DEPLOYMENT',
] as const;
export type RuleId = (typeof RULES)[number];

export interface DeployabilityOptions {
  /** Evaluate only these rules. @default every rule */
  readonly only?: RuleId[];
}

// ---------------------------------------------------------------------------
// The graph: one per engine

interface Node {
  readonly id: string;
  readonly type: string;
  readonly props: Json;
  /** Explicit dependencies: DependsOn / depends_on. */
  readonly deps: string[];
}

interface Graph {
  readonly nodes: ReadonlyMap<string, Node>;
  /** The node `value` refers to, when it is exactly one reference to a node of the output. */
  ref(value: unknown): string | undefined;
  /** Every node referenced anywhere inside `value` (Terraform: through locals too). */
  refs(value: unknown): Set<string>;
  /** `value` as text, one string per alternative (Fn::If branches); references read `${id.attr}`. */
  render(value: unknown): string[];
  /** The policy documents `value` may be (every branch of a condition); one that cannot be read is UNREADABLE. */
  documents(value: unknown): Json[];
  /** Lookups in a region table that fail for a region the table lacks. */
  regionTableLookups(value: unknown): string[];
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isIf = (v: unknown): boolean => isObject(v) && 'Fn::If' in v;
const isNoValue = (v: unknown): boolean => isObject(v) && v.Ref === 'AWS::NoValue';
const isDocument = (v: unknown): boolean => isObject(v) && 'Statement' in v;
/** A policy that cannot be read: it grants nothing, so rules that need a grant report it. */
const UNREADABLE: Json = { Statement: [] };
const unique = <T>(xs: T[]): T[] => [...new Set(xs)];
const defined = <T>(xs: Array<T | undefined>): T[] => xs.filter((x): x is T => x !== undefined);

/** The values `v` may take (Fn::If expanded one level; AWS::NoValue vanishes). Terraform values are their own only branch. */
function branches(v: unknown): unknown[] {
  if (isIf(v)) return [...branches((v as Json)['Fn::If'][1]), ...branches((v as Json)['Fn::If'][2])];
  return isNoValue(v) ? [] : [v];
}

/** The items of a list (or of a single value) in any branch. */
function anyItems(v: unknown): Json[] {
  return branches(v).flatMap((b) => (Array.isArray(b) ? b.flatMap(branches) : [b])).filter((x) => x !== undefined);
}

/** The items of a list (or of a single value) present whichever way the conditions go. */
function alwaysItems(v: unknown): Json[] {
  if (isIf(v)) {
    const [, a, b] = (v as Json)['Fn::If'];
    const inB = alwaysItems(b).map((x) => JSON.stringify(x));
    return alwaysItems(a).filter((x) => inB.includes(JSON.stringify(x)));
  }
  if (isNoValue(v) || v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).flatMap((e) => (isIf(e) || isNoValue(e) ? alwaysItems(e) : [e]));
}

/** Every string inside a JSON value. */
function strings(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(strings);
  return isObject(v) ? Object.values(v).flatMap(strings) : [];
}

/** Fn::Sub's template and variables (it takes a string, or [string, variables]). */
const subArgs = (v: Json): [string, Json] => (Array.isArray(v['Fn::Sub']) ? [v['Fn::Sub'][0], v['Fn::Sub'][1] ?? {}] : [v['Fn::Sub'], {}]);

/** A CloudFormation template. */
function cfnGraph(template: Json): Graph {
  const nodes = new Map<string, Node>();
  for (const [id, r] of Object.entries<Json>(template.Resources ?? {})) {
    nodes.set(id, { id, type: r.Type, props: r.Properties ?? {}, deps: r.DependsOn === undefined ? [] : [].concat(r.DependsOn) });
  }
  const getAtt = (v: Json): [string, string] | undefined => {
    const a = v?.['Fn::GetAtt'];
    if (typeof a === 'string') return [a.split('.')[0], a.split('.').slice(1).join('.')];
    return Array.isArray(a) ? [a[0], a[1]] : undefined;
  };
  const ref = (v: unknown): string | undefined => {
    const id = isObject(v) ? (typeof v.Ref === 'string' ? v.Ref : getAtt(v)?.[0]) : undefined;
    return id !== undefined && nodes.has(id) ? id : undefined;
  };
  const refs = (v: unknown, out = new Set<string>()): Set<string> => {
    if (Array.isArray(v)) v.forEach((x) => refs(x, out));
    if (!isObject(v)) return out;
    const direct = ref(v);
    if (direct) out.add(direct);
    if (v['Fn::Sub'] !== undefined) {
      const [text] = subArgs(v);
      for (const [, name] of text.matchAll(/\$\{([^!}][^}.]*)[^}]*\}/g)) if (nodes.has(name)) out.add(name);
    }
    Object.values(v).forEach((x) => refs(x, out));
    return out;
  };
  // A Join of many conditions (the ELB account table) has 2^n alternatives; the rules read principals
  // and ARNs, which have a handful, so the alternatives beyond this many are not rendered.
  const MAX_ALTERNATIVES = 64;
  const product = (parts: string[][], sep: string) => parts.reduce<string[]>((acc, alts, i) =>
    unique(acc.flatMap((a) => (alts.length ? alts : ['']).map((o) => (i === 0 ? o : `${a}${sep}${o}`)))).slice(0, MAX_ALTERNATIVES), ['']);
  const attText = (id: string, attr: string) =>
    // The Arn of an AWS::Logs::LogGroup already ends in ":*" (it names the group's log streams).
    `\${${id}.${attr}}${nodes.get(id)?.type === 'AWS::Logs::LogGroup' && attr === 'Arn' ? ':*' : ''}`;
  const render = (v: unknown): string[] => {
    if (typeof v === 'string') return [v];
    if (typeof v === 'number' || typeof v === 'boolean') return [String(v)];
    if (!isObject(v)) return [JSON.stringify(v)];
    if (isNoValue(v)) return [];
    if (isIf(v)) return unique([...render(v['Fn::If'][1]), ...render(v['Fn::If'][2])]);
    if (typeof v.Ref === 'string') return [`\${${v.Ref}}`];
    const att = getAtt(v);
    if (att) return [attText(att[0], att[1])];
    if (Array.isArray(v['Fn::Join'])) {
      const [sep, parts] = v['Fn::Join'];
      return product(anyItems(parts).map(render), sep);
    }
    if (v['Fn::Sub'] !== undefined) {
      const [text, vars] = subArgs(v);
      const pieces = text.split(/(\$\{[^!}][^}]*\})/).map((piece) => {
        const m = /^\$\{([^}.]+)(?:\.([^}]+))?\}$/.exec(piece);
        if (!m) return [piece];
        if (vars[m[1]] !== undefined) return render(vars[m[1]]);
        return [m[2] ? attText(m[1], m[2]) : piece];
      });
      return product(pieces, '');
    }
    const fn = Object.keys(v).find((k) => k.startsWith('Fn::'));
    return [fn ? `\${${fn}}` : JSON.stringify(v)];
  };
  return {
    nodes,
    ref,
    refs: (v) => refs(v),
    render,
    documents: (v) => branches(v).map((d) => (isDocument(d) ? d : UNREADABLE)),
    // CloudFormation resolves every Fn::FindInMap, even inside an untaken Fn::If branch, and fails the
    // stack when the map lacks the key (a region opened after the map was written).
    regionTableLookups: (v) => {
      const found: string[] = [];
      const walk = (x: unknown): void => {
        if (Array.isArray(x)) x.forEach(walk);
        if (!isObject(x)) return;
        if ('Fn::FindInMap' in x) found.push(`Fn::FindInMap ${JSON.stringify(x['Fn::FindInMap'])}`);
        Object.values(x).forEach(walk);
      };
      walk(v);
      return found;
    },
  };
}

/** The `${...}` expressions inside a Terraform string (braces balanced). */
function tfExpressions(s: string): string[] {
  const out: string[] = [];
  for (let i = s.indexOf('${'); i >= 0; i = s.indexOf('${', i + 1)) {
    let depth = 0;
    for (let j = i + 1; j < s.length; j++) {
      if (s[j] === '{') depth++;
      if (s[j] === '}' && --depth === 0) {
        out.push(s.slice(i + 2, j));
        break;
      }
    }
  }
  return out;
}

/** A Terraform JSON document as cdktf writes it. */
function tfGraph(json: TfJson): Graph {
  const nodes = new Map<string, Node>();
  const add = (prefix: string, blocks: Json) => {
    for (const [type, byName] of Object.entries<Json>(blocks ?? {})) {
      for (const [name, config] of Object.entries<Json>(byName)) {
        const { depends_on: dependsOn, ['//']: _meta, ...props } = config;
        void _meta;
        const deps = (dependsOn ?? []).map((d: string) => d.replace(/^\$\{(.*)\}$/, '$1'));
        nodes.set(`${prefix}${type}.${name}`, { id: `${prefix}${type}.${name}`, type, props, deps });
      }
    }
  };
  add('', json.resource);
  add('data.', json.data);
  const locals: Json = json.locals ?? {};
  const tokens = (expression: string) =>
    [...expression.matchAll(/(?<![\w.])((?:data\.)?[a-z][a-z0-9_]*\.[A-Za-z0-9_-]+)/g)].map((m) => m[1]);
  /** Strings of `v` and of every local it reads, transitively. */
  const expanded = (v: unknown, seen = new Set<string>()): string[] => strings(v).flatMap((s) => [s,
    ...tfExpressions(s).flatMap(tokens).filter((t) => t.startsWith('local.') && !seen.has(t))
      .flatMap((t) => (seen.add(t), expanded(locals[t.slice('local.'.length)], seen)))]);
  const refs = (v: unknown): Set<string> => {
    const { lifecycle: _lifecycle, ...rest } = isObject(v) ? v : { value: v };
    void _lifecycle; // ignore_changes names attributes, not resources
    return new Set(expanded(rest).flatMap(tfExpressions).flatMap(tokens).filter((t) => nodes.has(t)));
  };
  const documents = (v: unknown, seen = new Set<string>()): Json[] => {
    if (isObject(v)) return [isDocument(v) ? v : UNREADABLE];
    if (typeof v !== 'string') return [];
    const whole = /^\$\{([\s\S]*)\}$/.exec(v);
    if (whole && tfExpressions(v).length === 1) {
      // An expression choosing between locals (e.g. `${cond ? local.A : local.B}`) is every local it may
      // choose; any other expression (jsonencode, a data source) cannot be read here.
      const names = tokens(whole[1]).filter((t) => t.startsWith('local.') && !seen.has(t));
      names.forEach((t) => seen.add(t));
      const chosen = names.map((t) => locals[t.slice('local.'.length)]).filter((l) => typeof l === 'string' || isDocument(l));
      return chosen.length ? chosen.flatMap((l) => documents(l, seen)) : [UNREADABLE];
    }
    return [parseTemplateJson(v) ?? UNREADABLE];
  };
  return {
    nodes,
    ref: (v) => {
      const m = typeof v === 'string' ? /^\$\{((?:data\.)?[a-z][a-z0-9_]*\.[A-Za-z0-9_-]+)\.[A-Za-z0-9_.]+\}$/.exec(v) : null;
      return m && nodes.has(m[1]) ? m[1] : undefined;
    },
    refs,
    render: (v) => (typeof v === 'string' ? [v] : [JSON.stringify(v)]),
    documents: (v) => documents(v),
    // data.aws_elb_service_account fails at plan time in regions the provider's table lacks (every
    // region opened since 2022); so does a map indexed by region without a default.
    regionTableLookups: (v) => unique(expanded(v).flatMap(tfExpressions).flatMap((e) => [
      ...tokens(e).filter((t) => t.startsWith('data.aws_elb_service_account.')),
      ...[...e.matchAll(/local\.[A-Za-z0-9_-]+\[[^\]]*\]/g)].map((m) => m[0]),
      ...[...e.matchAll(/lookup\(/g)].filter((m) => topLevelArgs(e, m.index! + 'lookup('.length) < 3).map(() => 'lookup() without a default'),
    ])),
  };
}

/**
 * A Terraform string template holding JSON: `${...}` expressions may hold quotes
 * (`${lookup(local.m, k, "none")}`), so they are set aside while the JSON is parsed.
 */
function parseTemplateJson(text: string): Json | undefined {
  const expressions = tfExpressions(text);
  let masked = text;
  expressions.forEach((e, i) => { masked = masked.replace(`\${${e}}`, `\${__expression_${i}__}`); });
  const restore = (v: unknown): unknown => (typeof v === 'string'
    ? v.replace(/\$\{__expression_(\d+)__\}/g, (_m, i) => `\${${expressions[Number(i)]}}`)
    : Array.isArray(v) ? v.map(restore) : isObject(v) ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, restore(x)])) : v);
  try {
    const doc = restore(JSON.parse(masked));
    return isDocument(doc) ? doc : undefined;
  } catch {
    return undefined;
  }
}

/** How many arguments a call has, its argument list starting at `start`. */
function topLevelArgs(e: string, start: number): number {
  let depth = 0;
  let args = 1;
  for (let i = start; i < e.length; i++) {
    if ('([{'.includes(e[i])) depth++;
    if (')]}'.includes(e[i]) && depth-- === 0) return args;
    if (e[i] === ',' && depth === 0) args++;
  }
  return args;
}

/** Every node `id` waits for: explicit dependencies and references, followed transitively. */
function closure(g: Graph, id: string): Set<string> {
  const seen = new Set<string>();
  const queue = [id];
  while (queue.length) {
    const node = g.nodes.get(queue.pop()!);
    if (!node) continue;
    for (const next of [...node.deps, ...g.refs(node.props)]) {
      if (!seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
  return seen;
}

// ---------------------------------------------------------------------------
// The model: what the rules read, the same for both engines

interface Model {
  alarms: Array<{ id: string; actions: string[]; name?: unknown }>;
  topics: Array<{ id: string; key?: string }>;
  topicPolicies: Array<{ id: string; topics: string[]; document: unknown }>;
  keyPolicies: Array<{ id: string; key: string; document: unknown }>;
  roles: Array<{ id: string; trust: unknown }>;
  /** Identity policies (inline or managed), for their statements. */
  identityPolicies: Array<{ id: string; document: unknown }>;
  /** Resources that give a role its permissions after the role exists (policies, attachments). */
  roleGrants: Array<{ id: string; role: string }>;
  logGroups: Set<string>;
  loadBalancers: Array<{ id: string; internetFacing: boolean; subnets: string[]; logBucket?: string }>;
  subnetVpc: Map<string, string | undefined>;
  /** The resource after which an internet gateway routes traffic (CFN: the attachment), its gateway and VPC. */
  internetGateways: Array<{ id: string; gateway?: string; vpc?: string }>;
  routes: Array<{ id: string; gateway?: string }>;
  services: Array<{ id: string; taskDefinition?: string; targetGroups: string[]; fixedCount: boolean; deploymentAlarms: unknown[] }>;
  taskDefinitionRoles: Map<string, string[]>;
  /** Listeners and listener rules, with the target groups they forward to. */
  forwarders: Array<{ id: string; targetGroups: string[] }>;
  scalableTargets: Array<{ id: string; scales: string[] }>;
  bucketEncryption: Array<{ id: string; bucket?: string; algorithms: string[] }>;
  bucketPolicies: Array<{ id: string; bucket?: string; document: unknown }>;
  /** Flow logs that deliver with a role (to CloudWatch Logs). */
  flowLogs: Array<{ id: string; role: string }>;
  /** Security groups, and whether their egress is declared (else EC2's default allow-all stays). */
  securityGroups: Array<{ id: string; egressDeclared: boolean }>;
  /** DB instances: identifier, exported log types, and how the master password is given. */
  databases: Array<{ id: string; identifier?: string; logExports: string[]; managedPassword: boolean; literalPassword: boolean }>;
  /** Log groups of the output by their literal name. */
  logGroupNames: Map<string, string>;
  /** Budgets, budget actions, anomaly subscriptions and event targets: the topics they publish to, as which service. */
  topicPublishers: Array<{ id: string; topic: string; service: string }>;
  /** Names unique per account, not per region (budgets, anomaly monitors and subscriptions, Chatbot channels). */
  accountScopedNames: Array<{ id: string; name: unknown }>;
  /** Lambda functions with a dead-letter target: Lambda checks at creation that the role may send to it. */
  deadLetterFunctions: Array<{ id: string; role: string }>;
  /** ECS task definitions: the execution role, the declared volumes and each container's dependencies, mounts and secrets. */
  tasks: Array<{ id: string; executionRole?: string; volumes: string[]; containers: TaskContainer[] }>;
}

interface TaskContainer {
  readonly name: string;
  readonly essential: boolean;
  readonly dependsOn: Array<{ container: string; condition: string }>;
  readonly volumes: string[];
  /** valueFrom of each secret, as the engine writes it (a reference or a literal). */
  readonly secrets: unknown[];
}

/** A container definition in ECS's JSON (Terraform) or CloudFormation's PascalCase, read alike. */
function taskContainer(c: Json): TaskContainer {
  const get = (key: string) => c[key] ?? c[key[0].toUpperCase() + key.slice(1)];
  return {
    name: get('name'),
    // ECS: a container is essential unless it says otherwise.
    essential: get('essential') !== false,
    dependsOn: anyItems(get('dependsOn')).map((d) => ({ container: d.containerName ?? d.ContainerName, condition: d.condition ?? d.Condition })),
    volumes: anyItems(get('mountPoints')).map((mp) => mp.sourceVolume ?? mp.SourceVolume),
    secrets: anyItems(get('secrets')).map((x) => x.valueFrom ?? x.ValueFrom),
  };
}

function emptyModel(): Model {
  return {
    alarms: [],
    topics: [],
    topicPolicies: [],
    keyPolicies: [],
    roles: [],
    identityPolicies: [],
    roleGrants: [],
    logGroups: new Set(),
    loadBalancers: [],
    subnetVpc: new Map(),
    internetGateways: [],
    routes: [],
    services: [],
    taskDefinitionRoles: new Map(),
    forwarders: [],
    scalableTargets: [],
    bucketEncryption: [],
    bucketPolicies: [],
    flowLogs: [],
    securityGroups: [],
    databases: [],
    logGroupNames: new Map(),
    topicPublishers: [],
    accountScopedNames: [],
    deadLetterFunctions: [],
    tasks: [],
  };
}

/** `id` publishes, as AWS service `service`, to each topic of the output among `addresses`. */
function publishesTo(g: Graph, m: Model, id: string, service: string, addresses: unknown[]): void {
  for (const topic of refsOf(g, addresses)) m.topicPublishers.push({ id, topic, service });
}

type Reader = (r: Node, g: Graph, m: Model) => void;
const refsOf = (g: Graph, values: unknown[]): string[] => unique(defined(values.map((v) => g.ref(v))));

const CFN_READERS: Record<string, Reader> = {
  'AWS::CloudWatch::Alarm': ({ id, props: p }, g, m) => m.alarms.push({
    id, name: p.AlarmName, actions: refsOf(g, [...anyItems(p.AlarmActions), ...anyItems(p.OKActions), ...anyItems(p.InsufficientDataActions)]),
  }),
  'AWS::SNS::Topic': ({ id, props: p }, g, m) => m.topics.push({ id, key: g.ref(p.KmsMasterKeyId) }),
  'AWS::SNS::TopicPolicy': ({ id, props: p }, g, m) => m.topicPolicies.push({ id, topics: refsOf(g, anyItems(p.Topics)), document: p.PolicyDocument }),
  'AWS::SNS::TopicInlinePolicy': ({ id, props: p }, g, m) => m.topicPolicies.push({ id, topics: refsOf(g, [p.TopicArn]), document: p.PolicyDocument }),
  'AWS::KMS::Key': ({ id, props: p }, _g, m) => m.keyPolicies.push({ id, key: id, document: p.KeyPolicy }),
  'AWS::IAM::Role': ({ id, props: p }, _g, m) => {
    m.roles.push({ id, trust: p.AssumeRolePolicyDocument });
    for (const inline of anyItems(p.Policies)) m.identityPolicies.push({ id, document: inline.PolicyDocument });
  },
  'AWS::IAM::Policy': ({ id, props: p }, g, m) => {
    m.identityPolicies.push({ id, document: p.PolicyDocument });
    for (const role of refsOf(g, anyItems(p.Roles))) m.roleGrants.push({ id, role });
  },
  'AWS::IAM::ManagedPolicy': (r, g, m) => CFN_READERS['AWS::IAM::Policy'](r, g, m),
  'AWS::IAM::RolePolicy': ({ id, props: p }, g, m) => {
    m.identityPolicies.push({ id, document: p.PolicyDocument });
    for (const role of refsOf(g, [p.RoleName])) m.roleGrants.push({ id, role });
  },
  'AWS::Logs::LogGroup': ({ id, props: p }, _g, m) => {
    m.logGroups.add(id);
    if (typeof p.LogGroupName === 'string') m.logGroupNames.set(p.LogGroupName, id);
  },
  'AWS::RDS::DBInstance': ({ id, props: p }, _g, m) => m.databases.push({
    id,
    identifier: typeof p.DBInstanceIdentifier === 'string' ? p.DBInstanceIdentifier : undefined,
    logExports: anyItems(p.EnableCloudwatchLogsExports).filter((x): x is string => typeof x === 'string'),
    managedPassword: p.ManageMasterUserPassword === true,
    literalPassword: p.MasterUserPassword !== undefined,
  }),
  'AWS::ElasticLoadBalancingV2::LoadBalancer': ({ id, props: p }, g, m) => {
    const attribute = (key: string) => anyItems(p.LoadBalancerAttributes).find((a) => a.Key === key)?.Value;
    m.loadBalancers.push({
      id,
      internetFacing: p.Type !== 'gateway' && p.Scheme !== 'internal',
      subnets: refsOf(g, [...anyItems(p.Subnets), ...anyItems(p.SubnetMappings).map((s) => s.SubnetId)]),
      logBucket: String(attribute('access_logs.s3.enabled')) === 'true' ? g.ref(attribute('access_logs.s3.bucket')) : undefined,
    });
  },
  'AWS::EC2::Subnet': ({ id, props: p }, g, m) => m.subnetVpc.set(id, g.ref(p.VpcId)),
  // Without SecurityGroupEgress, CloudFormation leaves EC2's default allow-all egress rule in place.
  'AWS::EC2::SecurityGroup': ({ id, props: p }, _g, m) => m.securityGroups.push({ id, egressDeclared: p.SecurityGroupEgress !== undefined }),
  'AWS::EC2::VPCGatewayAttachment': ({ id, props: p }, g, m) => {
    if (p.InternetGatewayId !== undefined) m.internetGateways.push({ id, gateway: g.ref(p.InternetGatewayId), vpc: g.ref(p.VpcId) });
  },
  'AWS::EC2::Route': ({ id, props: p }, g, m) => m.routes.push({ id, gateway: g.ref(p.GatewayId) }),
  'AWS::ECS::Service': ({ id, props: p }, g, m) => m.services.push({
    id,
    taskDefinition: g.ref(p.TaskDefinition),
    targetGroups: refsOf(g, anyItems(p.LoadBalancers).map((lb) => lb.TargetGroupArn)),
    fixedCount: p.DesiredCount !== undefined,
    deploymentAlarms: anyItems(p.DeploymentConfiguration?.Alarms?.AlarmNames),
  }),
  'AWS::ECS::TaskDefinition': ({ id, props: p }, g, m) => {
    m.taskDefinitionRoles.set(id, refsOf(g, [p.TaskRoleArn, p.ExecutionRoleArn]));
    m.tasks.push({
      id,
      executionRole: g.ref(p.ExecutionRoleArn),
      volumes: anyItems(p.Volumes).map((v) => v.Name),
      containers: anyItems(p.ContainerDefinitions).map(taskContainer),
    });
  },
  'AWS::ElasticLoadBalancingV2::Listener': ({ id, props: p }, g, m) => m.forwarders.push({ id, targetGroups: cfnForwardTargets(g, p.DefaultActions) }),
  'AWS::ElasticLoadBalancingV2::ListenerRule': ({ id, props: p }, g, m) => m.forwarders.push({ id, targetGroups: cfnForwardTargets(g, p.Actions) }),
  'AWS::ApplicationAutoScaling::ScalableTarget': ({ id, props: p }, g, m) => m.scalableTargets.push({ id, scales: [...g.refs(p.ResourceId)] }),
  'AWS::S3::Bucket': ({ id, props: p }, _g, m) => {
    const rules = anyItems(p.BucketEncryption?.ServerSideEncryptionConfiguration);
    if (rules.length) m.bucketEncryption.push({ id, bucket: id, algorithms: rules.map((r) => r.ServerSideEncryptionByDefault?.SSEAlgorithm) });
  },
  'AWS::S3::BucketPolicy': ({ id, props: p }, g, m) => m.bucketPolicies.push({ id, bucket: g.ref(p.Bucket), document: p.PolicyDocument }),
  'AWS::EC2::FlowLog': ({ id, props: p }, g, m) => {
    const role = g.ref(p.DeliverLogsPermissionArn);
    if (role) m.flowLogs.push({ id, role });
  },
  'AWS::Budgets::Budget': ({ id, props: p }, g, m) => {
    if (p.Budget?.BudgetName !== undefined) m.accountScopedNames.push({ id, name: p.Budget.BudgetName });
    CFN_PUBLISHERS.budget({ id, props: p } as Node, g, m);
  },
  'AWS::Lambda::Function': ({ id, props: p }, g, m) => {
    const role = g.ref(p.Role);
    if (role && p.DeadLetterConfig?.TargetArn !== undefined) m.deadLetterFunctions.push({ id, role });
  },
  'AWS::CE::AnomalyMonitor': ({ id, props: p }, _g, m) => m.accountScopedNames.push({ id, name: p.MonitorName }),
  'AWS::Chatbot::SlackChannelConfiguration': ({ id, props: p }, _g, m) => m.accountScopedNames.push({ id, name: p.ConfigurationName }),
  'AWS::Budgets::BudgetsAction': ({ id, props: p }, g, m) => publishesTo(g, m, id, 'budgets.amazonaws.com',
    anyItems(p.Subscribers).filter((s) => s.Type === 'SNS').map((s) => s.Address)),
  'AWS::CE::AnomalySubscription': ({ id, props: p }, g, m) => {
    m.accountScopedNames.push({ id, name: p.SubscriptionName });
    publishesTo(g, m, id, 'costalerts.amazonaws.com', anyItems(p.Subscribers).filter((s) => s.Type === 'SNS').map((s) => s.Address));
  },
  'AWS::Events::Rule': ({ id, props: p }, g, m) => publishesTo(g, m, id, 'events.amazonaws.com', anyItems(p.Targets).map((t) => t.Arn)),
};

const CFN_PUBLISHERS: Record<'budget', Reader> = {
  budget: ({ id, props: p }, g, m) => publishesTo(g, m, id, 'budgets.amazonaws.com',
    anyItems(p.NotificationsWithSubscribers).flatMap((n) => anyItems(n.Subscribers)).filter((s) => s.SubscriptionType === 'SNS').map((s) => s.Address)),
};

function cfnForwardTargets(g: Graph, actions: unknown): string[] {
  return refsOf(g, anyItems(actions).flatMap((a) => [a.TargetGroupArn, ...anyItems(a.ForwardConfig?.TargetGroups).map((t) => t.TargetGroupArn)]));
}

const TF_READERS: Record<string, Reader> = {
  aws_cloudwatch_metric_alarm: ({ id, props: p }, g, m) => m.alarms.push({
    id, name: p.alarm_name, actions: refsOf(g, [...anyItems(p.alarm_actions), ...anyItems(p.ok_actions), ...anyItems(p.insufficient_data_actions)]),
  }),
  aws_sns_topic: ({ id, props: p }, g, m) => {
    m.topics.push({ id, key: g.ref(p.kms_master_key_id) });
    if (p.policy !== undefined) m.topicPolicies.push({ id, topics: [id], document: p.policy });
  },
  aws_sns_topic_policy: ({ id, props: p }, g, m) => m.topicPolicies.push({ id, topics: refsOf(g, [p.arn]), document: p.policy }),
  aws_kms_key: ({ id, props: p }, _g, m) => {
    if (p.policy !== undefined) m.keyPolicies.push({ id, key: id, document: p.policy });
  },
  aws_kms_key_policy: ({ id, props: p }, g, m) => {
    const key = g.ref(p.key_id);
    if (key) m.keyPolicies.push({ id, key, document: p.policy });
  },
  aws_iam_role: ({ id, props: p }, _g, m) => {
    m.roles.push({ id, trust: p.assume_role_policy });
    for (const inline of anyItems(p.inline_policy)) m.identityPolicies.push({ id, document: inline.policy });
  },
  aws_iam_role_policy: ({ id, props: p }, g, m) => {
    m.identityPolicies.push({ id, document: p.policy });
    for (const role of refsOf(g, [p.role])) m.roleGrants.push({ id, role });
  },
  aws_iam_policy: ({ id, props: p }, _g, m) => m.identityPolicies.push({ id, document: p.policy }),
  aws_iam_role_policy_attachment: ({ id, props: p }, g, m) => {
    for (const role of refsOf(g, [p.role])) m.roleGrants.push({ id, role });
  },
  aws_cloudwatch_log_group: ({ id, props: p }, _g, m) => {
    m.logGroups.add(id);
    if (typeof p.name === 'string') m.logGroupNames.set(p.name, id);
  },
  aws_budgets_budget: ({ id, props: p }, g, m) => {
    // name_prefix makes Terraform add a unique suffix; a name is the user's to make unique.
    if (p.name !== undefined) m.accountScopedNames.push({ id, name: p.name });
    publishesTo(g, m, id, 'budgets.amazonaws.com', anyItems(p.notification).flatMap((n) => anyItems(n.subscriber_sns_topic_arns)));
  },
  aws_lambda_function: ({ id, props: p }, g, m) => {
    const role = g.ref(p.role);
    if (role && anyItems(p.dead_letter_config)[0]?.target_arn !== undefined) m.deadLetterFunctions.push({ id, role });
  },
  aws_ce_anomaly_monitor: ({ id, props: p }, _g, m) => m.accountScopedNames.push({ id, name: p.name }),
  aws_chatbot_slack_channel_configuration: ({ id, props: p }, _g, m) => m.accountScopedNames.push({ id, name: p.configuration_name }),
  aws_budgets_budget_action: ({ id, props: p }, g, m) => publishesTo(g, m, id, 'budgets.amazonaws.com',
    anyItems(p.subscriber).filter((s) => s.subscription_type === 'SNS').map((s) => s.address)),
  aws_ce_anomaly_subscription: ({ id, props: p }, g, m) => {
    m.accountScopedNames.push({ id, name: p.name });
    publishesTo(g, m, id, 'costalerts.amazonaws.com', anyItems(p.subscriber).filter((s) => s.type === 'SNS').map((s) => s.address));
  },
  aws_cloudwatch_event_target: ({ id, props: p }, g, m) => publishesTo(g, m, id, 'events.amazonaws.com', [p.arn]),
  aws_db_instance: ({ id, props: p }, _g, m) => m.databases.push({
    id,
    identifier: typeof p.identifier === 'string' ? p.identifier : undefined,
    logExports: anyItems(p.enabled_cloudwatch_logs_exports).filter((x): x is string => typeof x === 'string'),
    managedPassword: p.manage_master_user_password === true,
    literalPassword: p.password !== undefined || p.password_wo !== undefined,
  }),
  aws_lb: ({ id, props: p }, g, m) => {
    const logs = anyItems(p.access_logs)[0];
    m.loadBalancers.push({
      id,
      internetFacing: p.load_balancer_type !== 'gateway' && String(p.internal ?? false) !== 'true',
      subnets: refsOf(g, [...anyItems(p.subnets), ...anyItems(p.subnet_mapping).map((s) => s.subnet_id)]),
      logBucket: logs && String(logs.enabled) === 'true' ? g.ref(logs.bucket) : undefined,
    });
  },
  aws_alb: (r, g, m) => TF_READERS.aws_lb(r, g, m),
  aws_subnet: ({ id, props: p }, g, m) => m.subnetVpc.set(id, g.ref(p.vpc_id)),
  // An aws_internet_gateway with vpc_id is attached when it is created.
  aws_internet_gateway: ({ id, props: p }, g, m) => {
    if (p.vpc_id !== undefined) m.internetGateways.push({ id, gateway: id, vpc: g.ref(p.vpc_id) });
  },
  aws_internet_gateway_attachment: ({ id, props: p }, g, m) =>
    m.internetGateways.push({ id, gateway: g.ref(p.internet_gateway_id), vpc: g.ref(p.vpc_id) }),
  aws_route: ({ id, props: p }, g, m) => m.routes.push({ id, gateway: g.ref(p.gateway_id) }),
  aws_route_table: ({ id, props: p }, g, m) => {
    for (const route of anyItems(p.route)) m.routes.push({ id, gateway: g.ref(route.gateway_id) });
  },
  aws_ecs_service: ({ id, props: p }, g, m) => {
    const ignored = anyItems(p.lifecycle?.ignore_changes);
    m.services.push({
      id,
      taskDefinition: g.ref(p.task_definition),
      targetGroups: refsOf(g, anyItems(p.load_balancer).map((lb) => lb.target_group_arn)),
      fixedCount: !(ignored.includes('desired_count') || ignored.includes('all')),
      deploymentAlarms: anyItems(anyItems(p.alarms)[0]?.alarm_names),
    });
  },
  aws_ecs_task_definition: ({ id, props: p }, g, m) => {
    m.taskDefinitionRoles.set(id, refsOf(g, [p.task_role_arn, p.execution_role_arn]));
    m.tasks.push({
      id,
      executionRole: g.ref(p.execution_role_arn),
      volumes: anyItems(p.volume).map((v) => v.name),
      // References inside stay "${...}" text, which is what the role's policy documents hold too.
      containers: (typeof p.container_definitions === 'string' ? JSON.parse(p.container_definitions) : []).map(taskContainer),
    });
  },
  aws_lb_listener: ({ id, props: p }, g, m) => m.forwarders.push({ id, targetGroups: tfForwardTargets(g, p.default_action) }),
  aws_lb_listener_rule: ({ id, props: p }, g, m) => m.forwarders.push({ id, targetGroups: tfForwardTargets(g, p.action) }),
  aws_appautoscaling_target: ({ id, props: p }, g, m) => m.scalableTargets.push({ id, scales: [...g.refs(p.resource_id)] }),
  aws_s3_bucket: ({ id, props: p }, _g, m) => {
    const rules = anyItems(anyItems(p.server_side_encryption_configuration)[0]?.rule);
    if (rules.length) m.bucketEncryption.push({ id, bucket: id, algorithms: tfAlgorithms(rules) });
    if (p.policy !== undefined) m.bucketPolicies.push({ id, bucket: id, document: p.policy });
  },
  aws_s3_bucket_server_side_encryption_configuration: ({ id, props: p }, g, m) =>
    m.bucketEncryption.push({ id, bucket: g.ref(p.bucket), algorithms: tfAlgorithms(anyItems(p.rule)) }),
  aws_s3_bucket_policy: ({ id, props: p }, g, m) => m.bucketPolicies.push({ id, bucket: g.ref(p.bucket), document: p.policy }),
  aws_flow_log: ({ id, props: p }, g, m) => {
    const role = g.ref(p.iam_role_arn);
    if (role) m.flowLogs.push({ id, role });
  },
};

function tfForwardTargets(g: Graph, actions: unknown): string[] {
  return refsOf(g, anyItems(actions).flatMap((a) =>
    [a.target_group_arn, ...anyItems(a.forward).flatMap((f) => anyItems(f.target_group).map((t) => t.arn))]));
}
const tfAlgorithms = (rules: Json[]): string[] => rules.map((r) => anyItems(r.apply_server_side_encryption_by_default)[0]?.sse_algorithm);

function read(output: Json, engine: Engine): { g: Graph; m: Model } {
  const g = engine === 'cdk' ? cfnGraph(output) : tfGraph(output);
  const readers = engine === 'cdk' ? CFN_READERS : TF_READERS;
  const m = emptyModel();
  for (const node of g.nodes.values()) if (!node.id.startsWith('data.')) readers[node.type]?.(node, g, m);
  return { g, m };
}

// ---------------------------------------------------------------------------
// Policy statements (the same JSON in both engines; CloudFormation may wrap parts in Fn::If)

type Mode = 'any' | 'always';
const itemsIn = (mode: Mode) => (mode === 'any' ? anyItems : alwaysItems);

/** Statements of a document: in any branch, or only those present in every branch. */
const statements = (doc: Json, mode: Mode): Json[] => itemsIn(mode)(doc?.Statement).filter(isObject);
const isAllow = (s: Json, mode: Mode): boolean => {
  const effects = branches(s.Effect);
  return mode === 'any' ? effects.includes('Allow') : effects.length > 0 && effects.every((e) => e === 'Allow');
};

/** The statement's Service principals as text; in 'always' mode only those no condition can change. */
function servicePrincipals(g: Graph, s: Json, mode: Mode): string[] {
  const principals = itemsIn(mode)(s.Principal).filter(isObject);
  return principals.flatMap((p) => itemsIn(mode)(p.Service)).flatMap((v) => {
    const alternatives = g.render(v);
    return mode === 'any' || alternatives.length === 1 ? alternatives : [];
  });
}

const wildcard = (pattern: string) => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
/** Whether the statement's actions include `action` (IAM wildcards honoured). */
const grants = (s: Json, action: string, mode: Mode): boolean =>
  itemsIn(mode)(s.Action).some((a) => typeof a === 'string' && wildcard(a).test(action));

/** Condition keys the statement always carries, lower-cased, under any operator. */
const conditionKeys = (s: Json): string[] => alwaysItems(s.Condition).filter(isObject)
  .flatMap((c) => Object.values(c).filter(isObject).flatMap((block) => Object.keys(block).map((k) => k.toLowerCase())));
const hasSourceCondition = (s: Json): boolean =>
  conditionKeys(s).some((k) => k === 'aws:sourceaccount' || k === 'aws:sourcearn');

/** Whether every document has an unconditional Allow of `actions` to the `service` principal that `extra` accepts. */
function admits(g: Graph, docs: Json[], service: string, actions: string[], extra: (s: Json) => boolean = () => true): boolean {
  return docs.length > 0 && docs.every((doc) => statements(doc, 'always').some((s) => isAllow(s, 'always')
    && servicePrincipals(g, s, 'always').includes(service) && actions.every((a) => grants(s, a, 'always')) && extra(s)));
}

// ---------------------------------------------------------------------------
// The rules

interface Context { g: Graph; m: Model }
type Rule = (c: Context) => Finding[];

/**
 * A topic policy replaces SNS's default policy, so an alarm can publish only if the policy allows
 * cloudwatch.amazonaws.com sns:Publish (for this account: aws:SourceAccount). Without a policy in the
 * output SNS's default one (same-account principals) applies.
 */
const alarmTopicAdmitsCloudWatch: Rule = ({ g, m }) => alarmTopics(m).flatMap(({ topic, alarm }) =>
  m.topicPolicies.filter((p) => p.topics.includes(topic)).filter((p) => !admits(g, g.documents(p.document),
    'cloudwatch.amazonaws.com', ['sns:Publish'], (s) => conditionKeys(s).includes('aws:sourceaccount')))
    .map((p) => finding('ALARM_TOPIC_ADMITS_CLOUDWATCH', p.id, `topic ${topic} (actions of ${alarm}): no Allow of sns:Publish `
      + 'to Service cloudwatch.amazonaws.com with an aws:SourceAccount condition')));

/**
 * CloudWatch publishes to an SSE-KMS topic only if the key policy lets cloudwatch.amazonaws.com use the
 * key (kms:Decrypt and kms:GenerateDataKey*); otherwise notifications are silently dropped.
 */
const alarmTopicKeyAdmitsCloudWatch: Rule = ({ g, m }) => alarmTopics(m).flatMap(({ topic, alarm }) => {
  const key = m.topics.find((t) => t.id === topic)?.key;
  return m.keyPolicies.filter((k) => key !== undefined && k.key === key)
    .filter((k) => !admits(g, g.documents(k.document), 'cloudwatch.amazonaws.com', ['kms:Decrypt', 'kms:GenerateDataKey']))
    .map((k) => finding('ALARM_TOPIC_KEY_ADMITS_CLOUDWATCH', k.id, `key of topic ${topic} (actions of ${alarm}): no Allow of `
      + 'kms:Decrypt and kms:GenerateDataKey* to Service cloudwatch.amazonaws.com'));
});

/**
 * Budgets, Cost Anomaly Detection and EventBridge deliver to a topic only if its policy allows their
 * service principal sns:Publish (a topic policy replaces SNS's default one); otherwise the alert is dropped.
 */
const topicAdmitsItsPublishers: Rule = ({ g, m }) => unique(m.topicPublishers.map((p) => `${p.topic} ${p.service} ${p.id}`))
  .map((key) => key.split(' ')).filter(([topic, service], i, all) => all.findIndex(([t, s]) => t === topic && s === service) === i)
  .flatMap(([topic, service, publisher]) => m.topicPolicies.filter((p) => p.topics.includes(topic))
    .filter((p) => !admits(g, g.documents(p.document), service, ['sns:Publish'], (s) => conditionKeys(s).includes('aws:sourceaccount')))
    .map((p) => finding('TOPIC_ADMITS_ITS_PUBLISHERS', p.id, `topic ${topic} (published to by ${publisher}): no Allow of sns:Publish `
      + `to Service ${service} with an aws:SourceAccount condition`)));

/** ... and, for an SSE-KMS topic, only if the key policy lets the same service use the key. */
const topicKeyAdmitsItsPublishers: Rule = ({ g, m }) => unique(m.topicPublishers.map((p) => `${p.topic} ${p.service} ${p.id}`))
  .map((key) => key.split(' ')).filter(([topic, service], i, all) => all.findIndex(([t, s]) => t === topic && s === service) === i)
  .flatMap(([topic, service, publisher]) => {
    const key = m.topics.find((t) => t.id === topic)?.key;
    return m.keyPolicies.filter((k) => key !== undefined && k.key === key)
      .filter((k) => !admits(g, g.documents(k.document), service, ['kms:Decrypt', 'kms:GenerateDataKey']))
      .map((k) => finding('TOPIC_KEY_ADMITS_ITS_PUBLISHERS', k.id, `key of topic ${topic} (published to by ${publisher}): no Allow of `
        + `kms:Decrypt and kms:GenerateDataKey* to Service ${service}`));
  });

/**
 * Budgets, anomaly monitors and subscriptions and AWS Chatbot channels are named per account: a name
 * without the region collides when the same stack is deployed in a second region ("already exists").
 */
const REGION_REFERENCE = /\$\{(AWS::Region|data\.aws_region\.[^}]+)\}/;
const accountScopedNameIncludesRegion: Rule = ({ g, m }) => m.accountScopedNames
  .filter(({ name }) => g.render(name).some((text) => !REGION_REFERENCE.test(text)))
  .map(({ id, name }) => finding('ACCOUNT_SCOPED_NAME_INCLUDES_REGION', id,
    `"${g.render(name)[0]}" is unique per account, not per region: include the region, or the stack cannot be deployed in a second region`));

/**
 * ECS reads every container secret with the task's execution role before any container starts; one it
 * may not read stops the task ("ResourceInitializationError: unable to pull secrets") on every start.
 */
const taskSecretsReadable: Rule = ({ g, m }) => m.tasks.flatMap((task) => {
  const policies = m.roleGrants.filter((rg) => rg.role === task.executionRole).map((rg) => rg.id);
  const allowed = m.identityPolicies.filter((p) => policies.includes(p.id) || p.id === task.executionRole)
    .flatMap((p) => g.documents(p.document)).flatMap((doc) => statements(doc, 'always')).filter((s) => isAllow(s, 'always'));
  return task.containers.flatMap((c) => c.secrets.flatMap((valueFrom) => g.render(valueFrom).filter((arn) => {
    // A key of a JSON secret is read as the secret: <secret ARN>:<json-key>:<stage>:<version>.
    const secretArn = arn
      .replace(/^(arn:[^:]*:secretsmanager:(?:[^:]*:){3}[^:]+):.*$/, '$1')
      .replace(/^(\$\{[^}]+\}):[^:]*:[^:]*:[^:]*$/, '$1');
    const action = /:ssm:|:parameter\//.test(secretArn) ? 'ssm:GetParameters' : 'secretsmanager:GetSecretValue';
    return !allowed.some((s) => grants(s, action, 'always')
      && alwaysItems(s.Resource).flatMap((r) => g.render(r)).some((r) => r === secretArn || wildcard(r).test(secretArn)));
  }).map((arn) => finding('TASK_SECRETS_READABLE', task.id, `container ${c.name}: the execution role may not read the secret ${arn}`))));
});

/**
 * ECS refuses a task definition whose container waits for a container it does not have, waits with
 * SUCCESS or COMPLETE for an essential container ("can't be set on an essential container"), or mounts
 * a volume the task does not declare.
 */
const taskContainerDependenciesValid: Rule = ({ m }) => m.tasks.flatMap((task) => task.containers.flatMap((c) => [
  ...c.dependsOn.flatMap((d) => {
    const target = task.containers.find((x) => x.name === d.container);
    if (!target) return [finding('TASK_CONTAINER_DEPENDENCIES_VALID', task.id, `container ${c.name} depends on ${d.container}, which the task does not have`)];
    return ['SUCCESS', 'COMPLETE'].includes(d.condition) && target.essential
      ? [finding('TASK_CONTAINER_DEPENDENCIES_VALID', task.id, `container ${c.name} waits for ${d.container} to ${d.condition}, but ${d.container} is essential`)]
      : [];
  }),
  ...c.volumes.filter((v) => !task.volumes.includes(v))
    .map((v) => finding('TASK_CONTAINER_DEPENDENCIES_VALID', task.id, `container ${c.name} mounts volume ${v}, which the task does not declare`)),
]));

/** SNS subscriptions and Lambda permissions in either engine's spelling. */
const SUBSCRIPTION_FIELDS = {
  'AWS::SNS::Subscription': { protocol: 'Protocol', endpoint: 'Endpoint', topic: 'TopicArn', filter: 'FilterPolicy', scope: 'FilterPolicyScope' },
  'aws_sns_topic_subscription': { protocol: 'protocol', endpoint: 'endpoint', topic: 'topic_arn', filter: 'filter_policy', scope: 'filter_policy_scope' },
} as const;
const PERMISSION_FIELDS = {
  'AWS::Lambda::Permission': { fn: 'FunctionName', principal: 'Principal', source: 'SourceArn' },
  'aws_lambda_permission': { fn: 'function_name', principal: 'principal', source: 'source_arn' },
} as const;

/**
 * SNS delivers to a function only if the function's policy lets sns.amazonaws.com invoke it for that
 * topic; without the permission every message fails silently (SNS retries, then drops it). A filter on
 * the message body naming alarms (AlarmName) must name alarms that notify the topic, or the function
 * never hears of them.
 */
const lambdaSubscriptionDelivers: Rule = ({ g, m }) => {
  const nodes = [...g.nodes.values()];
  const permissions = nodes.flatMap((n) => {
    const f = PERMISSION_FIELDS[n.type as keyof typeof PERMISSION_FIELDS];
    return f ? [{ fn: g.ref(n.props[f.fn]), principal: n.props[f.principal], source: g.render(n.props[f.source]).join('|') }] : [];
  });
  return nodes.flatMap((n) => {
    const f = SUBSCRIPTION_FIELDS[n.type as keyof typeof SUBSCRIPTION_FIELDS];
    if (!f || n.props[f.protocol] !== 'lambda') return [];
    const fn = g.ref(n.props[f.endpoint]);
    const topic = g.render(n.props[f.topic]).join('|');
    const found: Finding[] = [];
    if (!permissions.some((p) => p.fn === fn && p.principal === 'sns.amazonaws.com' && p.source === topic)) {
      found.push(finding('LAMBDA_SUBSCRIPTION_DELIVERS', n.id, `no Lambda permission lets sns.amazonaws.com invoke ${fn ?? 'the endpoint'} for ${topic}`));
    }
    const raw = n.props[f.filter];
    const filter = typeof raw === 'string' ? JSON.parse(raw) : raw;
    const topicNode = g.ref(n.props[f.topic]);
    if (n.props[f.scope] === 'MessageBody' && Array.isArray(filter?.AlarmName) && topicNode) {
      for (const name of filter.AlarmName) {
        const alarm = m.alarms.find((a) => a.name === name);
        if (!alarm) {
          found.push(finding('LAMBDA_SUBSCRIPTION_DELIVERS', n.id, `the filter names alarm ${JSON.stringify(name)}, which is not an alarm of the output`));
        } else if (!alarm.actions.includes(topicNode)) {
          found.push(finding('LAMBDA_SUBSCRIPTION_DELIVERS', n.id, `the filter names alarm ${JSON.stringify(name)}, which does not notify ${topicNode}`));
        }
      }
    }
    return found;
  });
};

function alarmTopics(m: Model): Array<{ topic: string; alarm: string }> {
  const topics = new Set(m.topics.map((t) => t.id));
  const seen = new Map<string, string>();
  for (const alarm of m.alarms) for (const t of alarm.actions) if (topics.has(t) && !seen.has(t)) seen.set(t, alarm.id);
  return [...seen].map(([topic, alarm]) => ({ topic, alarm }));
}

/**
 * logs:CreateLogStream and logs:PutLogEvents act on log streams: the resource must be
 * `<log group ARN>:*`. CloudFormation's log group Arn already ends in ":*"; Terraform's `arn` does not.
 */
const logGrantCoversStreams: Rule = ({ g, m }) => m.identityPolicies.flatMap(({ id, document }) =>
  g.documents(document).flatMap((doc) => statements(doc, 'any'))
    .filter((s) => isAllow(s, 'any') && (grants(s, 'logs:CreateLogStream', 'any') || grants(s, 'logs:PutLogEvents', 'any')))
    .flatMap((s) => anyItems(s.Resource))
    .filter((r) => [...g.refs(r)].some((ref) => m.logGroups.has(ref)))
    .flatMap((r) => g.render(r).filter((text) => !text.endsWith('*')))
    .map((text) => finding('LOG_GRANT_COVERS_STREAMS', id, `log stream grant on "${text}" names the log group, not its streams (append ":*")`)));

/**
 * An internet-facing load balancer created before its VPC's internet gateway is attached and the public
 * subnets' default routes exist fails ("... has no internet gateway"), so it must wait for them.
 */
const publicLbAfterInternetRoutes: Rule = ({ g, m }) => m.loadBalancers.filter((lb) => lb.internetFacing).flatMap((lb) => {
  const vpcs = new Set(lb.subnets.map((s) => m.subnetVpc.get(s)));
  const gateways = m.internetGateways.filter((igw) => igw.vpc !== undefined && vpcs.has(igw.vpc));
  const required = [...gateways.map((igw) => igw.id),
    ...m.routes.filter((r) => r.gateway !== undefined && gateways.some((igw) => igw.gateway === r.gateway)).map((r) => r.id)];
  const missing = missingFrom(closure(g, lb.id), required);
  return missing.length ? [finding('PUBLIC_LB_AFTER_INTERNET_ROUTES', lb.id, `internet-facing load balancer does not wait for ${missing.join(', ')}`)] : [];
});

/**
 * A load balancer checks, when access logging is switched on, that it may write to the bucket
 * ("Access Denied for bucket ... Please check S3bucket permission"): it must wait for the bucket's policy.
 */
const albAfterLogBucketPolicy: Rule = ({ g, m }) => m.loadBalancers.filter((lb) => lb.logBucket !== undefined).flatMap((lb) => {
  const missing = missingFrom(closure(g, lb.id), m.bucketPolicies.filter((p) => p.bucket === lb.logBucket).map((p) => p.id));
  return missing.length ? [finding('ALB_AFTER_LOG_BUCKET_POLICY', lb.id, `load balancer logging to ${lb.logBucket} does not wait for ${missing.join(', ')}`)] : [];
});

/**
 * A flow log created before its delivery role may write to CloudWatch Logs starts in a delivery error
 * (DeliverLogsErrorMessage "Access error"); the role's policies reference the role, so the flow log must
 * wait for them explicitly.
 */
const flowLogAfterRolePolicies: Rule = ({ g, m }) => m.flowLogs.flatMap((flowLog) => {
  const missing = missingFrom(closure(g, flowLog.id), m.roleGrants.filter((rg) => rg.role === flowLog.role).map((rg) => rg.id));
  return missing.length ? [finding('FLOW_LOG_AFTER_ROLE_POLICIES', flowLog.id, `flow log does not wait for its role's ${missing.join(', ')}`)] : [];
});

/**
 * Lambda refuses to create a function with a dead-letter target its role may not send to ("The provided
 * execution role does not have permissions to call SendMessage"): the function waits for the role's policies.
 */
const functionAfterRolePolicies: Rule = ({ g, m }) => m.deadLetterFunctions.flatMap((fn) => {
  const missing = missingFrom(closure(g, fn.id), m.roleGrants.filter((rg) => rg.role === fn.role).map((rg) => rg.id));
  return missing.length ? [finding('FUNCTION_AFTER_ROLE_POLICIES', fn.id, `function does not wait for its role's ${missing.join(', ')}`)] : [];
});

/**
 * A service names its deployment alarms (the ones that roll a failing deployment back) by alarm name. A
 * name no alarm of the output carries (a reference to another alarm, or a literal that drifted from the
 * alarm's own name) silently disables the rollback.
 */
const deploymentAlarmsExist: Rule = ({ g, m }) => m.services.flatMap((svc) => svc.deploymentAlarms
  .filter((name) => !m.alarms.some((a) => (typeof name === 'string' && name === a.name) || g.ref(name) === a.id))
  .map((name) => finding('DEPLOYMENT_ALARMS_EXIST', svc.id, `deployment alarm ${JSON.stringify(name)} is not an alarm of the output`)));

/**
 * ECS rejects a service whose target group is not yet behind a listener or rule ("target group does not
 * have an associated load balancer"), and tasks started before their roles' policies exist fail to pull
 * the image, write logs or read secrets (every service, with or without a load balancer). Policies
 * reference the role, not the other way round, so the service must wait for them explicitly.
 */
const serviceWaitsForListenerAndRolePolicies: Rule = ({ g, m }) => m.services.flatMap((svc) => {
  const roles = m.taskDefinitionRoles.get(svc.taskDefinition ?? '') ?? [];
  const required = [
    ...m.forwarders.filter((f) => f.targetGroups.some((tg) => svc.targetGroups.includes(tg))).map((f) => f.id),
    ...m.roleGrants.filter((rg) => roles.includes(rg.role)).map((rg) => rg.id),
  ];
  const missing = missingFrom(closure(g, svc.id), required);
  return missing.length ? [finding('SERVICE_WAITS_FOR_LISTENER_AND_ROLE_POLICIES', svc.id, `service does not wait for ${missing.join(', ')}`)] : [];
});

/**
 * Application Auto Scaling owns an autoscaled service's desired count; a fixed count in the template
 * resets it on every deployment (CloudFormation: DesiredCount; Terraform: desired_count not ignored).
 */
const autoscaledServiceHasNoFixedCount: Rule = ({ m }) => unique(m.scalableTargets.flatMap((t) => t.scales))
  .flatMap((id) => m.services.filter((s) => s.id === id && s.fixedCount))
  .map((s) => finding('AUTOSCALED_SERVICE_HAS_NO_FIXED_COUNT', s.id,
    'autoscaled service sets a desired count (CloudFormation: remove DesiredCount; Terraform: lifecycle.ignore_changes = [desired_count])'));

/**
 * ELB access logs can be written only to SSE-S3 (AES256) buckets; SSE-KMS fails log delivery.
 * No encryption configuration means S3's default, SSE-S3.
 */
const albLogBucketSseS3: Rule = ({ m }) => logBuckets(m).flatMap((bucket) => m.bucketEncryption
  .filter((e) => e.bucket === bucket && e.algorithms.some((a) => a !== 'AES256'))
  .map((e) => finding('ALB_LOG_BUCKET_SSE_S3', bucket, `access-log bucket is encrypted with ${e.algorithms.join(', ')} (by ${e.id}), not SSE-S3 (AES256)`)));

/**
 * The load balancer checks at creation that it may write to the bucket: the bucket policy must allow
 * s3:PutObject to logdelivery.elasticloadbalancing.amazonaws.com, whatever the region (so unconditionally).
 */
const albLogBucketAdmitsLogDelivery: Rule = ({ g, m }) => logBuckets(m).flatMap((bucket) => {
  const policies = m.bucketPolicies.filter((p) => p.bucket === bucket);
  if (!policies.length) return [finding('ALB_LOG_BUCKET_ADMITS_LOG_DELIVERY', bucket, 'access-log bucket has no bucket policy')];
  return policies.filter((p) => !admits(g, g.documents(p.document), 'logdelivery.elasticloadbalancing.amazonaws.com', ['s3:PutObject']))
    .map((p) => finding('ALB_LOG_BUCKET_ADMITS_LOG_DELIVERY', p.id,
      'bucket policy does not allow s3:PutObject to Service logdelivery.elasticloadbalancing.amazonaws.com in every region'));
});

/** A region table in the log bucket policy fails in regions it lacks (see regionTableLookups). */
const albLogBucketRegionSafe: Rule = ({ g, m }) => logBuckets(m).flatMap((bucket) => m.bucketPolicies.filter((p) => p.bucket === bucket))
  .flatMap((p) => g.regionTableLookups(g.nodes.get(p.id)?.props ?? p.document)
    .map((lookup) => finding('ALB_LOG_BUCKET_REGION_SAFE', p.id, `bucket policy looks the region up in a table that fails for regions it lacks: ${lookup}`)));

const logBuckets = (m: Model): string[] => unique(defined(m.loadBalancers.map((lb) => lb.logBucket)));

/**
 * Roles that aws-cdk-lib creates for its own custom-resource providers (VPC default security group
 * restriction, S3 auto-delete, log retention, AwsCustomResource); this library does not write their
 * trust policies, so confused-deputy conditions on them are aws-cdk-lib's concern.
 */
export const EXEMPT_CDK_PROVIDER_ROLES: RegExp[] = [
  /^Custom[A-Za-z0-9]*CustomResourceProviderRole[0-9A-F]{8}$/,
  /^LogRetentionaae0aa3c5b4d4f87b02d85b201efdd8aServiceRole[0-9A-F]{8}$/,
  /^AWS679f53fac002430cb0da5b7982bd2287ServiceRole[0-9A-F]{8}$/,
];

/**
 * Services that document no aws:SourceAccount / aws:SourceArn when they assume a role: a condition on
 * a key the request lacks never matches, so such a trust would break the role. Lambda's execution role
 * (the Lambda guide: aws:SourceArn applies only where the function is the target, i.e. invocation
 * permissions) and AWS Chatbot's channel role (no confused-deputy keys in its guide).
 */
export const TRUST_WITHOUT_SOURCE_CONTEXT: readonly string[] = ['lambda.amazonaws.com', 'chatbot.amazonaws.com'];

/** A service trust policy without aws:SourceAccount / aws:SourceArn lets any account's use of the service assume the role (confused deputy). */
const serviceRoleTrustHasSourceCondition: Rule = ({ g, m }) => m.roles
  .filter((r) => !(g.nodes.get(r.id)?.type === 'AWS::IAM::Role' && EXEMPT_CDK_PROVIDER_ROLES.some((re) => re.test(r.id))))
  .flatMap((r) => unique(g.documents(r.trust).flatMap((doc) => statements(doc, 'any'))
    .filter((s) => isAllow(s, 'any') && servicePrincipals(g, s, 'any').length && !hasSourceCondition(s))
    .flatMap((s) => servicePrincipals(g, s, 'any'))
    .filter((svc) => !TRUST_WITHOUT_SOURCE_CONTEXT.includes(svc)))
    .map((svc) => finding('SERVICE_ROLE_TRUST_HAS_SOURCE_CONDITION', r.id, `trust of ${svc} has no aws:SourceAccount or aws:SourceArn condition`)));

/**
 * The same for service statements in key and topic policies; CloudWatch Logs' documented guard for keys
 * is kms:EncryptionContext:aws:logs:arn instead.
 */
const LOGS_PRINCIPAL = /^logs\.(\$\{[^}]+\}|[a-z0-9-]+)\./;
const serviceStatementHasSourceCondition: Rule = ({ g, m }) => [...m.keyPolicies, ...m.topicPolicies].flatMap(({ id, document }) =>
  unique(g.documents(document).flatMap((doc) => statements(doc, 'any'))
    .filter((s) => isAllow(s, 'any') && servicePrincipals(g, s, 'any').length && !hasSourceCondition(s))
    .filter((s) => !(servicePrincipals(g, s, 'any').every((p) => LOGS_PRINCIPAL.test(p))
      && conditionKeys(s).includes('kms:encryptioncontext:aws:logs:arn')))
    .flatMap((s) => servicePrincipals(g, s, 'any')))
    .map((svc) => finding('SERVICE_STATEMENT_HAS_SOURCE_CONDITION', id, `statement for ${svc} has no aws:SourceAccount or aws:SourceArn condition`)));

/**
 * Regional service principals and kms:ViaService values end in the partition's DNS suffix
 * (amazonaws.com.cn in China, c2s.ic.gov...); a literal amazonaws.com after the region fails there.
 */
const REGIONAL_LITERAL_SUFFIX = /\.(\$\{(AWS::Region|data\.aws_region\.[^}]+)\}|[a-z]{2}(-[a-z]+)+-\d)\.amazonaws\.com$/;
const servicePrincipalUsesPartitionSuffix: Rule = ({ g, m }) => [
  ...m.keyPolicies, ...m.topicPolicies, ...m.bucketPolicies, ...m.identityPolicies, ...m.roles.map((r) => ({ id: r.id, document: r.trust })),
].flatMap(({ id, document }) => unique(g.documents(document).flatMap((doc) => statements(doc, 'any')).flatMap((s) => [
  ...servicePrincipals(g, s, 'any'),
  ...anyItems(s.Condition).filter(isObject).flatMap((c) => Object.values(c).filter(isObject))
    .flatMap((block) => Object.entries(block).filter(([k]) => k.toLowerCase() === 'kms:viaservice').flatMap(([, v]) => anyItems(v)))
    .flatMap((v) => g.render(v)),
]).filter((text) => REGIONAL_LITERAL_SUFFIX.test(text)))
  .map((text) => finding('SERVICE_PRINCIPAL_USES_PARTITION_SUFFIX', id, `"${text}" ends in a literal amazonaws.com: use the partition's DNS suffix`)));

/**
 * A CloudFormation security group without inline egress keeps EC2's default allow-all egress until a
 * standalone rule happens to remove it: a group whose egress is meant to be narrow (a load balancer that
 * may reach only its services, possibly added later from other stacks) must declare it, at least as the
 * "no traffic" placeholder. (Terraform's aws_security_group always removes the default rule.)
 */
const securityGroupEgressExplicit: Rule = ({ m }) => m.securityGroups.filter((sg) => !sg.egressDeclared)
  .map((sg) => finding('SECURITY_GROUP_EGRESS_EXPLICIT', sg.id, 'no SecurityGroupEgress: EC2\'s default allow-all egress stays in place'));

/**
 * RDS creates the log group of each exported log type itself (unencrypted, kept forever) unless it
 * exists: the output must create `/aws/rds/instance/<identifier>/<type>` and the instance must wait for
 * it, or the group the output creates later fails with "already exists".
 */
const dbAfterExportLogGroups: Rule = ({ g, m }) => m.databases.flatMap((db) => {
  if (db.logExports.length === 0) return [];
  if (db.identifier === undefined) return [finding('DB_AFTER_EXPORT_LOG_GROUPS', db.id, 'exports logs without a literal identifier: its log groups cannot be created first')];
  const deps = closure(g, db.id);
  const problems = db.logExports.flatMap((type) => {
    const group = m.logGroupNames.get(`/aws/rds/instance/${db.identifier}/${type}`);
    if (!group) return [`no log group for its ${type} log`];
    return deps.has(group) ? [] : [`does not wait for ${group}`];
  });
  return problems.length ? [finding('DB_AFTER_EXPORT_LOG_GROUPS', db.id, problems.join('; '))] : [];
});

/** A master password in the template or configuration ends up in the state and the stack's history: RDS manages it. */
const dbPasswordManagedByRds: Rule = ({ m }) => m.databases.filter((db) => !db.managedPassword || db.literalPassword)
  .map((db) => finding('DB_PASSWORD_MANAGED_BY_RDS', db.id, 'the master password is not managed by RDS in Secrets Manager'));

const RULE_FUNCTIONS: Record<Exclude<RuleId, 'PHYSICAL_NAME_UNIQUE_PER_DEPLOYMENT'>, Rule> = {
  DB_AFTER_EXPORT_LOG_GROUPS: dbAfterExportLogGroups,
  DB_PASSWORD_MANAGED_BY_RDS: dbPasswordManagedByRds,
  TOPIC_ADMITS_ITS_PUBLISHERS: topicAdmitsItsPublishers,
  TOPIC_KEY_ADMITS_ITS_PUBLISHERS: topicKeyAdmitsItsPublishers,
  ACCOUNT_SCOPED_NAME_INCLUDES_REGION: accountScopedNameIncludesRegion,
  FUNCTION_AFTER_ROLE_POLICIES: functionAfterRolePolicies,
  TASK_SECRETS_READABLE: taskSecretsReadable,
  TASK_CONTAINER_DEPENDENCIES_VALID: taskContainerDependenciesValid,
  LAMBDA_SUBSCRIPTION_DELIVERS: lambdaSubscriptionDelivers,
  SECURITY_GROUP_EGRESS_EXPLICIT: securityGroupEgressExplicit,
  ALARM_TOPIC_ADMITS_CLOUDWATCH: alarmTopicAdmitsCloudWatch,
  ALARM_TOPIC_KEY_ADMITS_CLOUDWATCH: alarmTopicKeyAdmitsCloudWatch,
  LOG_GRANT_COVERS_STREAMS: logGrantCoversStreams,
  ALB_AFTER_LOG_BUCKET_POLICY: albAfterLogBucketPolicy,
  FLOW_LOG_AFTER_ROLE_POLICIES: flowLogAfterRolePolicies,
  DEPLOYMENT_ALARMS_EXIST: deploymentAlarmsExist,
  PUBLIC_LB_AFTER_INTERNET_ROUTES: publicLbAfterInternetRoutes,
  SERVICE_WAITS_FOR_LISTENER_AND_ROLE_POLICIES: serviceWaitsForListenerAndRolePolicies,
  AUTOSCALED_SERVICE_HAS_NO_FIXED_COUNT: autoscaledServiceHasNoFixedCount,
  ALB_LOG_BUCKET_SSE_S3: albLogBucketSseS3,
  ALB_LOG_BUCKET_ADMITS_LOG_DELIVERY: albLogBucketAdmitsLogDelivery,
  ALB_LOG_BUCKET_REGION_SAFE: albLogBucketRegionSafe,
  SERVICE_ROLE_TRUST_HAS_SOURCE_CONDITION: serviceRoleTrustHasSourceCondition,
  SERVICE_STATEMENT_HAS_SOURCE_CONDITION: serviceStatementHasSourceCondition,
  SERVICE_PRINCIPAL_USES_PARTITION_SUFFIX: servicePrincipalUsesPartitionSuffix,
};

const finding = (rule: RuleId, resource: string, message: string): Finding => ({ rule, resource, message });
const missingFrom = (have: Set<string>, required: string[]): string[] => unique(required.filter((id) => !have.has(id)));

/**
 * Every deployability finding on one synthesised output: a CloudFormation template (`cdk`) or a
 * cdktf Terraform JSON document (`cdktf`).
 */
export function deployabilityFindings(output: Json, engine: Engine, options: DeployabilityOptions = {}): Finding[] {
  const context = read(output, engine);
  return Object.entries(RULE_FUNCTIONS)
    .filter(([id]) => !options.only || options.only.includes(id as RuleId))
    .flatMap(([, rule]) => rule(context));
}

// ---------------------------------------------------------------------------
// Physical names (PHYSICAL_NAME_UNIQUE_PER_DEPLOYMENT)

/**
 * Where each resource type sets a physical name in an account-and-region namespace. Left out on purpose:
 * names AWS scopes to a parent resource, which cannot collide between deployments that have their own
 * parents — scaling-policy names (Application Auto Scaling identifies a policy by service namespace,
 * resource ID, dimension and name), metric-filter names (per log group), inline IAM policy names (per role).
 */
const CFN_NAMES: Record<string, (p: Json) => unknown[]> = {
  'AWS::CloudWatch::Alarm': (p) => [p.AlarmName],
  'AWS::CloudWatch::CompositeAlarm': (p) => [p.AlarmName],
  // A metric is shared by name: two deployments' filters would feed (and alarm on) one metric.
  'AWS::Logs::MetricFilter': (p) => anyItems(p.MetricTransformations).map((t) => t.MetricName),
  'AWS::Logs::LogGroup': (p) => [p.LogGroupName],
  'AWS::ECS::Cluster': (p) => [p.ClusterName],
  'AWS::ECS::Service': (p) => [p.ServiceName],
  'AWS::ECS::TaskDefinition': (p) => [p.Family],
  'AWS::ElasticLoadBalancingV2::LoadBalancer': (p) => [p.Name],
  'AWS::ElasticLoadBalancingV2::TargetGroup': (p) => [p.Name],
  'AWS::S3::Bucket': (p) => [p.BucketName],
  'AWS::IAM::Role': (p) => [p.RoleName],
  'AWS::IAM::ManagedPolicy': (p) => [p.ManagedPolicyName],
  'AWS::SNS::Topic': (p) => [p.TopicName],
  'AWS::SQS::Queue': (p) => [p.QueueName],
  'AWS::KMS::Alias': (p) => [p.AliasName],
  'AWS::DynamoDB::Table': (p) => [p.TableName],
  'AWS::SecretsManager::Secret': (p) => [p.Name],
  'AWS::ECR::Repository': (p) => [p.RepositoryName],
  'AWS::Lambda::Function': (p) => [p.FunctionName],
  'AWS::Events::Rule': (p) => [p.Name],
  'AWS::SSM::Parameter': (p) => [p.Name],
  'AWS::RDS::DBInstance': (p) => [p.DBInstanceIdentifier],
  'AWS::Budgets::Budget': (p) => [p.Budget?.BudgetName],
};
const tfName = (p: Json) => [p.name, p.name_prefix];
const TF_NAMES: Record<string, (p: Json) => unknown[]> = {
  aws_cloudwatch_metric_alarm: (p) => [p.alarm_name],
  aws_cloudwatch_composite_alarm: (p) => [p.alarm_name],
  aws_cloudwatch_log_metric_filter: (p) => anyItems(p.metric_transformation).map((t) => t.name),
  aws_cloudwatch_log_group: tfName,
  aws_ecs_cluster: tfName,
  aws_ecs_service: tfName,
  aws_ecs_task_definition: (p) => [p.family],
  aws_lb: tfName,
  aws_lb_target_group: tfName,
  aws_s3_bucket: (p) => [p.bucket, p.bucket_prefix],
  aws_iam_role: tfName,
  aws_iam_policy: tfName,
  aws_sns_topic: tfName,
  aws_sqs_queue: tfName,
  aws_kms_alias: tfName,
  aws_dynamodb_table: tfName,
  aws_secretsmanager_secret: tfName,
  aws_ecr_repository: tfName,
  aws_lambda_function: (p) => [p.function_name],
  aws_cloudwatch_event_rule: tfName,
  aws_ssm_parameter: tfName,
  aws_db_instance: (p) => [p.identifier, p.identifier_prefix],
  aws_budgets_budget: tfName,
};

/** Literal physical names (and name prefixes) the output sets -> the resource that sets it (the first, if several). */
export function physicalNames(output: Json, engine: Engine): Map<string, string> {
  const names = new Map<string, string>();
  const { g } = read(output, engine);
  for (const node of g.nodes.values()) {
    const values = (engine === 'cdk' ? CFN_NAMES : TF_NAMES)[node.type]?.(node.props) ?? [];
    for (const name of values) {
      if (typeof name === 'string' && !name.includes('${') && !names.has(name)) names.set(name, node.id);
    }
  }
  return names;
}

/**
 * Two deployments of one app into one account and region (dev and staging) collide on every literal
 * physical name they share: CloudFormation and Terraform fail to create the second resource, or the two
 * share one (task definition family, metric) and interfere.
 */
export function sharedPhysicalNames(first: Json, second: Json, engine: Engine): Finding[] {
  const theirs = physicalNames(second, engine);
  return [...physicalNames(first, engine)].filter(([name]) => theirs.has(name))
    .map(([name, id]) => finding('PHYSICAL_NAME_UNIQUE_PER_DEPLOYMENT', id, `"${name}" is also the name of ${theirs.get(name)} in the other deployment`));
}
