import { ENVIRONMENT_PROFILES, EnvironmentProfile, profileDefaults } from './environment-profile';
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
   * Who may reach the listeners (IPv4 CIDRs).
   * @default ['0.0.0.0/0'] - internet-facing: anyone, on the listener ports only
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

/** @internal what both engines build for a PlatformLoadBalancer. */
export interface LoadBalancerPlan {
  readonly profile: EnvironmentProfile;
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
} as const;

const CIDR = /^(\d{1,3}\.){3}\d{1,3}\/(\d|[12]\d|3[0-2])$/;

/** @internal validate PlatformLoadBalancer options and compute the plan. */
export function planLoadBalancer(
  options: PlatformLoadBalancerOptions,
  networkProfile: EnvironmentProfile,
  context: ValidationContext,
): LoadBalancerPlan {
  const v = new PropsValidator(context);
  const o = options ?? {};
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
    if (!v.isUnresolved(o.domain.domainName)) {
      v.require(/^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i.test(o.domain.domainName ?? ''), 'domain.domainName',
        o.domain.domainName, 'expected a DNS name such as "app.example.com"');
    }
    if (!v.isUnresolved(o.domain.hostedZoneId)) {
      v.require(/^Z[A-Z0-9]{4,31}$/.test(o.domain.hostedZoneId ?? ''), 'domain.hostedZoneId', o.domain.hostedZoneId,
        'expected a Route 53 hosted zone ID such as "Z0123456789ABCDEFGHIJ"');
    }
  }
  const allowedCidrs = o.allowedCidrs ?? [...LOAD_BALANCER_DEFAULTS.allowedCidrs];
  v.require(Array.isArray(allowedCidrs) && allowedCidrs.length > 0, 'allowedCidrs', allowedCidrs, 'expected at least one IPv4 CIDR');
  for (const cidr of Array.isArray(allowedCidrs) ? allowedCidrs : []) {
    if (!v.isUnresolved(cidr)) v.require(CIDR.test(cidr), 'allowedCidrs', cidr, 'expected IPv4 CIDRs such as "203.0.113.0/24"');
  }
  const idleTimeoutSeconds = o.idleTimeoutSeconds ?? LOAD_BALANCER_DEFAULTS.idleTimeoutSeconds;
  v.integerInRange('idleTimeoutSeconds', idleTimeoutSeconds, 1, 4000);
  const accessLogRetentionDays = o.accessLogRetentionDays ?? defaults.auditLogRetentionDays;
  v.integerInRange('accessLogRetentionDays', accessLogRetentionDays, 1, 3653);
  v.throwIfInvalid();

  const https = o.certificateArn !== undefined || o.domain !== undefined;
  return {
    profile,
    https,
    certificateArn: o.certificateArn,
    domain: o.domain,
    listenerPorts: https ? [80, 443] : [80],
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
