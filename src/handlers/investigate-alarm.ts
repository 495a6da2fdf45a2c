/**
 * Operations: starts an AWS DevOps Agent investigation for each CloudWatch alarm that goes into
 * ALARM (SNS subscription on the alarm topic), through the agent space's generic webhook.
 *
 * Generic webhooks cannot be created by API: an operator generates one in the DevOps Agent console
 * (agent space -> Capabilities -> Webhook), which shows its URL and HMAC secret once, and stores
 * both in Secrets Manager (WEBHOOK_SECRET_ARN) as {"webhookUrl": "...", "webhookSecret": "..."}
 * ("url" and "secret" are accepted too). The secret is created with empty values; until it is filled
 * in, every alarm fails with an error saying so. It is read once per container and again, once, when
 * the webhook answers 401/403/404 (it may have been regenerated). Only
 * https://event-ai.<region>.api.aws/webhook/... URLs are used: an alarm is never posted anywhere else.
 *
 * Only a transition into ALARM starts an investigation; OK and INSUFFICIENT_DATA notifications, and
 * messages that are not CloudWatch alarms, are logged and skipped. The body is the documented
 * generic-webhook incident (eventType "incident", action "created", priority INVESTIGATION_PRIORITY,
 * service = the alarm's ServiceName dimension, else PLATFORM_NAME), signed with
 * x-amzn-event-signature = base64(HMAC-SHA256(webhookSecret, "<timestamp>:<body>")) and
 * x-amzn-event-timestamp = <timestamp>. Its incidentId comes from the alarm name and state-change
 * time, so an SNS redelivery or a Lambda retry describes the same incident. A post that still fails
 * after the retries (429, 5xx, timeouts) makes the invocation fail, so Lambda's asynchronous retries
 * and the dead-letter queue take over.
 */
import { createHmac } from 'crypto';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Context, SNSEvent } from 'aws-lambda';
import { parseAlert, shortHash } from './shared/alerts';
import { EnvReader } from './shared/env';
import { invocationDeadline, requestWithRetry } from './shared/http';
import { describeError, log } from './shared/log';
import { runtime } from './shared/runtime';
import { CachedSecret } from './shared/secrets';

const secrets = new SecretsManagerClient({});

export const INVESTIGATION_PRIORITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'] as const;
export type InvestigationPriority = (typeof INVESTIGATION_PRIORITIES)[number];
export const DEFAULT_PRIORITY: InvestigationPriority = 'HIGH';
/** The generic webhook's host: event-ai.<region>.api.aws. */
export const DEVOPS_AGENT_WEBHOOK_HOST = /^event-ai\.[a-z0-9-]+\.api\.aws$/;
export const DEVOPS_AGENT_WEBHOOK_PATH = '/webhook/';
export const MAX_INCIDENT_ID = 128;
export const MAX_DESCRIPTION = 4000;
/** The `service` of an alarm without a ServiceName dimension, when PLATFORM_NAME is not set either. */
export const UNKNOWN_SERVICE = 'unknown';

export interface InvestigateAlarmConfig {
  readonly webhookSecretArn: string;
  readonly platformName?: string;
  readonly priority: InvestigationPriority;
}

export function readConfig(env: Record<string, string | undefined> = process.env): InvestigateAlarmConfig {
  const r = new EnvReader(env);
  const webhookSecretArn = r.string('WEBHOOK_SECRET_ARN');
  if (webhookSecretArn && !/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/.test(webhookSecretArn)) {
    r.problem(`WEBHOOK_SECRET_ARN must be a Secrets Manager secret ARN, got ${JSON.stringify(webhookSecretArn)}`);
  }
  const platformName = r.optionalString('PLATFORM_NAME');
  const priority = r.oneOf('INVESTIGATION_PRIORITY', INVESTIGATION_PRIORITIES, DEFAULT_PRIORITY);
  r.done();
  return { webhookSecretArn, platformName, priority };
}

/** A generic webhook as the DevOps Agent console shows it. */
export interface DevOpsAgentWebhook {
  readonly url: string;
  /** The HMAC key. */
  readonly secret: string;
}

/** The webhook secret still holds the placeholder it was created with. */
export class WebhookNotFilledInError extends Error {
  constructor(secretArn?: string) {
    super(`the webhook secret${secretArn ? ` ${secretArn}` : ''} is not filled in yet: generate a generic webhook in the DevOps Agent console `
      + '(agent space → Capabilities → Webhook) and put its URL and secret into the secret as {"webhookUrl": ..., "webhookSecret": ...}');
    this.name = 'WebhookNotFilledInError';
  }
}

/**
 * The webhook URL and HMAC key from the secret's text (JSON {"webhookUrl","webhookSecret"} or
 * {"url","secret"}). Throws WebhookNotFilledInError for the placeholder, and otherwise errors that
 * name what is wrong but never echo the secret, the URL or its query.
 */
export function parseWebhookSecret(secretString: string): DevOpsAgentWebhook {
  const expected = 'expected {"webhookUrl": "https://event-ai.<region>.api.aws/webhook/...", "webhookSecret": "..."}';
  let json: unknown;
  try {
    json = JSON.parse(secretString);
  } catch {
    throw new Error(`the webhook secret is not valid JSON; ${expected}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new Error(`the webhook secret is not a JSON object; ${expected}`);
  }
  const fields = json as Record<string, unknown>;
  // The first of `keys` holding a non-blank string; a key holding anything else than a string is an error.
  const field = (keys: readonly string[]): string | undefined => {
    for (const key of keys) {
      const value = fields[key];
      if (value === undefined || value === null) continue;
      if (typeof value !== 'string') throw new Error(`the webhook secret's "${key}" is not a string; ${expected}`);
      if (value.trim()) return value.trim();
    }
    return undefined;
  };
  const url = field(['webhookUrl', 'url']);
  const secret = field(['webhookSecret', 'secret']);
  if (url === undefined && secret === undefined) throw new WebhookNotFilledInError();
  if (url === undefined) throw new Error(`the webhook secret has no "webhookUrl" (or "url"); ${expected}`);
  if (secret === undefined) throw new Error(`the webhook secret has no "webhookSecret" (or "secret"); ${expected}`);
  const problem = webhookUrlProblem(url);
  if (problem) {
    throw new Error(`the webhook secret's URL is not a DevOps Agent generic webhook (${problem}); refusing to post alarms anywhere else`);
  }
  return { url, secret };
}

/** What is wrong with `value` as a generic-webhook URL (never echoing it), or undefined when nothing is. */
function webhookUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return 'not an absolute URL';
  }
  if (url.protocol !== 'https:') return 'not https';
  if (url.username || url.password) return 'it carries user information';
  if (url.port !== '') return 'it names a port';
  if (!DEVOPS_AGENT_WEBHOOK_HOST.test(url.hostname)) return 'the host is not event-ai.<region>.api.aws';
  if (!url.pathname.startsWith(DEVOPS_AGENT_WEBHOOK_PATH) || url.pathname.length <= DEVOPS_AGENT_WEBHOOK_PATH.length) {
    return 'the path does not start with /webhook/';
  }
  // Exactly as parsed: no upper case, backslashes or other spellings the URL parser normalises.
  if (!value.trim().startsWith(`https://${url.hostname}${DEVOPS_AGENT_WEBHOOK_PATH}`)) return 'not in canonical form';
  return undefined;
}

/** True for https://event-ai.<region>.api.aws/webhook/... (no user information, no port). */
export function isDevOpsAgentWebhook(value: string): boolean {
  return webhookUrlProblem(value) === undefined;
}

/** x-amzn-event-signature: base64(HMAC-SHA256(key = secret, message = "<timestamp>:<body>")). */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}:${body}`, 'utf8').digest('base64');
}

const webhook = new CachedSecret(secrets, parseWebhookSecret);

/** Forgets the cached webhook (tests; a new container starts empty anyway). */
export function resetWebhookCache(): void {
  webhook.clear();
}

/** The fields of a CloudWatch alarm notification (SNS message) this function reads. */
export interface CloudWatchAlarmMessage {
  readonly AlarmName: string;
  readonly NewStateValue: string;
  readonly AlarmDescription?: string | null;
  readonly AWSAccountId?: string;
  readonly NewStateReason?: string;
  readonly StateChangeTime?: string;
  readonly Region?: string;
  readonly AlarmArn?: string;
  readonly OldStateValue?: string;
  readonly Trigger?: Record<string, unknown>;
}

export interface MetricInfo {
  readonly namespace?: string;
  readonly name?: string;
  readonly dimensions: Record<string, string>;
}

/** The generic-webhook incident body. */
export interface InvestigationPayload {
  readonly eventType: 'incident';
  readonly action: 'created';
  readonly priority: InvestigationPriority;
  readonly incidentId: string;
  readonly title: string;
  readonly description: string;
  readonly service: string;
  /** ISO 8601 with milliseconds; also the x-amzn-event-timestamp header. */
  readonly timestamp: string;
  readonly data: {
    readonly alarmName: string;
    readonly alarmArn?: string;
    readonly region?: string;
    readonly accountId?: string;
    readonly stateChangeTime?: string;
    readonly oldState?: string;
    readonly metric?: MetricInfo;
  };
}

export interface PayloadOptions {
  /** @default HIGH */
  readonly priority?: InvestigationPriority;
  /** The service of alarms without a ServiceName dimension. */
  readonly platformName?: string;
  /** The send time. @default - now (runtime clock) */
  readonly now?: Date;
}

/** The alarm in an SNS message; undefined for anything that is not a CloudWatch alarm notification. */
export function parseAlarmMessage(message: string): CloudWatchAlarmMessage | undefined {
  const trimmed = message.trim();
  if (!trimmed.startsWith('{')) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(trimmed);
  } catch {
    return undefined;
  }
  if (!isObject(json) || typeof json.AlarmName !== 'string' || typeof json.NewStateValue !== 'string') return undefined;
  return json as unknown as CloudWatchAlarmMessage;
}

/**
 * The stable incident ID of an alarm's state change: "<AlarmName>-<StateChangeTime>" with every
 * character outside [A-Za-z0-9._-] replaced by "-", at most 128 characters (longer ones keep their
 * start and end in a hash of the whole).
 */
export function incidentIdFor(alarmName: string, stateChangeTime: string): string {
  const source = `${alarmName}-${stateChangeTime}`;
  const clean = source.replace(/[^A-Za-z0-9._-]/gu, '-');
  if (clean.length <= MAX_INCIDENT_ID) return clean;
  const tail = shortHash(source, 16);
  return `${clean.slice(0, MAX_INCIDENT_ID - tail.length - 1)}-${tail}`;
}

/** The investigation request for an alarm (a parsed message or the SNS message text). */
export function buildInvestigationPayload(alarmMessage: CloudWatchAlarmMessage | string, options: PayloadOptions = {}): InvestigationPayload {
  const alarm = typeof alarmMessage === 'string' ? parseAlarmMessage(alarmMessage) : alarmMessage;
  if (!alarm) throw new Error('the message is not a CloudWatch alarm notification');
  const name = alarm.AlarmName.trim();
  const stateChangeTime = text(alarm.StateChangeTime);
  // Without a state-change time (never seen from CloudWatch), the message itself identifies the change.
  const incidentId = incidentIdFor(name, stateChangeTime ?? shortHash(JSON.stringify(alarm), 16));
  const title = `${name} in ALARM`;
  const reason = text(alarm.NewStateReason);
  const about = text(alarm.AlarmDescription);
  const description = [reason, about ? `Alarm description: ${about}` : undefined].filter(Boolean).join('\n\n') || title;
  const metric = metricOf(alarm.Trigger);
  const regionCode = text(alarm.AlarmArn)?.split(':')[3];
  return {
    eventType: 'incident',
    action: 'created',
    priority: options.priority ?? DEFAULT_PRIORITY,
    incidentId,
    title,
    description: cut(description, MAX_DESCRIPTION),
    service: metric?.dimensions.ServiceName ?? options.platformName ?? UNKNOWN_SERVICE,
    timestamp: (options.now ?? runtime.now()).toISOString(),
    data: {
      alarmName: name,
      alarmArn: text(alarm.AlarmArn),
      region: regionCode || text(alarm.Region),
      accountId: text(alarm.AWSAccountId),
      stateChangeTime,
      oldState: text(alarm.OldStateValue),
      metric,
    },
  };
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** Dimensions as CloudWatch writes them in notifications ([{name, value}]; Name/Value accepted). */
function dimensionsOf(value: unknown): Array<[string, string]> {
  if (!Array.isArray(value)) return [];
  return value.filter(isObject).map((d): [string | undefined, string | undefined] => [text(d.name ?? d.Name), text(d.value ?? d.Value)])
    .filter((d): d is [string, string] => d[0] !== undefined && d[1] !== undefined);
}

/**
 * The alarm's metric: the Trigger's own (single-metric alarms), else the first metric of a
 * metric-math alarm (Trigger.Metrics[].MetricStat.Metric). The first value of a dimension wins.
 */
function metricOf(trigger: unknown): MetricInfo | undefined {
  if (!isObject(trigger)) return undefined;
  let namespace = text(trigger.Namespace);
  let name = text(trigger.MetricName);
  const dims = dimensionsOf(trigger.Dimensions);
  const queries = Array.isArray(trigger.Metrics) ? trigger.Metrics.filter(isObject) : [];
  for (const query of queries) {
    const stat = isObject(query.MetricStat) ? query.MetricStat : undefined;
    const metric = stat && isObject(stat.Metric) ? stat.Metric : undefined;
    if (!metric) continue;
    namespace ??= text(metric.Namespace);
    name ??= text(metric.MetricName);
    dims.push(...dimensionsOf(metric.Dimensions));
  }
  const dimensions: Record<string, string> = {};
  for (const [key, value] of dims) if (!(key in dimensions)) dimensions[key] = value;
  if (!namespace && !name && !dims.length) return undefined;
  return { namespace, name, dimensions };
}

/** Cuts to at most `max` UTF-16 units (so also `max` code points) without splitting a pair, with an ellipsis. */
function cut(value: string, max: number): string {
  if (value.length <= max) return value;
  let end = max - 1;
  if (/[\uD800-\uDBFF]/.test(value[end - 1] ?? '')) end--;
  return `${value.slice(0, end)}\u2026`;
}

export interface InvestigateAlarmResult {
  /** Investigations requested (alarms posted to the webhook). */
  readonly investigations: number;
  /** Records skipped: OK / INSUFFICIENT_DATA notifications and messages that are not alarms. */
  readonly skipped: number;
}

export async function handler(event: SNSEvent, context?: Pick<Context, 'getRemainingTimeInMillis'>): Promise<InvestigateAlarmResult> {
  const config = readConfig();
  const deadline = invocationDeadline(context);
  const errors: string[] = [];
  let investigations = 0;
  let skipped = 0;
  for (const record of event.Records ?? []) {
    const messageId = record.Sns?.MessageId;
    let incidentId: string | undefined;
    try {
      const message = record.Sns?.Message ?? '';
      const alarm = parseAlarmMessage(message);
      if (!alarm) {
        skipped++;
        log('INFO', 'not a CloudWatch alarm notification; skipped', { messageId, kind: parseAlert(record.Sns?.Subject, message).kind });
        continue;
      }
      if (alarm.NewStateValue !== 'ALARM') {
        skipped++;
        log('INFO', 'alarm not in ALARM; no investigation', { messageId, alarmName: alarm.AlarmName, state: alarm.NewStateValue });
        continue;
      }
      const payload = buildInvestigationPayload(alarm, { priority: config.priority, platformName: config.platformName });
      incidentId = payload.incidentId;
      const host = await post(config, payload, deadline);
      investigations++;
      log('INFO', 'DevOps Agent investigation requested', {
        messageId, alarmName: payload.data.alarmName, incidentId, priority: payload.priority, service: payload.service, webhookHost: host,
      });
    } catch (err) {
      errors.push(`${messageId ?? 'record'}${incidentId ? ` (incident ${incidentId})` : ''}: ${describeError(err)}`);
      log('ERROR', 'no DevOps Agent investigation requested', { messageId, incidentId, error: describeError(err) });
    }
  }
  if (errors.length) {
    throw new Error(`DevOps Agent investigation request failed for ${errors.length} of ${event.Records?.length ?? 0} record(s): ${errors.join('; ')}`);
  }
  return { investigations, skipped };
}

async function loadWebhook(secretArn: string, refresh = false): Promise<DevOpsAgentWebhook> {
  try {
    return await (refresh ? webhook.refresh(secretArn) : webhook.get(secretArn));
  } catch (err) {
    // The parser does not know the ARN; the operator needs it to find the secret.
    if (err instanceof WebhookNotFilledInError) throw new WebhookNotFilledInError(secretArn);
    throw err;
  }
}

/** Posts the signed payload; returns the webhook's host (for logs: the path identifies the webhook). */
async function post(config: InvestigateAlarmConfig, payload: InvestigationPayload, deadline: number | undefined): Promise<string> {
  const body = JSON.stringify(payload);
  let hook = await loadWebhook(config.webhookSecretArn);
  for (let refreshed = false; ; refreshed = true) {
    const res = await requestWithRetry(hook.url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'x-amzn-event-timestamp': payload.timestamp,
        'x-amzn-event-signature': signWebhook(hook.secret, payload.timestamp, body),
      },
      body,
    }, { label: 'DevOps Agent webhook', deadline });
    if (res.status >= 200 && res.status < 300) return new URL(hook.url).hostname;
    const reason = `the DevOps Agent webhook answered HTTP ${res.status} ${res.body.slice(0, 200)}`.trim();
    if ((res.status === 401 || res.status === 403 || res.status === 404) && !refreshed) {
      const fresh = await loadWebhook(config.webhookSecretArn, true);
      if (fresh.url !== hook.url || fresh.secret !== hook.secret) {
        log('WARN', 'the DevOps Agent webhook refused the request; retrying with the regenerated webhook', { status: res.status });
        hook = fresh;
        continue;
      }
    }
    throw new Error(reason);
  }
}
