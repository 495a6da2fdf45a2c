/**
 * FinOps: one Jira issue per alert from the alerts topic (SNS subscription), never a duplicate of an
 * open one.
 *
 * Each alert gets a stable fingerprint (alarm name + region; anomaly ID; budget name + threshold;
 * EventBridge source + type + resources; else the subject), carried as the label finops-<hash>.
 * The function searches for an open issue (statusCategory != Done) with that label in
 * JIRA_PROJECT_KEY: if there is one it adds a comment, otherwise it creates an issue of
 * JIRA_ISSUE_TYPE labelled [finops-<hash>, finops].
 *
 * Credentials (CREDENTIALS_SECRET_ARN, SecretString JSON):
 *   {"email": "...", "apiToken": "..."}  Jira Cloud: basic auth, REST API v3 (POST /rest/api/3/search/jql,
 *                                        descriptions and comments in Atlassian Document Format);
 *   {"token": "..."}                     Jira Data Center / Server personal access token: Bearer auth,
 *                                        REST API v2 (POST /rest/api/2/search, wiki-markup text), the
 *                                        only version Data Center serves.
 * The secret is read once per container and again, once, on HTTP 401 (rotated credentials).
 * Requests time out after 5 s and are retried on 429 (Retry-After) and 5xx, 3 attempts in all; a
 * request that still fails makes the invocation fail (Lambda retries, then the dead-letter queue).
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Context, SNSEvent } from 'aws-lambda';
import { Alert, parseAlert, shortHash } from './shared/alerts';
import { EnvReader } from './shared/env';
import { HttpResult, invocationDeadline, requestWithRetry } from './shared/http';
import { describeError, log } from './shared/log';
import { runtime } from './shared/runtime';
import { CachedSecret } from './shared/secrets';

const secrets = new SecretsManagerClient({});

export const MAX_SUMMARY_LENGTH = 255;
/** Raw alert text kept in a description / comment (Jira's text fields hold 32,767 characters). */
export const MAX_RAW_TEXT = 10_000;
export const FINOPS_LABEL = 'finops';

export interface JiraIssueConfig {
  readonly baseUrl: string;
  readonly projectKey: string;
  readonly issueType: string;
  readonly credentialsSecretArn: string;
}

export function readConfig(env: Record<string, string | undefined> = process.env): JiraIssueConfig {
  const r = new EnvReader(env);
  const config: JiraIssueConfig = {
    baseUrl: r.httpsUrl('JIRA_BASE_URL'),
    projectKey: r.string('JIRA_PROJECT_KEY'),
    issueType: r.optionalString('JIRA_ISSUE_TYPE', 'Task')!,
    credentialsSecretArn: r.string('CREDENTIALS_SECRET_ARN'),
  };
  if (config.projectKey && !/^[A-Z][A-Z0-9_]{0,254}$/.test(config.projectKey)) {
    r.problem(`JIRA_PROJECT_KEY must be a Jira project key (upper-case letters, digits, _; starting with a letter), got ${JSON.stringify(config.projectKey)}`);
  }
  if (config.credentialsSecretArn && !/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/.test(config.credentialsSecretArn)) {
    r.problem(`CREDENTIALS_SECRET_ARN must be a Secrets Manager secret ARN, got ${JSON.stringify(config.credentialsSecretArn)}`);
  }
  r.done();
  return config;
}

export type JiraFlavour = 'cloud' | 'datacenter';

export interface JiraCredentials {
  readonly flavour: JiraFlavour;
  /** The Authorization header value. */
  readonly authorization: string;
}

/** Reads the credentials secret; errors never echo secret values. */
export function parseCredentials(secretString: string): JiraCredentials {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(secretString) as Record<string, unknown>;
  } catch {
    throw new Error('the Jira credentials secret is not JSON ({"email","apiToken"} or {"token"})');
  }
  const text = (v: unknown) => (typeof v === 'string' && v.trim() !== '' && !/[\r\n]/.test(v) ? v.trim() : undefined);
  const email = text(json?.email);
  const apiToken = text(json?.apiToken);
  const token = text(json?.token);
  if (email && apiToken) {
    return { flavour: 'cloud', authorization: `Basic ${Buffer.from(`${email}:${apiToken}`, 'utf8').toString('base64')}` };
  }
  if (token) return { flavour: 'datacenter', authorization: `Bearer ${token}` };
  throw new Error('the Jira credentials secret needs "email" and "apiToken" (Jira Cloud) or "token" (Data Center personal access token)');
}

const credentials = new CachedSecret(secrets, parseCredentials);

/** Forgets the cached credentials (tests; a new container starts empty anyway). */
export function resetCredentialsCache(): void {
  credentials.clear();
}

/** A JQL string literal: double-quoted, with backslashes and quotes escaped. */
export function jqlString(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r/g, '\\r').replace(/\n/g, '\\n').replace(/\t/g, '\\t')}"`;
}

/** The de-duplication label of an alert: finops-<12 hex characters>. */
export function fingerprintLabel(alert: Alert): string {
  return `${FINOPS_LABEL}-${shortHash(alert.fingerprintSource)}`;
}

export function buildJql(projectKey: string, label: string): string {
  return `project = ${jqlString(projectKey)} AND labels = ${jqlString(label)} AND statusCategory != Done ORDER BY created DESC`;
}

export interface JiraIssueResult {
  readonly created: string[];
  readonly commented: string[];
}

export async function handler(event: SNSEvent, context?: Pick<Context, 'getRemainingTimeInMillis'>): Promise<JiraIssueResult> {
  const config = readConfig();
  const deadline = invocationDeadline(context);
  const created: string[] = [];
  const commented: string[] = [];
  const errors: string[] = [];
  for (const record of event.Records ?? []) {
    const messageId = record.Sns?.MessageId;
    try {
      const alert = parseAlert(record.Sns?.Subject, record.Sns?.Message ?? '');
      const label = fingerprintLabel(alert);
      const jira = new JiraApi(config, deadline);
      const existing = await jira.findOpenIssue(label);
      if (existing) {
        await jira.comment(existing, alert, record.Sns?.Timestamp);
        commented.push(existing);
        log('INFO', 'alert added to an open Jira issue', { messageId, issue: existing, label, kind: alert.kind });
      } else {
        const key = await jira.create(alert, label);
        created.push(key);
        log('INFO', 'Jira issue created', { messageId, issue: key, label, kind: alert.kind });
      }
    } catch (err) {
      errors.push(`${messageId ?? 'record'}: ${describeError(err)}`);
      log('ERROR', 'alert not recorded in Jira', { messageId, error: describeError(err) });
    }
  }
  if (errors.length) throw new Error(`Jira issue handling failed for ${errors.length} of ${event.Records?.length ?? 0} record(s): ${errors.join('; ')}`);
  return { created, commented };
}

class JiraApi {
  constructor(private readonly config: JiraIssueConfig, private readonly deadline: number | undefined) {}

  async findOpenIssue(label: string): Promise<string | undefined> {
    const jql = buildJql(this.config.projectKey, label);
    const res = await this.call('search', (f) => (f === 'cloud' ? '/rest/api/3/search/jql' : '/rest/api/2/search'), () => ({
      jql,
      maxResults: 1,
      fields: ['summary', 'status'],
    }));
    const body = parseJson(res.body) as { issues?: { key?: string }[] } | undefined;
    return body?.issues?.find((i) => typeof i.key === 'string')?.key;
  }

  async comment(issueKey: string, alert: Alert, timestamp: string | undefined): Promise<void> {
    const when = timestamp ?? runtime.now().toISOString();
    const intro = `The alert fired again at ${when}: ${alert.title}`;
    await this.call('comment', (f) => `/rest/api/${f === 'cloud' ? 3 : 2}/issue/${encodeURIComponent(issueKey)}/comment`, (f) => ({
      body: f === 'cloud' ? adfDocument(alert, intro, MAX_RAW_TEXT / 2) : wikiText(alert, intro, MAX_RAW_TEXT / 2),
    }));
  }

  async create(alert: Alert, label: string): Promise<string> {
    const summary = issueSummary(alert);
    const res = await this.call('create issue', (f) => `/rest/api/${f === 'cloud' ? 3 : 2}/issue`, (f) => ({
      fields: {
        project: { key: this.config.projectKey },
        issuetype: { name: this.config.issueType },
        summary,
        description: f === 'cloud' ? adfDocument(alert, undefined, MAX_RAW_TEXT) : wikiText(alert, undefined, MAX_RAW_TEXT),
        labels: [label, FINOPS_LABEL],
      },
    }));
    const key = (parseJson(res.body) as { key?: unknown } | undefined)?.key;
    if (typeof key !== 'string') throw new Error('Jira created an issue but returned no key');
    return key;
  }

  /** POSTs JSON; on 401 re-reads the credentials once; any other non-2xx answer is an error. */
  private async call(what: string, path: (f: JiraFlavour) => string, body: (f: JiraFlavour) => unknown): Promise<HttpResult> {
    let creds = await credentials.get(this.config.credentialsSecretArn);
    for (let refreshed = false; ; refreshed = true) {
      const res = await requestWithRetry(`${this.config.baseUrl}${path(creds.flavour)}`, {
        method: 'POST',
        headers: {
          'Authorization': creds.authorization,
          'Content-Type': 'application/json',
          'Accept': 'application/json',
          // Jira Data Center's XSRF check rejects some POSTs without it; harmless on Cloud.
          'X-Atlassian-Token': 'no-check',
        },
        body: JSON.stringify(body(creds.flavour)),
      }, { label: `Jira ${what}`, deadline: this.deadline });
      if (res.status >= 200 && res.status < 300) return res;
      if (res.status === 401 && !refreshed) {
        const fresh = await credentials.refresh(this.config.credentialsSecretArn);
        if (fresh.authorization !== creds.authorization) {
          log('WARN', 'Jira rejected the credentials; retrying with the rotated secret', { call: what });
          creds = fresh;
          continue;
        }
      }
      throw new Error(`Jira ${what}: HTTP ${res.status} ${jiraErrors(res.body)}`.trim());
    }
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Jira's error messages ({"errorMessages":[...],"errors":{field: message}}), short. */
function jiraErrors(body: string): string {
  const json = parseJson(body) as { errorMessages?: unknown; errors?: unknown } | undefined;
  const parts: string[] = [];
  if (Array.isArray(json?.errorMessages)) parts.push(...json.errorMessages.map(String));
  if (json?.errors && typeof json.errors === 'object') {
    parts.push(...Object.entries(json.errors as Record<string, unknown>).map(([k, v]) => `${k}: ${String(v)}`));
  }
  return (parts.length ? parts.join('; ') : body).slice(0, 500);
}

/** "[FinOps] <title>": one line, at most 255 characters. */
export function issueSummary(alert: Alert): string {
  const text = `[FinOps] ${alert.title}`.replace(/[\r\n\t]+/g, ' ').replace(/\s{2,}/g, ' ').trim();
  const chars = Array.from(text);
  return chars.length <= MAX_SUMMARY_LENGTH ? text : `${chars.slice(0, MAX_SUMMARY_LENGTH - 3).join('')}...`;
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}\n... (truncated)`;
}

type AdfNode = Record<string, unknown>;

function adfText(text: string, marks?: AdfNode[]): AdfNode {
  return marks ? { type: 'text', text, marks } : { type: 'text', text };
}

/** An Atlassian Document Format document describing the alert. */
export function adfDocument(alert: Alert, intro: string | undefined, maxRaw: number): AdfNode {
  const content: AdfNode[] = [];
  if (intro) content.push({ type: 'paragraph', content: [adfText(intro)] });
  if (alert.summary) content.push({ type: 'paragraph', content: [adfText(alert.summary)] });
  if (alert.fields.length) {
    content.push({
      type: 'bulletList',
      content: alert.fields.map((f) => ({
        type: 'listItem',
        content: [{ type: 'paragraph', content: [adfText(`${f.label}: `, [{ type: 'strong' }]), adfText(f.value)] }],
      })),
    });
  }
  if (alert.link) {
    content.push({ type: 'paragraph', content: [adfText('Open in the AWS console', [{ type: 'link', attrs: { href: alert.link } }])] });
  }
  const raw = alert.raw.trim();
  if (raw) content.push({ type: 'codeBlock', content: [adfText(cut(raw, maxRaw))] });
  if (!content.length) content.push({ type: 'paragraph', content: [adfText(alert.title)] });
  return { type: 'doc', version: 1, content };
}

/** The same in Jira wiki markup (Data Center). */
export function wikiText(alert: Alert, intro: string | undefined, maxRaw: number): string {
  const lines: string[] = [];
  if (intro) lines.push(intro, '');
  if (alert.summary) lines.push(alert.summary, '');
  for (const f of alert.fields) lines.push(`* *${f.label}:* ${f.value}`);
  if (alert.fields.length) lines.push('');
  if (alert.link) lines.push(`[Open in the AWS console|${alert.link}]`, '');
  const raw = alert.raw.trim();
  if (raw) lines.push('{noformat}', cut(raw, maxRaw).replace(/\{noformat\}/g, '{ noformat }'), '{noformat}');
  return lines.join('\n').trim() || alert.title;
}
