/**
 * Collects every problem in a construct's props and throws them together, so a
 * user fixes all of them in one round trip instead of one per synth.
 *
 * Engine-neutral: the binding passes in its own token test (aws-cdk-lib or
 * cdktf `Token.isUnresolved`) so values only known at deploy time are never judged.
 */
import { checkProps, StructSchema } from './prop-schema';

/** A function telling whether a value is a deploy-time token. */
export type TokenTest = (value: unknown) => boolean;

/** Where validation happens: the construct's type and path, and how to spot tokens. */
export interface ValidationContext {
  /** The construct class, e.g. `PlatformNetwork`. */
  readonly construct: string;
  /** The construct path, e.g. `MyStack/Network`. */
  readonly path: string;
  /** True for values resolved only at deploy time; such values are not judged. */
  readonly isUnresolved: TokenTest;
}

/** The context for a construct about to be created as `id` under a scope at `parentPath`. */
export function validationContext(construct: string, parentPath: string, id: string, isUnresolved: TokenTest): ValidationContext {
  return { construct, path: parentPath ? `${parentPath}/${id}` : id, isUnresolved };
}

/** One bad prop: its name, what was given and what would have been accepted. */
export interface PropProblem {
  readonly prop: string;
  readonly given: unknown;
  readonly allowed: string;
}

/** The error thrown for bad props; `problems` lists each one. */
export class PropsValidationError extends Error {
  public readonly problems: readonly PropProblem[];
  /** The construct path of the construct (or method) whose props these are. */
  public readonly constructPath: string;

  constructor(context: ValidationContext, problems: readonly PropProblem[]) {
    const lines = problems.map((p) => `  - ${p.prop}: got ${describe(p.given)}; ${p.allowed}`);
    super(
      `Invalid props for ${context.construct} at '${context.path}' ` +
        `(${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${lines.join('\n')}`,
    );
    this.name = 'PropsValidationError';
    this.problems = problems;
    this.constructPath = context.path;
  }
}

export class PropsValidator {
  /**
   * The validator a planner works with: `given` itself when the binding already
   * checked the props' types (with its own engine props), otherwise a new one
   * for `given`'s context that checks `options` against `schema` first.
   * Returns the validator and the props of the right type.
   * @internal
   */
  public static begin<T>(given: PropsValidator | ValidationContext, schema: StructSchema, options: T): { v: PropsValidator; o: T } {
    if (given instanceof PropsValidator) return { v: given, o: (options ?? {}) as T };
    const v = new PropsValidator(given);
    return { v, o: checkProps<T>(v, schema, options) };
  }


  constructor(
    private readonly context: ValidationContext,
    private readonly problems: PropProblem[] = [],
    private readonly prefix = '',
  ) {}

  /** True when the value is a deploy-time token and must not be judged. */
  public isUnresolved(value: unknown): boolean {
    return value !== undefined && this.context.isUnresolved(value);
  }

  /** Record a problem. `allowed` completes "got X; ...", e.g. "expected an integer from 2 to 6". */
  public report(prop: string, given: unknown, allowed: string): void {
    this.problems.push({ prop: `${this.prefix}${prop}`, given, allowed });
  }

  /**
   * A validator reporting into this one's problem list with every prop name
   * prefixed (e.g. `loadBalancerOptions.`): nested options checked by another
   * planner land in the same one error.
   * @internal
   */
  public prefixed(prefix: string): PropsValidator {
    const nested = new PropsValidator(this.context, this.problems, `${this.prefix}${prefix}`);
    return nested;
  }

  /** Record a problem when `ok` is false. Returns `ok`. */
  public require(ok: boolean, prop: string, given: unknown, allowed: string): boolean {
    if (!ok) this.report(prop, given, allowed);
    return ok;
  }

  /**
   * An optional integer in [min, max]. Tokens and undefined pass.
   * Returns true when the value is usable as a literal.
   */
  public integerInRange(prop: string, value: unknown, min: number, max: number): boolean {
    if (value === undefined || this.isUnresolved(value)) return false;
    return this.require(
      typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max,
      prop,
      value,
      `expected an integer from ${min} to ${max}`,
    );
  }

  /** An optional value that must be one of `allowed`. Tokens and undefined pass. */
  public oneOf<T>(prop: string, value: unknown, allowed: readonly T[]): boolean {
    if (value === undefined || this.isUnresolved(value)) return false;
    return this.require(
      allowed.includes(value as T),
      prop,
      value,
      `expected one of ${allowed.map((a) => describe(a)).join(', ')}`,
    );
  }

  /**
   * Whether a problem was already reported at `prop` or inside it (`prop.x`,
   * `prop[0]`): a check that depends on `prop` then stays silent instead of
   * judging a default the user never wrote, or reporting the same prop twice.
   */
  public hasProblemAt(prop: string): boolean {
    const full = `${this.prefix}${prop}`;
    return this.problems.some((p) => p.prop === full || p.prop.startsWith(`${full}.`) || p.prop.startsWith(`${full}[`));
  }

  public get hasProblems(): boolean {
    return this.problems.length > 0;
  }

  /** Throw one error listing every problem recorded, if any. */
  public throwIfInvalid(): void {
    if (this.problems.length > 0) {
      throw new PropsValidationError(this.context, this.problems);
    }
  }
}

/**
 * @internal
 * A value as the user would recognise it in an error: JSON for data, the
 * JavaScript spelling of NaN/Infinity/null/undefined, a construct by its class
 * and path, a long value shortened.
 */
export function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return shorten(JSON.stringify(value));
  if (typeof value === 'function') return `a function${value.name ? ` (${value.name})` : ''}`;
  if (typeof value === 'symbol' || typeof value === 'bigint') return `${typeof value} ${String(value)}`;
  const node = (value as { node?: { path?: unknown } }).node;
  const className = (value as object).constructor?.name;
  if (node && typeof node.path === 'string') return `a ${className ?? 'construct'} at '${node.path}'`;
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== Array.prototype && proto !== null && className) return `an instance of ${className}`;
  try {
    return shorten(JSON.stringify(value, (_, x) => (typeof x === 'number' && !Number.isFinite(x) ? String(x) : x)) ?? String(value));
  } catch {
    return 'an object that cannot be shown (circular)';
  }
}

function shorten(text: string): string {
  return text.length <= 120 ? text : `${text.slice(0, 100)}... (${text.length} characters)`;
}
