/**
 * `npx ecs-platform`: the platform spec's command line (bin/ecs-platform). Exit codes a CI job can use:
 * 0 done, 1 the spec has problems (each printed as file:line:column), 2 the command line is wrong.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { specDiagram } from './diagram';
import { diffSpecs } from './diff';
import { STARTER_FILES } from './init';
import { SpecProblem } from './load';
import { problemsFromSynthesis } from './plan';
import { formatProblems, PlatformSpec, PlatformSpecError } from './platform-spec';
import { platformSpecLayerSchema } from './schema';
import { nearestName } from '../constructs/prop-schema';

/** Where the CLI writes, and where it runs: the process's, unless a test gives its own. */
export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly cwd: string;
}

const PROCESS_IO: CliIo = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  cwd: process.cwd(),
};

type Engine = 'cdk' | 'cdktf';

interface Command {
  readonly summary: string;
  readonly usage: string;
  readonly help: string;
  /** Flags that take a value, and flags that are switches. */
  readonly values: readonly string[];
  readonly switches: readonly string[];
  /** How many positional arguments, [min, max]. */
  readonly positionals: readonly [number, number];
  readonly run: (args: ParsedArgs, io: CliIo) => Promise<number> | number;
}

interface ParsedArgs {
  readonly positionals: string[];
  readonly values: Record<string, string>;
  readonly switches: Set<string>;
}

class UsageError extends Error {}

const DIR_HELP = '  --dir <dir>       the spec\'s directory (default: the current directory)';

const COMMANDS: Record<string, Command> = {
  'init': {
    summary: 'write a starter spec (defaults.yaml, platform.yaml, environments/dev.yaml and prod.yaml)',
    usage: 'ecs-platform init [dir] [--name <platform>] [--region <region>] [--force]',
    help: [
      'Writes a starter spec into dir (default: the current directory): defaults.yaml, platform.yaml,',
      'environments/dev.yaml and environments/prod.yaml, each pointing editors at the JSON Schema.',
      '  --name <platform>  the platform\'s name (default: the directory\'s name)',
      '  --region <region>  the AWS region (default: eu-west-1)',
      '  --force            overwrite files that exist',
    ].join('\n'),
    values: ['name', 'region'],
    switches: ['force'],
    positionals: [0, 1],
    run: init,
  },
  'validate': {
    summary: 'check the spec: YAML, schema, references and every construct\'s own validation',
    usage: 'ecs-platform validate [--dir <dir>] [--env <env>] [--engine cdk|cdktf|none] [--print]',
    help: [
      'Checks every environment (or only --env): the YAML, the JSON Schema, the references between',
      'entries, then builds the platform in memory so each construct checks its props. Prints every',
      'problem as file:line:column and exits 1 when there is one.',
      DIR_HELP,
      '  --env <env>       one environment (default: every environments/*.yaml)',
      '  --engine <e>      whose constructs check the props: cdk, cdktf, or none for the schema and',
      '                    references only (default: cdk when aws-cdk-lib is installed, else cdktf, else none)',
      '  --print           print each merged spec (YAML)',
    ].join('\n'),
    values: ['dir', 'env', 'engine'],
    switches: ['print'],
    positionals: [0, 0],
    run: validate,
  },
  'synth': {
    summary: 'synthesise an environment into cdk.out (CDK) or cdktf.out (CDKTF)',
    usage: 'ecs-platform synth --engine cdk|cdktf --env <env> [--dir <dir>] [--out <dir>]',
    help: [
      'Builds the environment\'s platform with the library in-process and writes what the engine\'s CLI',
      'deploys: a cloud assembly (cdk deploy --app <out>) or Terraform JSON (cd <out>/stacks/<stack> &&',
      'terraform init && terraform apply). The stack is named <platform>-<env>.',
      '  --engine <e>      cdk or cdktf (required)',
      '  --env <env>       the environment (required)',
      DIR_HELP,
      '  --out <dir>       where to write (default: cdk.out or cdktf.out in the current directory)',
    ].join('\n'),
    values: ['dir', 'env', 'engine', 'out'],
    switches: [],
    positionals: [0, 0],
    run: synth,
  },
  'diff-env': {
    summary: 'what differs between two environments after merging',
    usage: 'ecs-platform diff-env <env-a> <env-b> [--dir <dir>]',
    help: [
      'Merges both environments and prints every key whose value differs, each service with its',
      'defaults applied: "~ key: a -> b", "+ key: b" (only in b), "- key: a" (only in a).',
      DIR_HELP,
    ].join('\n'),
    values: ['dir'],
    switches: [],
    positionals: [2, 2],
    run: diffEnv,
  },
  'diagram': {
    summary: 'the Mermaid diagram of the spec',
    usage: 'ecs-platform diagram [--dir <dir>] [--env <env>]',
    help: [
      'Prints a Mermaid flowchart of the environment: the load balancer, services, data, Teleport and',
      'who may reach what. Paste it into a README or a pull request.',
      DIR_HELP,
      '  --env <env>       the environment (default: the only one, or none)',
    ].join('\n'),
    values: ['dir', 'env'],
    switches: [],
    positionals: [0, 0],
    run: diagram,
  },
  'schema': {
    summary: 'print the spec\'s JSON Schema',
    usage: 'ecs-platform schema',
    help: 'Prints the JSON Schema of a layer file, for editors (shipped as platform-spec.schema.json); validate also checks the merged result.',
    values: [],
    switches: [],
    positionals: [0, 0],
    run: (_args, io) => {
      io.out(JSON.stringify(platformSpecLayerSchema(), undefined, 2));
      return 0;
    },
  },
};

function mainHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  return [
    'ecs-platform: a container platform on AWS ECS Fargate from a YAML spec (docs/platform-spec.md)',
    '',
    'Usage: ecs-platform <command> [options]',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`),
    '',
    'ecs-platform <command> --help for its options. Exit codes: 0 done, 1 the spec has problems,',
    '2 the command line is wrong.',
  ].join('\n');
}

/** Run the CLI with `argv` (without node and the script); resolves to the exit code. */
export async function runCli(argv: readonly string[], io: CliIo = PROCESS_IO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(mainHelp());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use (optional engines; the root stays light)
    io.out(String(require('../../package.json').version));
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    const near = nearestName(name, Object.keys(COMMANDS));
    io.err(`ecs-platform: unknown command ${JSON.stringify(name)}${near ? `; did you mean ${near}?` : ''}\n\n${mainHelp()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(`Usage: ${command.usage}\n\n${command.help}`);
    return 0;
  }
  try {
    return await command.run(parseArgs(command, rest), io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`ecs-platform ${name}: ${error.message}\nUsage: ${command.usage}`);
      return 2;
    }
    if (error instanceof PlatformSpecError) {
      io.err(`ecs-platform ${name}: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

function parseArgs(command: Command, argv: readonly string[]): ParsedArgs {
  const args: ParsedArgs = { positionals: [], values: {}, switches: new Set() };
  const known = [...command.values, ...command.switches];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      args.positionals.push(arg);
      continue;
    }
    const [flag, inline] = arg.slice(2).split(/=(.*)/s, 2);
    if (command.switches.includes(flag)) {
      if (inline !== undefined) throw new UsageError(`--${flag} takes no value`);
      args.switches.add(flag);
    } else if (command.values.includes(flag)) {
      const value = inline ?? argv[++i];
      if (value === undefined || (inline === undefined && value.startsWith('--'))) throw new UsageError(`--${flag} needs a value`);
      args.values[flag] = value;
    } else {
      const near = nearestName(flag, known);
      throw new UsageError(`unknown option --${flag}${near ? `; did you mean --${near}?` : known.length ? `; the options are ${known.map((k) => `--${k}`).join(', ')}` : ''}`);
    }
  }
  const [min, max] = command.positionals;
  if (args.positionals.length < min || args.positionals.length > max) {
    throw new UsageError(min === max && min === 0 ? `takes no arguments; got ${args.positionals.join(' ')}` : `expected ${min === max ? min : `${min} to ${max}`} argument${max === 1 ? '' : 's'}; got ${args.positionals.length}`);
  }
  return args;
}

function specDir(args: ParsedArgs, io: CliIo): string {
  return path.resolve(io.cwd, args.values.dir ?? '.');
}

function engineOf(value: string | undefined, allowNone: boolean): Engine | 'none' | undefined {
  if (value === undefined) return undefined;
  const allowed = allowNone ? ['cdk', 'cdktf', 'none'] : ['cdk', 'cdktf'];
  if (!allowed.includes(value)) throw new UsageError(`--engine must be ${allowed.join(', ')}; got ${JSON.stringify(value)}`);
  return value as Engine | 'none';
}

function installed(moduleName: string): boolean {
  try {
    require.resolve(moduleName);
    return true;
  } catch {
    return false;
  }
}

function requireEngine(engine: Engine): void {
  const needed = engine === 'cdk' ? ['aws-cdk-lib', 'constructs'] : ['cdktf', '@cdktf/provider-aws', 'constructs'];
  const missing = needed.filter((m) => !installed(m));
  if (missing.length > 0) throw new UsageError(`--engine ${engine} needs ${missing.join(' and ')}: npm install ${missing.join(' ')}`);
}

/**
 * Build and synthesise the spec's stack with `engine` into `outdir` (a scratch directory, removed
 * after, when none is given: `validate` needs the constructs' checks that run at synthesis too). A
 * construct's prop error at synthesis is reported at its YAML key, like those raised while building.
 */
function buildStack(engine: Engine, spec: PlatformSpec, outdir?: string): string {
  const stackName = `${spec.name}${spec.environment ? `-${spec.environment}` : ''}`;
  const scratch = outdir === undefined ? fs.mkdtempSync(path.join(os.tmpdir(), 'ecs-platform-')) : undefined;
  try {
    if (engine === 'cdk') {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use (optional engines; the root stays light)
      const cdk: typeof import('aws-cdk-lib') = require('aws-cdk-lib');
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use (optional engines; the root stays light)
      const { PlatformSpecStack } = require('../cdk/platform-spec') as typeof import('../cdk/platform-spec');
      const app = new cdk.App({ outdir: outdir ?? scratch });
      new PlatformSpecStack(app, stackName, { spec });
      app.synth();
    } else {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use (optional engines; the root stays light)
      const cdktf: typeof import('cdktf') = require('cdktf');
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use (optional engines; the root stays light)
      const { PlatformSpecStack } = require('../cdktf/platform-spec') as typeof import('../cdktf/platform-spec');
      const app = new cdktf.App({ outdir: outdir ?? scratch });
      new PlatformSpecStack(app, stackName, { spec });
      app.synth();
    }
  } catch (error) {
    if (error instanceof PlatformSpecError) throw error;
    const problems = problemsFromSynthesis(spec._merged, spec._plan, `${stackName}/Platform`, error);
    if (problems) throw new PlatformSpecError(problems);
    throw error;
  } finally {
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  }
  return stackName;
}

function init(args: ParsedArgs, io: CliIo): number {
  const dir = path.resolve(io.cwd, args.positionals[0] ?? '.');
  const name = args.values.name ?? (path.basename(dir).toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/^[^a-z]+/, '').slice(0, 40) || 'platform');
  const region = args.values.region ?? 'eu-west-1';
  const files = STARTER_FILES({ name, region });
  const existing = Object.keys(files).filter((file) => fs.existsSync(path.join(dir, file)));
  if (existing.length > 0 && !args.switches.has('force')) {
    throw new UsageError(`${existing.join(', ')} already exist${existing.length === 1 ? 's' : ''} in ${dir}: --force overwrites`);
  }
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), content);
    io.out(`wrote ${path.relative(io.cwd, path.join(dir, file)) || file}`);
  }
  // The starter must itself be valid: the same check `validate` runs.
  const problems = PlatformSpec.environments(dir).flatMap((env) => PlatformSpec.check(dir, { environment: env }));
  if (problems.length > 0) throw new PlatformSpecError(problems);
  io.out(`\nNext: edit the files, then\n  npx ecs-platform validate${dir === io.cwd ? '' : ` --dir ${path.relative(io.cwd, dir)}`}`);
  return 0;
}

function validate(args: ParsedArgs, io: CliIo): number {
  const dir = specDir(args, io);
  const chosen = engineOf(args.values.engine, true) ?? (installed('aws-cdk-lib') ? 'cdk' : installed('cdktf') ? 'cdktf' : 'none');
  if (chosen !== 'none') requireEngine(chosen);
  const environments = args.values.env !== undefined ? [args.values.env] : PlatformSpec.environments(dir);
  const targets = environments.length > 0 ? environments : [undefined];
  let failed = 0;
  for (const environment of targets) {
    const label = environment ?? '(no environment)';
    const { spec, problems } = PlatformSpec._read(dir, { environment });
    let all: readonly SpecProblem[] = problems;
    if (spec && chosen !== 'none') {
      try {
        buildStack(chosen, spec);
      } catch (error) {
        if (!(error instanceof PlatformSpecError)) throw error;
        all = error.problems;
      }
    }
    if (all.length > 0) {
      failed++;
      io.err(`✗ ${label}: ${all.length} problem${all.length === 1 ? '' : 's'}\n${formatProblems(all)}`);
      continue;
    }
    const plan = spec!._plan;
    io.out(`✓ ${label}: ${spec!.name} in ${spec!.region} (${spec!.profile.toLowerCase()}): ${plan.services.length} service(s), ${plan.databases.length} database(s), ${plan.tables.length} table(s)${plan.teleport ? ', Teleport' : ''}${chosen === 'none' ? ' (schema and references only)' : `, checked by the ${chosen} constructs`}`);
    if (args.switches.has('print')) io.out(`# ${spec!.files.join(' < ')}\n${spec!.toYaml()}`);
  }
  return failed > 0 ? 1 : 0;
}

function synth(args: ParsedArgs, io: CliIo): number {
  const engine = engineOf(args.values.engine, false) as Engine | undefined;
  if (!engine) throw new UsageError('--engine is required: cdk or cdktf');
  if (args.values.env === undefined) throw new UsageError('--env is required: the environment to synthesise');
  requireEngine(engine);
  const spec = PlatformSpec.load(specDir(args, io), { environment: args.values.env });
  const out = path.resolve(io.cwd, args.values.out ?? (engine === 'cdk' ? 'cdk.out' : 'cdktf.out'));
  const stack = buildStack(engine, spec, out);
  const relative = path.relative(io.cwd, out) || '.';
  io.out(`synthesised ${stack} (${engine}) into ${relative}`);
  io.out(engine === 'cdk'
    ? `deploy: npx cdk deploy --app ${relative} ${stack}`
    : `deploy: cd ${path.join(relative, 'stacks', stack)} && terraform init && terraform apply`);
  return 0;
}

function diffEnv(args: ParsedArgs, io: CliIo): number {
  const dir = specDir(args, io);
  const [a, b] = args.positionals;
  const failures: SpecProblem[] = [];
  const load = (environment: string) => {
    const { spec, problems } = PlatformSpec._read(dir, { environment });
    failures.push(...problems);
    return spec;
  };
  const left = load(a);
  const right = load(b);
  if (!left || !right) throw new PlatformSpecError(failures);
  const lines = diffSpecs(left, right);
  io.out(lines.length === 0 ? `${a} and ${b} are the same after merging` : `${a} -> ${b}\n${lines.join('\n')}`);
  return 0;
}

function diagram(args: ParsedArgs, io: CliIo): number {
  const dir = specDir(args, io);
  const environments = PlatformSpec.environments(dir);
  const environment = args.values.env ?? (environments.length === 1 ? environments[0] : undefined);
  if (args.values.env === undefined && environments.length > 1) {
    throw new UsageError(`--env is required: the spec has environments ${environments.join(', ')}`);
  }
  io.out(specDiagram(PlatformSpec.load(dir, { environment })));
  return 0;
}
