/**
 * GitHubDeployRole parity: the same options give the same role in both engines —
 * the trust (provider, audience, subjects), every grant with its resource and
 * condition as deployed, the session length and the deployment parameters.
 */
import { cdkStack, cdkTemplate } from '../helpers/cdk';
import { graphOf } from '../helpers/parity-platform';
import { policyGrants } from '../helpers/symbolic';
import { tfStack, tfSynthFull } from '../helpers/terraform';
import { deliveryPath } from '../upgrade/scenarios';

type Json = Record<string, any>;

function normalise(output: Json, engine: 'cfn' | 'tf'): Json {
  const g = graphOf(output, engine);
  if (engine === 'cfn') {
    const resources = Object.entries<Json>(output.Resources);
    const role = resources.find(([id, r]) => r.Type === 'AWS::IAM::Role' && id.startsWith('DeployRole'))![1].Properties;
    const policy = resources.find(([id, r]) => r.Type === 'AWS::IAM::Policy' && id.startsWith('DeployRoleDefaultPolicy'))![1].Properties;
    const [provider] = resources.filter(([, r]) => r.Type === 'AWS::IAM::OIDCProvider').map(([, r]) => r.Properties);
    return {
      provider: [provider.Url, provider.ClientIdList],
      trust: policyGrants(g.symbolic(role.AssumeRolePolicyDocument)),
      grants: policyGrants(g.symbolic(policy.PolicyDocument)),
      maxSessionSeconds: role.MaxSessionDuration,
      parameters: resources.filter(([, r]) => r.Type === 'AWS::SSM::Parameter').map(([, r]) => [r.Properties.Name, r.Properties.Type]),
    };
  }
  const [role] = Object.values<Json>(output.resource.aws_iam_role).filter((r) => r['//'].metadata.path.endsWith('/Deploy/Role'));
  const [policy] = Object.values<Json>(output.resource.aws_iam_role_policy).filter((r) => r['//'].metadata.path.endsWith('/Deploy/Policy'));
  const [provider] = Object.values<Json>(output.resource.aws_iam_openid_connect_provider);
  return {
    provider: [provider.url, provider.client_id_list],
    trust: policyGrants(g.symbolic(JSON.parse(role.assume_role_policy))),
    grants: policyGrants(g.symbolic(JSON.parse(policy.policy))),
    maxSessionSeconds: role.max_session_duration,
    parameters: Object.values<Json>(output.resource.aws_ssm_parameter).map((p) => [p.name, p.type]),
  };
}

test('GitHubDeployRole parity: trust, grants, session, deployment parameters', () => {
  const scenario = deliveryPath();
  const { stack: cdkOut } = cdkStack('web-dev');
  scenario.cdk(cdkOut);
  const { stack: tfOut } = tfStack('web-dev');
  scenario.cdktf(tfOut);
  const cdk = normalise(cdkTemplate(cdkOut).toJSON(), 'cfn');
  expect(normalise(tfSynthFull(tfOut), 'tf')).toEqual(cdk);
  expect(cdk.trust).toHaveLength(1);
  expect(cdk.parameters).toEqual([['/web-dev/api/deployment', 'String']]);
  expect(cdk.grants.filter((grant: string) => / on \*$/.test(grant))).toEqual([
    'Allow ecr:GetAuthorizationToken on *', 'Allow ecs:DescribeTaskDefinition on *', 'Allow ecs:RegisterTaskDefinition on *',
  ]);
});
