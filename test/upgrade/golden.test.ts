import { SCENARIOS } from './scenarios';
import { cdkStack, cdkTemplate } from '../helpers/cdk';
import {
  cdkDestructiveChanges, cdkDiffText, Engine, goldenPath, loadAllowlist, readGolden, scrubCdk, scrubTf,
  tfDestructiveChanges, UPDATING, writeGolden,
} from '../helpers/golden';
import { tfStack, tfSynth } from '../helpers/terraform';
import { terraformAvailability, terraformValidateAll, ValidateResult } from '../helpers/terraform-cli';

const allowlist = loadAllowlist();

function synth(scenario: (typeof SCENARIOS)[number], engine: Engine): any {
  if (engine === 'cdk') {
    const { stack } = cdkStack('Golden');
    scenario.cdk(stack);
    return scrubCdk(cdkTemplate(stack).toJSON());
  }
  const { stack } = tfStack('golden');
  scenario.cdktf(stack);
  return scrubTf(tfSynth(stack));
}

describe.each(SCENARIOS.flatMap((s) => (['cdk', 'cdktf'] as Engine[]).map((e) => [s.name, e, s] as const)))(
  'upgrade safety: %s (%s)',
  (name, engine, scenario) => {
    const file = goldenPath(name, engine);
    const golden = readGolden(file);
    const current = synth(scenario, engine);
    const allowed = allowlist[`${name}.${engine}`] ?? {};

    test('no resource is replaced or destroyed unless allowlisted with a reason', () => {
      if (!golden) {
        if (!UPDATING) throw new Error(`No golden file ${file}: run \`npm run golden:update\` and commit it.`);
        return;
      }
      const destructive = (engine === 'cdk' ? cdkDestructiveChanges(golden, current) : tfDestructiveChanges(golden, current))
        .filter((c) => !(c.id in allowed));
      expect(destructive).toEqual([]);
    });

    test('output equals the golden file (rewrite it only on purpose: npm run golden:update)', () => {
      if (UPDATING) {
        // The safety test above runs first and refuses destructive changes.
        writeGolden(file, current);
        return;
      }
      if (!golden) throw new Error(`No golden file ${file}: run \`npm run golden:update\` and commit it.`);
      if (JSON.stringify(golden) !== JSON.stringify(current)) {
        const detail = engine === 'cdk' ? cdkDiffText(golden, current) : '';
        throw new Error(`${name} (${engine}) changed since its golden file. If intended, run ` +
          `\`npm run golden:update\` and commit the golden file deliberately.\n${detail}`);
      }
      expect(current).toEqual(golden);
    });
  },
);

// Every Terraform golden file is valid Terraform (they equal the current output: see above).
const tf = terraformAvailability();
console.log(tf.available ? `terraform validate of golden files: ${tf.reason}` : `SKIPPING terraform validate of golden files: ${tf.reason}`);
let validated: Record<string, ValidateResult> | undefined;
(tf.available ? test.each : test.skip.each)(SCENARIOS.map((s) => s.name))('terraform validate: %s golden file', (name) => {
  // One `terraform validate` for every golden file (the provider schema loads once).
  validated ??= terraformValidateAll(Object.fromEntries(SCENARIOS.map((s) => [s.name, readGolden(goldenPath(s.name, 'cdktf')) ?? {}])));
  const result = validated[name];
  if (result.warnings.length) console.log(`terraform validate warnings (${name}):\n  ${result.warnings.join('\n  ')}`);
  expect(result.errors).toEqual([]);
  expect(result.valid).toBe(true);
});
