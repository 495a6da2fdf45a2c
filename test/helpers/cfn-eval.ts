/**
 * A small evaluator of CloudFormation intrinsic functions, to read what a
 * region-agnostic template becomes when it is deployed to a given region:
 * conditions are decided, `Fn::If` picks its branch, `AWS::NoValue` removes
 * its key or list item, pseudo parameters become the deployment's values, and
 * references to resources stay symbolic (`<Ref LogicalId>`, `<LogicalId.Attr>`).
 *
 * Like CloudFormation, `Fn::FindInMap` fails for a key its map lacks, even in
 * an `Fn::If` branch that is not taken: CloudFormation resolves mappings before
 * it decides conditions.
 */

export interface Deployment {
  readonly region: string;
  readonly accountId?: string;
}

const PARTITION_OF: Array<[RegExp, string, string]> = [
  [/^cn-/, 'aws-cn', 'amazonaws.com.cn'],
  [/^us-gov-/, 'aws-us-gov', 'amazonaws.com'],
  [/^us-isob-/, 'aws-iso-b', 'sc2s.sgov.gov'],
  [/^us-isof-/, 'aws-iso-f', 'csp.hci.ic.gov'],
  [/^us-iso-/, 'aws-iso', 'c2s.ic.gov'],
  [/./, 'aws', 'amazonaws.com'],
];

const NO_VALUE = Symbol('AWS::NoValue');

/** Evaluate `value` (any part of `template`) as CloudFormation would when deploying to `deployment`. */
export function evaluateCfn(template: any, value: unknown, deployment: Deployment): any {
  const [, partition, urlSuffix] = PARTITION_OF.find(([re]) => re.test(deployment.region))!;
  const pseudo: Record<string, string> = {
    'AWS::Region': deployment.region,
    'AWS::Partition': partition,
    'AWS::URLSuffix': urlSuffix,
    'AWS::AccountId': deployment.accountId ?? '111122223333',
  };
  // Mappings first, everywhere, as CloudFormation resolves them before conditions.
  checkMappings(template, value, pseudo);
  const conditions = new Map<string, boolean>();
  const condition = (name: string): boolean => {
    if (!conditions.has(name)) {
      const expression = template.Conditions?.[name];
      if (expression === undefined) throw new Error(`no condition ${name}`);
      conditions.set(name, Boolean(evaluate(expression)));
    }
    return conditions.get(name)!;
  };

  function evaluate(x: any): any {
    if (Array.isArray(x)) return x.map(evaluate).filter((v) => v !== NO_VALUE);
    if (x === null || typeof x !== 'object') return x;
    const keys = Object.keys(x);
    if (keys.length === 1) {
      const [fn] = keys;
      const arg = x[fn];
      switch (fn) {
        case 'Ref':
          if (arg === 'AWS::NoValue') return NO_VALUE;
          return pseudo[arg] ?? `<Ref ${arg}>`;
        case 'Fn::GetAtt': return `<${arg[0]}.${arg[1]}>`;
        case 'Fn::Join': return evaluate(arg[1]).join(arg[0]);
        case 'Fn::Select': return evaluate(arg[1])[Number(evaluate(arg[0]))];
        case 'Fn::If': return condition(arg[0]) ? evaluate(arg[1]) : evaluate(arg[2]);
        case 'Fn::Equals': return evaluate(arg[0]) === evaluate(arg[1]);
        case 'Fn::Or': return arg.some((c: any) => evaluate(c));
        case 'Fn::And': return arg.every((c: any) => evaluate(c));
        case 'Fn::Not': return !evaluate(arg[0]);
        case 'Condition': return condition(arg);
        case 'Fn::FindInMap': return template.Mappings[arg[0]][evaluate(arg[1])][evaluate(arg[2])];
        case 'Fn::GetAZs': return [`${deployment.region}a`, `${deployment.region}b`, `${deployment.region}c`];
        default:
          if (fn.startsWith('Fn::')) throw new Error(`the evaluator does not know ${fn}`);
      }
    }
    const out: Record<string, any> = {};
    for (const [k, v] of Object.entries(x)) {
      const r = evaluate(v);
      if (r !== NO_VALUE) out[k] = r;
    }
    return out;
  }

  const result = evaluate(value);
  return result === NO_VALUE ? undefined : result;
}

function checkMappings(template: any, x: any, pseudo: Record<string, string>): void {
  if (Array.isArray(x)) return x.forEach((v) => checkMappings(template, v, pseudo));
  if (x === null || typeof x !== 'object') return;
  const find = x['Fn::FindInMap'];
  if (Array.isArray(find)) {
    const [map, top, second] = find.map((k: any) => (typeof k === 'object' && typeof k.Ref === 'string' ? pseudo[k.Ref] : k));
    if (template.Mappings?.[map]?.[top]?.[second] === undefined) {
      throw new Error(`Template error: Unable to get mapping for ${map}::${top}::${second}`);
    }
  }
  Object.values(x).forEach((v) => checkMappings(template, v, pseudo));
}
