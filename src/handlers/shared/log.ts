/**
 * Structured logging: one JSON object per line (the functions use Lambda's JSON log format, so
 * CloudWatch Logs Insights can filter on any field). Never log secrets or webhook URLs.
 */
export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

export function log(level: LogLevel, message: string, fields: Record<string, unknown> = {}): void {
  const line = JSON.stringify({ level, message, ...fields }, (_key, value: unknown) => {
    if (value instanceof Error) return { name: value.name, message: value.message };
    return value;
  });
  if (level === 'ERROR') console.error(line);
  else if (level === 'WARN') console.warn(line);
  else console.log(line);
}

/** The error's name and message, for logs and reports (never a stack or a request). */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const name = errorName(err);
    return name && name !== 'Error' && !err.message.startsWith(name) ? `${name}: ${err.message}` : err.message;
  }
  return String(err);
}

/** The error code of an AWS SDK v3 error (its name; EC2 also sets Code), or the JS error's name. */
export function errorName(err: unknown): string | undefined {
  if (err && typeof err === 'object') {
    const e = err as { name?: unknown; Code?: unknown; code?: unknown };
    if (typeof e.Code === 'string' && e.Code) return e.Code;
    if (typeof e.name === 'string' && e.name && e.name !== 'Error') return e.name;
    if (typeof e.code === 'string' && e.code) return e.code;
    if (typeof e.name === 'string') return e.name;
  }
  return undefined;
}
