import { ENVIRONMENT_PROFILES, EnvironmentProfile, profileDefaults } from './environment-profile';
import { LOG_RETENTION_DAYS } from './platform-network';
import { CLOUDWATCH_ALARMS, TopicPublisher } from './policies';
import { S } from './prop-schema';
import { PropsValidator, ValidationContext } from './validation';

/** Engine-neutral options of PlatformCluster, shared by the CDK and CDKTF constructs. */
export interface PlatformClusterOptions {
  /**
   * Cost-versus-resilience defaults.
   * @default - the network's profile
   */
  readonly profile?: EnvironmentProfile;
  /**
   * CloudWatch Container Insights (task- and service-level CPU, memory, network metrics).
   * @default true
   */
  readonly containerInsights?: boolean;
  /**
   * Days to keep the ECS Exec session log (who ran what in which container).
   * @default - 30 in DEVELOPMENT, 365 in PRODUCTION
   */
  readonly execLogRetentionDays?: number;
}

/** @internal the run-time shape of PlatformClusterOptions. */
export const CLUSTER_OPTIONS_SCHEMA = S.struct<PlatformClusterOptions>({
  profile: S.enumOf('EnvironmentProfile', EnvironmentProfile),
  containerInsights: S.boolean,
  execLogRetentionDays: S.integer,
});

/** @internal what both engines build for a PlatformCluster. */
export interface ClusterPlan {
  readonly profile: EnvironmentProfile;
  readonly containerInsights: boolean;
  readonly capacityProviders: readonly string[];
  /** What a service without its own strategy runs on: on-demand Fargate. */
  readonly defaultCapacityProviderStrategy: ReadonlyArray<{ capacityProvider: string; base: number; weight: number }>;
  readonly execLogRetentionDays: number;
  readonly retainOnDelete: boolean;
  readonly keyDeletionWindowDays: number;
  /** The AWS services that publish to the alerts topic (its policy and key admit exactly these). */
  readonly alertPublishers: readonly TopicPublisher[];
}

/** @internal validate PlatformCluster options and compute the plan. */
export function planCluster(
  options: PlatformClusterOptions,
  networkProfile: EnvironmentProfile,
  validation: PropsValidator | ValidationContext,
): ClusterPlan {
  const { v, o } = PropsValidator.begin(validation, CLUSTER_OPTIONS_SCHEMA, options);
  const profile = v.oneOf('profile', o.profile, ENVIRONMENT_PROFILES) ? o.profile! : networkProfile;
  const defaults = profileDefaults(profile);
  const execLogRetentionDays = o.execLogRetentionDays ?? defaults.auditLogRetentionDays;
  if (!v.isUnresolved(execLogRetentionDays)) {
    v.require(LOG_RETENTION_DAYS.includes(execLogRetentionDays), 'execLogRetentionDays', execLogRetentionDays,
      `expected one of ${LOG_RETENTION_DAYS.join(', ')}`);
  }
  v.throwIfInvalid();
  return {
    profile,
    containerInsights: o.containerInsights ?? true,
    capacityProviders: ['FARGATE', 'FARGATE_SPOT'],
    defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE', base: 0, weight: 1 }],
    execLogRetentionDays,
    retainOnDelete: defaults.retainOnDelete,
    keyDeletionWindowDays: defaults.keyDeletionWindowDays,
    alertPublishers: [CLOUDWATCH_ALARMS],
  };
}
