import { ENVIRONMENT_PROFILES, EnvironmentProfile, profileDefaults } from './environment-profile';
import { cidrProblem, parseIpv4Cidr, subdivide, VPC_RESERVED_RANGES } from './ipv4';
import { S } from './prop-schema';
import { PropsValidator, ValidationContext } from './validation';

/** The three subnet tiers every PlatformNetwork lays out in each AZ. */
export enum SubnetTier {
  /** Route to an internet gateway; load balancers and NAT gateways live here. */
  PUBLIC = 'PUBLIC',
  /** Egress to the internet through a NAT gateway; services run here. */
  PRIVATE = 'PRIVATE',
  /** No route to or from the internet; databases live here. */
  ISOLATED = 'ISOLATED',
}

/** Which traffic the VPC flow log records. */
export enum FlowLogTraffic {
  /** Accepted and rejected traffic. */
  ALL = 'ALL',
  /** Accepted traffic only. */
  ACCEPT = 'ACCEPT',
  /** Rejected traffic only. */
  REJECT = 'REJECT',
}

/** VPC flow logs to CloudWatch Logs. */
export interface NetworkFlowLogOptions {
  /**
   * Record VPC flow logs.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Days to keep flow-log records. One of the values CloudWatch Logs accepts
   * (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827,
   * 2192, 2557, 2922, 3288, 3653).
   * @default - 30 in DEVELOPMENT, 365 in PRODUCTION
   */
  readonly retentionDays?: number;
  /**
   * Which traffic to record.
   * @default FlowLogTraffic.ALL
   */
  readonly trafficType?: FlowLogTraffic;
  /**
   * Keep the flow-log log group (and the KMS key created for it) when the
   * stack is deleted.
   * @default - true in PRODUCTION, false in DEVELOPMENT
   */
  readonly retainOnDelete?: boolean;
  /**
   * ARN of an existing KMS key to encrypt the flow-log log group with. Its key
   * policy must let `logs.<region>.<DNS suffix>` (e.g. `logs.eu-west-1.amazonaws.com`) use it.
   * @default - a customer-managed key with rotation is created for the flow logs
   */
  readonly kmsKeyArn?: string;
}

/** Engine-neutral options of PlatformNetwork, shared by the CDK and CDKTF constructs. */
export interface PlatformNetworkOptions {
  /**
   * The VPC's IPv4 CIDR, a prefix length from /16 to /24.
   *
   * The VPC is split into four equal tier blocks (public, private, isolated,
   * one spare); each block holds one subnet per AZ slot. Adding an AZ later
   * never moves an existing subnet.
   * @default '10.0.0.0/16'
   */
  readonly cidr?: string;
  /**
   * How many availability zones to spread over, 2 to 6.
   * @default 2
   */
  readonly maxAzs?: number;
  /**
   * The availability zones to use, in order; the first `maxAzs` are used.
   * @default - the region's available AZs, looked up at deploy time
   *            (CloudFormation `Fn::GetAZs`, Terraform `aws_availability_zones`)
   */
  readonly availabilityZones?: string[];
  /**
   * NAT gateways, 0 to `maxAzs`. 0 means the private tier has no internet egress.
   * Private subnets use the NAT gateway in their own AZ, or share one round-robin.
   * @default - 1 in DEVELOPMENT, one per AZ in PRODUCTION
   */
  readonly natGateways?: number;
  /**
   * Cost-versus-resilience defaults.
   * @default EnvironmentProfile.DEVELOPMENT
   */
  readonly profile?: EnvironmentProfile;
  /**
   * VPC flow logs to CloudWatch Logs.
   * @default - on, all traffic, retention by profile
   */
  readonly flowLogs?: NetworkFlowLogOptions;
  /**
   * Add a (free) S3 gateway endpoint to every route table, keeping S3 traffic
   * (ECR image layers among it) off the NAT gateways.
   * @default true
   */
  readonly s3GatewayEndpoint?: boolean;
  /**
   * Strip all rules from the VPC's default security group, so nothing can use
   * it by accident.
   * @default true
   */
  readonly restrictDefaultSecurityGroup?: boolean;
}

/** @internal the run-time shape of PlatformNetworkOptions. */
export const NETWORK_OPTIONS_SCHEMA = S.struct<PlatformNetworkOptions>({
  cidr: S.string,
  maxAzs: S.integer,
  availabilityZones: S.strings,
  natGateways: S.integer,
  profile: S.enumOf('EnvironmentProfile', EnvironmentProfile),
  flowLogs: S.struct<NetworkFlowLogOptions>({
    enabled: S.boolean,
    retentionDays: S.integer,
    trafficType: S.enumOf('FlowLogTraffic', FlowLogTraffic),
    retainOnDelete: S.boolean,
    kmsKeyArn: S.string,
  }),
  s3GatewayEndpoint: S.boolean,
  restrictDefaultSecurityGroup: S.boolean,
});

/** @internal one subnet of the plan. */
export interface SubnetPlan {
  readonly tier: SubnetTier;
  /** Index into the network's AZ list. */
  readonly azIndex: number;
  readonly cidr: string;
  /** Index of the NAT gateway a PRIVATE subnet routes through; undefined when none. */
  readonly natGatewayIndex?: number;
}

/** @internal what both engines build for a PlatformNetwork. */
export interface NetworkPlan {
  readonly profile: EnvironmentProfile;
  readonly cidr: string;
  readonly azCount: number;
  /** The given AZ names (first azCount), or undefined to look them up at deploy time. */
  readonly availabilityZones?: string[];
  readonly subnetPrefixLength: number;
  /** Tier-major (all PUBLIC, then PRIVATE, then ISOLATED), then by AZ. */
  readonly subnets: SubnetPlan[];
  /** Number of NAT gateways; gateway i sits in the PUBLIC subnet of AZ i. */
  readonly natGateways: number;
  readonly flowLogs?: {
    readonly retentionDays: number;
    readonly trafficType: FlowLogTraffic;
    readonly retainOnDelete: boolean;
    /** An existing key, or undefined to create one. */
    readonly kmsKeyArn?: string;
    /** Days a deleted created key waits before AWS destroys it. */
    readonly keyDeletionWindowDays: number;
  };
  readonly s3GatewayEndpoint: boolean;
  readonly restrictDefaultSecurityGroup: boolean;
}

/** @internal */
export const NETWORK_DEFAULTS = {
  cidr: '10.0.0.0/16',
  maxAzs: 2,
  minAzs: 2,
  maxMaxAzs: 6,
  minPrefix: 16,
  maxPrefix: 24,
  /** AWS's smallest subnet. */
  smallestSubnetPrefix: 28,
  /** AZ slots per tier block where the VPC is large enough (stable layout up to 8 AZs). */
  preferredSlotBits: 3,
} as const;

/** @internal the retention values CloudWatch Logs accepts. */
export const LOG_RETENTION_DAYS: readonly number[] = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

/** @internal what the flow-log delivery role may do on its log group (aws-cdk-lib's FlowLog grants). */
export const FLOW_LOG_DELIVERY_ACTIONS: readonly string[] = [
  'logs:CreateLogStream',
  'logs:PutLogEvents',
  'logs:DescribeLogStreams',
];

/** @internal retention below which Control Tower's CT.CLOUDWATCH.PR.2 objects. */
export const ONE_YEAR_DAYS = 365;

/**
 * @internal
 * Each tier's name in construct IDs and subnet group names; the words
 * aws-cdk-lib's Vpc uses, so both engines' IDs read alike.
 */
export const TIER_NAME: Readonly<Record<SubnetTier, string>> = {
  [SubnetTier.PUBLIC]: 'Public',
  [SubnetTier.PRIVATE]: 'Private',
  [SubnetTier.ISOLATED]: 'Isolated',
};

/** The order tiers take in the VPC's address space (quarter 3 is spare). */
const TIER_ORDER: readonly SubnetTier[] = [SubnetTier.PUBLIC, SubnetTier.PRIVATE, SubnetTier.ISOLATED];

/**
 * @internal
 * Validate PlatformNetwork options (all problems at once) and compute the plan.
 */
export function planNetwork(options: PlatformNetworkOptions, validation: PropsValidator | ValidationContext, deployRegion?: string): NetworkPlan {
  const { v, o } = PropsValidator.begin(validation, NETWORK_OPTIONS_SCHEMA, options);

  const profileOk = v.oneOf('profile', o.profile, ENVIRONMENT_PROFILES);
  const profile = profileOk ? o.profile! : EnvironmentProfile.DEVELOPMENT;
  const defaults = profileDefaults(profile);

  // cidr: the subnet plan is computed at synth time, so it must be a literal.
  const cidr = o.cidr ?? NETWORK_DEFAULTS.cidr;
  let prefix: number | undefined;
  let parsed: ReturnType<typeof parseIpv4Cidr> | undefined;
  if (v.isUnresolved(cidr)) {
    v.report('cidr', cidr, 'expected a literal IPv4 CIDR string (the subnet plan is computed at synth time)');
  } else {
    parsed = parseIpv4Cidr(cidr);
    const reserved = 'error' in parsed ? undefined : cidrProblem(parsed, VPC_RESERVED_RANGES);
    if ('error' in parsed) {
      v.report('cidr', cidr, parsed.error);
      parsed = undefined;
    } else if (reserved) {
      v.report('cidr', cidr, `expected a VPC range AWS allows (${reserved}); use a private range such as "10.0.0.0/16"`);
      parsed = undefined;
    } else if (parsed.prefixLength < NETWORK_DEFAULTS.minPrefix || parsed.prefixLength > NETWORK_DEFAULTS.maxPrefix) {
      v.report('cidr', cidr, `expected a prefix length from /${NETWORK_DEFAULTS.minPrefix} to /${NETWORK_DEFAULTS.maxPrefix}`);
      parsed = undefined;
    } else {
      prefix = parsed.prefixLength;
    }
  }

  const maxAzs = o.maxAzs ?? NETWORK_DEFAULTS.maxAzs;
  const maxAzsOk = !v.hasProblemAt('maxAzs') && v.integerInRange('maxAzs', maxAzs, NETWORK_DEFAULTS.minAzs, NETWORK_DEFAULTS.maxMaxAzs);
  if (v.isUnresolved(maxAzs)) v.report('maxAzs', maxAzs, 'expected a literal integer (subnets are planned at synth time)');
  const azCount = maxAzsOk ? maxAzs : NETWORK_DEFAULTS.maxAzs;

  let availabilityZones: string[] | undefined;
  if (o.availabilityZones !== undefined) {
    const azs = o.availabilityZones;
    if (!Array.isArray(azs) || v.isUnresolved(azs)) {
      v.report('availabilityZones', azs, 'expected a literal list of AZ names such as ["eu-west-1a", "eu-west-1b"]');
    } else {
      if (maxAzsOk) {
        v.require(azs.length >= azCount, 'availabilityZones', azs,
          `expected at least maxAzs (${azCount}) availability zones`);
      }
      const literal = azs.filter((az) => !v.isUnresolved(az));
      v.require(new Set(literal).size === literal.length, 'availabilityZones', azs, 'expected no AZ listed twice');
      const regions = new Set<string>();
      literal.forEach((az, i) => {
        const region = regionOfAvailabilityZone(az);
        if (region === undefined) {
          v.report(`availabilityZones[${i}]`, az, 'expected an availability zone name such as "eu-west-1a" (a name, not a zone ID such as "euw1-az1")');
        } else {
          regions.add(region);
          if (deployRegion !== undefined && region !== deployRegion) {
            v.report(`availabilityZones[${i}]`, az, `expected an availability zone of the stack's region ${deployRegion}`);
          }
        }
      });
      // (With the stack's region known, each AZ of another region is reported on its own.)
      if (regions.size > 1 && deployRegion === undefined) {
        v.report('availabilityZones', azs, `expected availability zones of one region; got zones of ${[...regions].join(', ')}`);
      }
      availabilityZones = azs.slice(0, azCount);
    }
  }

  const natGateways = o.natGateways ?? (defaults.natGatewayPerAz ? azCount : 1);
  if (v.isUnresolved(natGateways)) {
    v.report('natGateways', natGateways, 'expected a literal integer (routes are planned at synth time)');
  } else {
    // Against the AZ count only when maxAzs itself is valid (a wrong maxAzs is reported on its own).
    const most = maxAzsOk ? azCount : NETWORK_DEFAULTS.maxMaxAzs;
    v.require(natGateways >= 0 && natGateways <= most, 'natGateways', natGateways,
      maxAzsOk ? `expected an integer from 0 to maxAzs (${azCount})` : `expected an integer from 0 to ${most}`);
  }

  // Four tier blocks; each holds 2^slotBits AZ slots, but no subnet smaller than /28.
  let slotBits = NETWORK_DEFAULTS.preferredSlotBits as number;
  if (prefix !== undefined) {
    slotBits = Math.min(slotBits, NETWORK_DEFAULTS.smallestSubnetPrefix - 2 - prefix);
    if (maxAzsOk && 2 ** slotBits < azCount) {
      v.report('maxAzs', maxAzs,
        `a ${cidr} VPC holds /${NETWORK_DEFAULTS.smallestSubnetPrefix} subnets for at most ${2 ** slotBits} AZs; ` +
        'use a larger cidr (smaller prefix length) or fewer AZs');
    }
  }

  const flowLogsEnabled = o.flowLogs?.enabled ?? true;
  const retentionDays = o.flowLogs?.retentionDays ?? defaults.auditLogRetentionDays;
  if (flowLogsEnabled && !v.isUnresolved(retentionDays)) {
    v.require(LOG_RETENTION_DAYS.includes(retentionDays), 'flowLogs.retentionDays', retentionDays,
      `expected one of ${LOG_RETENTION_DAYS.join(', ')}`);
  }
  const kmsKeyArn = o.flowLogs?.kmsKeyArn;
  if (kmsKeyArn !== undefined && !v.isUnresolved(kmsKeyArn)) {
    v.require(typeof kmsKeyArn === 'string' && /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/.+$/.test(kmsKeyArn),
      'flowLogs.kmsKeyArn', kmsKeyArn, 'expected a KMS key ARN such as "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-..."');
  }
  const trafficType = o.flowLogs?.trafficType ?? FlowLogTraffic.ALL;
  v.oneOf('flowLogs.trafficType', trafficType, Object.values(FlowLogTraffic));

  v.throwIfInvalid();

  const subnetPrefixLength = prefix! + 2 + slotBits;
  const vpc = parsed as { network: number; prefixLength: number };
  const subnets: SubnetPlan[] = [];
  TIER_ORDER.forEach((tier, tierIndex) => {
    for (let azIndex = 0; azIndex < azCount; azIndex++) {
      subnets.push({
        tier,
        azIndex,
        cidr: subdivide(vpc, subnetPrefixLength, tierIndex * 2 ** slotBits + azIndex),
        natGatewayIndex: tier === SubnetTier.PRIVATE ? natGatewayFor(azIndex, natGateways) : undefined,
      });
    }
  });

  return {
    profile,
    cidr,
    azCount,
    availabilityZones,
    subnetPrefixLength,
    subnets,
    natGateways,
    flowLogs: flowLogsEnabled
      ? {
        retentionDays,
        trafficType,
        retainOnDelete: o.flowLogs?.retainOnDelete ?? defaults.retainOnDelete,
        kmsKeyArn: o.flowLogs?.kmsKeyArn,
        keyDeletionWindowDays: defaults.keyDeletionWindowDays,
      }
      : undefined,
    s3GatewayEndpoint: o.s3GatewayEndpoint ?? true,
    restrictDefaultSecurityGroup: o.restrictDefaultSecurityGroup ?? true,
  };
}

/**
 * @internal
 * The region an availability zone name belongs to (`eu-west-1a` -> `eu-west-1`,
 * Local Zone `us-west-2-lax-1a` -> `us-west-2`), or undefined when it is not an AZ name.
 */
export function regionOfAvailabilityZone(name: string): string | undefined {
  return /^([a-z]{2}(?:-[a-z]+)+-\d+)(?:-[a-z]+-\d+)?[a-z]$/.exec(name)?.[1];
}

/**
 * The NAT gateway a private subnet in `azIndex` routes through: its own AZ's
 * when there is one, otherwise round-robin over the gateways (as aws-cdk-lib's
 * Vpc does, so both engines route alike).
 */
function natGatewayFor(azIndex: number, natGateways: number): number | undefined {
  if (natGateways === 0) return undefined;
  return azIndex < natGateways ? azIndex : (azIndex - natGateways) % natGateways;
}

/**
 * @internal
 * The AWS service an interface endpoint's service name points at
 * (`com.amazonaws.eu-west-1.ecr.dkr` -> `ecr.dkr`), read from its literal tail
 * so a deploy-time region in the middle does not matter.
 */
export function interfaceEndpointService(serviceName: string | undefined): string | undefined {
  if (serviceName === undefined) return undefined;
  // aws-cdk-lib builds `${prefix}.${region}.ecr.api${suffix}` from tokens: judge the literal text between them.
  const literal = serviceName.replace(/\$\{Token\[[^\]]*\]\}/g, '');
  return /(?:^|\.)(ecr\.api|ecr\.dkr|logs|secretsmanager|ssm|s3|sts|kms)$/.exec(literal)?.[1];
}
