import { awsError, captureLogs, fakeRuntime, resetRuntime, samples } from './helpers';
import { parseAlert, shortHash } from '../../src/handlers/shared/alerts';
import { ConfigError, EnvReader } from '../../src/handlers/shared/env';
import { HttpError, invocationDeadline, parseRetryAfter, requestWithRetry } from '../../src/handlers/shared/http';
import { backoffDelay, isThrottlingError, RetriesExhaustedError, withRetry } from '../../src/handlers/shared/retry';
import { buildMessage, MAX_MESSAGE_BYTES, sanitizeSubject, truncateToBytes, utf8Bytes } from '../../src/handlers/shared/sns';

let sleep: jest.Mock<Promise<void>, [number]>;
beforeEach(() => {
  captureLogs();
  ({ sleep } = fakeRuntime('2024-05-15T10:00:00Z'));
});
afterEach(() => {
  resetRuntime();
  jest.restoreAllMocks();
});

describe('EnvReader', () => {
  test('collects every problem into one ConfigError', () => {
    const r = new EnvReader({ MODE: 'DESTROY', LIMIT: 'ten', DAYS: '1.5', FLAG: 'maybe' });
    r.string('TOPIC_ARN');
    r.oneOf('MODE', ['REPORT', 'STOP'] as const);
    r.number('LIMIT', { min: 0 });
    r.number('DAYS', { integer: true, min: 1 });
    r.boolean('FLAG', false);
    let error: unknown;
    try {
      r.done();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toEqual([
      'TOPIC_ARN is required',
      'MODE must be one of REPORT, STOP, got "DESTROY"',
      'LIMIT must be a number >= 0, got "ten"',
      'DAYS must be a whole number >= 1, got "1.5"',
      'FLAG must be true or false, got "maybe"',
    ]);
    expect((error as Error).message).toMatch(/^Invalid function configuration \(environment variables\): TOPIC_ARN is required; MODE/);
  });

  test('parses valid values, case-insensitive enums and booleans, defaults for blanks', () => {
    const r = new EnvReader({ MODE: 'stop', N: ' 2.5 ', B: 'TRUE', BLANK: '  ' });
    expect(r.oneOf('MODE', ['REPORT', 'STOP'] as const)).toBe('STOP');
    expect(r.number('N', { min: 0, max: 10 })).toBe(2.5);
    expect(r.boolean('B', false)).toBe(true);
    expect(r.boolean('BLANK', true)).toBe(true);
    expect(r.optionalString('BLANK', 'Task')).toBe('Task');
    expect(() => r.done()).not.toThrow();
  });

  test('rejects numbers with trailing garbage and out-of-range values', () => {
    const r = new EnvReader({ A: '5%', B: '101', C: '' });
    r.number('A');
    r.number('B', { max: 100 });
    expect(r.number('C', {}, 7)).toBe(7);
    expect(() => r.done()).toThrow(/A must be a number, got "5%"; B must be a number <= 100, got "101"/);
  });

  test('https URLs only, trailing slash removed', () => {
    expect(new EnvReader({ U: 'https://acme.atlassian.net/' }).httpsUrl('U')).toBe('https://acme.atlassian.net');
    expect(new EnvReader({ U: 'https://jira.acme.com/jira/' }).httpsUrl('U')).toBe('https://jira.acme.com/jira');
    for (const bad of ['http://acme.atlassian.net', 'ftp://x', 'not a url', 'https://user:pw@acme.atlassian.net', 'https://a.b/?q=1']) {
      const r = new EnvReader({ U: bad });
      r.httpsUrl('U');
      expect(() => r.done()).toThrow(/U must be an https:\/\/ URL/);
    }
  });
});

describe('withRetry', () => {
  test.each([
    ['ThrottlingException', 400],
    ['Throttling', 400],
    ['RequestLimitExceeded', 503],
    ['TooManyRequestsException', 429],
    ['SomethingElse', 429],
    ['ServiceUnavailable', 503],
  ])('%s (HTTP %d) is throttling', (name, status) => {
    expect(isThrottlingError(awsError(name, name, status))).toBe(true);
  });

  test.each([['AccessDenied', 403], ['ValidationError', 400], ['InternalError', 500]])('%s (HTTP %d) is not throttling', (name, status) => {
    expect(isThrottlingError(awsError(name, name, status))).toBe(false);
  });

  test('retries throttling with capped exponential back-off, then succeeds', async () => {
    const fn = jest.fn()
      .mockRejectedValueOnce(awsError('ThrottlingException'))
      .mockRejectedValueOnce(awsError('RequestLimitExceeded'))
      .mockRejectedValueOnce(awsError('Throttling'))
      .mockResolvedValue('ok');
    await expect(withRetry(fn, { label: 'test', baseDelayMs: 100, maxDelayMs: 300 })).resolves.toBe('ok');
    expect(fn).toHaveBeenCalledTimes(4);
    // random() = 0.5: half of the ceiling plus a quarter: 100 -> 75, 200 -> 150, 400 capped at 300 -> 225.
    expect(sleep.mock.calls.map((c) => c[0])).toEqual([75, 150, 225]);
  });

  test('gives up after maxAttempts with a clear error carrying the cause', async () => {
    const cause = awsError('ThrottlingException', 'Rate exceeded');
    const fn = jest.fn().mockRejectedValue(cause);
    const promise = withRetry(fn, { label: 'ec2:DescribeInstances', maxAttempts: 3 });
    await expect(promise).rejects.toThrow(RetriesExhaustedError);
    await expect(promise).rejects.toThrow('ec2:DescribeInstances: still throttled after 3 attempts (ThrottlingException: Rate exceeded)');
    await promise.catch((e: RetriesExhaustedError) => expect(e.cause).toBe(cause));
    expect(fn).toHaveBeenCalledTimes(3);
    expect(sleep).toHaveBeenCalledTimes(2);
  });

  test('other errors are rethrown unchanged, at once', async () => {
    const err = awsError('UnauthorizedOperation');
    const fn = jest.fn().mockRejectedValue(err);
    await expect(withRetry(fn, { label: 'x' })).rejects.toBe(err);
    expect(fn).toHaveBeenCalledTimes(1);
    expect(sleep).not.toHaveBeenCalled();
  });

  test('back-off never exceeds the cap', () => {
    for (let attempt = 1; attempt < 30; attempt++) expect(backoffDelay(attempt, 250, 8000)).toBeLessThanOrEqual(8000);
  });
});

describe('SNS message helpers', () => {
  test('subjects: ASCII, one line, under 100 characters, never empty', () => {
    expect(sanitizeSubject('Coût\nélevé:\t€ 5 — ok')).toBe('Cout eleve: ? 5 ? ok');
    expect(sanitizeSubject('\n\t ')).toBe('Notification');
    const long = sanitizeSubject(`[FinOps] ${'x'.repeat(300)}`);
    expect(long.length).toBeLessThan(100);
    expect(long.endsWith('...')).toBe(true);
    expect(long).toMatch(/^[\x20-\x7e]+$/);
  });

  test('buildMessage keeps whole lines and says how many were left out', () => {
    const lines = Array.from({ length: 100 }, (_, i) => `- item ${String(i).padStart(3, '0')} ${'x'.repeat(40)}`);
    const message = buildMessage(['Header'], [{ title: 'Items (100):', lines }], ['Footer'], 1024);
    expect(utf8Bytes(message)).toBeLessThanOrEqual(1024);
    const shown = message.split('\n').filter((l) => l.startsWith('- item'));
    expect(shown.length).toBeGreaterThan(5);
    expect(shown.every((l) => l.length === lines[0].length)).toBe(true);
    expect(message).toContain(`... and ${100 - shown.length} more`);
    expect(message.startsWith('Header\n\nItems (100):\n- item 000')).toBe(true);
    expect(message.endsWith('\n\nFooter')).toBe(true);
  });

  test('buildMessage without truncation lists everything, skips empty sections', () => {
    const message = buildMessage(['H'], [{ title: 'Empty:', lines: [] }, { title: 'A:', lines: ['- a', '- b'] }]);
    expect(message).toBe('H\n\nA:\n- a\n- b');
  });

  test('truncateToBytes never splits a multi-byte character', () => {
    expect(truncateToBytes('ééé', 5)).toBe('éé');
    expect(truncateToBytes('abc', 10)).toBe('abc');
    expect(MAX_MESSAGE_BYTES).toBeLessThan(256 * 1024);
  });
});

describe('HTTP helper', () => {
  test('Retry-After: seconds or an HTTP date', () => {
    const now = new Date('2024-05-15T10:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter('Wed, 15 May 2024 10:00:07 GMT', now)).toBe(7000);
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });

  test('times out each attempt with AbortController, retries, then throws HttpError', async () => {
    const fetchSpy = jest.spyOn(global, 'fetch').mockImplementation((_url, init) => new Promise((_resolve, reject) => {
      init?.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
    }));
    const promise = requestWithRetry('https://example.invalid/x', { method: 'POST' }, { label: 'test', timeoutMs: 20, maxAttempts: 2 });
    await expect(promise).rejects.toThrow(HttpError);
    await expect(promise).rejects.toThrow('test: failed after 2 attempts (timed out after 20 ms)');
    expect(fetchSpy).toHaveBeenCalledTimes(2);
    expect(sleep).toHaveBeenCalledTimes(1);
  });

  test('4xx answers are returned to the caller, not retried', async () => {
    const fetchSpy = jest.spyOn(global, 'fetch').mockResolvedValue(new Response('nope', { status: 400 }));
    const res = await requestWithRetry('https://example.invalid/x', { method: 'POST' }, { label: 'test' });
    expect(res.status).toBe(400);
    expect(res.body).toBe('nope');
    expect(fetchSpy).toHaveBeenCalledTimes(1);
  });

  test('a deadline stops retries that could not finish before the function times out', async () => {
    const fetchSpy = jest.spyOn(global, 'fetch').mockImplementation(async () => new Response('', { status: 429, headers: { 'Retry-After': '5' } }));
    const deadline = Date.parse('2024-05-15T10:00:03Z');
    const promise = requestWithRetry('https://example.invalid/x', {}, { label: 'test', deadline });
    await expect(promise).rejects.toThrow("test: failed after 1 attempt (HTTP 429; no time left for another attempt before the function's timeout)");
    expect(fetchSpy).toHaveBeenCalledTimes(1);
    expect(sleep).not.toHaveBeenCalled();
  });

  test('the deadline of an invocation is Lambda\'s remaining time minus a margin', () => {
    expect(invocationDeadline({ getRemainingTimeInMillis: () => 30_000 })).toBe(Date.parse('2024-05-15T10:00:28.500Z'));
    expect(invocationDeadline(undefined)).toBeUndefined();
  });

  test('Retry-After is capped', async () => {
    jest.spyOn(global, 'fetch')
      .mockResolvedValueOnce(new Response('slow down', { status: 429, headers: { 'Retry-After': '3600' } }))
      .mockResolvedValueOnce(new Response('ok', { status: 200 }));
    await requestWithRetry('https://example.invalid/x', {}, { label: 'test', maxDelayMs: 10_000 });
    expect(sleep.mock.calls).toEqual([[10_000]]);
  });
});

describe('parseAlert', () => {
  test('CloudWatch alarm', () => {
    const a = parseAlert('ALARM: "web-5xx-high" in EU (Ireland)', samples.alarm);
    expect(a.kind).toBe('alarm');
    expect(a.title).toBe('ALARM: web-5xx-high');
    expect(a.severity).toBe('critical');
    expect(a.fields).toEqual(expect.arrayContaining([
      { label: 'State', value: 'OK -> ALARM' },
      { label: 'Region', value: 'EU (Ireland)' },
      { label: 'Metric', value: 'AWS/ApplicationELB HTTPCode_Target_5XX_Count' },
    ]));
    expect(a.link).toBe('https://console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/web-5xx-high');
    expect(a.fingerprintSource).toBe('alarm|web-5xx-high|eu-west-1');
  });

  test('Cost Anomaly Detection, both shapes and the EventBridge event', () => {
    const legacy = parseAlert('AWS Cost Anomaly', samples.anomalyLegacy);
    expect(legacy.kind).toBe('anomaly');
    expect(legacy.title).toBe('Cost anomaly of $1001.00 (+333.7%) in Amazon Elastic Compute Cloud - Compute');
    expect(legacy.link).toContain('/anomaly-detection/monitors/abc/anomalies/def');
    expect(legacy.summary).toContain('BoxUsage:m5.4xlarge');
    const fresh = parseAlert(undefined, samples.anomalyNew);
    expect(fresh.title).toBe('Cost anomaly of $42.50 (+80.0%) in Amazon Simple Storage Service');
    expect(fresh.summary).toBe('Root cause: Amazon Simple Storage Service / TimedStorage-ByteHrs / us-east-1 ($40.25)');
    expect(fresh.fingerprintSource).toBe('anomaly|aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee');
    const event = parseAlert(undefined, JSON.stringify({ 'source': 'aws.ce', 'detail-type': 'Anomaly Detected', 'detail': JSON.parse(samples.anomalyNew) }));
    expect(event.kind).toBe('anomaly');
    expect(event.fingerprintSource).toBe(fresh.fingerprintSource);
  });

  test('AWS Budgets notification', () => {
    const b = parseAlert('AWS Budgets: platform-monthly has exceeded your alert threshold', samples.budget);
    expect(b.kind).toBe('budget');
    expect(b.title).toBe('Budget "platform-monthly" actual threshold exceeded (> $80.00)');
    expect(b.summary).toBe('You requested that we alert you when the ACTUAL Cost associated with your platform-monthly budget is greater than $80.00 for the current month. The ACTUAL Cost associated with this budget is $85.12.');
    expect(b.fields).toEqual(expect.arrayContaining([{ label: 'Actual amount', value: '$85.12' }, { label: 'Account', value: '123456789012' }]));
    expect(b.fingerprintSource).toBe('budget|platform-monthly|> $80.00|ACTUAL');
  });

  test('EventBridge events and anything else', () => {
    const e = parseAlert(undefined, samples.ec2Event);
    expect(e.kind).toBe('event');
    expect(e.title).toBe('EC2 Instance State-change Notification: stopped (i-0123456789abcdef0)');
    const o = parseAlert('Disk almost full', 'host-1: 95% used');
    expect(o).toMatchObject({ kind: 'other', title: 'Disk almost full', raw: 'host-1: 95% used', fingerprintSource: 'other|Disk almost full' });
    expect(parseAlert(undefined, '{not json').kind).toBe('other');
  });

  test('shortHash is stable hex', () => {
    expect(shortHash('alarm|x|eu-west-1')).toMatch(/^[0-9a-f]{12}$/);
    expect(shortHash('a')).toBe(shortHash('a'));
    expect(shortHash('a')).not.toBe(shortHash('b'));
  });
});
