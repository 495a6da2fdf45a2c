// Deep imports only: the @cdktf/provider-aws root barrel costs ~1.7 s and 550 MB.
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition';
import { DataAwsRegion } from '@cdktf/provider-aws/lib/data-aws-region';
import { ITerraformDependable, Tokenization, TerraformProvider, TerraformResource, TerraformStack, Token } from 'cdktf';
import { Construct, IConstruct } from 'constructs';
import { DeploymentTarget, markPlatformConstruct, platformConstructRef } from '../constructs/identity';
import { physicalNameFromPath } from '../constructs/naming';
import { AwsEnvironment, PolicyStatementJson, policyDocumentJson, serviceTrustStatement, TrustedService } from '../constructs/policies';
import { checkProps, ObjectSchema, StructSchema } from '../constructs/prop-schema';
import { PropsValidator, ValidationContext, validationContext } from '../constructs/validation';

/** @internal the validation context for a CDKTF construct: its path and cdktf's token test. */
export function cdktfValidationContext(construct: string, scope: IConstruct, id: string): ValidationContext {
  return validationContext(construct, scope.node.path, id, (value) => Token.isUnresolved(value));
}

/** @internal the `Name` tag aws-cdk-lib would give a resource at this path. */
export function nameTag(scope: IConstruct, extra: Record<string, string> = {}): Record<string, string> {
  return { Name: scope.node.path, ...extra };
}

/**
 * @internal
 * Acknowledge one of the project's Terraform Guard rules (rules/terraform) on
 * this resource, with the reason, in Terraform JSON's ignored "//" comment key.
 */
export function acknowledgeGuardRule(resource: TerraformResource, ruleId: string, reason: string): void {
  resource.addOverride(`//.acknowledged.${ruleId}`, reason);
}

/**
 * @internal
 * A CloudWatch log group name prefix derived from the construct path: only the
 * characters CloudWatch Logs accepts, and short enough to leave room for
 * Terraform's 26-character unique suffix within the 512-character limit.
 */
export function logGroupNamePrefix(scope: IConstruct, purpose: string): string {
  const path = scope.node.path.replace(/[^A-Za-z0-9._\-/#]/g, '-');
  return `/platform/${path}/${purpose}/`.slice(0, 480);
}

/**
 * @internal
 * A physical name derived from the construct path, for the resources Terraform
 * cannot name itself (ECS clusters, services, task families, alarms, metric
 * filters, scaling policies): characters outside `allowed` become `-`, and a
 * name over `maxLength` keeps its head and ends in a hash of the whole path,
 * so it stays unique. The path starts with the stack's name, so the same app
 * deployed as two stacks (dev, staging) into one account gets different names.
 */
export function physicalName(scope: IConstruct, options: { maxLength?: number; allowed?: RegExp; suffix?: string } = {}): string {
  return physicalNameFromPath(scope.node.path, options);
}

/** @internal an IAM policy document as JSON (tokens inside resolve to Terraform references). */
export function policyDocument(statements: readonly PolicyStatementJson[]): string {
  return JSON.stringify(policyDocumentJson(statements));
}

/** @internal a trust policy letting one AWS service assume a role for this account's resources only. */
export function assumeRolePolicy(service: TrustedService, env: AwsEnvironment): string {
  return policyDocument([serviceTrustStatement(service, env)]);
}

/**
 * @internal
 * The deploy-time partition, DNS suffix, region and account, each read from a
 * data source created under `scope` (as `<prefix>Partition`, `<prefix>Region`,
 * `<prefix>Account`) the first time it is used. The region is data
 * aws_region's `name`, which AWS provider 5.x and 6.x both have.
 */
export function awsEnvironment(scope: Construct, prefix = ''): AwsEnvironment {
  const child = <T>(id: string, create: () => T): T => (scope.node.tryFindChild(`${prefix}${id}`) as T | undefined) ?? create();
  const partition = () => child('Partition', () => new DataAwsPartition(scope, `${prefix}Partition`));
  return {
    get partition() {
      return partition().partition;
    },
    get urlSuffix() {
      return partition().dnsSuffix;
    },
    get region() {
      return child('Region', () => new DataAwsRegion(scope, `${prefix}Region`)).name;
    },
    get accountId() {
      return child('Account', () => new DataAwsCallerIdentity(scope, `${prefix}Account`)).accountId;
    },
  };
}

/** @internal `<log group ARN>:*`, the log streams CreateLogStream / PutLogEvents act on (Terraform's `arn` has no `:*`). */
export function logStreamsArn(logGroupArn: string): string {
  return `${logGroupArn}:*`;
}

/**
 * @internal
 * The dependencies of a resource in `scope`'s stack that live in that stack too.
 * Terraform orders only within one configuration: a `depends_on` into another
 * stack would point into remote state, which Terraform rejects; that stack is
 * applied first anyway (cdktf orders stacks by their cross-stack references).
 */
export function sameStackDependencies(scope: IConstruct, dependencies: ReadonlyArray<ITerraformDependable & IConstruct>): ITerraformDependable[] {
  const stack = TerraformStack.of(scope);
  return dependencies.filter((d) => TerraformStack.of(d) === stack);
}

/**
 * @internal
 * Check a CDKTF construct's props against `schema` (types, required props,
 * unknown names, collaborators): the validator holding any problems, and the
 * props of the right type for the planner's value checks.
 */
export function checkCdktfProps<T>(
  construct: string, scope: IConstruct, id: string, props: unknown, schema: StructSchema,
): { v: PropsValidator; props: T } {
  const v = new PropsValidator(cdktfValidationContext(construct, scope, id));
  return { v, props: checkProps<T>(v, schema, props) };
}

/** @internal mark a construct as this engine's `kind`, so collaborators can be recognised. */
export function markCdktfConstruct(construct: IConstruct, kind: string): void {
  markPlatformConstruct(construct, 'cdktf', kind);
}

/** @internal a prop holding one of this engine's platform constructs, of this app and region. */
export function cdktfPlatformRef(scope: IConstruct, ...kinds: string[]): ObjectSchema {
  return platformConstructRef('cdktf', kinds, scope, (construct) => cdktfDeploymentTarget(construct));
}

/**
 * @internal
 * The region the stack's (default, unaliased) AWS provider is configured with,
 * when it is a literal.
 */
export function cdktfLiteralRegion(scope: IConstruct): string | undefined {
  let stack: TerraformStack;
  try {
    stack = TerraformStack.of(scope);
  } catch {
    return undefined;
  }
  const provider = stack.node.children.find((c): c is TerraformProvider =>
    c instanceof TerraformProvider && c.terraformResourceType === 'aws' && (c as unknown as { alias?: string }).alias === undefined);
  const region = (provider as unknown as { region?: string } | undefined)?.region;
  return typeof region === 'string' && !Token.isUnresolved(region) ? region : undefined;
}

function cdktfDeploymentTarget(construct: IConstruct): DeploymentTarget {
  return { root: construct.node.root, region: cdktfLiteralRegion(construct) };
}

/**
 * @internal
 * Whether two attribute strings refer to the same resource attribute: cdktf
 * makes a new token each time an attribute is read (`listener.arn`), so the
 * strings differ while the Terraform address they resolve to is the same.
 */
export function sameAttributeReference(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'string' || typeof b !== 'string') return false;
  // A reference is its address (`aws_lb_listener.X.arn`) in its stack: two stacks may hold the same address.
  const reference = (s: string) => {
    const tokens = Tokenization.reverseString(s).tokens;
    return tokens.length === 1 ? (tokens[0] as unknown as { identifier?: string; originStack?: unknown }) : undefined;
  };
  const left = reference(a);
  const right = reference(b);
  return left?.identifier !== undefined && left.identifier === right?.identifier && left.originStack === right.originStack;
}
