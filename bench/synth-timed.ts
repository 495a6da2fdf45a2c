/**
 * The benchmark's child for the full platform (scripts/bench.js): load an app module, build its
 * construct tree with its exported buildApp, synthesise, and print how long each phase took, so the
 * table can tell module loading (Node, ts-node, the libraries) from the library's own work.
 *
 *   node -r ts-node/register/transpile-only bench/synth-timed.ts <cdk|cdktf> <app.ts> <outdir>
 *
 * Prints one line: BENCH_PHASES {"loadMs":...,"buildMs":...,"synthMs":...}
 */
import { performance } from 'perf_hooks';

const [engine, file, outdir] = process.argv.slice(2);
if (!['cdk', 'cdktf'].includes(engine) || !file || !outdir) {
  console.error('usage: synth-timed.ts <cdk|cdktf> <app.ts> <outdir>');
  process.exit(2);
}
const started = performance.now();
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the app is named at run time
const { buildApp } = require(file);
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the engine's App, already loaded by the app module
const { App } = require(engine === 'cdk' ? 'aws-cdk-lib' : 'cdktf');
const loaded = performance.now();
const app = buildApp(new App({ outdir }));
const built = performance.now();
app.synth();
const done = performance.now();
console.log(`BENCH_PHASES ${JSON.stringify({ loadMs: loaded - started, buildMs: built - loaded, synthMs: done - built })}`);
