/**
 * Property values of either engine's output read as what they become when
 * deployed: pseudo parameters and data sources become the deployment's
 * values, conditions and Terraform conditionals are decided for its region,
 * and references to resources become one canonical symbol in both engines,
 * `<kind:path.attribute>` (CloudFormation's `Ref` is spelled as the attribute it
 * returns). IAM documents then compare with a plain `toEqual`.
 */
import { evaluateCfn } from './cfn-eval';
import { TfJson } from './terraform';

/** Where the output is read as deployed. */
export interface Deployment {
  readonly region: string;
  readonly accountId: string;
}

export const DEFAULT_DEPLOYMENT: Deployment = { region: 'eu-west-1', accountId: '111122223333' };

/** What a resource of the output is, for its canonical symbol. */
export interface ResourceNaming {
  kindOf(id: string): string | undefined;
  pathOf(id: string): string;
}

/** What `Ref` returns, per kind (CloudFormation), and what Terraform's `id` is. */
const REF_ATTRIBUTE: Record<string, string> = {
  topic: 'arn',
  loggroup: 'name',
  bucket: 'name',
  role: 'name',
  key: 'id',
  cluster: 'name',
  service: 'arn',
  sg: 'id',
  tg: 'arn',
  listener: 'arn',
  lb: 'arn',
  taskdef: 'arn',
  rule: 'arn',
  table: 'name',
  database: 'identifier',
  discovery: 'id',
  agentspace: 'agent_space_id',
  secret: 'arn',
  function: 'function_name',
  queue: 'url',
};

/** CloudFormation attribute names (lower-cased) spelled as Terraform's for the same value. */
const ATTRIBUTE_ALIASES: Record<string, string> = {
  'dbiresourceid': 'resource_id',
  'dbinstancearn': 'arn',
  'endpoint.address': 'address',
  'groupid': 'id',
  'agentspaceid': 'agent_space_id',
  'queuename': 'name',
};

function symbol(naming: ResourceNaming, id: string, attribute: string): string {
  const kind = naming.kindOf(id) ?? 'other';
  let attr = attribute.toLowerCase();
  if (attr === 'ref' || attr === 'id') attr = REF_ATTRIBUTE[kind] ?? 'id';
  if (kind === 'bucket' && attr === 'bucket') attr = 'name';
  attr = ATTRIBUTE_ALIASES[attr] ?? attr;
  return `<${kind}:${naming.pathOf(id)}.${attr}>`;
}

/** A CloudFormation value as deployed: `evaluateCfn`, then references as canonical symbols. */
export function cfnSymbolic(template: any, value: unknown, naming: ResourceNaming, deployment = DEFAULT_DEPLOYMENT): any {
  const evaluated = evaluateCfn(template, value, deployment);
  return mapStrings(evaluated, (s) => s
    .replace(/<Ref ([A-Za-z0-9]+)>/g, (_, id) => symbol(naming, id, 'ref'))
    // CloudFormation's log group Arn attribute names the streams: `arn:...:log-group:<name>:*`.
    .replace(/<([A-Za-z0-9]+)\.([A-Za-z.]+)>/g, (_, id, attr) =>
      naming.kindOf(id) === 'loggroup' && attr === 'Arn' ? `${symbol(naming, id, 'arn')}:*` : symbol(naming, id, attr)));
}

/**
 * A Terraform value as planned in the deployment's region: `${...}` templates
 * in strings are evaluated for the forms the library writes (data sources,
 * resource attributes, locals, lookup, contains(keys(...)) ? : ).
 */
export function tfSymbolic(json: TfJson, value: unknown, naming: ResourceNaming, deployment = DEFAULT_DEPLOYMENT): any {
  const partition = deployment.region.startsWith('cn-') ? 'aws-cn' : deployment.region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
  const dnsSuffix = partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
  const locals: Record<string, unknown> = json.locals ?? {};

  const expression = (e: string): unknown => {
    e = e.trim();
    let m: RegExpExecArray | null;
    if ((m = /^(.+?) \? (local\.[A-Za-z0-9_]+) : (local\.[A-Za-z0-9_]+)$/.exec(e))) {
      return expression(m[1]) ? expression(m[2]) : expression(m[3]);
    }
    if ((m = /^contains\(keys\((local\.[A-Za-z0-9_]+)\), (.+)\)$/.exec(e))) {
      return Object.keys(expression(m[1]) as object).includes(String(expression(m[2])));
    }
    if ((m = /^lookup\((local\.[A-Za-z0-9_]+), (.+), "([^"]*)"\)$/.exec(e))) {
      return (expression(m[1]) as Record<string, unknown>)[String(expression(m[2]))] ?? m[3];
    }
    if ((m = /^local\.([A-Za-z0-9_]+)$/.exec(e))) return resolve(locals[m[1]]);
    if (/^data\.aws_partition\.[^.]+\.partition$/.test(e)) return partition;
    if (/^data\.aws_partition\.[^.]+\.dns_suffix$/.test(e)) return dnsSuffix;
    if (/^data\.aws_region\.[^.]+\.name$/.test(e)) return deployment.region;
    if (/^data\.aws_caller_identity\.[^.]+\.account_id$/.test(e)) return deployment.accountId;
    if ((m = /^((?:awscc|aws)_[a-z0-9_]+\.[A-Za-z0-9_-]+)\.([a-z_]+)$/.exec(e))) return symbol(naming, m[1], m[2]);
    // A nested block's attribute (`master_user_secret[0].secret_arn`): CloudFormation's `MasterUserSecret.SecretArn`.
    if ((m = /^((?:awscc|aws)_[a-z0-9_]+\.[A-Za-z0-9_-]+)\.([a-z_]+)\[0\]\.([a-z_]+)$/.exec(e))) return symbol(naming, m[1], `${m[2]}.${m[3]}`.replace(/_/g, ''));
    return `<expression ${e}>`;
  };
  const template = (s: string): unknown => {
    const whole = /^\$\{([^{}]*)\}$/.exec(s);
    if (whole) return expression(whole[1]);
    return s.replace(/\$\{([^{}]*)\}/g, (_, e) => String(expression(e)));
  };
  const resolve = (v: unknown): unknown => (typeof v === 'string' ? template(v)
    : Array.isArray(v) ? v.map(resolve)
      : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolve(x)])) : v);
  return resolve(value);
}

function mapStrings(v: any, f: (s: string) => string): any {
  if (typeof v === 'string') return f(v);
  if (Array.isArray(v)) return v.map((x) => mapStrings(x, f));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mapStrings(x, f)]));
  return v;
}

/**
 * An IAM policy document as a sorted set of one-action, one-resource grants
 * ("Allow s3:PutObject on X to {Service: ...} if {...}"), so two engines that
 * group statements differently (aws-cdk-lib merges them) still compare equal.
 */
export function policyGrants(document: any): string[] {
  const list = (x: unknown) => (x === undefined ? [undefined] : Array.isArray(x) ? x : [x]);
  const grants = new Set<string>();
  for (const s of list(document?.Statement)) {
    if (!s) continue;
    const principal = s.Principal === undefined ? '' : ` to ${canonicalJson(principalSets(s.Principal))}`;
    const condition = s.Condition === undefined ? '' : ` if ${canonicalJson(s.Condition)}`;
    for (const action of list(s.Action)) {
      for (const resource of list(s.Resource)) {
        grants.add(`${s.Effect} ${action}${resource === undefined ? '' : ` on ${resource}`}${principal}${condition}`);
      }
    }
  }
  return [...grants].sort();
}

function principalSets(p: any): any {
  if (typeof p !== 'object') return p;
  return Object.fromEntries(Object.entries(p).map(([k, v]) => [k, Array.isArray(v) ? [...v].sort() : [v]]));
}

function canonicalJson(v: any): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(Array.isArray(v[k]) && v[k].length === 1 ? v[k][0] : v[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}
