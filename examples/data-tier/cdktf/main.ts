/**
 * Example "data-tier", CDK for Terraform edition: the GitOps seed's `main-db`
 * and `sessions`, used by one web service through the grant verbs.
 *
 * Three stacks, applied in this order (cdktf cross-stack outputs; no depends_on across stacks):
 *   - data-tier-platform: PlatformNetwork and PlatformCluster.
 *   - data-tier-data:     `main-db`, a PostgreSQL ManagedDatabase in the isolated subnets, and
 *                         `sessions`, a ManagedTable (pk/sk, a GSI, TTL on expiresAt).
 *   - data-tier-apps:     the Api service (nginx on port 80 standing in for your app) with its own
 *                         load balancer, granted the database and read/write on the table.
 * The master password is managed by RDS in Secrets Manager: it is never in the configuration or the
 * state. Give each stack a real backend before applying (cdktf's default local state files are
 * absolute paths of the machine that synthesised).
 *
 * Synthesise:  cdktf synth          (from this directory)
 * Deploy:      cdktf deploy data-tier-platform data-tier-data data-tier-apps
 */
// Deep imports only: the @cdktf/provider-aws root barrel costs ~1.7 s and 550 MB.
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { App, TerraformOutput, TerraformStack } from 'cdktf';
import { AttributeType, EnvironmentProfile, ProjectionType } from 'ecs-platform-constructs';
import {
  FargateWebService,
  ManagedDatabase,
  ManagedTable,
  PlatformCluster,
  PlatformNetwork,
} from 'ecs-platform-constructs/cdktf';

/** The region the example's stacks deploy to. */
const REGION = 'eu-west-1';

/** The service's image, pinned to a full version: nginx answers `/` on port 80. Put your own here. */
export const API_IMAGE = 'public.ecr.aws/docker/library/nginx:1.27.5';

/**
 * Add the example's three stacks to `app` and return it. Without an argument a
 * new App is created, which takes its output directory from the cdktf CLI
 * (CDKTF_OUTDIR); tests pass `new App({ outdir })`.
 */
export function buildApp(app: App = new App(), profile: EnvironmentProfile = EnvironmentProfile.DEVELOPMENT): App {
  const stackIn = (id: string) => {
    const stack = new TerraformStack(app, id);
    new AwsProvider(stack, 'aws', { region: REGION });
    return stack;
  };
  const platform = stackIn('data-tier-platform');
  const network = new PlatformNetwork(platform, 'Network', { profile });
  const cluster = new PlatformCluster(platform, 'Cluster', { network });

  const data = stackIn('data-tier-data');
  const mainDb = new ManagedDatabase(data, 'MainDb', { network, databaseName: 'main' });
  const sessions = new ManagedTable(data, 'Sessions', {
    profile,
    partitionKey: { name: 'pk', type: AttributeType.STRING },
    sortKey: { name: 'sk', type: AttributeType.STRING },
    globalSecondaryIndexes: [{ indexName: 'gsi1', partitionKey: { name: 'gsi1pk', type: AttributeType.STRING }, projection: ProjectionType.ALL }],
    timeToLiveAttribute: 'expiresAt',
  });

  const apps = stackIn('data-tier-apps');
  const api = new FargateWebService(apps, 'Api', { cluster, image: API_IMAGE, containerPort: 80 });
  mainDb.grantConnect(api);
  sessions.grantReadWriteData(api);

  new TerraformOutput(apps, 'api_dns_name', { description: 'DNS name of the Api service\'s load balancer', value: api.dnsName });
  new TerraformOutput(data, 'main_db_endpoint', { description: 'The database\'s DNS name (reachable from granted services only)', value: mainDb.endpointAddress });
  new TerraformOutput(data, 'sessions_table_name', { value: sessions.tableName });
  return app;
}

if (require.main === module) {
  buildApp().synth();
}
