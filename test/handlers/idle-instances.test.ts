import { CloudWatchClient, GetMetricDataCommand, GetMetricDataCommandInput, MetricDataResult } from '@aws-sdk/client-cloudwatch';
import { DescribeInstancesCommand, DescribeInstancesCommandInput, EC2Client, Instance, StopInstancesCommand, StopInstancesCommandInput } from '@aws-sdk/client-ec2';
import { PublishCommand, PublishCommandInput, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { awsError, captureLogs, fakeRuntime, resetRuntime } from './helpers';
import { handler, IdleInstancesConfig, readConfig, run } from '../../src/handlers/idle-instances';
import { ConfigError } from '../../src/handlers/shared/env';

const ec2Mock = mockClient(EC2Client);
const cwMock = mockClient(CloudWatchClient);
const snsMock = mockClient(SNSClient);

const NOW = '2024-05-15T10:00:00Z';
const DAY = 86_400_000;
const END = Date.parse('2024-05-15T00:00:00Z');

const config: IdleInstancesConfig = {
  topicArn: 'arn:aws:sns:eu-west-1:123456789012:finops',
  mode: 'REPORT',
  maxCpuPercent: 5,
  maxNetworkBytesPerDay: 5_000_000,
  lookbackDays: 14,
  excludeTag: 'finops:exclude',
  includeAutoScaling: false,
  platformName: 'shop-prod',
};

/** Daily metrics of one instance: one value per day of the lookback unless given. */
interface Profile {
  cpu?: number[];
  netIn?: number[];
  netOut?: number[];
}

interface FakeInstance {
  id: string;
  state?: string;
  tags?: Record<string, string>;
  launched?: string;
  metrics?: Profile;
}

/**
 * A stateful EC2 + CloudWatch fake: DescribeInstances honours the state filter and pages `pageSize`
 * instances at a time; StopInstances moves instances to "stopping"; GetMetricData answers each query
 * from the instance's profile.
 */
class FakeAccount {
  instances = new Map<string, FakeInstance>();
  pageSize = 1000;
  /** Instance IDs whose dry-run / real stop fails with the given error name. */
  denyDryRun = new Map<string, string>();
  failStop = new Map<string, string>();
  /** GetMetricData results per page: split the results of one call over this many pages. */
  metricPages = 1;

  add(...instances: FakeInstance[]): this {
    for (const i of instances) this.instances.set(i.id, { ...i, state: i.state ?? 'running', launched: i.launched ?? '2024-01-01T00:00:00Z' });
    return this;
  }

  install(): void {
    ec2Mock.on(DescribeInstancesCommand).callsFake((input: DescribeInstancesCommandInput) => this.describe(input));
    ec2Mock.on(StopInstancesCommand).callsFake((input: StopInstancesCommandInput) => this.stop(input));
    cwMock.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => this.metrics(input));
  }

  describe(input: DescribeInstancesCommandInput) {
    const states = input.Filters?.find((f) => f.Name === 'instance-state-name')?.Values ?? [];
    const all = [...this.instances.values()].filter((i) => states.length === 0 || states.includes(i.state ?? 'running'));
    const start = input.NextToken ? Number(input.NextToken) : 0;
    const page = all.slice(start, start + this.pageSize);
    const next = start + this.pageSize < all.length ? String(start + this.pageSize) : undefined;
    // One reservation per two instances, like real answers that group launches.
    const reservations = [];
    for (let i = 0; i < page.length; i += 2) {
      reservations.push({ ReservationId: `r-${start + i}`, Instances: page.slice(i, i + 2).map((x) => this.toInstance(x)) });
    }
    return { Reservations: reservations, NextToken: next };
  }

  toInstance(x: FakeInstance): Instance {
    return {
      InstanceId: x.id,
      InstanceType: 't3.large',
      LaunchTime: new Date(x.launched!),
      State: { Name: x.state as 'running' },
      Tags: Object.entries(x.tags ?? {}).map(([Key, Value]) => ({ Key, Value })),
    };
  }

  stop(input: StopInstancesCommandInput) {
    const ids = input.InstanceIds ?? [];
    if (input.DryRun) {
      const denied = this.denyDryRun.get(ids[0]);
      throw awsError(denied ?? 'DryRunOperation', denied ? 'You are not authorized to perform this operation.' : 'Request would have succeeded, but DryRun flag is set.');
    }
    const failing = ids.find((id) => this.failStop.has(id));
    if (failing) throw awsError(this.failStop.get(failing)!, `The instance '${failing}' cannot be stopped.`);
    return {
      StoppingInstances: ids.map((id) => {
        const x = this.instances.get(id)!;
        const previous = x.state;
        x.state = 'stopping';
        return { InstanceId: id, PreviousState: { Name: previous as 'running' }, CurrentState: { Name: 'stopping' as const } };
      }),
    };
  }

  metrics(input: GetMetricDataCommandInput) {
    const results: MetricDataResult[] = (input.MetricDataQueries ?? []).map((q) => {
      const id = q.MetricStat!.Metric!.Dimensions![0].Value!;
      const profile = this.instances.get(id)?.metrics ?? {};
      const name = q.MetricStat!.Metric!.MetricName!;
      const values = (name === 'CPUUtilization' ? profile.cpu : name === 'NetworkIn' ? profile.netIn : profile.netOut) ?? [];
      return {
        Id: q.Id,
        Label: name,
        Timestamps: values.map((_, d) => new Date(END - (values.length - d) * DAY)),
        Values: values,
        StatusCode: 'Complete',
      };
    });
    // Split across pages by datapoints: page p carries the p-th slice of every series.
    const page = input.NextToken ? Number(input.NextToken) : 0;
    const sliced = results.map((r) => {
      const n = r.Values!.length;
      const size = Math.ceil(n / this.metricPages);
      return { ...r, Timestamps: r.Timestamps!.slice(page * size, (page + 1) * size), Values: r.Values!.slice(page * size, (page + 1) * size) };
    });
    return { MetricDataResults: sliced, NextToken: page + 1 < this.metricPages ? String(page + 1) : undefined };
  }
}

const quiet = (n = 14) => ({ cpu: Array(n).fill(1.2), netIn: Array(n).fill(100_000), netOut: Array(n).fill(50_000) });
const busy = (n = 14) => ({ cpu: [...Array(n - 1).fill(1), 45], netIn: Array(n).fill(100_000), netOut: Array(n).fill(50_000) });

let account: FakeAccount;
let sleep: jest.Mock<Promise<void>, [number]>;

beforeEach(() => {
  ec2Mock.reset();
  cwMock.reset();
  snsMock.reset();
  snsMock.on(PublishCommand).resolves({ MessageId: 'msg-1' });
  captureLogs();
  ({ sleep } = fakeRuntime(NOW));
  account = new FakeAccount();
  account.install();
});

afterEach(() => {
  resetRuntime();
  jest.restoreAllMocks();
});

afterAll(() => {
  ec2Mock.restore();
  cwMock.restore();
  snsMock.restore();
});

function published(): PublishCommandInput[] {
  return snsMock.commandCalls(PublishCommand).map((c) => c.args[0].input);
}

function mutatingCalls(): number {
  return ec2Mock.commandCalls(StopInstancesCommand).filter((c) => !c.args[0].input.DryRun).length;
}

describe('classification', () => {
  test('idle, active (CPU), active (network in + out), no data', async () => {
    account.add(
      { id: 'i-idle', tags: { Name: 'old-batch' }, metrics: quiet() },
      { id: 'i-cpu', metrics: busy() },
      // Each direction under 5 MB, their sum over it on one day.
      { id: 'i-net', metrics: { cpu: Array(14).fill(1), netIn: [...Array(13).fill(1000), 3_000_000], netOut: [...Array(13).fill(1000), 2_500_000] } },
      { id: 'i-nodata', metrics: {} },
      { id: 'i-cpu-only', metrics: { cpu: Array(14).fill(0.5) } },
    );
    const result = await run(config);
    expect(result.examined).toBe(5);
    expect(result.evaluated).toBe(5);
    expect(result.idle).toEqual(['i-idle']);
    expect(result.unknown).toEqual(['i-nodata', 'i-cpu-only']);
    const byId = Object.fromEntries(result.findings.map((f) => [f.instanceId, f]));
    expect(byId['i-cpu'].status).toBe('active');
    expect(byId['i-net']).toMatchObject({ status: 'active', maxNetworkBytes: 5_500_000 });
    expect(byId['i-idle']).toMatchObject({ status: 'idle', name: 'old-batch', maxCpuPercent: 1.2, maxNetworkBytes: 150_000, cpuDatapoints: 14, networkDatapoints: 14 });
  });

  test('the lookback window is the last LOOKBACK_DAYS full UTC days; queries ask for daily Average CPU and Sum network', async () => {
    account.add({ id: 'i-1', metrics: quiet() });
    const result = await run(config);
    expect(result.window).toEqual({ start: '2024-05-01T00:00:00.000Z', end: '2024-05-15T00:00:00.000Z' });
    const input = cwMock.commandCalls(GetMetricDataCommand)[0].args[0].input;
    expect(input.StartTime).toEqual(new Date('2024-05-01T00:00:00Z'));
    expect(input.EndTime).toEqual(new Date('2024-05-15T00:00:00Z'));
    expect(input.MetricDataQueries!.map((q) => [q.MetricStat!.Metric!.MetricName, q.MetricStat!.Stat, q.MetricStat!.Period])).toEqual([
      ['CPUUtilization', 'Average', 86400],
      ['NetworkIn', 'Sum', 86400],
      ['NetworkOut', 'Sum', 86400],
    ]);
    expect(input.MetricDataQueries!.every((q) => /^[a-z][a-zA-Z0-9_]*$/.test(q.Id!))).toBe(true);
  });

  test('instances launched within the lookback are skipped (not enough history)', async () => {
    account.add({ id: 'i-new', launched: '2024-05-10T00:00:00Z', metrics: quiet(5) }, { id: 'i-old', metrics: quiet() });
    const result = await run(config);
    expect(result).toMatchObject({ examined: 2, tooNew: 1, evaluated: 1, idle: ['i-old'] });
    const queried = cwMock.commandCalls(GetMetricDataCommand)
      .flatMap((c) => c.args[0].input.MetricDataQueries!.map((q) => q.MetricStat!.Metric!.Dimensions![0].Value));
    expect(queried).not.toContain('i-new');
  });
});

describe('pagination and batching', () => {
  test('follows DescribeInstances NextToken over several pages', async () => {
    account.pageSize = 3;
    for (let i = 0; i < 8; i++) account.add({ id: `i-${i}`, metrics: quiet() });
    account.add({ id: 'i-stopped', state: 'stopped', metrics: quiet() });
    const result = await run(config);
    const calls = ec2Mock.commandCalls(DescribeInstancesCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => c.NextToken)).toEqual([undefined, '3', '6']);
    expect(calls[0].Filters).toEqual([{ Name: 'instance-state-name', Values: ['running'] }]);
    expect(result.examined).toBe(8);
    expect(result.idle).toHaveLength(8);
  });

  test('300 instances: GetMetricData in calls of at most 500 queries, every instance evaluated', async () => {
    for (let i = 0; i < 300; i++) account.add({ id: `i-${String(i).padStart(3, '0')}`, metrics: i % 3 === 0 ? busy() : quiet() });
    const result = await run(config);
    const calls = cwMock.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input.MetricDataQueries!);
    expect(calls.length).toBe(2);
    expect(calls.every((q) => q.length <= 500)).toBe(true);
    expect(calls.reduce((n, q) => n + q.length, 0)).toBe(900);
    // Query IDs are unique within a call.
    for (const q of calls) expect(new Set(q.map((x) => x.Id)).size).toBe(q.length);
    expect(result.evaluated).toBe(300);
    expect(result.idle).toHaveLength(200);
    expect(result.findings.filter((f) => f.status === 'active')).toHaveLength(100);
  });

  test('merges GetMetricData pages (NextToken): a busy day on the last page makes the instance active', async () => {
    account.metricPages = 3;
    account.add({ id: 'i-late-spike', metrics: busy() }, { id: 'i-quiet', metrics: quiet() });
    const result = await run(config);
    const calls = cwMock.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input.NextToken);
    expect(calls).toEqual([undefined, '1', '2']);
    expect(result.idle).toEqual(['i-quiet']);
    expect(result.findings.find((f) => f.instanceId === 'i-late-spike')).toMatchObject({ status: 'active', maxCpuPercent: 45, cpuDatapoints: 14 });
  });
});

describe('exclusions', () => {
  test('EXCLUDE_TAG: counted, never queried, stopped or listed', async () => {
    account.add({ id: 'i-keep', tags: { 'finops:exclude': '' }, metrics: quiet() }, { id: 'i-idle', metrics: quiet() });
    const result = await run({ ...config, mode: 'STOP' });
    expect(result).toMatchObject({ examined: 2, excluded: 1, idle: ['i-idle'], stopped: ['i-idle'] });
    const stopIds = ec2Mock.commandCalls(StopInstancesCommand).flatMap((c) => c.args[0].input.InstanceIds);
    expect(stopIds).not.toContain('i-keep');
    expect(published()[0].Message).not.toContain('i-keep');
    expect(published()[0].Message).toContain('excluded by tag finops:exclude: 1');
  });

  test('Auto Scaling members are skipped by default and evaluated with INCLUDE_AUTO_SCALING', async () => {
    account.add({ id: 'i-asg', tags: { 'aws:autoscaling:groupName': 'workers' }, metrics: quiet() }, { id: 'i-solo', metrics: quiet() });
    const skipped = await run(config);
    expect(skipped).toMatchObject({ skippedAutoScaling: 1, idle: ['i-solo'] });
    const included = await run({ ...config, includeAutoScaling: true });
    expect(included).toMatchObject({ skippedAutoScaling: 0, idle: ['i-asg', 'i-solo'] });
  });
});

describe('REPORT mode', () => {
  test('publishes one summary and makes no mutating call', async () => {
    account.add({ id: 'i-idle', tags: { Name: 'legacy-reporting' }, metrics: quiet() }, { id: 'i-busy', metrics: busy() }, { id: 'i-nodata' });
    const result = await run(config);
    expect(ec2Mock.commandCalls(StopInstancesCommand)).toHaveLength(0);
    expect(result.stopped).toEqual([]);
    const [message] = published();
    expect(published()).toHaveLength(1);
    expect(message.TopicArn).toBe(config.topicArn);
    expect(message.Subject).toBe('[FinOps] shop-prod: 1 idle EC2 instance, 1 without data');
    expect(message.Message).toContain('Idle, candidates to stop (1):\n- i-idle (legacy-reporting): t3.large, launched 2024-01-01, max daily CPU 1.20%, max daily network 146.5 KiB');
    expect(message.Message).toContain('No datapoints, never stopped (1):\n- i-nodata');
    expect(message.Message).toContain('REPORT mode: nothing was changed.');
    expect(message.Message).not.toContain('i-busy');
    expect(result.messageId).toBe('msg-1');
  });

  test('publishes a summary when nothing is idle', async () => {
    account.add({ id: 'i-busy', metrics: busy() });
    await run(config);
    expect(published()[0].Subject).toBe('[FinOps] shop-prod: 0 idle EC2 instances');
    expect(published()[0].Message).toContain('No idle instances found.');
  });

  test('a huge report stays under the SNS limit with an "... and N more" line', async () => {
    for (let i = 0; i < 1500; i++) account.add({ id: `i-${String(i).padStart(17, '0')}`, tags: { Name: `n${i}-${'x'.repeat(250)}` }, metrics: quiet() });
    const result = await run(config);
    expect(result.idle).toHaveLength(1500);
    const message = published()[0].Message!;
    expect(Buffer.byteLength(message, 'utf8')).toBeLessThan(256 * 1024);
    const listed = message.split('\n').filter((l) => l.startsWith('- i-')).length;
    expect(listed).toBeGreaterThan(100);
    expect(listed).toBeLessThan(1500);
    expect(message).toContain(`... and ${1500 - listed} more`);
    expect(published()[0].Subject!.length).toBeLessThan(100);
  });
});

describe('STOP mode', () => {
  const stopConfig = { ...config, mode: 'STOP' as const };

  test('dry run first: DryRunOperation means permitted, UnauthorizedOperation is a failure and never stopped', async () => {
    account.add({ id: 'i-a', metrics: quiet() }, { id: 'i-b', metrics: quiet() }, { id: 'i-c', metrics: quiet() });
    account.denyDryRun.set('i-b', 'UnauthorizedOperation');
    const result = await run(stopConfig);
    const calls = ec2Mock.commandCalls(StopInstancesCommand).map((c) => c.args[0].input);
    expect(calls.filter((c) => c.DryRun).map((c) => c.InstanceIds)).toEqual([['i-a'], ['i-b'], ['i-c']]);
    expect(calls.filter((c) => !c.DryRun).map((c) => c.InstanceIds)).toEqual([['i-a', 'i-c']]);
    expect(result.stopped).toEqual(['i-a', 'i-c']);
    expect(result.failed).toEqual([{ instanceId: 'i-b', stage: 'dry-run', error: 'UnauthorizedOperation: You are not authorized to perform this operation.' }]);
    const message = published()[0];
    expect(message.Subject).toBe('[FinOps] shop-prod: 3 idle EC2 instances, 2 stopped, 1 failed');
    expect(message.Message).toContain('Failed (1):\n- i-b: not permitted (dry run): UnauthorizedOperation');
    expect(message.Message).toContain('Stopped (2):\n- i-a');
  });

  test('instances without datapoints are never stopped', async () => {
    account.add({ id: 'i-nodata' }, { id: 'i-idle', metrics: quiet() });
    const result = await run(stopConfig);
    expect(result.unknown).toEqual(['i-nodata']);
    const ids = ec2Mock.commandCalls(StopInstancesCommand).flatMap((c) => c.args[0].input.InstanceIds);
    expect(ids).not.toContain('i-nodata');
    expect(result.stopped).toEqual(['i-idle']);
  });

  test('partial failure: a failing batch is retried one by one, the others are stopped and the failure reported', async () => {
    account.add({ id: 'i-1', metrics: quiet() }, { id: 'i-2', metrics: quiet() }, { id: 'i-3', metrics: quiet() });
    account.failStop.set('i-2', 'OperationNotPermitted');
    const result = await run(stopConfig);
    expect(result.stopped).toEqual(['i-1', 'i-3']);
    expect(result.failed).toEqual([{ instanceId: 'i-2', stage: 'stop', error: "OperationNotPermitted: The instance 'i-2' cannot be stopped." }]);
    expect(account.instances.get('i-2')!.state).toBe('running');
    expect(published()[0].Message).toContain("- i-2: stop failed: OperationNotPermitted: The instance 'i-2' cannot be stopped.");
  });

  test('stops in batches of at most 50 IDs', async () => {
    for (let i = 0; i < 120; i++) account.add({ id: `i-${i}`, metrics: quiet() });
    const result = await run(stopConfig);
    const real = ec2Mock.commandCalls(StopInstancesCommand).map((c) => c.args[0].input).filter((c) => !c.DryRun);
    expect(real.map((c) => c.InstanceIds!.length)).toEqual([50, 50, 20]);
    expect(result.stopped).toHaveLength(120);
  });

  test('idempotent: a second run sees no running idle instance and stops nothing twice', async () => {
    account.add({ id: 'i-1', metrics: quiet() }, { id: 'i-2', metrics: busy() });
    const first = await run(stopConfig);
    expect(first.stopped).toEqual(['i-1']);
    ec2Mock.resetHistory();
    const second = await run(stopConfig);
    expect(second).toMatchObject({ examined: 1, idle: [], stopped: [] });
    expect(mutatingCalls()).toBe(0);
  });
});

describe('throttling', () => {
  test('throttled DescribeInstances and GetMetricData are retried, then succeed', async () => {
    account.add({ id: 'i-1', metrics: quiet() });
    ec2Mock.on(DescribeInstancesCommand)
      .rejectsOnce(awsError('RequestLimitExceeded', 'Request limit exceeded.', 503))
      .rejectsOnce(awsError('RequestLimitExceeded', 'Request limit exceeded.', 503))
      .callsFake((input: DescribeInstancesCommandInput) => account.describe(input));
    cwMock.on(GetMetricDataCommand)
      .rejectsOnce(awsError('Throttling', 'Rate exceeded', 400))
      .callsFake((input: GetMetricDataCommandInput) => account.metrics(input));
    const result = await run(config);
    expect(result.idle).toEqual(['i-1']);
    expect(ec2Mock.commandCalls(DescribeInstancesCommand)).toHaveLength(3);
    expect(cwMock.commandCalls(GetMetricDataCommand)).toHaveLength(2);
    expect(sleep).toHaveBeenCalledTimes(3);
  });

  test('throttling that never ends fails the run clearly and publishes nothing', async () => {
    ec2Mock.on(DescribeInstancesCommand).rejects(awsError('RequestLimitExceeded', 'Request limit exceeded.', 503));
    await expect(run(config)).rejects.toThrow('ec2:DescribeInstances: still throttled after 5 attempts (RequestLimitExceeded: Request limit exceeded.)');
    expect(ec2Mock.commandCalls(DescribeInstancesCommand)).toHaveLength(5);
    expect(published()).toHaveLength(0);
  });

  test('a throttled stop is retried, not reported as a failure', async () => {
    account.add({ id: 'i-1', metrics: quiet() });
    let throttled = false;
    ec2Mock.on(StopInstancesCommand).callsFake((input: StopInstancesCommandInput) => {
      if (!input.DryRun && !throttled) {
        throttled = true;
        throw awsError('RequestLimitExceeded', 'slow down', 503);
      }
      return account.stop(input);
    });
    const result = await run({ ...config, mode: 'STOP' });
    expect(result.stopped).toEqual(['i-1']);
    expect(result.failed).toEqual([]);
  });
});

describe('configuration', () => {
  const env = {
    TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:finops',
    MODE: 'STOP',
    MAX_CPU_PERCENT: '5',
    MAX_NETWORK_BYTES_PER_DAY: '5000000',
    LOOKBACK_DAYS: '14',
    EXCLUDE_TAG: 'finops:exclude',
    PLATFORM_NAME: 'shop-prod',
  };

  test('reads the environment contract', () => {
    expect(readConfig(env)).toEqual({ ...config, mode: 'STOP' });
    expect(readConfig({ ...env, INCLUDE_AUTO_SCALING: 'true' }).includeAutoScaling).toBe(true);
  });

  test('a misconfigured function fails loudly, naming every bad variable', () => {
    expect(() => readConfig({ ...env, MODE: 'TERMINATE', LOOKBACK_DAYS: '0', MAX_CPU_PERCENT: '', TOPIC_ARN: 'finops' })).toThrow(ConfigError);
    expect(() => readConfig({ ...env, MODE: 'TERMINATE', LOOKBACK_DAYS: '0', MAX_CPU_PERCENT: '', TOPIC_ARN: 'finops' })).toThrow(
      /MODE must be one of REPORT, STOP.*MAX_CPU_PERCENT is required.*LOOKBACK_DAYS must be a whole number from 1 to 455.*TOPIC_ARN must be an SNS topic ARN/,
    );
  });

  test('handler() reads process.env and returns a JSON-serialisable result', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, env, { MODE: 'REPORT' });
    try {
      account.add({ id: 'i-1', metrics: quiet() });
      const result = await handler();
      expect(JSON.parse(JSON.stringify(result))).toEqual(result);
      expect(result).toMatchObject({ mode: 'REPORT', examined: 1, idle: ['i-1'], stopped: [], failed: [], excluded: 0 });
    } finally {
      process.env = saved;
    }
  });

  test('handler() without configuration rejects before any AWS call', async () => {
    const saved = { ...process.env };
    for (const k of Object.keys(env)) delete process.env[k];
    try {
      await expect(handler()).rejects.toThrow(/TOPIC_ARN is required/);
      expect(ec2Mock.calls()).toHaveLength(0);
    } finally {
      process.env = saved;
    }
  });
});
