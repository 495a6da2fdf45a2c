/**
 * `terraform validate` cannot check awscc resources here (no awscc provider is
 * mirrored), so their synthesised JSON is checked against the attribute names
 * the binding declares (src/cdktf/awscc.ts, transcribed from the awscc docs).
 */
import { TfJson } from './terraform';
import { AWSCC_ATTRIBUTES } from '../../src/cdktf/awscc';

/** Every attribute path (`configuration.git_hub.owner`) of a resource body, list elements without an index. */
function attributePaths(value: unknown, prefix = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((v) => attributePaths(v, prefix));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => {
    const path = prefix ? `${prefix}.${k}` : k;
    return [path, ...attributePaths(v, path)];
  });
}

const META_ARGUMENTS = new Set(['provider', 'depends_on', 'count', 'for_each', 'lifecycle', '//']);

/** `type.name: attribute` for each attribute the binding does not declare (or a type it does not know). */
export function awsccAttributeProblems(stackJson: TfJson): string[] {
  const problems: string[] = [];
  for (const [type, resources] of Object.entries((stackJson as any).resource ?? {})) {
    if (!type.startsWith('awscc_')) continue;
    const declared = AWSCC_ATTRIBUTES[type];
    for (const [name, body] of Object.entries(resources as Record<string, Record<string, unknown>>)) {
      if (!declared) {
        problems.push(`${type}.${name}: the binding declares no attributes for ${type}`);
        continue;
      }
      const attributes = Object.fromEntries(Object.entries(body).filter(([k]) => !META_ARGUMENTS.has(k)));
      for (const path of attributePaths(attributes)) {
        if (!declared.includes(path)) problems.push(`${type}.${name}: ${path}`);
      }
    }
  }
  return problems;
}
