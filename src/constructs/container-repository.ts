import { ENVIRONMENT_PROFILES, EnvironmentProfile, profileDefaults } from './environment-profile';
import { PolicyStatementJson } from './policies';
import { S } from './prop-schema';
import { PropsValidator, ValidationContext } from './validation';

/** Engine-neutral options of ContainerRepository, shared by the CDK and CDKTF constructs. */
export interface ContainerRepositoryOptions {
  /**
   * Refuse to overwrite a tag: every push of `v1.2.3` is the image that was
   * first pushed as `v1.2.3`, so a deployment can be rolled back to it.
   * @default true
   */
  readonly immutableTags?: boolean;
  /**
   * Scan each image for vulnerabilities when it is pushed (basic scanning).
   * @default true
   */
  readonly scanOnPush?: boolean;
  /**
   * Tagged images to keep, 1 to 10,000: older ones expire.
   * @default 30
   */
  readonly keepTaggedImages?: number;
  /**
   * Days an untagged image (a layer set no tag points at any more) is kept, 1 to 3,650.
   * @default 7
   */
  readonly untaggedExpiryDays?: number;
  /**
   * ARN of a customer-managed KMS key to encrypt images with.
   * @default - a key created for the repository, with rotation
   */
  readonly kmsKeyArn?: string;
  /**
   * Cost-versus-resilience defaults: PRODUCTION keeps the repository (and its
   * images) when the stack is deleted; DEVELOPMENT deletes it with its images.
   * @default EnvironmentProfile.DEVELOPMENT
   */
  readonly profile?: EnvironmentProfile;
}

/** @internal the run-time shape of ContainerRepositoryOptions. */
export const CONTAINER_REPOSITORY_OPTIONS_SCHEMA = S.struct<ContainerRepositoryOptions>({
  immutableTags: S.boolean,
  scanOnPush: S.boolean,
  keepTaggedImages: S.integer,
  untaggedExpiryDays: S.integer,
  kmsKeyArn: S.string,
  profile: S.enumOf('EnvironmentProfile', EnvironmentProfile),
});

/** @internal what both engines build for a ContainerRepository. */
export interface ContainerRepositoryPlan {
  readonly profile: EnvironmentProfile;
  readonly imageTagMutability: 'IMMUTABLE' | 'MUTABLE';
  readonly scanOnPush: boolean;
  /** The lifecycle policy ECR evaluates, as its JSON text. */
  readonly lifecyclePolicy: string;
  readonly keepTaggedImages: number;
  readonly untaggedExpiryDays: number;
  readonly encryption: { readonly createKey: true } | { readonly createKey: false; readonly kmsKeyArn: string };
  readonly retainOnDelete: boolean;
  readonly keyDeletionWindowDays: number;
}

const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;

/** @internal validate ContainerRepository options (all problems at once) and compute the plan. */
export function planContainerRepository(options: ContainerRepositoryOptions | undefined,
  validation: PropsValidator | ValidationContext): ContainerRepositoryPlan {
  const { v, o } = PropsValidator.begin(validation, CONTAINER_REPOSITORY_OPTIONS_SCHEMA, options ?? {});
  const profile = v.oneOf('profile', o.profile, ENVIRONMENT_PROFILES) ? o.profile! : EnvironmentProfile.DEVELOPMENT;
  const defaults = profileDefaults(profile);
  const keepTaggedImages = o.keepTaggedImages ?? 30;
  const untaggedExpiryDays = o.untaggedExpiryDays ?? 7;
  v.integerInRange('keepTaggedImages', keepTaggedImages, 1, 10000);
  v.integerInRange('untaggedExpiryDays', untaggedExpiryDays, 1, 3650);
  if (o.kmsKeyArn !== undefined && !v.isUnresolved(o.kmsKeyArn)) {
    v.require(KMS_KEY_ARN.test(o.kmsKeyArn), 'kmsKeyArn', o.kmsKeyArn,
      'expected a KMS key ARN such as "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab" (a key, not an alias)');
  }
  v.throwIfInvalid();
  return {
    profile,
    imageTagMutability: o.immutableTags === false ? 'MUTABLE' : 'IMMUTABLE',
    scanOnPush: o.scanOnPush ?? true,
    lifecyclePolicy: repositoryLifecyclePolicy(keepTaggedImages, untaggedExpiryDays),
    keepTaggedImages,
    untaggedExpiryDays,
    encryption: o.kmsKeyArn === undefined ? { createKey: true } : { createKey: false, kmsKeyArn: o.kmsKeyArn },
    retainOnDelete: defaults.retainOnDelete,
    keyDeletionWindowDays: defaults.keyDeletionWindowDays,
  };
}

/**
 * @internal
 * ECR's lifecycle policy: untagged images expire after `untaggedDays`, and of the
 * tagged ones (any tag: `*`) only the newest `keepTagged` are kept.
 */
export function repositoryLifecyclePolicy(keepTagged: number, untaggedDays: number): string {
  return JSON.stringify({
    rules: [
      {
        rulePriority: 1,
        description: `Expire untagged images after ${untaggedDays} days`,
        selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: untaggedDays },
        action: { type: 'expire' },
      },
      {
        rulePriority: 2,
        description: `Keep the last ${keepTagged} tagged images`,
        selection: { tagStatus: 'tagged', tagPatternList: ['*'], countType: 'imageCountMoreThan', countNumber: keepTagged },
        action: { type: 'expire' },
      },
    ],
  });
}

/** @internal pull an image: the repository's layer actions, and the account-wide token. */
export const ECR_PULL_ACTIONS: readonly string[] = ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'];
/** @internal push an image (and read what is there, as `docker push` does). */
export const ECR_PUSH_ACTIONS: readonly string[] = [
  ...ECR_PULL_ACTIONS, 'ecr:InitiateLayerUpload', 'ecr:UploadLayerPart', 'ecr:CompleteLayerUpload', 'ecr:PutImage',
];

/** @internal the statements of a pull or push grant on `repositoryArn`. */
export function repositoryGrantStatements(repositoryArn: string, access: 'pull' | 'push'): PolicyStatementJson[] {
  return [
    // GetAuthorizationToken has no resource-level permissions.
    { Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
    { Effect: 'Allow', Action: [...(access === 'pull' ? ECR_PULL_ACTIONS : ECR_PUSH_ACTIONS)], Resource: repositoryArn },
  ];
}

/** @internal `<repository URI>:<tag>` after checking the tag (ECR: 1 to 128 characters). */
export function imageReference(repositoryUri: string, tag: string, context: ValidationContext): string {
  const v = new PropsValidator(context);
  if (!v.isUnresolved(tag)) {
    v.require(typeof tag === 'string' && /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(tag), 'tag', tag,
      'expected an image tag of letters, digits, _ . - (at most 128, not starting with . or -), e.g. "v1.2.3" or a commit SHA');
  }
  v.throwIfInvalid();
  return `${repositoryUri}:${tag}`;
}
