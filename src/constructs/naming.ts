import { createHash } from 'crypto';

/**
 * @internal
 * A physical name derived from a construct path, for the few resources that
 * need one (Terraform requires names CloudFormation would generate; deployment
 * alarms are referenced by name). Characters AWS does not allow become '-';
 * a name over `maxLength` is cut and ends in a hash of the full path, so it
 * stays unique and stable.
 */
export function physicalNameFromPath(path: string, options: { maxLength?: number; allowed?: RegExp; suffix?: string } = {}): string {
  const maxLength = options.maxLength ?? 255;
  const allowed = options.allowed ?? /[A-Za-z0-9_-]/;
  const full = options.suffix ? `${path}/${options.suffix}` : path;
  const name = Array.from(full, (c) => (allowed.test(c) ? c : '-')).join('');
  if (name.length <= maxLength) return name;
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 8);
  return `${name.slice(0, maxLength - hash.length - 1)}-${hash}`;
}

/** @internal CloudWatch alarm names: the construct path, `/` and `.` kept. */
export const ALARM_NAME_CHARACTERS = /[A-Za-z0-9_./-]/;

/**
 * @internal
 * The path a physical name is derived from: the deployment's name (the CDK
 * stack name, the Terraform stack) and the construct path below it. The same
 * app deployed twice into one account and region (dev and staging) gets
 * different names as long as the two deployments' stack names differ.
 */
export function deploymentScopedPath(deploymentName: string, pathBelowDeployment: string): string {
  return pathBelowDeployment ? `${deploymentName}/${pathBelowDeployment}` : deploymentName;
}
