import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { TerraformStack } from 'cdktf';
import { ContainerRepository, FargateWebService, PlatformCluster, PlatformNetwork } from '../../src/cdktf';
import { repositoryLifecyclePolicy } from '../../src/constructs/container-repository';
import { EnvironmentProfile } from '../../src/constructs/environment-profile';
import { TfJson, tfStack, tfSynthFull } from '../helpers/terraform';
import { describeTfGates } from '../helpers/tf-gates';
import { tfContainers, tfPolicy, tfRefTo, tfResourceAt } from '../helpers/tf-platform';

function build(profile: EnvironmentProfile): TerraformStack {
  const { stack } = tfStack();
  const repo = new ContainerRepository(stack, 'AppRepo', { profile });
  const network = new PlatformNetwork(stack, 'Network', { profile });
  const cluster = new PlatformCluster(stack, 'Cluster', { network });
  new FargateWebService(stack, 'Api', { cluster, image: repo.imageUri('v1.2.3'), containerPort: 3000 });
  const deployer = new IamRole(stack, 'Deployer', { assumeRolePolicy: JSON.stringify({ Version: '2012-10-17', Statement: [] }) });
  repo.grantPush(deployer);
  return stack;
}

describeTfGates('ContainerRepository (CDKTF) gates', {
  development: () => build(EnvironmentProfile.DEVELOPMENT),
  production: () => build(EnvironmentProfile.PRODUCTION),
});

const synthesised = new Map<EnvironmentProfile, TfJson>();
const output = (profile: EnvironmentProfile) => {
  if (!synthesised.has(profile)) synthesised.set(profile, tfSynthFull(build(profile)));
  return synthesised.get(profile)!;
};

describe.each([EnvironmentProfile.DEVELOPMENT, EnvironmentProfile.PRODUCTION])('ContainerRepository (CDKTF, %s)', (profile) => {
  const production = profile === EnvironmentProfile.PRODUCTION;

  test('immutable tags, scan on push, the key, the lifecycle policy; prevent_destroy in PRODUCTION, force_delete in DEVELOPMENT', () => {
    const j = output(profile);
    const repo = tfResourceAt(j, 'aws_ecr_repository', 'AppRepo/Repository');
    expect(repo).toMatchObject({
      name: 'test-apprepo',
      image_tag_mutability: 'IMMUTABLE',
      image_scanning_configuration: { scan_on_push: true },
      encryption_configuration: [{ encryption_type: 'KMS', kms_key: tfRefTo(j, 'aws_kms_key', 'AppRepo/Key', 'arn') }],
      force_delete: !production,
    });
    expect(repo.lifecycle?.prevent_destroy ?? false).toBe(production);
    expect(tfResourceAt(j, 'aws_ecr_lifecycle_policy', 'AppRepo/LifecyclePolicy')).toMatchObject({
      repository: tfRefTo(j, 'aws_ecr_repository', 'AppRepo/Repository', 'name'), policy: repositoryLifecyclePolicy(30, 7),
    });
  });

  test('the service runs the tagged image from the repository; the deployer may push to exactly it', () => {
    const j = output(profile);
    const [web] = tfContainers(tfResourceAt(j, 'aws_ecs_task_definition', 'Api/TaskDefinition'));
    expect(web.image).toBe(`${tfRefTo(j, 'aws_ecr_repository', 'AppRepo/Repository', 'repository_url')}:v1.2.3`);
    const statements = tfPolicy(tfResourceAt(j, 'aws_iam_role_policy', 'AppRepo/PushGrant1')).Statement;
    expect(statements[1]).toEqual({
      Effect: 'Allow',
      Resource: tfRefTo(j, 'aws_ecr_repository', 'AppRepo/Repository', 'arn'),
      Action: expect.arrayContaining(['ecr:PutImage', 'ecr:CompleteLayerUpload', 'ecr:BatchGetImage']),
    });
  });
});

test('ContainerRepository (CDKTF): a bad tag is a clear error', () => {
  const { stack } = tfStack();
  const repo = new ContainerRepository(stack, 'AppRepo');
  expect(() => repo.imageUri('v1 2')).toThrow(/ContainerRepository.imageUri at 'test\/AppRepo'.*\n {2}- tag: got "v1 2"; expected an image tag/);
});
