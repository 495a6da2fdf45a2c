import { TerraformResource, Token } from 'cdktf';
import { IConstruct } from 'constructs';
import { ValidationContext, validationContext } from '../constructs/validation';

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
