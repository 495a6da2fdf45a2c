/**
 * Reads CloudFormation templates and Terraform JSON into one normalised form,
 * so a parity test can say "same behaviour" with a single toEqual.
 *
 * Normalise behaviour, not spelling: a subnet's tier comes from where its
 * default route goes (internet gateway, NAT, nowhere), AZs become "az#<index>"
 * when looked up at deploy time, and references become the CIDR they point at.
 */
import { graphOf, keyPolicyGrants, roleGrants } from './parity-platform';
import { TfJson, tfRef, tfResources } from './terraform';

export interface NormalisedSubnet {
  readonly cidr: string;
  readonly az: string;
  /** 'igw', 'nat@<cidr of the public subnet holding the NAT>' or 'none'. */
  readonly defaultRoute: string;
  readonly mapPublicIpOnLaunch: boolean;
  readonly s3Endpoint: boolean;
}

export interface NormalisedNetwork {
  readonly vpcCidr: string;
  readonly dns: { hostnames: boolean; support: boolean };
  readonly subnets: NormalisedSubnet[];
  readonly natGateways: number;
  readonly flowLog?: { traffic: string; retentionDays: number; encrypted: boolean; retained: boolean };
  /** The flow-log role's trust and grants, and the flow-log key's policy, as deployed (sorted grants). */
  readonly flowLogIam?: { trust: string[]; grants: string[]; keyPolicy?: string[] };
  readonly defaultSecurityGroupRestricted: boolean;
}

type CfnTemplate = { Resources: Record<string, { Type: string; Properties?: any; DeletionPolicy?: string }> };

function byCidr(a: NormalisedSubnet, b: NormalisedSubnet): number {
  return a.cidr.localeCompare(b.cidr, 'en', { numeric: true });
}

// --------------------------------------------------------------------------
// CloudFormation
// --------------------------------------------------------------------------

function cfnRef(value: any): string | undefined {
  if (value && typeof value === 'object') {
    if (typeof value.Ref === 'string') return value.Ref;
    if (Array.isArray(value['Fn::GetAtt'])) return value['Fn::GetAtt'][0];
  }
  return undefined;
}

function cfnAz(value: any): string {
  if (typeof value === 'string') return value;
  const select = value?.['Fn::Select'];
  if (Array.isArray(select) && select[1]?.['Fn::GetAZs'] !== undefined) return `az#${select[0]}`;
  return JSON.stringify(value);
}

export function normaliseCfnNetwork(template: CfnTemplate): NormalisedNetwork {
  const res = template.Resources;
  const ofType = (type: string) => Object.entries(res).filter(([, r]) => r.Type === type);

  const vpcs = ofType('AWS::EC2::VPC');
  if (vpcs.length !== 1) throw new Error(`expected one VPC, found ${vpcs.length}`);
  const vpc = vpcs[0][1].Properties;

  const subnetCidr: Record<string, string> = Object.fromEntries(
    ofType('AWS::EC2::Subnet').map(([id, r]) => [id, r.Properties.CidrBlock]),
  );
  const natSubnetCidr: Record<string, string> = Object.fromEntries(
    ofType('AWS::EC2::NatGateway').map(([id, r]) => [id, subnetCidr[cfnRef(r.Properties.SubnetId)!]]),
  );
  const igws = new Set(ofType('AWS::EC2::InternetGateway').map(([id]) => id));

  const defaultRouteOfTable: Record<string, string> = {};
  for (const [, r] of ofType('AWS::EC2::Route')) {
    if (r.Properties.DestinationCidrBlock !== '0.0.0.0/0') continue;
    const table = cfnRef(r.Properties.RouteTableId)!;
    const gw = cfnRef(r.Properties.GatewayId);
    const nat = cfnRef(r.Properties.NatGatewayId);
    defaultRouteOfTable[table] = gw && igws.has(gw) ? 'igw' : nat ? `nat@${natSubnetCidr[nat]}` : 'other';
  }
  const tableOfSubnet: Record<string, string> = {};
  for (const [, r] of ofType('AWS::EC2::SubnetRouteTableAssociation')) {
    tableOfSubnet[cfnRef(r.Properties.SubnetId)!] = cfnRef(r.Properties.RouteTableId)!;
  }
  const s3Tables = new Set<string>();
  for (const [, r] of ofType('AWS::EC2::VPCEndpoint')) {
    if (!JSON.stringify(r.Properties.ServiceName).includes('.s3')) continue;
    for (const t of r.Properties.RouteTableIds ?? []) s3Tables.add(cfnRef(t)!);
  }

  const subnets = ofType('AWS::EC2::Subnet').map(([id, r]) => ({
    cidr: r.Properties.CidrBlock,
    az: cfnAz(r.Properties.AvailabilityZone),
    defaultRoute: defaultRouteOfTable[tableOfSubnet[id]] ?? 'none',
    mapPublicIpOnLaunch: r.Properties.MapPublicIpOnLaunch === true,
    s3Endpoint: s3Tables.has(tableOfSubnet[id]),
  }));

  const flowLogs = ofType('AWS::EC2::FlowLog');
  let flowLog: NormalisedNetwork['flowLog'];
  if (flowLogs.length > 0) {
    const fl = flowLogs[0][1].Properties;
    const group = res[cfnRef(fl.LogGroupName)!];
    flowLog = {
      traffic: fl.TrafficType,
      retentionDays: group.Properties.RetentionInDays,
      encrypted: group.Properties.KmsKeyId !== undefined,
      retained: group.DeletionPolicy === 'Retain',
    };
  }

  return {
    flowLogIam: flowLogIamOf(template, 'cfn', flowLogs[0]?.[1].Properties.DeliverLogsPermissionArn, flowLogs.length > 0 ? res[cfnRef(flowLogs[0][1].Properties.LogGroupName)!].Properties.KmsKeyId : undefined),
    vpcCidr: vpc.CidrBlock,
    dns: { hostnames: vpc.EnableDnsHostnames === true, support: vpc.EnableDnsSupport === true },
    subnets: subnets.sort(byCidr),
    natGateways: ofType('AWS::EC2::NatGateway').length,
    flowLog,
    defaultSecurityGroupRestricted: ofType('Custom::VpcRestrictDefaultSG').length === 1,
  };
}

// --------------------------------------------------------------------------
// Terraform
// --------------------------------------------------------------------------

function tfAz(value: unknown): string {
  const m = typeof value === 'string' ? /^\$\{element\(data\.aws_availability_zones\.[^.]+\.names, (\d+)\)\}$/.exec(value) : null;
  return m ? `az#${m[1]}` : String(value);
}

export function normaliseTfNetwork(json: TfJson): NormalisedNetwork {
  const vpcs = tfResources(json, 'aws_vpc');
  if (vpcs.length !== 1) throw new Error(`expected one aws_vpc, found ${vpcs.length}`);
  const vpc = vpcs[0][1];

  const subnetCidr: Record<string, string> = Object.fromEntries(
    tfResources(json, 'aws_subnet').map(([name, r]) => [`aws_subnet.${name}`, r.cidr_block]),
  );
  const natSubnetCidr: Record<string, string> = Object.fromEntries(
    tfResources(json, 'aws_nat_gateway').map(([name, r]) => [`aws_nat_gateway.${name}`, subnetCidr[tfRef(r.subnet_id)!]]),
  );

  const defaultRouteOfTable: Record<string, string> = {};
  for (const [, r] of tfResources(json, 'aws_route')) {
    if (r.destination_cidr_block !== '0.0.0.0/0') continue;
    const gw = tfRef(r.gateway_id);
    const nat = tfRef(r.nat_gateway_id);
    defaultRouteOfTable[tfRef(r.route_table_id)!] =
      gw?.startsWith('aws_internet_gateway.') ? 'igw' : nat ? `nat@${natSubnetCidr[nat]}` : 'other';
  }
  const tableOfSubnet: Record<string, string> = {};
  for (const [, r] of tfResources(json, 'aws_route_table_association')) {
    tableOfSubnet[tfRef(r.subnet_id)!] = tfRef(r.route_table_id)!;
  }
  const s3Tables = new Set<string>();
  for (const [, r] of tfResources(json, 'aws_vpc_endpoint')) {
    if (r.vpc_endpoint_type !== 'Gateway') continue;
    const service = tfRef(r.service_name);
    const serviceIsS3 = service
      ? json.data?.aws_vpc_endpoint_service?.[service.split('.')[2]]?.service === 's3'
      : String(r.service_name).endsWith('.s3');
    if (!serviceIsS3) continue;
    for (const t of r.route_table_ids ?? []) s3Tables.add(tfRef(t)!);
  }

  const subnets = tfResources(json, 'aws_subnet').map(([name, r]) => {
    const table = tableOfSubnet[`aws_subnet.${name}`];
    return {
      cidr: r.cidr_block,
      az: tfAz(r.availability_zone),
      defaultRoute: defaultRouteOfTable[table] ?? 'none',
      mapPublicIpOnLaunch: r.map_public_ip_on_launch === true,
      s3Endpoint: s3Tables.has(table),
    };
  });

  const flowLogs = tfResources(json, 'aws_flow_log');
  let flowLog: NormalisedNetwork['flowLog'];
  if (flowLogs.length > 0) {
    const fl = flowLogs[0][1];
    const groupName = tfRef(fl.log_destination)!.split('.')[1];
    const group = json.resource.aws_cloudwatch_log_group[groupName];
    flowLog = {
      traffic: fl.traffic_type,
      retentionDays: group.retention_in_days,
      encrypted: group.kms_key_id !== undefined,
      retained: group.skip_destroy === true,
    };
  }

  const defaultSgs = tfResources(json, 'aws_default_security_group');
  const groupOfFlowLog = flowLogs.length > 0 ? json.resource.aws_cloudwatch_log_group[tfRef(flowLogs[0][1].log_destination)!.split('.')[1]] : undefined;
  return {
    flowLogIam: flowLogIamOf(json, 'tf', flowLogs[0]?.[1].iam_role_arn, groupOfFlowLog?.kms_key_id),
    vpcCidr: vpc.cidr_block,
    dns: { hostnames: vpc.enable_dns_hostnames === true, support: vpc.enable_dns_support === true },
    subnets: subnets.sort(byCidr),
    natGateways: tfResources(json, 'aws_nat_gateway').length,
    flowLog,
    defaultSecurityGroupRestricted:
      defaultSgs.length === 1 && !defaultSgs[0][1].ingress?.length && !defaultSgs[0][1].egress?.length,
  };
}

/** The flow log's role (trust, grants) and its log group's key policy, when the key is the network's own. */
function flowLogIamOf(output: any, engine: 'cfn' | 'tf', roleArn: unknown, keyArn: unknown): NormalisedNetwork['flowLogIam'] {
  if (roleArn === undefined) return undefined;
  const g = graphOf(output, engine);
  const keyId = g.ref(keyArn);
  return { ...roleGrants(g, g.ref(roleArn)!, engine), ...(keyId ? { keyPolicy: keyPolicyGrants(g, keyId) } : {}) };
}
