/**
 * ContainerRepository parity: the same options give the same repository in both
 * engines (tag mutability, scanning, encryption key, lifecycle policy, what
 * happens on deletion) and the same push grant, compared with one toEqual per scenario.
 */
import { cdkStack, cdkTemplate } from '../helpers/cdk';
import { graphOf } from '../helpers/parity-platform';
import { policyGrants } from '../helpers/symbolic';
import { tfStack, tfSynthFull } from '../helpers/terraform';
import { containerRepository } from '../upgrade/scenarios';
import { EnvironmentProfile } from 'ecs-platform-constructs';

type Json = Record<string, any>;

function normalise(output: Json, engine: 'cfn' | 'tf'): Json {
  const cfn = engine === 'cfn';
  const g = graphOf(output, engine);
  if (cfn) {
    const [repo] = Object.values<Json>(output.Resources).filter((r) => r.Type === 'AWS::ECR::Repository');
    const p = repo.Properties;
    const [grant] = Object.entries<Json>(output.Resources).filter(([id, r]) => r.Type === 'AWS::IAM::Policy' && id.startsWith('Deployer'));
    return {
      tags: p.ImageTagMutability,
      scanOnPush: p.ImageScanningConfiguration.ScanOnPush,
      encryption: [p.EncryptionConfiguration.EncryptionType, g.symbolic(p.EncryptionConfiguration.KmsKey)],
      lifecycle: JSON.parse(p.LifecyclePolicy.LifecyclePolicyText),
      onDelete: repo.DeletionPolicy === 'Retain' ? 'kept' : p.EmptyOnDelete ? 'deleted with its images' : 'deleted',
      pushGrant: policyGrants(g.symbolic(grant[1].Properties.PolicyDocument)),
    };
  }
  const [repo] = Object.values<Json>(output.resource.aws_ecr_repository);
  const [policy] = Object.values<Json>(output.resource.aws_ecr_lifecycle_policy);
  const [grant] = Object.values<Json>(output.resource.aws_iam_role_policy);
  return {
    tags: repo.image_tag_mutability,
    scanOnPush: repo.image_scanning_configuration.scan_on_push,
    encryption: [repo.encryption_configuration[0].encryption_type, g.symbolic(repo.encryption_configuration[0].kms_key)],
    lifecycle: JSON.parse(policy.policy),
    onDelete: repo.lifecycle?.prevent_destroy ? 'kept' : repo.force_delete ? 'deleted with its images' : 'deleted',
    pushGrant: policyGrants(g.symbolic(JSON.parse(grant.policy))),
  };
}

test.each([EnvironmentProfile.DEVELOPMENT, EnvironmentProfile.PRODUCTION])('ContainerRepository parity (%s)', (profile) => {
  const scenario = containerRepository(profile);
  const { stack: cdkOut } = cdkStack('Parity');
  scenario.cdk(cdkOut);
  const { stack: tfOut } = tfStack('Parity');
  scenario.cdktf(tfOut);
  const cdk = normalise(cdkTemplate(cdkOut).toJSON(), 'cfn');
  expect(normalise(tfSynthFull(tfOut), 'tf')).toEqual(cdk);
  expect(cdk.onDelete).toBe(profile === EnvironmentProfile.PRODUCTION ? 'kept' : 'deleted with its images');
  expect(cdk.encryption).toEqual(['KMS', '<key:AppRepoKey.arn>']);
});
