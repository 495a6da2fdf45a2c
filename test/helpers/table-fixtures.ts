/** The tables the ManagedTable tests of both engines and the parity test build. */
import { AttributeType, BillingMode, EnvironmentProfile, ManagedTableOptions, ProjectionType, StreamViewType } from 'ecs-platform-constructs';

/** A DEVELOPMENT on-demand table: sort key, a GSI, TTL and a stream. */
export const SESSIONS_TABLE: ManagedTableOptions = {
  partitionKey: { name: 'pk', type: AttributeType.STRING },
  sortKey: { name: 'sk', type: AttributeType.STRING },
  globalSecondaryIndexes: [{ indexName: 'gsi1', partitionKey: { name: 'gsi1pk', type: AttributeType.STRING }, projection: ProjectionType.ALL }],
  timeToLiveAttribute: 'expiresAt',
  stream: StreamViewType.NEW_AND_OLD_IMAGES,
};

/** A PRODUCTION provisioned table with autoscaling and an INCLUDE index. */
export const ORDERS_TABLE: ManagedTableOptions = {
  profile: EnvironmentProfile.PRODUCTION,
  partitionKey: { name: 'orderId', type: AttributeType.STRING },
  billingMode: BillingMode.PROVISIONED,
  readCapacity: 5,
  writeCapacity: 5,
  readAutoScaling: { minCapacity: 5, maxCapacity: 50 },
  writeAutoScaling: { minCapacity: 5, maxCapacity: 20, targetUtilizationPercent: 60 },
  globalSecondaryIndexes: [{
    indexName: 'byCustomer',
    partitionKey: { name: 'customerId', type: AttributeType.STRING },
    sortKey: { name: 'createdAt', type: AttributeType.NUMBER },
    projection: ProjectionType.INCLUDE,
    nonKeyAttributes: ['total'],
  }],
};
