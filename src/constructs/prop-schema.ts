/**
 * Run-time type checking of construct props, before any value check.
 *
 * TypeScript's compiler checks props only for TypeScript users; JavaScript and
 * the other jsii languages pass whatever they have. Each construct declares the
 * shape of its props once (a `PropSchema`), and `checkProps` walks the given
 * props against it: every wrong type, null, NaN, Infinity, missing required
 * prop and unknown name ("did you mean ...?") is reported through the
 * construct's one collected error, and what comes back holds only the props of
 * the right type, so the value checks that follow never meet a wrong type and
 * still run on everything else.
 */
import type { PropsValidator } from './validation';

/** @internal the shape of one prop. */
export type PropSchema =
  | { readonly kind: 'boolean' }
  | { readonly kind: 'integer' }
  | { readonly kind: 'number' }
  | { readonly kind: 'string' }
  | { readonly kind: 'enum'; readonly name: string; readonly values: readonly string[] }
  | { readonly kind: 'array'; readonly of: PropSchema }
  | { readonly kind: 'map'; readonly of: PropSchema; readonly keyDescription: string }
  | StructSchema
  | ObjectSchema;

/** @internal a props struct: named fields, some required; any other name is unknown. */
export interface StructSchema {
  readonly kind: 'struct';
  readonly fields: Readonly<Record<string, PropSchema>>;
  readonly required?: readonly string[];
  /** Names that exist only in the other engine's binding, with where they belong. */
  readonly elsewhere?: Readonly<Record<string, string>>;
}

/**
 * @internal
 * An object only the engine binding can judge (a construct, an aws-cdk-lib
 * object): `check` returns what is wrong with it, or undefined when it is fine.
 */
export interface ObjectSchema {
  readonly kind: 'object';
  readonly expected: string;
  readonly check: (value: unknown) => string | undefined;
}

/** @internal schema builders, so schemas read like the interfaces they mirror. */
export const S = {
  boolean: { kind: 'boolean' } as PropSchema,
  integer: { kind: 'integer' } as PropSchema,
  number: { kind: 'number' } as PropSchema,
  string: { kind: 'string' } as PropSchema,
  strings: { kind: 'array', of: { kind: 'string' } } as PropSchema,
  enumOf(name: string, values: Record<string, string>): PropSchema {
    return { kind: 'enum', name, values: Object.values(values) };
  },
  arrayOf(of: PropSchema): PropSchema {
    return { kind: 'array', of };
  },
  mapOf(of: PropSchema, keyDescription: string): PropSchema {
    return { kind: 'map', of, keyDescription };
  },
  /** A struct whose `fields` must name every member of `T` (the compiler keeps schema and interface in step). */
  struct<T>(fields: { readonly [K in keyof Required<T>]: PropSchema }, required: ReadonlyArray<keyof T & string> = []): StructSchema {
    return { kind: 'struct', fields: fields as Record<string, PropSchema>, required };
  },
  /** `base` plus an engine binding's own props. */
  extend(base: StructSchema, fields: Record<string, PropSchema>, required: readonly string[] = [],
    elsewhere: Record<string, string> = {}): StructSchema {
    return {
      kind: 'struct',
      fields: { ...base.fields, ...fields },
      required: [...(base.required ?? []), ...required],
      elsewhere: { ...(base.elsewhere ?? {}), ...elsewhere },
    };
  },
  object(expected: string, check: (value: unknown) => string | undefined): ObjectSchema {
    return { kind: 'object', expected, check };
  },
};

/**
 * @internal
 * Check `props` against `schema`, reporting every problem on `v`, and return a
 * copy holding only the props of the right type (a wrong one is left out, as
 * if not given, so the value checks that follow use its default and still run).
 */
export function checkProps<T>(v: PropsValidator, schema: StructSchema, props: unknown): T {
  // No props at all is an empty props object: required props are then reported as missing.
  const checked = checkValue(v, '', schema, props === undefined ? {} : props);
  return (checked === INVALID ? {} : checked) as T;
}

const INVALID = Symbol('invalid');

function checkValue(v: PropsValidator, path: string, schema: PropSchema, value: unknown, required = false): unknown {
  const name = path || 'props';
  if (path === '' && !isPlainObject(value)) {
    v.report(name, value, 'expected an object of props, as documented for the construct');
    return INVALID;
  }
  if (value === null) {
    v.report(name, null, `expected ${expectation(schema)}${required ? ' (required)' : '; leave the prop out (undefined) for its default'}`);
    return INVALID;
  }
  // Deploy-time tokens carry the right JavaScript type (string, number, list) but no value to judge.
  if (v.isUnresolved(value) && schema.kind !== 'struct' && schema.kind !== 'object') return value;
  switch (schema.kind) {
    case 'boolean':
      return expect(v, name, value, typeof value === 'boolean', 'expected true or false (a boolean, not a string)');
    case 'string':
      return expect(v, name, value, typeof value === 'string', 'expected a string');
    case 'number':
    case 'integer': {
      if (typeof value !== 'number') return expect(v, name, value, false, `expected ${expectation(schema)}`);
      if (!Number.isFinite(value)) return expect(v, name, value, false, `expected a finite ${schema.kind === 'integer' ? 'integer' : 'number'}`);
      return expect(v, name, value, schema.kind === 'number' || Number.isInteger(value), 'expected a whole number (an integer)');
    }
    case 'enum':
      return expect(v, name, value, schema.values.includes(value as string),
        `expected one of ${schema.values.map((x) => `${schema.name}.${x}`).join(', ')}`);
    case 'array': {
      if (!Array.isArray(value)) return expect(v, name, value, false, `expected ${expectation(schema)}`);
      const items = value.map((item, i) => checkValue(v, `${name}[${i}]`, schema.of, item));
      return items.includes(INVALID) ? INVALID : items;
    }
    case 'map': {
      if (!isPlainObject(value)) return expect(v, name, value, false, `expected ${expectation(schema)}`);
      const entries = Object.entries(value).map(([key, item]) => [key, checkValue(v, `${name}.${key}`, schema.of, item)]);
      return Object.fromEntries(entries.filter(([, item]) => item !== INVALID && item !== undefined));
    }
    case 'struct':
      return checkStruct(v, path, schema, value);
    case 'object': {
      const problem = schema.check(value);
      return problem === undefined ? value : expect(v, name, value, false, problem);
    }
  }
}

function checkStruct(v: PropsValidator, path: string, schema: StructSchema, value: unknown): unknown {
  const name = path || 'props';
  if (!isPlainObject(value)) return expect(v, name, value, false, `expected ${expectation(schema)}`);
  const at = (key: string) => (path ? `${path}.${key}` : key);
  const out: Record<string, unknown> = {};
  for (const [key, given] of Object.entries(value)) {
    const field = schema.fields[key];
    if (field === undefined) {
      if (given !== undefined) v.report(at(key), given, unknownNameHint(key, schema));
      continue;
    }
    if (given === undefined) continue;
    const checked = checkValue(v, at(key), field, given, schema.required?.includes(key));
    if (checked !== INVALID) out[key] = checked;
  }
  for (const key of schema.required ?? []) {
    if ((value as Record<string, unknown>)[key] === undefined) {
      v.report(at(key), undefined, `expected ${expectation(schema.fields[key])} (required)`);
    }
  }
  return out;
}

function expect(v: PropsValidator, name: string, value: unknown, ok: boolean, allowed: string): unknown {
  if (ok) return value;
  v.report(name, value, allowed);
  return INVALID;
}

function unknownNameHint(key: string, schema: StructSchema): string {
  const elsewhere = schema.elsewhere?.[key];
  if (elsewhere) return `unknown prop: ${elsewhere}`;
  const names = Object.keys(schema.fields);
  const nearest = nearestName(key, names);
  return nearest
    ? `unknown prop; did you mean ${nearest}?`
    : `unknown prop; expected one of ${names.join(', ')}`;
}

/**
 * @internal
 * The valid name `given` most likely meant, if any: the same name in another
 * case (`certificateARN`), a name that contains it (`port` -> `containerPort`,
 * `interval` -> `intervalSeconds`), one a typo away (`healtCheck`), or one
 * that starts the same way (`instanceType` -> `instanceClass`).
 */
export function nearestName(given: string, names: readonly string[]): string | undefined {
  const lower = given.toLowerCase();
  const same = names.find((name) => name.toLowerCase() === lower);
  if (same) return same;
  if (lower.length >= 4) {
    const containing = names.filter((name) => name.toLowerCase().includes(lower)).sort((x, y) => x.length - y.length);
    if (containing.length > 0) return containing[0];
  }
  let best: { name: string; distance: number } | undefined;
  for (const name of names) {
    const distance = editDistance(lower, name.toLowerCase());
    if (!best || distance < best.distance) best = { name, distance };
  }
  if (best && best.distance <= Math.max(2, Math.floor(Math.max(given.length, best.name.length) / 3))) return best.name;
  // Else the name sharing the longest start with it, when that is most of it (`instanceType` -> `instanceClass`).
  const prefix = (name: string) => {
    let n = 0;
    while (n < lower.length && n < name.length && lower[n] === name[n].toLowerCase()) n++;
    return n;
  };
  const [longest] = [...names].sort((x, y) => prefix(y) - prefix(x));
  return longest && prefix(longest) >= 5 && prefix(longest) * 2 >= lower.length ? longest : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

/** What a value of `schema` looks like, in words. */
function expectation(schema: PropSchema): string {
  switch (schema.kind) {
    case 'boolean': return 'true or false';
    case 'integer': return 'an integer';
    case 'number': return 'a number';
    case 'string': return 'a string';
    case 'enum': return `one of ${schema.values.map((x) => `${schema.name}.${x}`).join(', ')}`;
    case 'array': return `a list of ${plural(schema.of)}`;
    case 'map': return `an object mapping ${schema.keyDescription} to ${plural(schema.of)}`;
    case 'struct': return `an object with props ${Object.keys(schema.fields).join(', ')}`;
    case 'object': return schema.expected;
  }
}

function plural(schema: PropSchema): string {
  switch (schema.kind) {
    case 'integer': return 'integers';
    case 'number': return 'numbers';
    case 'string': return 'strings';
    case 'boolean': return 'booleans';
    case 'enum': return `${schema.name} members`;
    default: return 'objects';
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  // A construct or another class instance is not a props object (jsii passes structs as plain objects).
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
