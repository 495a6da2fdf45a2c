import { tfStack, tfSynthFull } from '../helpers/terraform';
import { terraformAvailability, terraformValidateAll, ValidateResult } from '../helpers/terraform-cli';
import { EnvironmentProfile, PlatformNetworkOptions } from 'ecs-platform-constructs';
import { PlatformNetwork } from 'ecs-platform-constructs/cdktf';

const tf = terraformAvailability();
// A visible reason either way: this gate only runs where terraform and a provider mirror exist.
console.log(tf.available ? `terraform validate: ${tf.reason}` : `SKIPPING terraform validate: ${tf.reason}`);
const maybe = tf.available ? test : test.skip;

const CASES: Record<string, PlatformNetworkOptions> = {
  'DEVELOPMENT defaults': {},
  'PRODUCTION over 3 AZs with literal AZs': {
    profile: EnvironmentProfile.PRODUCTION, maxAzs: 3, availabilityZones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'],
  },
  'no NAT, flow logs off': { natGateways: 0, flowLogs: { enabled: false } },
};

function network(options: PlatformNetworkOptions) {
  const { stack } = tfStack();
  new PlatformNetwork(stack, 'Network', options);
  return tfSynthFull(stack);
}

/** A stack with an attribute the provider does not know: proves the gate is live, in the same run. */
function broken() {
  const json = network({});
  const [vpc] = Object.keys(json.resource.aws_vpc);
  json.resource.aws_vpc[vpc].cidr_blok = '10.0.0.0/16';
  return json;
}

// Every case and the broken one in one `terraform validate` (the provider schema loads once).
let results: Record<string, ValidateResult> | undefined;
const result = (name: string) => (results ??= terraformValidateAll({
  ...Object.fromEntries(Object.entries(CASES).map(([n, options]) => [n, network(options)])),
  broken: broken(),
}))[name];

describe('terraform validate on PlatformNetwork output', () => {
  maybe.each(Object.keys(CASES))('%s is valid Terraform', (name) => {
    const r = result(name);
    if (r.warnings.length) console.log(`terraform validate warnings:\n  ${r.warnings.join('\n  ')}`);
    expect(r.errors).toEqual([]);
    expect(r.valid).toBe(true);
  });

  maybe('terraform validate is a live gate: an attribute the provider does not know is an error, in its own stack only', () => {
    const r = result('broken');
    expect(r.valid).toBe(false);
    expect(r.errors.join('\n')).toMatch(/cidr_blok|Extraneous JSON object property/);
  });
});
