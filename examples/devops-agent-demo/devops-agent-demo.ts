/**
 * What both editions of the devops-agent-demo example share: the inputs (read from the context or the
 * environment), the bootstrap image, the app service's options and the agent space's options. Each
 * edition (cdk/app.ts, cdktf/main.ts) adds only what its engine spells differently: the stack, the
 * image from the repository, and the outputs.
 */
import { IConstruct } from 'constructs';
import {
  DEVOPS_AGENT_REGIONS,
  DevOpsAgentSpaceOptions,
  FargateWebServiceOptions,
  GitHubDeployRoleOptions,
  GitHubOwnerType,
} from 'ecs-platform-constructs';

/** The agent space's name, and the `platform` tag every resource of the example carries. */
export const PLATFORM_NAME = 'devops-agent-demo';

/** The tags of every resource: the CDKTF agent space finds the platform by them (Terraform stacks are invisible to AWS). */
export const PLATFORM_TAGS: Record<string, string> = { platform: PLATFORM_NAME };

/** The port the Node app (and the bootstrap server standing in for it) listens on. */
export const APP_PORT = 3000;

/**
 * The image the app runs until its own image is in AppRepo: Node.js, pinned to a full version (a
 * floating tag such as `22-alpine` could change between two deployments of the same template).
 */
export const BOOTSTRAP_IMAGE = 'public.ecr.aws/docker/library/node:22.14.0-alpine';

/**
 * The bootstrap image's server, three lines: 200 with a JSON body on every path (`GET /health` included)
 * on APP_PORT, and a prompt exit on ECS's stop signal (Node as PID 1 would ignore it and wait to be killed).
 */
export const BOOTSTRAP_COMMAND = ['node', '-e', [
  "const http = require('http');",
  `http.createServer((req, res) => { res.setHeader('content-type', 'application/json'); res.end(JSON.stringify({ status: 'ok', image: 'bootstrap', path: req.url })); }).listen(${APP_PORT});`,
  "process.on('SIGTERM', () => process.exit(0));",
].join('\n')];

/** The regions AWS DevOps Agent runs in: deploy the example into one of them. */
export const SUPPORTED_REGIONS: readonly string[] = DEVOPS_AGENT_REGIONS;

/**
 * The example's inputs. Each is read from the context (cdk.json's or cdktf.json's "context", or
 * `cdk deploy -c key=value`), else from its environment variable, else its placeholder. The
 * placeholders are clearly fake but valid: real IDs come from the AWS DevOps Agent console once
 * the GitHub and Slack apps are registered there (examples/README.md, "devops-agent-demo").
 */
export interface DemoSettings {
  /** `imageTag` / `DEMO_IMAGE_TAG`: the tag of the app's image in AppRepo; none: the bootstrap image. */
  readonly imageTag?: string;
  /** `github:repository` / `DEMO_GITHUB_REPOSITORY`: the GitHub repository, `owner/name`, that deploys and that the agent reads. */
  readonly githubRepository: string;
  /** `github:ownerType` / `DEMO_GITHUB_OWNER_TYPE`: `organization` or `user`. */
  readonly githubOwnerType: GitHubOwnerType;
  /**
   * `github:oidcProviderArn` / `DEMO_GITHUB_OIDC_PROVIDER_ARN`: the account's existing OIDC provider for
   * GitHub Actions (an account holds one per URL); none: Deploy creates it.
   */
  readonly githubOidcProviderArn?: string;
  /** `agent:githubServiceId` / `DEMO_AGENT_GITHUB_SERVICE_ID`: the GitHub service registered with AWS DevOps Agent. */
  readonly githubServiceId: string;
  /** `agent:githubRepositoryId` / `DEMO_AGENT_GITHUB_REPOSITORY_ID`: GitHub's numeric ID of the repository. */
  readonly githubRepositoryId: string;
  /** `agent:slack` / `DEMO_AGENT_SLACK`: `false` leaves Slack out. */
  readonly slack: boolean;
  /** `agent:slackServiceId` / `DEMO_AGENT_SLACK_SERVICE_ID`: the Slack service registered with AWS DevOps Agent. */
  readonly slackServiceId: string;
  /** `agent:slackWorkspaceId` / `DEMO_AGENT_SLACK_WORKSPACE_ID`: the Slack workspace (team) ID. */
  readonly slackWorkspaceId: string;
  /** `agent:slackWorkspaceName` / `DEMO_AGENT_SLACK_WORKSPACE_NAME`: the Slack workspace's name. */
  readonly slackWorkspaceName: string;
  /** `agent:slackChannelId` / `DEMO_AGENT_SLACK_CHANNEL_ID`: the channel the agent posts its findings to. */
  readonly slackChannelId: string;
  /** `agent:slackChannelName` / `DEMO_AGENT_SLACK_CHANNEL_NAME`: the channel's name. */
  readonly slackChannelName: string;
}

type TextSetting = Exclude<keyof DemoSettings, 'imageTag' | 'githubOwnerType' | 'githubOidcProviderArn' | 'slack'>;

/** Every input: its context key, its environment variable and its placeholder. */
export const INPUTS = {
  imageTag: { context: 'imageTag', env: 'DEMO_IMAGE_TAG', placeholder: undefined },
  githubRepository: { context: 'github:repository', env: 'DEMO_GITHUB_REPOSITORY', placeholder: 'my-org/devops-agent-demo' },
  githubOwnerType: { context: 'github:ownerType', env: 'DEMO_GITHUB_OWNER_TYPE', placeholder: GitHubOwnerType.ORGANIZATION },
  githubOidcProviderArn: { context: 'github:oidcProviderArn', env: 'DEMO_GITHUB_OIDC_PROVIDER_ARN', placeholder: undefined },
  githubServiceId: { context: 'agent:githubServiceId', env: 'DEMO_AGENT_GITHUB_SERVICE_ID', placeholder: 'example-github-service-id' },
  githubRepositoryId: { context: 'agent:githubRepositoryId', env: 'DEMO_AGENT_GITHUB_REPOSITORY_ID', placeholder: '123456789' },
  slack: { context: 'agent:slack', env: 'DEMO_AGENT_SLACK', placeholder: 'true' },
  slackServiceId: { context: 'agent:slackServiceId', env: 'DEMO_AGENT_SLACK_SERVICE_ID', placeholder: 'example-slack-service-id' },
  slackWorkspaceId: { context: 'agent:slackWorkspaceId', env: 'DEMO_AGENT_SLACK_WORKSPACE_ID', placeholder: 'T0123ABCD' },
  slackWorkspaceName: { context: 'agent:slackWorkspaceName', env: 'DEMO_AGENT_SLACK_WORKSPACE_NAME', placeholder: 'example-workspace' },
  slackChannelId: { context: 'agent:slackChannelId', env: 'DEMO_AGENT_SLACK_CHANNEL_ID', placeholder: 'C0123ABCD' },
  slackChannelName: { context: 'agent:slackChannelName', env: 'DEMO_AGENT_SLACK_CHANNEL_NAME', placeholder: 'devops-agent-demo' },
} as const;

/** The inputs named in the app's context or the environment, each falling back to its placeholder. */
export function settingsFrom(app: IConstruct, env: NodeJS.ProcessEnv = process.env): DemoSettings {
  const read = (key: keyof typeof INPUTS): string | undefined => {
    const fromContext = app.node.tryGetContext(INPUTS[key].context);
    if (typeof fromContext === 'string' && fromContext.trim().length > 0) return fromContext.trim();
    if (typeof fromContext === 'boolean' || typeof fromContext === 'number') return String(fromContext);
    const fromEnv = env[INPUTS[key].env];
    return fromEnv !== undefined && fromEnv.trim().length > 0 ? fromEnv.trim() : undefined;
  };
  const text = (key: TextSetting): string => read(key) ?? INPUTS[key].placeholder;
  const ownerType = read('githubOwnerType') ?? INPUTS.githubOwnerType.placeholder;
  const slack = (read('slack') ?? INPUTS.slack.placeholder).toLowerCase();
  if (!['true', 'false'].includes(slack)) {
    throw new Error(`devops-agent-demo: ${INPUTS.slack.context} (${INPUTS.slack.env}) must be true or false, got ${JSON.stringify(slack)}`);
  }
  return {
    imageTag: read('imageTag'),
    githubRepository: text('githubRepository'),
    // An unknown owner type is passed on as given: DevOpsAgentSpace reports it with the values it accepts.
    githubOwnerType: ownerType as GitHubOwnerType,
    githubOidcProviderArn: read('githubOidcProviderArn'),
    githubServiceId: text('githubServiceId'),
    githubRepositoryId: text('githubRepositoryId'),
    slack: slack === 'true',
    slackServiceId: text('slackServiceId'),
    slackWorkspaceId: text('slackWorkspaceId'),
    slackWorkspaceName: text('slackWorkspaceName'),
    slackChannelId: text('slackChannelId'),
    slackChannelName: text('slackChannelName'),
  };
}

/**
 * The app service's options, without its image: the Node app on port 3000, 256 CPU / 512 MiB, two tasks,
 * the load balancer's health check on `/health`. The circuit breaker (with rollback), Fargate Spot in
 * DEVELOPMENT (one on-demand task, the rest on Spot) and the five alarms (CPU, memory, 5xx, unhealthy
 * hosts, error log lines) to the cluster's alerts topic are FargateWebService's defaults.
 */
export const APP_SERVICE_OPTIONS: FargateWebServiceOptions = {
  containerPort: APP_PORT,
  cpu: 256,
  memoryMiB: 512,
  desiredCount: 2,
  healthCheck: {
    path: '/health',
    intervalSeconds: 30,
    timeoutSeconds: 5,
    healthyThreshold: 2,
    unhealthyThreshold: 3,
  },
};

/**
 * Where the app's image comes from: AppRepo's `imageTag` once one is given, otherwise the bootstrap
 * image and its server (so the first deployment, before any push, becomes healthy).
 */
export function imageChoice(settings: DemoSettings): { readonly tag: string } | { readonly image: string; readonly command: string[] } {
  return settings.imageTag !== undefined ? { tag: settings.imageTag } : { image: BOOTSTRAP_IMAGE, command: BOOTSTRAP_COMMAND };
}

/** The agent space's options: the same GitHub repository that deploys, and Slack unless switched off. */
export function agentSpaceOptions(settings: DemoSettings): DevOpsAgentSpaceOptions {
  const [owner, repository] = settings.githubRepository.split('/');
  return {
    name: PLATFORM_NAME,
    description: 'AWS DevOps Agent demo: investigates the App service\'s alarms',
    github: {
      serviceId: settings.githubServiceId,
      owner,
      repository: repository ?? '',
      repositoryId: settings.githubRepositoryId,
      ownerType: settings.githubOwnerType,
    },
    slack: settings.slack ? {
      serviceId: settings.slackServiceId,
      workspaceId: settings.slackWorkspaceId,
      workspaceName: settings.slackWorkspaceName,
      channelId: settings.slackChannelId,
      channelName: settings.slackChannelName,
    } : undefined,
  };
}

/** The GitHub deploy role's options: the repository's `main` branch, and the account's OIDC provider if it has one. */
export function deployRoleOptions(settings: DemoSettings): GitHubDeployRoleOptions {
  return { repository: settings.githubRepository, branches: ['main'], existingProviderArn: settings.githubOidcProviderArn };
}
