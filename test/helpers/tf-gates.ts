/**
 * The CDKTF quality gates as jest tests: the project's Guard rules over the
 * stack's cdk.tf.json, and `terraform validate` where terraform and a provider
 * mirror exist (skipped, with the reason printed, where they don't).
 */
import { TerraformStack } from 'cdktf';
import { awsccAttributeProblems } from './awscc';
import { tfGuardFindings } from './guard';
import { TfJson, tfSynthFull } from './terraform';
import { terraformAvailability, terraformValidateAll, ValidateResult } from './terraform-cli';

/**
 * For each scenario: one test that the Guard rules find nothing, and one that
 * `terraform validate` reports no errors. Each scenario is synthesised once.
 */
export function describeTfGates(title: string, scenarios: Record<string, () => TerraformStack>): void {
  const tf = terraformAvailability();
  const synthesised = new Map<string, TfJson>();
  const synth = (name: string) => {
    if (!synthesised.has(name)) synthesised.set(name, tfSynthFull(scenarios[name]()));
    return synthesised.get(name)!;
  };

  let validated: Record<string, ValidateResult> | undefined;
  // One `terraform validate` for every scenario (the provider schema loads once).
  const validation = (name: string) => (validated ??= terraformValidateAll(
    Object.fromEntries(Object.keys(scenarios).map((n) => [n, synth(n)]))))[name];

  describe(title, () => {
    beforeAll(() => {
      // A visible reason either way: terraform validate only runs where terraform and a provider mirror exist.
      console.log(tf.available ? `terraform validate: ${tf.reason}` : `SKIPPING terraform validate: ${tf.reason}`);
    });

    test.each(Object.keys(scenarios))('%s: no unacknowledged Guard findings', (name) => {
      expect(tfGuardFindings(synth(name))).toEqual([]);
    });

    test.each(Object.keys(scenarios))('%s: awscc resources set only the attributes the awscc binding declares', (name) => {
      expect(awsccAttributeProblems(synth(name))).toEqual([]);
    });

    (tf.available ? test.each(Object.keys(scenarios)) : test.skip.each(Object.keys(scenarios)))('%s: terraform validate', (name) => {
      const result = validation(name);
      if (result.skippedAwscc.length) {
        console.log(`terraform validate (${name}) left out ${result.skippedAwscc.join(', ')}: no awscc provider is mirrored here; `
          + 'their attributes are checked against the binding\'s declared names instead');
      }
      if (result.warnings.length) console.log(`terraform validate warnings (${name}):\n  ${result.warnings.join('\n  ')}`);
      expect(result.errors).toEqual([]);
      expect(result.valid).toBe(true);
    });
  });
}
