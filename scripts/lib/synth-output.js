// Shared by scripts/synth-examples.js and scripts/bench.js: checking that lib/
// is compiled, reading cloud assemblies / cdktf output, and printing tables.
const fs = require('fs');
const path = require('path');

const ROOT = path.resolve(__dirname, '..', '..');

function readJson(file) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

function listFiles(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    return d.isDirectory() ? listFiles(p) : [p];
  });
}

/**
 * The examples import the library by its package name, which resolves to lib/.
 * Returns a problem message when lib/ is missing; warns when it is stale or eager.
 */
function checkLib() {
  const missing = ['index.js', 'cdk/index.js', 'cdktf/index.js'].filter((f) => !fs.existsSync(path.join(ROOT, 'lib', f)));
  if (missing.length) {
    return `lib/ is not compiled (missing ${missing.map((f) => `lib/${f}`).join(', ')}); the examples import the ` +
      'library by its package name, which resolves to lib/. Run `npx projen compile && npx projen post-compile` first.';
  }
  const entry = path.join(ROOT, 'lib', 'index.js');
  if (!fs.readFileSync(entry, 'utf8').includes('Object.defineProperty(exports, "cdk"')) {
    console.warn('warning: lib/index.js loads both engines eagerly; run `npx projen post-compile` (scripts/lazy-root.js)');
  }
  const built = fs.statSync(entry).mtimeMs;
  const newer = listFiles(path.join(ROOT, 'src')).filter((f) => f.endsWith('.ts') && fs.statSync(f).mtimeMs > built);
  if (newer.length) {
    console.warn(`warning: ${newer.length} file(s) in src/ changed after lib/ was compiled ` +
      `(e.g. ${path.relative(ROOT, newer[0])}); the examples use lib/`);
  }
  return undefined;
}

/** CloudFormation stacks of a cloud assembly (nested assemblies, i.e. Stages, included). */
function cdkStacks(outdir, prefix = '') {
  const manifest = readJson(path.join(outdir, 'manifest.json'));
  const stacks = [];
  for (const [id, artifact] of Object.entries(manifest.artifacts || {})) {
    if (artifact.type === 'aws:cloudformation:stack') {
      const template = readJson(path.join(outdir, artifact.properties.templateFile));
      const resources = Object.values(template.Resources || {}).filter((r) => r.Type !== 'AWS::CDK::Metadata');
      const name = prefix + (artifact.displayName || id);
      stacks.push({ name, resources: resources.length, monthlyUsd: monthlyCost(() => cost().readCloudFormation(name, template)) });
    } else if (artifact.type === 'cdk:cloud-assembly') {
      stacks.push(...cdkStacks(path.join(outdir, artifact.properties.directoryName), `${prefix}${id}/`));
    }
  }
  return stacks;
}

/** Require a TypeScript module of this repository (cost/, scripts/lib/*.ts), through ts-node registered once. */
let tsNodeRegistered = false;
function requireTs(file) {
  if (!tsNodeRegistered) {
    require('ts-node').register({ transpileOnly: true, project: path.join(ROOT, 'cost', 'tsconfig.json') });
    tsNodeRegistered = true;
  }
  return require(file);
}

/** The cost estimator (cost/, TypeScript). */
let costModule;
function cost() {
  if (!costModule) {
    costModule = { ...requireTs(path.join(ROOT, 'cost', 'readers.ts')), ...requireTs(path.join(ROOT, 'cost', 'model.ts')) };
  }
  return costModule;
}

/** A stack's estimated monthly USD (npm run cost's price table and assumptions), or undefined when it cannot be read. */
function monthlyCost(read) {
  try {
    const m = cost();
    return m.total(m.priceAll(read()));
  } catch {
    return undefined;
  }
}

/** Terraform stacks of a cdktf output directory; resources only (no data sources). `json` is the stack's cdk.tf.json. */
function cdktfStacks(outdir) {
  const manifest = readJson(path.join(outdir, 'manifest.json'));
  return Object.values(manifest.stacks || {}).map((stack) => {
    const tf = readJson(path.join(outdir, stack.synthesizedStackPath));
    const resources = Object.values(tf.resource || {}).reduce((n, byName) => n + Object.keys(byName).length, 0);
    return { name: stack.name, resources, json: tf, monthlyUsd: monthlyCost(() => cost().readTerraform(stack.name, tf)) };
  });
}

/** The quality gates of npm test, per stack (scripts/lib/example-gates.ts). */
function exampleGates() {
  return requireTs(path.join(__dirname, 'example-gates.ts'));
}

/** A plain-text table; `numeric[i]` right-aligns column i. */
function printTable(header, rows, numeric) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => cells
    .map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])))
    .join('  ')
    .trimEnd();
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
}

module.exports = { ROOT, readJson, listFiles, checkLib, cdkStacks, cdktfStacks, exampleGates, printTable };
