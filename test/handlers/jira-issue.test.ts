import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { captureLogs, fakeRuntime, resetRuntime, samples, snsEvent } from './helpers';
import {
  buildJql,
  fingerprintLabel,
  handler,
  issueSummary,
  jqlString,
  readConfig,
  resetCredentialsCache,
} from '../../src/handlers/jira-issue';
import { parseAlert } from '../../src/handlers/shared/alerts';

const secretsMock = mockClient(SecretsManagerClient);
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:finops/jira-AbCdEf';
const CLOUD = { email: 'finops-bot@acme.example', apiToken: 'cloud-token-123' };
const BASIC = `Basic ${Buffer.from('finops-bot@acme.example:cloud-token-123').toString('base64')}`;

interface Call {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

let fetchSpy: jest.SpiedFunction<typeof fetch>;
let sleep: jest.Mock<Promise<void>, [number]>;
/** Open issues the fake Jira finds, by label. */
let openIssues: Map<string, string>;
let nextKey: number;
const savedEnv = { ...process.env };

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });
}

/** A Jira that answers search (both APIs), create and comment from `openIssues`. */
function fakeJira(url: string, body: Record<string, unknown>): Response {
  const path = new URL(url).pathname;
  if (path.endsWith('/rest/api/3/search/jql') || path.endsWith('/rest/api/2/search')) {
    const label = /labels = "([^"]+)"/.exec(String(body.jql))?.[1] ?? '';
    const key = openIssues.get(label);
    return json(200, { issues: key ? [{ id: '10001', key, fields: { summary: 'x', status: { name: 'To Do' } } }] : [], isLast: true });
  }
  if (/\/rest\/api\/[23]\/issue$/.test(path)) {
    const key = `FIN-${nextKey++}`;
    const labels = ((body.fields as Record<string, unknown>).labels as string[]);
    openIssues.set(labels[0], key);
    return json(201, { id: '1', key, self: `${url}/${key}` });
  }
  if (/\/rest\/api\/[23]\/issue\/[^/]+\/comment$/.test(path)) return json(201, { id: 'c1' });
  return json(404, { errorMessages: ['not found'] });
}

function calls(): Call[] {
  return fetchSpy.mock.calls.map(([url, init]) => ({
    url: String(url),
    method: String(init?.method),
    headers: init?.headers as Record<string, string>,
    body: JSON.parse(String(init?.body)) as Record<string, unknown>,
  }));
}

beforeEach(() => {
  secretsMock.reset();
  secretsMock.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify(CLOUD) });
  resetCredentialsCache();
  captureLogs();
  ({ sleep } = fakeRuntime('2024-05-15T10:00:00Z'));
  openIssues = new Map();
  nextKey = 1;
  Object.assign(process.env, {
    JIRA_BASE_URL: 'https://acme.atlassian.net/',
    JIRA_PROJECT_KEY: 'FIN',
    CREDENTIALS_SECRET_ARN: SECRET_ARN,
  });
  delete process.env.JIRA_ISSUE_TYPE;
  fetchSpy = jest.spyOn(global, 'fetch').mockImplementation(async (url, init) => fakeJira(String(url), JSON.parse(String(init?.body)) as Record<string, unknown>));
});

afterEach(() => {
  process.env = { ...savedEnv };
  resetRuntime();
  jest.restoreAllMocks();
});

afterAll(() => secretsMock.restore());

describe('search before create', () => {
  test('no open issue: searches, then creates one with the fingerprint and finops labels', async () => {
    const result = await handler(snsEvent(samples.alarm, 'ALARM: "web-5xx-high" in EU (Ireland)'));
    expect(result).toEqual({ created: ['FIN-1'], commented: [] });
    const [search, create] = calls();
    const label = fingerprintLabel(parseAlert(undefined, samples.alarm));
    expect(label).toMatch(/^finops-[0-9a-f]{12}$/);

    expect(search.url).toBe('https://acme.atlassian.net/rest/api/3/search/jql');
    expect(search.method).toBe('POST');
    expect(search.body).toEqual({
      jql: `project = "FIN" AND labels = "${label}" AND statusCategory != Done ORDER BY created DESC`,
      maxResults: 1,
      fields: ['summary', 'status'],
    });

    expect(create.url).toBe('https://acme.atlassian.net/rest/api/3/issue');
    const fields = create.body.fields as Record<string, unknown>;
    expect(fields.project).toEqual({ key: 'FIN' });
    expect(fields.issuetype).toEqual({ name: 'Task' });
    expect(fields.summary).toBe('[FinOps] ALARM: web-5xx-high');
    expect(fields.labels).toEqual([label, 'finops']);
    const description = fields.description as { type: string; version: number; content: Array<{ type: string }> };
    expect(description).toMatchObject({ type: 'doc', version: 1 });
    expect(description.content.map((n) => n.type)).toEqual(['paragraph', 'bulletList', 'paragraph', 'codeBlock']);
    expect(JSON.stringify(description)).toContain('"href":"https://console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/web-5xx-high"');
  });

  test('an open issue exists: adds an ADF comment, creates nothing', async () => {
    const label = fingerprintLabel(parseAlert(undefined, samples.alarm));
    openIssues.set(label, 'FIN-42');
    const result = await handler(snsEvent(samples.alarm, 'ALARM'));
    expect(result).toEqual({ created: [], commented: ['FIN-42'] });
    const all = calls();
    expect(all.map((c) => c.url)).toEqual([
      'https://acme.atlassian.net/rest/api/3/search/jql',
      'https://acme.atlassian.net/rest/api/3/issue/FIN-42/comment',
    ]);
    const body = all[1].body.body as { type: string; content: Array<{ content?: Array<{ text?: string }> }> };
    expect(body.type).toBe('doc');
    expect(body.content[0].content![0].text).toBe('The alert fired again at 2024-05-15T10:00:00.000Z: ALARM: web-5xx-high');
  });

  test('the same alert twice: one issue, then a comment (stable fingerprint); another alarm gets its own issue', async () => {
    await handler(snsEvent(samples.alarm, 'ALARM'));
    await handler(snsEvent(samples.alarm.replace('"NewStateReason":"Threshold', '"NewStateReason":"Again threshold'), 'ALARM'));
    const other = JSON.parse(samples.alarm) as Record<string, unknown>;
    other.AlarmName = 'db-cpu-high';
    const third = await handler(snsEvent(JSON.stringify(other), 'ALARM'));
    expect(third.created).toEqual(['FIN-2']);
    const creates = calls().filter((c) => c.url.endsWith('/issue'));
    const comments = calls().filter((c) => c.url.endsWith('/comment'));
    expect(creates).toHaveLength(2);
    expect(comments).toHaveLength(1);
  });

  test('fingerprints: alarm name + region, anomaly id, budget name + threshold, else the subject', () => {
    const label = (subject: string | undefined, message: string) => fingerprintLabel(parseAlert(subject, message));
    const alarm = JSON.parse(samples.alarm) as Record<string, unknown>;
    expect(label('x', samples.alarm)).toBe(label('y', JSON.stringify({ ...alarm, NewStateValue: 'OK', NewStateReason: 'fine' })));
    expect(label('x', samples.alarm)).not.toBe(label('x', JSON.stringify({ ...alarm, AlarmArn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:web-5xx-high' })));
    expect(label(undefined, samples.anomalyNew)).toBe(label('other subject', samples.anomalyNew));
    expect(label(undefined, samples.budget)).not.toBe(label(undefined, samples.budget.replace('Alert Threshold: > $80.00', 'Alert Threshold: > $100.00')));
    expect(label('Disk full', 'a')).toBe(label('Disk full', 'b'));
    expect(label('Disk full', 'a')).not.toBe(label('Disk almost full', 'a'));
  });

  test('summary: one line, at most 255 characters', () => {
    const summary = issueSummary(parseAlert(`line one\nline two ${'z'.repeat(400)}`, 'text'));
    expect(summary.length).toBeLessThanOrEqual(255);
    expect(summary).not.toMatch(/[\r\n]/);
    expect(summary.startsWith('[FinOps] line one line two zzz')).toBe(true);
  });

  test('JIRA_ISSUE_TYPE is used when set', async () => {
    process.env.JIRA_ISSUE_TYPE = 'Bug';
    await handler(snsEvent(samples.budget, 'AWS Budgets'));
    expect((calls()[1].body.fields as Record<string, unknown>).issuetype).toEqual({ name: 'Bug' });
  });
});

describe('authentication', () => {
  test('Jira Cloud: basic auth with email:apiToken, REST API v3', async () => {
    await handler(snsEvent(samples.budget, 'AWS Budgets'));
    for (const c of calls()) {
      expect(c.headers.Authorization).toBe(BASIC);
      expect(c.url).toContain('/rest/api/3/');
    }
  });

  test('Jira Data Center: Bearer personal access token, REST API v2 with wiki-markup text', async () => {
    secretsMock.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ token: 'pat-456' }) });
    process.env.JIRA_BASE_URL = 'https://jira.acme.example/jira';
    await handler(snsEvent(samples.alarm, 'ALARM'));
    const [search, create] = calls();
    expect(search.url).toBe('https://jira.acme.example/jira/rest/api/2/search');
    expect(search.headers.Authorization).toBe('Bearer pat-456');
    expect(create.url).toBe('https://jira.acme.example/jira/rest/api/2/issue');
    const description = (create.body.fields as Record<string, unknown>).description as string;
    expect(typeof description).toBe('string');
    expect(description).toContain('* *State:* OK -> ALARM');
    expect(description).toContain('{noformat}');
  });

  test('credentials are cached, and read again once on 401 (rotated token)', async () => {
    const rotated = { email: CLOUD.email, apiToken: 'rotated' };
    secretsMock.on(GetSecretValueCommand).resolvesOnce({ SecretString: JSON.stringify(CLOUD) }).resolves({ SecretString: JSON.stringify(rotated) });
    fetchSpy.mockImplementationOnce(async () => json(401, { errorMessages: ['Unauthorized'] }));
    await handler(snsEvent('a', 'first'));
    await handler(snsEvent('b', 'second'));
    expect(secretsMock.commandCalls(GetSecretValueCommand)).toHaveLength(2);
    const auth = calls().map((c) => c.headers.Authorization);
    expect(auth[0]).toBe(BASIC);
    expect(auth.slice(1).every((a) => a === `Basic ${Buffer.from(`${CLOUD.email}:rotated`).toString('base64')}`)).toBe(true);
  });

  test('a bad credentials secret fails without echoing it', async () => {
    secretsMock.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ user: 'x', password: 'hunter2' }) });
    const promise = handler(snsEvent('a', 'b'));
    await expect(promise).rejects.toThrow(/needs "email" and "apiToken" \(Jira Cloud\) or "token"/);
    await promise.catch((e: Error) => expect(e.message).not.toContain('hunter2'));
    expect(fetchSpy).not.toHaveBeenCalled();
  });
});

describe('configuration', () => {
  test.each(['http://acme.atlassian.net', 'ftp://acme.atlassian.net', 'acme.atlassian.net'])('JIRA_BASE_URL %s is refused (https only)', async (url) => {
    process.env.JIRA_BASE_URL = url;
    await expect(handler(snsEvent('a', 'b'))).rejects.toThrow(/JIRA_BASE_URL must be an https:\/\/ URL/);
    expect(fetchSpy).not.toHaveBeenCalled();
    expect(secretsMock.calls()).toHaveLength(0);
  });

  test('project key and secret ARN are validated; issue type defaults to Task', () => {
    expect(() => readConfig({ JIRA_BASE_URL: 'https://a.atlassian.net', JIRA_PROJECT_KEY: 'FIN" OR 1=1', CREDENTIALS_SECRET_ARN: 'secret' }))
      .toThrow(/JIRA_PROJECT_KEY must be a Jira project key.*CREDENTIALS_SECRET_ARN must be a Secrets Manager secret ARN/);
    expect(readConfig({ JIRA_BASE_URL: 'https://a.atlassian.net/', JIRA_PROJECT_KEY: 'OPS_2', CREDENTIALS_SECRET_ARN: SECRET_ARN })).toEqual({
      baseUrl: 'https://a.atlassian.net', projectKey: 'OPS_2', issueType: 'Task', credentialsSecretArn: SECRET_ARN,
    });
  });
});

describe('JQL escaping', () => {
  test('quotes and backslashes are escaped in string values', () => {
    expect(jqlString('plain')).toBe('"plain"');
    expect(jqlString('a"b')).toBe('"a\\"b"');
    expect(jqlString('c:\\temp')).toBe('"c:\\\\temp"');
    expect(jqlString('x" OR project = "SECRET')).toBe('"x\\" OR project = \\"SECRET"');
    expect(jqlString('line\nbreak')).toBe('"line\\nbreak"');
  });

  test('the search query quotes every value', () => {
    expect(buildJql('FIN', 'finops-0123456789ab')).toBe('project = "FIN" AND labels = "finops-0123456789ab" AND statusCategory != Done ORDER BY created DESC');
  });
});

describe('delivery', () => {
  test('429 honours Retry-After, then succeeds', async () => {
    fetchSpy.mockImplementationOnce(async () => json(429, {}, { 'Retry-After': '4' }));
    await expect(handler(snsEvent('a', 'b'))).resolves.toEqual({ created: ['FIN-1'], commented: [] });
    expect(sleep.mock.calls).toEqual([[4000]]);
  });

  test('5xx is retried and thrown after 3 attempts (Lambda retries, then the DLQ)', async () => {
    fetchSpy.mockImplementation(async () => json(502, {}));
    await expect(handler(snsEvent('a', 'b'))).rejects.toThrow(/Jira search: failed after 3 attempts \(HTTP 502\)/);
    expect(fetchSpy).toHaveBeenCalledTimes(3);
  });

  test('a rejected create reports Jira\'s error messages', async () => {
    fetchSpy.mockImplementation(async (url, init) => (String(url).endsWith('/issue')
      ? json(400, { errorMessages: [], errors: { issuetype: 'Specify a valid issue type' } })
      : fakeJira(String(url), JSON.parse(String(init?.body)) as Record<string, unknown>)));
    await expect(handler(snsEvent('a', 'b'))).rejects.toThrow(/Jira create issue: HTTP 400 issuetype: Specify a valid issue type/);
  });
});
