import { tfStack, tfSynthFull } from '../helpers/terraform';
import { terraformAvailability, terraformValidate } from '../helpers/terraform-cli';
import { EnvironmentProfile, PlatformNetworkOptions } from 'ecs-platform-constructs';
import { PlatformNetwork } from 'ecs-platform-constructs/cdktf';

const tf = terraformAvailability();
// A visible reason either way: this gate only runs where terraform and a provider mirror exist.
console.log(tf.available ? `terraform validate: ${tf.reason}` : `SKIPPING terraform validate: ${tf.reason}`);
const maybe = tf.available ? test : test.skip;

describe('terraform validate on PlatformNetwork output', () => {
  maybe.each<[string, PlatformNetworkOptions]>([
    ['DEVELOPMENT defaults', {}],
    ['PRODUCTION over 3 AZs with literal AZs', {
      profile: EnvironmentProfile.PRODUCTION, maxAzs: 3, availabilityZones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'],
    }],
    ['no NAT, flow logs off', { natGateways: 0, flowLogs: { enabled: false } }],
  ])('%s is valid Terraform', (_name, options) => {
    const { stack } = tfStack();
    new PlatformNetwork(stack, 'Network', options);
    const result = terraformValidate(tfSynthFull(stack));
    if (result.warnings.length) console.log(`terraform validate warnings:\n  ${result.warnings.join('\n  ')}`);
    expect(result.errors).toEqual([]);
    expect(result.valid).toBe(true);
  });
});

describe('terraform validate is a live gate', () => {
  maybe('an attribute the provider does not know is an error', () => {
    const { stack } = tfStack();
    new PlatformNetwork(stack, 'Network');
    const json = tfSynthFull(stack);
    const [vpc] = Object.keys(json.resource.aws_vpc);
    json.resource.aws_vpc[vpc].cidr_blok = '10.0.0.0/16';
    const result = terraformValidate(json);
    expect(result.valid).toBe(false);
    expect(result.errors.join('\n')).toMatch(/cidr_blok/);
  });
});
