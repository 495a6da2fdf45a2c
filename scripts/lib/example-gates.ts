/**
 * The quality gates for `npm run examples` (scripts/synth-examples.js), the same ones `npm test` runs:
 *   - CDK: cdk-nag AwsSolutions and the Control Tower rules (cdk-validator-cfnguard), counted as "nag",
 *     and aws-cdk-lib's CloudFormation template validation, counted as "validate". Both are validation
 *     plugins that read the construct tree, so they run on the example's app built in this process
 *     (the same buildApp the CLI ran), not on the CLI's templates.
 *   - CDKTF: the project's Guard rules ("nag") and `terraform validate` ("validate") on the CLI's own
 *     cdk.tf.json files. Where terraform or a provider mirror is missing, validate says "skipped".
 * Loaded through ts-node: it reuses the test helpers, so the script and the tests judge alike.
 */
import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App } from 'aws-cdk-lib';
import { cdkGateFindings } from '../../test/helpers/cdk';
import { tfGuardFindings } from '../../test/helpers/guard';
import { TfJson } from '../../test/helpers/terraform';
import { terraformAvailability, terraformValidateAll } from '../../test/helpers/terraform-cli';

/** One stack's gate results: unacknowledged findings, and the validation's verdict. */
export interface StackGates {
  readonly nag: number;
  readonly validate: string;
}

/** The plugin aws-cdk-lib's built-in template validation reports as. */
const CLOUDFORMATION_VALIDATE = /^CloudFormation-Validate/;

/** Gate results of the CDK edition of `example`, by stack display name (the construct path). */
export function cdkExampleGates(examplesDir: string, example: string): Record<string, StackGates> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- examples are found at run time
  const { buildApp } = require(join(examplesDir, example, 'cdk', 'app.ts'));
  const app: App = buildApp(new App({ outdir: mkdtempSync(join(tmpdir(), `epc-gates-${example}-`)) }));
  const stacks = app.node.children.filter((c) => (c as { templateFile?: string }).templateFile !== undefined).map((c) => c.node.path);
  const findings = cdkGateFindings(app);
  const inStack = (f: { paths: string[] }, stack: string) => f.paths.some((p) => p === stack || p.startsWith(`${stack}/`));
  const nowhere = findings.filter((f) => !stacks.some((stack) => inStack(f, stack)));
  if (nowhere.length) throw new Error(`${example}: gate findings outside every stack: ${nowhere.map((f) => `${f.rule} at ${f.paths.join(', ')}`).join('; ')}`);
  const result: Record<string, StackGates> = {};
  for (const stack of stacks) {
    const mine = findings.filter((f) => inStack(f, stack));
    const validation = mine.filter((f) => CLOUDFORMATION_VALIDATE.test(f.plugin));
    result[stack] = {
      nag: mine.length - validation.length,
      validate: validation.length === 0 ? 'ok' : `${validation.length} error(s)`,
    };
  }
  return result;
}

/** Gate results of CDKTF stacks (cdk.tf.json by stack name), `terraform validate` run once for all of them. */
export function cdktfStackGates(stacks: Record<string, TfJson>): Record<string, StackGates> {
  const tf = terraformAvailability();
  const validated = tf.available ? terraformValidateAll(stacks) : undefined;
  const result: Record<string, StackGates> = {};
  for (const [name, json] of Object.entries(stacks)) {
    const v = validated?.[name];
    let verdict = `skipped (${tf.reason})`;
    if (v) verdict = v.errors.length > 0 ? `${v.errors.length} error(s)` : v.skippedAwscc.length > 0 ? `ok (${v.skippedAwscc.length} awscc not checked)` : 'ok';
    result[name] = { nag: tfGuardFindings(json).length, validate: verdict };
  }
  return result;
}
