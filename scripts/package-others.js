#!/usr/bin/env node
// Packages every jsii target other than JavaScript. projen's `package-all` task
// runs this right after `package:js` (jsii-pacmak --target js -> dist/js/).
//
//   dist/python  a wheel and an sdist. jsii-pacmak's own Python build creates a
//                venv and installs setuptools/build from PyPI, which is not
//                reachable here; so we generate the code only and build it with
//                a Python that already has `build`, `setuptools` and `wheel`
//                (Debian's python3-build, installed with apt-get when missing),
//                then `twine check` the results when twine is available.
//   dist/java, dist/dotnet, dist/go
//                generated sources only: Maven, NuGet and the Go toolchain and
//                registries are not reachable from this machine.
//
// Prints a summary of what is in dist/. Exits non-zero with a clear message
// when a step fails. Needs lib/ and .jsii compiled (`npx projen compile`).
//
// Environment:
//   PYTHON   a python interpreter to try before the others
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');

const ROOT = path.resolve(__dirname, '..');
const DIST = path.join(ROOT, 'dist');
const CODE_ONLY_TARGETS = ['java', 'dotnet', 'go'];
const PY_TOOLS = 'import build, setuptools, wheel';
const APT_PACKAGES = ['python3-build', 'python3-setuptools', 'python3-wheel'];

function log(msg) {
  console.log(`package-others: ${msg}`);
}

function fail(msg, output) {
  if (output) console.error(output.trimEnd());
  console.error(`package-others: ERROR: ${msg}`);
  process.exit(1);
}

/** Runs a command, returns { status, output } (stdout+stderr interleaved as far as possible). */
function run(cmd, args, opts = {}) {
  const res = spawnSync(cmd, args, {
    cwd: opts.cwd || ROOT,
    env: { ...process.env, ...(opts.env || {}) },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: opts.timeout || 10 * 60 * 1000,
  });
  const output = `${res.stdout || ''}${res.stderr || ''}`;
  if (res.error) return { status: -1, output: `${output}\n${res.error.message}` };
  return { status: res.status === null ? -1 : res.status, output };
}

function which(bin) {
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    if (!dir) continue;
    const p = path.join(dir, bin);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------
// Python with build + setuptools + wheel
// ---------------------------------------------------------------------------
function pythonCandidates() {
  const found = [];
  const seen = new Set();
  const add = (p) => {
    if (!p) return;
    if (!path.isAbsolute(p)) p = which(p);
    if (!p || !fs.existsSync(p)) return;
    // pyenv shims all resolve to one script; key on the path itself, not realpath.
    if (seen.has(p)) return;
    seen.add(p);
    found.push(p);
  };
  add(process.env.PYTHON);
  add('/usr/bin/python3'); // Debian's: python3-build & co come through apt
  add('python3');
  add('python');
  return found;
}

function findBuildPython() {
  for (const py of pythonCandidates()) {
    if (run(py, ['-c', PY_TOOLS]).status === 0) return py;
  }
  return undefined;
}

function aptInstallBuildTools() {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !which('apt-get')) return false;
  log(`no python can '${PY_TOOLS}'; installing ${APT_PACKAGES.join(' ')} with apt-get`);
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  const update = run('apt-get', ['update'], { env });
  if (update.status !== 0) fail('apt-get update failed', update.output);
  const install = run('apt-get', ['install', '-y', '--no-install-recommends', ...APT_PACKAGES], { env });
  if (install.status !== 0) fail(`apt-get install ${APT_PACKAGES.join(' ')} failed`, install.output);
  return true;
}

function buildPython() {
  let py = findBuildPython();
  if (!py && aptInstallBuildTools()) py = findBuildPython();
  if (!py) {
    fail(
      `no Python interpreter can '${PY_TOOLS}' (tried: ${pythonCandidates().join(', ') || 'none found'}).\n` +
        `  Install them, e.g. as root on Debian/Ubuntu: apt-get install -y ${APT_PACKAGES.join(' ')}\n` +
        '  or point PYTHON at an interpreter that has the build, setuptools and wheel modules.',
    );
  }
  return py;
}

// ---------------------------------------------------------------------------
// Steps
// ---------------------------------------------------------------------------
function generateCode(outdir) {
  const pacmak = require.resolve('jsii-pacmak/bin/jsii-pacmak', { paths: [ROOT] });
  const targets = [...CODE_ONLY_TARGETS, 'python'];
  const args = [pacmak, '-v', '--code-only', '--no-npmignore', '--outdir', outdir];
  for (const t of targets) args.push('--target', t);
  log(`generating ${targets.join(', ')} code with jsii-pacmak --code-only`);
  const res = run(process.execPath, args);
  if (res.status !== 0) fail('jsii-pacmak --code-only failed', res.output);
  for (const t of targets) {
    if (!fs.existsSync(path.join(outdir, t))) fail(`jsii-pacmak did not generate ${path.join(outdir, t)}`, res.output);
  }
}

function buildPythonDists(py, project, outdir) {
  fs.rmSync(outdir, { recursive: true, force: true });
  fs.mkdirSync(outdir, { recursive: true });
  const base = ['-m', 'build', '--no-isolation', '--sdist', '--wheel', '--outdir', outdir];
  const version = run(py, ['-c', 'import build, setuptools; print(build.__version__, setuptools.__version__)']).output.trim();
  const [buildV, setuptoolsV] = version.split(/\s+/);
  log(`building the wheel and sdist with ${py} (build ${buildV}, setuptools ${setuptoolsV})`);
  let res = run(py, [...base, project]);
  if (res.status !== 0 && /Missing dependencies/.test(res.output)) {
    // pacmak's pyproject.toml pins build-system.requires (e.g. setuptools~=75.x);
    // without isolation nothing is installed, so build with what this Python has.
    const after = res.output.slice(res.output.indexOf('Missing dependencies')).split('\n').slice(1);
    const missing = [];
    for (const line of after) {
      if (!/^\s+\S/.test(line)) break;
      missing.push(line.trim());
    }
    log(`build-system.requires not met here (${missing.join(', ')}); building with --skip-dependency-check`);
    fs.rmSync(outdir, { recursive: true, force: true });
    fs.mkdirSync(outdir, { recursive: true });
    res = run(py, [...base, '--skip-dependency-check', project]);
  }
  if (res.status !== 0) fail('python -m build failed', res.output);

  const files = fs.readdirSync(outdir);
  const wheel = files.find((f) => f.endsWith('.whl'));
  const sdist = files.find((f) => f.endsWith('.tar.gz'));
  if (!wheel || !sdist) fail(`expected a .whl and a .tar.gz in ${outdir}, found: ${files.join(', ') || 'nothing'}`, res.output);

  // The wheel must carry the package, both engine modules and the jsii assembly.
  const list = run(py, ['-m', 'zipfile', '-l', path.join(outdir, wheel)]);
  if (list.status !== 0) fail(`cannot list ${wheel}`, list.output);
  const mod = 'ecs_platform_constructs';
  for (const expected of [`${mod}/__init__.py`, `${mod}/cdk/__init__.py`, `${mod}/cdktf/__init__.py`, `${mod}/_jsii/`, '.jsii.tgz']) {
    if (!list.output.includes(expected)) fail(`${wheel} has no ${expected}`, list.output);
  }
  return [wheel, sdist].map((f) => path.join(outdir, f));
}

function twineCheck(py, files) {
  let cmd;
  let pre = [];
  if (which('twine')) cmd = which('twine');
  else if (run(py, ['-c', 'import twine']).status === 0) [cmd, pre] = [py, ['-m', 'twine']];
  if (!cmd) {
    log('twine not available; skipped `twine check` (apt-get install twine to enable it)');
    return;
  }
  const res = run(cmd, [...pre, 'check', ...files], { env: { NO_COLOR: '1' } });
  if (res.status !== 0) fail('twine check failed', res.output);
  log('twine check passed');
}

function moveInto(from, to) {
  fs.rmSync(to, { recursive: true, force: true });
  try {
    fs.renameSync(from, to);
  } catch {
    fs.cpSync(from, to, { recursive: true });
    fs.rmSync(from, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------
// Summary
// ---------------------------------------------------------------------------
function walk(dir) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

function human(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function summary() {
  const rows = [];
  for (const t of fs.readdirSync(DIST).sort()) {
    const dir = path.join(DIST, t);
    if (t.startsWith('.') || !fs.statSync(dir).isDirectory()) continue;
    const files = walk(dir);
    if (CODE_ONLY_TARGETS.includes(t)) {
      const size = files.reduce((n, f) => n + fs.statSync(f).size, 0);
      rows.push([`dist/${t}/ (${files.length} generated source files)`, human(size)]);
    } else {
      for (const f of files.sort()) rows.push([path.relative(ROOT, f), human(fs.statSync(f).size)]);
    }
  }
  const w = Math.max(4, ...rows.map((r) => r[0].length));
  console.log('');
  console.log(`${'file'.padEnd(w)}  size`);
  console.log(`${'-'.repeat(w)}  ${'-'.repeat(9)}`);
  for (const [f, s] of rows) console.log(`${f.padEnd(w)}  ${s.padStart(9)}`);
}

// ---------------------------------------------------------------------------
function main() {
  if (!fs.existsSync(path.join(ROOT, '.jsii'))) fail('.jsii is missing: run `npx projen compile` first');
  fs.mkdirSync(DIST, { recursive: true });
  const started = Date.now();

  // Fail early (before generating anything) when no Python can build.
  const py = buildPython();

  const gen = fs.mkdtempSync(path.join(os.tmpdir(), 'ecs-platform-constructs-pacmak-'));
  try {
    generateCode(gen);

    const pyDists = buildPythonDists(py, path.join(gen, 'python'), path.join(DIST, 'python'));
    twineCheck(py, pyDists);

    for (const t of CODE_ONLY_TARGETS) moveInto(path.join(gen, t), path.join(DIST, t));
    log(
      `dist/${CODE_ONLY_TARGETS.join(', dist/')}: generated sources only (--code-only); ` +
        'Maven, NuGet and the Go toolchain are not reachable here, so they are not compiled or packaged',
    );
  } finally {
    fs.rmSync(gen, { recursive: true, force: true });
  }

  summary();
  log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main();
