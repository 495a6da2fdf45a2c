/**
 * Which engine and which platform construct an object is, so a construct
 * handed a collaborator can say exactly what is wrong with it: the other
 * engine's class, another construct kind, another app, another region.
 *
 * A registered symbol (not `instanceof`): two copies of this package in one
 * node_modules tree still recognise each other's constructs.
 */
import { IConstruct } from 'constructs';
import { ObjectSchema, S } from './prop-schema';

/** @internal the two engines. */
export type Engine = 'cdk' | 'cdktf';

/** @internal how users know the engines, and where each one's classes come from. */
export const ENGINE_NAMES: Readonly<Record<Engine, string>> = {
  cdk: 'AWS CDK',
  cdktf: 'CDK for Terraform',
};
const ENGINE_MODULE: Readonly<Record<Engine, string>> = {
  cdk: 'ecs-platform-constructs/cdk',
  cdktf: 'ecs-platform-constructs/cdktf',
};

const IDENTITY = Symbol.for('ecs-platform-constructs.identity');

interface Identity {
  readonly engine: Engine;
  readonly kind: string;
}

/** @internal mark `construct` as the `kind` platform construct of `engine`. */
export function markPlatformConstruct(construct: IConstruct, engine: Engine, kind: string): void {
  Object.defineProperty(construct, IDENTITY, { value: { engine, kind } satisfies Identity, enumerable: false });
}

function identityOf(value: unknown): Identity | undefined {
  return typeof value === 'object' && value !== null ? (value as { [IDENTITY]?: Identity })[IDENTITY] : undefined;
}

/**
 * @internal
 * Where a construct deploys, as far as synthesis knows: its app (the construct
 * tree's root) and, when literal, its region and account.
 */
export interface DeploymentTarget {
  readonly root: IConstruct;
  readonly region?: string;
  readonly account?: string;
}

/**
 * @internal
 * The schema of a prop holding the `kind` platform construct of `engine`,
 * deployed with the construct being created under `scope`.
 */
export function platformConstructRef(engine: Engine, kinds: readonly string[], scope: IConstruct,
  targetOf: (construct: IConstruct) => DeploymentTarget): ObjectSchema {
  const wanted = kinds.join(' or ');
  const expected = `${/^[AEIOU]/.test(ENGINE_NAMES[engine]) ? 'an' : 'a'} ${ENGINE_NAMES[engine]} ${wanted} (from ${ENGINE_MODULE[engine]})`;
  return S.object(expected, (value) => {
    const identity = identityOf(value);
    if (!identity) return `expected ${expected}`;
    if (identity.engine !== engine) {
      return `expected ${expected}, not the ${ENGINE_NAMES[identity.engine]} ${identity.kind} (one app uses one engine)`;
    }
    if (!kinds.includes(identity.kind)) return `expected ${expected}, not a ${identity.kind}`;
    const theirs = targetOf(value as IConstruct);
    const ours = targetOf(scope);
    if (theirs.root !== ours.root) {
      return `expected ${expected} of the same app; this one belongs to another app (constructs cannot reference each other across apps)`;
    }
    if (theirs.region && ours.region && theirs.region !== ours.region) {
      return `expected ${expected} in this stack's region ${ours.region}; it is in ${theirs.region} (VPCs, clusters and load balancers are regional)`;
    }
    if (theirs.account && ours.account && theirs.account !== ours.account) {
      return `expected ${expected} in this stack's account ${ours.account}; it is in ${theirs.account}`;
    }
    return undefined;
  });
}
