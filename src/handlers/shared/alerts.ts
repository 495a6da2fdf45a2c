import { createHash } from 'crypto';

/**
 * Understands the messages that reach the FinOps alerts topic, for the Slack and Jira functions:
 * CloudWatch alarm state changes, Cost Anomaly Detection alerts (SNS subscription JSON and the
 * EventBridge "Anomaly Detected" event), AWS Budgets notifications (plain text), other EventBridge
 * events, and anything else (subject + raw text).
 */
export type AlertKind = 'alarm' | 'anomaly' | 'budget' | 'event' | 'other';

export interface AlertField {
  readonly label: string;
  readonly value: string;
}

export interface Alert {
  readonly kind: AlertKind;
  /** One line, e.g. "ALARM: high-cpu". */
  readonly title: string;
  /** Severity hint for formatting. */
  readonly severity: 'critical' | 'warning' | 'ok' | 'info';
  /** A one-paragraph explanation (may be empty). */
  readonly summary: string;
  readonly fields: AlertField[];
  /** A console link, when the message carries or implies one. */
  readonly link?: string;
  /** What identifies "the same alert" across notifications (for de-duplication). */
  readonly fingerprintSource: string;
  /** The message as received. */
  readonly raw: string;
  readonly subject?: string;
}

export function parseAlert(subject: string | undefined | null, message: string): Alert {
  const subj = subject?.trim() || undefined;
  const json = tryJson(message);
  if (json) {
    if (typeof json.AlarmName === 'string' && typeof json.NewStateValue === 'string') return alarmAlert(json, message, subj);
    if (json.source === 'aws.ce' && isObject(json.detail) && typeof json.detail.anomalyId === 'string') {
      return anomalyAlert(json.detail, message, subj);
    }
    if (typeof json.anomalyId === 'string') return anomalyAlert(json, message, subj);
    if (typeof json['detail-type'] === 'string' && typeof json.source === 'string') return eventAlert(json, subj);
  }
  if (/^\s*AWS Budget Notification/i.test(message)) return budgetAlert(message, subj);
  return otherAlert(message, subj);
}

/** A stable short hash (hex) of `text`. */
export function shortHash(text: string, length = 12): string {
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, length);
}

type Json = Record<string, unknown>;

function tryJson(text: string): Json | undefined {
  const t = text.trim();
  if (!t.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(t);
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | undefined {
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

function num(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}

function fields(pairs: [string, string | undefined][]): AlertField[] {
  return pairs.filter((p): p is [string, string] => p[1] !== undefined && p[1] !== '').map(([label, value]) => ({ label, value }));
}

/** The AWS console host of the partition in an ARN (undefined for unknown partitions). */
function consoleHost(arn: string | undefined): string | undefined {
  const partition = arn?.split(':')[1];
  switch (partition) {
    case 'aws': return 'console.aws.amazon.com';
    case 'aws-us-gov': return 'console.amazonaws-us-gov.com';
    case 'aws-cn': return 'console.amazonaws.cn';
    default: return undefined;
  }
}

function alarmAlert(j: Json, raw: string, subject: string | undefined): Alert {
  const name = str(j.AlarmName)!;
  const state = str(j.NewStateValue)!;
  const arn = str(j.AlarmArn);
  const regionCode = arn?.split(':')[3];
  const region = str(j.Region);
  const trigger = isObject(j.Trigger) ? j.Trigger : undefined;
  const metric = trigger ? [str(trigger.Namespace), str(trigger.MetricName)].filter(Boolean).join(' ') : undefined;
  const host = consoleHost(arn);
  return {
    kind: 'alarm',
    title: `${state}: ${name}`,
    severity: state === 'ALARM' ? 'critical' : state === 'OK' ? 'ok' : 'warning',
    summary: str(j.NewStateReason) ?? '',
    fields: fields([
      ['Alarm', name],
      ['State', `${str(j.OldStateValue) ?? '?'} -> ${state}`],
      ['Region', region ?? regionCode],
      ['Account', str(j.AWSAccountId)],
      ['Metric', metric || undefined],
      ['Description', str(j.AlarmDescription)],
      ['Changed at', str(j.StateChangeTime)],
    ]),
    link: host && regionCode
      ? `https://${host}/cloudwatch/home?region=${encodeURIComponent(regionCode)}#alarmsV2:alarm/${encodeURIComponent(name)}`
      : undefined,
    // The same alarm in the same region is the same alert (its account is implied by the topic).
    fingerprintSource: `alarm|${name}|${regionCode ?? region ?? ''}`,
    raw,
    subject,
  };
}

function money(value: number | undefined): string | undefined {
  return value === undefined ? undefined : `$${value.toFixed(2)}`;
}

function anomalyAlert(j: Json, raw: string, subject: string | undefined): Alert {
  const id = str(j.anomalyId)!;
  const impact = isObject(j.impact) ? j.impact : {};
  const total = num(impact.totalImpact);
  const percent = num(impact.totalImpactPercentage);
  const causes = Array.isArray(j.rootCauses) ? j.rootCauses.filter(isObject) : [];
  const causeText = causes.slice(0, 5).map((c) => {
    const what = [str(c.service), str(c.usageType), str(c.region), str(c.linkedAccountName) ?? str(c.linkedAccount)].filter(Boolean).join(' / ');
    const contribution = isObject(c.impact) ? num(c.impact.contribution) : undefined;
    return contribution !== undefined ? `${what} (${money(contribution)})` : what;
  }).filter((t) => t !== '');
  const service = str(j.dimensionalValue) ?? (causes[0] ? str(causes[0].service) : undefined);
  const titleImpact = total !== undefined ? ` of ${money(total)}${percent !== undefined ? ` (+${percent.toFixed(1)}%)` : ''}` : '';
  const detailsLink = str(j.anomalyDetailsLink);
  return {
    kind: 'anomaly',
    title: `Cost anomaly${titleImpact}${service ? ` in ${service}` : ''}`,
    severity: 'warning',
    summary: causeText.length ? `Root cause${causeText.length === 1 ? '' : 's'}: ${causeText.join('; ')}` : '',
    fields: fields([
      ['Anomaly', id],
      ['Total impact', money(total)],
      ['Impact %', percent !== undefined ? `${percent.toFixed(2)}%` : undefined],
      ['Actual spend', money(num(impact.totalActualSpend))],
      ['Expected spend', money(num(impact.totalExpectedSpend))],
      ['Max daily impact', money(num(impact.maxImpact))],
      ['Period', [str(j.anomalyStartDate), str(j.anomalyEndDate)].filter(Boolean).join(' to ') || undefined],
      ['Account', str(j.accountId)],
      ['Monitor', str(j.monitorName) ?? str(j.monitorArn)],
    ]),
    link: detailsLink && /^https:\/\//.test(detailsLink) ? detailsLink : 'https://console.aws.amazon.com/cost-management/home#/anomaly-detection/overview',
    fingerprintSource: `anomaly|${id}`,
    raw,
    subject,
  };
}

/** "Label: value" lines of a Budgets notification. */
function budgetLine(text: string, label: string): string | undefined {
  const m = new RegExp(`^\\s*${label}\\s*:\\s*(.+?)\\s*$`, 'im').exec(text);
  return m ? m[1] : undefined;
}

function budgetAlert(raw: string, subject: string | undefined): Alert {
  const name = budgetLine(raw, 'Budget Name') ?? /associated with your (.+?) budget/i.exec(raw)?.[1];
  const threshold = budgetLine(raw, 'Alert Threshold');
  const alertType = budgetLine(raw, 'Alert Type');
  const actual = budgetLine(raw, 'ACTUAL Amount') ?? budgetLine(raw, 'Actual Amount');
  const forecast = budgetLine(raw, 'FORECASTED Amount') ?? budgetLine(raw, 'Forecasted Amount');
  const sentence = /You requested that we alert you.*?(?=\s+You can find|\s+Budget Name\s*:|$)/i.exec(raw.replace(/\s+/g, ' '))?.[0];
  return {
    kind: 'budget',
    title: `Budget ${name ? `"${name}" ` : ''}${alertType ? `${alertType.toLowerCase()} ` : ''}threshold exceeded${threshold ? ` (${threshold})` : ''}`,
    severity: 'warning',
    summary: sentence ?? '',
    fields: fields([
      ['Budget', name],
      ['Budget type', budgetLine(raw, 'Budget Type')],
      ['Budgeted amount', budgetLine(raw, 'Budgeted Amount')],
      ['Alert type', alertType],
      ['Threshold', threshold],
      ['Actual amount', actual],
      ['Forecasted amount', forecast],
      ['Account', /AWS Account\s+(\d{12})/i.exec(raw)?.[1]],
    ]),
    link: 'https://console.aws.amazon.com/billing/home#/budgets',
    fingerprintSource: `budget|${name ?? subject ?? ''}|${threshold ?? ''}|${alertType ?? ''}`,
    raw,
    subject,
  };
}

function eventAlert(j: Json, subject: string | undefined): Alert {
  const detailType = str(j['detail-type'])!;
  const source = str(j.source)!;
  const resources = Array.isArray(j.resources) ? j.resources.map(str).filter((r): r is string => !!r) : [];
  const detail = isObject(j.detail) ? j.detail : {};
  const state = str(detail.state) ?? str(detail.result) ?? str(detail.event);
  return {
    kind: 'event',
    title: `${detailType}${state ? `: ${state}` : ''}${resources.length ? ` (${resources[0].split(/[:/]/).pop()})` : ''}`,
    severity: 'info',
    summary: '',
    fields: fields([
      ['Source', source],
      ['Event', detailType],
      ['Resources', resources.join(', ') || undefined],
      ['Region', str(j.region)],
      ['Account', str(j.account)],
      ['Time', str(j.time)],
    ]),
    fingerprintSource: `event|${source}|${detailType}|${resources.join(',')}|${state ?? ''}`,
    // Pretty-printed: the one-line JSON SNS carries is hard to read.
    raw: JSON.stringify(j, null, 2),
    subject,
  };
}

function otherAlert(raw: string, subject: string | undefined): Alert {
  const firstLine = raw.trim().split('\n')[0]?.trim() ?? '';
  return {
    kind: 'other',
    title: subject ?? (firstLine.slice(0, 120) || 'Notification'),
    severity: 'info',
    summary: '',
    fields: [],
    fingerprintSource: `other|${subject ?? raw.trim().slice(0, 500)}`,
    raw,
    subject,
  };
}
