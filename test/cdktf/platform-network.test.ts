import { TerraformOutput } from 'cdktf';
import { Construct } from 'constructs';
import { tfResources, tfStack, tfSynth } from '../helpers/terraform';
import { EnvironmentProfile } from 'ecs-platform-constructs';
import { PlatformNetwork } from 'ecs-platform-constructs/cdktf';

describe('PlatformNetwork (CDK for Terraform)', () => {
  test('GIVEN defaults THEN 2 AZs x 3 tiers, one NAT, flow logs, S3 endpoint, restricted default SG', () => {
    const { stack } = tfStack();
    const net = new PlatformNetwork(stack, 'Network');
    new TerraformOutput(stack, 'vpc_id', { value: net.vpcId });
    new TerraformOutput(stack, 'private_subnet_ids', { value: net.privateSubnetIds });
    const json = tfSynth(stack);
    const count = (type: string) => tfResources(json, type).length;

    expect(tfResources(json, 'aws_vpc')[0][1]).toMatchObject({
      cidr_block: '10.0.0.0/16', enable_dns_hostnames: true, enable_dns_support: true,
    });
    expect(count('aws_subnet')).toBe(6);
    expect(count('aws_nat_gateway')).toBe(1);
    expect(count('aws_eip')).toBe(1);
    expect(count('aws_flow_log')).toBe(1);
    expect(count('aws_vpc_endpoint')).toBe(1);
    expect(count('aws_default_security_group')).toBe(1);
    expect(tfResources(json, 'aws_flow_log')[0][1]).toMatchObject({ traffic_type: 'ALL', log_destination_type: 'cloud-watch-logs' });
    const [, group] = tfResources(json, 'aws_cloudwatch_log_group')[0];
    expect(group).toMatchObject({ retention_in_days: 30, skip_destroy: false });
    expect(group.kms_key_id).toMatch(/aws_kms_key\./);
    expect(tfResources(json, 'aws_kms_key')[0][1]).toMatchObject({ enable_key_rotation: true, deletion_window_in_days: 7 });
    expect(tfResources(json, 'aws_kms_key')[0][1].lifecycle).toBeUndefined();
    for (const [, subnet] of tfResources(json, 'aws_subnet')) expect(subnet.map_public_ip_on_launch).toBe(false);

    expect(net.publicSubnetIds).toHaveLength(2);
    expect(net.privateSubnetIds).toHaveLength(2);
    expect(net.isolatedSubnetIds).toHaveLength(2);
    expect(net.natGateways).toHaveLength(1);
    expect(json.output.vpc_id.value).toMatch(/^\$\{aws_vpc\.[^.]+\.id\}$/);
    expect(json.output.private_subnet_ids.value).toEqual([
      expect.stringMatching(/^\$\{aws_subnet\.Network_PrivateSubnet1_[^.]+\.id\}$/),
      expect.stringMatching(/^\$\{aws_subnet\.Network_PrivateSubnet2_[^.]+\.id\}$/),
    ]);
  });

  test('GIVEN no AZs THEN they come from the aws_availability_zones data source, default AZs only, whatever their state', () => {
    const { stack } = tfStack();
    new PlatformNetwork(stack, 'Network', { maxAzs: 3 });
    const json = tfSynth(stack);
    const azs = Object.values(json.data.aws_availability_zones) as any[];
    expect(azs).toHaveLength(1);
    expect(azs[0]).toEqual({ filter: [{ name: 'opt-in-status', values: ['opt-in-not-required'] }] });
    // A `state = "available"` filter would drop an AZ while it is impaired, shift every later
    // AZ's index and propose re-homing their subnets, NAT gateways and routes.
    expect(azs[0].state).toBeUndefined();
    const third = tfResources(json, 'aws_subnet').find(([, s]) => s.cidr_block === '10.0.80.0/21')![1];
    expect(third.availability_zone).toMatch(/^\$\{element\(data\.aws_availability_zones\.[^.]+\.names, 2\)\}$/);
  });

  test('GIVEN AZs THEN no data source and literal AZs', () => {
    const { stack } = tfStack();
    new PlatformNetwork(stack, 'Network', { availabilityZones: ['eu-west-1a', 'eu-west-1b'] });
    const json = tfSynth(stack);
    expect(json.data?.aws_availability_zones).toBeUndefined();
    expect(tfResources(json, 'aws_subnet').map(([, s]) => s.availability_zone).sort())
      .toEqual(['eu-west-1a', 'eu-west-1a', 'eu-west-1a', 'eu-west-1b', 'eu-west-1b', 'eu-west-1b']);
  });

  test('GIVEN PRODUCTION THEN NAT per AZ, log group kept on destroy, key protected from destroy', () => {
    const { stack } = tfStack();
    new PlatformNetwork(stack, 'Network', { profile: EnvironmentProfile.PRODUCTION, maxAzs: 3 });
    const json = tfSynth(stack);
    expect(tfResources(json, 'aws_nat_gateway')).toHaveLength(3);
    expect(tfResources(json, 'aws_cloudwatch_log_group')[0][1]).toMatchObject({ retention_in_days: 365, skip_destroy: true });
    expect(tfResources(json, 'aws_kms_key')[0][1]).toMatchObject({
      deletion_window_in_days: 30, lifecycle: { prevent_destroy: true },
    });
  });

  test('the KMS key policy keeps the account in control, lets CloudWatch Logs in, denies foreign grants', () => {
    const { stack } = tfStack();
    new PlatformNetwork(stack, 'Network');
    const policy = JSON.parse(tfResources(tfSynth(stack), 'aws_kms_key')[0][1].policy);
    expect(policy.Statement.map((s: any) => s.Sid ?? s.Effect)).toEqual(['Allow', 'AllowCloudWatchLogs', 'DenyGrantsExceptForAwsServices']);
    expect(policy.Statement[0].Principal.AWS).toMatch(/:iam::\$\{data\.aws_caller_identity\.[^.]+\.account_id\}:root$/);
  });

  test('the flow-log role may write only to its own log group\'s streams, and only this account\'s flow logs assume it', () => {
    const { stack } = tfStack();
    new PlatformNetwork(stack, 'Network');
    const json = tfSynth(stack);
    const policy = JSON.parse(tfResources(json, 'aws_iam_role_policy')[0][1].policy);
    expect(policy.Statement[0]).toEqual({
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
      // Terraform's `arn` is the log group's; CreateLogStream and PutLogEvents act on its streams.
      Resource: expect.stringMatching(/^\$\{aws_cloudwatch_log_group\.[^.]+\.arn\}:\*$/),
    });
    const trust = JSON.parse(tfResources(json, 'aws_iam_role')[0][1].assume_role_policy);
    expect(trust.Statement[0]).toMatchObject({
      Principal: { Service: 'vpc-flow-logs.amazonaws.com' },
      Condition: {
        StringEquals: { 'aws:SourceAccount': expect.stringMatching(/^\$\{data\.aws_caller_identity\.[^.]+\.account_id\}$/) },
        ArnLike: { 'aws:SourceArn': expect.stringMatching(/^arn:\$\{data\.aws_partition\.[^}]+\}:ec2:\$\{data\.aws_region\.[^}]+\}:\$\{[^}]+\}:vpc-flow-log\/\*$/) },
      },
    });
    // EC2 checks the role can deliver when the flow log is created.
    const [[policyName]] = tfResources(json, 'aws_iam_role_policy');
    expect(tfResources(json, 'aws_flow_log')[0][1].depends_on).toEqual([`aws_iam_role_policy.${policyName}`]);
  });

  test('the key admits CloudWatch Logs under the partition\'s DNS suffix', () => {
    const { stack } = tfStack();
    new PlatformNetwork(stack, 'Network');
    const policy = JSON.parse(tfResources(tfSynth(stack), 'aws_kms_key')[0][1].policy);
    expect(policy.Statement[1].Principal.Service).toMatch(/^logs\.\$\{data\.aws_region\.[^}]+\}\.\$\{data\.aws_partition\.[^.]+\.dns_suffix\}$/);
  });

  test('the public routes and their associations are what internet-facing resources wait for', () => {
    const { stack } = tfStack();
    const network = new PlatformNetwork(stack, 'Network', { maxAzs: 3 });
    expect(network.publicRoutes).toHaveLength(3);
    const ids = network._internetConnectivity.map((d) => (d as unknown as Construct).node.id);
    expect(ids).toEqual(['InternetGateway', ...[1, 2, 3].map((i) => `PublicSubnet${i}DefaultRoute`),
      ...[1, 2, 3].map((i) => `PublicSubnet${i}RouteTableAssociation`)]);
  });

  test('GIVEN natGateways 0 and no flow logs, no endpoint, unrestricted SG THEN none of those exist', () => {
    const { stack } = tfStack();
    new PlatformNetwork(stack, 'Network', {
      natGateways: 0, flowLogs: { enabled: false }, s3GatewayEndpoint: false, restrictDefaultSecurityGroup: false,
    });
    const json = tfSynth(stack);
    for (const type of ['aws_nat_gateway', 'aws_eip', 'aws_flow_log', 'aws_kms_key', 'aws_vpc_endpoint', 'aws_default_security_group']) {
      expect([type, tfResources(json, type).length]).toEqual([type, 0]);
    }
    expect(tfResources(json, 'aws_route')).toHaveLength(2); // public default routes only
  });

  test('bad props throw one error naming the path and every problem', () => {
    const { stack } = tfStack();
    expect(() => new PlatformNetwork(stack, 'Network', { maxAzs: 3, natGateways: 4, availabilityZones: ['a'] }))
      .toThrow(/PlatformNetwork at 'test\/Network' \(3 problems\):\n {2}- availabilityZones: got \["a"\]; expected at least maxAzs \(3\).*\n {2}- availabilityZones\[0\]: got "a"; expected an availability zone name.*\n {2}- natGateways: got 4/);
  });
});
