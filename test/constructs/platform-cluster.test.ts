import { EnvironmentProfile } from '../../src/constructs';
import { planCluster } from '../../src/constructs/platform-cluster';
import { CLOUDWATCH_ALARMS } from '../../src/constructs/policies';
import { ValidationContext } from '../../src/constructs/validation';

const context: ValidationContext = { construct: 'PlatformCluster', path: 'Stack/Cluster', isUnresolved: () => false };

describe('cluster plan', () => {
  test('GIVEN no options THEN the network profile, insights on, both Fargate capacity providers', () => {
    expect(planCluster({}, EnvironmentProfile.PRODUCTION, context)).toEqual({
      profile: EnvironmentProfile.PRODUCTION,
      containerInsights: true,
      capacityProviders: ['FARGATE', 'FARGATE_SPOT'],
      defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE', base: 0, weight: 1 }],
      execLogRetentionDays: 365,
      retainOnDelete: true,
      keyDeletionWindowDays: 30,
      // The alerts topic's policy and key admit exactly the services that publish to it.
      alertPublishers: [CLOUDWATCH_ALARMS],
    });
  });

  test('its own profile wins over the network', () => {
    expect(planCluster({ profile: EnvironmentProfile.DEVELOPMENT }, EnvironmentProfile.PRODUCTION, context).execLogRetentionDays).toBe(30);
  });

  test('bad retention and profile are reported together', () => {
    expect(() => planCluster({ execLogRetentionDays: 2, profile: 'X' as EnvironmentProfile }, EnvironmentProfile.DEVELOPMENT, context))
      .toThrow(/\(2 problems\):\n {2}- profile: got "X".*\n {2}- execLogRetentionDays: got 2/);
  });
});
