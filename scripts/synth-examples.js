#!/usr/bin/env node
// Synthesise every example app with the real CLIs, the way a user would:
//   examples/<name>/cdk    (has cdk.json)    -> `cdk synth --quiet --no-notices`
//   examples/<name>/cdktf  (has cdktf.json)  -> `cdktf synth`
// one after the other, each into a clean output directory, then count the
// resources of every synthesised stack, run the quality gates of `npm test` on
// every stack (scripts/lib/example-gates.ts: cdk-nag, Control Tower and
// CloudFormation validation for CDK; the Guard rules and `terraform validate`
// on the CLI's cdk.tf.json for CDKTF) and print a summary table. Exits 1 (and
// prints the CLI's output) when a synth fails, a stack has no resources, or a
// gate finds something.
//
// The examples import the library by its package name; inside this repository
// Node resolves that to lib/ (package self-reference through "exports"), so
// compile first: `npx projen compile && npx projen post-compile` (the
// `examples` projen task runs the compile for you). This script never compiles.
//
// Usage: node scripts/synth-examples.js [example ...] [--engine cdk|cdktf]
'use strict';

const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const { checkLib, cdkStacks, cdktfStacks, exampleGates, printTable } = require('./lib/synth-output');

const ROOT = path.resolve(__dirname, '..');
const EXAMPLES = path.join(ROOT, 'examples');
const BIN = path.join(ROOT, 'node_modules', '.bin');
const TIMEOUT_MS = 10 * 60 * 1000;

const ENGINES = {
  cdk: {
    config: 'cdk.json',
    bin: 'cdk',
    args: ['synth', '--quiet', '--no-notices'],
    env: { CDK_DISABLE_CLI_TELEMETRY: 'true', CDK_DISABLE_VERSION_CHECK: 'true' },
    outdir: (config) => config.output || 'cdk.out',
    stacks: cdkStacks,
  },
  cdktf: {
    config: 'cdktf.json',
    bin: 'cdktf',
    args: ['synth'],
    env: {
      // cdktf's telemetry (HashiCorp Checkpoint) is off when this is set at all.
      CHECKPOINT_DISABLE: '1',
      // cdktf's "newer version available" check.
      DISABLE_VERSION_CHECK: 'true',
      // No spinner redraws in the captured output. (Crash reports are off via
      // "sendCrashReports": "false" in each cdktf.json.)
      CI: process.env.CI || '1',
    },
    outdir: (config) => config.output || 'cdktf.out',
    stacks: cdktfStacks,
  },
};

function main(argv) {
  const { only, engines } = parseArgs(argv);
  const libProblem = checkLib();
  if (libProblem) fail(libProblem);

  const targets = findTargets(only, engines);
  if (targets.length === 0) {
    fail(`no example apps found under ${rel(EXAMPLES)}${only.length ? ` matching ${only.join(', ')}` : ''}`);
  }

  const problems = [];
  const started = Date.now();
  const synthesised = [];
  for (const target of targets) {
    const label = `${target.example}/${target.engine}`;
    process.stdout.write(`synth ${label} ... `);
    const result = synth(target);
    const seconds = result.seconds.toFixed(1);
    synthesised.push({ target, result, seconds });
    if (!result.ok) {
      console.log(`FAILED (${seconds} s)`);
      problems.push(`${label}: ${result.error}`);
      printOutput(label, result);
      continue;
    }
    const empty = result.stacks.filter((s) => s.resources === 0);
    console.log(empty.length ? `NO RESOURCES (${seconds} s)` : `ok (${seconds} s)`);
    for (const s of empty) problems.push(`${label}: stack ${s.name} has no resources`);
    if (empty.length) printOutput(label, result);
  }

  const gates = runGates(synthesised.filter((s) => s.result.ok));
  const rows = [];
  for (const { target, result, seconds } of synthesised) {
    if (!result.ok) {
      rows.push([target.example, target.engine, '-', 'FAILED', seconds, '-', '-', '-']);
      continue;
    }
    result.stacks.forEach((s, i) => {
      const g = gates[`${target.example}/${target.engine}/${s.name}`] || { nag: '?', validate: 'not run' };
      if (g.nag !== 0 && g.nag !== '?') problems.push(`${target.example}/${target.engine}: stack ${s.name} has ${g.nag} gate finding(s) (npm test names them)`);
      if (/error/.test(g.validate)) problems.push(`${target.example}/${target.engine}: stack ${s.name} fails validation: ${g.validate}`);
      rows.push([target.example, target.engine, s.name, String(s.resources), i === 0 ? seconds : '', String(g.nag), g.validate,
        s.monthlyUsd === undefined ? '?' : `$${s.monthlyUsd.toFixed(2)}`]);
    });
  }

  console.log('');
  printTable(['example', 'engine', 'stack', 'resources', 'seconds', 'nag', 'validate', 'monthly USD'], rows,
    [false, false, false, true, true, true, false, true]);
  console.log('\nnag: unacknowledged findings (CDK: cdk-nag AwsSolutions + Control Tower rules; CDKTF: the project\'s Guard rules)');
  console.log('validate: CDK, aws-cdk-lib\'s CloudFormation template validation; CDKTF, `terraform validate` of the CLI\'s output');
  console.log('monthly USD: an estimate from cost/prices-us-east-1.json (us-east-1, dated; assumptions and line items: npm run cost)');
  console.log(`\n${targets.length} app(s) synthesised in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  if (problems.length) {
    console.error(`\n${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    process.exit(1);
  }
}

/**
 * The gates of every synthesised app, by `<example>/<engine>/<stack>`: CDK per example (in-process,
 * the same buildApp), CDKTF on the CLI's cdk.tf.json files with one `terraform validate` for all.
 */
function runGates(synthesised) {
  if (synthesised.length === 0) return {};
  process.stdout.write('gates ... ');
  const started = Date.now();
  const gates = exampleGates();
  const out = {};
  const tfStacks = {};
  for (const { target, result } of synthesised) {
    if (target.engine === 'cdk') {
      for (const [stack, g] of Object.entries(gates.cdkExampleGates(EXAMPLES, target.example))) out[`${target.example}/cdk/${stack}`] = g;
    } else {
      for (const s of result.stacks) tfStacks[`${target.example}/cdktf/${s.name}`] = s.json;
    }
  }
  if (Object.keys(tfStacks).length) Object.assign(out, gates.cdktfStackGates(tfStacks));
  console.log(`done (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return out;
}

function parseArgs(argv) {
  const only = [];
  let engines = Object.keys(ENGINES);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--engine' || arg.startsWith('--engine=')) {
      const value = arg.includes('=') ? arg.split('=')[1] : argv[++i];
      if (!ENGINES[value]) fail(`--engine must be one of ${Object.keys(ENGINES).join(', ')}, got ${value}`);
      engines = [value];
    } else if (arg === '-h' || arg === '--help') {
      console.log('usage: node scripts/synth-examples.js [example ...] [--engine cdk|cdktf]');
      process.exit(0);
    } else if (arg.startsWith('-')) {
      fail(`unknown option ${arg}`);
    } else {
      only.push(arg);
    }
  }
  return { only, engines };
}

function findTargets(only, engines) {
  if (!fs.existsSync(EXAMPLES)) return [];
  const examples = fs.readdirSync(EXAMPLES, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  for (const name of only) {
    if (!examples.includes(name)) fail(`no example "${name}" (have: ${examples.join(', ') || 'none'})`);
  }
  const targets = [];
  for (const example of examples) {
    if (only.length && !only.includes(example)) continue;
    for (const engine of engines) {
      const dir = path.join(EXAMPLES, example, engine);
      if (fs.existsSync(path.join(dir, ENGINES[engine].config))) targets.push({ example, engine, dir });
    }
  }
  return targets;
}

function synth(target) {
  const engine = ENGINES[target.engine];
  let config;
  try {
    config = JSON.parse(fs.readFileSync(path.join(target.dir, engine.config), 'utf8'));
  } catch (e) {
    return { ok: false, seconds: 0, error: `cannot read ${engine.config}: ${e.message}`, output: '' };
  }
  const outdir = path.resolve(target.dir, engine.outdir(config));
  fs.rmSync(outdir, { recursive: true, force: true });

  const isWindows = process.platform === 'win32';
  const bin = path.join(BIN, isWindows ? `${engine.bin}.cmd` : engine.bin);
  const start = process.hrtime.bigint();
  const proc = spawnSync(bin, engine.args, {
    cwd: target.dir,
    env: {
      ...process.env,
      // The apps run `npx ts-node ...`: find the repo's binaries first.
      PATH: `${BIN}${path.delimiter}${process.env.PATH || ''}`,
      ...engine.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: TIMEOUT_MS,
    shell: isWindows,
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const output = `${proc.stdout || ''}${proc.stderr || ''}`;

  if (proc.error) {
    const why = proc.error.code === 'ETIMEDOUT' ? `timed out after ${TIMEOUT_MS / 1000} s` : proc.error.message;
    return { ok: false, seconds, error: `${engine.bin} ${engine.args.join(' ')}: ${why}`, output };
  }
  if (proc.status !== 0) {
    const how = proc.signal ? `killed by ${proc.signal}` : `exit code ${proc.status}`;
    return { ok: false, seconds, error: `${engine.bin} ${engine.args.join(' ')} failed (${how})`, output };
  }
  try {
    const stacks = engine.stacks(outdir);
    if (stacks.length === 0) {
      return { ok: false, seconds, error: `no stacks in ${rel(outdir)}`, output };
    }
    return { ok: true, seconds, stacks, output };
  } catch (e) {
    return { ok: false, seconds, error: `cannot read ${rel(outdir)}: ${e.message}`, output };
  }
}

function printOutput(label, result) {
  const text = (result.output || '').trim();
  console.error(`----- ${label}: CLI output -----\n${text || '(none)'}\n----- end of ${label} -----`);
}

function rel(p) {
  return path.relative(ROOT, p) || '.';
}

function fail(message) {
  console.error(`synth-examples: ${message}`);
  process.exit(1);
}

main(process.argv.slice(2));
