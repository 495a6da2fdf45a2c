/**
 * Every app under examples/ in both engines passes the same gates as the
 * constructs: cdk-nag + Control Tower rules (CDK), the Terraform Guard rules and
 * terraform validate where available (CDKTF). The real CLIs are exercised by
 * `npm run examples`; here each app is built in-process from its buildApp().
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App as CdkApp } from 'aws-cdk-lib';
import { App as TfApp } from 'cdktf';
import { cdkGateFindings, formatFindings } from '../helpers/cdk';
import { tfGuardFindings } from '../helpers/guard';
import { terraformAvailability, terraformValidate } from '../helpers/terraform-cli';

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

describe.each(examples)('example %s', (name) => {
  test('CDK: synthesises with zero unacknowledged cdk-nag / Control Tower findings', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- examples are found at run time
    const { buildApp } = require(join(EXAMPLES, name, 'cdk', 'app.ts'));
    const app: CdkApp = buildApp(new CdkApp({ outdir: mkdtempSync(join(tmpdir(), `epc-ex-${name}-`)) }));
    const stacks = app.node.children.filter((c) => (c as any).templateFile !== undefined);
    expect(stacks.length).toBeGreaterThan(0);
    expect(formatFindings(cdkGateFindings(app))).toBe('');
  });

  test('CDKTF: every stack passes the Terraform Guard rules and terraform validate', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- examples are found at run time
    const { buildApp } = require(join(EXAMPLES, name, 'cdktf', 'main.ts'));
    const outdir = mkdtempSync(join(tmpdir(), `epc-ex-${name}-tf-`));
    try {
      const app: TfApp = buildApp(new TfApp({ outdir }));
      app.synth();
      const stacks = readdirSync(join(outdir, 'stacks'));
      expect(stacks.length).toBeGreaterThan(0);
      for (const stack of stacks) {
        const json = JSON.parse(readFileSync(join(outdir, 'stacks', stack, 'cdk.tf.json'), 'utf8'));
        expect([stack, tfGuardFindings(json)]).toEqual([stack, []]);
        if (tf.available) {
          const result = terraformValidate(json);
          expect([stack, result.errors]).toEqual([stack, []]);
        }
      }
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
