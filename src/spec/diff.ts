/**
 * `ecs-platform diff-env a b`: what differs between two environments after merging, each service with its
 * defaults applied (what the constructs are given), one line per key.
 */
import { mergeValues } from './load';
import type { PlatformSpec } from './platform-spec';
import { SERVICES_SECTION } from './sections';

/** The merged spec with `defaults` applied under every service (and the `defaults` section itself kept). */
export function resolvedSpec(spec: PlatformSpec): Record<string, unknown> {
  const value = spec._merged.value;
  const defaults = (value.defaults ?? {}) as Record<string, unknown>;
  const services = Object.fromEntries(Object.entries((value.services ?? {}) as Record<string, Record<string, unknown>>)
    .map(([name, own]) => [name, mergeValues(own.type === 'worker' ? withoutWebKeys(defaults) : defaults, own, '', new Map(), new Map())]));
  return { ...value, ...(value.services ? { services } : {}) };
}

/** `defaults` as a worker inherits it: without the keys only web services take (a worker skips them). */
function withoutWebKeys(defaults: Record<string, unknown>): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(defaults)) as Record<string, any>;
  for (const rule of SERVICES_SECTION.rules.filter((r) => r.only === 'web')) {
    const parts = rule.key.split('.');
    const parent = parts.slice(0, -1).reduce<any>((at, part) => (at && typeof at === 'object' ? at[part] : undefined), copy);
    if (parent && typeof parent === 'object') delete parent[parts[parts.length - 1]];
    if (parts.length > 1 && parent && Object.keys(parent).length === 0) delete copy[parts[0]];
  }
  return copy;
}

/** Every leaf (scalar or list) by dotted path. Lists are leaves: they replace, so they differ as a whole. */
function leaves(value: unknown, prefix = '', out = new Map<string, unknown>()): Map<string, unknown> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) leaves(child, prefix ? `${prefix}.${key}` : key, out);
  } else {
    out.set(prefix, value);
  }
  return out;
}

const show = (value: unknown) => JSON.stringify(value);

/** `~ key: a -> b`, `+ key: b` (only in b), `- key: a` (only in a), sorted by key. */
export function diffSpecs(a: PlatformSpec, b: PlatformSpec): string[] {
  const left = leaves(resolvedSpec(a));
  const right = leaves(resolvedSpec(b));
  const keys = [...new Set([...left.keys(), ...right.keys()])].sort();
  const lines: string[] = [];
  for (const key of keys) {
    const inLeft = left.has(key);
    const inRight = right.has(key);
    if (inLeft && inRight) {
      if (show(left.get(key)) !== show(right.get(key))) lines.push(`~ ${key}: ${show(left.get(key))} -> ${show(right.get(key))}`);
    } else if (inRight) {
      lines.push(`+ ${key}: ${show(right.get(key))}`);
    } else {
      lines.push(`- ${key}: ${show(left.get(key))}`);
    }
  }
  return lines;
}
