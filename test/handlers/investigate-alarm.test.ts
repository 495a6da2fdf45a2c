import { execFileSync } from 'child_process';
import { createHmac } from 'crypto';
import { createServer, IncomingHttpHeaders, Server } from 'http';
import { AddressInfo } from 'net';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { captureLogs, fakeRuntime, resetRuntime, samples, snsEvent } from './helpers';
import {
  buildInvestigationPayload,
  CloudWatchAlarmMessage,
  handler,
  incidentIdFor,
  InvestigationPayload,
  isDevOpsAgentWebhook,
  MAX_DESCRIPTION,
  MAX_INCIDENT_ID,
  parseWebhookSecret,
  readConfig,
  resetWebhookCache,
  signWebhook,
  WebhookNotFilledInError,
} from '../../src/handlers/investigate-alarm';
import { ConfigError } from '../../src/handlers/shared/env';

const secretsMock = mockClient(SecretsManagerClient);
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:platform/devops-agent-webhook-AbCdEf';
const WEBHOOK_ID = '3f2a9c1e-6b7d-4e8f-9a0b-1c2d3e4f5a6b';
const WEBHOOK_URL = `https://event-ai.eu-west-1.api.aws/webhook/generic/${WEBHOOK_ID}`;
const HMAC_SECRET = 'hmac-S3CRET-value-9f8e7d';
const SECRET_STRING = JSON.stringify({ webhookUrl: WEBHOOK_URL, webhookSecret: HMAC_SECRET });
const NOW = '2026-11-26T10:00:05.250Z';

/** A CloudWatch alarm notification as SNS delivers it (ECS service CPU alarm). */
const ECS_ALARM = {
  AlarmName: 'prod-web-cpu-high',
  AlarmDescription: 'CPU of the web service above 85% for 5 minutes',
  AWSAccountId: '123456789012',
  AlarmConfigurationUpdatedTimestamp: '2026-11-01T08:00:00.000+0000',
  NewStateValue: 'ALARM',
  NewStateReason: 'Threshold Crossed: 5 out of the last 5 datapoints [97.1 (26/11/26 09:59:00), 96.4 (26/11/26 09:58:00)] were greater than the threshold (85.0) (minimum 5 datapoints for OK -> ALARM transition).',
  StateChangeTime: '2026-11-26T10:00:00.123+0000',
  Region: 'EU (Ireland)',
  AlarmArn: 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:prod-web-cpu-high',
  OldStateValue: 'OK',
  OKActions: [],
  AlarmActions: ['arn:aws:sns:eu-west-1:123456789012:platform-alarms'],
  InsufficientDataActions: [],
  Trigger: {
    MetricName: 'CPUUtilization',
    Namespace: 'AWS/ECS',
    StatisticType: 'Statistic',
    Statistic: 'AVERAGE',
    Unit: null,
    Dimensions: [{ value: 'prod', name: 'ClusterName' }, { value: 'web', name: 'ServiceName' }],
    Period: 60,
    EvaluationPeriods: 5,
    DatapointsToAlarm: 5,
    ComparisonOperator: 'GreaterThanThreshold',
    Threshold: 85.0,
    TreatMissingData: 'missing',
    EvaluateLowSampleCountPercentile: '',
  },
};
const ECS_ALARM_MESSAGE = JSON.stringify(ECS_ALARM);

function alarmWith(overrides: Record<string, unknown>): string {
  return JSON.stringify({ ...ECS_ALARM, ...overrides });
}

/** base64(HMAC-SHA256) computed by the openssl CLI, or undefined when openssl is not installed. */
function opensslHmac(key: string, message: string): string | undefined {
  try {
    return execFileSync('openssl', ['dgst', '-sha256', '-hmac', key, '-binary'], { input: Buffer.from(message, 'utf8') }).toString('base64');
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// A local HTTP server stands in for event-ai.<region>.api.aws: the handler only ever posts to a
// DevOps Agent URL, so the global fetch is wrapped to send the same request (method, headers,
// body, signal) to the local server, keeping the original URL. The server sees the bytes on the wire.
// ---------------------------------------------------------------------------------------------

interface Received {
  /** The URL the handler fetched. */
  readonly url: string;
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** The exact body bytes received, as UTF-8. */
  readonly body: string;
}

let server: Server;
let serverOrigin: string;
let received: Received[];
/** Answers of the fake webhook, in order; 200 once they run out. */
let answers: Array<{ status: number; body: string }>;
let pendingUrls: string[];
const realFetch = global.fetch;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        url: pendingUrls.shift() ?? '',
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const answer = answers.shift() ?? { status: 200, body: '{"message":"accepted"}' };
      res.writeHead(answer.status, { 'Content-Type': 'application/json' });
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  serverOrigin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  secretsMock.restore();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

let fetchSpy: jest.SpiedFunction<typeof fetch>;
let sleep: jest.Mock<Promise<void>, [number]>;
let setNow: (t: string | Date) => void;
let logs: ReturnType<typeof captureLogs>;
const savedEnv = { ...process.env };

beforeEach(() => {
  received = [];
  answers = [];
  pendingUrls = [];
  secretsMock.reset();
  secretsMock.on(GetSecretValueCommand).resolves({ SecretString: SECRET_STRING });
  resetWebhookCache();
  logs = captureLogs();
  ({ sleep, setNow } = fakeRuntime(NOW));
  process.env.WEBHOOK_SECRET_ARN = SECRET_ARN;
  process.env.PLATFORM_NAME = 'acme-platform';
  delete process.env.INVESTIGATION_PRIORITY;
  fetchSpy = jest.spyOn(global, 'fetch').mockImplementation(async (input, init) => {
    const url = new URL(String(input));
    pendingUrls.push(url.href);
    return realFetch(`${serverOrigin}${url.pathname}${url.search}`, init);
  });
});

afterEach(() => {
  process.env = { ...savedEnv };
  resetRuntime();
  jest.restoreAllMocks();
});

function payloadOf(r: Received): InvestigationPayload {
  return JSON.parse(r.body) as InvestigationPayload;
}

function verifies(r: Received, key: string): boolean {
  const timestamp = String(r.headers['x-amzn-event-timestamp']);
  const expected = createHmac('sha256', key).update(`${timestamp}:${r.body}`, 'utf8').digest('base64');
  return r.headers['x-amzn-event-signature'] === expected;
}

describe('configuration', () => {
  const base = { WEBHOOK_SECRET_ARN: SECRET_ARN };

  test('defaults: priority HIGH, no platform name', () => {
    expect(readConfig(base)).toEqual({ webhookSecretArn: SECRET_ARN, platformName: undefined, priority: 'HIGH' });
  });

  test('PLATFORM_NAME and INVESTIGATION_PRIORITY (any case)', () => {
    expect(readConfig({ ...base, PLATFORM_NAME: ' acme ', INVESTIGATION_PRIORITY: 'critical' }))
      .toEqual({ webhookSecretArn: SECRET_ARN, platformName: 'acme', priority: 'CRITICAL' });
    expect(readConfig({ ...base, INVESTIGATION_PRIORITY: 'LOW' }).priority).toBe('LOW');
  });

  test('missing WEBHOOK_SECRET_ARN', () => {
    expect(() => readConfig({})).toThrow(/WEBHOOK_SECRET_ARN is required/);
  });

  test.each([
    'platform/devops-agent-webhook',
    'arn:aws:ssm:eu-west-1:123456789012:parameter/webhook',
    'arn:aws:secretsmanager:eu-west-1:1234:secret:x',
  ])('WEBHOOK_SECRET_ARN %s is not a secret ARN', (arn) => {
    expect(() => readConfig({ WEBHOOK_SECRET_ARN: arn })).toThrow(/WEBHOOK_SECRET_ARN must be a Secrets Manager secret ARN/);
  });

  test('a GovCloud secret ARN is accepted', () => {
    const arn = 'arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:hook-AbCdEf';
    expect(readConfig({ WEBHOOK_SECRET_ARN: arn }).webhookSecretArn).toBe(arn);
  });

  test('bad priority', () => {
    expect(() => readConfig({ ...base, INVESTIGATION_PRIORITY: 'URGENT' }))
      .toThrow(/INVESTIGATION_PRIORITY must be one of CRITICAL, HIGH, MEDIUM, LOW, got "URGENT"/);
  });

  test('every problem at once', () => {
    let error: unknown;
    try {
      readConfig({ WEBHOOK_SECRET_ARN: 'not-an-arn', INVESTIGATION_PRIORITY: 'P1' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'WEBHOOK_SECRET_ARN must be a Secrets Manager secret ARN, got "not-an-arn"',
      'INVESTIGATION_PRIORITY must be one of CRITICAL, HIGH, MEDIUM, LOW, got "P1"',
    ]);
  });
});

describe('webhook secret', () => {
  test('webhookUrl / webhookSecret and url / secret', () => {
    expect(parseWebhookSecret(SECRET_STRING)).toEqual({ url: WEBHOOK_URL, secret: HMAC_SECRET });
    expect(parseWebhookSecret(JSON.stringify({ url: WEBHOOK_URL, secret: HMAC_SECRET }))).toEqual({ url: WEBHOOK_URL, secret: HMAC_SECRET });
    expect(parseWebhookSecret(`\n ${JSON.stringify({ webhookUrl: ` ${WEBHOOK_URL}\n`, secret: ` ${HMAC_SECRET} ` })} `))
      .toEqual({ url: WEBHOOK_URL, secret: HMAC_SECRET });
    // The documented spelling wins; a blank one falls back to the short one.
    expect(parseWebhookSecret(JSON.stringify({ webhookUrl: WEBHOOK_URL, url: 'https://event-ai.us-east-1.api.aws/webhook/generic/other', webhookSecret: HMAC_SECRET })).url)
      .toBe(WEBHOOK_URL);
    expect(parseWebhookSecret(JSON.stringify({ webhookUrl: ' ', url: WEBHOOK_URL, webhookSecret: HMAC_SECRET })).url).toBe(WEBHOOK_URL);
  });

  test.each([
    '{"webhookUrl":"","webhookSecret":""}',
    '{"webhookUrl":"  ","webhookSecret":null}',
    '{}',
  ])('the placeholder %s: "not filled in yet"', (secretString) => {
    expect(() => parseWebhookSecret(secretString)).toThrow(WebhookNotFilledInError);
    expect(() => parseWebhookSecret(secretString)).toThrow(/is not filled in yet: generate a generic webhook in the DevOps Agent console/);
  });

  test('a missing field is named, its partner never echoed', () => {
    let message = '';
    try {
      parseWebhookSecret(JSON.stringify({ webhookUrl: WEBHOOK_URL, webhookSecret: '' }));
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/has no "webhookSecret" \(or "secret"\)/);
    expect(message).not.toContain(WEBHOOK_ID);
    expect(() => parseWebhookSecret(JSON.stringify({ webhookSecret: HMAC_SECRET }))).toThrow(/has no "webhookUrl" \(or "url"\)/);
    try {
      parseWebhookSecret(JSON.stringify({ secret: HMAC_SECRET }));
    } catch (err) {
      expect((err as Error).message).not.toContain(HMAC_SECRET);
    }
    expect.assertions(4);
  });

  test('not JSON, not an object, a non-string field', () => {
    expect(() => parseWebhookSecret(WEBHOOK_URL)).toThrow(/is not valid JSON; expected \{"webhookUrl"/);
    expect(() => parseWebhookSecret('["a"]')).toThrow(/is not a JSON object/);
    expect(() => parseWebhookSecret(JSON.stringify({ webhookUrl: WEBHOOK_URL, webhookSecret: 42 }))).toThrow(/"webhookSecret" is not a string/);
  });

  test('the DevOps Agent generic webhook URL is accepted', () => {
    expect(isDevOpsAgentWebhook(WEBHOOK_URL)).toBe(true);
    expect(isDevOpsAgentWebhook('https://event-ai.us-east-1.api.aws/webhook/generic/abc')).toBe(true);
  });

  test.each([
    ['http', 'http://event-ai.us-east-1.api.aws/webhook/generic/abc', /not https/],
    ['another host', 'https://hooks.example.com/webhook/generic/abc', /host is not event-ai/],
    ['a look-alike host', 'https://event-ai.us-east-1.api.aws.evil.com/webhook/generic/abc', /host is not event-ai/],
    ['user information', 'https://user:pw@event-ai.us-east-1.api.aws/webhook/generic/abc', /user information/],
    ['a user hiding the host', 'https://event-ai.us-east-1.api.aws@evil.com/webhook/generic/abc', /user information/],
    ['a port', 'https://event-ai.us-east-1.api.aws:8443/webhook/generic/abc', /names a port/],
    ['another path', 'https://event-ai.us-east-1.api.aws/api/generic/abc', /path does not start with \/webhook\//],
    ['no webhook in the path', 'https://event-ai.us-east-1.api.aws/webhook/', /path does not start with \/webhook\//],
    ['no scheme', 'event-ai.us-east-1.api.aws/webhook/generic/abc', /not an absolute URL/],
    ['a backslash', 'https://event-ai.us-east-1.api.aws\\webhook/generic/abc', /not in canonical form/],
    ['upper case', 'https://EVENT-AI.us-east-1.api.aws/webhook/generic/abc', /not in canonical form/],
  ])('refuses %s, without echoing the URL, its query or the secret', (_what, url, reason) => {
    const withQuery = `${url}?token=QUERYSECRET`;
    expect(isDevOpsAgentWebhook(withQuery)).toBe(false);
    let message = '';
    try {
      parseWebhookSecret(JSON.stringify({ webhookUrl: withQuery, webhookSecret: HMAC_SECRET }));
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/is not a DevOps Agent generic webhook .*refusing to post alarms anywhere else/);
    expect(message).toMatch(reason);
    for (const leak of ['QUERYSECRET', HMAC_SECRET, 'generic/abc', 'evil.com', 'user:pw']) expect(message).not.toContain(leak);
  });
});

describe('investigation payload', () => {
  const now = new Date(NOW);

  test('from an ECS service alarm: every documented field', () => {
    const payload = buildInvestigationPayload(ECS_ALARM_MESSAGE, { priority: 'CRITICAL', platformName: 'acme-platform', now });
    expect(payload).toEqual({
      eventType: 'incident',
      action: 'created',
      priority: 'CRITICAL',
      incidentId: 'prod-web-cpu-high-2026-11-26T10-00-00.123-0000',
      title: 'prod-web-cpu-high in ALARM',
      description: `${ECS_ALARM.NewStateReason}\n\nAlarm description: CPU of the web service above 85% for 5 minutes`,
      service: 'web',
      timestamp: '2026-11-26T10:00:05.250Z',
      data: {
        alarmName: 'prod-web-cpu-high',
        alarmArn: 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:prod-web-cpu-high',
        region: 'eu-west-1',
        accountId: '123456789012',
        stateChangeTime: '2026-11-26T10:00:00.123+0000',
        oldState: 'OK',
        metric: { namespace: 'AWS/ECS', name: 'CPUUtilization', dimensions: { ClusterName: 'prod', ServiceName: 'web' } },
      },
    });
    // The parsed message gives the same payload.
    expect(buildInvestigationPayload(JSON.parse(ECS_ALARM_MESSAGE) as CloudWatchAlarmMessage, { priority: 'CRITICAL', platformName: 'acme-platform', now }))
      .toEqual(payload);
  });

  test('timestamp: ISO 8601 with milliseconds, priority HIGH by default', () => {
    const payload = buildInvestigationPayload(ECS_ALARM_MESSAGE, { now: new Date('2026-11-26T10:00:00Z') });
    expect(payload.timestamp).toBe('2026-11-26T10:00:00.000Z');
    expect(payload.priority).toBe('HIGH');
  });

  test('service: the ServiceName dimension, else PLATFORM_NAME, else "unknown"', () => {
    const alb = alarmWith({ Trigger: { MetricName: 'HTTPCode_Target_5XX_Count', Namespace: 'AWS/ApplicationELB', Dimensions: [{ value: 'app/prod-alb/50dc6c495c0c9188', name: 'LoadBalancer' }] } });
    expect(buildInvestigationPayload(alb, { platformName: 'acme-platform', now }).service).toBe('acme-platform');
    expect(buildInvestigationPayload(alb, { now }).service).toBe('unknown');
    expect(buildInvestigationPayload(samples.alarm, { now }).service).toBe('unknown');
    expect(buildInvestigationPayload(samples.alarm, { now }).data.metric).toEqual({ namespace: 'AWS/ApplicationELB', name: 'HTTPCode_Target_5XX_Count', dimensions: {} });
  });

  test('metric-math alarms: namespace, name and dimensions of the first metric', () => {
    const mathAlarm = alarmWith({
      Trigger: {
        Period: 60,
        Metrics: [
          { Id: 'e1', Expression: 'm1 / m2 * 100', Label: 'error rate', ReturnData: true },
          { Id: 'm1', MetricStat: { Metric: { Dimensions: [{ value: 'api', name: 'ServiceName' }, { value: 'prod', name: 'ClusterName' }], MetricName: 'Errors', Namespace: 'Acme/App' }, Period: 60, Stat: 'Sum' }, ReturnData: false },
          { Id: 'm2', MetricStat: { Metric: { Dimensions: [{ value: 'other', name: 'ServiceName' }], MetricName: 'Requests', Namespace: 'Acme/App' }, Period: 60, Stat: 'Sum' }, ReturnData: false },
        ],
      },
    });
    const payload = buildInvestigationPayload(mathAlarm, { platformName: 'acme-platform', now });
    expect(payload.service).toBe('api');
    expect(payload.data.metric).toEqual({ namespace: 'Acme/App', name: 'Errors', dimensions: { ServiceName: 'api', ClusterName: 'prod' } });
  });

  test('incidentId: the same for a redelivery or a retry, another for another state change', () => {
    const first = buildInvestigationPayload(ECS_ALARM_MESSAGE, { now });
    const retried = buildInvestigationPayload(ECS_ALARM_MESSAGE, { now: new Date('2026-11-26T10:03:00Z') });
    expect(retried.incidentId).toBe(first.incidentId);
    expect(retried.timestamp).not.toBe(first.timestamp);
    expect(buildInvestigationPayload(alarmWith({ StateChangeTime: '2026-11-26T11:00:00.000+0000' }), { now }).incidentId)
      .toBe('prod-web-cpu-high-2026-11-26T11-00-00.000-0000');
  });

  test('incidentId: characters outside [A-Za-z0-9._-] replaced', () => {
    expect(incidentIdFor('Prod / web: 5xx > 1% (é)', '2026-11-26T10:00:00.000+0000')).toBe('Prod---web--5xx---1------2026-11-26T10-00-00.000-0000');
    expect(buildInvestigationPayload(alarmWith({ AlarmName: 'TargetTracking-service/prod/web-AlarmHigh-6a4b 🔥' }), { now }).incidentId)
      .toMatch(/^TargetTracking-service-prod-web-AlarmHigh-6a4b---2026-11-26T10-00-00\.123-0000$/);
  });

  test('incidentId: at most 128 characters, long names end in a hash of the whole', () => {
    const long = 'a'.repeat(250);
    const one = buildInvestigationPayload(alarmWith({ AlarmName: `${long}-one` }), { now }).incidentId;
    const two = buildInvestigationPayload(alarmWith({ AlarmName: `${long}-two` }), { now }).incidentId;
    const later = buildInvestigationPayload(alarmWith({ AlarmName: `${long}-one`, StateChangeTime: '2026-11-27T10:00:00.000+0000' }), { now }).incidentId;
    for (const id of [one, two, later]) {
      expect(id).toHaveLength(MAX_INCIDENT_ID);
      expect(id).toMatch(/^a+-[0-9a-f]{16}$/);
    }
    expect(new Set([one, two, later]).size).toBe(3);
    expect(buildInvestigationPayload(alarmWith({ AlarmName: `${long}-one` }), { now: new Date() }).incidentId).toBe(one);
    // Exactly 128 characters are kept as they are.
    const exact = 'b'.repeat(MAX_INCIDENT_ID - 1 - 'T'.length);
    expect(incidentIdFor(exact, 'T')).toBe(`${exact}-T`);
  });

  test('description: reason and alarm description, cut to 4000 characters', () => {
    const reason = `Threshold Crossed: ${'x'.repeat(5000)}`;
    const payload = buildInvestigationPayload(alarmWith({ NewStateReason: reason }), { now });
    expect(payload.description).toHaveLength(MAX_DESCRIPTION);
    expect(payload.description.startsWith('Threshold Crossed: xxx')).toBe(true);
    expect(payload.description.endsWith('x\u2026')).toBe(true);
    // A surrogate pair at the cut is not split.
    const split = buildInvestigationPayload(alarmWith({ NewStateReason: `${'y'.repeat(3998)}🔥🔥`, AlarmDescription: null }), { now }).description;
    expect(split).toBe(`${'y'.repeat(3998)}\u2026`);
    const whole = buildInvestigationPayload(alarmWith({ NewStateReason: `${'y'.repeat(3997)}🔥🔥`, AlarmDescription: null }), { now }).description;
    expect(whole).toBe(`${'y'.repeat(3997)}🔥\u2026`);
    expect(whole).toHaveLength(MAX_DESCRIPTION);
    // Without a reason or a description, the title.
    expect(buildInvestigationPayload(alarmWith({ NewStateReason: '', AlarmDescription: null }), { now }).description).toBe('prod-web-cpu-high in ALARM');
    expect(buildInvestigationPayload(alarmWith({ AlarmDescription: null }), { now }).description).toBe(ECS_ALARM.NewStateReason);
  });

  test('refuses a message that is not an alarm', () => {
    expect(() => buildInvestigationPayload(samples.budget)).toThrow(/not a CloudWatch alarm notification/);
    expect(() => buildInvestigationPayload(samples.ec2Event)).toThrow(/not a CloudWatch alarm notification/);
  });
});

describe('signature', () => {
  // Computed independently with:
  //   printf '%s' '2026-11-26T10:00:00.000Z:{"eventType":"incident","title":"Test Alert"}' \
  //     | openssl dgst -sha256 -hmac 'test-hmac-secret' -binary | base64
  //   printf '2026-11-26T10:00:00.000Z:{"title":"caf\xc3\xa9 \xe2\x86\x92 \xf0\x9f\x94\xa5"}' \
  //     | openssl dgst -sha256 -hmac 'test-hmac-secret' -binary | base64
  test('known vectors (openssl): base64 HMAC-SHA256 of "<timestamp>:<body>"', () => {
    expect(signWebhook('test-hmac-secret', '2026-11-26T10:00:00.000Z', '{"eventType":"incident","title":"Test Alert"}'))
      .toBe('3CCMw9+PtdDS+CtUZppblFsxfhNFI/qYgytIlH/bT48=');
    expect(signWebhook('test-hmac-secret', '2026-11-26T10:00:00.000Z', '{"title":"café → 🔥"}'))
      .toBe('Hl32z0BZJxo0K+LM8Ct0qqfdUnO8xCsSeaZYYA/GOco=');
  });

  test('matches the openssl CLI on a real payload (skipped without openssl)', () => {
    const payload = buildInvestigationPayload(ECS_ALARM_MESSAGE, { now: new Date(NOW) });
    const body = JSON.stringify(payload);
    const expected = opensslHmac(HMAC_SECRET, `${payload.timestamp}:${body}`);
    if (expected === undefined) return;
    expect(signWebhook(HMAC_SECRET, payload.timestamp, body)).toBe(expected);
  });

  test('depends on the key, the timestamp and the body', () => {
    const base = signWebhook('k', 't', 'b');
    expect(signWebhook('k2', 't', 'b')).not.toBe(base);
    expect(signWebhook('k', 't2', 'b')).not.toBe(base);
    expect(signWebhook('k', 't', 'b2')).not.toBe(base);
  });
});

describe('handler', () => {
  test('an alarm starts an investigation: signed JSON posted to the webhook', async () => {
    await expect(handler(snsEvent(ECS_ALARM_MESSAGE, 'ALARM: "prod-web-cpu-high" in EU (Ireland)'))).resolves.toEqual({ investigations: 1, skipped: 0 });
    expect(received).toHaveLength(1);
    const [request] = received;
    expect(request.url).toBe(WEBHOOK_URL);
    expect(request.method).toBe('POST');
    expect(request.path).toBe(`/webhook/generic/${WEBHOOK_ID}`);
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['x-amzn-event-timestamp']).toBe(NOW);
    expect(verifies(request, HMAC_SECRET)).toBe(true);
    expect(verifies(request, 'another-key')).toBe(false);
    const viaOpenssl = opensslHmac(HMAC_SECRET, `${String(request.headers['x-amzn-event-timestamp'])}:${request.body}`);
    if (viaOpenssl !== undefined) expect(request.headers['x-amzn-event-signature']).toBe(viaOpenssl);
    // Compact JSON, exactly the payload the function builds.
    const payload = payloadOf(request);
    expect(request.body).toBe(JSON.stringify(payload));
    expect(payload).toEqual(buildInvestigationPayload(ECS_ALARM_MESSAGE, { priority: 'HIGH', platformName: 'acme-platform', now: new Date(NOW) }));
    expect(payload.timestamp).toBe(NOW);
    expect(secretsMock.commandCalls(GetSecretValueCommand).map((c) => c.args[0].input)).toEqual([{ SecretId: SECRET_ARN }]);
    const info = logs.lines().find((l) => l.message === 'DevOps Agent investigation requested');
    expect(info).toMatchObject({ level: 'INFO', incidentId: payload.incidentId, webhookHost: 'event-ai.eu-west-1.api.aws', service: 'web' });
    // Neither the secret nor the webhook's path is logged.
    const logText = JSON.stringify(logs.lines());
    expect(logText).not.toContain(HMAC_SECRET);
    expect(logText).not.toContain(WEBHOOK_ID);
  });

  test('INVESTIGATION_PRIORITY and PLATFORM_NAME reach the payload', async () => {
    process.env.INVESTIGATION_PRIORITY = 'medium';
    await handler(snsEvent(samples.alarm));
    expect(payloadOf(received[0])).toMatchObject({ priority: 'MEDIUM', service: 'acme-platform', title: 'web-5xx-high in ALARM' });
  });

  test('OK, INSUFFICIENT_DATA and other messages are skipped, never posted (and need no secret)', async () => {
    const event = snsEvent(alarmWith({ NewStateValue: 'OK', OldStateValue: 'ALARM' }), 'OK: "prod-web-cpu-high"', 'm-ok');
    event.Records.push(snsEvent(alarmWith({ NewStateValue: 'INSUFFICIENT_DATA' }), undefined, 'm-insufficient').Records[0]);
    event.Records.push(snsEvent(samples.budget, 'AWS Budgets', 'm-budget').Records[0]);
    event.Records.push(snsEvent('not json at all', 'hello', 'm-text').Records[0]);
    await expect(handler(event)).resolves.toEqual({ investigations: 0, skipped: 4 });
    expect(fetchSpy).not.toHaveBeenCalled();
    expect(received).toEqual([]);
    expect(secretsMock.commandCalls(GetSecretValueCommand)).toHaveLength(0);
    const skips = logs.lines().filter((l) => l.level === 'INFO');
    expect(skips).toEqual(expect.arrayContaining([
      expect.objectContaining({ messageId: 'm-ok', state: 'OK' }),
      expect.objectContaining({ messageId: 'm-insufficient', state: 'INSUFFICIENT_DATA' }),
      expect.objectContaining({ messageId: 'm-budget', kind: 'budget' }),
      expect.objectContaining({ messageId: 'm-text', kind: 'other' }),
    ]));
  });

  test('a mixed batch: alarms posted, the rest skipped; the secret read once', async () => {
    const event = snsEvent(ECS_ALARM_MESSAGE, undefined, 'm-1');
    event.Records.push(snsEvent(alarmWith({ NewStateValue: 'OK' }), undefined, 'm-2').Records[0]);
    event.Records.push(snsEvent(samples.alarm, undefined, 'm-3').Records[0]);
    await expect(handler(event)).resolves.toEqual({ investigations: 2, skipped: 1 });
    expect(received.map((r) => payloadOf(r).title)).toEqual(['prod-web-cpu-high in ALARM', 'web-5xx-high in ALARM']);
    expect(secretsMock.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  test('a redelivered notification describes the same incident', async () => {
    await handler(snsEvent(ECS_ALARM_MESSAGE));
    setNow('2026-11-26T10:02:00.000Z');
    await handler(snsEvent(ECS_ALARM_MESSAGE));
    const [first, again] = received.map(payloadOf);
    expect(again.incidentId).toBe(first.incidentId);
    expect(again.timestamp).toBe('2026-11-26T10:02:00.000Z');
    expect(received[1].headers['x-amzn-event-timestamp']).toBe('2026-11-26T10:02:00.000Z');
    expect(verifies(received[1], HMAC_SECRET)).toBe(true);
  });

  test('500 then 200: retried with the same signed body', async () => {
    answers = [{ status: 500, body: '{"message":"internal error"}' }];
    await expect(handler(snsEvent(ECS_ALARM_MESSAGE))).resolves.toEqual({ investigations: 1, skipped: 0 });
    expect(received).toHaveLength(2);
    expect(received[1].body).toBe(received[0].body);
    expect(received[1].headers['x-amzn-event-signature']).toBe(received[0].headers['x-amzn-event-signature']);
    expect(verifies(received[1], HMAC_SECRET)).toBe(true);
    expect(sleep).toHaveBeenCalledTimes(1);
  });

  test('429 honours Retry-After', async () => {
    fetchSpy.mockImplementationOnce(async () => new Response('{"message":"slow down"}', { status: 429, headers: { 'Retry-After': '3' } }));
    await expect(handler(snsEvent(ECS_ALARM_MESSAGE))).resolves.toEqual({ investigations: 1, skipped: 0 });
    expect(sleep.mock.calls).toEqual([[3000]]);
  });

  test('5xx on every attempt: the invocation fails after 3 attempts', async () => {
    answers = [500, 502, 503].map((status) => ({ status, body: '{}' }));
    await expect(handler(snsEvent(ECS_ALARM_MESSAGE))).rejects.toThrow(/DevOps Agent webhook: failed after 3 attempts \(HTTP 503\)/);
    expect(received).toHaveLength(3);
  });

  test('403: the secret is read again once and the regenerated webhook used', async () => {
    const newId = '9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b';
    const newUrl = `https://event-ai.eu-west-1.api.aws/webhook/generic/${newId}`;
    const newSecret = 'regenerated-hmac-secret';
    secretsMock.on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: SECRET_STRING })
      .resolves({ SecretString: JSON.stringify({ url: newUrl, secret: newSecret }) });
    answers = [{ status: 403, body: '{"message":"invalid signature"}' }];
    await expect(handler(snsEvent(ECS_ALARM_MESSAGE))).resolves.toEqual({ investigations: 1, skipped: 0 });
    expect(received.map((r) => r.path)).toEqual([`/webhook/generic/${WEBHOOK_ID}`, `/webhook/generic/${newId}`]);
    expect(verifies(received[0], HMAC_SECRET)).toBe(true);
    expect(verifies(received[1], newSecret)).toBe(true);
    expect(received[1].body).toBe(received[0].body);
    expect(secretsMock.commandCalls(GetSecretValueCommand)).toHaveLength(2);
    // The regenerated webhook is cached.
    await handler(snsEvent(ECS_ALARM_MESSAGE));
    expect(secretsMock.commandCalls(GetSecretValueCommand)).toHaveLength(2);
    expect(received[2].path).toBe(`/webhook/generic/${newId}`);
  });

  test.each([401, 403, 404])('%i with an unchanged secret fails after one re-read, not in a loop', async (status) => {
    answers = [{ status, body: '{"message":"refused"}' }, { status, body: '{"message":"refused"}' }];
    await expect(handler(snsEvent(ECS_ALARM_MESSAGE, undefined, 'm-1')))
      .rejects.toThrow(new RegExp(`m-1 \\(incident prod-web-cpu-high-2026-11-26T10-00-00\\.123-0000\\): the DevOps Agent webhook answered HTTP ${status}`));
    expect(received).toHaveLength(1);
    expect(secretsMock.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  test('400 is not retried; every record is attempted and the failures listed without secrets', async () => {
    const event = snsEvent(ECS_ALARM_MESSAGE, undefined, 'm-1');
    event.Records.push(snsEvent(alarmWith({ NewStateValue: 'OK' }), undefined, 'm-2').Records[0]);
    event.Records.push(snsEvent(samples.alarm, undefined, 'm-3').Records[0]);
    answers = [{ status: 400, body: '{"message":"invalid payload"}' }, { status: 400, body: '{"message":"invalid payload"}' }];
    let message = '';
    try {
      await handler(event);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^DevOps Agent investigation request failed for 2 of 3 record\(s\): m-1 \(incident prod-web-cpu-high-[^)]+\): the DevOps Agent webhook answered HTTP 400 \{"message":"invalid payload"\}; m-3 \(incident web-5xx-high-2024-05-15T10-00-00\.000-0000\): /);
    expect(message).not.toContain('m-2');
    expect(received).toHaveLength(2);
    for (const leak of [HMAC_SECRET, WEBHOOK_ID, WEBHOOK_URL]) {
      expect(message).not.toContain(leak);
      expect(JSON.stringify(logs.lines())).not.toContain(leak);
    }
  });

  test('a network error is retried', async () => {
    fetchSpy.mockRejectedValueOnce(new TypeError('fetch failed'));
    await expect(handler(snsEvent(ECS_ALARM_MESSAGE))).resolves.toEqual({ investigations: 1, skipped: 0 });
    expect(received).toHaveLength(1);
    expect(verifies(received[0], HMAC_SECRET)).toBe(true);
  });

  test('no time left before the function times out: a clear error, no retry', async () => {
    fetchSpy.mockImplementation(async () => new Response('{}', { status: 429, headers: { 'Retry-After': '10' } }));
    await expect(handler(snsEvent(ECS_ALARM_MESSAGE), { getRemainingTimeInMillis: () => 6000 })).rejects.toThrow(/no time left for another attempt/);
    expect(fetchSpy).toHaveBeenCalledTimes(1);
    expect(sleep).not.toHaveBeenCalled();
  });

  test('the placeholder secret: every alarm fails with "not filled in yet", naming the secret', async () => {
    secretsMock.on(GetSecretValueCommand).resolves({ SecretString: '{"webhookUrl":"","webhookSecret":""}' });
    const event = snsEvent(ECS_ALARM_MESSAGE, undefined, 'm-1');
    event.Records.push(snsEvent(samples.alarm, undefined, 'm-2').Records[0]);
    const expected = `the webhook secret ${SECRET_ARN} is not filled in yet: generate a generic webhook in the DevOps Agent console `
      + '(agent space → Capabilities → Webhook) and put its URL and secret into the secret as {"webhookUrl": ..., "webhookSecret": ...}';
    let message = '';
    try {
      await handler(event);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain(`m-1 (incident prod-web-cpu-high-2026-11-26T10-00-00.123-0000): WebhookNotFilledInError: ${expected}`);
    expect(message).toContain(`m-2 (incident web-5xx-high-2024-05-15T10-00-00.000-0000): WebhookNotFilledInError: ${expected}`);
    expect(fetchSpy).not.toHaveBeenCalled();
    // Not cached: once filled in, the next invocation works.
    secretsMock.on(GetSecretValueCommand).resolves({ SecretString: SECRET_STRING });
    await expect(handler(snsEvent(ECS_ALARM_MESSAGE))).resolves.toEqual({ investigations: 1, skipped: 0 });
  });

  test.each([
    'https://event-ai.us-east-1.api.aws.evil.com/webhook/generic/abc',
    'http://event-ai.us-east-1.api.aws/webhook/generic/abc',
    'https://hooks.slack.com/services/T/B/X',
  ])('a secret holding %s: refused, nothing posted, nothing leaked', async (url) => {
    secretsMock.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ webhookUrl: `${url}?k=QUERYSECRET`, webhookSecret: HMAC_SECRET }) });
    await expect(handler(snsEvent(ECS_ALARM_MESSAGE))).rejects.toThrow(/is not a DevOps Agent generic webhook/);
    expect(fetchSpy).not.toHaveBeenCalled();
    const logText = JSON.stringify(logs.lines());
    for (const leak of [url, 'QUERYSECRET', HMAC_SECRET]) expect(logText).not.toContain(leak);
  });

  test('missing configuration fails before any call', async () => {
    delete process.env.WEBHOOK_SECRET_ARN;
    process.env.INVESTIGATION_PRIORITY = 'SEV1';
    await expect(handler(snsEvent(ECS_ALARM_MESSAGE))).rejects.toThrow(/WEBHOOK_SECRET_ARN is required; INVESTIGATION_PRIORITY must be one of/);
    expect(secretsMock.calls()).toHaveLength(0);
    expect(fetchSpy).not.toHaveBeenCalled();
  });
});
