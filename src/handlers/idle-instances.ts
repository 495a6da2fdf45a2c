/**
 * FinOps: idle EC2 instances (scheduled daily by an EventBridge rule).
 *
 * Finds running instances whose every daily CPU average and every daily network total
 * (NetworkIn + NetworkOut) over the last LOOKBACK_DAYS full UTC days stayed at or under the
 * thresholds, and either reports them (MODE=REPORT: read-only) or stops them (MODE=STOP: a dry run
 * per instance first, then StopInstances for the permitted ones). One summary is published to
 * TOPIC_ARN per run. Instances carrying EXCLUDE_TAG are never touched or listed; Auto Scaling
 * members are skipped unless INCLUDE_AUTO_SCALING=true; instances without datapoints are listed as
 * "no data" and never stopped. Running twice stops nothing twice: only running instances are seen.
 */
import { CloudWatchClient, GetMetricDataCommand, MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { DescribeInstancesCommand, EC2Client, Instance, StopInstancesCommand } from '@aws-sdk/client-ec2';
import { SNSClient } from '@aws-sdk/client-sns';
import { EnvReader } from './shared/env';
import { describeError, errorName, log } from './shared/log';
import { withRetry } from './shared/retry';
import { runtime } from './shared/runtime';
import { MessageSection, buildMessage, publish } from './shared/sns';
import { DAY_MS, chunk, hasTag, isoDay, startOfUtcDay, tagValue } from './shared/util';

const ec2 = new EC2Client({});
const cloudwatch = new CloudWatchClient({});
const sns = new SNSClient({});

/** The tag EC2 Auto Scaling puts on the instances of a group. */
export const AUTO_SCALING_TAG = 'aws:autoscaling:groupName';
/** GetMetricData accepts at most 500 queries per call; each instance needs 3. */
export const QUERIES_PER_INSTANCE = 3;
export const MAX_QUERIES_PER_CALL = 500;
/** Instance IDs per StopInstances call. */
export const STOP_BATCH_SIZE = 50;

export type Mode = 'REPORT' | 'STOP';

export interface IdleInstancesConfig {
  readonly topicArn: string;
  readonly mode: Mode;
  readonly maxCpuPercent: number;
  readonly maxNetworkBytesPerDay: number;
  readonly lookbackDays: number;
  readonly excludeTag: string;
  readonly includeAutoScaling: boolean;
  readonly platformName: string;
}

export function readConfig(env: Record<string, string | undefined> = process.env): IdleInstancesConfig {
  const r = new EnvReader(env);
  const config: IdleInstancesConfig = {
    topicArn: r.string('TOPIC_ARN'),
    mode: r.oneOf('MODE', ['REPORT', 'STOP'] as const),
    maxCpuPercent: r.number('MAX_CPU_PERCENT', { min: 0, max: 100 }),
    maxNetworkBytesPerDay: r.number('MAX_NETWORK_BYTES_PER_DAY', { min: 0 }),
    // One-day datapoints are kept for 455 days.
    lookbackDays: r.number('LOOKBACK_DAYS', { min: 1, max: 455, integer: true }),
    excludeTag: r.string('EXCLUDE_TAG'),
    includeAutoScaling: r.boolean('INCLUDE_AUTO_SCALING', false),
    platformName: r.string('PLATFORM_NAME'),
  };
  if (config.topicArn && !/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w.-]+$/.test(config.topicArn)) {
    r.problem(`TOPIC_ARN must be an SNS topic ARN, got ${JSON.stringify(config.topicArn)}`);
  }
  r.done();
  return config;
}

export type InstanceStatus = 'idle' | 'active' | 'unknown';

export interface InstanceFinding {
  readonly instanceId: string;
  readonly name?: string;
  readonly instanceType?: string;
  readonly launchTime?: string;
  readonly status: InstanceStatus;
  /** Highest daily CPU average, percent. */
  readonly maxCpuPercent?: number;
  /** Highest daily NetworkIn + NetworkOut, bytes. */
  readonly maxNetworkBytes?: number;
  readonly cpuDatapoints: number;
  readonly networkDatapoints: number;
}

export interface Failure {
  readonly instanceId: string;
  readonly stage: 'dry-run' | 'stop';
  readonly error: string;
}

export interface IdleInstancesResult {
  readonly mode: Mode;
  /** Running instances returned by DescribeInstances. */
  readonly examined: number;
  /** Instances carrying EXCLUDE_TAG (counted only). */
  readonly excluded: number;
  /** Auto Scaling members skipped (INCLUDE_AUTO_SCALING=false). */
  readonly skippedAutoScaling: number;
  /** Launched less than LOOKBACK_DAYS ago: not enough history. */
  readonly tooNew: number;
  /** Instances whose metrics were read. */
  readonly evaluated: number;
  /** IDs of the idle instances (stop candidates). */
  readonly idle: string[];
  /** IDs of the instances without datapoints: reported, never stopped. */
  readonly unknown: string[];
  /** IDs of the instances this run stopped (STOP only). */
  readonly stopped: string[];
  readonly failed: Failure[];
  readonly findings: InstanceFinding[];
  readonly window: { readonly start: string; readonly end: string };
  readonly subject: string;
  readonly messageId?: string;
}

export async function handler(): Promise<IdleInstancesResult> {
  const config = readConfig();
  return run(config);
}

export async function run(config: IdleInstancesConfig): Promise<IdleInstancesResult> {
  const end = startOfUtcDay(runtime.now());
  const start = new Date(end.getTime() - config.lookbackDays * DAY_MS);
  log('INFO', 'idle instance sweep started', { mode: config.mode, start: start.toISOString(), end: end.toISOString() });

  const instances = await describeRunningInstances();
  let excluded = 0;
  let skippedAutoScaling = 0;
  let tooNew = 0;
  const candidates: Instance[] = [];
  for (const instance of instances) {
    if (hasTag(instance.Tags, config.excludeTag)) {
      excluded++;
    } else if (!config.includeAutoScaling && hasTag(instance.Tags, AUTO_SCALING_TAG)) {
      skippedAutoScaling++;
    } else if (!instance.LaunchTime || new Date(instance.LaunchTime).getTime() > start.getTime()) {
      tooNew++;
    } else {
      candidates.push(instance);
    }
  }

  const findings = await evaluate(candidates, config, start, end);
  const idle = findings.filter((f) => f.status === 'idle');
  const unknown = findings.filter((f) => f.status === 'unknown');

  const stopped: string[] = [];
  const failed: Failure[] = [];
  if (config.mode === 'STOP' && idle.length) {
    await stopInstances(idle.map((f) => f.instanceId), stopped, failed);
  }

  const result = {
    mode: config.mode,
    examined: instances.length,
    excluded,
    skippedAutoScaling,
    tooNew,
    evaluated: findings.length,
    idle: idle.map((f) => f.instanceId),
    unknown: unknown.map((f) => f.instanceId),
    stopped,
    failed,
    findings,
    window: { start: start.toISOString(), end: end.toISOString() },
  };
  const { subject, message } = summarise(config, result);
  const messageId = await publish(sns, config.topicArn, subject, message);
  const out: IdleInstancesResult = { ...result, subject, messageId };
  log('INFO', 'idle instance sweep finished', {
    mode: out.mode,
    examined: out.examined,
    excluded,
    skippedAutoScaling,
    tooNew,
    evaluated: out.evaluated,
    idle: out.idle.length,
    unknown: out.unknown.length,
    stopped,
    failed,
  });
  return out;
}

async function describeRunningInstances(): Promise<Instance[]> {
  const instances: Instance[] = [];
  let NextToken: string | undefined;
  do {
    const page = await withRetry(() => ec2.send(new DescribeInstancesCommand({
      Filters: [{ Name: 'instance-state-name', Values: ['running'] }],
      MaxResults: 1000,
      NextToken,
    })), { label: 'ec2:DescribeInstances' });
    for (const reservation of page.Reservations ?? []) {
      for (const instance of reservation.Instances ?? []) {
        // The filter already asks for running instances; check again, the answer is the contract.
        if (instance.InstanceId && (instance.State?.Name === undefined || instance.State.Name === 'running')) instances.push(instance);
      }
    }
    NextToken = page.NextToken || undefined;
  } while (NextToken);
  return instances;
}

interface Series {
  readonly timestamps: Date[];
  readonly values: number[];
}

async function evaluate(instances: Instance[], config: IdleInstancesConfig, start: Date, end: Date): Promise<InstanceFinding[]> {
  const findings: InstanceFinding[] = [];
  const perCall = Math.floor(MAX_QUERIES_PER_CALL / QUERIES_PER_INSTANCE);
  for (const batch of chunk(instances, perCall)) {
    const queries: MetricDataQuery[] = [];
    batch.forEach((instance, i) => {
      queries.push(
        metricQuery(`cpu${i}`, 'CPUUtilization', 'Average', instance.InstanceId!),
        metricQuery(`in${i}`, 'NetworkIn', 'Sum', instance.InstanceId!),
        metricQuery(`out${i}`, 'NetworkOut', 'Sum', instance.InstanceId!),
      );
    });
    const series = await getMetricData(queries, start, end);
    batch.forEach((instance, i) => {
      findings.push(classify(instance, series.get(`cpu${i}`), series.get(`in${i}`), series.get(`out${i}`), config));
    });
  }
  return findings;
}

function metricQuery(id: string, metricName: string, stat: string, instanceId: string): MetricDataQuery {
  return {
    Id: id,
    MetricStat: {
      Metric: { Namespace: 'AWS/EC2', MetricName: metricName, Dimensions: [{ Name: 'InstanceId', Value: instanceId }] },
      Period: 86400,
      Stat: stat,
    },
    ReturnData: true,
  };
}

/** Runs the queries (one GetMetricData call, plus one per NextToken page) and merges the pages per query ID. */
async function getMetricData(queries: MetricDataQuery[], start: Date, end: Date): Promise<Map<string, Series>> {
  const series = new Map<string, Series>();
  let NextToken: string | undefined;
  do {
    const page = await withRetry(() => cloudwatch.send(new GetMetricDataCommand({
      MetricDataQueries: queries,
      StartTime: start,
      EndTime: end,
      ScanBy: 'TimestampAscending',
      NextToken,
    })), { label: 'cloudwatch:GetMetricData' });
    for (const r of page.MetricDataResults ?? []) {
      if (!r.Id) continue;
      const s = series.get(r.Id) ?? { timestamps: [], values: [] };
      (r.Timestamps ?? []).forEach((t, i) => {
        const v = r.Values?.[i];
        if (typeof v === 'number' && Number.isFinite(v)) {
          s.timestamps.push(new Date(t));
          s.values.push(v);
        }
      });
      series.set(r.Id, s);
    }
    NextToken = page.NextToken || undefined;
  } while (NextToken);
  return series;
}

function classify(
  instance: Instance,
  cpu: Series | undefined,
  netIn: Series | undefined,
  netOut: Series | undefined,
  config: IdleInstancesConfig,
): InstanceFinding {
  const cpuValues = cpu?.values ?? [];
  // Daily network total: NetworkIn + NetworkOut of the same day (a day with only one of them counts that one).
  const network = new Map<number, number>();
  for (const s of [netIn, netOut]) {
    s?.timestamps.forEach((t, i) => network.set(t.getTime(), (network.get(t.getTime()) ?? 0) + s.values[i]));
  }
  const networkValues = [...network.values()];
  const maxCpu = cpuValues.length ? Math.max(...cpuValues) : undefined;
  const maxNetwork = networkValues.length ? Math.max(...networkValues) : undefined;
  let status: InstanceStatus;
  if ((maxCpu !== undefined && maxCpu > config.maxCpuPercent) || (maxNetwork !== undefined && maxNetwork > config.maxNetworkBytesPerDay)) {
    status = 'active';
  } else if (maxCpu === undefined || maxNetwork === undefined) {
    status = 'unknown';
  } else {
    status = 'idle';
  }
  return {
    instanceId: instance.InstanceId!,
    name: tagValue(instance.Tags, 'Name'),
    instanceType: instance.InstanceType,
    launchTime: instance.LaunchTime ? new Date(instance.LaunchTime).toISOString() : undefined,
    status,
    maxCpuPercent: maxCpu,
    maxNetworkBytes: maxNetwork,
    cpuDatapoints: cpuValues.length,
    networkDatapoints: networkValues.length,
  };
}

/**
 * Dry run per instance (DryRunOperation = permitted; anything else, e.g. UnauthorizedOperation from
 * a tag-conditioned policy, is that instance's failure), then StopInstances in batches. A batch that
 * fails is retried instance by instance, so one bad instance does not block the others.
 */
async function stopInstances(ids: string[], stopped: string[], failed: Failure[]): Promise<void> {
  const permitted: string[] = [];
  for (const id of ids) {
    try {
      await withRetry(() => ec2.send(new StopInstancesCommand({ InstanceIds: [id], DryRun: true })), { label: 'ec2:StopInstances (dry run)' });
      // A dry run always fails; success would mean DryRun was ignored. Treat it as permission.
      permitted.push(id);
    } catch (err) {
      if (errorName(err) === 'DryRunOperation') {
        permitted.push(id);
      } else {
        failed.push({ instanceId: id, stage: 'dry-run', error: describeError(err) });
        log('WARN', 'stop not permitted', { instanceId: id, error: describeError(err) });
      }
    }
  }
  for (const batch of chunk(permitted, STOP_BATCH_SIZE)) {
    try {
      const out = await withRetry(() => ec2.send(new StopInstancesCommand({ InstanceIds: batch })), { label: 'ec2:StopInstances' });
      recordStops(batch, out.StoppingInstances?.map((s) => s.InstanceId ?? '') ?? [], stopped, failed);
    } catch (err) {
      if (batch.length === 1) {
        failed.push({ instanceId: batch[0], stage: 'stop', error: describeError(err) });
        continue;
      }
      log('WARN', 'batch stop failed, stopping one by one', { instances: batch.length, error: describeError(err) });
      for (const id of batch) {
        try {
          const out = await withRetry(() => ec2.send(new StopInstancesCommand({ InstanceIds: [id] })), { label: 'ec2:StopInstances' });
          recordStops([id], out.StoppingInstances?.map((s) => s.InstanceId ?? '') ?? [], stopped, failed);
        } catch (e) {
          failed.push({ instanceId: id, stage: 'stop', error: describeError(e) });
        }
      }
    }
  }
  if (stopped.length) log('INFO', 'instances stopped', { instanceIds: stopped });
}

function recordStops(requested: string[], stopping: string[], stopped: string[], failed: Failure[]): void {
  for (const id of requested) {
    if (stopping.includes(id)) stopped.push(id);
    else failed.push({ instanceId: id, stage: 'stop', error: 'not in the StopInstances response' });
  }
}

type Summary = Omit<IdleInstancesResult, 'subject' | 'messageId'>;

export function summarise(config: IdleInstancesConfig, result: Summary): { subject: string; message: string } {
  const parts = [`${result.idle.length} idle EC2 instance${result.idle.length === 1 ? '' : 's'}`];
  if (config.mode === 'STOP') parts.push(`${result.stopped.length} stopped`);
  if (result.failed.length) parts.push(`${result.failed.length} failed`);
  if (result.unknown.length) parts.push(`${result.unknown.length} without data`);
  const subject = `[FinOps] ${config.platformName}: ${parts.join(', ')}`;

  const byId = new Map(result.findings.map((f) => [f.instanceId, f]));
  const describe = (id: string) => {
    const f = byId.get(id);
    if (!f) return id;
    const bits = [f.instanceType, f.launchTime ? `launched ${f.launchTime.slice(0, 10)}` : undefined,
      f.maxCpuPercent !== undefined ? `max daily CPU ${f.maxCpuPercent.toFixed(2)}%` : 'no CPU data',
      f.maxNetworkBytes !== undefined ? `max daily network ${formatBytes(f.maxNetworkBytes)}` : 'no network data'].filter(Boolean);
    return `${f.instanceId}${f.name ? ` (${f.name})` : ''}: ${bits.join(', ')}`;
  };
  const window = `${result.window.start.slice(0, 10)} to ${isoDay(new Date(new Date(result.window.end).getTime() - 1))} (UTC)`;
  const header = [
    `FinOps idle EC2 instances for ${config.platformName}, mode ${config.mode}${process.env.AWS_REGION ? `, region ${process.env.AWS_REGION}` : ''}.`,
    `Idle means: every daily CPU average <= ${config.maxCpuPercent}% and every daily NetworkIn+NetworkOut <= ${formatBytes(config.maxNetworkBytesPerDay)} over the last ${config.lookbackDays} full day(s), ${window}.`,
    `Running instances examined: ${result.examined}; excluded by tag ${config.excludeTag}: ${result.excluded}; ` +
      `Auto Scaling members ${config.includeAutoScaling ? 'included' : `skipped: ${result.skippedAutoScaling}`}; ` +
      `launched within the lookback (not evaluated): ${result.tooNew}; evaluated: ${result.evaluated}.`,
  ];
  const stoppedSet = new Set(result.stopped);
  const failedSet = new Set(result.failed.map((f) => f.instanceId));
  const sections: MessageSection[] = [
    { title: `Failed (${result.failed.length}):`, lines: result.failed.map((f) => `- ${f.instanceId}: ${f.stage === 'dry-run' ? 'not permitted (dry run)' : 'stop failed'}: ${f.error}`) },
    { title: `Stopped (${result.stopped.length}):`, lines: result.stopped.map((id) => `- ${describe(id)}`) },
    {
      title: config.mode === 'STOP' ? `Idle, not stopped (${result.idle.filter((id) => !stoppedSet.has(id) && !failedSet.has(id)).length}):` : `Idle, candidates to stop (${result.idle.length}):`,
      lines: result.idle.filter((id) => !stoppedSet.has(id) && !failedSet.has(id)).map((id) => `- ${describe(id)}`),
    },
    { title: `No datapoints, never stopped (${result.unknown.length}):`, lines: result.unknown.map((id) => `- ${describe(id)}`) },
  ];
  const footer = result.idle.length === 0 && result.unknown.length === 0 ? ['No idle instances found.'] : [];
  if (config.mode === 'REPORT' && result.idle.length) footer.push('REPORT mode: nothing was changed. Tag an instance with the exclude tag to keep it off this list.');
  return { subject, message: buildMessage(header, sections, footer) };
}

function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value.toFixed(0) : value.toFixed(1)} ${units[unit]}`;
}
