import * as fs from 'fs';
import * as path from 'path';
import { mergeLayers, MergedSpec, parseLayer, schemaProblems, SpecProblem, SpecSource } from './load';
import { planSpec, SpecPlan } from './plan';
import { EnvironmentProfile } from '../constructs/environment-profile';

/** How to load a platform spec. */
export interface PlatformSpecLoadOptions {
  /**
   * The environment: `environments/<environment>.yaml` is merged over `defaults.yaml` and `platform.yaml`.
   * @default - no environment file: defaults.yaml and platform.yaml only
   */
  readonly environment?: string;
}

/** The error `PlatformSpec.load` throws: every problem, each with its file, line and column. */
export class PlatformSpecError extends Error {
  /** Every problem once (a bad default inherited by several services is one problem), by file and line. */
  public readonly problems: readonly SpecProblem[];

  constructor(problems: readonly SpecProblem[]) {
    problems = sortedProblems(problems);
    super(`The platform spec has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${formatProblems(problems)}`);
    this.name = 'PlatformSpecError';
    this.problems = problems;
  }
}

function sortedProblems(problems: readonly SpecProblem[]): SpecProblem[] {
  const seen = new Set<string>();
  const unique = problems.filter((p) => {
    const key = JSON.stringify([p.file, p.line, p.column, p.path, p.message]);
    return seen.has(key) ? false : (seen.add(key), true);
  });
  return unique.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
}

/** `file:line:column  path: message`, one line each, as editors and CI logs link them. */
export function formatProblems(problems: readonly SpecProblem[]): string {
  return problems.map((p) => `  ${p.file}${p.line > 0 ? `:${p.line}:${p.column}` : ''}  ${p.path ? `${p.path}: ` : ''}${p.message}`).join('\n');
}

/** The layers, in merge order: defaults.yaml < platform.yaml < environments/<env>.yaml. */
const LAYERS = ['defaults', 'platform'];

/** The file of a layer: `<name>.yaml` or `<name>.yml`, relative to the spec's directory. */
function layerFile(directory: string, name: string): { file?: string; problem?: string } {
  const found = ['.yaml', '.yml'].map((ext) => `${name}${ext}`).filter((file) => fs.existsSync(path.join(directory, file)));
  if (found.length > 1) return { problem: `both ${found.join(' and ')} exist: keep one` };
  return { file: found[0] };
}

/**
 * A platform described in YAML (docs/platform-spec.md): `defaults.yaml` < `platform.yaml` <
 * `environments/<env>.yaml`, deep-merged, checked against the published JSON Schema and the references
 * between entries. `buildPlatform(scope, spec)` (in `ecs-platform-constructs/cdk` and `/cdktf`) builds it,
 * and the constructs check their own props there, with the same file-and-line errors.
 */
export class PlatformSpec {
  /**
   * Load the spec in `directory`. Throws one error listing every problem of every file.
   */
  public static load(directory: string, options: PlatformSpecLoadOptions = {}): PlatformSpec {
    const { spec, problems } = PlatformSpec._read(directory, options);
    if (!spec) throw new PlatformSpecError(problems);
    return spec;
  }

  /**
   * The problems of the spec in `directory` (the schema's and the references'), without throwing:
   * empty when it loads.
   */
  public static check(directory: string, options: PlatformSpecLoadOptions = {}): SpecProblem[] {
    return PlatformSpec._read(directory, options).problems;
  }

  /** Load a spec from YAML texts, in merge order (the first is the lowest layer). */
  public static fromSources(sources: SpecSource[], options: PlatformSpecLoadOptions = {}): PlatformSpec {
    const { spec, problems } = PlatformSpec.fromLayers(sources, options.environment);
    if (!spec) throw new PlatformSpecError(problems);
    return spec;
  }

  /** The environments of the spec in `directory`: the names of `environments/*.yaml`, sorted. */
  public static environments(directory: string): string[] {
    const dir = path.join(directory, 'environments');
    if (!fs.existsSync(dir)) return [];
    return fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).map((f) => f.replace(/\.ya?ml$/, '')).sort();
  }

  /** @internal read and check, returning the spec or the problems (each once, by file and line). */
  public static _read(directory: string, options: PlatformSpecLoadOptions): { spec?: PlatformSpec; problems: SpecProblem[] } {
    const { spec, problems } = PlatformSpec.readDirectory(directory, options);
    return { spec, problems: sortedProblems(problems) };
  }

  private static readDirectory(directory: string, options: PlatformSpecLoadOptions): { spec?: PlatformSpec; problems: SpecProblem[] } {
    const problems: SpecProblem[] = [];
    const sources: SpecSource[] = [];
    if (!fs.existsSync(directory) || !fs.statSync(directory).isDirectory()) {
      return { problems: [{ file: directory, line: 0, column: 0, path: '', message: 'no such directory: give the directory holding defaults.yaml, platform.yaml and environments/' }] };
    }
    const names = [...LAYERS, ...(options.environment !== undefined ? [`environments/${options.environment}`] : [])];
    for (const name of names) {
      const { file, problem } = layerFile(directory, name);
      if (problem) problems.push({ file: `${name}.yaml`, line: 0, column: 0, path: '', message: problem });
      if (file) {sources.push({ file, content: fs.readFileSync(path.join(directory, file), 'utf8') });} else if (name.startsWith('environments/')) {
        const known = PlatformSpec.environments(directory);
        problems.push({ file: `${name}.yaml`, line: 0, column: 0, path: '', message: `no environment ${JSON.stringify(options.environment)}: ${known.length ? `the environments are ${known.join(', ')}` : 'environments/ has no .yaml files'}` });
      }
    }
    if (sources.length === 0 && problems.length === 0) {
      problems.push({ file: directory, line: 0, column: 0, path: '', message: 'no spec here: expected defaults.yaml, platform.yaml or environments/<env>.yaml (`ecs-platform init` writes a starter)' });
    }
    if (problems.length > 0) return { problems };
    return PlatformSpec.fromLayers(sources, options.environment);
  }

  private static fromLayers(sources: readonly SpecSource[], environment?: string): { spec?: PlatformSpec; problems: SpecProblem[] } {
    const layers = sources.map(parseLayer);
    const parseProblems = layers.flatMap((l) => l.problems);
    if (parseProblems.length > 0) return { problems: parseProblems };
    const merged = mergeLayers(layers);
    const problems = schemaProblems(merged);
    if (problems.length > 0) return { problems };
    const plan = planSpec(merged, environment);
    if (plan.problems.length > 0) return { problems: plan.problems };
    return { spec: new PlatformSpec(merged, plan), problems: [] };
  }

  /** The platform's name (`platform.name`). */
  public readonly name: string;
  /** The AWS region (`platform.region`). */
  public readonly region: string;
  /** The AWS account, when `platform.account` gives one. */
  public readonly account?: string;
  /** The profile (`platform.profile`). */
  public readonly profile: EnvironmentProfile;
  /** The environment loaded, when one was. */
  public readonly environment?: string;
  /** The files merged, lowest layer first. */
  public readonly files: string[];
  /** The names of the spec's services. */
  public readonly serviceNames: string[];

  /** @internal the merged value and where each key came from. */
  public readonly _merged: MergedSpec;
  /** @internal what to build. */
  public readonly _plan: SpecPlan;

  private constructor(merged: MergedSpec, plan: SpecPlan) {
    this._merged = merged;
    this._plan = plan;
    this.name = plan.name;
    this.region = plan.region;
    this.account = plan.account;
    this.profile = plan.profile;
    this.environment = plan.environment;
    this.files = [...merged.files];
    this.serviceNames = plan.services.map((s) => s.name);
  }

  /** The merged spec as YAML: what the layers add up to. */
  public toYaml(): string {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use (optional engines; the root stays light)
    const YAML: typeof import('yaml') = require('yaml');
    return YAML.stringify(this._merged.value, { aliasDuplicateObjects: false });
  }

  /** The merged spec as JSON. */
  public toJson(): string {
    return JSON.stringify(this._merged.value, undefined, 2);
  }
}
