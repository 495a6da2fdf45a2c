import { Aws, Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct, IConstruct } from 'constructs';
import { DeploymentTarget, markPlatformConstruct, platformConstructRef } from '../constructs/identity';
import { deploymentScopedPath } from '../constructs/naming';
import { AwsEnvironment, PolicyStatementJson } from '../constructs/policies';
import { checkProps, ObjectSchema, StructSchema } from '../constructs/prop-schema';
import { PropsValidator, ValidationContext, validationContext } from '../constructs/validation';

/** @internal the validation context for a CDK construct: its path and CDK's token test. */
export function cdkValidationContext(construct: string, scope: IConstruct, id: string): ValidationContext {
  return validationContext(construct, scope.node.path, id, (value) => Token.isUnresolved(value));
}

/** @internal where the stack deploys: CloudFormation's pseudo parameters. */
export const CDK_ENVIRONMENT: AwsEnvironment = {
  partition: Aws.PARTITION,
  region: Aws.REGION,
  accountId: Aws.ACCOUNT_ID,
  urlSuffix: Aws.URL_SUFFIX,
};

/**
 * @internal
 * The path physical names derive from: the stack's *name* (which users vary per
 * environment, e.g. `web-dev` / `web-staging` from one stack class and ID)
 * and the construct path below the stack.
 */
export function cdkDeploymentPath(scope: IConstruct): string {
  const stack = Stack.of(scope);
  const below = scope.node.path.slice(stack.node.path.length).replace(/^\//, '');
  return deploymentScopedPath(stack.stackName, below);
}

/**
 * @internal
 * Check a CDK construct's props against `schema` (types, required props,
 * unknown names, collaborators): the validator holding any problems, and the
 * props of the right type for the planner's value checks.
 */
export function checkCdkProps<T>(
  construct: string, scope: IConstruct, id: string, props: unknown, schema: StructSchema,
): { v: PropsValidator; props: T } {
  const v = new PropsValidator(cdkValidationContext(construct, scope, id));
  return { v, props: checkProps<T>(v, schema, props) };
}

/** @internal mark a construct as this engine's `kind`, so collaborators can be recognised. */
export function markCdkConstruct(construct: IConstruct, kind: string): void {
  markPlatformConstruct(construct, 'cdk', kind);
}

/** @internal a prop holding one of this engine's platform constructs, of this app, region and account. */
export function cdkPlatformRef(scope: IConstruct, ...kinds: string[]): ObjectSchema {
  return platformConstructRef('cdk', kinds, scope, cdkDeploymentTarget);
}

/** @internal the region a stack deploys to, when it is a literal (an env-agnostic stack's is a token). */
export function cdkLiteralRegion(scope: IConstruct): string | undefined {
  const stack = Stack.isStack(scope) ? scope : scope.node.scopes.find(Stack.isStack);
  return stack && !Token.isUnresolved(stack.region) ? stack.region : undefined;
}

function cdkDeploymentTarget(construct: IConstruct): DeploymentTarget {
  const stack = construct.node.scopes.find(Stack.isStack);
  return {
    root: construct.node.root,
    region: cdkLiteralRegion(construct),
    account: stack && !Token.isUnresolved(stack.account) ? stack.account : undefined,
  };
}

/**
 * @internal
 * A DEVELOPMENT bucket with autoDeleteObjects is emptied on stack deletion by aws-cdk-lib's stack-wide
 * custom-resource Lambda: acknowledge, beside it, the gate it cannot pass and needs not.
 */
export function acknowledgeAutoDeleteProvider(scope: IConstruct): void {
  const provider = Stack.of(scope).node.tryFindChild('Custom::S3AutoDeleteObjectsCustomResourceProvider');
  if (provider) {
    Validations.of(provider).acknowledge({
      id: 'cdk-validator-cfnguard::lambda_inside_vpc_check',
      reason: 'aws-cdk-lib\'s auto-delete-objects custom resource only calls the S3 API when a DEVELOPMENT stack is deleted; it needs no VPC attachment.',
    });
  }
}

/**
 * @internal
 * A rotating customer-managed key: the default key policy (the account administers it, IAM decides
 * who uses it) plus `statements`, in order.
 */
export function platformKey(scope: Construct, id: string, description: string, deletionWindowDays: number, removalPolicy: RemovalPolicy,
  statements: readonly PolicyStatementJson[]): kms.Key {
  const key = new kms.Key(scope, id, { description, enableKeyRotation: true, pendingWindow: Duration.days(deletionWindowDays), removalPolicy });
  for (const statement of statements) key.addToResourcePolicy(iam.PolicyStatement.fromJson(statement));
  return key;
}
