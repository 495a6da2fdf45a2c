/**
 * Example "devops-agent-demo", AWS CDK edition: the AWS DevOps Agent seed deployment. A Node app on
 * Fargate behind its own load balancer, with alarms; GitHub Actions deploys it without keys; an AWS
 * DevOps Agent space reads the account, the GitHub repository and posts to Slack, and every alarm
 * of the app that enters ALARM starts an investigation.
 *
 * One stack, DevOpsAgentDemo:
 *   - Network:  PlatformNetwork over 2 AZs (1 NAT gateway, flow logs).
 *   - Cluster:  PlatformCluster: FARGATE + FARGATE_SPOT, Container Insights, ECS Exec logging, alerts topic.
 *   - AppRepo:  ContainerRepository for the app's images (immutable tags, scan on push, lifecycle).
 *   - App:      FargateWebService: port 3000, 256 CPU / 512 MiB, 2 tasks (one on-demand, the rest on
 *               Spot in DEVELOPMENT), health check `/health` (30 s interval, 5 s timeout, 2 healthy,
 *               3 unhealthy), circuit breaker with rollback, five alarms to the alerts topic.
 *   - Deploy:   GitHubDeployRole for my-org/devops-agent-demo's `main`: push to AppRepo, deploy App,
 *               record each deployment in App's SSM parameter (/DevOpsAgentDemo/app/deployment).
 *   - Agent:    DevOpsAgentSpace `devops-agent-demo` watching this stack, with the GitHub repository and
 *               a Slack channel; investigateAlarms(App).
 *
 * The image: `-c imageTag=<tag>` (or DEMO_IMAGE_TAG=<tag>) deploys AppRepo's `<tag>`; without it the
 * app runs the bootstrap image (Node.js with a three-line server answering `/health`), so the first
 * deployment becomes healthy before any image was pushed. The GitHub and Slack IDs are placeholders
 * unless the context or the environment names them (see examples/README.md, "devops-agent-demo").
 *
 * The stack is environment-agnostic, as the other examples; AWS DevOps Agent runs in six regions only,
 * so a CloudFormation rule refuses to deploy it anywhere else (a literal region would be checked by
 * DevOpsAgentSpace at synth instead).
 *
 * Synthesise:  cdk synth            (from this directory)
 * Deploy:      cdk deploy           (in us-east-1, us-west-2, ap-southeast-2, ap-northeast-1, eu-central-1 or eu-west-1)
 */
import { App, Aws, CfnOutput, CfnRule, Fn, Stack, Tags } from 'aws-cdk-lib';
import {
  agentSpaceOptions,
  APP_SERVICE_OPTIONS,
  deployRoleOptions,
  imageChoice,
  PLATFORM_TAGS,
  settingsFrom,
  SUPPORTED_REGIONS,
} from '../devops-agent-demo';
import { EnvironmentProfile } from 'ecs-platform-constructs';
import {
  ContainerRepository,
  DevOpsAgentSpace,
  FargateWebService,
  GitHubDeployRole,
  PlatformCluster,
  PlatformNetwork,
} from 'ecs-platform-constructs/cdk';

/** Add the example's stack to `app` (a new App when none is given) and return it. */
export function buildApp(app: App = new App(), profile: EnvironmentProfile = EnvironmentProfile.DEVELOPMENT): App {
  const settings = settingsFrom(app);
  const stack = new Stack(app, 'DevOpsAgentDemo', {
    description: 'ecs-platform-constructs example: AWS DevOps Agent demo (Node app, GitHub deploy role, agent space investigating alarms)',
  });
  for (const [key, value] of Object.entries(PLATFORM_TAGS)) Tags.of(stack).add(key, value);
  new CfnRule(stack, 'DevOpsAgentRegion', {
    assertions: [{
      assert: Fn.conditionContains([...SUPPORTED_REGIONS], Aws.REGION),
      assertDescription: `AWS DevOps Agent runs in ${SUPPORTED_REGIONS.join(', ')}: deploy this stack in one of them`,
    }],
  });

  const network = new PlatformNetwork(stack, 'Network', { profile, maxAzs: 2 });
  const cluster = new PlatformCluster(stack, 'Cluster', { network, containerInsights: true });
  const repo = new ContainerRepository(stack, 'AppRepo', { profile });

  const image = imageChoice(settings);
  const appService = new FargateWebService(stack, 'App', {
    cluster,
    ...APP_SERVICE_OPTIONS,
    // AppRepo's image once one was pushed (as an aws-cdk-lib ContainerImage), else the bootstrap image.
    ...('tag' in image ? { containerImage: repo.containerImage(image.tag) } : image),
  });

  const deploy = new GitHubDeployRole(stack, 'Deploy', {
    ...deployRoleOptions(settings),
    services: [appService],
    containerRepositories: [repo],
  });

  // Monitors this stack (the default); investigations start from App's alarms.
  const agent = new DevOpsAgentSpace(stack, 'Agent', { ...agentSpaceOptions(settings), profile });
  agent.investigateAlarms(appService);

  new CfnOutput(stack, 'AppUrl', { description: 'The app\'s address (plain HTTP)', value: `http://${appService.dnsName}` });
  new CfnOutput(stack, 'AppRepositoryUri', { description: 'Push the app\'s images here, then deploy with -c imageTag=<tag>', value: repo.repositoryUri });
  new CfnOutput(stack, 'DeployRoleArn', { description: 'role-to-assume of the GitHub workflow', value: deploy.roleArn });
  new CfnOutput(stack, 'DeployWorkflow', { description: 'The GitHub Actions workflow: .github/workflows/deploy.yml', value: deploy.workflow(appService, repo) });
  new CfnOutput(stack, 'AgentSpaceId', { description: 'The AWS DevOps Agent space', value: agent.agentSpaceId });
  new CfnOutput(stack, 'WebhookSecretArn', {
    description: 'Put the agent space\'s generic webhook here: {"webhookUrl": "...", "webhookSecret": "..."}',
    value: agent.webhookSecret!.ref,
  });
  return app;
}

if (require.main === module) {
  buildApp().synth();
}
