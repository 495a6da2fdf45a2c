/**
 * A small typed cdktf binding for the few resources of the Terraform `awscc`
 * provider (Cloud Control API) this library needs: npm has no prebuilt awscc
 * binding, and the Terraform AWS provider has no DevOps Agent resources yet.
 *
 * The attribute names are the awscc documentation's
 * (registry: hashicorp/awscc, docs/resources/devopsagent_agent_space.md and
 * devopsagent_association.md, provider 1.66 and later); AWSCC_ATTRIBUTES
 * lists them so tests can check every synthesised key against them where
 * `terraform validate` cannot run.
 */
import { ITerraformDependable, TerraformProvider, TerraformResource, TerraformStack, Token } from 'cdktf';
import { Construct, IConstruct } from 'constructs';

/** @internal the awscc provider: its registry source and the versions that have the DevOps Agent resources. */
export const AWSCC_PROVIDER = { source: 'hashicorp/awscc', version: '>= 1.66.0, < 2.0.0' } as const;

/**
 * @internal
 * The attributes each awscc resource of this binding may set, nested objects
 * as `parent.child` (list and set elements without an index), from the awscc docs.
 */
export const AWSCC_ATTRIBUTES: Readonly<Record<string, readonly string[]>> = {
  awscc_devopsagent_agent_space: [
    'name', 'description', 'kms_key_arn', 'locale', 'tags', 'tags.key', 'tags.value',
    'operator_app', 'operator_app.iam', 'operator_app.iam.operator_app_role_arn',
  ],
  awscc_devopsagent_association: [
    'agent_space_id', 'service_id', 'linked_association_ids', 'configuration',
    'configuration.aws', 'configuration.aws.account_id', 'configuration.aws.account_type', 'configuration.aws.assumable_role_arn',
    'configuration.aws.resources', 'configuration.aws.resources.resource_arn', 'configuration.aws.resources.resource_type',
    'configuration.aws.resources.resource_metadata', 'configuration.aws.tags', 'configuration.aws.tags.key', 'configuration.aws.tags.value',
    'configuration.git_hub', 'configuration.git_hub.owner', 'configuration.git_hub.owner_type', 'configuration.git_hub.repo_id',
    'configuration.git_hub.repo_name',
    'configuration.slack', 'configuration.slack.workspace_id', 'configuration.slack.workspace_name', 'configuration.slack.transmission_target',
    'configuration.slack.transmission_target.incident_response_target', 'configuration.slack.transmission_target.incident_response_target.channel_id',
    'configuration.slack.transmission_target.incident_response_target.channel_name',
  ],
};

/** Configuration of the awscc provider. */
export interface AwsccProviderConfig {
  /**
   * The region the Cloud Control API calls go to.
   * @default - AWS_REGION of the environment running terraform
   */
  readonly region?: string;
}

/** The `awscc` Terraform provider (hashicorp/awscc), declared in `required_providers`. */
export class AwsccProvider extends TerraformProvider {
  /** The provider's region, when given. */
  public readonly region?: string;

  constructor(scope: Construct, id: string, config: AwsccProviderConfig = {}) {
    super(scope, id, {
      terraformResourceType: 'awscc',
      terraformGeneratorMetadata: { providerName: 'awscc', providerVersionConstraint: AWSCC_PROVIDER.version },
      terraformProviderSource: AWSCC_PROVIDER.source,
    });
    this.region = config.region;
  }

  protected synthesizeAttributes(): { [name: string]: any } {
    return { region: this.region };
  }
}

/**
 * @internal
 * The stack's awscc provider, created beside the AWS provider (same literal
 * region) the first time a resource needs it.
 */
export function awsccProviderFor(scope: IConstruct, region: string | undefined): TerraformProvider {
  const stack = TerraformStack.of(scope);
  const existing = stack.node.children.find((c) => c instanceof TerraformProvider
    && (c as TerraformProvider).terraformResourceType === 'awscc' && !(c as TerraformProvider).alias);
  return (existing as TerraformProvider | undefined) ?? new AwsccProvider(stack, 'awscc', { region });
}

/** camelCase keys to the provider's snake_case (`gitHub` -> `git_hub`), recursively; tokens pass as they are. */
function snakeCase(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(snakeCase);
  if (value === null || typeof value !== 'object' || Token.isUnresolved(value)) return value;
  return Object.fromEntries(Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), snakeCase(v)]));
}

/** The operator app's IAM authentication of an agent space. */
export interface DevopsagentAgentSpaceOperatorAppIam {
  /** The role the operator web app runs as. */
  readonly operatorAppRoleArn: string;
}

/** The operator web app of an agent space. */
export interface DevopsagentAgentSpaceOperatorApp {
  /** IAM authentication. */
  readonly iam: DevopsagentAgentSpaceOperatorAppIam;
}

/** Configuration of an `awscc_devopsagent_agent_space`. */
export interface DevopsagentAgentSpaceConfig {
  /** The awscc provider. */
  readonly provider: TerraformProvider;
  /** What Terraform creates first. @default - none */
  readonly dependsOn?: ITerraformDependable[];
  /** The agent space's name. */
  readonly name: string;
  /** Its description. @default - none */
  readonly description?: string;
  /** The language of the agent's answers. @default - the service's */
  readonly locale?: string;
  /** A customer-managed key. @default - an AWS owned key */
  readonly kmsKeyArn?: string;
  /** The operator web app. @default - none */
  readonly operatorApp?: DevopsagentAgentSpaceOperatorApp;
}

/** `awscc_devopsagent_agent_space` (AWS::DevOpsAgent::AgentSpace). */
export class DevopsagentAgentSpace extends TerraformResource {
  private readonly config: DevopsagentAgentSpaceConfig;

  constructor(scope: Construct, id: string, config: DevopsagentAgentSpaceConfig) {
    super(scope, id, { terraformResourceType: 'awscc_devopsagent_agent_space', provider: config.provider, dependsOn: config.dependsOn });
    this.config = config;
  }

  /** The agent space's ID (read-only). */
  public get agentSpaceId(): string {
    return this.getStringAttribute('agent_space_id');
  }

  /** The agent space's ARN (read-only). */
  public get arn(): string {
    return this.getStringAttribute('arn');
  }

  protected synthesizeAttributes(): { [name: string]: any } {
    const { provider: _provider, dependsOn: _dependsOn, ...attributes } = this.config;
    return snakeCase(attributes) as { [name: string]: any };
  }
}

/** Configuration of an `awscc_devopsagent_association`. */
export interface DevopsagentAssociationConfig {
  /** The awscc provider. */
  readonly provider: TerraformProvider;
  /** What Terraform creates first. @default - none */
  readonly dependsOn?: ITerraformDependable[];
  /** The agent space's ID. */
  readonly agentSpaceId: string;
  /** `aws` for this account; otherwise the ID of the service registered with AWS DevOps Agent. */
  readonly serviceId: string;
  /** One of `aws`, `gitHub`, `slack`, in CloudFormation's camelCase shape (synthesised as snake_case). */
  readonly configuration: { [key: string]: any };
}

/** `awscc_devopsagent_association` (AWS::DevOpsAgent::Association). */
export class DevopsagentAssociation extends TerraformResource {
  private readonly config: DevopsagentAssociationConfig;

  constructor(scope: Construct, id: string, config: DevopsagentAssociationConfig) {
    super(scope, id, { terraformResourceType: 'awscc_devopsagent_association', provider: config.provider, dependsOn: config.dependsOn });
    this.config = config;
  }

  /** The association's ID (read-only). */
  public get associationId(): string {
    return this.getStringAttribute('association_id');
  }

  protected synthesizeAttributes(): { [name: string]: any } {
    const { provider: _provider, dependsOn: _dependsOn, ...attributes } = this.config;
    return snakeCase(attributes) as { [name: string]: any };
  }
}
