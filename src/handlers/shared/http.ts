import { describeError, log } from './log';
import { backoffDelay } from './retry';
import { runtime } from './runtime';

/**
 * HTTP calls to third parties (Slack, Jira) with the global fetch of nodejs22.x: a timeout per
 * attempt (AbortController), retries on 429 (honouring Retry-After up to a cap), 5xx and network
 * errors or timeouts, with back-off, at most `maxAttempts` attempts in all. Other statuses (2xx,
 * 3xx, 4xx) are returned to the caller, which decides (e.g. 404: a rotated Slack webhook).
 */
export interface HttpOptions {
  /** For logs and errors; never the URL, which may be a secret (a Slack webhook). */
  readonly label: string;
  /** @default 5000 */
  readonly timeoutMs?: number;
  /** @default 3 */
  readonly maxAttempts?: number;
  /** First back-off for 5xx and network errors. @default 500 */
  readonly baseDelayMs?: number;
  /** Longest wait between attempts, Retry-After included. @default 10000 */
  readonly maxDelayMs?: number;
  /**
   * Time (ms since the epoch, runtime clock) by which to give up: attempts are shortened to fit and
   * no retry starts that could not finish, so the function fails with a clear error before Lambda's
   * timeout kills it. @default - no deadline
   */
  readonly deadline?: number;
}

/** The deadline of an invocation: Lambda's remaining time minus a margin for the error path. */
export function invocationDeadline(context: { getRemainingTimeInMillis?: () => number } | undefined, marginMs = 1500): number | undefined {
  const remaining = context?.getRemainingTimeInMillis?.();
  return typeof remaining === 'number' && Number.isFinite(remaining) ? runtime.now().getTime() + remaining - marginMs : undefined;
}

export interface HttpResult {
  readonly status: number;
  readonly body: string;
  readonly headers: Headers;
}

/** The request could not be completed: still 429/5xx, or no response, after the last attempt. */
export class HttpError extends Error {
  constructor(message: string, readonly status: number | undefined, readonly body?: string) {
    super(message);
    this.name = 'HttpError';
  }
}

/** Seconds or an HTTP date, as milliseconds from now; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: Date): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now.getTime());
}

export async function requestWithRetry(url: string, init: RequestInit, options: HttpOptions): Promise<HttpResult> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const maxAttempts = options.maxAttempts ?? 3;
  const base = options.baseDelayMs ?? 500;
  const cap = options.maxDelayMs ?? 10000;
  let last = '';
  let lastStatus: number | undefined;
  let lastBody: string | undefined;
  const left = () => (options.deadline === undefined ? Infinity : options.deadline - runtime.now().getTime());
  let attempts = 0;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const remaining = left();
    if (remaining < 100) {
      last = `${last ? `${last}; ` : ''}no time left before the function's timeout`;
      break;
    }
    const budget = Math.min(timeoutMs, remaining);
    attempts = attempt;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), budget);
    let delay: number;
    try {
      const response = await fetch(url, { ...init, signal: controller.signal, redirect: 'manual' });
      const body = await response.text();
      if (response.status !== 429 && response.status < 500) {
        return { status: response.status, body, headers: response.headers };
      }
      lastStatus = response.status;
      lastBody = body.slice(0, 500);
      last = `HTTP ${response.status}`;
      const retryAfter = response.status === 429 ? parseRetryAfter(response.headers.get('retry-after'), runtime.now()) : undefined;
      delay = Math.min(cap, retryAfter ?? backoffDelay(attempt, base, cap));
    } catch (err) {
      lastStatus = undefined;
      lastBody = undefined;
      last = controller.signal.aborted ? `timed out after ${budget} ms` : describeError(err);
      delay = backoffDelay(attempt, base, cap);
    } finally {
      clearTimeout(timer);
    }
    if (attempt < maxAttempts) {
      if (delay + 100 > left()) {
        last = `${last}; no time left for another attempt before the function's timeout`;
        break;
      }
      log('WARN', 'HTTP request failed, retrying', { call: options.label, attempt, delayMs: delay, reason: last });
      await runtime.sleep(delay);
    }
  }
  log('ERROR', 'HTTP request failed, giving up', { call: options.label, attempts, reason: last });
  throw new HttpError(`${options.label}: failed after ${attempts} attempt${attempts === 1 ? '' : 's'} (${last})`, lastStatus, lastBody);
}
