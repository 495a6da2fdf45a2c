/**
 * Malformed YAML never crashes the loader: ~300 seeded mutations of the example spec's files (lines
 * deleted, duplicated, re-indented; scalars swapped for lists and maps; tabs, stray unicode, unknown
 * keys, wrong types, anchors and aliases) and a few hostile files (an alias bomb, 5,000-deep nesting,
 * 2 MiB, empty, `~`, a top-level list). Each must either load, or throw a PlatformSpecError whose every
 * problem has a file, a line and column from 1, and a message: never another exception, never a hang.
 *
 * Deterministic: a small LCG, not Math.random, so a failing case fails the same way every run.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import type { SpecSource } from '../../src/spec/load';
import { PlatformSpecError } from '../../src/spec/platform-spec';
import { PlatformSpec } from 'ecs-platform-constructs';

const EXAMPLE = path.join(__dirname, '..', '..', 'examples', 'gitops-platform');
const FILES = ['defaults.yaml', 'platform.yaml', 'environments/dev.yaml', 'environments/prod.yaml'] as const;
const TEXTS: Record<string, string> = Object.fromEntries(FILES.map((file) => [file, fs.readFileSync(path.join(EXAMPLE, file), 'utf8')]));

/** The slowest a single case may be: far above any real spec, far below a hang. */
const MAX_CASE_MS = 5000;

/** x mod 2^32, from 0. */
function uint32(x: number): number {
  return ((x % 0x100000000) + 0x100000000) % 0x100000000;
}

/** A 32-bit linear congruential generator (Numerical Recipes' constants). */
class Lcg {
  private state: number;
  constructor(seed: number) {
    this.state = uint32(seed);
  }
  public next(): number {
    // Math.imul: the 32-bit product (its low 32 bits) exactly, where a plain * loses precision.
    this.state = uint32(Math.imul(this.state, 1664525) + 1013904223);
    return this.state;
  }
  /** 0 <= n < below. */
  public int(below: number): number {
    return Math.floor((this.next() / 0x100000000) * below);
  }
  public pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  public chance(p: number): boolean {
    return this.next() / 0x100000000 < p;
  }
}

// --- mutations ------------------------------------------------------------------------------------------

type Mutation = (text: string, rng: Lcg) => string;

const lines = (text: string) => text.split('\n');
/** Index of a random line holding `key: value` (a scalar), or -1. */
function scalarLine(all: string[], rng: Lcg): number {
  const candidates = all.map((l, i) => (/^\s*(- )?[\w.-]+: \S/.test(l) && !/: [|>]/.test(l) ? i : -1)).filter((i) => i >= 0);
  return candidates.length ? rng.pick(candidates) : -1;
}
/** Replace the value of a random `key: value` line. */
function replaceValue(text: string, rng: Lcg, value: (old: string) => string): string {
  const all = lines(text);
  const i = scalarLine(all, rng);
  if (i < 0) return text;
  all[i] = all[i].replace(/^(\s*(?:- )?[\w.-]+: )(.*)$/, (_m, key: string, old: string) => `${key}${value(old)}`);
  return all.join('\n');
}
const indentOf = (line: string) => line.length - line.trimStart().length;

const UNICODE = ['\u00e9', '\u00df', '\u4e2d\u6587', '\u{1F600}', '\u{1F4A9}', '\u200b', '\u202e', '\ufeff', '\u0000', '\u0007', '\u001b[31m', '\ud800', '\udfff', '\u2028', '\u0085', '\uffff', 'ℌ', '𝔘𝔫𝔦𝔠𝔬𝔡𝔢'];
const WRONG_VALUES = ['"256"', 'true', 'false', '~', 'null', '-1', '0', '1e400', '-.inf', '.nan', '0x1F', '0o17', '2001-12-14', '[]', '{}', '""', '\'\'', '!!binary aGVsbG8=', '!custom x',
  '!!str 5', '!!int "5"', '!!float x', '!!map {}', '99999999999999999999999', '1.5', '@reserved', '`tick`', '%', '*', '&', '|', '>', '- item', '? q', '"unterminated', '[unclosed', '{unclosed'];
const SPEC_KEYS = ['platform', 'services', 'defaults', 'databases', 'tables', 'teleport', 'cpu', 'memory', 'port', 'type', 'routing', 'healthCheck', 'autoscaling', 'enabled', 'hashKey',
  'allowedServices', 'certificate', 'name', 'region', 'profile', '__proto__', 'constructor', 'toString', 'hasOwnProperty', '<<', '1', 'true', '~', '"quoted key"', 'a/b', 'a~b', 'a.b', ''];

const MUTATIONS: Record<string, Mutation> = {
  deleteLine: (text, rng) => {
    const all = lines(text);
    all.splice(rng.int(all.length), 1 + rng.int(3));
    return all.join('\n');
  },
  duplicateLine: (text, rng) => {
    const all = lines(text);
    const i = rng.int(all.length);
    all.splice(i, 0, ...all.slice(i, i + 1 + rng.int(3)));
    return all.join('\n');
  },
  swapLines: (text, rng) => {
    const all = lines(text);
    const [i, j] = [rng.int(all.length), rng.int(all.length)];
    [all[i], all[j]] = [all[j], all[i]];
    return all.join('\n');
  },
  reindent: (text, rng) => {
    const all = lines(text);
    const i = rng.int(all.length);
    const shift = rng.pick([-4, -2, -1, 1, 2, 3, 8]);
    all[i] = shift > 0 ? ' '.repeat(shift) + all[i] : all[i].slice(Math.min(-shift, indentOf(all[i])));
    return all.join('\n');
  },
  dedentBlock: (text, rng) => lines(text).map((l) => (rng.chance(0.3) ? l.trimStart() : l)).join('\n'),
  scalarToList: (text, rng) => replaceValue(text, rng, (old) => rng.pick([`[${old}]`, `[${old}, ${old}]`, `\n  - ${old}`, '[]'])),
  scalarToMap: (text, rng) => replaceValue(text, rng, (old) => rng.pick([`{ value: ${old} }`, `{ ${old}: 1 }`, '{}', `\n      nested: ${old}`])),
  wrongType: (text, rng) => replaceValue(text, rng, () => rng.pick(WRONG_VALUES)),
  insertTab: (text, rng) => {
    const all = lines(text);
    const i = rng.int(all.length);
    const at = rng.chance(0.5) ? 0 : rng.int(all[i].length + 1);
    all[i] = `${all[i].slice(0, at)}\t${all[i].slice(at)}`;
    return all.join('\n');
  },
  unicode: (text, rng) => {
    const at = rng.int(text.length + 1);
    return text.slice(0, at) + rng.pick(UNICODE) + text.slice(at);
  },
  unknownKey: (text, rng) => {
    const all = lines(text);
    const i = rng.int(all.length);
    const indent = ' '.repeat(indentOf(all[i]));
    all.splice(i + 1, 0, `${indent}${rng.pick(SPEC_KEYS)}${rng.chance(0.5) ? `zz${rng.int(1000)}` : ''}: ${rng.pick(['1', 'x', '{}', '[a]', '~'])}`);
    return all.join('\n');
  },
  renameKey: (text, rng) => {
    const all = lines(text);
    const i = scalarLine(all, rng);
    if (i >= 0) all[i] = all[i].replace(/[\w.-]+:/, `${rng.pick(SPEC_KEYS)}:`);
    return all.join('\n');
  },
  anchorAlias: (text, rng) => {
    const all = lines(text);
    const i = scalarLine(all, rng);
    const j = scalarLine(all, rng);
    if (i < 0 || j < 0) return text;
    all[i] = all[i].replace(/: /, ': &anchor ');
    all[j] = all[j].replace(/: .*$/, rng.pick([': *anchor', ': *missing', ': [*anchor, *anchor]', ': { <<: *anchor }']));
    return all.join('\n');
  },
  mergeKey: (text, rng) => {
    const all = lines(text);
    const i = rng.int(all.length);
    const indent = ' '.repeat(indentOf(all[i]));
    all.splice(i, 0, `${indent}base: &base { cpu: 512, memory: 1024 }`, `${indent}<<: ${rng.pick(['*base', '[*base, *base]', '*nothing', '1', '[1, 2]'])}`);
    return all.join('\n');
  },
  yamlDirective: (text, rng) => rng.pick(['%YAML 1.1\n---\n', '%TAG ! tag:example.com,2000:\n---\n', '--- !!map\n', '---\n', '--- |\n', '...\n', '? [complex, key]\n: value\n', '!!set\n']) + text,
  truncate: (text, rng) => text.slice(0, rng.int(text.length + 1)),
  splice: (text, rng) => {
    const other = TEXTS[rng.pick(FILES)];
    const at = rng.int(text.length + 1);
    const from = rng.int(other.length);
    return text.slice(0, at) + other.slice(from, from + rng.int(200)) + text.slice(at);
  },
  crlf: (text, rng) => (rng.chance(0.5) ? text.replace(/\n/g, '\r\n') : text.replace(/\n/g, '\r')),
};

// --- the cases ------------------------------------------------------------------------------------------

interface FuzzCase {
  readonly name: string;
  /** The layers, in merge order. */
  readonly sources: SpecSource[];
  readonly environment: string;
}

function layers(environment: 'dev' | 'prod', replace: Record<string, string> = {}): SpecSource[] {
  return ['defaults.yaml', 'platform.yaml', `environments/${environment}.yaml`].map((file) => ({ file, content: replace[file] ?? TEXTS[file] }));
}

function mutatedCases(seed: number, count: number): FuzzCase[] {
  const rng = new Lcg(seed);
  const names = Object.keys(MUTATIONS);
  const cases: FuzzCase[] = [];
  for (let n = 0; n < count; n++) {
    const environment = rng.pick(['dev', 'prod'] as const);
    const targets = layers(environment).map((s) => s.file);
    const replace: Record<string, string> = {};
    const applied: string[] = [];
    // Mostly one file, sometimes two; one to four mutations each.
    for (let f = 0; f < (rng.chance(0.2) ? 2 : 1); f++) {
      const file = rng.pick(targets);
      let text = replace[file] ?? TEXTS[file];
      for (let m = 0, times = 1 + rng.int(4); m < times; m++) {
        const name = rng.pick(names);
        text = MUTATIONS[name](text, rng);
        applied.push(`${file}:${name}`);
      }
      replace[file] = text;
    }
    cases.push({ name: `#${String(n).padStart(3, '0')} ${environment} ${applied.join(' ')}`, sources: layers(environment, replace), environment });
  }
  return cases;
}

const LOL = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
for (const [name, prev] of [['b', 'a'], ['c', 'b'], ['d', 'c'], ['e', 'd'], ['f', 'e'], ['g', 'f'], ['h', 'g'], ['i', 'h']]) {
  LOL.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
}
const BILLION_LAUGHS = `${LOL.join('\n')}\n`;
const DEPTH = 5000;

const HOSTILE: Array<[string, string, string]> = [
  ['a "billion laughs" alias bomb', 'platform.yaml', BILLION_LAUGHS],
  ['an alias bomb inside a section', 'environments/dev.yaml', `services:\n  test-app:\n    environment:\n${LOL.map((l) => `      ${l.replace(/^(\w): /, 'K$1: ')}`).join('\n')}\n`],
  ['an alias bomb through merge keys', 'defaults.yaml', 'defaults: &d\n  cpu: 256\nx1: &x1 { <<: [*d, *d, *d, *d] }\nx2: &x2 { <<: [*x1, *x1, *x1, *x1] }\nx3: { <<: [*x2, *x2, *x2, *x2] }\n'],
  ['a self-referencing alias', 'platform.yaml', 'a: &a [*a]\n'],
  [`flow mappings nested ${DEPTH} deep`, 'platform.yaml', `${'{a: '.repeat(DEPTH)}1${'}'.repeat(DEPTH)}\n`],
  [`flow lists nested ${DEPTH} deep`, 'environments/dev.yaml', `services:\n  test-app:\n    command: ${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}\n`],
  [`flow mappings nested ${DEPTH} deep in a known section`, 'defaults.yaml', `defaults:\n  environment: ${'{a: '.repeat(DEPTH)}1${'}'.repeat(DEPTH)}\n`],
  ['block mappings nested 150 deep', 'platform.yaml', `${Array.from({ length: 150 }, (_, i) => `${' '.repeat(i)}k:`).join('\n')} 1\n`],
  ['a 2 MiB file', 'platform.yaml', `${TEXTS['platform.yaml']}\n# ${'x'.repeat(2 * 1024 * 1024)}\n`],
  ['a 2 MiB single line', 'defaults.yaml', `defaults:\n  image: ${'a'.repeat(2 * 1024 * 1024)}\n`],
  ['a key of 200 KiB', 'defaults.yaml', `${'k'.repeat(200 * 1024)}: 1\n`],
  ['an empty file', 'platform.yaml', ''],
  ['an empty environment file', 'environments/dev.yaml', ''],
  ['only ~', 'platform.yaml', '~\n'],
  ['only ~ in the environment', 'environments/dev.yaml', '~'],
  ['only a comment', 'defaults.yaml', '# nothing here\n'],
  ['only ---', 'defaults.yaml', '---\n'],
  ['only whitespace', 'defaults.yaml', '\n\n   \n\t\n'],
  ['a top-level list', 'platform.yaml', '- platform\n- services\n'],
  ['a top-level scalar', 'platform.yaml', 'hello\n'],
  ['a top-level number', 'environments/dev.yaml', '42\n'],
  ['a NUL byte', 'platform.yaml', `${TEXTS['platform.yaml'].slice(0, 40)}\u0000${TEXTS['platform.yaml'].slice(40)}`],
  ['a byte order mark', 'platform.yaml', `\ufeff${TEXTS['platform.yaml']}`],
  ['a complex key', 'platform.yaml', `${TEXTS['platform.yaml']}\n? [a, b]\n: c\n`],
  ['a null key', 'platform.yaml', `${TEXTS['platform.yaml']}\n~: c\n`],
  ['an alias as a key', 'platform.yaml', 'x: &k services\n*k : {}\n'],
  ['many documents', 'platform.yaml', `${TEXTS['platform.yaml']}\n---\n${TEXTS['platform.yaml']}\n---\n`],
  ['every line indented by a tab', 'defaults.yaml', TEXTS['defaults.yaml'].replace(/^ {2}/gm, '\t')],
  ['the files in the wrong order', 'defaults.yaml', TEXTS['environments/prod.yaml']],
  ['__proto__ keys', 'platform.yaml', `${TEXTS['platform.yaml']}\n__proto__:\n  platform:\n    name: evil\nfinops:\n  __proto__: { instanceEvents: false }\n`],
  ['constructor and toString keys', 'environments/dev.yaml', `${TEXTS['environments/dev.yaml']}\nservices:\n  test-app:\n    constructor: 1\n    toString: 2\n`],
];

const CASES: FuzzCase[] = [
  ...HOSTILE.map(([name, file, content]) => ({ name: `hostile: ${name}`, sources: layers('dev', { [file]: content }), environment: 'dev' })),
  ...mutatedCases(0x5eed, 300),
];

// --- the checks -----------------------------------------------------------------------------------------

/** Load; a spec, or the PlatformSpecError's problems. Anything else thrown is the test's failure. */
function attempt(c: FuzzCase): { spec?: PlatformSpec; error?: PlatformSpecError } {
  try {
    return { spec: PlatformSpec.fromSources(c.sources, { environment: c.environment }) };
  } catch (error) {
    if (error instanceof PlatformSpecError) return { error };
    throw new Error(`${c.name}: threw ${(error as Error)?.name ?? typeof error} instead of a PlatformSpecError: ${(error as Error)?.stack ?? String(error)}`);
  }
}

test('the generator is deterministic', () => {
  const digest = (cases: FuzzCase[]) => cases.map((c) => `${c.name}\n${c.sources.map((s) => s.content).join('\n')}`).join('\n');
  expect(digest(mutatedCases(0x5eed, 20))).toBe(digest(CASES.slice(HOSTILE.length, HOSTILE.length + 20)));
  expect(digest(mutatedCases(0x5eed, 20))).not.toBe(digest(mutatedCases(0x5eee, 20)));
  // The mutations change something most of the time.
  const changed = CASES.slice(HOSTILE.length).filter((c) => c.sources.some((s) => s.content !== TEXTS[s.file]));
  expect(changed.length).toBeGreaterThan(250);
});

test('the unmutated example loads in both environments', () => {
  expect(attempt({ name: 'dev', sources: layers('dev'), environment: 'dev' }).spec?.name).toBe('ecso');
  expect(attempt({ name: 'prod', sources: layers('prod'), environment: 'prod' }).spec?.name).toBe('ecso');
});

const outcomes = { loaded: 0, refused: 0 };

test.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
  const started = Date.now();
  const { spec, error } = attempt(c);
  const files = c.sources.map((s) => s.file);
  if (error) {
    outcomes.refused++;
    expect(error.problems.length).toBeGreaterThan(0);
    for (const problem of error.problems) {
      expect(files).toContain(problem.file);
      expect(Number.isInteger(problem.line) && problem.line >= 1).toBe(true);
      expect(Number.isInteger(problem.column) && problem.column >= 1).toBe(true);
      expect(typeof problem.path).toBe('string');
      expect(typeof problem.message).toBe('string');
      expect(problem.message.trim()).not.toBe('');
    }
    expect(error.message).toContain(`${error.problems.length} problem`);
  } else {
    outcomes.loaded++;
    expect(spec).toBeInstanceOf(PlatformSpec);
    // What loaded prints and re-reads as itself.
    expect(YAML.parse(spec!.toYaml())).toEqual(spec!._merged.value);
    expect(() => JSON.parse(spec!.toJson())).not.toThrow();
  }
  expect(Date.now() - started).toBeLessThan(MAX_CASE_MS);
});

test('the cases both load and fail (the mutations are neither all harmless nor all fatal)', () => {
  expect(outcomes.loaded + outcomes.refused).toBe(CASES.length);
  expect(outcomes.loaded).toBeGreaterThan(10);
  expect(outcomes.refused).toBeGreaterThan(100);
});
