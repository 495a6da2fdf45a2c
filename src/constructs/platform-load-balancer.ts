import { ENVIRONMENT_PROFILES, EnvironmentProfile, profileDefaults } from './environment-profile';
import { cidrProblem, parseIpv4Cidr, SOURCE_RESERVED_RANGES } from './ipv4';
import { S } from './prop-schema';
import { PropsValidator, ValidationContext } from './validation';

/** A DNS name for the load balancer: an ACM certificate validated through Route 53, and an alias record. */
export interface LoadBalancerDomain {
  /** The name, e.g. `app.example.com`. */
  readonly domainName: string;
  /** The Route 53 hosted zone that holds it. */
  readonly hostedZoneId: string;
}

/** Engine-neutral options of PlatformLoadBalancer, shared by the CDK and CDKTF constructs. */
export interface PlatformLoadBalancerOptions {
  /**
   * ARN of an ACM certificate: the load balancer listens on HTTPS 443 and
   * redirects HTTP 80 to it.
   * @default - none: plain HTTP on 80, unless `domain` is given
   */
  readonly certificateArn?: string;
  /**
   * Create an ACM certificate (DNS-validated in Route 53) and an alias record.
   * @default - none
   */
  readonly domain?: LoadBalancerDomain;
  /**
   * An internal load balancer: in the network's private subnets, with no
   * public address, reachable only from inside the VPC (and networks joined to it).
   * @default false - internet-facing, in the public subnets
   */
  readonly internal?: boolean;
  /**
   * Who may reach the listeners (IPv4 CIDRs), at most 30 (security-group rules
   * are counted per listener port, and a group holds 60 inbound rules).
   * @default - internet-facing: ['0.0.0.0/0'], anyone, on the listener ports only;
   *            internal: the network's CIDR
   */
  readonly allowedCidrs?: string[];
  /**
   * Seconds an idle connection stays open, 1 to 4000.
   * @default 60
   */
  readonly idleTimeoutSeconds?: number;
  /**
   * Refuse to delete the load balancer through the API.
   * @default - true in PRODUCTION, false in DEVELOPMENT
   */
  readonly deletionProtection?: boolean;
  /**
   * Days to keep access logs in their S3 bucket.
   * @default - 30 in DEVELOPMENT, 365 in PRODUCTION
   */
  readonly accessLogRetentionDays?: number;
  /**
   * Cost-versus-resilience defaults.
   * @default - the network's profile
   */
  readonly profile?: EnvironmentProfile;
}

/** @internal the run-time shape of PlatformLoadBalancerOptions. */
export const LOAD_BALANCER_OPTIONS_SCHEMA = S.struct<PlatformLoadBalancerOptions>({
  certificateArn: S.string,
  domain: S.struct<LoadBalancerDomain>({ domainName: S.string, hostedZoneId: S.string }, ['domainName', 'hostedZoneId']),
  internal: S.boolean,
  allowedCidrs: S.strings,
  idleTimeoutSeconds: S.integer,
  deletionProtection: S.boolean,
  accessLogRetentionDays: S.integer,
  profile: S.enumOf('EnvironmentProfile', EnvironmentProfile),
});

/** @internal what both engines build for a PlatformLoadBalancer. */
export interface LoadBalancerPlan {
  readonly profile: EnvironmentProfile;
  /** In the private subnets, no public address. */
  readonly internal: boolean;
  readonly https: boolean;
  readonly certificateArn?: string;
  readonly domain?: LoadBalancerDomain;
  /** Listener ports opened in the security group, in order. */
  readonly listenerPorts: number[];
  readonly allowedCidrs: string[];
  readonly idleTimeoutSeconds: number;
  readonly deletionProtection: boolean;
  readonly dropInvalidHeaderFields: true;
  readonly accessLogRetentionDays: number;
  readonly retainOnDelete: boolean;
  /** TLS policy for HTTPS listeners (TLS 1.2+, with TLS 1.3). */
  readonly sslPolicy: string;
  /** Key prefix of the access logs in their bucket. */
  readonly accessLogPrefix: string;
  /** HTTP desync mitigation (AWS's recommended default). */
  readonly desyncMitigationMode: 'defensive';
  /** What the shared listener answers when no service rule matches. */
  readonly defaultResponse: { statusCode: '404'; contentType: 'text/plain'; body: string };
}

/** @internal */
export const LOAD_BALANCER_DEFAULTS = {
  idleTimeoutSeconds: 60,
  sslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
  allowedCidrs: ['0.0.0.0/0'],
  /** Inbound rules a security group holds (the default quota); each CIDR takes one per listener port. */
  inboundRulesPerSecurityGroup: 60,
  /** ACM: a certificate's (first) domain name is at most 64 characters. */
  maxCertificateDomainLength: 64,
} as const;

/** @internal validate PlatformLoadBalancer options and compute the plan. */
export function planLoadBalancer(
  options: PlatformLoadBalancerOptions,
  networkProfile: EnvironmentProfile,
  validation: PropsValidator | ValidationContext,
  networkCidr = '10.0.0.0/16',
): LoadBalancerPlan {
  const { v, o } = PropsValidator.begin(validation, LOAD_BALANCER_OPTIONS_SCHEMA, options);
  const profile = v.oneOf('profile', o.profile, ENVIRONMENT_PROFILES) ? o.profile! : networkProfile;
  const defaults = profileDefaults(profile);

  if (o.certificateArn !== undefined && o.domain !== undefined) {
    v.report('certificateArn', o.certificateArn, 'expected either certificateArn or domain, not both (domain creates its own certificate)');
  }
  if (o.certificateArn !== undefined && !v.isUnresolved(o.certificateArn)) {
    v.require(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/.+$/.test(o.certificateArn), 'certificateArn', o.certificateArn,
      'expected an ACM certificate ARN such as "arn:aws:acm:eu-west-1:111122223333:certificate/..."');
  }
  if (o.domain !== undefined) {
    const name = o.domain.domainName;
    if (name !== undefined && !v.isUnresolved(name)) {
      v.require(/^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i.test(name) && name.length <= LOAD_BALANCER_DEFAULTS.maxCertificateDomainLength,
        'domain.domainName', name,
        `expected a DNS name such as "app.example.com" of at most ${LOAD_BALANCER_DEFAULTS.maxCertificateDomainLength} characters (ACM's limit for a certificate's domain name; labels of at most 63)`);
    }
    const zone = o.domain.hostedZoneId;
    if (zone !== undefined && !v.isUnresolved(zone)) {
      v.require(/^Z[A-Z0-9]{4,31}$/.test(zone), 'domain.hostedZoneId', zone, 'expected a Route 53 hosted zone ID such as "Z0123456789ABCDEFGHIJ"');
    }
  }
  const internal = o.internal ?? false;
  const https = o.certificateArn !== undefined || o.domain !== undefined;
  const listenerPorts = https ? [80, 443] : [80];
  const allowedCidrs = o.allowedCidrs ?? (internal ? [networkCidr] : [...LOAD_BALANCER_DEFAULTS.allowedCidrs]);
  checkAllowedCidrs(v, allowedCidrs, Math.floor(LOAD_BALANCER_DEFAULTS.inboundRulesPerSecurityGroup / listenerPorts.length));
  const idleTimeoutSeconds = o.idleTimeoutSeconds ?? LOAD_BALANCER_DEFAULTS.idleTimeoutSeconds;
  v.integerInRange('idleTimeoutSeconds', idleTimeoutSeconds, 1, 4000);
  const accessLogRetentionDays = o.accessLogRetentionDays ?? defaults.auditLogRetentionDays;
  v.integerInRange('accessLogRetentionDays', accessLogRetentionDays, 1, 3653);
  v.throwIfInvalid();

  return {
    profile,
    internal,
    https,
    certificateArn: o.certificateArn,
    domain: o.domain,
    listenerPorts,
    allowedCidrs,
    idleTimeoutSeconds,
    deletionProtection: o.deletionProtection ?? profile === EnvironmentProfile.PRODUCTION,
    dropInvalidHeaderFields: true,
    accessLogRetentionDays,
    retainOnDelete: defaults.retainOnDelete,
    sslPolicy: LOAD_BALANCER_DEFAULTS.sslPolicy,
    accessLogPrefix: 'alb',
    desyncMitigationMode: 'defensive',
    defaultResponse: { statusCode: '404', contentType: 'text/plain', body: 'Not Found' },
  };
}

/** allowedCidrs: at least one, at most `most`, each a canonical IPv4 network clients can come from, none twice. */
function checkAllowedCidrs(v: PropsValidator, cidrs: readonly string[], most: number): void {
  v.require(cidrs.length > 0, 'allowedCidrs', cidrs, 'expected at least one IPv4 CIDR');
  v.require(cidrs.length <= most, 'allowedCidrs', cidrs,
    `expected at most ${most} CIDRs (each takes one inbound rule per listener port; a security group holds ${LOAD_BALANCER_DEFAULTS.inboundRulesPerSecurityGroup})`);
  const seen = new Set<string>();
  cidrs.forEach((cidr, i) => {
    if (v.isUnresolved(cidr)) return;
    const parsed = parseIpv4Cidr(cidr);
    if ('error' in parsed) {
      v.report(`allowedCidrs[${i}]`, cidr, parsed.error.replace('such as "10.0.0.0/16"', 'such as "203.0.113.0/24"'));
      return;
    }
    const reserved = cidrProblem(parsed, SOURCE_RESERVED_RANGES);
    if (reserved) v.report(`allowedCidrs[${i}]`, cidr, `expected a range clients can connect from; ${reserved}`);
    if (seen.has(cidr)) v.report(`allowedCidrs[${i}]`, cidr, 'expected each CIDR once (a repeated rule is refused by EC2)');
    seen.add(cidr);
  });
}

/**
 * @internal
 * One message per listener-rule priority used more than once on the listener
 * at `listenerPath` (ELB refuses the second rule at deploy time). Checked at
 * synth, so rules added after the services are caught too.
 */
export function duplicateRulePriorities(listenerPath: string, rules: ReadonlyArray<{ priority: number; path: string }>): string[] {
  const byPriority = new Map<number, string[]>();
  for (const rule of rules) byPriority.set(rule.priority, [...(byPriority.get(rule.priority) ?? []), rule.path]);
  return [...byPriority.entries()].filter(([, paths]) => paths.length > 1)
    .map(([priority, paths]) => `listener-rule priority ${priority} on ${listenerPath} is used by ${paths.length} rules (${paths.join(', ')}); each rule on a listener needs its own priority`);
}
