export const DAY_MS = 86_400_000;

/** Midnight UTC at the start of `date`'s day. */
export function startOfUtcDay(date: Date): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
}

/** Whole days from `from` to `to` (rounded down; 0 when `from` is later). */
export function daysBetween(from: Date, to: Date): number {
  return Math.max(0, Math.floor((to.getTime() - from.getTime()) / DAY_MS));
}

/** YYYY-MM-DD (UTC). */
export function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** Splits `items` into arrays of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The value of tag `key` (EC2 tag lists), or undefined. */
export function tagValue(tags: ReadonlyArray<{ Key?: string; Value?: string }> | undefined, key: string): string | undefined {
  return tags?.find((t) => t.Key === key)?.Value;
}

export function hasTag(tags: ReadonlyArray<{ Key?: string; Value?: string }> | undefined, key: string): boolean {
  return !!tags?.some((t) => t.Key === key);
}
