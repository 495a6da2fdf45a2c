/**
 * Builds every example under examples/ in-process (as test/examples does) in both engines, for each
 * profile its buildApp accepts, and prices the result. A buildApp without a profile parameter is built
 * once with its own defaults; each of its stacks then counts for the profile its name says (`...Prod`,
 * `...-prod` -> PRODUCTION), else for DEVELOPMENT, the default of every example.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Billable, constructOf, LineItem, priceAll, seedsLayout, total } from './model';
import { readCloudFormation, readTerraform } from './readers';

export const EXAMPLES_DIR = join(__dirname, '..', 'examples');
export const PROFILES = ['DEVELOPMENT', 'PRODUCTION'] as const;
export type Profile = typeof PROFILES[number];
export type Engine = 'cdk' | 'cdktf';

export function exampleNames(): string[] {
  return readdirSync(EXAMPLES_DIR, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
}

const entry = (name: string, engine: Engine) => join(EXAMPLES_DIR, name, engine, engine === 'cdk' ? 'app.ts' : 'main.ts');

/** Whether the example's buildApp takes a profile (read from its source: `buildApp(app..., profile...)`). */
export function takesProfile(name: string, engine: Engine): boolean {
  return /export function buildApp\(.*\bprofile\b/.test(readFileSync(entry(name, engine), 'utf8'));
}

export function profileOfStack(stack: string): Profile {
  return /prod/i.test(stack) ? 'PRODUCTION' : 'DEVELOPMENT';
}

/** Billable resources of every stack of one example in one engine (profile undefined: buildApp's own default). */
export function build(name: string, engine: Engine, profile?: Profile): Billable[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- examples are found at run time
  const { buildApp } = require(entry(name, engine));
  const outdir = mkdtempSync(join(tmpdir(), `epc-cost-${name}-${engine}-`));
  try {
    if (engine === 'cdk') {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- aws-cdk-lib is an optional peer
      const { App } = require('aws-cdk-lib');
      const app = new App({ outdir, context: { 'aws:cdk:enable-path-metadata': true } });
      const built = profile ? buildApp(app, profile) : buildApp(app);
      const assembly = built.synth();
      return assembly.stacks.flatMap((s: any) => readCloudFormation(s.stackName, s.template));
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- cdktf is an optional peer
    const { App } = require('cdktf');
    const app = new App({ outdir });
    (profile ? buildApp(app, profile) : buildApp(app)).synth();
    return readdirSync(join(outdir, 'stacks')).flatMap((stack) => readTerraform(stack, JSON.parse(readFileSync(join(outdir, 'stacks', stack, 'cdk.tf.json'), 'utf8'))));
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

export interface Estimate {
  readonly example: string;
  readonly profile: Profile;
  /** How the profile was chosen: 'buildApp(app, profile)' or 'buildApp(app) default, stacks ...'. */
  readonly how: string;
  readonly items: Record<Engine, Billable[]>;
  readonly lines: Record<Engine, LineItem[]>;
  readonly totals: Record<Engine, number>;
  /** DEVELOPMENT only: the same resources in the seeds' layout (priced from the CDK output). */
  readonly seeds?: { readonly lines: LineItem[]; readonly total: number; readonly saving: number };
}

export function estimate(example: string, profile: Profile, items: Record<Engine, Billable[]>, how: string): Estimate {
  const lines = { cdk: priceAll(items.cdk), cdktf: priceAll(items.cdktf) };
  const totals = { cdk: total(lines.cdk), cdktf: total(lines.cdktf) };
  let seeds: Estimate['seeds'];
  if (profile === 'DEVELOPMENT' && items.cdk.some((i) => i.kind === 'natGateway')) {
    const s = seedsLayout(items.cdk);
    const seedLines = priceAll(s.items, { s3ViaNatGbPerVpc: s.s3ViaNatGbPerVpc });
    seeds = { lines: seedLines, total: total(seedLines), saving: total(seedLines) - totals.cdk };
  }
  return { example, profile, how, items, lines, totals, seeds };
}

/** Every example x profile, each built once per engine and profile. */
export function estimateAll(names: readonly string[] = exampleNames()): Estimate[] {
  const out: Estimate[] = [];
  for (const name of names) {
    const withProfile = takesProfile(name, 'cdk') && takesProfile(name, 'cdktf');
    if (withProfile) {
      for (const profile of PROFILES) out.push(estimate(name, profile, { cdk: build(name, 'cdk', profile), cdktf: build(name, 'cdktf', profile) }, 'buildApp(app, profile)'));
      continue;
    }
    const items = { cdk: build(name, 'cdk'), cdktf: build(name, 'cdktf') };
    for (const profile of PROFILES) {
      const pick = (engine: Engine) => items[engine].filter((i) => profileOfStack(i.stack) === profile);
      const mine = { cdk: pick('cdk'), cdktf: pick('cdktf') };
      if (!mine.cdk.length && !mine.cdktf.length) continue;
      const stacks = [...new Set([...mine.cdk, ...mine.cdktf].map((i) => i.stack))].join(', ');
      out.push(estimate(name, profile, mine, `buildApp(app) takes no profile: its default, stacks ${stacks}`));
    }
  }
  return out;
}

/** Normalised key to match a construct across engines: stack and construct id without case or punctuation. */
export function constructKey(construct: string): string {
  return construct.toLowerCase().replace(/[^a-z0-9/]/g, '');
}

export interface Difference {
  readonly construct: string;
  readonly kind: string;
  /** Resources of this kind under the construct, per engine. */
  readonly count: Record<Engine, number>;
  /** USD per month, per engine. */
  readonly cdk: number;
  readonly cdktf: number;
}

/** Where the engines differ, per construct and kind of resource: in monthly cost or in the number of resources (a $0 Lambda too). */
export function differences(e: Estimate): Difference[] {
  const sums = new Map<string, { construct: string; kind: string; count: Record<Engine, number>; cdk: number; cdktf: number }>();
  const at = (construct: string, kind: string) => {
    const key = `${constructKey(construct)}|${kind}`;
    const s = sums.get(key) ?? { construct, kind, count: { cdk: 0, cdktf: 0 }, cdk: 0, cdktf: 0 };
    sums.set(key, s);
    return s;
  };
  for (const engine of ['cdk', 'cdktf'] as const) {
    for (const i of e.items[engine]) at(constructOf(i.path).construct, i.kind).count[engine] += 1;
    for (const l of e.lines[engine]) at(l.construct, l.kind)[engine] += l.monthly;
  }
  return [...sums.values()]
    .filter((s) => Math.abs(s.cdk - s.cdktf) >= 0.005 || s.count.cdk !== s.count.cdktf)
    .sort((a, b) => a.construct.localeCompare(b.construct) || a.kind.localeCompare(b.kind));
}
