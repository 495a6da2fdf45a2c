import { Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { ValidationContext } from '../constructs/validation';

/** @internal the validation context for a CDK construct: its path and CDK's token test. */
export function cdkValidationContext(construct: string, scope: IConstruct, id: string): ValidationContext {
  const parent = scope.node.path;
  return {
    construct,
    path: parent ? `${parent}/${id}` : id,
    isUnresolved: (value) => Token.isUnresolved(value),
  };
}
