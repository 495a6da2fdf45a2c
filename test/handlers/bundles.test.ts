/**
 * The deployable bundles (assets/handlers/<name>/index.js, built by scripts/bundle-handlers.js in
 * projen's pre-compile step): one per src/handlers/<name>.ts, each loads in a fresh Node process
 * without configuration or credentials, exports a `handler` function, is self-contained (only Node
 * built-ins are required at run time) and stays under 1.5 MiB; and each one's deterministic zip
 * (assets/handlers/<name>.zip, the CDKTF binding's file asset) holds exactly that bundle.
 */
import { execFileSync } from 'child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'fs';
import { builtinModules } from 'module';
import { tmpdir } from 'os';
import { join } from 'path';
import { gzipSync } from 'zlib';

const ROOT = join(__dirname, '..', '..');
const MAX_BYTES = 1.5 * 1024 * 1024;
/** Required inside a try/catch by the SDK's multi-region signer (SigV4a only); absent on purpose. */
const OPTIONAL_REQUIRES = new Set(['@aws-sdk/signature-v4-crt']);

const names = readdirSync(join(ROOT, 'src', 'handlers'))
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
  .map((f) => f.slice(0, -3))
  .sort();
const bundle = (name: string) => join(ROOT, 'assets', 'handlers', name, 'index.js');

test('there are handlers to bundle', () => {
  expect(names).toEqual(expect.arrayContaining(['idle-instances', 'jira-issue', 'slack-notify', 'unattached-volumes']));
});

test('every handler has a bundle', () => {
  const missing = names.filter((n) => !existsSync(bundle(n)));
  if (missing.length) {
    throw new Error(`missing bundle(s) ${missing.map((n) => `assets/handlers/${n}/index.js`).join(', ')}: run npx projen compile (scripts/bundle-handlers.js) first`);
  }
});

describe.each(names)('bundle %s', (name) => {
  const file = bundle(name);
  const present = existsSync(file);
  const check = present ? test : test.skip;

  check('is under 1.5 MiB', () => {
    const bytes = statSync(file).size;
    const gzip = gzipSync(readFileSync(file)).length;
    console.log(`assets/handlers/${name}/index.js: ${(bytes / 1024).toFixed(1)} KiB raw, ${(gzip / 1024).toFixed(1)} KiB gzip`);
    expect(bytes).toBeLessThan(MAX_BYTES);
  });

  check('loads in a fresh node process without configuration and exports a handler function', () => {
    const script = 'const m = require(process.argv[1]); process.stdout.write(JSON.stringify({ handler: typeof m.handler }));';
    const out = execFileSync(process.execPath, ['-e', script, file], {
      encoding: 'utf8',
      // No AWS or function configuration: loading must not need any (configuration is read on the first call).
      env: { PATH: process.env.PATH ?? '', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      timeout: 30_000,
    });
    expect(JSON.parse(out)).toEqual({ handler: 'function' });
  });

  check('is self-contained: requires only Node built-ins', () => {
    const text = readFileSync(file, 'utf8');
    const required = new Set([...text.matchAll(/\brequire\("([^"]+)"\)/g)].map((m) => m[1]));
    const builtins = new Set(builtinModules);
    const foreign = [...required].filter((r) => !builtins.has(r.replace(/^node:/, '')) && !OPTIONAL_REQUIRES.has(r));
    expect(foreign).toEqual([]);
  });
});

describe('the zips the CDKTF binding ships (assets/handlers/<name>.zip)', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the build script's own zip writer (CommonJS)
  const { crc32, unzipSync, zipSync } = require('../../scripts/lib/zip');

  test.each(names)('%s.zip holds exactly the bundle as index.js, rw-r--r--, and is rebuilt byte for byte', (name) => {
    const zip = readFileSync(join(ROOT, 'assets', 'handlers', `${name}.zip`));
    const entries = unzipSync(zip);
    expect(entries.map((e: { name: string; mode: number }) => [e.name, e.mode.toString(8)])).toEqual([['index.js', '100644']]);
    expect(entries[0].data.equals(readFileSync(bundle(name)))).toBe(true);
    // Deterministic: the same bundle zips to the same bytes (no timestamps), so the asset hash changes only with the code.
    expect(zipSync([{ name: 'index.js', data: readFileSync(bundle(name)) }]).equals(zip)).toBe(true);
  });

  test('the zip writer: the standard CRC-32 check value, and what unzip accepts', () => {
    expect(crc32(Buffer.from('123456789')).toString(16)).toBe('cbf43926');
    const zip = zipSync([{ name: 'a.txt', data: Buffer.from('alpha') }, { name: 'dir/b.txt', data: Buffer.alloc(0) }]);
    expect(unzipSync(zip).map((e: { name: string; data: Buffer }) => [e.name, e.data.toString()])).toEqual([['a.txt', 'alpha'], ['dir/b.txt', '']]);
    let unzip: string | undefined;
    try {
      unzip = execFileSync('unzip', ['-v'], { encoding: 'utf8' }).split('\n')[0];
    } catch {
      console.log('SKIPPING the unzip -t check: no unzip on PATH');
    }
    if (unzip) {
      const file = join(tmpdir(), `epc-zip-${process.pid}.zip`);
      writeFileSync(file, zip);
      expect(execFileSync('unzip', ['-t', file], { encoding: 'utf8' })).toMatch(/No errors detected/);
      rmSync(file);
    }
  });
});
