import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { ContainerRepository, FargateWebService, PlatformCluster, PlatformNetwork } from '../../src/cdk';
import { repositoryLifecyclePolicy } from '../../src/constructs/container-repository';
import { EnvironmentProfile } from '../../src/constructs/environment-profile';
import { cdkStack, formatFindings } from '../helpers/cdk';
import { cdkGatesAndTemplate } from '../helpers/cdk-gates';

function build(profile: EnvironmentProfile) {
  const { app, stack } = cdkStack();
  const repo = new ContainerRepository(stack, 'AppRepo', { profile });
  const network = new PlatformNetwork(stack, 'Network', { profile });
  const cluster = new PlatformCluster(stack, 'Cluster', { network });
  new FargateWebService(stack, 'Api', { cluster, containerImage: repo.containerImage('v1.2.3'), containerPort: 3000 });
  const deployer = new iam.Role(stack, 'Deployer', { assumedBy: new iam.AccountRootPrincipal() });
  repo.grantPush(deployer);
  return { app, stack };
}

const synthesised = new Map<EnvironmentProfile, { template: Template; findings: string }>();
function output(profile: EnvironmentProfile) {
  if (!synthesised.has(profile)) {
    const { app, stack } = build(profile);
    const { findings, template } = cdkGatesAndTemplate(app, stack);
    synthesised.set(profile, { template, findings: formatFindings(findings) });
  }
  return synthesised.get(profile)!;
}

describe.each([EnvironmentProfile.DEVELOPMENT, EnvironmentProfile.PRODUCTION])('ContainerRepository (CDK, %s)', (profile) => {
  const production = profile === EnvironmentProfile.PRODUCTION;

  test('zero unacknowledged cdk-nag and Control Tower findings', () => {
    expect(output(profile).findings).toBe('');
  });

  test('immutable tags, scan on push, the key, the lifecycle policy; retained with its images in PRODUCTION, emptied and deleted in DEVELOPMENT', () => {
    const { template: t } = output(profile);
    const [[keyId]] = Object.entries(t.findResources('AWS::KMS::Key')).filter(([id]) => id.startsWith('AppRepoKey'));
    const [repo] = Object.values(t.findResources('AWS::ECR::Repository'));
    expect(repo.Properties).toMatchObject({
      ImageTagMutability: 'IMMUTABLE',
      ImageScanningConfiguration: { ScanOnPush: true },
      EncryptionConfiguration: { EncryptionType: 'KMS', KmsKey: { 'Fn::GetAtt': [keyId, 'Arn'] } },
      LifecyclePolicy: { LifecyclePolicyText: repositoryLifecyclePolicy(30, 7) },
    });
    expect(repo.Properties.EmptyOnDelete ?? false).toBe(!production);
    expect(repo.DeletionPolicy).toBe(production ? 'Retain' : 'Delete');
  });

  test('the service runs the tagged image from the repository; the deployer may push to exactly it', () => {
    const { template: t } = output(profile);
    const [repoId] = Object.keys(t.findResources('AWS::ECR::Repository'));
    const [td] = Object.values(t.findResources('AWS::ECS::TaskDefinition'));
    expect(JSON.stringify(td.Properties.ContainerDefinitions[0].Image)).toContain(repoId);
    expect(JSON.stringify(td.Properties.ContainerDefinitions[0].Image)).toContain(':v1.2.3');
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Action: Match.arrayWith(['ecr:CompleteLayerUpload', 'ecr:PutImage']), Resource: { 'Fn::GetAtt': [repoId, 'Arn'] },
        })]),
      },
      Roles: [{ Ref: Object.keys(t.findResources('AWS::IAM::Role')).find((id) => id.startsWith('Deployer')) }],
    });
  });
});

test('ContainerRepository (CDK): a bad tag and bad props are one clear error each', () => {
  const { stack } = cdkStack();
  const repo = new ContainerRepository(stack, 'AppRepo');
  expect(() => repo.imageUri('v1 2')).toThrow(/ContainerRepository.imageUri at 'Test\/AppRepo'.*\n {2}- tag: got "v1 2"; expected an image tag/);
  expect(() => new ContainerRepository(stack, 'Bad', { keepTaggedImages: 0, untaggedExpiry: 7 } as any))
    .toThrow(/\(2 problems\):\n {2}- untaggedExpiry: .*untaggedExpiryDays.*\n {2}- keepTaggedImages: /);
});

test('ContainerRepository (CDK): mutable tags by choice are acknowledged beside the repository, not silently', () => {
  const { app, stack } = cdkStack();
  new ContainerRepository(stack, 'AppRepo', { immutableTags: false, scanOnPush: false });
  const { findings, template } = cdkGatesAndTemplate(app, stack);
  expect(formatFindings(findings)).toBe('');
  template.hasResourceProperties('AWS::ECR::Repository', { ImageTagMutability: 'MUTABLE', ImageScanningConfiguration: { ScanOnPush: false } });
});
