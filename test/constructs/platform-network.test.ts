import { EnvironmentProfile, FlowLogTraffic, SubnetTier } from '../../src/constructs';
import { planNetwork, PlatformNetworkOptions } from '../../src/constructs/platform-network';
import { PropsValidationError, ValidationContext } from '../../src/constructs/validation';

const TOKEN = '${Token[TOKEN.42]}';
const context: ValidationContext = {
  construct: 'PlatformNetwork',
  path: 'Stack/Network',
  isUnresolved: (v) => typeof v === 'string' && v.startsWith('${Token['),
};
const plan = (options: PlatformNetworkOptions = {}) => planNetwork(options, context);

describe('network plan: defaults', () => {
  test('GIVEN no options THEN a /16 over 2 AZs with one NAT, DEVELOPMENT defaults', () => {
    const p = plan();
    expect(p.cidr).toBe('10.0.0.0/16');
    expect(p.azCount).toBe(2);
    expect(p.natGateways).toBe(1);
    expect(p.profile).toBe(EnvironmentProfile.DEVELOPMENT);
    expect(p.flowLogs).toMatchObject({ retentionDays: 30, trafficType: FlowLogTraffic.ALL, retainOnDelete: false });
    expect(p.s3GatewayEndpoint).toBe(true);
    expect(p.restrictDefaultSecurityGroup).toBe(true);
    expect(p.availabilityZones).toBeUndefined();
  });

  test('GIVEN PRODUCTION THEN one NAT per AZ, a year of flow logs, retained', () => {
    const p = plan({ profile: EnvironmentProfile.PRODUCTION, maxAzs: 3 });
    expect(p.natGateways).toBe(3);
    expect(p.flowLogs).toMatchObject({ retentionDays: 365, retainOnDelete: true, keyDeletionWindowDays: 30 });
  });

  test('GIVEN overrides THEN each wins over the profile', () => {
    const p = plan({
      profile: EnvironmentProfile.PRODUCTION,
      maxAzs: 3,
      natGateways: 1,
      flowLogs: { retentionDays: 90, retainOnDelete: false, trafficType: FlowLogTraffic.REJECT },
      s3GatewayEndpoint: false,
      restrictDefaultSecurityGroup: false,
    });
    expect(p.natGateways).toBe(1);
    expect(p.flowLogs).toMatchObject({ retentionDays: 90, retainOnDelete: false, trafficType: 'REJECT' });
    expect(p.s3GatewayEndpoint).toBe(false);
    expect(p.restrictDefaultSecurityGroup).toBe(false);
  });

  test('GIVEN flowLogs.enabled false THEN no flow logs are planned', () => {
    expect(plan({ flowLogs: { enabled: false } }).flowLogs).toBeUndefined();
  });
});

describe('network plan: subnet layout', () => {
  test('a /16 is split in tier quarters of /21 AZ slots: public, private, isolated', () => {
    const p = plan({ maxAzs: 3 });
    expect(p.subnetPrefixLength).toBe(21);
    const cidrs = (tier: SubnetTier) => p.subnets.filter((s) => s.tier === tier).map((s) => s.cidr);
    expect(cidrs(SubnetTier.PUBLIC)).toEqual(['10.0.0.0/21', '10.0.8.0/21', '10.0.16.0/21']);
    expect(cidrs(SubnetTier.PRIVATE)).toEqual(['10.0.64.0/21', '10.0.72.0/21', '10.0.80.0/21']);
    expect(cidrs(SubnetTier.ISOLATED)).toEqual(['10.0.128.0/21', '10.0.136.0/21', '10.0.144.0/21']);
  });

  test('adding an AZ never moves an existing subnet', () => {
    const two = plan({ maxAzs: 2 }).subnets;
    const six = plan({ maxAzs: 6 }).subnets;
    for (const s of two) {
      expect(six).toContainEqual(expect.objectContaining({ tier: s.tier, azIndex: s.azIndex, cidr: s.cidr }));
    }
  });

  test('a /24 gets /28 subnets (the AWS minimum) and room for 4 AZs', () => {
    const p = plan({ cidr: '192.168.10.0/24', maxAzs: 4 });
    expect(p.subnetPrefixLength).toBe(28);
    expect(p.subnets.map((s) => s.cidr)).toContain('192.168.10.176/28');
    expect(new Set(p.subnets.map((s) => s.cidr)).size).toBe(12);
  });

  test('private subnets use their own AZ NAT, else round-robin like aws-cdk-lib', () => {
    const natOf = (natGateways: number) => plan({ maxAzs: 5, natGateways }).subnets
      .filter((s) => s.tier === SubnetTier.PRIVATE)
      .map((s) => s.natGatewayIndex);
    expect(natOf(1)).toEqual([0, 0, 0, 0, 0]);
    expect(natOf(2)).toEqual([0, 1, 0, 1, 0]);
    expect(natOf(5)).toEqual([0, 1, 2, 3, 4]);
    expect(natOf(0)).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });

  test('given AZs are used in order, the first maxAzs of them', () => {
    expect(plan({ availabilityZones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'] }).availabilityZones)
      .toEqual(['eu-west-1a', 'eu-west-1b']);
  });
});

describe('network plan: validation', () => {
  const problemsOf = (options: PlatformNetworkOptions): string[] => {
    try {
      plan(options);
    } catch (e) {
      expect(e).toBeInstanceOf(PropsValidationError);
      return (e as PropsValidationError).problems.map((p) => p.prop);
    }
    return [];
  };

  test.each([
    ['not a CIDR', { cidr: '10.0.0.0' }, /cidr: got "10.0.0.0"; expected an IPv4 CIDR/],
    ['octet out of range', { cidr: '10.300.0.0/16' }, /cidr: got "10.300.0.0\/16"/],
    ['host bits set', { cidr: '10.0.0.1/16' }, /cidr: .*network address for \/16 is "10.0.0.0\/16"/],
    ['prefix too short', { cidr: '10.0.0.0/8' }, /cidr: got "10.0.0.0\/8"; expected a prefix length from \/16 to \/24/],
    ['prefix too long', { cidr: '10.0.0.0/25' }, /cidr: got "10.0.0.0\/25"; expected a prefix length from \/16 to \/24/],
    ['maxAzs too small', { maxAzs: 1 }, /maxAzs: got 1; expected an integer from 2 to 6/],
    ['maxAzs too large', { maxAzs: 7 }, /maxAzs: got 7; expected an integer from 2 to 6/],
    ['maxAzs not an integer', { maxAzs: 2.5 }, /maxAzs: got 2.5/],
    ['natGateways above maxAzs', { maxAzs: 2, natGateways: 3 }, /natGateways: got 3; expected an integer from 0 to maxAzs \(2\)/],
    ['negative natGateways', { natGateways: -1 }, /natGateways: got -1/],
    ['AZ list shorter than maxAzs', { maxAzs: 3, availabilityZones: ['a', 'b'] }, /availabilityZones: got \["a","b"\]; expected at least maxAzs \(3\)/],
    ['AZ listed twice', { availabilityZones: ['a', 'a'] }, /availabilityZones: .*no AZ listed twice/],
    ['too many AZs for a /24', { cidr: '10.0.0.0/24', maxAzs: 5 }, /maxAzs: got 5; a 10.0.0.0\/24 VPC holds \/28 subnets for at most 4 AZs/],
    ['bad retention', { flowLogs: { retentionDays: 10 } }, /flowLogs.retentionDays: got 10; expected one of 1, 3, 5/],
    ['bad traffic type', { flowLogs: { trafficType: 'SOME' as FlowLogTraffic } }, /flowLogs.trafficType: got "SOME"; expected one of FlowLogTraffic.ALL, FlowLogTraffic.ACCEPT, FlowLogTraffic.REJECT/],
    ['bad profile', { profile: 'STAGING' as EnvironmentProfile }, /profile: got "STAGING"; expected one of EnvironmentProfile.DEVELOPMENT, EnvironmentProfile.PRODUCTION/],
    ['bad KMS key ARN', { flowLogs: { kmsKeyArn: 'alias/mine' } }, /flowLogs.kmsKeyArn: got "alias\/mine"; expected a KMS key ARN/],
    ['token cidr', { cidr: TOKEN }, /cidr: .*expected a literal IPv4 CIDR/],
  ])('%s is reported with the prop, the value and what is allowed', (_name, options, message) => {
    expect(() => plan(options as PlatformNetworkOptions)).toThrow(message);
  });

  test('the error names the construct path', () => {
    expect(() => plan({ maxAzs: 9 })).toThrow(/^Invalid props for PlatformNetwork at 'Stack\/Network' \(1 problem\)/);
  });

  test('every problem is reported at once', () => {
    expect(problemsOf({
      cidr: '10.0.0.0/8',
      maxAzs: 9,
      natGateways: 12,
      flowLogs: { retentionDays: 8 },
      profile: 'X' as EnvironmentProfile,
    })).toEqual(['profile', 'cidr', 'maxAzs', 'natGateways', 'flowLogs.retentionDays']);
  });

  test('deploy-time tokens are not judged where a literal is not needed', () => {
    expect(() => plan({ flowLogs: { retentionDays: TOKEN as unknown as number, kmsKeyArn: TOKEN } })).not.toThrow();
  });

  test('a disabled flow log does not judge its retention', () => {
    expect(() => plan({ flowLogs: { enabled: false, retentionDays: 10 } })).not.toThrow();
  });
});
