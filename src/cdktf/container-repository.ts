// Deep imports only: the @cdktf/provider-aws root barrel costs ~1.7 s and 550 MB.
import { EcrLifecyclePolicy } from '@cdktf/provider-aws/lib/ecr-lifecycle-policy';
import { EcrRepository } from '@cdktf/provider-aws/lib/ecr-repository';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { Construct } from 'constructs';
import {
  acknowledgeGuardRule,
  awsEnvironment,
  cdktfValidationContext,
  checkCdktfProps,
  markCdktfConstruct,
  nameTag,
  physicalName,
  policyDocument,
} from './engine';
import {
  CONTAINER_REPOSITORY_OPTIONS_SCHEMA,
  ContainerRepositoryOptions,
  imageReference,
  planContainerRepository,
  repositoryGrantStatements,
} from '../constructs/container-repository';
import { EnvironmentProfile } from '../constructs/environment-profile';
import { allowAccountToAdministerKey, DENY_GRANTS_EXCEPT_FOR_AWS_SERVICES } from '../constructs/policies';

/** Props of the CDK for Terraform ContainerRepository. */
export interface ContainerRepositoryProps extends ContainerRepositoryOptions {}

/**
 * A private ECR repository for a platform service's images: immutable tags,
 * scan on push, a lifecycle policy (the last 30 tagged images, untagged ones
 * for 7 days), encryption with a customer-managed key, kept with its images in
 * PRODUCTION. `imageUri(tag)` is a FargateWebService's `image`; `grantPull`
 * and `grantPush` give a role exactly this repository.
 */
export class ContainerRepository extends Construct {
  /** The profile the defaults were picked from. */
  public readonly profile: EnvironmentProfile;
  /** The ECR repository. */
  public readonly repository: EcrRepository;
  /** The repository name, derived from the construct path (lower case, as ECR requires). */
  public readonly repositoryName: string;
  /** The repository ARN. */
  public readonly repositoryArn: string;
  /** `<account>.dkr.ecr.<region>.<suffix>/<name>`: what `docker push` and an image reference start with. */
  public readonly repositoryUri: string;
  /** The key created for the images; undefined when `kmsKeyArn` was given. */
  public readonly encryptionKey?: KmsKey;
  /** The ARN of the key the images are encrypted with. */
  public readonly encryptionKeyArn: string;
  /** The lifecycle policy. */
  public readonly lifecyclePolicy: EcrLifecyclePolicy;

  private grants = 0;

  constructor(scope: Construct, id: string, props: ContainerRepositoryProps = {}) {
    const { v, props: checked } = checkCdktfProps<ContainerRepositoryProps>('ContainerRepository', scope, id, props, CONTAINER_REPOSITORY_OPTIONS_SCHEMA);
    const plan = planContainerRepository(checked, v);
    super(scope, id);
    markCdktfConstruct(this, 'ContainerRepository');
    this.profile = plan.profile;
    // Terraform has no "retain on destroy": prevent_destroy makes a destroy fail instead.
    const lifecycle = plan.retainOnDelete ? { preventDestroy: true } : undefined;

    if (plan.encryption.createKey) {
      this.encryptionKey = new KmsKey(this, 'Key', {
        description: `Encrypts the images of ${this.node.path}`,
        enableKeyRotation: true,
        deletionWindowInDays: plan.keyDeletionWindowDays,
        policy: policyDocument([allowAccountToAdministerKey(awsEnvironment(this, 'Key')), DENY_GRANTS_EXCEPT_FOR_AWS_SERVICES]),
        lifecycle,
        tags: nameTag(this),
      });
      this.encryptionKeyArn = this.encryptionKey.arn;
    } else {
      this.encryptionKeyArn = plan.encryption.kmsKeyArn;
    }

    this.repository = new EcrRepository(this, 'Repository', {
      // ECR names are lower case; the path keeps them unique per deployment.
      name: physicalName(this, { allowed: /[A-Za-z0-9._-]/, maxLength: 256 }).toLowerCase(),
      imageTagMutability: plan.imageTagMutability,
      imageScanningConfiguration: { scanOnPush: plan.scanOnPush },
      encryptionConfiguration: [{ encryptionType: 'KMS', kmsKey: this.encryptionKeyArn }],
      // DEVELOPMENT: destroy deletes the images too (ECR refuses to delete a repository with images).
      forceDelete: !plan.retainOnDelete,
      lifecycle,
      tags: nameTag(this),
    });
    this.lifecyclePolicy = new EcrLifecyclePolicy(this, 'LifecyclePolicy', {
      repository: this.repository.name,
      policy: plan.lifecyclePolicy,
    });
    if (plan.imageTagMutability === 'MUTABLE') {
      acknowledgeGuardRule(this.repository, 'TF_ECR_IMMUTABLE_SCANNED', 'immutableTags: false, chosen in the props (a tag such as "latest" is moved on each push).');
    } else if (!plan.scanOnPush) {
      acknowledgeGuardRule(this.repository, 'TF_ECR_IMMUTABLE_SCANNED', 'scanOnPush: false, chosen in the props (e.g. the registry scans with Amazon Inspector instead).');
    }
    this.repositoryName = this.repository.name;
    this.repositoryArn = this.repository.arn;
    this.repositoryUri = this.repository.repositoryUrl;
  }

  /** `<repositoryUri>:<tag>`, the tag checked: a FargateWebService's `image`. */
  public imageUri(tag: string): string {
    return imageReference(this.repositoryUri, tag, cdktfValidationContext('ContainerRepository.imageUri', this.node.scope!, this.node.id));
  }

  /** Let `role` pull images from exactly this repository. */
  public grantPull(role: IamRole): IamRolePolicy {
    return this.grant(role, 'pull');
  }

  /** Let `role` push (and pull) images to exactly this repository, as a CI role does. */
  public grantPush(role: IamRole): IamRolePolicy {
    return this.grant(role, 'push');
  }

  private grant(role: IamRole, access: 'pull' | 'push'): IamRolePolicy {
    return new IamRolePolicy(this, `${access === 'pull' ? 'Pull' : 'Push'}Grant${++this.grants}`, {
      role: role.id,
      policy: policyDocument(repositoryGrantStatements(this.repositoryArn, access)),
    });
  }
}
