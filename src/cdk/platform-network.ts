import { Fn, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { CDK_ENVIRONMENT, cdkLiteralRegion, checkCdkProps, markCdkConstruct, platformKey } from './engine';
import { EnvironmentProfile } from '../constructs/environment-profile';
import {
  NetworkPlan,
  ONE_YEAR_DAYS,
  PlatformNetworkOptions,
  planNetwork,
  NETWORK_OPTIONS_SCHEMA,
  SubnetTier,
  TIER_NAME,
  interfaceEndpointService,
} from '../constructs/platform-network';
import {
  allowCloudWatchLogs,
  DENY_GRANTS_EXCEPT_FOR_AWS_SERVICES,
  policyDocumentJson,
  serviceTrustStatement,
  VPC_FLOW_LOGS,
} from '../constructs/policies';

/** Props of the AWS CDK PlatformNetwork. */
export interface PlatformNetworkProps extends PlatformNetworkOptions {}

/**
 * A VPC over 2 to 6 AZs with public, private (egress through NAT) and
 * isolated (no internet route) subnets in each, NAT gateways by profile,
 * flow logs to CloudWatch Logs and an S3 gateway endpoint.
 *
 * `vpc` is an ordinary `ec2.Vpc`: pass it to any aws-cdk-lib construct.
 */
export class PlatformNetwork extends Construct {
  /** The VPC. */
  public readonly vpc: ec2.Vpc;
  /** The VPC ID. */
  public readonly vpcId: string;
  /** The VPC's IPv4 CIDR. */
  public readonly cidr: string;
  /** Public subnets, one per AZ. */
  public readonly publicSubnets: ec2.ISubnet[];
  /** Private subnets (egress through NAT when natGateways > 0), one per AZ. */
  public readonly privateSubnets: ec2.ISubnet[];
  /** Isolated subnets (no internet route), one per AZ. */
  public readonly isolatedSubnets: ec2.ISubnet[];
  /** IDs of the public subnets. */
  public readonly publicSubnetIds: string[];
  /** IDs of the private subnets. */
  public readonly privateSubnetIds: string[];
  /** IDs of the isolated subnets. */
  public readonly isolatedSubnetIds: string[];
  /** The AZs used, in order (deploy-time tokens unless `availabilityZones` was given). */
  public readonly availabilityZones: string[];
  /** The number of NAT gateways. */
  public readonly natGatewayCount: number;
  /** The profile the defaults were picked from. */
  public readonly profile: EnvironmentProfile;
  /** The flow log, when enabled. */
  public readonly flowLog?: ec2.FlowLog;
  /** The flow log's log group, when enabled. */
  public readonly flowLogGroup?: logs.LogGroup;
  /** The KMS key encrypting the flow-log log group, when enabled. */
  public readonly flowLogKey?: kms.IKey;
  /** The S3 gateway endpoint, when enabled. */
  public readonly s3Endpoint?: ec2.GatewayVpcEndpoint;

  constructor(scope: Construct, id: string, props: PlatformNetworkProps = {}) {
    const { v, props: checked } = checkCdkProps<PlatformNetworkProps>('PlatformNetwork', scope, id, props, NETWORK_OPTIONS_SCHEMA);
    const plan = planNetwork(checked, v, cdkLiteralRegion(scope));
    super(scope, id);
    markCdkConstruct(this, 'PlatformNetwork');
    this.profile = plan.profile;
    this.natGatewayCount = plan.natGateways;
    this.cidr = plan.cidr;

    // Fn::GetAZs needs no AWS credentials at synth and works in env-agnostic stacks.
    this.availabilityZones = plan.availabilityZones
      ?? Array.from({ length: plan.azCount }, (_, i) => Fn.select(i, Fn.getAzs()));

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: new PlannedIpAddresses(plan),
      availabilityZones: this.availabilityZones,
      natGateways: plan.natGateways,
      enableDnsHostnames: true,
      enableDnsSupport: true,
      restrictDefaultSecurityGroup: plan.restrictDefaultSecurityGroup,
      subnetConfiguration: [
        { name: TIER_NAME[SubnetTier.PUBLIC], subnetType: ec2.SubnetType.PUBLIC, mapPublicIpOnLaunch: false },
        {
          name: TIER_NAME[SubnetTier.PRIVATE],
          // aws-cdk-lib refuses egress subnets without NAT; without NAT they are isolated.
          subnetType: plan.natGateways > 0 ? ec2.SubnetType.PRIVATE_WITH_EGRESS : ec2.SubnetType.PRIVATE_ISOLATED,
        },
        { name: TIER_NAME[SubnetTier.ISOLATED], subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      ],
    });
    this.vpcId = this.vpc.vpcId;

    const tierSubnets = (tier: SubnetTier) => this.vpc.selectSubnets({ subnetGroupName: TIER_NAME[tier] }).subnets;
    this.publicSubnets = tierSubnets(SubnetTier.PUBLIC);
    this.privateSubnets = tierSubnets(SubnetTier.PRIVATE);
    this.isolatedSubnets = tierSubnets(SubnetTier.ISOLATED);
    this.publicSubnetIds = this.publicSubnets.map((s) => s.subnetId);
    this.privateSubnetIds = this.privateSubnets.map((s) => s.subnetId);
    this.isolatedSubnetIds = this.isolatedSubnets.map((s) => s.subnetId);

    if (plan.s3GatewayEndpoint) {
      this.s3Endpoint = this.vpc.addGatewayEndpoint('S3Endpoint', {
        service: ec2.GatewayVpcEndpointAwsService.S3,
        subnets: [{ subnets: [...this.publicSubnets, ...this.privateSubnets, ...this.isolatedSubnets] }],
      });
    }

    if (plan.restrictDefaultSecurityGroup) {
      // aws-cdk-lib strips the default SG's rules with a stack-wide custom-resource Lambda.
      const provider = Stack.of(this).node.tryFindChild('Custom::VpcRestrictDefaultSGCustomResourceProvider');
      if (provider) {
        Validations.of(provider).acknowledge({
          id: 'cdk-validator-cfnguard::lambda_inside_vpc_check',
          reason: 'aws-cdk-lib\'s default-security-group custom resource only calls the EC2 API while the VPC is being created; it needs no VPC attachment.',
        });
      }
    }

    if (plan.flowLogs) {
      const removalPolicy = plan.flowLogs.retainOnDelete ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
      this.flowLogKey = plan.flowLogs.kmsKeyArn
        ? kms.Key.fromKeyArn(this, 'FlowLogKeyImported', plan.flowLogs.kmsKeyArn)
        : this.createFlowLogKey(plan.flowLogs.keyDeletionWindowDays, removalPolicy);
      this.flowLogGroup = new logs.LogGroup(this, 'FlowLogGroup', {
        retention: plan.flowLogs.retentionDays as logs.RetentionDays,
        encryptionKey: this.flowLogKey,
        removalPolicy,
      });
      if (plan.flowLogs.retentionDays < ONE_YEAR_DAYS) {
        Validations.of(this.flowLogGroup).acknowledge({
          id: 'cdk-validator-cfnguard::cloudwatch_log_group_retention_period_check',
          reason: `flowLogs.retentionDays is ${plan.flowLogs.retentionDays} (${plan.profile} profile or explicit choice); PRODUCTION keeps flow logs ${ONE_YEAR_DAYS} days.`,
        });
      }
      this.flowLog = new ec2.FlowLog(this, 'FlowLog', {
        resourceType: ec2.FlowLogResourceType.fromVpc(this.vpc),
        destination: ec2.FlowLogDestination.toCloudWatchLogs(this.flowLogGroup),
        trafficType: plan.flowLogs.trafficType as string as ec2.FlowLogTrafficType,
      });
      // The role aws-cdk-lib creates for the flow log trusts the service for any account's flow
      // logs; the planned trust policy admits only this account's (confused-deputy protection).
      const flowLogRole = this.flowLog.node.tryFindChild('IAMRole') as iam.Role;
      (flowLogRole.node.defaultChild as iam.CfnRole).addPropertyOverride('AssumeRolePolicyDocument',
        policyDocumentJson([serviceTrustStatement(VPC_FLOW_LOGS, CDK_ENVIRONMENT)]));
      // A flow log created before its role may write starts in a delivery error: wait for the role's
      // policy too (aws-cdk-lib orders the flow log after the role only).
      // (The role is a child of the FlowLog construct: only its CfnFlowLog may depend on the policy.)
      this.flowLog.node.defaultChild!.node.addDependency(flowLogRole.node.findChild('DefaultPolicy'));
    } else {
      Validations.of(this.vpc).acknowledge({
        id: 'AwsSolutions::AwsSolutions-VPC7',
        reason: 'Flow logs were switched off explicitly with flowLogs.enabled = false.',
      });
    }
  }

  /** A rotating customer-managed key the CloudWatch Logs service may use for this account's log groups. */
  private createFlowLogKey(pendingWindowDays: number, removalPolicy: RemovalPolicy): kms.Key {
    return platformKey(this, 'FlowLogKey', `Encrypts the VPC flow logs of ${this.node.path}`, pendingWindowDays, removalPolicy,
      [allowCloudWatchLogs(CDK_ENVIRONMENT), DENY_GRANTS_EXCEPT_FOR_AWS_SERVICES]);
  }

  /**
   * The AWS services with an interface endpoint in this VPC (e.g. `ecr.api`,
   * `logs`), wherever in the app they were added.
   * @internal
   */
  public get _interfaceEndpointServices(): string[] {
    return this.node.root.node.findAll()
      .filter((c): c is ec2.CfnVPCEndpoint => c instanceof ec2.CfnVPCEndpoint && c.vpcId === this.vpcId && c.vpcEndpointType === 'Interface')
      .map((endpoint) => interfaceEndpointService(endpoint.serviceName))
      .filter((service): service is string => service !== undefined);
  }
}

/**
 * Hands aws-cdk-lib's Vpc the subnet CIDRs from the engine-neutral plan, so
 * CDK and CDKTF lay out exactly the same subnets.
 */
class PlannedIpAddresses implements ec2.IIpAddresses {
  constructor(private readonly plan: NetworkPlan) {}

  public allocateVpcCidr(): ec2.VpcIpamOptions {
    return { cidrBlock: this.plan.cidr };
  }

  public allocateSubnetsCidr(input: ec2.AllocateCidrRequest): ec2.SubnetIpamOptions {
    const tierByGroup = Object.fromEntries(Object.entries(TIER_NAME).map(([tier, name]) => [name, tier]));
    const seen: Record<string, number> = {};
    const allocatedSubnets = input.requestedSubnets.map((requested) => {
      // Requests arrive group by group, AZ by AZ (in availabilityZones order).
      const tier = tierByGroup[requested.configuration.name] as SubnetTier;
      const azIndex = seen[tier] ?? 0;
      seen[tier] = azIndex + 1;
      const subnet = this.plan.subnets.find((s) => s.tier === tier && s.azIndex === azIndex);
      if (!subnet) throw new Error(`PlatformNetwork: no planned subnet for ${requested.subnetConstructId}`);
      return { cidr: subnet.cidr };
    });
    return { allocatedSubnets };
  }
}
