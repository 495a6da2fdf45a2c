import { Aws, Stack, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { deploymentScopedPath } from '../constructs/naming';
import { AwsEnvironment } from '../constructs/policies';
import { ValidationContext, validationContext } from '../constructs/validation';

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
