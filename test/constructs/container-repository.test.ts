import { imageReference, planContainerRepository, repositoryGrantStatements } from '../../src/constructs/container-repository';
import { EnvironmentProfile } from '../../src/constructs/environment-profile';
import { PropsValidationError, ValidationContext } from '../../src/constructs/validation';

const context: ValidationContext = { construct: 'ContainerRepository', path: 'Stack/AppRepo', isUnresolved: (x) => typeof x === 'string' && x.includes('${Token[') };

function problems(run: () => unknown): string[] {
  try {
    run();
  } catch (e) {
    if (e instanceof PropsValidationError) return e.problems.map((p) => `${p.prop}: ${p.allowed}`);
    throw e;
  }
  throw new Error('expected a PropsValidationError');
}

test('GIVEN no options THEN immutable tags, scan on push, a created key, the last 30 tagged and 7 days untagged, deleted with DEVELOPMENT', () => {
  const plan = planContainerRepository({}, context);
  expect(plan).toMatchObject({
    profile: EnvironmentProfile.DEVELOPMENT,
    imageTagMutability: 'IMMUTABLE',
    scanOnPush: true,
    encryption: { createKey: true },
    keepTaggedImages: 30,
    untaggedExpiryDays: 7,
    retainOnDelete: false,
  });
  expect(JSON.parse(plan.lifecyclePolicy)).toEqual({
    rules: [
      {
        rulePriority: 1,
        description: 'Expire untagged images after 7 days',
        selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 7 },
        action: { type: 'expire' },
      },
      {
        rulePriority: 2,
        description: 'Keep the last 30 tagged images',
        selection: { tagStatus: 'tagged', tagPatternList: ['*'], countType: 'imageCountMoreThan', countNumber: 30 },
        action: { type: 'expire' },
      },
    ],
  });
  expect(planContainerRepository({ profile: EnvironmentProfile.PRODUCTION }, context).retainOnDelete).toBe(true);
});

test('GIVEN bad values THEN one error names each', () => {
  const options = { keepTaggedImages: 0, untaggedExpiryDays: 1.5, kmsKeyArn: 'alias/aws/ecr', profile: 'prod' as any };
  expect(problems(() => planContainerRepository(options, context))).toEqual([
    'untaggedExpiryDays: expected a whole number (an integer)',
    expect.stringMatching(/^profile: expected one of/),
    'keepTaggedImages: expected an integer from 1 to 10000',
    expect.stringMatching(/^kmsKeyArn: expected a KMS key ARN/),
  ]);
});

test('image references: a checked tag after the repository URI', () => {
  expect(imageReference('111122223333.dkr.ecr.eu-west-1.amazonaws.com/app', 'v1.2.3', context)).toBe('111122223333.dkr.ecr.eu-west-1.amazonaws.com/app:v1.2.3');
  expect(problems(() => imageReference('uri', 'latest tag', context))).toEqual([expect.stringMatching(/^tag: expected an image tag/)]);
  expect(problems(() => imageReference('uri', '-x', context))).toHaveLength(1);
});

test('grants: the token on *, the layer actions on exactly the repository; push adds the upload actions', () => {
  const arn = 'arn:aws:ecr:eu-west-1:111122223333:repository/app';
  expect(repositoryGrantStatements(arn, 'pull')).toEqual([
    { Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
    { Effect: 'Allow', Action: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'], Resource: arn },
  ]);
  expect(repositoryGrantStatements(arn, 'push')[1].Action).toEqual(expect.arrayContaining(['ecr:PutImage', 'ecr:InitiateLayerUpload', 'ecr:CompleteLayerUpload']));
});
