/**
 * `npx ecs-platform` end to end on examples/gitops-platform: each command in-process (runCli with its
 * output captured), the exit codes a CI job reads, and the installed bin through a real node process.
 */
import { execFileSync, spawnSync } from 'child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import Ajv from 'ajv';
import * as YAML from 'yaml';
import { runCli } from '../../src/spec/cli';
import { platformSpecLayerSchema } from '../../src/spec/schema';

const ROOT = join(__dirname, '..', '..');
const EXAMPLE = join(ROOT, 'examples', 'gitops-platform');

interface Run { code: number; out: string; err: string }

async function cli(args: string[], cwd = EXAMPLE): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (t) => out.push(t), err: (t) => err.push(t), cwd });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'ecs-platform-cli-'));
}

/** A copy of the example to break. */
function exampleCopy(): string {
  const dir = join(scratch(), 'spec');
  cpSync(EXAMPLE, dir, { recursive: true, filter: (src) => !/cdk\.out|cdktf\.out|node_modules/.test(src) });
  return dir;
}

describe('help and usage', () => {
  test('--help lists every command; each command has its own --help', async () => {
    const main = await cli(['--help']);
    expect(main.code).toBe(0);
    for (const command of ['init', 'validate', 'synth', 'diff-env', 'diagram', 'schema']) {
      expect(main.out).toMatch(new RegExp(`^  ${command} `, 'm'));
      const own = await cli([command, '--help']);
      expect([command, own.code]).toEqual([command, 0]);
      expect(own.out).toMatch(new RegExp(`^Usage: ecs-platform ${command}`));
    }
  });

  test('no command, an unknown command or option, a missing value: exit 2 with the usage and a suggestion', async () => {
    expect((await cli([])).code).toBe(2);
    const unknown = await cli(['validte']);
    expect(unknown).toMatchObject({ code: 2, err: expect.stringContaining('unknown command "validte"; did you mean validate?') });
    const option = await cli(['validate', '--enviroment', 'dev']);
    expect(option).toMatchObject({ code: 2, err: expect.stringContaining('unknown option --enviroment') });
    const missing = await cli(['synth', '--engine', 'cdk']);
    expect(missing).toMatchObject({ code: 2, err: expect.stringContaining('--env is required') });
    const engine = await cli(['synth', '--engine', 'pulumi', '--env', 'dev']);
    expect(engine).toMatchObject({ code: 2, err: expect.stringContaining('--engine must be cdk, cdktf; got "pulumi"') });
    const noValue = await cli(['validate', '--env']);
    expect(noValue).toMatchObject({ code: 2, err: expect.stringContaining('--env needs a value') });
  });

  test('schema prints the layer files\' JSON Schema, the same as the published platform-spec.schema.json', async () => {
    const run = await cli(['schema']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.out)).toEqual(platformSpecLayerSchema());
    expect(JSON.parse(readFileSync(join(ROOT, 'platform-spec.schema.json'), 'utf8'))).toEqual(platformSpecLayerSchema());
  });
});

describe('validate', () => {
  test('the example: every environment valid, with each construct\'s own checks (CDK)', async () => {
    const run = await cli(['validate']);
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/✓ dev: ecso in eu-west-1 \(development\): 2 service\(s\), 1 database\(s\), 1 table\(s\), Teleport, checked by the cdk constructs/);
    expect(run.out).toMatch(/✓ prod: ecso in eu-west-1 \(production\)/);
  });

  test('--print shows the merged spec: the environment over platform.yaml over defaults.yaml', async () => {
    const run = await cli(['validate', '--env', 'prod', '--engine', 'none', '--print']);
    expect(run.code).toBe(0);
    expect(run.out).toContain('# defaults.yaml < platform.yaml < environments/prod.yaml');
    expect(run.out).toMatch(/^ {2}desiredCount: 2$/m); // prod's over defaults.yaml's 1
    expect(run.out).toMatch(/^ {2}profile: production$/m);
  });

  test('a broken spec: exit 1, every problem at its file:line:column, schema and construct problems alike', async () => {
    const dir = exampleCopy();
    const dev = join(dir, 'environments', 'dev.yaml');
    writeFileSync(dev, readFileSync(dev, 'utf8')
      .replace('    instanceClass: db.t4g.micro', '    instanceClass: db.t4g.micro\n    instanceTyp: db.t4g.small')
      .replace('      retentionPeriod: 7', '      retentionPeriod: 90'));
    const lines = readFileSync(dev, 'utf8').split('\n');
    const line = (text: string) => lines.findIndex((l) => l.includes(text)) + 1;
    // The schema's problem first (the unknown key): the constructs are not built until the schema passes.
    const schema = await cli(['validate', '--env', 'dev', '--dir', dir]);
    expect(schema.code).toBe(1);
    expect(schema.err).toContain(`environments/dev.yaml:${line('instanceTyp')}:5  databases.main-db.instanceTyp: unknown key; did you mean instanceClass?`);
    writeFileSync(dev, readFileSync(dev, 'utf8').replace('    instanceTyp: db.t4g.small\n', ''));
    const construct = await cli(['validate', '--env', 'dev', '--dir', dir]);
    expect(construct.code).toBe(1);
    expect(construct.err).toContain(`environments/dev.yaml:${line('retentionPeriod') - 1}:24  databases.main-db.backup.retentionPeriod: expected an integer from 1 to 35; got 90`);
  });

  test('a construct check that runs at synthesis (Teleport\'s team roles) is reported at its YAML key too, in both engines', async () => {
    const dir = exampleCopy();
    const dev = join(dir, 'environments', 'dev.yaml');
    writeFileSync(dev, readFileSync(dev, 'utf8').replace('roles: [access, editor, db-main-db]', 'roles: [access, editor, db-other]'));
    const line = readFileSync(dev, 'utf8').split('\n').findIndex((l) => l.includes('db-other')) + 1;
    for (const engine of ['cdk', 'cdktf']) {
      const run = await cli(['validate', '--env', 'dev', '--engine', engine, '--dir', dir]);
      expect([engine, run.code]).toEqual([engine, 1]);
      expect(run.err).toMatch(new RegExp(`environments/dev\\.yaml:${line}:\\d+  teleport\\.sso\\.github\\.teams\\[0\\]\\.roles(\\[2\\])?: .*db-other`));
    }
  });

  test('an environment that does not exist: exit 1, naming the ones that do', async () => {
    const run = await cli(['validate', '--env', 'staging', '--engine', 'none']);
    expect(run).toMatchObject({ code: 1, err: expect.stringContaining('no environment "staging": the environments are dev, prod') });
  });
});

test('every layer of the example and of the starter passes the published schema on its own, as an editor checks it', async () => {
  const check = new Ajv({ allErrors: true, strict: false }).compile(JSON.parse(readFileSync(join(ROOT, 'platform-spec.schema.json'), 'utf8')));
  const starter = scratch();
  expect((await cli(['init', 'starter'], starter)).code).toBe(0);
  const layers = [EXAMPLE, join(starter, 'starter')].flatMap((dir) => ['defaults.yaml', 'platform.yaml', 'environments/dev.yaml', 'environments/prod.yaml'].map((f) => join(dir, f)));
  for (const file of layers) {
    const valid = check(YAML.parse(readFileSync(file, 'utf8')));
    expect([file, valid ? [] : check.errors]).toEqual([file, []]);
  }
});

describe('synth', () => {
  test('--engine cdk writes a cloud assembly `cdk deploy --app` takes', async () => {
    const out = join(scratch(), 'cdk.out');
    const run = await cli(['synth', '--engine', 'cdk', '--env', 'dev', '--out', out]);
    expect(run).toMatchObject({ code: 0, err: '' });
    expect(run.out).toContain('synthesised ecso-dev (cdk)');
    expect(run.out).toMatch(/^deploy: npx cdk deploy --app \S*cdk\.out ecso-dev$/m);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    // The region only (no AZ lookup needing AWS credentials at synth); the account is a deploy-time rule.
    expect(manifest.artifacts['ecso-dev'].environment).toBe('aws://unknown-account/eu-west-1');
    const template = JSON.parse(readFileSync(join(out, 'ecso-dev.template.json'), 'utf8'));
    expect(template.Rules.PlatformAccount.Assertions[0].Assert).toEqual({ 'Fn::Equals': [{ Ref: 'AWS::AccountId' }, '111122223333'] });
    const services = Object.values<any>(template.Resources).filter((r) => r.Type === 'AWS::ECS::Service');
    expect(services).toHaveLength(3); // test-app, nginx and Teleport
  });

  test('--engine cdktf writes Terraform JSON `terraform apply` takes, tagged through default_tags', async () => {
    const out = join(scratch(), 'cdktf.out');
    const run = await cli(['synth', '--engine', 'cdktf', '--env', 'prod', '--out', out]);
    expect(run).toMatchObject({ code: 0, err: '' });
    expect(run.out).toMatch(/^deploy: cd \S*cdktf\.out\/stacks\/ecso-prod && terraform init && terraform apply$/m);
    const tf = JSON.parse(readFileSync(join(out, 'stacks', 'ecso-prod', 'cdk.tf.json'), 'utf8'));
    expect(tf.provider.aws[0]).toMatchObject({
      region: 'eu-west-1',
      allowed_account_ids: ['111122223333'],
      default_tags: [{ tags: { platform: 'ecso', environment: 'prod', owner: 'platform-team' } }],
    });
    expect(Object.keys(tf.resource.aws_ecs_service)).toHaveLength(3); // test-app, nginx and Teleport
    expect(Object.values<any>(tf.resource.aws_db_instance)[0]).toMatchObject({ multi_az: true, deletion_protection: true });
  });
});

describe('diff-env, diagram, init', () => {
  test('diff-env dev prod: what prod changes, each service with its defaults applied', async () => {
    const run = await cli(['diff-env', 'dev', 'prod']);
    expect(run.code).toBe(0);
    expect(run.out.split('\n')).toEqual(expect.arrayContaining([
      'dev -> prod',
      '~ platform.profile: "development" -> "production"',
      '~ network.maxAzs: 2 -> 3',
      '~ services.test-app.desiredCount: 1 -> 2',
      '~ databases.main-db.instanceClass: "db.t4g.micro" -> "db.m7g.large"',
      '+ finops.anomalyDetection.minImpactUsd: 100',
      '- databases.main-db.skipFinalSnapshot: true',
    ]));
    expect(await cli(['diff-env', 'dev', 'dev'])).toMatchObject({ code: 0, out: 'dev and dev are the same after merging' });
  });

  test('diagram: the load balancer\'s routes, the data each service reaches, Teleport\'s access', async () => {
    const run = await cli(['diagram', '--env', 'dev']);
    expect(run.code).toBe(0);
    expect(run.out.split('\n')).toEqual(expect.arrayContaining([
      'flowchart LR',
      '  lb -->|"app.example.com /api/*"| svc_test_app',
      '  svc_test_app -->|connect| db_main_db',
      '  svc_test_app -->|read/write| table_sessions',
      '  teleport -.->|db| db_main_db',
      '  teleport -.->|app| svc_test_app',
    ]));
    expect(await cli(['diagram'])).toMatchObject({ code: 2, err: expect.stringContaining('--env is required: the spec has environments dev, prod') });
  });

  test('init writes a starter that validates, and refuses to overwrite without --force', async () => {
    const dir = scratch();
    const run = await cli(['init', 'my-platform', '--region', 'us-east-1'], dir);
    expect(run.code).toBe(0);
    for (const file of ['defaults.yaml', 'platform.yaml', 'environments/dev.yaml', 'environments/prod.yaml']) {
      expect([file, existsSync(join(dir, 'my-platform', file))]).toEqual([file, true]);
    }
    expect(readFileSync(join(dir, 'my-platform', 'platform.yaml'), 'utf8')).toMatch(/name: my-platform\n {2}region: us-east-1/);
    const valid = await cli(['validate', '--dir', 'my-platform', '--engine', 'none'], dir);
    expect(valid).toMatchObject({ code: 0, err: '' });
    const again = await cli(['init', 'my-platform'], dir);
    expect(again).toMatchObject({ code: 2, err: expect.stringContaining('already exist in') });
    expect((await cli(['init', 'my-platform', '--force'], dir)).code).toBe(0);
  });
});

describe('the installed bin', () => {
  const bin = join(ROOT, 'bin', 'ecs-platform');
  const compiled = existsSync(join(ROOT, 'lib', 'spec', 'cli.js'));

  test('bin/ecs-platform runs the compiled CLI: exit codes 0, 1 and 2 reach the shell', () => {
    if (!compiled) throw new Error('lib/ is not compiled: npm test compiles it first (npx projen compile)');
    expect(execFileSync(process.execPath, [bin, '--help'], { encoding: 'utf8' })).toContain('Usage: ecs-platform <command>');
    const ok = spawnSync(process.execPath, [bin, 'validate', '--engine', 'none', '--dir', EXAMPLE], { encoding: 'utf8' });
    expect([ok.status, ok.stdout]).toEqual([0, expect.stringContaining('✓ dev')]);
    const bad = spawnSync(process.execPath, [bin, 'validate', '--engine', 'none', '--env', 'nope', '--dir', EXAMPLE], { encoding: 'utf8' });
    expect(bad.status).toBe(1);
    const usage = spawnSync(process.execPath, [bin, 'synth'], { encoding: 'utf8' });
    expect(usage.status).toBe(2);
  });
});
