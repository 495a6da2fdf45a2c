// The package shape, proven the way users meet it: `npm pack` this repository,
// install the tarball into two throw-away apps (one per engine, with a plain
// `npm install`, so the optional peers of the other engine are not pulled in),
// then require, synthesise, type-check and inspect what got loaded.
//
//   cdk app:   ecs-platform-constructs + aws-cdk-lib + constructs
//   cdktf app: ecs-platform-constructs + cdktf + @cdktf/provider-aws + constructs
//
// Needs lib/ compiled with the lazy root (`npx projen compile && npx projen
// post-compile`; the `test` task does both before jest). The engine versions
// installed are the ones in this repository's node_modules, so npm finds them
// in its cache (--prefer-offline).
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..');
const PKG = 'ecs-platform-constructs';
const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const SETUP_TIMEOUT_MS = 4 * 60 * 1000;

type Engine = 'cdk' | 'cdktf';
interface Result { status: number; output: string; stdout: string }

/** The version of a package installed in this repository. */
function repoVersion(name: string): string {
  return JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
}

/**
 * The environment for child processes, without the npm_* variables that npm /
 * npx / projen export to their children (npm_config_local_prefix=<this repo>,
 * npm_config_prefix, npm_package_*, ...), so each `npm install` works in its
 * own app directory exactly as a user's would. Cache, registry and TLS
 * settings are kept.
 */
function childEnv(): NodeJS.ProcessEnv {
  const keep = /^npm_config_(cache|userconfig|registry|cafile|strict_ssl|https?_proxy|proxy|noproxy|@.*:registry)$/i;
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^npm_/i.test(k) && !keep.test(k)) continue;
    env[k] = v;
  }
  env.npm_config_update_notifier = 'false';
  return env;
}

function runSync(cmd: string, args: string[], cwd: string): Result {
  const res = spawnSync(cmd, args, {
    cwd, env: childEnv(), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: SETUP_TIMEOUT_MS,
  });
  const output = `${res.stdout ?? ''}${res.stderr ?? ''}${res.error ? `\n${res.error.message}` : ''}`;
  return { status: res.status ?? -1, output, stdout: res.stdout ?? '' };
}

function runAsync(cmd: string, args: string[], cwd: string): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let stdout = '';
    child.stdout.on('data', (d) => { output += d; stdout += d; });
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), SETUP_TIMEOUT_MS);
    child.on('error', (e) => { clearTimeout(timer); resolve({ status: -1, output: `${output}\n${e.message}`, stdout }); });
    child.on('close', (code) => { clearTimeout(timer); resolve({ status: code ?? -1, output, stdout }); });
  });
}

/** Throws (failing the test with the command's output) unless the command succeeded; returns its stdout. */
function ok(res: Result, what: string): string {
  if (res.status !== 0) throw new Error(`${what} failed (exit ${res.status}):\n${res.output}`);
  return res.stdout;
}

/** Runs a Node script in an app and parses the JSON it prints on its last line. */
function nodeJson(app: string, script: string, ...args: string[]): any {
  const out = ok(runSync(process.execPath, ['-e', script, '--', ...args], app), `node in ${app}`);
  const last = out.trim().split('\n').pop()!;
  try {
    return JSON.parse(last);
  } catch {
    throw new Error(`expected JSON on the last line of the script's output, got:\n${out}`);
  }
}

/** Every installed package path in an app's package-lock.json (e.g. node_modules/@cdktf/provider-aws). */
function lockedPackages(app: string): string[] {
  const lock = JSON.parse(fs.readFileSync(path.join(app, 'package-lock.json'), 'utf8'));
  return Object.keys(lock.packages ?? {}).filter((p) => p !== '');
}

/** Locked paths that are the package `name` (or, with a trailing '/', any package of that scope). */
function installed(app: string, name: string): string[] {
  return lockedPackages(app).filter((p) => {
    const i = p.lastIndexOf('node_modules/');
    const pkg = p.slice(i + 'node_modules/'.length);
    return name.endsWith('/') ? pkg.startsWith(name) : pkg === name;
  });
}

// Scripts run inside the apps, with `node -e` (their cwd is the app).
const CDK_SYNTH = `
const { App, Stack } = require('aws-cdk-lib');
const root = require('${PKG}');
const { FinOpsGuardrails, PlatformNetwork } = require('${PKG}/cdk');
const outdir = process.argv[process.argv.length - 1];
const app = new App({ outdir });
const stack = new Stack(app, 'ConsumerStack');
new PlatformNetwork(stack, 'Network');
// A Lambda bundle shipped in the package (assets/handlers), found from the installed lib/.
new FinOpsGuardrails(stack, 'FinOps', { idleInstances: {} });
app.synth();
console.log(JSON.stringify({ rootKeys: Object.keys(root), template: stack.templateFile }));
`;

const CDKTF_SYNTH = `
const { App, TerraformStack } = require('cdktf');
const { AwsProvider } = require('@cdktf/provider-aws/lib/provider');
const root = require('${PKG}');
const { FinOpsGuardrails, PlatformNetwork } = require('${PKG}/cdktf');
const outdir = process.argv[process.argv.length - 1];
const app = new App({ outdir });
const stack = new TerraformStack(app, 'consumer');
new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
new PlatformNetwork(stack, 'Network');
new FinOpsGuardrails(stack, 'FinOps', { idleInstances: {} });
app.synth();
console.log(JSON.stringify({ rootKeys: Object.keys(root), json: 'stacks/consumer/cdk.tf.json' }));
`;

/** What the root loads, before and after its engine namespace is touched. */
const LAZY_PROBE = `
const path = require('path');
const [engine, other] = process.argv.slice(-2);
const loaded = (name) => Object.keys(require.cache)
  .some((k) => k.split(path.sep).join('/').includes('/node_modules/' + name + '/'));
const snapshot = () => ({
  'aws-cdk-lib': loaded('aws-cdk-lib'),
  'cdktf': loaded('cdktf'),
  '@cdktf/provider-aws': loaded('@cdktf/provider-aws'),
  'lib/cdk': loaded('${PKG}/lib/cdk'),
  'lib/cdktf': loaded('${PKG}/lib/cdktf'),
});
const root = require('${PKG}');
const report = { afterRoot: snapshot(), rootKeys: Object.keys(root) };
const ns = root[engine];
report.afterTouch = snapshot();
report.namespaceHasPlatformNetwork = typeof ns.PlatformNetwork === 'function';
report.sameAsSubpath = ns.PlatformNetwork === require('${PKG}/' + engine).PlatformNetwork;
try { root[other]; report.otherEngine = 'loaded'; } catch (e) { report.otherEngine = e.code || String(e); }
console.log(JSON.stringify(report));
`;

const CHECK_TS: Record<Engine, string> = {
  cdk: `
import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { EnvironmentProfile, cdk } from '${PKG}';
import { PlatformNetwork } from '${PKG}/cdk';

const app = new App();
const stack = new Stack(app, 'Stack');
const net: PlatformNetwork = new cdk.PlatformNetwork(stack, 'Network', { profile: EnvironmentProfile.DEVELOPMENT });
export const vpc: ec2.IVpc = net.vpc;
// @ts-expect-error maxAzs is a number: the subpath's types are real, not \`any\`
new PlatformNetwork(stack, 'Typed', { maxAzs: 'three' });
`,
  cdktf: `
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { App, TerraformStack } from 'cdktf';
import { EnvironmentProfile, cdktf } from '${PKG}';
import { PlatformNetwork } from '${PKG}/cdktf';

const app = new App();
const stack = new TerraformStack(app, 'stack');
new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
const net: PlatformNetwork = new cdktf.PlatformNetwork(stack, 'Network', { profile: EnvironmentProfile.DEVELOPMENT });
export const vpcId: string = net.vpcId;
// @ts-expect-error maxAzs is a number: the subpath's types are real, not \`any\`
new PlatformNetwork(stack, 'Typed', { maxAzs: 'three' });
`,
};

// node10 ignores "exports" (typesVersions maps the subpaths); node16 reads "exports".
// skipLibCheck as in real apps: the root's .d.ts names both engines' types.
const RESOLUTIONS = {
  node10: { module: 'commonjs', moduleResolution: 'node10', ignoreDeprecations: '6.0' },
  node16: { module: 'node16', moduleResolution: 'node16' },
} as const;

describe('consumer apps install the packed tarball with one engine only', () => {
  let work: string;
  const apps = {} as Record<Engine, string>;

  beforeAll(async () => {
    if (!fs.existsSync(path.join(ROOT, 'lib', 'index.js'))) {
      throw new Error('lib/index.js is missing: run npx projen compile first (then npx projen post-compile)');
    }
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'epc-consumers-'));

    const packed = ok(runSync(NPM, ['pack', ROOT, '--json', '--pack-destination', work], work), 'npm pack');
    const tarball = path.join(work, JSON.parse(packed)[0].filename);
    expect(fs.existsSync(tarball)).toBe(true);

    const deps: Record<Engine, string[]> = {
      cdk: [`aws-cdk-lib@${repoVersion('aws-cdk-lib')}`, `constructs@${repoVersion('constructs')}`],
      cdktf: [
        `cdktf@${repoVersion('cdktf')}`,
        `@cdktf/provider-aws@${repoVersion('@cdktf/provider-aws')}`,
        `constructs@${repoVersion('constructs')}`,
      ],
    };
    // Both installs at once: they mostly wait on the disk and the npm cache.
    const installs = (Object.keys(deps) as Engine[]).map(async (engine) => {
      const app = path.join(work, `${engine}-app`);
      fs.mkdirSync(app);
      fs.writeFileSync(path.join(app, 'package.json'),
        JSON.stringify({ name: `${engine}-consumer`, version: '0.0.0', private: true }, null, 2));
      const res = await runAsync(NPM,
        ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball, ...deps[engine]], app);
      ok(res, `npm install in the ${engine} app`);
      fs.writeFileSync(path.join(app, 'check.ts'), CHECK_TS[engine]);
      apps[engine] = app;
    });
    await Promise.all(installs);
  }, SETUP_TIMEOUT_MS);

  afterAll(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  describe('(a) AWS CDK only: aws-cdk-lib + constructs', () => {
    test('node_modules has no cdktf and no @cdktf (the optional peers stay out)', () => {
      const app = apps.cdk;
      expect(fs.existsSync(path.join(app, 'node_modules', PKG, 'lib', 'index.js'))).toBe(true);
      expect(fs.existsSync(path.join(app, 'node_modules', 'aws-cdk-lib'))).toBe(true);
      expect(fs.existsSync(path.join(app, 'node_modules', 'cdktf'))).toBe(false);
      expect(fs.existsSync(path.join(app, 'node_modules', '@cdktf'))).toBe(false);
      expect(installed(app, 'cdktf')).toEqual([]);
      expect(installed(app, '@cdktf/')).toEqual([]);
    });

    test('requires the root and /cdk and synthesises a PlatformNetwork (a VPC and 6 subnets) and a FinOps function from the shipped bundle', () => {
      const app = apps.cdk;
      const outdir = path.join(app, 'cdk.out');
      const res = nodeJson(app, CDK_SYNTH, outdir);
      expect(res.rootKeys).toEqual(expect.arrayContaining(['cdk', 'cdktf', 'EnvironmentProfile']));

      const template = JSON.parse(fs.readFileSync(path.join(outdir, res.template), 'utf8'));
      const types = Object.values<any>(template.Resources).map((r) => r.Type);
      const count = (type: string) => types.filter((t) => t === type).length;
      expect(count('AWS::EC2::VPC')).toBe(1);
      expect(count('AWS::EC2::Subnet')).toBe(6);
      // The FinOps function's code is the bundle shipped in the package, staged as an asset.
      const bundles = fs.readdirSync(outdir).filter((d) => d.startsWith('asset.') && fs.existsSync(path.join(outdir, d, 'index.js'))
        && fs.readFileSync(path.join(outdir, d, 'index.js'), 'utf8').includes('MAX_CPU_PERCENT'));
      expect(bundles).toHaveLength(1);
    });
  });

  describe('(b) CDK for Terraform only: cdktf + @cdktf/provider-aws + constructs', () => {
    test('node_modules has no aws-cdk-lib', () => {
      const app = apps.cdktf;
      expect(fs.existsSync(path.join(app, 'node_modules', PKG, 'lib', 'index.js'))).toBe(true);
      expect(fs.existsSync(path.join(app, 'node_modules', 'cdktf'))).toBe(true);
      expect(fs.existsSync(path.join(app, 'node_modules', 'aws-cdk-lib'))).toBe(false);
      expect(installed(app, 'aws-cdk-lib')).toEqual([]);
    });

    test('requires the root and /cdktf and synthesises a PlatformNetwork (aws_vpc and 6 aws_subnet) and a FinOps function from the shipped bundle', () => {
      const app = apps.cdktf;
      const outdir = path.join(app, 'cdktf.out');
      const res = nodeJson(app, CDKTF_SYNTH, outdir);
      expect(res.rootKeys).toEqual(expect.arrayContaining(['cdk', 'cdktf', 'EnvironmentProfile']));

      const json = JSON.parse(fs.readFileSync(path.join(outdir, res.json), 'utf8'));
      expect(Object.keys(json.resource?.aws_vpc ?? {})).toHaveLength(1);
      expect(Object.keys(json.resource?.aws_subnet ?? {})).toHaveLength(6);
      // The FinOps function's code is the bundle shipped in the package, zipped beside the stack.
      const [fn] = Object.values<any>(json.resource?.aws_lambda_function ?? {});
      expect(fs.statSync(path.join(outdir, 'stacks', 'consumer', fn.filename)).size).toBeGreaterThan(1000);
    });
  });

  describe('(e) the platform spec\'s CLI, installed: npx ecs-platform with the bundled yaml and ajv', () => {
    test.each(['cdk', 'cdktf'] as Engine[])('%s app: init, validate (by the installed engine\'s constructs), synth; the schema resolves', (engine) => {
      const app = apps[engine];
      const bin = path.join(app, 'node_modules', '.bin', 'ecs-platform');
      ok(runSync(bin, ['init', 'spec', '--name', 'shop'], app), 'ecs-platform init');
      const validated = ok(runSync(bin, ['validate', '--dir', 'spec'], app), 'ecs-platform validate');
      expect(validated).toContain(`✓ dev: shop in eu-west-1 (development): 1 service(s), 0 database(s), 0 table(s), checked by the ${engine} constructs`);
      const out = path.join(app, `${engine}.spec.out`);
      ok(runSync(bin, ['synth', '--engine', engine, '--env', 'prod', '--dir', 'spec', '--out', out], app), 'ecs-platform synth');
      expect(fs.existsSync(engine === 'cdk' ? path.join(out, 'shop-prod.template.json') : path.join(out, 'stacks', 'shop-prod', 'cdk.tf.json'))).toBe(true);
      // The other engine is not installed: asked for, it is a usage error naming what to install.
      const other = runSync(bin, ['synth', '--engine', engine === 'cdk' ? 'cdktf' : 'cdk', '--env', 'dev', '--dir', 'spec'], app);
      expect([other.status, other.output]).toEqual([2, expect.stringContaining('npm install')]);
      const schema = nodeJson(app, `console.log(JSON.stringify(require(require.resolve('${PKG}/platform-spec.schema.json')).title))`);
      expect(schema).toBe('ecs-platform-constructs platform spec');
    });
  });

  describe('(c) TypeScript resolves the root and the subpaths with their types', () => {
    const cases = (['cdk', 'cdktf'] as Engine[]).flatMap((engine) =>
      (Object.keys(RESOLUTIONS) as Array<keyof typeof RESOLUTIONS>).map((mode) => [engine, mode] as const));

    test.each(cases)('%s app type-checks under moduleResolution %s', (engine, mode) => {
      const app = apps[engine];
      const tsconfig = path.join(app, `tsconfig.${mode}.json`);
      fs.writeFileSync(tsconfig, JSON.stringify({
        compilerOptions: {
          ...RESOLUTIONS[mode], target: 'es2022', strict: true, noEmit: true, skipLibCheck: true, types: [],
        },
        files: ['check.ts'],
      }, null, 2));
      const res = runSync(process.execPath, [TSC, '-p', tsconfig, '--traceResolution'], app);
      const trace = res.output;
      if (res.status !== 0) {
        const errors = trace.split('\n').filter((l) => /error TS\d+/.test(l)).join('\n');
        throw new Error(`tsc (${mode}) failed in the ${engine} app (exit ${res.status}):\n${errors || trace.slice(-5000)}`);
      }
      // Resolved to the package's own declarations, not to some other file.
      const resolved = (spec: string) => {
        const m = new RegExp(`Module name '${spec}' was successfully resolved to '([^']+)'`).exec(trace);
        return m ? path.relative(path.join(app, 'node_modules', PKG), m[1]).split(path.sep).join('/') : undefined;
      };
      expect(resolved(PKG)).toBe('lib/index.d.ts');
      expect(resolved(`${PKG}/${engine}`)).toBe(`lib/${engine}/index.d.ts`);
    });
  });

  describe('(d) the root loads an engine only when its namespace is touched', () => {
    test('cdk app: aws-cdk-lib loads on root.cdk; root.cdktf fails only when touched', () => {
      const r = nodeJson(apps.cdk, LAZY_PROBE, 'cdk', 'cdktf');
      const hint = 'lib/index.js loads the engines eagerly: run npx projen post-compile (scripts/lazy-root.js)';
      expect({ afterRoot: r.afterRoot, hint }).toEqual({
        hint,
        afterRoot: { 'aws-cdk-lib': false, 'cdktf': false, '@cdktf/provider-aws': false, 'lib/cdk': false, 'lib/cdktf': false },
      });
      expect(r.rootKeys).toEqual(expect.arrayContaining(['cdk', 'cdktf', 'EnvironmentProfile']));
      expect(r.afterTouch).toMatchObject({ 'aws-cdk-lib': true, 'lib/cdk': true, 'cdktf': false, 'lib/cdktf': false });
      expect(r.namespaceHasPlatformNetwork).toBe(true);
      expect(r.sameAsSubpath).toBe(true);
      expect(r.otherEngine).toBe('MODULE_NOT_FOUND');
    });

    test('cdktf app: cdktf loads on root.cdktf; root.cdk fails only when touched', () => {
      const r = nodeJson(apps.cdktf, LAZY_PROBE, 'cdktf', 'cdk');
      const hint = 'lib/index.js loads the engines eagerly: run npx projen post-compile (scripts/lazy-root.js)';
      expect({ afterRoot: r.afterRoot, hint }).toEqual({
        hint,
        afterRoot: { 'aws-cdk-lib': false, 'cdktf': false, '@cdktf/provider-aws': false, 'lib/cdk': false, 'lib/cdktf': false },
      });
      expect(r.rootKeys).toEqual(expect.arrayContaining(['cdk', 'cdktf', 'EnvironmentProfile']));
      expect(r.afterTouch).toMatchObject({
        'cdktf': true, '@cdktf/provider-aws': true, 'lib/cdktf': true, 'aws-cdk-lib': false, 'lib/cdk': false,
      });
      expect(r.namespaceHasPlatformNetwork).toBe(true);
      expect(r.sameAsSubpath).toBe(true);
      expect(r.otherEngine).toBe('MODULE_NOT_FOUND');
    });
  });
});
