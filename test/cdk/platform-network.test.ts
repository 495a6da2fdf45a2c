import { Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { cdkGateFindings, cdkStack, cdkTemplate, formatFindings } from '../helpers/cdk';
import { EnvironmentProfile } from 'ecs-platform-constructs';
import { PlatformNetwork } from 'ecs-platform-constructs/cdk';

describe('PlatformNetwork (AWS CDK)', () => {
  test('GIVEN defaults THEN 2 AZs x 3 tiers, one NAT, flow logs, S3 endpoint, restricted default SG', () => {
    const { stack } = cdkStack();
    const net = new PlatformNetwork(stack, 'Network');
    const t = cdkTemplate(stack);

    t.resourceCountIs('AWS::EC2::VPC', 1);
    t.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: '10.0.0.0/16', EnableDnsHostnames: true, EnableDnsSupport: true });
    t.resourceCountIs('AWS::EC2::Subnet', 6);
    t.resourceCountIs('AWS::EC2::NatGateway', 1);
    t.resourceCountIs('AWS::EC2::FlowLog', 1);
    t.hasResourceProperties('AWS::EC2::FlowLog', { ResourceType: 'VPC', TrafficType: 'ALL' });
    t.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30, KmsKeyId: Match.anyValue() });
    t.hasResource('AWS::Logs::LogGroup', { DeletionPolicy: 'Delete' });
    t.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true, PendingWindowInDays: 7 });
    t.hasResourceProperties('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Gateway' });
    t.resourceCountIs('Custom::VpcRestrictDefaultSG', 1);
    t.allResourcesProperties('AWS::EC2::Subnet', { MapPublicIpOnLaunch: false });

    expect(net.publicSubnetIds).toHaveLength(2);
    expect(net.privateSubnetIds).toHaveLength(2);
    expect(net.isolatedSubnetIds).toHaveLength(2);
    expect(net.natGatewayCount).toBe(1);
    expect(net.profile).toBe(EnvironmentProfile.DEVELOPMENT);
  });

  test('GIVEN no AZs THEN they are looked up at deploy time with Fn::GetAZs (no credentials at synth)', () => {
    const { stack } = cdkStack();
    new PlatformNetwork(stack, 'Network', { maxAzs: 3 });
    cdkTemplate(stack).hasResourceProperties('AWS::EC2::Subnet', {
      CidrBlock: '10.0.80.0/21',
      AvailabilityZone: { 'Fn::Select': [2, { 'Fn::GetAZs': '' }] },
    });
  });

  test('GIVEN PRODUCTION THEN one NAT per AZ and retained, encrypted, year-long flow logs', () => {
    const { stack } = cdkStack();
    new PlatformNetwork(stack, 'Network', { profile: EnvironmentProfile.PRODUCTION, maxAzs: 3 });
    const t = cdkTemplate(stack);
    t.resourceCountIs('AWS::EC2::NatGateway', 3);
    t.hasResource('AWS::Logs::LogGroup', { DeletionPolicy: 'Retain', Properties: { RetentionInDays: 365 } });
    t.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain', Properties: { PendingWindowInDays: 30 } });
  });

  test('vpc is an ordinary ec2.IVpc other aws-cdk-lib constructs accept', () => {
    const { stack } = cdkStack();
    const net = new PlatformNetwork(stack, 'Network');
    const sg = new ec2.SecurityGroup(stack, 'Sg', { vpc: net.vpc });
    expect(net.vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }).subnetIds).toHaveLength(2);
    expect(net.vpc.isolatedSubnets).toHaveLength(2);
    expect(Stack.of(sg).resolve(sg.node.defaultChild && (sg.node.defaultChild as ec2.CfnSecurityGroup).vpcId))
      .toEqual(Stack.of(sg).resolve(net.vpcId));
  });

  test('GIVEN natGateways 0 THEN no NAT and the private tier has no default route', () => {
    const { stack } = cdkStack();
    const net = new PlatformNetwork(stack, 'Network', { natGateways: 0 });
    const t = cdkTemplate(stack);
    t.resourceCountIs('AWS::EC2::NatGateway', 0);
    t.resourceCountIs('AWS::EC2::EIP', 0);
    expect(net.privateSubnets).toHaveLength(2);
    t.resourcePropertiesCountIs('AWS::EC2::Route', { DestinationCidrBlock: '0.0.0.0/0' }, 2); // public only
  });

  test('GIVEN an existing KMS key THEN no key is created and the log group uses it', () => {
    const { stack } = cdkStack();
    const arn = 'arn:aws:kms:eu-west-1:111122223333:key/11111111-2222-3333-4444-555555555555';
    new PlatformNetwork(stack, 'Network', { flowLogs: { kmsKeyArn: arn } });
    const t = cdkTemplate(stack);
    t.resourceCountIs('AWS::KMS::Key', 0);
    t.hasResourceProperties('AWS::Logs::LogGroup', { KmsKeyId: arn });
  });

  test('the KMS key lets CloudWatch Logs use it and denies grants to non-AWS-services', () => {
    const { stack } = cdkStack();
    new PlatformNetwork(stack, 'Network');
    cdkTemplate(stack).hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({ Sid: 'AllowCloudWatchLogs', Effect: 'Allow', Action: Match.arrayWith(['kms:GenerateDataKey*']) }),
          Match.objectLike({ Sid: 'DenyGrantsExceptForAwsServices', Effect: 'Deny', Action: 'kms:CreateGrant' }),
        ]),
      },
    });
  });

  test('the flow-log role writes to its group\'s streams, and only this account\'s flow logs assume it', () => {
    const { stack } = cdkStack();
    new PlatformNetwork(stack, 'Network');
    const t = cdkTemplate(stack);
    const [role] = Object.values(t.findResources('AWS::IAM::Role', {
      Properties: { AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'vpc-flow-logs.amazonaws.com' } })] } },
    })) as any[];
    expect(role.Properties.AssumeRolePolicyDocument.Statement[0].Condition).toEqual({
      StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
      ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ec2:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':vpc-flow-log/*']] } },
    });
    // The flow log waits for its role's policy, or it starts in a delivery error.
    t.hasResource('AWS::EC2::FlowLog', { DependsOn: [Match.stringLikeRegexp('^NetworkFlowLogIAMRoleDefaultPolicy')] });
    // CloudFormation's log group Arn attribute already names the streams (`...:*`).
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
          Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^NetworkFlowLogGroup'), 'Arn'] },
        })]),
      },
    });
  });

  test('the key admits CloudWatch Logs under the partition\'s DNS suffix', () => {
    const { stack } = cdkStack();
    new PlatformNetwork(stack, 'Network');
    cdkTemplate(stack).hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([Match.objectLike({
          Sid: 'AllowCloudWatchLogs',
          Principal: { Service: { 'Fn::Join': ['', ['logs.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }]] } },
        })]),
      },
    });
  });

  test('bad props throw one error naming the path and every problem, before any resource is created', () => {
    const { stack } = cdkStack();
    expect(() => new PlatformNetwork(stack, 'Network', { cidr: '10.0.0.0/8', maxAzs: 7 }))
      .toThrow(/PlatformNetwork at 'Test\/Network' \(2 problems\):\n {2}- cidr: .*\n {2}- maxAzs: got 7/);
    expect(stack.node.tryFindChild('Network')).toBeUndefined();
  });

  describe('quality gates: cdk-nag AwsSolutions + Control Tower guard rules', () => {
    test.each([
      ['DEVELOPMENT defaults', {}],
      ['PRODUCTION over 3 AZs', { profile: EnvironmentProfile.PRODUCTION, maxAzs: 3 }],
      ['no NAT', { natGateways: 0 }],
      ['flow logs off', { flowLogs: { enabled: false } }],
      ['given AZs and existing key', {
        availabilityZones: ['eu-west-1a', 'eu-west-1b'],
        flowLogs: { kmsKeyArn: 'arn:aws:kms:eu-west-1:111122223333:key/11111111-2222-3333-4444-555555555555' },
      }],
    ])('%s: zero unacknowledged findings', (_name, props) => {
      const { app, stack } = cdkStack();
      new PlatformNetwork(stack, 'Network', props);
      const findings = cdkGateFindings(app);
      expect(formatFindings(findings)).toBe('');
    });

    test('the gates are live: an unacknowledged problem is reported', () => {
      const { app, stack } = cdkStack();
      new ec2.Vpc(stack, 'PlainVpc'); // no flow logs: AwsSolutions-VPC7
      const rules = cdkGateFindings(app).map((f) => f.rule);
      expect(rules).toContain('AwsSolutions-VPC7');
    });
  });
});
