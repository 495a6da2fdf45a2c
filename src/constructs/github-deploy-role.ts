/**
 * GitHubDeployRole, the engine-neutral part: options, validation, the trust
 * policy on GitHub's OIDC provider, the deploy permissions and the workflow
 * snippet. The CDK and CDKTF bindings (issue 11) render this plan.
 */
import { ECR_PUSH_ACTIONS } from './container-repository';
import { AwsEnvironment, PolicyStatementJson } from './policies';
import { S } from './prop-schema';
import { PropsValidator, ValidationContext } from './validation';

/** Engine-neutral options of GitHubDeployRole. */
export interface GitHubDeployRoleOptions {
  /** The GitHub repository whose workflows may deploy, `owner/name` (no wildcards). */
  readonly repository: string;
  /**
   * Branches whose workflows may assume the role (`main`, `release/1.x`).
   * @default - none; give branches, environments or both
   */
  readonly branches?: string[];
  /**
   * GitHub environments whose jobs may assume the role (`production`): with
   * required reviewers, a deployment then needs their approval.
   * @default - none; give branches, environments or both
   */
  readonly environments?: string[];
  /**
   * ARN of the account's existing OIDC provider for `token.actions.githubusercontent.com`
   * (an account has at most one per URL).
   * @default - the provider is created
   */
  readonly existingProviderArn?: string;
  /**
   * The first part of each service's deployment-metadata parameter,
   * `/<platformName>/<service>/deployment`.
   * @default - the deployment's name (the stack's), so dev and staging do not share parameters
   */
  readonly platformName?: string;
  /**
   * How long a workflow's credentials last, 15 to 720 minutes.
   * @default 60
   */
  readonly maxSessionMinutes?: number;
}

/** @internal the run-time shape of GitHubDeployRoleOptions. */
export const GITHUB_DEPLOY_ROLE_OPTIONS_SCHEMA = S.struct<GitHubDeployRoleOptions>({
  repository: S.string,
  branches: S.strings,
  environments: S.strings,
  existingProviderArn: S.string,
  platformName: S.string,
  maxSessionMinutes: S.integer,
}, ['repository']);

/** @internal GitHub Actions' OIDC issuer and the audience the AWS credentials action asks for. */
export const GITHUB_OIDC = {
  host: 'token.actions.githubusercontent.com',
  url: 'https://token.actions.githubusercontent.com',
  audience: 'sts.amazonaws.com',
} as const;

/** @internal what both engines build for a GitHubDeployRole. */
export interface GitHubDeployRolePlan {
  readonly repository: string;
  /** The `sub` claims allowed, exactly (StringEquals, no wildcards). */
  readonly subjects: string[];
  readonly existingProviderArn?: string;
  readonly platformName: string;
  readonly maxSessionSeconds: number;
}

const REPOSITORY = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/;
/** git ref names: no wildcards, spaces, `..`, `~^:?*[\\`, not starting or ending with `/` or `.`. */
const BRANCH = /^(?!\/)(?!.*\/\/)(?!.*\.\.)(?!.*\/$)(?!.*\.$)[A-Za-z0-9._/-]{1,255}$/;
const ENVIRONMENT = /^[A-Za-z0-9._-]{1,255}$/;
const PROVIDER_ARN = /^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/token\.actions\.githubusercontent\.com$/;
const PARAMETER_PART = /^[A-Za-z0-9_.-]{1,200}$/;

/** @internal validate GitHubDeployRole options (all problems at once) and compute the plan. */
export function planGitHubDeployRole(options: GitHubDeployRoleOptions, facts: { readonly deploymentName: string },
  validation: PropsValidator | ValidationContext): GitHubDeployRolePlan {
  const { v, o } = PropsValidator.begin(validation, GITHUB_DEPLOY_ROLE_OPTIONS_SCHEMA, options);
  const wildcard = (x: string) => /[*?]/.test(x);
  if (o.repository !== undefined && !v.isUnresolved(o.repository)) {
    v.require(REPOSITORY.test(o.repository) && !wildcard(o.repository), 'repository', o.repository,
      'expected one repository as "owner/name", e.g. "my-org/my-app" (no wildcards: a wildcard would trust every matching repository)');
  }
  const branches = o.branches ?? [];
  const environments = o.environments ?? [];
  if (branches.length === 0 && environments.length === 0 && !['branches', 'environments', 'props'].some((p) => v.hasProblemAt(p))) {
    v.report('branches', o.branches, 'expected at least one branch or environment (without one, every workflow run of the repository could deploy)');
  }
  branches.forEach((branch, i) => {
    if (v.isUnresolved(branch)) return;
    v.require(!wildcard(branch) && BRANCH.test(branch) && !branch.startsWith('refs/'), `branches[${i}]`, branch,
      'expected a branch name such as "main" or "release/1.x" (no wildcards, no "refs/heads/" prefix)');
  });
  environments.forEach((environment, i) => {
    if (v.isUnresolved(environment)) return;
    v.require(!wildcard(environment) && ENVIRONMENT.test(environment), `environments[${i}]`, environment,
      'expected a GitHub environment name such as "production" (no wildcards)');
  });
  for (const [prop, list] of [['branches', branches], ['environments', environments]] as const) {
    const duplicate = list.find((x, i) => list.indexOf(x) !== i);
    if (duplicate !== undefined) v.report(prop, duplicate, 'expected each name once');
  }
  if (o.existingProviderArn !== undefined && !v.isUnresolved(o.existingProviderArn)) {
    v.require(PROVIDER_ARN.test(o.existingProviderArn), 'existingProviderArn', o.existingProviderArn,
      'expected the ARN of the GitHub Actions OIDC provider, "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"');
  }
  const platformName = o.platformName ?? facts.deploymentName.replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 200);
  if (o.platformName !== undefined && !v.isUnresolved(o.platformName)) {
    v.require(PARAMETER_PART.test(o.platformName), 'platformName', o.platformName,
      'expected 1 to 200 letters, digits, _ . - (it is one level of an SSM parameter path)');
  }
  const maxSessionMinutes = o.maxSessionMinutes ?? 60;
  v.integerInRange('maxSessionMinutes', maxSessionMinutes, 15, 720);
  v.throwIfInvalid();
  return {
    repository: o.repository,
    subjects: [
      ...branches.map((b) => `repo:${o.repository}:ref:refs/heads/${b}`),
      ...environments.map((e) => `repo:${o.repository}:environment:${e}`),
    ],
    existingProviderArn: o.existingProviderArn,
    platformName,
    maxSessionSeconds: maxSessionMinutes * 60,
  };
}

/**
 * @internal
 * The trust policy: GitHub's OIDC tokens for the AWS audience, from exactly the
 * planned subjects (the repository with its branches or environments).
 */
export function githubTrustStatement(plan: GitHubDeployRolePlan, providerArn: string): PolicyStatementJson {
  return {
    Effect: 'Allow',
    Principal: { Federated: providerArn },
    Action: 'sts:AssumeRoleWithWebIdentity',
    Condition: {
      StringEquals: {
        [`${GITHUB_OIDC.host}:aud`]: GITHUB_OIDC.audience,
        [`${GITHUB_OIDC.host}:sub`]: plan.subjects,
      },
    },
  };
}

/** @internal one service a workflow may deploy: the ARNs the deploy role's statements name. */
export interface DeployTarget {
  readonly serviceArn: string;
  readonly taskRoleArn: string;
  readonly executionRoleArn: string;
  readonly parameterArn: string;
}

/** @internal `/<platform>/<service>/deployment`: where a deployment records image, commit, time and actor. */
export function deploymentParameterName(platformName: string, serviceKey: string): string {
  return `/${platformName}/${serviceKey.toLowerCase().replace(/[^a-z0-9_.-]/g, '-')}/deployment`;
}

/** @internal the ARN of parameter `name` (which starts with `/`). */
export function parameterArn(name: string, env: AwsEnvironment): string {
  return `arn:${env.partition}:ssm:${env.region}:${env.accountId}:parameter${name}`;
}

/**
 * @internal
 * What a deploy workflow needs and nothing more: push to the named
 * repositories, register task definitions (ECS has no resource-level
 * permissions for that), update and describe exactly the named services, pass
 * exactly their roles to ECS tasks, and write their deployment parameters.
 */
export function deployRoleStatements(repositoryArns: readonly string[], targets: readonly DeployTarget[]): PolicyStatementJson[] {
  const statements: PolicyStatementJson[] = [];
  if (repositoryArns.length > 0) {
    statements.push(
      { Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
      { Effect: 'Allow', Action: [...ECR_PUSH_ACTIONS], Resource: [...repositoryArns] },
    );
  }
  if (targets.length > 0) {
    statements.push(
      { Effect: 'Allow', Action: ['ecs:RegisterTaskDefinition', 'ecs:DescribeTaskDefinition'], Resource: '*' },
      { Effect: 'Allow', Action: ['ecs:UpdateService', 'ecs:DescribeServices'], Resource: targets.map((t) => t.serviceArn) },
      {
        Effect: 'Allow',
        Action: 'iam:PassRole',
        Resource: targets.flatMap((t) => [t.taskRoleArn, t.executionRoleArn]),
        Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
      },
      { Effect: 'Allow', Action: ['ssm:PutParameter', 'ssm:GetParameter'], Resource: targets.map((t) => t.parameterArn) },
    );
  }
  return statements;
}

/** @internal what the workflow snippet names. */
export interface WorkflowSnippetFacts {
  readonly roleArn: string;
  readonly region: string;
  readonly repositoryUri: string;
  readonly cluster: string;
  readonly service: string;
  readonly taskDefinitionFamily: string;
  readonly containerName: string;
  readonly parameterName: string;
}

/**
 * @internal
 * A GitHub Actions job that builds, pushes, deploys and records the deployment
 * with the role: `id-token: write` for OIDC, the official actions pinned by major version.
 */
export function workflowSnippet(plan: GitHubDeployRolePlan, f: WorkflowSnippetFacts): string {
  const on = plan.subjects.some((s) => s.includes(':ref:refs/heads/'))
    ? `on:\n  push:\n    branches: [${plan.subjects.filter((s) => s.includes(':ref:refs/heads/')).map((s) => JSON.stringify(s.split(':ref:refs/heads/')[1])).join(', ')}]\n`
    : 'on:\n  workflow_dispatch: {}\n';
  const environment = plan.subjects.find((s) => s.includes(':environment:'))?.split(':environment:')[1];
  return [
    'name: deploy',
    on.trimEnd(),
    'permissions:',
    '  id-token: write   # GitHub\'s OIDC token for AWS',
    '  contents: read',
    'jobs:',
    '  deploy:',
    '    runs-on: ubuntu-latest',
    ...(environment ? [`    environment: ${environment}`] : []),
    '    steps:',
    '      - uses: actions/checkout@v4',
    '      - uses: aws-actions/configure-aws-credentials@v4',
    '        with:',
    `          role-to-assume: ${f.roleArn}`,
    `          aws-region: ${f.region}`,
    '      - uses: aws-actions/amazon-ecr-login@v2',
    '      - name: build and push',
    `        run: docker build -t ${f.repositoryUri}:\${{ github.sha }} . && docker push ${f.repositoryUri}:\${{ github.sha }}`,
    '      - name: deploy',
    '        run: |',
    `          aws ecs describe-task-definition --task-definition ${f.taskDefinitionFamily} --query taskDefinition > task.json`,
    `          jq '.containerDefinitions |= map(if .name == "${f.containerName}" then .image = "${f.repositoryUri}:\${{ github.sha }}" else . end)`
      + ' | del(.taskDefinitionArn, .revision, .status, .requiresAttributes, .compatibilities, .registeredAt, .registeredBy)\' task.json > next.json',
    '          arn=$(aws ecs register-task-definition --cli-input-json file://next.json --query taskDefinition.taskDefinitionArn --output text)',
    `          aws ecs update-service --cluster ${f.cluster} --service ${f.service} --task-definition "$arn"`,
    `          aws ecs wait services-stable --cluster ${f.cluster} --services ${f.service}`,
    '      - name: record the deployment',
    `        run: aws ssm put-parameter --overwrite --type String --name ${f.parameterName} --value "{\\"image\\":\\"${f.repositoryUri}:\${{ github.sha }}\\",`
      + '\\"commit\\":\\"${{ github.sha }}\\",\\"time\\":\\"$(date -u +%Y-%m-%dT%H:%M:%SZ)\\",\\"actor\\":\\"${{ github.actor }}\\"}"',
    '',
  ].join('\n');
}
