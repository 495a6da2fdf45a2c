/**
 * Example "data-tier", AWS CDK edition: the GitOps seed's `main-db` and
 * `sessions`, used by one web service through the grant verbs.
 *
 * Three stacks, deployed in this order (cross-stack references, no cycles):
 *   - DataTierPlatform: PlatformNetwork and PlatformCluster.
 *   - DataTierData:     `main-db`, a PostgreSQL ManagedDatabase in the isolated subnets, and
 *                       `sessions`, a ManagedTable (pk/sk, a GSI, TTL on expiresAt).
 *   - DataTierApps:     the Api service (nginx on port 80 standing in for your app) with its own
 *                       load balancer, granted the database (DB_HOST, DB_PORT, DB_NAME and the
 *                       secrets DB_USERNAME, DB_PASSWORD) and read/write on the table (SESSIONS_TABLE).
 * The grants (the port rule, the role statements) live in the Apps stack, so the data stack never
 * depends on it. No password is in any template: RDS keeps it in Secrets Manager.
 *
 * Synthesise:  cdk synth            (from this directory)
 * Deploy:      cdk deploy --all
 */
import { App, CfnOutput, Stack, StackProps } from 'aws-cdk-lib';
import { AttributeType, EnvironmentProfile, ProjectionType } from 'ecs-platform-constructs';
import {
  FargateWebService,
  ManagedDatabase,
  ManagedTable,
  PlatformCluster,
  PlatformNetwork,
} from 'ecs-platform-constructs/cdk';

/** The service's image, pinned to a full version: nginx answers `/` on port 80. Put your own here. */
export const API_IMAGE = 'public.ecr.aws/docker/library/nginx:1.27.5';

/** Add the example's three stacks to `app` (a new App when none is given) and return it. */
export function buildApp(app: App = new App(), profile: EnvironmentProfile = EnvironmentProfile.DEVELOPMENT): App {
  const props: StackProps = { description: 'ecs-platform-constructs example: data tier (PostgreSQL, DynamoDB, one service)' };
  const platform = new Stack(app, 'DataTierPlatform', props);
  const network = new PlatformNetwork(platform, 'Network', { profile });
  const cluster = new PlatformCluster(platform, 'Cluster', { network });

  const data = new Stack(app, 'DataTierData', props);
  const mainDb = new ManagedDatabase(data, 'MainDb', { network, databaseName: 'main' });
  const sessions = new ManagedTable(data, 'Sessions', {
    profile,
    partitionKey: { name: 'pk', type: AttributeType.STRING },
    sortKey: { name: 'sk', type: AttributeType.STRING },
    globalSecondaryIndexes: [{ indexName: 'gsi1', partitionKey: { name: 'gsi1pk', type: AttributeType.STRING }, projection: ProjectionType.ALL }],
    timeToLiveAttribute: 'expiresAt',
  });

  const apps = new Stack(app, 'DataTierApps', props);
  const api = new FargateWebService(apps, 'Api', { cluster, image: API_IMAGE, containerPort: 80 });
  mainDb.grantConnect(api);
  sessions.grantReadWriteData(api);

  new CfnOutput(apps, 'ApiDnsName', { description: 'DNS name of the Api service\'s load balancer', value: api.dnsName });
  new CfnOutput(data, 'MainDbEndpoint', { description: 'The database\'s DNS name (reachable from granted services only)', value: mainDb.endpointAddress });
  new CfnOutput(data, 'SessionsTableName', { value: sessions.tableName });
  return app;
}

if (require.main === module) {
  buildApp().synth();
}
