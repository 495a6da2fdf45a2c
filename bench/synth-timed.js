#!/usr/bin/env node
// The benchmark's child for the full platform (scripts/bench.js): load an app module, build its
// construct tree with its exported buildApp, synthesise, and print how long each phase took, so the
// table can tell module loading (Node, the libraries) from the library's own work.
//
//   node [-r ts-node/register/transpile-only] bench/synth-timed.js <cdk|cdktf> <app.ts|app.js> <outdir>
//
// With ts-node the app runs as `cdk synth` / `cdktf synth` run a TypeScript app; without it, the app
// is a JavaScript file (scripts/bench.js bundles it with esbuild first), as a compiled app runs.
// Prints one line: BENCH_PHASES {"loadMs":...,"buildMs":...,"synthMs":...}
'use strict';

const { performance } = require('perf_hooks');

const [engine, file, outdir] = process.argv.slice(2);
if (!['cdk', 'cdktf'].includes(engine) || !file || !outdir) {
  console.error('usage: synth-timed.js <cdk|cdktf> <app> <outdir>');
  process.exit(2);
}
const started = performance.now();
const { buildApp } = require(file);
// The engine's App, already loaded by the app module.
const { App } = require(engine === 'cdk' ? 'aws-cdk-lib' : 'cdktf');
const loaded = performance.now();
const app = buildApp(new App({ outdir }));
const built = performance.now();
app.synth();
const done = performance.now();
console.log(`BENCH_PHASES ${JSON.stringify({ loadMs: loaded - started, buildMs: built - loaded, synthMs: done - built })}`);
