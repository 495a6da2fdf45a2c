import { Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { ValidationContext, validationContext } from '../constructs/validation';

/** @internal the validation context for a CDK construct: its path and CDK's token test. */
export function cdkValidationContext(construct: string, scope: IConstruct, id: string): ValidationContext {
  return validationContext(construct, scope.node.path, id, (value) => Token.isUnresolved(value));
}
