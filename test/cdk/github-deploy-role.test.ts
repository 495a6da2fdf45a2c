import { Template } from 'aws-cdk-lib/assertions';
import { parse as parseYaml } from 'yaml';
import { ContainerRepository, FargateWebService, GitHubDeployRole, PlatformCluster, PlatformNetwork } from '../../src/cdk';
import { cdkStack, formatFindings } from '../helpers/cdk';
import { cdkGatesAndTemplate } from '../helpers/cdk-gates';
import { evaluateCfn } from '../helpers/cfn-eval';
import { NGINX } from '../helpers/images';

const DEPLOYMENT = { region: 'eu-west-1', accountId: '111122223333' };

function build() {
  const { app, stack } = cdkStack('web-dev');
  const network = new PlatformNetwork(stack, 'Network');
  const cluster = new PlatformCluster(stack, 'Cluster', { network });
  const repo = new ContainerRepository(stack, 'AppRepo');
  const api = new FargateWebService(stack, 'Api', { cluster, image: NGINX, containerPort: 80 });
  const deploy = new GitHubDeployRole(stack, 'Deploy', {
    repository: 'my-org/my-app', branches: ['main'], environments: ['production'], services: [api], containerRepositories: [repo],
  });
  return { app, stack, deploy, api, repo };
}

let built: ReturnType<typeof build>;
let template: Template;
let findings: string;
beforeAll(() => {
  built = build();
  const gated = cdkGatesAndTemplate(built.app, built.stack);
  template = gated.template;
  findings = formatFindings(gated.findings);
});
const idOf = (type: string, prefix: string) => Object.keys(template.findResources(type)).find((id) => id.startsWith(prefix))!;
const statementsOf = () => template.findResources('AWS::IAM::Policy')[idOf('AWS::IAM::Policy', 'DeployRoleDefaultPolicy')].Properties.PolicyDocument.Statement;

test('GitHubDeployRole (CDK): zero unacknowledged cdk-nag and Control Tower findings', () => {
  expect(findings).toBe('');
});

test('trusted by GitHub\'s OIDC provider for the AWS audience and exactly the branch and environment of one repository', () => {
  template.hasResourceProperties('AWS::IAM::OIDCProvider', { Url: 'https://token.actions.githubusercontent.com', ClientIdList: ['sts.amazonaws.com'] });
  const role = template.findResources('AWS::IAM::Role')[idOf('AWS::IAM::Role', 'DeployRole')].Properties;
  expect(role.AssumeRolePolicyDocument.Statement).toEqual([{
    Effect: 'Allow',
    Principal: { Federated: { 'Fn::GetAtt': [idOf('AWS::IAM::OIDCProvider', 'DeployProvider'), 'Arn'] } },
    Action: 'sts:AssumeRoleWithWebIdentity',
    Condition: {
      StringEquals: {
        'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
        'token.actions.githubusercontent.com:sub': ['repo:my-org/my-app:ref:refs/heads/main', 'repo:my-org/my-app:environment:production'],
      },
    },
  }]);
  expect(role.MaxSessionDuration).toBe(3600);
});

test('may push to the repository, update exactly the service, pass exactly its roles to ECS tasks and write its deployment parameter', () => {
  const rendered = statementsOf().map((s: any) => [s.Action, evaluateCfn(template.toJSON(), s.Resource, DEPLOYMENT), s.Condition]);
  const repo = idOf('AWS::ECR::Repository', 'AppRepoRepository');
  expect(rendered).toEqual([
    ['ecr:GetAuthorizationToken', '*', undefined],
    [expect.arrayContaining(['ecr:PutImage']), `<${repo}.Arn>`, undefined],
    [['ecs:RegisterTaskDefinition', 'ecs:DescribeTaskDefinition'], '*', undefined],
    [['ecs:UpdateService', 'ecs:DescribeServices'], `<Ref ${idOf('AWS::ECS::Service', 'ApiService')}>`, undefined],
    ['iam:PassRole', [`<${idOf('AWS::IAM::Role', 'ApiTaskRole')}.Arn>`, `<${idOf('AWS::IAM::Role', 'ApiExecutionRole')}.Arn>`],
      { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } }],
    [['ssm:PutParameter', 'ssm:GetParameter'], 'arn:aws:ssm:eu-west-1:111122223333:parameter/web-dev/api/deployment', undefined],
  ]);
  template.hasResourceProperties('AWS::SSM::Parameter', { Name: '/web-dev/api/deployment', Type: 'String' });
});

test('the workflow it hands out assumes the role and records the deployment in the service\'s parameter', () => {
  const workflow = parseYaml(built.deploy.workflow(built.api, built.repo));
  expect(workflow.permissions['id-token']).toBe('write');
  expect(workflow.jobs.deploy.environment).toBe('production');
  expect(workflow.jobs.deploy.steps.at(-1).run).toContain('--name /web-dev/api/deployment');
});

test('GitHubDeployRole (CDK): a wildcard subject and no branch are one clear error', () => {
  const { stack } = cdkStack();
  expect(() => new GitHubDeployRole(stack, 'Deploy', { repository: 'my-org/*' }))
    .toThrow(/Invalid props for GitHubDeployRole at 'Test\/Deploy' \(2 problems\):\n {2}- repository: .*no wildcards.*\n {2}- branches: /);
});
