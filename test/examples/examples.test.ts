/**
 * Every app under examples/ in both engines passes the same gates as the
 * constructs: cdk-nag + Control Tower rules (CDK), the Terraform Guard rules and
 * terraform validate where available (CDKTF), and the deployability rules (both).
 * The real CLIs are exercised by `npm run examples`; here each app is built
 * in-process from its buildApp().
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App as CdkApp, Validations } from 'aws-cdk-lib';
import { App as TfApp } from 'cdktf';
import { awsccAttributeProblems } from '../helpers/awscc';
import { cdkGateFindings, formatFindings } from '../helpers/cdk';
import { deployabilityFindings } from '../helpers/deployability';
import { tfGuardFindings } from '../helpers/guard';
import { unhealthyServices } from '../helpers/images';
import { terraformAvailability, terraformValidateAll, ValidateResult } from '../helpers/terraform-cli';

const EXAMPLES = join(__dirname, '..', '..', 'examples');
const examples = readdirSync(EXAMPLES, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
const tf = terraformAvailability();
if (!tf.available) console.log(`SKIPPING terraform validate of examples: ${tf.reason}`);

test('there are examples, each in both engines', () => {
  expect(examples.length).toBeGreaterThan(0);
  for (const name of examples) {
    expect([name, existsSync(join(EXAMPLES, name, 'cdk', 'cdk.json'))]).toEqual([name, true]);
    expect([name, existsSync(join(EXAMPLES, name, 'cdktf', 'cdktf.json'))]).toEqual([name, true]);
  }
});

/**
 * Each stack's template as the gates' synthesis writes it, keyed by construct path: read by a validation
 * plugin during that synthesis, because cdkGateFindings removes the outdir afterwards (and a second
 * synthesis is not wanted).
 */
function captureTemplates(app: CdkApp): Map<string, any> {
  const templates = new Map<string, any>();
  Validations.of(app).addPlugins({
    name: 'deployability-template-capture',
    validate: (context) => {
      for (const s of context.stackTemplates) templates.set(s.stackConstructPath, JSON.parse(readFileSync(s.templatePath, 'utf8')));
      return { success: true, violations: [] };
    },
  });
  return templates;
}

/** Each example's CDKTF stacks (cdk.tf.json by stack name), synthesised once. */
const tfStacks = new Map<string, Record<string, any>>();
function tfStacksOf(name: string): Record<string, any> {
  if (!tfStacks.has(name)) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- examples are found at run time
    const { buildApp } = require(join(EXAMPLES, name, 'cdktf', 'main.ts'));
    const outdir = mkdtempSync(join(tmpdir(), `epc-ex-${name}-tf-`));
    try {
      const app: TfApp = buildApp(new TfApp({ outdir }));
      app.synth();
      const stacks = readdirSync(join(outdir, 'stacks'));
      tfStacks.set(name, Object.fromEntries(stacks.map((stack) => [stack, JSON.parse(readFileSync(join(outdir, 'stacks', stack, 'cdk.tf.json'), 'utf8'))])));
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }
  return tfStacks.get(name)!;
}

/** One `terraform validate` of every example's every stack: the provider schema (about 5 s to load) is read once, not once per example. */
let validated: Record<string, ValidateResult> | undefined;
function validationOf(name: string, stack: string): ValidateResult {
  validated ??= terraformValidateAll(Object.fromEntries(
    examples.flatMap((example) => Object.entries(tfStacksOf(example)).map(([s, json]) => [`${example}/${s}`, json]))));
  return validated[`${name}/${stack}`];
}

describe.each(examples)('example %s', (name) => {
  test('CDK: synthesises with zero unacknowledged cdk-nag / Control Tower findings and no deployability findings', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- examples are found at run time
    const { buildApp } = require(join(EXAMPLES, name, 'cdk', 'app.ts'));
    const app: CdkApp = buildApp(new CdkApp({ outdir: mkdtempSync(join(tmpdir(), `epc-ex-${name}-`)) }));
    const stacks = app.node.children.filter((c) => (c as any).templateFile !== undefined);
    expect(stacks.length).toBeGreaterThan(0);
    const templates = captureTemplates(app);
    expect(formatFindings(cdkGateFindings(app))).toBe('');
    expect([...templates.keys()].sort()).toEqual(stacks.map((s) => s.node.path).sort());
    for (const [path, template] of templates) {
      expect([path, deployabilityFindings(template, 'cdk')]).toEqual([path, []]);
      // Pinned images that serve their container port and answer their health check.
      expect([path, unhealthyServices(template, 'cdk')]).toEqual([path, []]);
    }
  });

  test('CDKTF: every stack passes the Terraform Guard rules and the deployability rules', () => {
    const jsons = tfStacksOf(name);
    expect(Object.keys(jsons).length).toBeGreaterThan(0);
    for (const [stack, json] of Object.entries(jsons)) {
      expect([stack, tfGuardFindings(json)]).toEqual([stack, []]);
      expect([stack, deployabilityFindings(json, 'cdktf')]).toEqual([stack, []]);
      expect([stack, unhealthyServices(json, 'cdktf')]).toEqual([stack, []]);
      expect([stack, awsccAttributeProblems(json)]).toEqual([stack, []]);
    }
  });

  test('CDKTF: the documented `cdktf deploy` order names real stacks, each after the stacks it reads outputs from', () => {
    // The edition's header says how to deploy it: "Deploy:      cdktf deploy <stack> <stack> ...".
    const header = readFileSync(join(EXAMPLES, name, 'cdktf', 'main.ts'), 'utf8');
    const line = /^ \* Deploy:\s+cdktf deploy ([^\n(]+)/m.exec(header);
    expect([name, line !== null]).toEqual([name, true]);
    const order = line![1].trim().split(/\s+/);
    const jsons = tfStacksOf(name);
    for (const [i, stack] of order.entries()) {
      expect([name, stack, stack in jsons]).toEqual([name, stack, true]);
      // cdktf reads another stack's outputs through terraform_remote_state "cross-stack-reference-input-<stack>".
      const reads = Object.keys(jsons[stack].data?.terraform_remote_state ?? {}).map((k) => k.replace(/^cross-stack-reference-input-/, ''));
      for (const upstream of reads) expect([stack, 'after', upstream, order.indexOf(upstream) >= 0 && order.indexOf(upstream) < i]).toEqual([stack, 'after', upstream, true]);
    }
    // A multi-stack app with dependencies is deployed whole.
    if (Object.values(jsons).some((json) => json.data?.terraform_remote_state)) expect(order.slice().sort()).toEqual(Object.keys(jsons).sort());
  });

  (tf.available ? test : test.skip)('CDKTF: terraform validate of every stack', () => {
    for (const stack of Object.keys(tfStacksOf(name))) {
      const result = validationOf(name, stack);
      if (result.skippedAwscc.length) {
        console.log(`terraform validate (${name}/${stack}) left out ${result.skippedAwscc.length} awscc resource(s): no awscc provider is mirrored here; `
          + 'their attributes are checked against the awscc binding\'s declared names instead');
      }
      expect([stack, result.errors]).toEqual([stack, []]);
    }
  });
});

/** The reference platform's PRODUCTION variant (the same code, `platform:profile`) passes the same gates. */
describe('example platform, PRODUCTION', () => {
  const context = { 'platform:profile': 'PRODUCTION' };

  test('CDK: zero unacknowledged cdk-nag / Control Tower findings, no deployability findings, PRODUCTION settings', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- examples are found at run time
    const { buildApp } = require(join(EXAMPLES, 'platform', 'cdk', 'app.ts'));
    const app: CdkApp = buildApp(new CdkApp({ outdir: mkdtempSync(join(tmpdir(), 'epc-ex-platform-prod-')), context }));
    const templates = captureTemplates(app);
    expect(formatFindings(cdkGateFindings(app))).toBe('');
    for (const [path, template] of templates) expect([path, deployabilityFindings(template, 'cdk')]).toEqual([path, []]);
    const db = Object.values<any>(templates.get('PlatformData')!.Resources).find((r) => r.Type === 'AWS::RDS::DBInstance');
    expect(db).toMatchObject({ DeletionPolicy: 'Snapshot', Properties: { MultiAZ: true, DeletionProtection: true } });
  });

  test('CDKTF: every stack passes the Guard rules and the deployability rules, PRODUCTION settings', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- examples are found at run time
    const { buildApp } = require(join(EXAMPLES, 'platform', 'cdktf', 'main.ts'));
    const outdir = mkdtempSync(join(tmpdir(), 'epc-ex-platform-prod-tf-'));
    try {
      buildApp(new TfApp({ outdir, context })).synth();
      for (const stack of readdirSync(join(outdir, 'stacks'))) {
        const json = JSON.parse(readFileSync(join(outdir, 'stacks', stack, 'cdk.tf.json'), 'utf8'));
        expect([stack, tfGuardFindings(json)]).toEqual([stack, []]);
        expect([stack, deployabilityFindings(json, 'cdktf')]).toEqual([stack, []]);
        if (stack === 'platform-data') {
          const db = Object.values<any>(json.resource.aws_db_instance)[0];
          expect(db).toMatchObject({ multi_az: true, deletion_protection: true, lifecycle: { prevent_destroy: true } });
        }
      }
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
