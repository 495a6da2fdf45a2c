/**
 * The switch that picks cost-versus-resilience defaults across every construct
 * in this library. Every default it picks can still be overridden prop by prop.
 */
export enum EnvironmentProfile {
  /**
   * Cheap and disposable: one NAT gateway, short log retention, resources
   * destroyed with the stack, Fargate Spot where it fits.
   */
  DEVELOPMENT = 'DEVELOPMENT',
  /**
   * Resilient and retained: one NAT gateway per AZ, long log retention,
   * stateful resources retained on stack deletion, deletion protection on.
   */
  PRODUCTION = 'PRODUCTION',
}

/** @internal values a profile chooses, read by the per-construct planners. */
export interface ProfileDefaults {
  /** Keep stateful resources (log groups, databases, buckets) when the stack is deleted. */
  readonly retainOnDelete: boolean;
  /** CloudWatch Logs retention for audit-type logs (flow logs, access logs). */
  readonly auditLogRetentionDays: number;
  /** One NAT gateway per AZ (true) or a single shared one (false). */
  readonly natGatewayPerAz: boolean;
  /** Days a deleted KMS key created by the library waits before AWS destroys it (7 to 30). */
  readonly keyDeletionWindowDays: number;
}

/** @internal */
export function profileDefaults(profile: EnvironmentProfile): ProfileDefaults {
  switch (profile) {
    case EnvironmentProfile.PRODUCTION:
      return { retainOnDelete: true, auditLogRetentionDays: 365, natGatewayPerAz: true, keyDeletionWindowDays: 30 };
    case EnvironmentProfile.DEVELOPMENT:
    default:
      return { retainOnDelete: false, auditLogRetentionDays: 30, natGatewayPerAz: false, keyDeletionWindowDays: 7 };
  }
}

/** @internal every value of the enum, for validation messages. */
export const ENVIRONMENT_PROFILES: readonly string[] = Object.values(EnvironmentProfile);
