#!/usr/bin/env node
// Synthesis benchmark: how long, and how much memory, does it take to turn the
// web-platform example into CloudFormation (AWS CDK) and Terraform JSON (CDKTF),
// next to the same three services written with aws-cdk-lib's
// ecs_patterns.ApplicationLoadBalancedFargateService alone (bench/alb-fargate-cdk)?
// And the full platform (examples/platform, six stacks) in each engine, next to
// the same platform written with aws-cdk-lib alone for the parts it covers
// (bench/platform-cdk), with the load, build and synth phases of each child
// (bench/synth-timed.js) and the time per resource, each app under ts-node and,
// bundled with esbuild into .tmp/bench, under plain node.
//
// Each run of each app is a fresh child process, the way `cdk synth` /
// `cdktf synth` run an app (they start `npx ts-node --transpile-only <app>` in
// the app's directory and pass the output directory in CDK_OUTDIR /
// CDKTF_OUTDIR); here the child is started directly, without the CLI and npx:
//
//   node -r ts-node/register/transpile-only <app.ts>     (cwd: the app's directory)
//
// with CDK_OUTDIR / CDKTF_OUTDIR pointing at a fresh directory under
// os.tmpdir() (removed afterwards). Measured per run:
//   - wall time of the child, from spawn to exit (Node start-up, ts-node
//     transpiling, loading the libraries, building the tree and writing the output);
//   - peak RSS of the child: "Maximum resident set size" from `/usr/bin/time -v`
//     when that exists, otherwise process.resourceUsage().maxRSS written at exit
//     by bench/report-rss.js, preloaded into the child. Both are the kernel's
//     ru_maxrss of the node process, in KiB; the table shows MiB (KiB / 1024).
// Runs are interleaved (run 1 of every app, then run 2, ...) so drift on the
// machine hits every app alike. Medians are reported; the first run may include
// a cold disk cache.
//
// A benchmark, not a test: timings are never asserted. Exits 1 only when a
// synth fails (non-zero exit, or no stack with resources in the output).
//
// The examples import the library by its package name, which resolves to lib/
// inside this repository: compile first (`npx projen compile && npx projen post-compile`).
//
// A second table covers the FinOps Lambda bundles (assets/handlers/<name>/index.js,
// rebuilt first with scripts/bundle-handlers.js so they match src/handlers): size in
// KiB, raw and gzip (level 9), and the cold-start module load time: the median wall
// time of N fresh `node -e "require('<bundle>')"` children minus the median of an
// empty `node -e ""` baseline, interleaved the same way. It needs no compiled lib/:
// `node scripts/bench.js handlers` prints that table alone.
//
// Usage: node scripts/bench.js [handlers] [--runs N] [--rss time|node] [--load-runs N]
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const zlib = require('zlib');
const { checkLib, cdkStacks, cdktfStacks, printTable } = require('./lib/synth-output');

const ROOT = path.resolve(__dirname, '..');
const TIME_BIN = '/usr/bin/time';
const REPORT_RSS = path.join(ROOT, 'bench', 'report-rss.js');
const TIMEOUT_MS = 10 * 60 * 1000;
const DEFAULT_RUNS = 3;
const DEFAULT_LOAD_RUNS = 15;
const HANDLER_ASSETS = path.join(ROOT, 'assets', 'handlers');

const APPS = [
  {
    app: 'web-platform',
    engine: 'cdk',
    file: path.join(ROOT, 'examples', 'web-platform', 'cdk', 'app.ts'),
    outdirEnv: 'CDK_OUTDIR',
    stacks: cdkStacks,
    needsLib: true,
  },
  {
    app: 'web-platform',
    engine: 'cdktf',
    file: path.join(ROOT, 'examples', 'web-platform', 'cdktf', 'main.ts'),
    outdirEnv: 'CDKTF_OUTDIR',
    stacks: cdktfStacks,
    needsLib: true,
  },
  {
    app: 'alb-fargate-cdk',
    engine: 'cdk',
    file: path.join(ROOT, 'bench', 'alb-fargate-cdk', 'app.ts'),
    outdirEnv: 'CDK_OUTDIR',
    stacks: cdkStacks,
    baseline: true,
  },
];

/**
 * The full platform (examples/platform, six stacks) in each engine, against the same platform written
 * with aws-cdk-lib alone for the parts it covers (bench/platform-cdk). Run through bench/synth-timed.js,
 * which reports the load, build and synth phases of the child; each app twice: under ts-node, as
 * `cdk synth` / `cdktf synth` run a TypeScript app, and bundled to JavaScript (esbuild, packages
 * external) under plain node, as a compiled app runs. ts-node's source-map support makes every stack
 * trace expensive, and cdktf records one for every token it creates.
 */
const TIMED_DRIVER = path.join(ROOT, 'bench', 'synth-timed.js');
/** Inside the package, so the bundled apps resolve `ecs-platform-constructs` (self-reference) and node_modules. */
const COMPILED_DIR = path.join(ROOT, '.tmp', 'bench');
const PLATFORM_SOURCES = [
  { app: 'platform', engine: 'cdk', file: path.join(ROOT, 'examples', 'platform', 'cdk', 'app.ts'), outdirEnv: 'CDK_OUTDIR', stacks: cdkStacks, needsLib: true },
  { app: 'platform', engine: 'cdktf', file: path.join(ROOT, 'examples', 'platform', 'cdktf', 'main.ts'), outdirEnv: 'CDKTF_OUTDIR', stacks: cdktfStacks, needsLib: true },
  { app: 'platform-cdk', engine: 'cdk', file: path.join(ROOT, 'bench', 'platform-cdk', 'app.ts'), outdirEnv: 'CDK_OUTDIR', stacks: cdkStacks, baseline: true },
];
const PLATFORM_APPS = ['ts-node', 'node'].flatMap((runtime) => PLATFORM_SOURCES.map((a) => ({ ...a, timed: true, runtime })));
/** The issue's targets: CDK within 10 % of aws-cdk-lib alone per resource; the CDKTF platform under 1 s. */
const CDK_PER_RESOURCE_TARGET = 1.10;
const CDKTF_PLATFORM_TARGET_S = 1;

function main(argv) {
  const options = parseArgs(argv);
  if (options.only === 'handlers') {
    handlerBench(options.loadRuns);
    return;
  }
  const libProblem = [...APPS, ...PLATFORM_APPS].some((a) => a.needsLib) ? checkLib() : undefined;
  if (libProblem) fail(libProblem);
  const tsNode = resolveTsNode();
  const rssSource = options.rss || (fs.existsSync(TIME_BIN) && timeSupportsVerbose() ? 'time' : 'node');

  console.log(`bench: ${options.runs} run(s) of ${APPS.length} apps, one fresh child process each`);
  console.log(`  child:    node -r ts-node/register/transpile-only <app>  (cwd: the app's directory)`);
  console.log(`  peak RSS: ${rssSource === 'time'
    ? `${TIME_BIN} -v "Maximum resident set size"`
    : 'process.resourceUsage().maxRSS at exit (bench/report-rss.js preloaded)'}`);
  console.log(`  machine:  node ${process.version}, ${os.cpus().length} CPU(s), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${os.platform()} ${os.release()}\n`);

  const failures = [];
  const results = measure(APPS, options.runs, tsNode, rssSource, failures);

  const baselineIndex = APPS.findIndex((a) => a.baseline);
  const base = results[baselineIndex];
  const baseWall = median(base.wall);
  const baseRss = median(base.rss);
  const rows = APPS.map((app, i) => {
    const r = results[i];
    const wall = median(r.wall);
    const rss = median(r.rss);
    return [
      app.baseline ? `${app.app} (baseline)` : app.app,
      app.engine,
      String(r.wall.length),
      fmt(wall, 2),
      fmt(min(r.wall), 2),
      fmt(rss, 0),
      ratio(wall, baseWall),
      ratio(rss, baseRss),
      r.resources === undefined ? '-' : String(r.resources),
    ];
  });

  console.log('');
  printTable(
    ['app', 'engine', 'runs', 'median wall s', 'min wall s', 'median peak MB', 'wall x baseline', 'peak x baseline', 'resources'],
    rows,
    [false, false, true, true, true, true, true, true, true],
  );
  console.log('\nMB = MiB (2^20 bytes). "x baseline" = median / the aws-cdk-lib-only app\'s median. resources: in the synthesised output (CloudFormation without AWS::CDK::Metadata; Terraform resources, no data sources).');

  console.log('');
  compilePlatformApps();
  platformBench(measure(PLATFORM_APPS, options.runs, tsNode, rssSource, failures));

  console.log('');
  handlerBench(options.loadRuns);

  if (failures.length) {
    console.error(`\n${failures.length} synth(s) failed:\n${failures.map((f) => `  - ${f}`).join('\n')}`);
    process.exit(1);
  }
}

/** `runs` synths of every app, interleaved (run 1 of each, then run 2, ...); failures are appended to `failures`. */
function measure(apps, runs, tsNode, rssSource, failures) {
  const results = apps.map(() => ({ wall: [], rss: [], load: [], work: [], resources: undefined }));
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'epc-bench-'));
  try {
    for (let run = 1; run <= runs; run++) {
      apps.forEach((app, i) => {
        const label = `${app.app}/${app.engine}`;
        process.stdout.write(`run ${run}/${runs} ${label} ... `);
        const r = synthOnce(app, tsNode, rssSource, path.join(scratch, `${app.app}-${app.engine}-${run}`));
        if (!r.ok) {
          console.log(`FAILED (${r.seconds.toFixed(2)} s)`);
          failures.push(`${label} run ${run}: ${r.error}`);
          const text = (r.output || '').trim();
          console.error(`----- ${label}: output -----\n${text || '(none)'}\n----- end of ${label} -----`);
          return;
        }
        results[i].wall.push(r.seconds);
        if (r.rssKiB !== undefined) results[i].rss.push(r.rssKiB / 1024);
        if (r.phases) {
          results[i].load.push(r.phases.loadMs / 1000);
          results[i].work.push((r.phases.buildMs + r.phases.synthMs) / 1000);
        }
        results[i].resources = r.resources;
        console.log(`${r.seconds.toFixed(2)} s, ${r.rssKiB !== undefined ? `${(r.rssKiB / 1024).toFixed(0)} MiB` : 'peak RSS unknown'}, ${r.resources} resources`);
      });
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  return results;
}

/** Where the JavaScript bundle of a TypeScript app goes. */
function compiledFile(app) {
  return path.join(COMPILED_DIR, `${app.app}-${app.engine}.js`);
}

/** Bundle each platform app to JavaScript for the plain-node runs: its own modules inlined, packages left to node. */
function compilePlatformApps() {
  const { buildSync } = require('esbuild');
  fs.mkdirSync(COMPILED_DIR, { recursive: true });
  for (const app of PLATFORM_SOURCES) {
    buildSync({ entryPoints: [app.file], outfile: compiledFile(app), bundle: true, platform: 'node', target: 'node20', format: 'cjs', packages: 'external', logLevel: 'warning' });
  }
}

/**
 * The full-platform table: wall time and peak memory of each child, its load phase (Node, ts-node,
 * the libraries) and its work (building the tree and synthesising), resources, and the work per
 * resource against the aws-cdk-lib-only platform's, with the issue's targets.
 */
function platformBench(results) {
  const perResource = (r) => (r.resources ? median(r.work) * 1000 / r.resources : undefined);
  const wallPerResource = (r) => (r.resources ? median(r.wall) * 1000 / r.resources : undefined);
  const rows = PLATFORM_APPS.map((app, i) => {
    const r = results[i];
    // The baseline run the same way (ts-node, or bundled under node).
    const base = results[PLATFORM_APPS.findIndex((a) => a.baseline && a.runtime === app.runtime)];
    const work = median(r.work);
    let target = '-';
    if (!app.baseline && app.engine === 'cdk' && perResource(r) !== undefined && perResource(base) !== undefined) {
      const x = perResource(r) / perResource(base);
      target = `${x <= CDK_PER_RESOURCE_TARGET ? 'met' : 'missed'}: <= ${CDK_PER_RESOURCE_TARGET.toFixed(2)}x aws-cdk-lib per resource`;
    } else if (app.engine === 'cdktf' && work !== undefined) {
      target = `${work < CDKTF_PLATFORM_TARGET_S ? 'met' : 'missed'}: build + synth < ${CDKTF_PLATFORM_TARGET_S} s`;
    }
    return [
      app.baseline ? `${app.app} (aws-cdk-lib only)` : app.app,
      app.engine,
      app.runtime,
      String(r.wall.length),
      fmt(median(r.wall), 2),
      fmt(median(r.load), 2),
      fmt(work, 2),
      fmt(median(r.rss), 0),
      r.resources === undefined ? '-' : String(r.resources),
      fmt(perResource(r), 2),
      ratio(perResource(r), perResource(base)),
      ratio(wallPerResource(r), wallPerResource(base)),
      target,
    ];
  });
  printTable(
    ['full platform', 'engine', 'runs as', 'runs', 'median wall s', 'load s', 'build+synth s', 'median peak MB', 'resources', 'ms/resource',
      'x baseline/resource', 'wall x baseline/resource', 'target'],
    rows,
    [false, false, false, true, true, true, true, true, true, true, true, true, false],
  );
  console.log('\nruns as: ts-node (how cdk synth / cdktf synth run a TypeScript app; its source maps make every stack trace cdktf records costly) '
    + 'or node (the app bundled to JavaScript). load s: the child\'s require of the app module (aws-cdk-lib or cdktf and the provider bindings, the library). '
    + 'build+synth s: buildApp(new App()) and app.synth(), the library\'s own work. ms/resource = build+synth / resources; "x baseline/resource" '
    + 'divides it by the aws-cdk-lib-only platform\'s (bench/platform-cdk: the parts aws-cdk-lib covers, no Teleport, DevOps Agent, FinOps '
    + 'workflows or deploy role). The per-resource ratio of the library reflects both its plan/validation layer and the resources it adds '
    + '(alarms, keys, policies) that have no aws-cdk-lib-only counterpart. Medians; not asserted.');
}

function parseArgs(argv) {
  const options = { runs: DEFAULT_RUNS, rss: undefined, loadRuns: DEFAULT_LOAD_RUNS, only: undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => (arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i]);
    if (arg === 'handlers') {
      options.only = 'handlers';
    } else if (arg === '--load-runs' || arg.startsWith('--load-runs=')) {
      const v = value();
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) fail(`--load-runs must be a whole number of at least 1, got ${v}`);
      options.loadRuns = n;
    } else if (arg === '--runs' || arg.startsWith('--runs=')) {
      const v = value();
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) fail(`--runs must be a whole number of at least 1, got ${v}`);
      options.runs = n;
    } else if (arg === '--rss' || arg.startsWith('--rss=')) {
      const v = value();
      if (v !== 'time' && v !== 'node') fail(`--rss must be "time" (${TIME_BIN} -v) or "node" (process.resourceUsage), got ${v}`);
      if (v === 'time' && !fs.existsSync(TIME_BIN)) fail(`--rss time: ${TIME_BIN} does not exist`);
      options.rss = v;
    } else if (arg === '-h' || arg === '--help') {
      console.log('usage: node scripts/bench.js [handlers] [--runs N] [--rss time|node] [--load-runs N]\n' +
        '  handlers         only the FinOps handler bundle table (no synth, no compiled lib/ needed)\n' +
        `  --runs N         synth runs per app (default ${DEFAULT_RUNS})\n` +
        `  --rss            how peak RSS is measured (default: ${TIME_BIN} -v if present, else node)\n` +
        `  --load-runs N    fresh processes per handler bundle for the load time (default ${DEFAULT_LOAD_RUNS})`);
      process.exit(0);
    } else {
      fail(`unknown argument ${arg}`);
    }
  }
  return options;
}

/**
 * FinOps handler bundles: size (raw, gzip) and cold-start module load time. The bundles are
 * rebuilt first (deterministically, the same script as the pre-compile step) so the numbers
 * describe the current src/handlers. Each run starts one empty `node -e ""` (the baseline: Node
 * start-up) and one `node -e "require(<bundle>)"` per handler, interleaved; one unrecorded
 * warm-up round first fills the disk cache. load ms = median(require) - median(baseline).
 */
function handlerBench(runs) {
  const build = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'bundle-handlers.js'), '--quiet'], {
    cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', timeout: TIMEOUT_MS,
  });
  if (build.status !== 0) fail(`scripts/bundle-handlers.js failed:\n${build.stdout || ''}${build.stderr || ''}`);
  const names = fs.existsSync(HANDLER_ASSETS)
    ? fs.readdirSync(HANDLER_ASSETS).filter((n) => fs.existsSync(path.join(HANDLER_ASSETS, n, 'index.js'))).sort()
    : [];
  if (names.length === 0) fail('no handler bundles in assets/handlers (is src/handlers empty?)');

  console.log(`bench handlers: ${names.length} bundle(s), ${runs} run(s) each, one fresh child process per run`);
  console.log('  child:    node -e "require(\'<bundle>\')"   baseline: node -e ""');
  console.log(`  machine:  node ${process.version}, ${os.cpus().length} CPU(s), ${os.platform()} ${os.release()}\n`);

  // No credentials or function configuration: loading a bundle must not need any.
  const env = { PATH: process.env.PATH || '', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
  const timeOnce = (script) => {
    const start = process.hrtime.bigint();
    const proc = spawnSync(process.execPath, ['-e', script], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', timeout: 60_000 });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (proc.status !== 0) fail(`node -e ${JSON.stringify(script)} failed (${proc.signal || `exit ${proc.status}`}):\n${proc.stderr || ''}`);
    return ms;
  };
  const targets = [{ name: '(baseline)', script: '' }, ...names.map((name) => ({
    name,
    script: `require(${JSON.stringify(path.join(HANDLER_ASSETS, name, 'index.js'))})`,
  }))];
  for (const t of targets) timeOnce(t.script); // warm-up, not recorded
  const times = targets.map(() => []);
  for (let run = 0; run < runs; run++) targets.forEach((t, i) => times[i].push(timeOnce(t.script)));

  const base = median(times[0]);
  const rows = targets.map((t, i) => {
    const wall = median(times[i]);
    if (i === 0) return ['node -e "" (baseline)', '-', '-', String(runs), fmt(wall, 1), fmt(min(times[i]), 1), '-'];
    const bytes = fs.readFileSync(path.join(HANDLER_ASSETS, t.name, 'index.js'));
    const gzip = zlib.gzipSync(bytes, { level: 9 }).length;
    return [t.name, fmt(bytes.length / 1024, 1), fmt(gzip / 1024, 1), String(runs), fmt(wall, 1), fmt(min(times[i]), 1), fmt(Math.max(0, wall - base), 1)];
  });
  printTable(
    ['handler bundle', 'raw KiB', 'gzip KiB', 'runs', 'median wall ms', 'min wall ms', 'load ms'],
    rows,
    [false, true, true, true, true, true, true],
  );
  console.log('\nKiB = 1024 bytes; gzip at level 9. load ms = median wall of `node -e "require(bundle)"` - median wall of the baseline: the cold-start module load (parse, compile and top-level code, AWS SDK clients created), without Lambda\'s own init.');
}

function resolveTsNode() {
  try {
    return require.resolve('ts-node/register/transpile-only', { paths: [ROOT] });
  } catch {
    return fail('ts-node is not installed (npm ci at the repository root)');
  }
}

function timeSupportsVerbose() {
  const probe = spawnSync(TIME_BIN, ['-v', process.execPath, '-e', ''], { encoding: 'utf8' });
  return probe.status === 0 && /Maximum resident set size/.test(probe.stderr || '');
}

/** One synth of one app in a fresh child process. */
function synthOnce(app, tsNode, rssSource, outdir) {
  fs.mkdirSync(outdir, { recursive: true });
  const rssFile = path.join(outdir, '..', `${path.basename(outdir)}.rss`);
  const nodeArgs = ['-r', tsNode];
  if (rssSource === 'node') nodeArgs.push('-r', REPORT_RSS);
  if (app.timed && app.runtime === 'node') nodeArgs.splice(nodeArgs.indexOf(tsNode) - 1, 2);
  if (app.timed) nodeArgs.push(TIMED_DRIVER, app.engine, app.runtime === 'node' ? compiledFile(app) : app.file, outdir);
  else nodeArgs.push(app.file);
  const command = rssSource === 'time' ? TIME_BIN : process.execPath;
  const args = rssSource === 'time' ? ['-v', '-o', rssFile, process.execPath, ...nodeArgs] : nodeArgs;

  const start = process.hrtime.bigint();
  const proc = spawnSync(command, args, {
    cwd: path.dirname(app.file),
    env: {
      ...process.env,
      [app.outdirEnv]: outdir,
      ...(rssSource === 'node' ? { BENCH_RSS_FILE: rssFile } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: TIMEOUT_MS,
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const output = `${proc.stdout || ''}${proc.stderr || ''}`;
  const rssKiB = readRss(rssSource, rssFile);

  try {
    if (proc.error) {
      const why = proc.error.code === 'ETIMEDOUT' ? `timed out after ${TIMEOUT_MS / 1000} s` : proc.error.message;
      return { ok: false, seconds, error: why, output };
    }
    if (proc.status !== 0) {
      const how = proc.signal ? `killed by ${proc.signal}` : `exit code ${proc.status}`;
      return { ok: false, seconds, error: `the app failed (${how})`, output };
    }
    const stacks = app.stacks(outdir);
    const resources = stacks.reduce((n, s) => n + s.resources, 0);
    if (stacks.length === 0 || stacks.some((s) => s.resources === 0)) {
      return { ok: false, seconds, error: `no stack, or a stack without resources, in ${app.outdirEnv}`, output };
    }
    const phasesLine = (proc.stdout || '').split('\n').find((l) => l.startsWith('BENCH_PHASES '));
    const phases = phasesLine ? JSON.parse(phasesLine.slice('BENCH_PHASES '.length)) : undefined;
    if (app.timed && !phases) return { ok: false, seconds, error: 'bench/synth-timed.ts printed no BENCH_PHASES line', output };
    return { ok: true, seconds, rssKiB, resources, phases };
  } catch (e) {
    return { ok: false, seconds, error: `cannot read the output: ${e.message}`, output };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
    fs.rmSync(rssFile, { force: true });
  }
}

function readRss(rssSource, rssFile) {
  if (!fs.existsSync(rssFile)) return undefined;
  const text = fs.readFileSync(rssFile, 'utf8');
  if (rssSource === 'time') {
    const m = /Maximum resident set size \(kbytes\):\s*(\d+)/.exec(text);
    return m ? Number(m[1]) : undefined;
  }
  try {
    return JSON.parse(text).maxRssKiB;
  } catch {
    return undefined;
  }
}

function median(values) {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function min(values) {
  return values.length ? Math.min(...values) : undefined;
}

function fmt(value, digits) {
  return value === undefined ? '-' : value.toFixed(digits);
}

function ratio(value, base) {
  return value === undefined || base === undefined || base === 0 ? '-' : `${(value / base).toFixed(2)}x`;
}

function fail(message) {
  console.error(`bench: ${message}`);
  process.exit(1);
}

main(process.argv.slice(2));
