import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { log } from './log';
import { withRetry } from './retry';

/** SNS accepts at most 256 KiB per message (attributes included); stay well under it. */
export const MAX_MESSAGE_BYTES = 240 * 1024;
/** SNS subjects: fewer than 100 characters, ASCII, no line breaks or control characters. */
export const MAX_SUBJECT_LENGTH = 99;

/** A subject SNS accepts: printable ASCII only, one line, at most 99 characters, never empty. */
export function sanitizeSubject(subject: string): string {
  const clean = subject
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '') // accents dropped after decomposition: "é" -> "e"
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/[^\x20-\x7e]/g, '?')
    .replace(/ {2,}/g, ' ')
    .trim();
  const text = clean || 'Notification';
  return text.length <= MAX_SUBJECT_LENGTH ? text : `${text.slice(0, MAX_SUBJECT_LENGTH - 3).trimEnd()}...`;
}

export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

export interface MessageSection {
  /** A heading line, shown only when at least one of the section's lines fits. */
  readonly title: string;
  readonly lines: string[];
}

/**
 * Joins `header`, the sections' lines that fit and `footer` into a plain-text message of at most
 * `maxBytes` UTF-8 bytes. Lines that do not fit are replaced by one "... and N more" line (N counts
 * the section lines left out). A line is never cut in the middle, except one too long on its own,
 * which is shortened with an ellipsis.
 */
export function buildMessage(header: string[], sections: MessageSection[], footer: string[] = [], maxBytes = MAX_MESSAGE_BYTES): string {
  const maxLine = Math.floor(maxBytes / 8);
  const clip = (line: string) => (utf8Bytes(line) <= maxLine ? line : `${truncateToBytes(line, maxLine - 3)}...`);
  const total = sections.reduce((n, s) => n + s.lines.length, 0);
  const out: string[] = header.map(clip);
  const foot = footer.map(clip);
  // Room for the header, the footer and the longest possible "... and N more" line.
  let budget = maxBytes - bytesOf(out) - bytesOf(foot) - utf8Bytes(`... and ${total} more`) - 8;
  let shown = 0;
  let full = false;
  for (const section of sections) {
    if (full || section.lines.length === 0) continue;
    const title = [''].concat(section.title ? [clip(section.title)] : []);
    let titled = false;
    for (const raw of section.lines) {
      const line = clip(raw);
      const cost = utf8Bytes(line) + 1 + (titled ? 0 : bytesOf(title) + 1);
      if (cost > budget) {
        full = true;
        break;
      }
      if (!titled) {
        out.push(...title);
        titled = true;
      }
      out.push(line);
      budget -= cost;
      shown++;
    }
  }
  if (shown < total) out.push('', `... and ${total - shown} more`);
  if (foot.length) out.push('', ...foot);
  return out.join('\n');
}

function bytesOf(lines: string[]): number {
  return lines.reduce((n, l) => n + utf8Bytes(l) + 1, 0);
}

/** Cuts `text` to at most `maxBytes` UTF-8 bytes without splitting a character. */
export function truncateToBytes(text: string, maxBytes: number): string {
  if (utf8Bytes(text) <= maxBytes) return text;
  let out = '';
  let used = 0;
  for (const ch of text) {
    const size = utf8Bytes(ch);
    if (used + size > maxBytes) break;
    out += ch;
    used += size;
  }
  return out;
}

/** Publishes one message (subject sanitised, message cut to the SNS limit); returns the message ID. */
export async function publish(sns: SNSClient, topicArn: string, subject: string, message: string): Promise<string | undefined> {
  const Subject = sanitizeSubject(subject);
  const Message = utf8Bytes(message) <= MAX_MESSAGE_BYTES ? message : `${truncateToBytes(message, MAX_MESSAGE_BYTES - 20)}\n... (truncated)`;
  const out = await withRetry(() => sns.send(new PublishCommand({ TopicArn: topicArn, Subject, Message })), { label: 'sns:Publish' });
  log('INFO', 'summary published', { topicArn, subject: Subject, bytes: utf8Bytes(Message), messageId: out.MessageId });
  return out.MessageId;
}
