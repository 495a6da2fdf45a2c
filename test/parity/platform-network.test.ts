import { cdkStack, cdkTemplate } from '../helpers/cdk';
import { normaliseCfnNetwork, normaliseTfNetwork, NormalisedNetwork } from '../helpers/parity';
import { tfStack, tfSynthFull } from '../helpers/terraform';
import { EnvironmentProfile, FlowLogTraffic, PlatformNetworkOptions } from 'ecs-platform-constructs';
import * as cdk from 'ecs-platform-constructs/cdk';
import * as cdktf from 'ecs-platform-constructs/cdktf';

function bothEngines(options: PlatformNetworkOptions): { cfn: NormalisedNetwork; tf: NormalisedNetwork } {
  const c = cdkStack();
  new cdk.PlatformNetwork(c.stack, 'Network', options);
  const t = tfStack();
  new cdktf.PlatformNetwork(t.stack, 'Network', options);
  return { cfn: normaliseCfnNetwork(cdkTemplate(c.stack).toJSON() as any), tf: normaliseTfNetwork(tfSynthFull(t.stack)) };
}

describe('PlatformNetwork parity: the same options build the same network in both engines', () => {
  test.each<[string, PlatformNetworkOptions]>([
    ['defaults', {}],
    ['PRODUCTION over 3 AZs', { profile: EnvironmentProfile.PRODUCTION, maxAzs: 3 }],
    ['5 AZs sharing 2 NATs', { maxAzs: 5, natGateways: 2 }],
    ['no NAT', { natGateways: 0 }],
    ['a /24 with literal AZs', { cidr: '172.16.4.0/24', availabilityZones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'], maxAzs: 3 }],
    ['custom flow logs, no endpoint, open default SG', {
      flowLogs: { retentionDays: 90, trafficType: FlowLogTraffic.REJECT, retainOnDelete: true },
      s3GatewayEndpoint: false,
      restrictDefaultSecurityGroup: false,
    }],
    ['flow logs off', { flowLogs: { enabled: false } }],
  ])('%s', (_name, options) => {
    const { cfn, tf } = bothEngines(options);
    expect(tf).toEqual(cfn);
  });

  test('the normalised form describes the behaviour (guards against both engines being wrong alike)', () => {
    const { cfn } = bothEngines({ maxAzs: 3, natGateways: 2 });
    expect(cfn.subnets.map((s) => `${s.cidr} ${s.az} ${s.defaultRoute}`)).toEqual([
      '10.0.0.0/21 az#0 igw',
      '10.0.8.0/21 az#1 igw',
      '10.0.16.0/21 az#2 igw',
      '10.0.64.0/21 az#0 nat@10.0.0.0/21',
      '10.0.72.0/21 az#1 nat@10.0.8.0/21',
      '10.0.80.0/21 az#2 nat@10.0.0.0/21',
      '10.0.128.0/21 az#0 none',
      '10.0.136.0/21 az#1 none',
      '10.0.144.0/21 az#2 none',
    ]);
    expect(cfn.subnets.every((s) => s.s3Endpoint && !s.mapPublicIpOnLaunch)).toBe(true);
    expect(cfn.natGateways).toBe(2);
    expect(cfn.flowLog).toEqual({ traffic: 'ALL', retentionDays: 30, encrypted: true, retained: false });
    // Only this account's flow logs assume the role, which writes to its group's log streams.
    expect(cfn.flowLogIam!.trust).toEqual(['Allow sts:AssumeRole to {"Service":"vpc-flow-logs.amazonaws.com"} if '
      + '{"ArnLike":{"aws:SourceArn":"arn:aws:ec2:eu-west-1:111122223333:vpc-flow-log/*"},"StringEquals":{"aws:SourceAccount":"111122223333"}}']);
    expect(cfn.flowLogIam!.grants).toEqual([
      'Allow logs:CreateLogStream on <loggroup:NetworkFlowLogGroup.arn>:*',
      'Allow logs:DescribeLogStreams on <loggroup:NetworkFlowLogGroup.arn>:*',
      'Allow logs:PutLogEvents on <loggroup:NetworkFlowLogGroup.arn>:*',
    ]);
    expect(cfn.flowLogIam!.keyPolicy).toEqual(expect.arrayContaining([
      'Allow kms:GenerateDataKey* on * to {"Service":"logs.eu-west-1.amazonaws.com"} if {"ArnLike":{"kms:EncryptionContext:aws:logs:arn":"arn:aws:logs:eu-west-1:111122223333:log-group:*"}}',
    ]));
    expect(cfn.defaultSecurityGroupRestricted).toBe(true);
  });
});

describe('PlatformNetwork parity: the same mistakes get the same error in both engines', () => {
  test.each<[string, PlatformNetworkOptions]>([
    ['cidr outside /16-/24 and maxAzs out of range', { cidr: '10.0.0.0/8', maxAzs: 7 }],
    ['natGateways greater than maxAzs', { maxAzs: 2, natGateways: 3 }],
    ['AZ list shorter than maxAzs', { maxAzs: 3, availabilityZones: ['eu-west-1a'] }],
    ['cidr not an IPv4 CIDR', { cidr: 'ten-dot-zero' }],
  ])('%s', (_name, options) => {
    const errorOf = (build: () => unknown) => {
      try {
        build();
      } catch (e) {
        return (e as Error).message.replace(/ at '[^']*'/, " at '<path>'");
      }
      throw new Error('expected an error');
    };
    const cdkError = errorOf(() => new cdk.PlatformNetwork(cdkStack().stack, 'Network', options));
    const tfError = errorOf(() => new cdktf.PlatformNetwork(tfStack().stack, 'Network', options));
    expect(tfError).toEqual(cdkError);
    expect(cdkError).toMatch(/^Invalid props for PlatformNetwork at '<path>'/);
  });
});
