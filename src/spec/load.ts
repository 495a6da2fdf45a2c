/**
 * Reading the spec: each layer parsed with the `yaml` package (keeping every key's and value's line and
 * column), the layers deep-merged (docs/platform-spec.md, "Layering"), the result checked against the
 * JSON Schema with Ajv, and every problem reported with the file, line and column it came from.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import { platformSpecJsonSchema } from './schema';
import { nearestName } from '../constructs/prop-schema';
import { describe } from '../constructs/validation';

/** One YAML file of the spec: its name as shown in errors, and its text. */
export interface SpecSource {
  readonly file: string;
  readonly content: string;
}

/** Where a key and its value were written. */
export interface SourcePosition {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** The value's own position (a key's position is where the key is written). */
  readonly valueLine: number;
  readonly valueColumn: number;
}

/** One problem of a spec: where, which key, what is wrong. */
export interface SpecProblem {
  /** The file, relative to the spec's directory: `environments/dev.yaml`. */
  readonly file: string;
  /** 1-based line; 0 when the problem has no place in a file (a missing file). */
  readonly line: number;
  /** 1-based column. */
  readonly column: number;
  /** The key, dotted: `services.test-app.cpu` (empty for the whole file). */
  readonly path: string;
  /** What is wrong and what would be accepted. */
  readonly message: string;
}

/** The largest spec file read (a spec is a few hundred lines; this refuses a runaway generated file). */
export const MAX_SPEC_FILE_BYTES = 1024 * 1024;

/** The most aliases a file may expand (YAML's "billion laughs" stays a small error, not an out-of-memory). */
const MAX_ALIAS_COUNT = 200;

/** A JSON pointer -> the position its key (or list item) was written at. */
export type PositionMap = Map<string, SourcePosition>;

/** A parsed layer: its value and positions, or its problems. */
export interface ParsedLayer {
  readonly file: string;
  readonly value: Record<string, unknown>;
  readonly positions: PositionMap;
  readonly problems: SpecProblem[];
}

/** `/services/test-app/cpu` -> `services.test-app.cpu`; list indexes as `[0]`. */
export function displayPath(pointer: string): string {
  return pointer.split('/').slice(1).map(unescapePointer).reduce((out, part) => (/^\d+$/.test(part) ? `${out}[${part}]` : out ? `${out}.${part}` : part), '');
}

export function pointerOf(parts: readonly (string | number)[]): string {
  return parts.map((p) => `/${String(p).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

function unescapePointer(part: string): string {
  return part.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** Parse one file. Never throws: whatever the text, the result is a value or problems. */
export function parseLayer(source: SpecSource): ParsedLayer {
  // Loaded here, not at the top: the root of the package stays free of the spec's dependencies until used.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use (optional engines; the root stays light)
  const YAML: typeof import('yaml') = require('yaml');
  const empty = (problems: SpecProblem[]): ParsedLayer => ({ file: source.file, value: {}, positions: new Map(), problems });
  if (Buffer.byteLength(source.content, 'utf8') > MAX_SPEC_FILE_BYTES) {
    return empty([{ file: source.file, line: 1, column: 1, path: '', message: `the file is larger than ${MAX_SPEC_FILE_BYTES / 1024} KiB; a spec is a few hundred lines: split it or remove what is generated` }]);
  }
  const lineCounter = new YAML.LineCounter();
  const at = (offset: number | undefined) => {
    const { line, col } = lineCounter.linePos(offset ?? 0);
    return { line, column: col };
  };
  let doc: import('yaml').Document.Parsed;
  try {
    // Duplicate keys are found in walk(): yaml's own check compares every pair of keys (minutes for a large mapping).
    doc = YAML.parseDocument(source.content, { lineCounter, uniqueKeys: false, merge: true, prettyErrors: false, strict: true });
  } catch (e) {
    return empty([{ file: source.file, line: 1, column: 1, path: '', message: `not YAML: ${(e as Error).message}` }]);
  }
  const problems: SpecProblem[] = doc.errors.map((e) => ({
    file: source.file,
    ...at(e.pos[0]),
    path: '',
    message: yamlMessage(e.code, e.message),
  }));
  if (problems.length > 0) return empty(problems);
  // Keys first: a mapping used as a key or a duplicate is reported before toJS would stringify or drop it.
  const positions: PositionMap = new Map();
  walk(doc.contents, '');
  if (problems.length > 0) return empty(problems);
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    return empty([{ file: source.file, line: 1, column: 1, path: '', message: `the file could not be read: ${(e as Error).message}` }]);
  }
  if (value === null || value === undefined) value = {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    return empty([{ file: source.file, line: 1, column: 1, path: '', message: `expected a mapping of sections (platform:, services:, ...); got ${describe(value)}` }]);
  }
  return { file: source.file, value: value as Record<string, unknown>, positions, problems };

  function walk(node: unknown, pointer: string): void {
    if (YAML.isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        const key = pair.key;
        // A merge key (`<<: *base`): yaml gives it a symbol value; its keys are placed at the alias.
        if (YAML.isScalar(key) && typeof key.value === 'symbol') continue;
        if (!YAML.isScalar(key) || (typeof key.value !== 'string' && typeof key.value !== 'number' && typeof key.value !== 'boolean')) {
          if (key === null || key === undefined) continue;
          problems.push({ file: source.file, ...at((key as { range?: number[] }).range?.[0]), path: displayPath(pointer), message: 'expected a plain key (a name), not a mapping or list used as a key' });
          continue;
        }
        const child = `${pointer}/${String(key.value).replace(/~/g, '~0').replace(/\//g, '~1')}`;
        const keyAt = at(key.range?.[0]);
        const name = String(key.value);
        if (seen.has(name)) {
          problems.push({ file: source.file, ...keyAt, path: displayPath(child), message: 'duplicate key: a key appears once per mapping (the later one would silently win)' });
          continue;
        }
        seen.add(name);
        // A key that would set the object's prototype instead of a key (`__proto__`): never a spec key.
        if (name === '__proto__') {
          problems.push({ file: source.file, ...keyAt, path: displayPath(child), message: 'unknown key: __proto__' });
          continue;
        }
        const valueAt = at((pair.value as { range?: number[] } | null)?.range?.[0] ?? key.range?.[0]);
        positions.set(child, { file: source.file, ...keyAt, valueLine: valueAt.line, valueColumn: valueAt.column });
        walk(pair.value, child);
      }
    } else if (YAML.isSeq(node)) {
      node.items.forEach((item, i) => {
        const child = `${pointer}/${i}`;
        const itemAt = at((item as { range?: number[] } | null)?.range?.[0] ?? node.range?.[0]);
        positions.set(child, { file: source.file, ...itemAt, valueLine: itemAt.line, valueColumn: itemAt.column });
        walk(item, child);
      });
    }
  }
}

function yamlMessage(code: string, message: string): string {
  const first = message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
  if (code === 'DUPLICATE_KEY') return 'duplicate key: a key appears once per mapping (the later one would silently win)';
  return `not valid YAML: ${first}`;
}

/** A merged spec: the value, where each key was last set, and the files that made it. */
export interface MergedSpec {
  readonly value: Record<string, unknown>;
  readonly positions: PositionMap;
  readonly files: readonly string[];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function dropUnder(positions: PositionMap, pointer: string): void {
  for (const key of [...positions.keys()]) {
    if (key === pointer || key.startsWith(`${pointer}/`)) positions.delete(key);
  }
}

function copyUnder(from: PositionMap, pointer: string, to: PositionMap, toPointer = pointer): void {
  for (const [key, position] of from) {
    if (key === pointer || key.startsWith(`${pointer}/`)) to.set(toPointer + key.slice(pointer.length), position);
  }
}

/**
 * Deep-merge `over` onto `base` (docs/platform-spec.md): mappings merge key by key; lists and scalars
 * replace what they inherit; `null` (`~`) removes the inherited value. Positions follow the values.
 */
export function mergeValues(
  base: unknown, over: unknown, pointer: string, positions: PositionMap, overPositions: PositionMap, overPointer = pointer,
): unknown {
  if (over === null) {
    dropUnder(positions, pointer);
    // Under a service, a null with nothing inherited yet is kept: it removes the key from `defaults` later.
    if (base === undefined && SERVICE_KEY.test(pointer)) {
      copyUnder(overPositions, overPointer, positions, pointer);
      return null;
    }
    return undefined;
  }
  if (isPlainObject(base) && isPlainObject(over)) {
    const out: Record<string, unknown> = { ...base };
    const own = overPositions.get(overPointer);
    if (own) positions.set(pointer, own);
    for (const [key, value] of Object.entries(over)) {
      const child = `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      const overChild = `${overPointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      const merged = mergeValues(base[key], value, child, positions, overPositions, overChild);
      if (merged === undefined) delete out[key];
      else out[key] = merged;
    }
    return out;
  }
  // Only a mapping or list has positions below it: a scalar replaces one entry (keeps large merges linear).
  if (isPlainObject(base) || Array.isArray(base)) dropUnder(positions, pointer);
  else positions.delete(pointer);
  if (isPlainObject(over) || Array.isArray(over)) {
    copyUnder(overPositions, overPointer, positions, pointer);
  } else {
    const own = overPositions.get(overPointer);
    if (own) positions.set(pointer, own);
  }
  return isPlainObject(over) ? withoutNulls(over, pointer) : over;
}

/** A key inside a service entry: `/services/<name>/<key>...`. */
const SERVICE_KEY = /^\/services\/[^/]+\/./;

/**
 * A mapping that inherits nothing keeps no `null`s, there being nothing for them to remove; except inside
 * a service, where a null removes the key the service would inherit from `defaults`.
 */
export function withoutNulls(value: Record<string, unknown>, pointer = '', keepServiceNulls = true): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    const at = `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    if (child === null && !(keepServiceNulls && SERVICE_KEY.test(at))) continue;
    out[key] = isPlainObject(child) ? withoutNulls(child, at, keepServiceNulls) : child;
  }
  return out;
}

/** Merge the layers in order, later over earlier. */
export function mergeLayers(layers: readonly ParsedLayer[]): MergedSpec {
  const positions: PositionMap = new Map();
  let value: Record<string, unknown> = {};
  for (const layer of layers) {
    value = (mergeValues(value, layer.value, '', positions, layer.positions) as Record<string, unknown> | undefined) ?? {};
  }
  return { value, positions, files: layers.map((l) => l.file) };
}

/** The position of `pointer`, or of its nearest written ancestor; the first file when none. */
export function positionOf(merged: Pick<MergedSpec, 'positions' | 'files'>, pointer: string): SourcePosition {
  for (let at = pointer; ; at = at.slice(0, at.lastIndexOf('/'))) {
    const found = merged.positions.get(at);
    if (found) return found;
    if (at === '') break;
  }
  return { file: merged.files[merged.files.length - 1] ?? 'spec', line: 1, column: 1, valueLine: 1, valueColumn: 1 };
}

/** A problem at `pointer`: at its value when `onValue`, else where its key is written. */
export function problemAt(merged: Pick<MergedSpec, 'positions' | 'files'>, pointer: string, message: string, onValue = true): SpecProblem {
  const exact = merged.positions.has(pointer);
  const position = positionOf(merged, pointer);
  const line = exact && onValue ? position.valueLine : position.line;
  const column = exact && onValue ? position.valueColumn : position.column;
  return { file: position.file, line, column, path: displayPath(pointer), message };
}

let compiled: ValidateFunction | undefined;

/** Check the merged value against the JSON Schema; every problem, each at its file and line. */
export function schemaProblems(merged: MergedSpec): SpecProblem[] {
  if (!compiled) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use (optional engines; the root stays light)
    const Ajv: typeof import('ajv').default = require('ajv');
    compiled = new Ajv({ allErrors: true, strict: false, verbose: true }).compile(platformSpecJsonSchema());
  }
  // A service's nulls (removing a key of `defaults`) have done their work by now: the schema sees the rest.
  if (compiled(withoutNulls(merged.value, '', false))) return [];
  const problems: SpecProblem[] = [];
  for (const error of compiled.errors ?? []) {
    const problem = schemaProblem(merged, error);
    if (problem && !problems.some((p) => p.path === problem.path && p.message === problem.message)) problems.push(problem);
  }
  return problems;
}

function schemaProblem(merged: MergedSpec, error: ErrorObject): SpecProblem | undefined {
  const pointer = error.instancePath;
  const got = describe(error.data);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const child = `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      const names = Object.keys((error.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      const hint = (Object.prototype.hasOwnProperty.call(SEED_KEYS, key) ? SEED_KEYS[key] : undefined) ?? (nearestName(key, names) ? `did you mean ${nearestName(key, names)}?` : `expected one of ${names.join(', ')}`);
      return problemAt(merged, child, `unknown key; ${hint}`, false);
    }
    case 'required':
      return problemAt(merged, pointer, `missing ${String(params.missingProperty)} (required)`, false);
    case 'propertyNames':
      return problemAt(merged, `${pointer}/${String(params.propertyName)}`, 'expected a name of lower-case letters, digits and hyphens, starting with a letter, 2 to 40 long', false);
    case 'type': {
      const expected = String(params.type).replace(',', ' or ');
      const quote = expected === 'string' && typeof error.data === 'number' ? ` (put it in quotes: YAML reads ${String(error.data)} as a number)` : '';
      return problemAt(merged, pointer, `expected ${article(expected)}${quote}; got ${got}`);
    }
    case 'enum':
      return problemAt(merged, pointer, `expected one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}; got ${got}`);
    case 'const': {
      const why = String((error.parentSchema as { description?: string } | undefined)?.description ?? '').replace(/^Only [^:]+: /, '');
      return problemAt(merged, pointer, `expected ${JSON.stringify(params.allowedValue)}${why ? ` (${why})` : ''}; got ${got}`);
    }
    case 'pattern': {
      if (params.propertyName !== undefined || error.propertyName !== undefined) return undefined; // reported as propertyNames
      const what = (error.parentSchema as { description?: string } | undefined)?.description?.split(/\.\s/)[0];
      return problemAt(merged, pointer, `expected text matching ${String(params.pattern)}${what ? ` (${what})` : ''}; got ${got}`);
    }
    default:
      return problemAt(merged, pointer, `${error.message ?? 'not valid'}; got ${got}`);
  }
}

function article(type: string): string {
  return type === 'integer' || type === 'array' || type === 'object' ? `an ${type}` : `a ${type}`;
}

/** The seed's (ECSO) keys this spec does not take, and what to write instead. */
const SEED_KEYS: Record<string, string> = {
  dynamodb: 'DynamoDB tables are the `tables` section',
  dynamodbTable: 'TeleportCluster creates and names its state table',
  auditBucket: 'TeleportCluster creates and names its session-recordings bucket',
  clientIdRef: 'give the OAuth app\'s client ID itself as `clientId` (it is not secret)',
  clientSecretRef: 'give the secret\'s ARN as `clientSecretArn`',
  allowedOrganizations: 'give one `organization` and its `teams`',
  memoryMiB: 'the spec calls it `memory` (MiB)',
  containerPort: 'the spec calls it `port`',
  partitionKey: 'the spec calls it `hashKey`',
};
