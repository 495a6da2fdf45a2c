import { parse as parseYaml } from 'yaml';
import {
  deploymentParameterName, deployRoleStatements, githubTrustStatement, parameterArn, planGitHubDeployRole, workflowSnippet,
} from '../../src/constructs/github-deploy-role';
import { PropsValidationError, ValidationContext } from '../../src/constructs/validation';

const context: ValidationContext = { construct: 'GitHubDeployRole', path: 'web-dev/Deploy', isUnresolved: (x) => typeof x === 'string' && x.includes('${Token[') };
const facts = { deploymentName: 'web-dev' };
const PROVIDER = 'arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com';

function problems(run: () => unknown): string[] {
  try {
    run();
  } catch (e) {
    if (e instanceof PropsValidationError) return e.problems.map((p) => `${p.prop}: ${p.allowed}`);
    throw e;
  }
  throw new Error('expected a PropsValidationError');
}

test('GIVEN a repository, a branch and an environment THEN exactly those subjects, the deployment as the platform name, one-hour sessions', () => {
  const plan = planGitHubDeployRole({ repository: 'my-org/my-app', branches: ['main', 'release/1.x'], environments: ['production'] }, facts, context);
  expect(plan).toEqual({
    repository: 'my-org/my-app',
    subjects: ['repo:my-org/my-app:ref:refs/heads/main', 'repo:my-org/my-app:ref:refs/heads/release/1.x', 'repo:my-org/my-app:environment:production'],
    existingProviderArn: undefined,
    platformName: 'web-dev',
    maxSessionSeconds: 3600,
  });
});

test('the trust: GitHub\'s provider, the AWS audience and exactly the subjects, never a wildcard', () => {
  const plan = planGitHubDeployRole({ repository: 'my-org/my-app', environments: ['production'] }, facts, context);
  expect(githubTrustStatement(plan, PROVIDER)).toEqual({
    Effect: 'Allow',
    Principal: { Federated: PROVIDER },
    Action: 'sts:AssumeRoleWithWebIdentity',
    Condition: {
      StringEquals: {
        'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
        'token.actions.githubusercontent.com:sub': ['repo:my-org/my-app:environment:production'],
      },
    },
  });
});

test('GIVEN wildcards, no branch or environment, a bad provider ARN THEN one error names each', () => {
  expect(problems(() => planGitHubDeployRole({ repository: 'my-org/*' }, facts, context))).toEqual([
    expect.stringMatching(/^repository: expected one repository as "owner\/name".*no wildcards/),
    expect.stringMatching(/^branches: expected at least one branch or environment/),
  ]);
  expect(problems(() => planGitHubDeployRole({
    repository: 'my-org/my-app',
    branches: ['main', 'feature/*', 'refs/heads/main', 'main'],
    environments: ['prod?'],
    existingProviderArn: 'arn:aws:iam::111122223333:oidc-provider/accounts.google.com',
    platformName: 'a/b',
    maxSessionMinutes: 5,
  }, facts, context))).toEqual([
    expect.stringMatching(/^branches\[1\]: expected a branch name/),
    expect.stringMatching(/^branches\[2\]: expected a branch name .*no "refs\/heads\/" prefix/),
    expect.stringMatching(/^environments\[0\]: expected a GitHub environment name/),
    'branches: expected each name once',
    expect.stringMatching(/^existingProviderArn: expected the ARN of the GitHub Actions OIDC provider/),
    expect.stringMatching(/^platformName: expected 1 to 200 letters/),
    'maxSessionMinutes: expected an integer from 15 to 720',
  ]);
});

test('the permissions: push to the named repositories, update and pass roles for exactly the named services, write their parameters', () => {
  const env = { partition: 'aws', region: 'eu-west-1', accountId: '111122223333', urlSuffix: 'amazonaws.com' };
  const name = deploymentParameterName('web-dev', 'Api');
  expect(name).toBe('/web-dev/api/deployment');
  const statements = deployRoleStatements(['arn:aws:ecr:eu-west-1:111122223333:repository/app'], [{
    serviceArn: 'arn:aws:ecs:eu-west-1:111122223333:service/platform/api',
    taskRoleArn: 'arn:aws:iam::111122223333:role/api-task',
    executionRoleArn: 'arn:aws:iam::111122223333:role/api-execution',
    parameterArn: parameterArn(name, env),
  }]);
  expect(statements.map((s) => [s.Action, s.Resource, s.Condition])).toEqual([
    ['ecr:GetAuthorizationToken', '*', undefined],
    [expect.arrayContaining(['ecr:PutImage', 'ecr:BatchGetImage']), ['arn:aws:ecr:eu-west-1:111122223333:repository/app'], undefined],
    [['ecs:RegisterTaskDefinition', 'ecs:DescribeTaskDefinition'], '*', undefined],
    [['ecs:UpdateService', 'ecs:DescribeServices'], ['arn:aws:ecs:eu-west-1:111122223333:service/platform/api'], undefined],
    ['iam:PassRole', ['arn:aws:iam::111122223333:role/api-task', 'arn:aws:iam::111122223333:role/api-execution'],
      { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } }],
    [['ssm:PutParameter', 'ssm:GetParameter'], ['arn:aws:ssm:eu-west-1:111122223333:parameter/web-dev/api/deployment'], undefined],
  ]);
  expect(deployRoleStatements([], [])).toEqual([]);
});

test('the workflow snippet is a valid workflow: OIDC permission, the role, the push branches or the environment, the deployment record', () => {
  const plan = planGitHubDeployRole({ repository: 'my-org/my-app', branches: ['main'], environments: ['production'] }, facts, context);
  const text = workflowSnippet(plan, {
    roleArn: 'arn:aws:iam::111122223333:role/deploy',
    region: 'eu-west-1',
    repositoryUri: '111122223333.dkr.ecr.eu-west-1.amazonaws.com/app',
    cluster: 'platform',
    service: 'api',
    taskDefinitionFamily: 'web-dev-Api',
    containerName: 'web',
    parameterName: '/web-dev/api/deployment',
  });
  const workflow = parseYaml(text);
  expect(workflow.on).toEqual({ push: { branches: ['main'] } });
  expect(workflow.permissions).toEqual({ 'id-token': 'write', 'contents': 'read' });
  expect(workflow.jobs.deploy.environment).toBe('production');
  const steps = workflow.jobs.deploy.steps;
  expect(steps[1]).toEqual({ uses: 'aws-actions/configure-aws-credentials@v4', with: { 'role-to-assume': 'arn:aws:iam::111122223333:role/deploy', 'aws-region': 'eu-west-1' } });
  expect(steps.at(-1).run).toMatch(/^aws ssm put-parameter --overwrite --type String --name \/web-dev\/api\/deployment .*"commit\\":\\"\$\{\{ github.sha \}\}.*actor/);
});
