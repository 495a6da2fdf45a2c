// Deep imports only: the @cdktf/provider-aws root barrel costs ~1.7 s and 550 MB.
import { IamOpenidConnectProvider } from '@cdktf/provider-aws/lib/iam-openid-connect-provider';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { SsmParameter } from '@cdktf/provider-aws/lib/ssm-parameter';
import { TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { ContainerRepository } from './container-repository';
import { awsEnvironment, cdktfPlatformRef, checkCdktfProps, markCdktfConstruct, nameTag, policyDocument } from './engine';
import { IFargateService } from './fargate-service';
import { WEB_CONTAINER_NAME } from '../constructs/fargate-web-service';
import {
  deploymentParameterName,
  deployRoleStatements,
  GITHUB_DEPLOY_ROLE_OPTIONS_SCHEMA,
  GITHUB_OIDC,
  GitHubDeployRoleOptions,
  GitHubDeployRolePlan,
  githubTrustStatement,
  parameterArn,
  planGitHubDeployRole,
  workflowSnippet,
} from '../constructs/github-deploy-role';
import { S } from '../constructs/prop-schema';

/** Props of the CDK for Terraform GitHubDeployRole. */
export interface GitHubDeployRoleProps extends GitHubDeployRoleOptions {
  /**
   * The services the workflows may deploy: update, pass their roles, write their deployment parameter.
   * @default - none
   */
  readonly services?: IFargateService[];
  /**
   * The repositories the workflows may push images to.
   * @default - none
   */
  readonly containerRepositories?: ContainerRepository[];
}

/**
 * An IAM role GitHub Actions assumes without long-lived keys (OIDC): trusted for
 * exactly one repository and the named branches or environments, allowed to push
 * to the named container repositories, register task definitions, update exactly
 * the named services, pass exactly their roles, and record each deployment
 * (image, commit, time, actor) in the service's SSM parameter
 * `/<platformName>/<service>/deployment`.
 */
export class GitHubDeployRole extends Construct {
  /** The role. */
  public readonly role: IamRole;
  /** The role's ARN: `role-to-assume` of aws-actions/configure-aws-credentials. */
  public readonly roleArn: string;
  /** The OIDC provider created for GitHub Actions; undefined when `existingProviderArn` was given. */
  public readonly provider?: IamOpenidConnectProvider;
  /** The provider's ARN. */
  public readonly providerArn: string;
  /** The role's deploy permissions; undefined when neither services nor repositories were given. */
  public readonly policy?: IamRolePolicy;
  /** Each service's deployment parameter, by the service's construct ID. */
  public readonly deploymentParameters: Record<string, SsmParameter> = {};

  private readonly plan: GitHubDeployRolePlan;

  constructor(scope: Construct, id: string, props: GitHubDeployRoleProps) {
    const schema = S.extend(GITHUB_DEPLOY_ROLE_OPTIONS_SCHEMA, {
      services: S.arrayOf(cdktfPlatformRef(scope, 'FargateWebService', 'FargateWorkerService')),
      containerRepositories: S.arrayOf(cdktfPlatformRef(scope, 'ContainerRepository')),
    });
    const { v, props: p } = checkCdktfProps<GitHubDeployRoleProps>('GitHubDeployRole', scope, id, props, schema);
    const plan = planGitHubDeployRole(p, { deploymentName: TerraformStack.of(scope).node.id }, v);
    super(scope, id);
    markCdktfConstruct(this, 'GitHubDeployRole');
    this.plan = plan;
    const env = awsEnvironment(this);

    if (plan.existingProviderArn === undefined) {
      // IAM trusts GitHub's certificate authority itself: no thumbprint is needed.
      this.provider = new IamOpenidConnectProvider(this, 'Provider', { url: GITHUB_OIDC.url, clientIdList: [GITHUB_OIDC.audience], tags: nameTag(this) });
      this.providerArn = this.provider.arn;
    } else {
      this.providerArn = plan.existingProviderArn;
    }
    this.role = new IamRole(this, 'Role', {
      assumeRolePolicy: policyDocument([githubTrustStatement(plan, this.providerArn)]),
      description: `GitHub Actions of ${plan.repository} deploy through ${this.node.path}`,
      maxSessionDuration: plan.maxSessionSeconds,
      tags: nameTag(this),
    });
    this.roleArn = this.role.arn;

    const targets = (p.services ?? []).map((service) => {
      const name = deploymentParameterName(plan.platformName, service.node.id);
      this.deploymentParameters[service.node.id] = new SsmParameter(this, `Deployment-${service.node.id}`, {
        name,
        type: 'String',
        description: `The last deployment of ${service.node.path} (image, commit, time, actor), written by ${plan.repository}'s workflow`,
        value: JSON.stringify({ image: null, commit: null, time: null, actor: null }),
        // The workflow writes it from then on.
        lifecycle: { ignoreChanges: ['value'] },
        tags: nameTag(this),
      });
      return {
        serviceArn: service.service.id,
        taskRoleArn: service.taskRole.arn,
        executionRoleArn: service.executionRole.arn,
        parameterArn: parameterArn(name, env),
      };
    });
    const statements = deployRoleStatements((p.containerRepositories ?? []).map((r) => r.repositoryArn), targets);
    if (statements.length > 0) {
      this.policy = new IamRolePolicy(this, 'Policy', { role: this.role.id, policy: policyDocument(statements) });
    }
  }

  /**
   * A ready GitHub Actions workflow that builds `repository`'s image, deploys `service` and records
   * the deployment. It names deploy-time values (the role ARN, the repository URL): put it in a
   * `TerraformOutput` to read it after `terraform apply`.
   */
  public workflow(service: IFargateService, repository: ContainerRepository): string {
    const env = awsEnvironment(this);
    // GitHub's `${{ ... }}` expressions would be Terraform interpolations in an output: `$${` is Terraform's escape.
    // (A replacer function: in a replacement string `$$` is one `$`.) cdktf's own tokens are `${TfToken[...]}`, untouched.
    return workflowSnippet(this.plan, {
      roleArn: this.roleArn,
      region: env.region,
      repositoryUri: repository.repositoryUri,
      cluster: service.cluster.clusterName,
      service: service.serviceName,
      taskDefinitionFamily: service.taskDefinition.family,
      containerName: WEB_CONTAINER_NAME,
      parameterName: deploymentParameterName(this.plan.platformName, service.node.id),
    }).replace(/\$\{\{/g, () => '$${{');
  }
}
