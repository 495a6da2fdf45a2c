/**
 * Environment parsing. Each handler reads its whole configuration through one EnvReader and calls
 * done(): every missing or invalid variable is collected and reported in one ConfigError, so a
 * misconfigured function fails loudly (and completely) on its first invocation.
 */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid function configuration (environment variables): ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

export interface NumberRule {
  readonly min?: number;
  readonly max?: number;
  readonly integer?: boolean;
}

export class EnvReader {
  private readonly problems: string[] = [];

  constructor(private readonly env: Record<string, string | undefined> = process.env) {}

  /** A required, non-blank string. */
  string(name: string): string {
    const value = this.raw(name);
    if (value === undefined) {
      this.problems.push(`${name} is required`);
      return '';
    }
    return value;
  }

  /** An optional string (blank counts as unset). */
  optionalString(name: string, fallback?: string): string | undefined {
    return this.raw(name) ?? fallback;
  }

  /** One of `allowed` (case-insensitive; returned in the allowed spelling). */
  oneOf<T extends string>(name: string, allowed: readonly T[], fallback?: T): T {
    const value = this.raw(name);
    if (value === undefined) {
      if (fallback !== undefined) return fallback;
      this.problems.push(`${name} is required (one of ${allowed.join(', ')})`);
      return allowed[0];
    }
    const match = allowed.find((a) => a.toLowerCase() === value.toLowerCase());
    if (!match) {
      this.problems.push(`${name} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
      return allowed[0];
    }
    return match;
  }

  /** A finite number within the rule. */
  number(name: string, rule: NumberRule = {}, fallback?: number): number {
    const value = this.raw(name);
    if (value === undefined) {
      if (fallback !== undefined) return fallback;
      this.problems.push(`${name} is required (${describeRule(rule)})`);
      return rule.min ?? 0;
    }
    const n = Number(value);
    const bad = !/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(value) || !Number.isFinite(n)
      || (rule.integer && !Number.isInteger(n))
      || (rule.min !== undefined && n < rule.min)
      || (rule.max !== undefined && n > rule.max);
    if (bad) {
      this.problems.push(`${name} must be ${describeRule(rule)}, got ${JSON.stringify(value)}`);
      return rule.min ?? 0;
    }
    return n;
  }

  /** `true` or `false` (also 1/0, yes/no; case-insensitive). */
  boolean(name: string, fallback: boolean): boolean {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const v = value.toLowerCase();
    if (['true', '1', 'yes'].includes(v)) return true;
    if (['false', '0', 'no'].includes(v)) return false;
    this.problems.push(`${name} must be true or false, got ${JSON.stringify(value)}`);
    return fallback;
  }

  /** An absolute https:// URL (returned without a trailing slash). */
  httpsUrl(name: string): string {
    const value = this.string(name);
    if (!value) return '';
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      this.problems.push(`${name} must be an https:// URL, got ${JSON.stringify(value)}`);
      return '';
    }
    if (url.protocol !== 'https:' || url.username || url.password || url.search || url.hash) {
      this.problems.push(`${name} must be an https:// URL without credentials, query or fragment, got ${JSON.stringify(value)}`);
      return '';
    }
    return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
  }

  /** Records a problem found by the caller. */
  problem(message: string): void {
    this.problems.push(message);
  }

  /** Throws one ConfigError listing every problem, if there is any. */
  done(): void {
    if (this.problems.length) throw new ConfigError([...this.problems]);
  }

  private raw(name: string): string | undefined {
    const value = this.env[name];
    if (value === undefined) return undefined;
    const trimmed = value.trim();
    return trimmed === '' ? undefined : trimmed;
  }
}

function describeRule(rule: NumberRule): string {
  const kind = rule.integer ? 'a whole number' : 'a number';
  if (rule.min !== undefined && rule.max !== undefined) return `${kind} from ${rule.min} to ${rule.max}`;
  if (rule.min !== undefined) return `${kind} >= ${rule.min}`;
  if (rule.max !== undefined) return `${kind} <= ${rule.max}`;
  return kind;
}
