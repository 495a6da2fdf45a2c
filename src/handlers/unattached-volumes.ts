/**
 * FinOps: unattached EBS volumes (scheduled daily by an EventBridge rule).
 *
 * MODE=REPORT is read-only: it lists every available (unattached) volume not carrying EXCLUDE_TAG.
 * MODE=DELETE keeps its state in tags, so every run is idempotent:
 *   1. first sighting: tag the volume finops:unattached-since=<ISO date-time>;
 *   2. once that date is GRACE_DAYS old:
 *      - SNAPSHOT_BEFORE_DELETE=false: delete the volume;
 *      - SNAPSHOT_BEFORE_DELETE=true: without a finops:snapshot-id tag, start a snapshot (tagged
 *        finops:source-volume=<volume>), tag the volume with its ID and stop there; in a later run,
 *        delete the volume once that snapshot is `completed` (an `error` snapshot is a failure and
 *        the volume is kept; a snapshot that no longer exists is taken again).
 * A volume that is attached again loses both tags (in DELETE mode), so a later detachment starts a
 * new grace period and a new snapshot. Per-volume errors (VolumeInUse, InvalidVolume.NotFound, ...)
 * are reported as failures; the run goes on.
 */
import {
  CreateSnapshotCommand,
  CreateTagsCommand,
  DeleteTagsCommand,
  DeleteVolumeCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  EC2Client,
  Snapshot,
  Volume,
} from '@aws-sdk/client-ec2';
import { SNSClient } from '@aws-sdk/client-sns';
import { EnvReader } from './shared/env';
import { describeError, errorName, log } from './shared/log';
import { withRetry } from './shared/retry';
import { runtime } from './shared/runtime';
import { MessageSection, buildMessage, publish } from './shared/sns';
import { DAY_MS, chunk, daysBetween, hasTag, tagValue } from './shared/util';

const ec2 = new EC2Client({});
const sns = new SNSClient({});

export const UNATTACHED_SINCE_TAG = 'finops:unattached-since';
export const SNAPSHOT_ID_TAG = 'finops:snapshot-id';
export const SOURCE_VOLUME_TAG = 'finops:source-volume';
/** Snapshot IDs per DescribeSnapshots call. */
export const DESCRIBE_SNAPSHOTS_BATCH = 100;

export type Mode = 'REPORT' | 'DELETE';

export interface UnattachedVolumesConfig {
  readonly topicArn: string;
  readonly mode: Mode;
  readonly graceDays: number;
  readonly snapshotBeforeDelete: boolean;
  readonly excludeTag: string;
  readonly platformName: string;
}

export function readConfig(env: Record<string, string | undefined> = process.env): UnattachedVolumesConfig {
  const r = new EnvReader(env);
  const config: UnattachedVolumesConfig = {
    topicArn: r.string('TOPIC_ARN'),
    mode: r.oneOf('MODE', ['REPORT', 'DELETE'] as const),
    graceDays: r.number('GRACE_DAYS', { min: 0, max: 3650, integer: true }),
    snapshotBeforeDelete: r.boolean('SNAPSHOT_BEFORE_DELETE', true),
    excludeTag: r.string('EXCLUDE_TAG'),
    platformName: r.string('PLATFORM_NAME'),
  };
  if (env.SNAPSHOT_BEFORE_DELETE === undefined || env.SNAPSHOT_BEFORE_DELETE.trim() === '') {
    r.problem('SNAPSHOT_BEFORE_DELETE is required (true or false)');
  }
  if (config.topicArn && !/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w.-]+$/.test(config.topicArn)) {
    r.problem(`TOPIC_ARN must be an SNS topic ARN, got ${JSON.stringify(config.topicArn)}`);
  }
  r.done();
  return config;
}

/** What this run did with (or found for) one volume. */
export type VolumeAction =
  | 'reported' // REPORT mode
  | 'tagged' // first sighting: grace period starts
  | 'in-grace' // tagged earlier, grace period not over
  | 'snapshot-started' // grace over, snapshot requested; deleted in a later run
  | 'waiting-for-snapshot' // snapshot still pending
  | 'deleted'
  | 'failed';

export interface VolumeFinding {
  readonly volumeId: string;
  readonly name?: string;
  readonly sizeGiB?: number;
  readonly volumeType?: string;
  readonly availabilityZone?: string;
  readonly createTime?: string;
  readonly daysSinceCreation?: number;
  readonly unattachedSince?: string;
  readonly snapshotId?: string;
  readonly action: VolumeAction;
  readonly error?: string;
}

export interface UnattachedVolumesResult {
  readonly mode: Mode;
  /** Available (unattached) volumes returned by DescribeVolumes. */
  readonly examined: number;
  /** Volumes carrying EXCLUDE_TAG (counted only). */
  readonly excluded: number;
  readonly tagged: string[];
  readonly inGrace: string[];
  readonly snapshotsStarted: { readonly volumeId: string; readonly snapshotId: string }[];
  readonly waitingForSnapshot: string[];
  readonly deleted: string[];
  readonly failed: { readonly volumeId: string; readonly error: string }[];
  /** Attached volumes whose finops tags were removed (DELETE mode). */
  readonly reattached: string[];
  readonly findings: VolumeFinding[];
  readonly subject: string;
  readonly messageId?: string;
}

export async function handler(): Promise<UnattachedVolumesResult> {
  return run(readConfig());
}

export async function run(config: UnattachedVolumesConfig): Promise<UnattachedVolumesResult> {
  const now = runtime.now();
  log('INFO', 'unattached volume sweep started', { mode: config.mode, graceDays: config.graceDays, snapshotBeforeDelete: config.snapshotBeforeDelete });
  const volumes = await describeVolumes([{ Name: 'status', Values: ['available'] }]);
  const candidates = volumes.filter((v) => !hasTag(v.Tags, config.excludeTag));
  const excluded = volumes.length - candidates.length;

  let findings: VolumeFinding[];
  let reattached: string[] = [];
  if (config.mode === 'REPORT') {
    findings = candidates.map((v) => finding(v, now, 'reported'));
  } else {
    reattached = await clearReattachedVolumes(config);
    findings = await processForDeletion(candidates, config, now);
  }

  const ids = (action: VolumeAction) => findings.filter((f) => f.action === action).map((f) => f.volumeId);
  const result = {
    mode: config.mode,
    examined: volumes.length,
    excluded,
    tagged: ids('tagged'),
    inGrace: ids('in-grace'),
    snapshotsStarted: findings.filter((f) => f.action === 'snapshot-started').map((f) => ({ volumeId: f.volumeId, snapshotId: f.snapshotId! })),
    waitingForSnapshot: ids('waiting-for-snapshot'),
    deleted: ids('deleted'),
    failed: findings.filter((f) => f.action === 'failed').map((f) => ({ volumeId: f.volumeId, error: f.error ?? 'unknown error' })),
    reattached,
    findings,
  };
  const { subject, message } = summarise(config, result, now);
  const messageId = await publish(sns, config.topicArn, subject, message);
  log('INFO', 'unattached volume sweep finished', {
    mode: config.mode,
    examined: result.examined,
    excluded,
    tagged: result.tagged.length,
    inGrace: result.inGrace.length,
    snapshotsStarted: result.snapshotsStarted,
    waitingForSnapshot: result.waitingForSnapshot,
    deleted: result.deleted,
    failed: result.failed,
    reattached,
  });
  return { ...result, subject, messageId };
}

async function describeVolumes(filters: { Name: string; Values: string[] }[]): Promise<Volume[]> {
  const volumes: Volume[] = [];
  let NextToken: string | undefined;
  do {
    const page = await withRetry(() => ec2.send(new DescribeVolumesCommand({ Filters: filters, MaxResults: 500, NextToken })), { label: 'ec2:DescribeVolumes' });
    for (const v of page.Volumes ?? []) if (v.VolumeId) volumes.push(v);
    NextToken = page.NextToken || undefined;
  } while (NextToken);
  return volumes;
}

function finding(v: Volume, now: Date, action: VolumeAction, extra: Partial<VolumeFinding> = {}): VolumeFinding {
  const created = v.CreateTime ? new Date(v.CreateTime) : undefined;
  return {
    volumeId: v.VolumeId!,
    name: tagValue(v.Tags, 'Name'),
    sizeGiB: v.Size,
    volumeType: v.VolumeType,
    availabilityZone: v.AvailabilityZone,
    createTime: created?.toISOString(),
    daysSinceCreation: created ? daysBetween(created, now) : undefined,
    unattachedSince: tagValue(v.Tags, UNATTACHED_SINCE_TAG),
    snapshotId: tagValue(v.Tags, SNAPSHOT_ID_TAG),
    action,
    ...extra,
  };
}

/**
 * Volumes attached again since a previous run still carry the grace-period tags; remove them so a
 * later detachment starts over (a new grace period and a fresh snapshot of the current data).
 */
async function clearReattachedVolumes(config: UnattachedVolumesConfig): Promise<string[]> {
  const attached = await describeVolumes([
    { Name: 'status', Values: ['in-use'] },
    { Name: 'tag-key', Values: [UNATTACHED_SINCE_TAG, SNAPSHOT_ID_TAG] },
  ]);
  const cleared: string[] = [];
  for (const v of attached) {
    if (hasTag(v.Tags, config.excludeTag)) continue;
    try {
      await withRetry(() => ec2.send(new DeleteTagsCommand({
        Resources: [v.VolumeId!],
        Tags: [{ Key: UNATTACHED_SINCE_TAG }, { Key: SNAPSHOT_ID_TAG }],
      })), { label: 'ec2:DeleteTags' });
      cleared.push(v.VolumeId!);
    } catch (err) {
      // Not fatal: the volume is attached, nothing will delete it while it is.
      log('WARN', 'could not clear the tags of a re-attached volume', { volumeId: v.VolumeId, error: describeError(err) });
    }
  }
  return cleared;
}

async function processForDeletion(volumes: Volume[], config: UnattachedVolumesConfig, now: Date): Promise<VolumeFinding[]> {
  const findings: VolumeFinding[] = [];
  const due: { volume: Volume; since: string }[] = [];
  for (const v of volumes) {
    const tagged = tagValue(v.Tags, UNATTACHED_SINCE_TAG);
    const sinceMs = tagged === undefined ? NaN : Date.parse(tagged);
    let since: string;
    let firstSighting = false;
    if (Number.isNaN(sinceMs)) {
      since = now.toISOString();
      try {
        await createTags(v.VolumeId!, [{ Key: UNATTACHED_SINCE_TAG, Value: since }]);
      } catch (err) {
        findings.push(finding(v, now, 'failed', { error: `tagging: ${describeError(err)}` }));
        continue;
      }
      firstSighting = true;
    } else {
      since = new Date(sinceMs).toISOString();
    }
    if (now.getTime() - Date.parse(since) >= config.graceDays * DAY_MS) {
      due.push({ volume: v, since });
    } else {
      findings.push(finding(v, now, firstSighting ? 'tagged' : 'in-grace', { unattachedSince: since }));
    }
  }
  if (!due.length) return findings;

  if (!config.snapshotBeforeDelete) {
    for (const { volume, since } of due) findings.push(await deleteVolume(volume, now, since));
    return findings;
  }

  const snapshots = await describeSnapshots(due.map((d) => tagValue(d.volume.Tags, SNAPSHOT_ID_TAG)).filter((id): id is string => !!id));
  for (const { volume, since } of due) {
    const snapshotId = tagValue(volume.Tags, SNAPSHOT_ID_TAG);
    const snapshot = snapshotId ? snapshots.get(snapshotId) : undefined;
    if (!snapshotId || !snapshot) {
      if (snapshotId) log('WARN', 'snapshot recorded on the volume no longer exists; taking a new one', { volumeId: volume.VolumeId, snapshotId });
      findings.push(await startSnapshot(volume, now, since));
    } else if (snapshot.State === 'completed') {
      findings.push(await deleteVolume(volume, now, since));
    } else if (snapshot.State === 'error') {
      findings.push(finding(volume, now, 'failed', {
        unattachedSince: since,
        error: `snapshot ${snapshotId} is in state error${snapshot.StateMessage ? ` (${snapshot.StateMessage})` : ''}; volume kept`,
      }));
    } else {
      findings.push(finding(volume, now, 'waiting-for-snapshot', { unattachedSince: since }));
    }
  }
  return findings;
}

async function createTags(volumeId: string, tags: { Key: string; Value: string }[]): Promise<void> {
  await withRetry(() => ec2.send(new CreateTagsCommand({ Resources: [volumeId], Tags: tags })), { label: 'ec2:CreateTags' });
}

async function startSnapshot(volume: Volume, now: Date, since: string): Promise<VolumeFinding> {
  const volumeId = volume.VolumeId!;
  try {
    const name = tagValue(volume.Tags, 'Name');
    const snapshot = await withRetry(() => ec2.send(new CreateSnapshotCommand({
      VolumeId: volumeId,
      Description: `FinOps: final snapshot of unattached volume ${volumeId}${name ? ` (${name})` : ''} before deletion`.slice(0, 255),
      TagSpecifications: [{
        ResourceType: 'snapshot',
        Tags: [
          { Key: SOURCE_VOLUME_TAG, Value: volumeId },
          ...(name ? [{ Key: 'Name', Value: name }] : []),
        ],
      }],
    })), { label: 'ec2:CreateSnapshot' });
    const snapshotId = snapshot.SnapshotId;
    if (!snapshotId) throw new Error('CreateSnapshot returned no SnapshotId');
    try {
      await createTags(volumeId, [{ Key: SNAPSHOT_ID_TAG, Value: snapshotId }]);
    } catch (err) {
      // The snapshot exists but the volume does not point at it: the next run would take another.
      return finding(volume, now, 'failed', { unattachedSince: since, snapshotId, error: `snapshot ${snapshotId} started, tagging the volume failed: ${describeError(err)}` });
    }
    log('INFO', 'snapshot started', { volumeId, snapshotId });
    return finding(volume, now, 'snapshot-started', { unattachedSince: since, snapshotId });
  } catch (err) {
    return finding(volume, now, 'failed', { unattachedSince: since, error: `snapshot: ${describeError(err)}` });
  }
}

async function deleteVolume(volume: Volume, now: Date, since: string): Promise<VolumeFinding> {
  try {
    await withRetry(() => ec2.send(new DeleteVolumeCommand({ VolumeId: volume.VolumeId! })), { label: 'ec2:DeleteVolume' });
    log('INFO', 'volume deleted', { volumeId: volume.VolumeId, snapshotId: tagValue(volume.Tags, SNAPSHOT_ID_TAG) });
    return finding(volume, now, 'deleted', { unattachedSince: since });
  } catch (err) {
    log('WARN', 'volume not deleted', { volumeId: volume.VolumeId, error: describeError(err) });
    return finding(volume, now, 'failed', { unattachedSince: since, error: `delete: ${describeError(err)}` });
  }
}

/**
 * The snapshots by ID. Missing ones are simply absent from the map: a batch that fails with
 * InvalidSnapshot.NotFound is looked up again one ID at a time.
 */
async function describeSnapshots(ids: string[]): Promise<Map<string, Snapshot>> {
  const found = new Map<string, Snapshot>();
  const one = async (batch: string[]) => {
    const out = await withRetry(() => ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: batch })), { label: 'ec2:DescribeSnapshots' });
    for (const s of out.Snapshots ?? []) if (s.SnapshotId) found.set(s.SnapshotId, s);
  };
  for (const batch of chunk([...new Set(ids)], DESCRIBE_SNAPSHOTS_BATCH)) {
    try {
      await one(batch);
    } catch (err) {
      if (errorName(err) !== 'InvalidSnapshot.NotFound' && errorName(err) !== 'InvalidSnapshotID.Malformed') throw err;
      for (const id of batch) {
        try {
          await one([id]);
        } catch (e) {
          const name = errorName(e);
          if (name !== 'InvalidSnapshot.NotFound' && name !== 'InvalidSnapshotID.Malformed') throw e;
        }
      }
    }
  }
  return found;
}

type Summary = Omit<UnattachedVolumesResult, 'subject' | 'messageId'>;

export function summarise(config: UnattachedVolumesConfig, result: Summary, now: Date): { subject: string; message: string } {
  const totalGiB = result.findings.reduce((n, f) => n + (f.sizeGiB ?? 0), 0);
  const count = result.findings.length;
  const parts = [`${count} unattached EBS volume${count === 1 ? '' : 's'} (${totalGiB} GiB)`];
  if (config.mode === 'DELETE') parts.push(`${result.deleted.length} deleted`);
  if (result.snapshotsStarted.length) parts.push(`${result.snapshotsStarted.length} snapshotted`);
  if (result.failed.length) parts.push(`${result.failed.length} failed`);
  const subject = `[FinOps] ${config.platformName}: ${parts.join(', ')}`;

  const line = (f: VolumeFinding) => {
    const bits = [
      `${f.sizeGiB ?? '?'} GiB ${f.volumeType ?? '?'}`,
      f.availabilityZone,
      f.createTime ? `created ${f.createTime.slice(0, 10)} (${f.daysSinceCreation} day${f.daysSinceCreation === 1 ? '' : 's'} ago)` : undefined,
      f.unattachedSince ? `unattached since ${f.unattachedSince.slice(0, 10)}` : undefined,
      f.snapshotId ? `snapshot ${f.snapshotId}` : undefined,
    ].filter(Boolean);
    return `- ${f.volumeId}${f.name ? ` (${f.name})` : ''}: ${bits.join(', ')}${f.error ? ` -- ${f.error}` : ''}`;
  };
  const of = (action: VolumeAction) => result.findings.filter((f) => f.action === action).map(line);
  const graceEnd = (f: VolumeFinding) => (f.unattachedSince ? new Date(Date.parse(f.unattachedSince) + config.graceDays * DAY_MS).toISOString().slice(0, 10) : '?');
  const header = [
    `FinOps unattached EBS volumes for ${config.platformName}, mode ${config.mode}${process.env.AWS_REGION ? `, region ${process.env.AWS_REGION}` : ''}, ${now.toISOString().slice(0, 10)}.`,
    `Available volumes examined: ${result.examined}; excluded by tag ${config.excludeTag}: ${result.excluded}; listed: ${count} (${totalGiB} GiB).`,
  ];
  if (config.mode === 'DELETE') {
    header.push(`Deletion after a grace period of ${config.graceDays} day(s) from first sighting (tag ${UNATTACHED_SINCE_TAG})` +
      `${config.snapshotBeforeDelete ? ', after a completed snapshot' : ', without a snapshot'}.`);
  }
  const sections: MessageSection[] = [
    { title: `Failed (${result.failed.length}):`, lines: of('failed') },
    { title: `Deleted (${result.deleted.length}):`, lines: of('deleted') },
    { title: `Snapshot started, deleted in a later run (${result.snapshotsStarted.length}):`, lines: of('snapshot-started') },
    { title: `Waiting for the snapshot to complete (${result.waitingForSnapshot.length}):`, lines: of('waiting-for-snapshot') },
    { title: `First seen unattached, grace period started (${result.tagged.length}):`, lines: of('tagged') },
    {
      title: `In the grace period (${result.inGrace.length}):`,
      lines: result.findings.filter((f) => f.action === 'in-grace').map((f) => `${line(f)}, due ${graceEnd(f)}`),
    },
    { title: `Unattached volumes (${count}):`, lines: of('reported') },
  ];
  const footer: string[] = [];
  if (result.reattached.length) footer.push(`Attached again, grace-period tags removed: ${result.reattached.join(', ')}.`);
  if (count === 0) footer.push('No unattached volumes found.');
  if (config.mode === 'REPORT' && count) footer.push('REPORT mode: nothing was changed.');
  return { subject, message: buildMessage(header, sections, footer) };
}
