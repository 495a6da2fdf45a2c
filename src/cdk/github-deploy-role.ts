import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { ContainerRepository } from './container-repository';
import { CDK_ENVIRONMENT, cdkPlatformRef, checkCdkProps, markCdkConstruct } from './engine';
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

/** Props of the AWS CDK GitHubDeployRole. */
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
  public readonly role: iam.Role;
  /** The role's ARN: `role-to-assume` of aws-actions/configure-aws-credentials. */
  public readonly roleArn: string;
  /** The OIDC provider created for GitHub Actions; undefined when `existingProviderArn` was given. */
  public readonly provider?: iam.CfnOIDCProvider;
  /** The provider's ARN. */
  public readonly providerArn: string;
  /** Each service's deployment parameter, by the service's construct ID. */
  public readonly deploymentParameters: Record<string, ssm.StringParameter> = {};

  private readonly plan: GitHubDeployRolePlan;

  constructor(scope: Construct, id: string, props: GitHubDeployRoleProps) {
    const schema = S.extend(GITHUB_DEPLOY_ROLE_OPTIONS_SCHEMA, {
      services: S.arrayOf(cdkPlatformRef(scope, 'FargateWebService', 'FargateWorkerService')),
      containerRepositories: S.arrayOf(cdkPlatformRef(scope, 'ContainerRepository')),
    });
    const { v, props: p } = checkCdkProps<GitHubDeployRoleProps>('GitHubDeployRole', scope, id, props, schema);
    const plan = planGitHubDeployRole(p, { deploymentName: Stack.of(scope).stackName }, v);
    super(scope, id);
    markCdkConstruct(this, 'GitHubDeployRole');
    this.plan = plan;

    if (plan.existingProviderArn === undefined) {
      // The L1: aws-cdk-lib's OpenIdConnectProvider deploys a custom-resource Lambda; IAM now trusts GitHub's
      // certificate authority itself, so no thumbprint is needed.
      this.provider = new iam.CfnOIDCProvider(this, 'Provider', { url: GITHUB_OIDC.url, clientIdList: [GITHUB_OIDC.audience] });
      this.providerArn = this.provider.attrArn;
    } else {
      this.providerArn = plan.existingProviderArn;
    }
    const trust = githubTrustStatement(plan, this.providerArn);
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.FederatedPrincipal(this.providerArn, trust.Condition!, 'sts:AssumeRoleWithWebIdentity'),
      description: `GitHub Actions of ${plan.repository} deploy through ${this.node.path}`,
      maxSessionDuration: Duration.seconds(plan.maxSessionSeconds),
    });
    this.roleArn = this.role.roleArn;

    const targets = (p.services ?? []).map((service) => {
      const name = deploymentParameterName(plan.platformName, service.node.id);
      const parameter = new ssm.StringParameter(this, `Deployment-${service.node.id}`, {
        parameterName: name,
        description: `The last deployment of ${service.node.path} (image, commit, time, actor), written by ${plan.repository}'s workflow`,
        stringValue: JSON.stringify({ image: null, commit: null, time: null, actor: null }),
      });
      this.deploymentParameters[service.node.id] = parameter;
      return {
        serviceArn: service.service.serviceArn,
        taskRoleArn: service.taskRole.roleArn,
        executionRoleArn: service.executionRole.roleArn,
        parameterArn: parameterArn(name, CDK_ENVIRONMENT),
      };
    });
    const statements = deployRoleStatements((p.containerRepositories ?? []).map((r) => r.repositoryArn), targets);
    for (const statement of statements) this.role.addToPolicy(iam.PolicyStatement.fromJson(statement));
    if (statements.length > 0) {
      Validations.of(this.role).acknowledge({
        id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
        reason: 'ecr:GetAuthorizationToken, ecs:RegisterTaskDefinition and ecs:DescribeTaskDefinition support no resource-level permissions.',
      });
    }
  }

  /**
   * A ready GitHub Actions workflow that builds `repository`'s image, deploys `service` and records
   * the deployment. It names deploy-time values (the role ARN, the repository URI): put it in a
   * `CfnOutput` to read it after deployment.
   */
  public workflow(service: IFargateService, repository: ContainerRepository): string {
    return workflowSnippet(this.plan, {
      roleArn: this.roleArn,
      region: Stack.of(this).region,
      repositoryUri: repository.repositoryUri,
      cluster: service.cluster.clusterName,
      service: service.serviceName,
      taskDefinitionFamily: service.taskDefinition.family,
      containerName: WEB_CONTAINER_NAME,
      parameterName: deploymentParameterName(this.plan.platformName, service.node.id),
    });
  }
}
