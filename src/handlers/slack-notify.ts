/**
 * FinOps: posts the alerts topic's messages to a Slack incoming webhook (SNS subscription).
 *
 * The webhook URL lives in Secrets Manager (WEBHOOK_SECRET_ARN): the SecretString is the URL itself,
 * or JSON with `url` or `webhookUrl`. It is read once per container and again, once, when Slack
 * answers 403/404/410 (the webhook may have been rotated). Only https://hooks.slack.com/ URLs are
 * used: an alert is never posted anywhere else. CloudWatch alarms, Cost Anomaly Detection alerts,
 * AWS Budgets notifications and EventBridge events get a formatted message; anything else is posted
 * as subject + text. A post that still fails after the retries (429 honouring Retry-After, 5xx,
 * timeouts) makes the invocation fail, so Lambda's asynchronous retries and the dead-letter queue
 * take over.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Context, SNSEvent } from 'aws-lambda';
import { Alert, parseAlert } from './shared/alerts';
import { EnvReader } from './shared/env';
import { invocationDeadline, requestWithRetry } from './shared/http';
import { describeError, log } from './shared/log';
import { CachedSecret } from './shared/secrets';

const secrets = new SecretsManagerClient({});

export const SLACK_WEBHOOK_PREFIX = 'https://hooks.slack.com/';
/** Slack limits: section text 3000 characters, header 150, a field 2000, 10 fields per section. */
export const MAX_SECTION_TEXT = 3000;
export const MAX_HEADER_TEXT = 150;
export const MAX_FIELD_TEXT = 2000;
export const MAX_FIELDS = 10;

export interface SlackNotifyConfig {
  readonly webhookSecretArn: string;
}

export function readConfig(env: Record<string, string | undefined> = process.env): SlackNotifyConfig {
  const r = new EnvReader(env);
  const webhookSecretArn = r.string('WEBHOOK_SECRET_ARN');
  if (webhookSecretArn && !/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/.test(webhookSecretArn)) {
    r.problem(`WEBHOOK_SECRET_ARN must be a Secrets Manager secret ARN, got ${JSON.stringify(webhookSecretArn)}`);
  }
  r.done();
  return { webhookSecretArn };
}

/** The webhook URL from the secret's text; throws (without echoing the secret) unless it is a Slack webhook. */
export function parseWebhookSecret(secretString: string): string {
  const text = secretString.trim();
  let candidate: unknown = text;
  if (text.startsWith('{')) {
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new Error('the webhook secret is neither a URL nor valid JSON');
    }
    candidate = json.url ?? json.webhookUrl;
    if (typeof candidate !== 'string') throw new Error('the webhook secret is JSON without a "url" or "webhookUrl" string');
  }
  if (!isSlackWebhook(String(candidate))) {
    throw new Error(`the webhook secret does not hold a ${SLACK_WEBHOOK_PREFIX} URL; refusing to post alerts anywhere else`);
  }
  return String(candidate).trim();
}

export function isSlackWebhook(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return false;
  }
  return url.protocol === 'https:' && url.hostname === 'hooks.slack.com' && url.port === '' && !url.username && !url.password
    && value.trim().startsWith(SLACK_WEBHOOK_PREFIX) && url.pathname.length > 1;
}

const webhook = new CachedSecret(secrets, parseWebhookSecret);

/** Forgets the cached webhook URL (tests; a new container starts empty anyway). */
export function resetWebhookCache(): void {
  webhook.clear();
}

export interface SlackNotifyResult {
  readonly posted: number;
}

export async function handler(event: SNSEvent, context?: Pick<Context, 'getRemainingTimeInMillis'>): Promise<SlackNotifyResult> {
  const config = readConfig();
  const deadline = invocationDeadline(context);
  const errors: string[] = [];
  let posted = 0;
  for (const record of event.Records ?? []) {
    const messageId = record.Sns?.MessageId;
    try {
      const alert = parseAlert(record.Sns?.Subject, record.Sns?.Message ?? '');
      await post(config, formatSlackMessage(alert), deadline);
      posted++;
      log('INFO', 'alert posted to Slack', { messageId, kind: alert.kind, title: alert.title });
    } catch (err) {
      errors.push(`${messageId ?? 'record'}: ${describeError(err)}`);
      log('ERROR', 'alert not posted to Slack', { messageId, error: describeError(err) });
    }
  }
  if (errors.length) throw new Error(`Slack notification failed for ${errors.length} of ${event.Records?.length ?? 0} record(s): ${errors.join('; ')}`);
  return { posted };
}

async function post(config: SlackNotifyConfig, payload: SlackMessage, deadline: number | undefined): Promise<void> {
  const body = JSON.stringify(payload);
  let url = await webhook.get(config.webhookSecretArn);
  for (let refreshed = false; ; refreshed = true) {
    const res = await requestWithRetry(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json; charset=utf-8' },
      body,
    }, { label: 'Slack webhook', deadline });
    if (res.status >= 200 && res.status < 300) return;
    const reason = `Slack answered HTTP ${res.status} ${res.body.slice(0, 200)}`.trim();
    if ((res.status === 403 || res.status === 404 || res.status === 410) && !refreshed) {
      const fresh = await webhook.refresh(config.webhookSecretArn);
      if (fresh !== url) {
        log('WARN', 'Slack rejected the webhook; retrying with the rotated secret', { status: res.status });
        url = fresh;
        continue;
      }
    }
    throw new Error(reason);
  }
}

export interface SlackText {
  readonly type: 'mrkdwn' | 'plain_text';
  readonly text: string;
  readonly emoji?: boolean;
}

export type SlackBlock =
  | { readonly type: 'header'; readonly text: SlackText }
  | { readonly type: 'section'; readonly text?: SlackText; readonly fields?: SlackText[] }
  | { readonly type: 'context'; readonly elements: SlackText[] };

export interface SlackMessage {
  readonly text: string;
  readonly blocks: SlackBlock[];
}

const EMOJI: Record<Alert['severity'], string> = {
  critical: ':rotating_light:',
  warning: ':warning:',
  ok: ':white_check_mark:',
  info: ':information_source:',
};

/** Escapes Slack mrkdwn control characters. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Cuts to `max` characters (code points), with an ellipsis. */
export function truncate(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}\u2026`;
}

function codeBlock(text: string, max: number): string {
  const body = escapeMrkdwn(text.replace(/```/g, "'''"));
  return `\`\`\`${truncate(body, max - 6)}\`\`\``;
}

export function formatSlackMessage(alert: Alert): SlackMessage {
  const title = `${EMOJI[alert.severity]} ${alert.title}`;
  const blocks: SlackBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(alert.title.replace(/\s+/g, ' '), MAX_HEADER_TEXT), emoji: true } },
  ];
  if (alert.summary) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: truncate(escapeMrkdwn(alert.summary), MAX_SECTION_TEXT) } });
  }
  if (alert.fields.length) {
    blocks.push({
      type: 'section',
      fields: alert.fields.slice(0, MAX_FIELDS).map((f) => ({ type: 'mrkdwn' as const, text: truncate(`*${escapeMrkdwn(f.label)}*\n${escapeMrkdwn(f.value)}`, MAX_FIELD_TEXT) })),
    });
  }
  const raw = alert.raw.trim();
  if (alert.kind === 'other' && raw) {
    // Subject (the header) + the text as it came.
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: truncate(escapeMrkdwn(raw), MAX_SECTION_TEXT) } });
  } else if (alert.kind === 'event' && raw && raw !== '{}') {
    // The event's detail, as JSON.
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: codeBlock(raw, MAX_SECTION_TEXT) } });
  }
  if (alert.link) {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `<${alert.link.replace(/[<>|]/g, encodeURIComponent)}|Open in the AWS console>` }] });
  }
  const fallback = alert.summary ? `${title}\n${alert.summary}` : title;
  return { text: truncate(escapeMrkdwn(fallback), MAX_SECTION_TEXT), blocks };
}
