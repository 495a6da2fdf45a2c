import { TerraformOutput, TerraformStack } from 'cdktf';
import { ContainerRepository, FargateWebService, GitHubDeployRole, PlatformCluster, PlatformNetwork } from '../../src/cdktf';
import { NGINX } from '../helpers/images';
import { TfJson, tfStack, tfSynthFull } from '../helpers/terraform';
import { describeTfGates } from '../helpers/tf-gates';
import { tfPolicy, tfRefTo, tfResourceAt } from '../helpers/tf-platform';

function build(existingProviderArn?: string): TerraformStack {
  const { stack } = tfStack('web-dev');
  const network = new PlatformNetwork(stack, 'Network');
  const cluster = new PlatformCluster(stack, 'Cluster', { network });
  const repo = new ContainerRepository(stack, 'AppRepo');
  const api = new FargateWebService(stack, 'Api', { cluster, image: NGINX, containerPort: 80 });
  const deploy = new GitHubDeployRole(stack, 'Deploy', {
    repository: 'my-org/my-app', branches: ['main'], environments: ['production'], services: [api], containerRepositories: [repo], existingProviderArn,
  });
  // As users do: terraform validate then proves GitHub's ${{ }} expressions are escaped for Terraform.
  new TerraformOutput(stack, 'deploy_workflow', { value: deploy.workflow(api, repo) });
  return stack;
}

describeTfGates('GitHubDeployRole (CDKTF) gates', {
  'a new provider': () => build(),
  'an existing provider': () => build('arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com'),
});

let j: TfJson;
beforeAll(() => {
  j = tfSynthFull(build());
});

test('trusted by GitHub\'s OIDC provider for the AWS audience and exactly the branch and environment of one repository', () => {
  expect(tfResourceAt(j, 'aws_iam_openid_connect_provider', 'Deploy/Provider'))
    .toMatchObject({ url: 'https://token.actions.githubusercontent.com', client_id_list: ['sts.amazonaws.com'] });
  const role = tfResourceAt(j, 'aws_iam_role', 'Deploy/Role');
  expect(tfPolicy(role, 'assume_role_policy').Statement).toEqual([{
    Effect: 'Allow',
    Principal: { Federated: tfRefTo(j, 'aws_iam_openid_connect_provider', 'Deploy/Provider', 'arn') },
    Action: 'sts:AssumeRoleWithWebIdentity',
    Condition: {
      StringEquals: {
        'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
        'token.actions.githubusercontent.com:sub': ['repo:my-org/my-app:ref:refs/heads/main', 'repo:my-org/my-app:environment:production'],
      },
    },
  }]);
  expect(role.max_session_duration).toBe(3600);
});

test('may push to the repository, update exactly the service, pass exactly its roles and write its deployment parameter', () => {
  const statements = tfPolicy(tfResourceAt(j, 'aws_iam_role_policy', 'Deploy/Policy')).Statement;
  expect(statements.map((s: any) => [s.Action, s.Resource])).toEqual([
    ['ecr:GetAuthorizationToken', '*'],
    [expect.arrayContaining(['ecr:PutImage']), [tfRefTo(j, 'aws_ecr_repository', 'AppRepo/Repository', 'arn')]],
    [['ecs:RegisterTaskDefinition', 'ecs:DescribeTaskDefinition'], '*'],
    [['ecs:UpdateService', 'ecs:DescribeServices'], [tfRefTo(j, 'aws_ecs_service', 'Api/Service', 'id')]],
    ['iam:PassRole', [tfRefTo(j, 'aws_iam_role', 'Api/TaskRole', 'arn'), tfRefTo(j, 'aws_iam_role', 'Api/ExecutionRole', 'arn')]],
    [['ssm:PutParameter', 'ssm:GetParameter'], [expect.stringMatching(/^arn:\$\{data\.aws_partition\.[^}]+\}:ssm:.*:parameter\/web-dev\/api\/deployment$/)]],
  ]);
  expect(tfResourceAt(j, 'aws_ssm_parameter', 'Deploy/Deployment-Api')).toMatchObject({ name: '/web-dev/api/deployment', type: 'String', lifecycle: { ignore_changes: ['value'] } });
});

test('the workflow in a Terraform output keeps GitHub\'s ${{ }} expressions: escaped as $${{ }}, which Terraform prints as ${{ }}', () => {
  const workflow: string = j.output.deploy_workflow.value;
  expect(workflow).toContain('$${{ github.sha }}');
  expect(workflow).toContain('$${{ github.actor }}');
  expect(workflow.replace(/\$\$\{\{/g, '')).not.toContain('${{');
});
