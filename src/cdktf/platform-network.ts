// Deep imports only: the @cdktf/provider-aws root barrel costs ~1.7 s and 550 MB.
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { DataAwsAvailabilityZones } from '@cdktf/provider-aws/lib/data-aws-availability-zones';
import { DataAwsVpcEndpointService } from '@cdktf/provider-aws/lib/data-aws-vpc-endpoint-service';
import { DefaultSecurityGroup } from '@cdktf/provider-aws/lib/default-security-group';
import { Eip } from '@cdktf/provider-aws/lib/eip';
import { FlowLog } from '@cdktf/provider-aws/lib/flow-log';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { InternetGateway } from '@cdktf/provider-aws/lib/internet-gateway';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { NatGateway } from '@cdktf/provider-aws/lib/nat-gateway';
import { Route } from '@cdktf/provider-aws/lib/route';
import { RouteTable } from '@cdktf/provider-aws/lib/route-table';
import { RouteTableAssociation } from '@cdktf/provider-aws/lib/route-table-association';
import { Subnet } from '@cdktf/provider-aws/lib/subnet';
import { Vpc } from '@cdktf/provider-aws/lib/vpc';
import { VpcEndpoint } from '@cdktf/provider-aws/lib/vpc-endpoint';
import { Fn, ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import {
  acknowledgeGuardRule,
  assumeRolePolicy,
  awsEnvironment,
  cdktfLiteralRegion,
  checkCdktfProps,
  logGroupNamePrefix,
  logStreamsArn,
  markCdktfConstruct,
  nameTag,
  policyDocument,
} from './engine';
import { EnvironmentProfile } from '../constructs/environment-profile';
import { PlatformNetworkOptions, planNetwork, NETWORK_OPTIONS_SCHEMA, SubnetTier, TIER_NAME, interfaceEndpointService } from '../constructs/platform-network';
import {
  allowAccountToAdministerKey,
  allowCloudWatchLogs,
  AwsEnvironment,
  DENY_GRANTS_EXCEPT_FOR_AWS_SERVICES,
  flowLogRoleStatements,
  VPC_FLOW_LOGS,
} from '../constructs/policies';

/** Props of the CDK for Terraform PlatformNetwork. */
export interface PlatformNetworkProps extends PlatformNetworkOptions {}

/**
 * A VPC over 2 to 6 AZs with public, private (egress through NAT) and
 * isolated (no internet route) subnets in each, NAT gateways by profile,
 * flow logs to CloudWatch Logs and an S3 gateway endpoint.
 *
 * The same plan as the AWS CDK PlatformNetwork, rendered as AWS provider resources.
 */
export class PlatformNetwork extends Construct {
  /** The VPC resource. */
  public readonly vpc: Vpc;
  /** The VPC ID. */
  public readonly vpcId: string;
  /** The VPC's IPv4 CIDR. */
  public readonly cidr: string;
  /** The internet gateway. */
  public readonly internetGateway: InternetGateway;
  /** Public subnets, one per AZ. */
  public readonly publicSubnets: Subnet[];
  /** Private subnets (egress through NAT when natGateways > 0), one per AZ. */
  public readonly privateSubnets: Subnet[];
  /** Isolated subnets (no internet route), one per AZ. */
  public readonly isolatedSubnets: Subnet[];
  /** IDs of the public subnets. */
  public readonly publicSubnetIds: string[];
  /** IDs of the private subnets. */
  public readonly privateSubnetIds: string[];
  /** IDs of the isolated subnets. */
  public readonly isolatedSubnetIds: string[];
  /** One route table per subnet, in the order public, private, isolated. */
  public readonly routeTables: RouteTable[];
  /** The public subnets' default routes to the internet gateway, one per AZ. */
  public readonly publicRoutes: Route[];
  /** The NAT gateways (gateway i in the public subnet of AZ i). */
  public readonly natGateways: NatGateway[];
  /** The AZs used, in order (deploy-time references unless `availabilityZones` was given). */
  public readonly availabilityZones: string[];
  /** The number of NAT gateways. */
  public readonly natGatewayCount: number;
  /** The profile the defaults were picked from. */
  public readonly profile: EnvironmentProfile;
  /** The flow log, when enabled. */
  public readonly flowLog?: FlowLog;
  /** The flow log's log group, when enabled. */
  public readonly flowLogGroup?: CloudwatchLogGroup;
  /** The KMS key created to encrypt the flow-log log group (not set when `flowLogs.kmsKeyArn` is given). */
  public readonly flowLogKey?: KmsKey;
  /** The role the flow log delivers with, when enabled. */
  public readonly flowLogRole?: IamRole;
  /** The S3 gateway endpoint, when enabled. */
  public readonly s3Endpoint?: VpcEndpoint;
  /** The VPC's default security group, stripped of all rules, when restricted. */
  public readonly defaultSecurityGroup?: DefaultSecurityGroup;

  /** The public route-table associations: with publicRoutes, what makes the public subnets public. */
  private readonly publicRouteTableAssociations: RouteTableAssociation[] = [];

  constructor(scope: Construct, id: string, props: PlatformNetworkProps = {}) {
    const { v, props: checked } = checkCdktfProps<PlatformNetworkProps>('PlatformNetwork', scope, id, props, NETWORK_OPTIONS_SCHEMA);
    const plan = planNetwork(checked, v, cdktfLiteralRegion(scope));
    super(scope, id);
    markCdktfConstruct(this, 'PlatformNetwork');
    this.profile = plan.profile;
    this.natGatewayCount = plan.natGateways;
    this.cidr = plan.cidr;

    if (plan.availabilityZones) {
      this.availabilityZones = plan.availabilityZones;
    } else {
      // Same set as CloudFormation's Fn::GetAZs: default AZs, no local/wavelength zones. No
      // `state` filter: an AZ turning `impaired` for an hour must not shift the list and
      // propose re-homing subnets, NAT gateways and routes. (Pin AZs in production.)
      const azs = new DataAwsAvailabilityZones(this, 'AvailabilityZones', {
        filter: [{ name: 'opt-in-status', values: ['opt-in-not-required'] }],
      });
      this.availabilityZones = Array.from({ length: plan.azCount }, (_, i) => Fn.element(azs.names, i));
    }

    this.vpc = new Vpc(this, 'Vpc', {
      cidrBlock: plan.cidr,
      enableDnsHostnames: true,
      enableDnsSupport: true,
      tags: nameTag(this),
    });
    this.vpcId = this.vpc.id;

    if (plan.restrictDefaultSecurityGroup) {
      // Managing the default SG with no rules removes AWS's allow-all rules.
      this.defaultSecurityGroup = new DefaultSecurityGroup(this, 'DefaultSecurityGroup', {
        vpcId: this.vpc.id,
        tags: nameTag(this, { Name: `${this.node.path}/default (restricted)` }),
      });
    } else {
      acknowledgeGuardRule(this.vpc, 'TF_VPC_DEFAULT_SG_RESTRICTED',
        'The default security group was left unrestricted on purpose (restrictDefaultSecurityGroup = false).');
    }
    if (!plan.flowLogs) {
      acknowledgeGuardRule(this.vpc, 'TF_VPC_FLOW_LOGS', 'Flow logs were switched off explicitly with flowLogs.enabled = false.');
    }

    this.internetGateway = new InternetGateway(this, 'InternetGateway', {
      vpcId: this.vpc.id,
      tags: nameTag(this),
    });

    const subnetsOf: Record<SubnetTier, Subnet[]> = {
      [SubnetTier.PUBLIC]: [],
      [SubnetTier.PRIVATE]: [],
      [SubnetTier.ISOLATED]: [],
    };
    const routeTableOf: Record<SubnetTier, RouteTable[]> = {
      [SubnetTier.PUBLIC]: [],
      [SubnetTier.PRIVATE]: [],
      [SubnetTier.ISOLATED]: [],
    };
    for (const planned of plan.subnets) {
      const name = `${TIER_NAME[planned.tier]}Subnet${planned.azIndex + 1}`;
      const subnet = new Subnet(this, name, {
        vpcId: this.vpc.id,
        cidrBlock: planned.cidr,
        availabilityZone: this.availabilityZones[planned.azIndex],
        mapPublicIpOnLaunch: false,
        tags: { 'Name': `${this.node.path}/${name}`, 'platform:subnet-tier': planned.tier },
      });
      const routeTable = new RouteTable(this, `${name}RouteTable`, {
        vpcId: this.vpc.id,
        tags: { Name: `${this.node.path}/${name}` },
      });
      const association = new RouteTableAssociation(this, `${name}RouteTableAssociation`, {
        subnetId: subnet.id,
        routeTableId: routeTable.id,
      });
      if (planned.tier === SubnetTier.PUBLIC) this.publicRouteTableAssociations.push(association);
      subnetsOf[planned.tier].push(subnet);
      routeTableOf[planned.tier].push(routeTable);
    }

    this.publicSubnets = subnetsOf[SubnetTier.PUBLIC];
    this.privateSubnets = subnetsOf[SubnetTier.PRIVATE];
    this.isolatedSubnets = subnetsOf[SubnetTier.ISOLATED];
    this.publicSubnetIds = this.publicSubnets.map((s) => s.id);
    this.privateSubnetIds = this.privateSubnets.map((s) => s.id);
    this.isolatedSubnetIds = this.isolatedSubnets.map((s) => s.id);
    this.routeTables = [
      ...routeTableOf[SubnetTier.PUBLIC],
      ...routeTableOf[SubnetTier.PRIVATE],
      ...routeTableOf[SubnetTier.ISOLATED],
    ];

    this.publicRoutes = routeTableOf[SubnetTier.PUBLIC].map((routeTable, i) => new Route(this, `PublicSubnet${i + 1}DefaultRoute`, {
      routeTableId: routeTable.id,
      destinationCidrBlock: '0.0.0.0/0',
      gatewayId: this.internetGateway.id,
    }));

    this.natGateways = Array.from({ length: plan.natGateways }, (_, i) => {
      const eip = new Eip(this, `PublicSubnet${i + 1}EIP`, { domain: 'vpc', tags: nameTag(this) });
      return new NatGateway(this, `PublicSubnet${i + 1}NATGateway`, {
        allocationId: eip.allocationId,
        subnetId: this.publicSubnets[i].id,
        tags: { Name: `${this.node.path}/PublicSubnet${i + 1}` },
        dependsOn: [this.internetGateway],
      });
    });
    plan.subnets
      .filter((s) => s.tier === SubnetTier.PRIVATE && s.natGatewayIndex !== undefined)
      .forEach((s) => {
        new Route(this, `PrivateSubnet${s.azIndex + 1}DefaultRoute`, {
          routeTableId: routeTableOf[SubnetTier.PRIVATE][s.azIndex].id,
          destinationCidrBlock: '0.0.0.0/0',
          natGatewayId: this.natGateways[s.natGatewayIndex!].id,
        });
      });

    if (plan.s3GatewayEndpoint) {
      const s3 = new DataAwsVpcEndpointService(this, 'S3EndpointService', { service: 's3', serviceType: 'Gateway' });
      this.s3Endpoint = new VpcEndpoint(this, 'S3Endpoint', {
        vpcId: this.vpc.id,
        serviceName: s3.serviceName,
        vpcEndpointType: 'Gateway',
        routeTableIds: this.routeTables.map((rt) => rt.id),
        tags: nameTag(this),
      });
    }

    if (plan.flowLogs) {
      const env = awsEnvironment(this, 'FlowLog');
      if (!plan.flowLogs.kmsKeyArn) {
        this.flowLogKey = this.createFlowLogKey(plan.flowLogs.keyDeletionWindowDays, plan.flowLogs.retainOnDelete, env);
      }
      this.flowLogGroup = new CloudwatchLogGroup(this, 'FlowLogGroup', {
        namePrefix: logGroupNamePrefix(this, 'flow-logs'),
        retentionInDays: plan.flowLogs.retentionDays,
        kmsKeyId: plan.flowLogs.kmsKeyArn ?? this.flowLogKey!.arn,
        // skip_destroy is Terraform's RemovalPolicy.RETAIN: removed from state, kept in AWS.
        skipDestroy: plan.flowLogs.retainOnDelete,
        tags: nameTag(this),
      });
      this.flowLogRole = new IamRole(this, 'FlowLogRole', {
        assumeRolePolicy: assumeRolePolicy(VPC_FLOW_LOGS, env),
        tags: nameTag(this),
      });
      const flowLogRolePolicy = new IamRolePolicy(this, 'FlowLogRolePolicy', {
        role: this.flowLogRole.id,
        // The grants aws-cdk-lib's FlowLog gives its role, on the log streams.
        policy: policyDocument(flowLogRoleStatements(logStreamsArn(this.flowLogGroup.arn))),
      });
      this.flowLog = new FlowLog(this, 'FlowLog', {
        vpcId: this.vpc.id,
        trafficType: plan.flowLogs.trafficType,
        logDestinationType: 'cloud-watch-logs',
        logDestination: this.flowLogGroup.arn,
        iamRoleArn: this.flowLogRole.arn,
        tags: nameTag(this),
        // EC2 checks the role can deliver when the flow log is created.
        dependsOn: [flowLogRolePolicy],
      });
    }
  }

  /**
   * @internal
   * What an internet-facing resource in the public subnets must be created
   * after: the internet gateway, the public default routes and their route
   * tables' associations (what aws-cdk-lib calls internetConnectivityEstablished).
   */
  public get _internetConnectivity(): Array<ITerraformDependable & Construct> {
    return [this.internetGateway, ...this.publicRoutes, ...this.publicRouteTableAssociations];
  }

  /**
   * A rotating customer-managed key the CloudWatch Logs service may use for
   * this account's log groups. Retained keys are guarded by prevent_destroy:
   * Terraform has no "skip destroy" for KMS keys, and losing the key loses the logs.
   */
  private createFlowLogKey(deletionWindowDays: number, retain: boolean, env: AwsEnvironment): KmsKey {
    return new KmsKey(this, 'FlowLogKey', {
      description: `Encrypts the VPC flow logs of ${this.node.path}`,
      enableKeyRotation: true,
      deletionWindowInDays: deletionWindowDays,
      policy: policyDocument([allowAccountToAdministerKey(env), allowCloudWatchLogs(env), DENY_GRANTS_EXCEPT_FOR_AWS_SERVICES]),
      lifecycle: retain ? { preventDestroy: true } : undefined,
      tags: nameTag(this),
    });
  }

  /**
   * @internal
   * The AWS services with an interface endpoint in this VPC (e.g. `ecr.api`,
   * `logs`), wherever in the app they were added.
   */
  public get _interfaceEndpointServices(): string[] {
    return this.node.root.node.findAll()
      .filter((c): c is VpcEndpoint => c instanceof VpcEndpoint && c.vpcIdInput === this.vpcId && c.vpcEndpointTypeInput === 'Interface')
      .map((endpoint) => interfaceEndpointService(endpoint.serviceNameInput))
      .filter((service): service is string => service !== undefined);
  }
}
