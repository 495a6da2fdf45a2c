import { errorName, log } from './log';
import { runtime } from './runtime';

/**
 * Explicit retries of throttled AWS API calls. The SDK's own retry middleware already retries
 * (3 attempts, standard mode); this outer loop adds patience for the bulk calls a daily sweep makes
 * (DescribeInstances, GetMetricData, DeleteVolume over hundreds of resources) and is what the unit
 * tests exercise, because aws-sdk-client-mock replaces client.send and bypasses the middleware.
 */

const THROTTLING_CODES = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ProvisionedThroughputExceededException',
]);

/** True for errors AWS returns when a caller is throttled (by code, or HTTP 429 / 503). */
export function isThrottlingError(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const name = errorName(err);
  if (name && THROTTLING_CODES.has(name)) return true;
  const e = err as { $metadata?: { httpStatusCode?: number }; $retryable?: { throttling?: boolean } };
  if (e.$retryable?.throttling) return true;
  const status = e.$metadata?.httpStatusCode;
  return status === 429 || status === 503;
}

export interface RetryOptions {
  /** What is being called, for logs and the final error. */
  readonly label: string;
  /** @default 5 */
  readonly maxAttempts?: number;
  /** First back-off, doubled per attempt. @default 250 */
  readonly baseDelayMs?: number;
  /** Cap of one back-off. @default 8000 */
  readonly maxDelayMs?: number;
}

/** Thrown when a call was still throttled after the last attempt; `cause` is the last error. */
export class RetriesExhaustedError extends Error {
  constructor(readonly label: string, readonly attempts: number, readonly cause: unknown) {
    super(`${label}: still throttled after ${attempts} attempts (${errorName(cause) ?? 'unknown error'}: ${(cause as Error)?.message ?? String(cause)})`);
    this.name = 'RetriesExhaustedError';
  }
}

/** "Full jitter" back-off: a random wait up to min(cap, base * 2^(attempt-1)). */
export function backoffDelay(attempt: number, baseDelayMs: number, maxDelayMs: number): number {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (runtime.random() * ceiling) / 2);
}

/**
 * Calls `fn` until it succeeds, retrying throttling errors with capped exponential back-off and
 * jitter. Any other error is rethrown at once, unchanged (callers inspect its name).
 */
export async function withRetry<T>(fn: () => Promise<T>, options: RetryOptions): Promise<T> {
  const maxAttempts = options.maxAttempts ?? 5;
  const base = options.baseDelayMs ?? 250;
  const cap = options.maxDelayMs ?? 8000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!isThrottlingError(err)) throw err;
      if (attempt >= maxAttempts) {
        log('ERROR', 'throttled, giving up', { call: options.label, attempts: attempt, error: errorName(err) });
        throw new RetriesExhaustedError(options.label, attempt, err);
      }
      const delay = backoffDelay(attempt, base, cap);
      log('WARN', 'throttled, retrying', { call: options.label, attempt, delayMs: delay, error: errorName(err) });
      await runtime.sleep(delay);
    }
  }
}
