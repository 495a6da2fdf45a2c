/**
 * Example "devops-agent-demo", CDK for Terraform edition: the AWS DevOps Agent seed deployment. A Node
 * app on Fargate behind its own load balancer, with alarms; GitHub Actions deploys it without keys; an
 * AWS DevOps Agent space reads the account, the GitHub repository and posts to Slack, and every alarm
 * of the app that enters ALARM starts an investigation.
 *
 * One stack, devops-agent-demo, with an AWS provider and an awscc provider in eu-west-1 (the agent
 * space and its associations are awscc resources: the AWS provider has none):
 *   - Network:  PlatformNetwork over 2 AZs (1 NAT gateway, flow logs).
 *   - Cluster:  PlatformCluster: FARGATE + FARGATE_SPOT, Container Insights, ECS Exec logging, alerts topic.
 *   - AppRepo:  ContainerRepository for the app's images (immutable tags, scan on push, lifecycle).
 *   - App:      FargateWebService: port 3000, 256 CPU / 512 MiB, 2 tasks (one on-demand, the rest on
 *               Spot in DEVELOPMENT), health check `/health` (30 s interval, 5 s timeout, 2 healthy,
 *               3 unhealthy), circuit breaker with rollback, five alarms to the alerts topic.
 *   - Deploy:   GitHubDeployRole for my-org/devops-agent-demo's `main`: push to AppRepo, deploy App,
 *               record each deployment in App's SSM parameter (/devops-agent-demo/app/deployment).
 *   - Agent:    DevOpsAgentSpace `devops-agent-demo` watching the resources tagged
 *               `platform = devops-agent-demo` (the AWS provider's default_tags put the tag on every
 *               resource), with the GitHub repository and a Slack channel; investigateAlarms(App).
 *
 * The image: `DEMO_IMAGE_TAG=<tag> cdktf deploy` (or `"imageTag"` in cdktf.json's "context") deploys
 * AppRepo's `<tag>`; without it the app runs the bootstrap image (Node.js with a three-line server
 * answering `/health`), so the first deployment becomes healthy before any image was pushed. The
 * GitHub and Slack IDs are placeholders unless the context or the environment names them (see
 * examples/README.md, "devops-agent-demo"). Give the stack a real backend before applying (cdktf's
 * default local state file is an absolute path of the machine that synthesised).
 *
 * Synthesise:  cdktf synth          (from this directory)
 * Deploy:      cdktf deploy devops-agent-demo
 */
// Deep imports only: the @cdktf/provider-aws root barrel costs ~1.7 s and 550 MB.
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { App, TerraformOutput, TerraformStack } from 'cdktf';
import { agentSpaceOptions, APP_SERVICE_OPTIONS, deployRoleOptions, imageChoice, PLATFORM_TAGS, settingsFrom } from '../devops-agent-demo';
import { EnvironmentProfile } from 'ecs-platform-constructs';
import {
  ContainerRepository,
  DevOpsAgentSpace,
  FargateWebService,
  GitHubDeployRole,
  PlatformCluster,
  PlatformNetwork,
} from 'ecs-platform-constructs/cdktf';

/** The region the example's stack deploys to: one AWS DevOps Agent runs in (DevOpsAgentSpace checks it). */
const REGION = 'eu-west-1';

/**
 * Add the example's stack to `app` and return it. Without an argument a new
 * App is created, which takes its output directory from the cdktf CLI
 * (CDKTF_OUTDIR); tests pass `new App({ outdir })`.
 */
export function buildApp(app: App = new App(), profile: EnvironmentProfile = EnvironmentProfile.DEVELOPMENT): App {
  const settings = settingsFrom(app);
  const stack = new TerraformStack(app, 'devops-agent-demo');
  // Every AWS resource carries the platform tag: the agent space finds the platform by it.
  new AwsProvider(stack, 'aws', { region: REGION, defaultTags: [{ tags: PLATFORM_TAGS }] });

  const network = new PlatformNetwork(stack, 'Network', { profile, maxAzs: 2 });
  const cluster = new PlatformCluster(stack, 'Cluster', { network, containerInsights: true });
  const repo = new ContainerRepository(stack, 'AppRepo', { profile });

  const image = imageChoice(settings);
  const appService = new FargateWebService(stack, 'App', {
    cluster,
    ...APP_SERVICE_OPTIONS,
    // AppRepo's image once one was pushed (by reference), else the bootstrap image.
    ...('tag' in image ? { image: repo.imageUri(image.tag) } : image),
  });

  const deploy = new GitHubDeployRole(stack, 'Deploy', {
    ...deployRoleOptions(settings),
    services: [appService],
    containerRepositories: [repo],
  });

  // Terraform stacks are invisible to AWS: the agent finds the platform by its tag.
  const agent = new DevOpsAgentSpace(stack, 'Agent', { ...agentSpaceOptions(settings), profile, monitor: { tags: PLATFORM_TAGS } });
  agent.investigateAlarms(appService);

  new TerraformOutput(stack, 'app_url', { description: 'The app\'s address (plain HTTP)', value: `http://${appService.dnsName}` });
  new TerraformOutput(stack, 'app_repository_uri', { description: 'Push the app\'s images here, then deploy with DEMO_IMAGE_TAG=<tag>', value: repo.repositoryUri });
  new TerraformOutput(stack, 'deploy_role_arn', { description: 'role-to-assume of the GitHub workflow', value: deploy.roleArn });
  new TerraformOutput(stack, 'deploy_workflow', { description: 'The GitHub Actions workflow: .github/workflows/deploy.yml', value: deploy.workflow(appService, repo) });
  new TerraformOutput(stack, 'agent_space_id', { description: 'The AWS DevOps Agent space', value: agent.agentSpaceId });
  new TerraformOutput(stack, 'webhook_secret_arn', {
    description: 'Put the agent space\'s generic webhook here: {"webhookUrl": "...", "webhookSecret": "..."}',
    value: agent.webhookSecret!.arn,
  });
  return app;
}

if (require.main === module) {
  buildApp().synth();
}
