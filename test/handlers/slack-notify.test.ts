import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { captureLogs, fakeRuntime, resetRuntime, samples, snsEvent } from './helpers';
import { parseAlert } from '../../src/handlers/shared/alerts';
import {
  formatSlackMessage,
  handler,
  isSlackWebhook,
  parseWebhookSecret,
  resetWebhookCache,
  SlackBlock,
  SlackMessage,
} from '../../src/handlers/slack-notify';

const secretsMock = mockClient(SecretsManagerClient);
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:finops/slack-AbCdEf';
const WEBHOOK = 'https://hooks.slack.com/services/T000/B000/XXXXXXXX';

let fetchSpy: jest.SpiedFunction<typeof fetch>;
let sleep: jest.Mock<Promise<void>, [number]>;
let logs: ReturnType<typeof captureLogs>;
const savedEnv = { ...process.env };

beforeEach(() => {
  secretsMock.reset();
  secretsMock.on(GetSecretValueCommand).resolves({ SecretString: WEBHOOK });
  resetWebhookCache();
  logs = captureLogs();
  ({ sleep } = fakeRuntime('2024-05-15T10:00:00Z'));
  process.env.WEBHOOK_SECRET_ARN = SECRET_ARN;
  fetchSpy = jest.spyOn(global, 'fetch').mockImplementation(async () => new Response('ok', { status: 200 }));
});

afterEach(() => {
  process.env = { ...savedEnv };
  resetRuntime();
  jest.restoreAllMocks();
});

afterAll(() => secretsMock.restore());

/** The JSON bodies posted, in order. */
function posts(): Array<{ url: string; body: SlackMessage }> {
  return fetchSpy.mock.calls.map(([url, init]) => ({ url: String(url), body: JSON.parse(String(init!.body)) as SlackMessage }));
}

function blockText(block: SlackBlock): string {
  if (block.type === 'header') return block.text.text;
  if (block.type === 'context') return block.elements.map((e) => e.text).join(' ');
  return [block.text?.text, ...(block.fields ?? []).map((f) => f.text)].filter(Boolean).join('\n');
}

describe('message formats', () => {
  test('CloudWatch alarm: header, reason, fields, console link', async () => {
    await handler(snsEvent(samples.alarm, 'ALARM: "web-5xx-high" in EU (Ireland)'));
    const [{ url, body }] = posts();
    expect(url).toBe(WEBHOOK);
    expect(body.text).toMatch(/^:rotating_light: ALARM: web-5xx-high\nThreshold Crossed/);
    expect(body.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'ALARM: web-5xx-high', emoji: true } });
    const text = body.blocks.map(blockText).join('\n');
    expect(text).toContain('was greater than the threshold (5.0)');
    expect(text).toContain('*State*\nOK -&gt; ALARM');
    expect(text).toContain('*Region*\nEU (Ireland)');
    expect(text).toContain('<https://console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/web-5xx-high|Open in the AWS console>');
    const init = fetchSpy.mock.calls[0][1]!;
    expect(init.method).toBe('POST');
    expect((init.headers as Record<string, string>)['Content-Type']).toMatch(/^application\/json/);
    expect(init.signal).toBeInstanceOf(AbortSignal);
  });

  test('Cost Anomaly Detection (legacy and current shapes)', async () => {
    await handler(snsEvent(samples.anomalyLegacy, 'AWS Cost Anomaly Detection'));
    await handler(snsEvent(samples.anomalyNew));
    const [legacy, current] = posts().map((p) => p.body);
    expect(legacy.blocks[0]).toMatchObject({ type: 'header', text: { text: 'Cost anomaly of $1001.00 (+333.7%) in Amazon Elastic Compute Cloud - Compute' } });
    const legacyText = legacy.blocks.map(blockText).join('\n');
    expect(legacyText).toContain('*Total impact*\n$1001.00');
    expect(legacyText).toContain('*Expected spend*\n$300.00');
    expect(legacyText).toContain('anomaly-detection/monitors/abc/anomalies/def|Open in the AWS console>');
    expect(current.blocks[0]).toMatchObject({ text: { text: 'Cost anomaly of $42.50 (+80.0%) in Amazon Simple Storage Service' } });
    expect(current.blocks.map(blockText).join('\n')).toContain('Amazon Simple Storage Service / TimedStorage-ByteHrs / us-east-1 ($40.25)');
  });

  test('AWS Budgets notification (plain text)', async () => {
    await handler(snsEvent(samples.budget, 'AWS Budgets: platform-monthly has exceeded your alert threshold'));
    const [{ body }] = posts();
    expect(body.blocks[0]).toMatchObject({ text: { text: 'Budget "platform-monthly" actual threshold exceeded (> $80.00)' } });
    const text = body.blocks.map(blockText).join('\n');
    expect(text).toContain('*Budgeted amount*\n$100.00');
    expect(text).toContain('*Threshold*\n&gt; $80.00');
    expect(text).toContain('The ACTUAL Cost associated with this budget is $85.12.');
  });

  test('anything else: subject as header, text escaped and cut to Slack\'s block limit', async () => {
    const long = `<script>&${'y'.repeat(5000)}`;
    await handler(snsEvent(long, 'Something <odd> happened'));
    const [{ body }] = posts();
    expect(body.blocks[0]).toMatchObject({ type: 'header', text: { text: 'Something <odd> happened' } });
    const section = body.blocks[1] as { text: { text: string } };
    expect(section.text.text.startsWith('&lt;script&gt;&amp;yyy')).toBe(true);
    expect(Array.from(section.text.text).length).toBeLessThanOrEqual(3000);
    expect(section.text.text.endsWith('\u2026')).toBe(true);
    expect(body.text).toBe(':information_source: Something &lt;odd&gt; happened');
    for (const block of body.blocks) expect(Array.from(blockText(block)).length).toBeLessThanOrEqual(3000);
  });

  test('EventBridge events are shown as JSON in a code block', () => {
    const message = formatSlackMessage(parseAlert(undefined, samples.ec2Event));
    expect(message.blocks[0]).toMatchObject({ text: { text: 'EC2 Instance State-change Notification: stopped (i-0123456789abcdef0)' } });
    const code = message.blocks.map(blockText).find((t) => t.startsWith('```'))!;
    expect(code).toContain('"instance-id": "i-0123456789abcdef0"');
    expect(code.endsWith('```')).toBe(true);
  });

  test('headers are at most 150 characters and fields at most 10', () => {
    const alarm = JSON.parse(samples.alarm) as Record<string, unknown>;
    alarm.AlarmName = 'a'.repeat(400);
    const message = formatSlackMessage(parseAlert(undefined, JSON.stringify(alarm)));
    const header = message.blocks[0] as { text: { text: string } };
    expect(Array.from(header.text.text).length).toBeLessThanOrEqual(150);
    for (const b of message.blocks) if (b.type === 'section' && b.fields) expect(b.fields.length).toBeLessThanOrEqual(10);
  });
});

describe('webhook secret', () => {
  test('read once per container and cached across invocations', async () => {
    await handler(snsEvent('one', 'first'));
    await handler(snsEvent('two', 'second'));
    expect(secretsMock.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    expect(secretsMock.commandCalls(GetSecretValueCommand)[0].args[0].input).toEqual({ SecretId: SECRET_ARN });
    expect(fetchSpy).toHaveBeenCalledTimes(2);
  });

  test('JSON secrets with url or webhookUrl', () => {
    expect(parseWebhookSecret(JSON.stringify({ url: WEBHOOK }))).toBe(WEBHOOK);
    expect(parseWebhookSecret(JSON.stringify({ webhookUrl: WEBHOOK, channel: '#finops' }))).toBe(WEBHOOK);
    expect(parseWebhookSecret(`  ${WEBHOOK}\n`)).toBe(WEBHOOK);
    expect(() => parseWebhookSecret(JSON.stringify({ hook: WEBHOOK }))).toThrow(/without a "url" or "webhookUrl"/);
  });

  test.each([
    'https://evil.example.com/services/T/B/X',
    'http://hooks.slack.com/services/T/B/X',
    'https://hooks.slack.com.evil.example.com/services/T/B/X',
    'https://user:pw@hooks.slack.com/services/T/B/X',
    'https://hooks.slack.com:8443/services/T/B/X',
    'hooks.slack.com/services/T/B/X',
  ])('refuses %s and never posts the alert', async (url) => {
    expect(isSlackWebhook(url)).toBe(false);
    secretsMock.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ url }) });
    await expect(handler(snsEvent('alert', 'subject'))).rejects.toThrow(/does not hold a https:\/\/hooks\.slack\.com\/ URL/);
    expect(fetchSpy).not.toHaveBeenCalled();
    // The refused URL is not leaked into the logs.
    expect(JSON.stringify(logs.lines())).not.toContain(url);
  });

  test('404 from Slack: the secret is read again and the rotated URL used', async () => {
    const rotated = 'https://hooks.slack.com/services/T000/B000/ROTATED';
    secretsMock.on(GetSecretValueCommand).resolvesOnce({ SecretString: WEBHOOK }).resolves({ SecretString: rotated });
    fetchSpy.mockResolvedValueOnce(new Response('no_service', { status: 404 }));
    await handler(snsEvent('alert', 'subject'));
    expect(posts().map((p) => p.url)).toEqual([WEBHOOK, rotated]);
    expect(secretsMock.commandCalls(GetSecretValueCommand)).toHaveLength(2);
    // The new URL is cached.
    await handler(snsEvent('alert 2', 'subject'));
    expect(secretsMock.commandCalls(GetSecretValueCommand)).toHaveLength(2);
    expect(posts()[2].url).toBe(rotated);
  });

  test('403 with an unchanged secret fails (once re-read, not in a loop)', async () => {
    fetchSpy.mockResolvedValue(new Response('invalid_token', { status: 403 }));
    await expect(handler(snsEvent('alert', 'subject'))).rejects.toThrow(/Slack answered HTTP 403 invalid_token/);
    expect(fetchSpy).toHaveBeenCalledTimes(1);
    expect(secretsMock.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });
});

describe('delivery', () => {
  test('429: waits Retry-After, then posts', async () => {
    fetchSpy.mockResolvedValueOnce(new Response('rate limited', { status: 429, headers: { 'Retry-After': '2' } }));
    await expect(handler(snsEvent('alert', 'subject'))).resolves.toEqual({ posted: 1 });
    expect(fetchSpy).toHaveBeenCalledTimes(2);
    expect(sleep.mock.calls).toEqual([[2000]]);
  });

  test('gives up early, with a clear error, when a retry could not finish before the function times out', async () => {
    fetchSpy.mockResolvedValue(new Response('rate limited', { status: 429, headers: { 'Retry-After': '10' } }));
    await expect(handler(snsEvent('alert', 'subject'), { getRemainingTimeInMillis: () => 6000 })).rejects.toThrow(/no time left for another attempt/);
    expect(fetchSpy).toHaveBeenCalledTimes(1);
    expect(sleep).not.toHaveBeenCalled();
  });

  test('5xx: retried with back-off, thrown after 3 attempts so Lambda retries and the DLQ take over', async () => {
    fetchSpy.mockImplementation(async () => new Response('upstream error', { status: 503 }));
    await expect(handler(snsEvent('alert', 'subject'))).rejects.toThrow(/Slack webhook: failed after 3 attempts \(HTTP 503\)/);
    expect(fetchSpy).toHaveBeenCalledTimes(3);
    expect(sleep).toHaveBeenCalledTimes(2);
    expect(sleep.mock.calls[1][0]).toBeGreaterThan(sleep.mock.calls[0][0]);
  });

  test('a network error is retried', async () => {
    fetchSpy.mockRejectedValueOnce(new TypeError('fetch failed'));
    await expect(handler(snsEvent('alert', 'subject'))).resolves.toEqual({ posted: 1 });
    expect(fetchSpy).toHaveBeenCalledTimes(2);
  });

  test('400 (bad payload) is not retried and fails the invocation', async () => {
    fetchSpy.mockResolvedValue(new Response('invalid_payload', { status: 400 }));
    await expect(handler(snsEvent('alert', 'subject'))).rejects.toThrow(/HTTP 400 invalid_payload/);
    expect(fetchSpy).toHaveBeenCalledTimes(1);
  });

  test('every record is attempted; the invocation fails if one failed', async () => {
    const event = snsEvent('first', 'a', 'm-1');
    event.Records.push(snsEvent('second', 'b', 'm-2').Records[0]);
    fetchSpy.mockResolvedValueOnce(new Response('invalid_payload', { status: 400 }));
    await expect(handler(event)).rejects.toThrow(/failed for 1 of 2 record\(s\): m-1: /);
    expect(fetchSpy).toHaveBeenCalledTimes(2);
  });

  test('missing WEBHOOK_SECRET_ARN fails before any call', async () => {
    delete process.env.WEBHOOK_SECRET_ARN;
    await expect(handler(snsEvent('alert', 'subject'))).rejects.toThrow(/WEBHOOK_SECRET_ARN is required/);
    expect(secretsMock.calls()).toHaveLength(0);
    expect(fetchSpy).not.toHaveBeenCalled();
  });
});
