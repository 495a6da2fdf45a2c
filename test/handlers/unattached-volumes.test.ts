import {
  CreateSnapshotCommand,
  CreateSnapshotCommandInput,
  CreateTagsCommand,
  CreateTagsCommandInput,
  DeleteTagsCommand,
  DeleteTagsCommandInput,
  DeleteVolumeCommand,
  DeleteVolumeCommandInput,
  DescribeSnapshotsCommand,
  DescribeSnapshotsCommandInput,
  DescribeVolumesCommand,
  DescribeVolumesCommandInput,
  EC2Client,
  Volume,
} from '@aws-sdk/client-ec2';
import { PublishCommand, PublishCommandInput, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { awsError, captureLogs, fakeRuntime, resetRuntime } from './helpers';
import { handler, readConfig, run, UnattachedVolumesConfig } from '../../src/handlers/unattached-volumes';

const ec2Mock = mockClient(EC2Client);
const snsMock = mockClient(SNSClient);

const reportConfig: UnattachedVolumesConfig = {
  topicArn: 'arn:aws:sns:eu-west-1:123456789012:finops',
  mode: 'REPORT',
  graceDays: 7,
  snapshotBeforeDelete: true,
  excludeTag: 'finops:keep',
  platformName: 'shop-prod',
};
const deleteConfig: UnattachedVolumesConfig = { ...reportConfig, mode: 'DELETE' };

interface FakeVolume {
  id: string;
  status: 'available' | 'in-use';
  size: number;
  type: string;
  az: string;
  created: string;
  tags: Map<string, string>;
}

interface FakeSnapshot {
  id: string;
  volumeId: string;
  state: 'pending' | 'completed' | 'error';
  description?: string;
  tags: Record<string, string>;
}

/** A stateful EC2 fake: volumes with tags, snapshots, paging; errors injectable per volume. */
class FakeEc2 {
  volumes = new Map<string, FakeVolume>();
  snapshots = new Map<string, FakeSnapshot>();
  pageSize = 500;
  deleteErrors = new Map<string, string>();
  private nextSnapshot = 1;

  add(id: string, opts: Partial<Omit<FakeVolume, 'tags'>> & { tags?: Record<string, string> } = {}): this {
    this.volumes.set(id, {
      id,
      status: opts.status ?? 'available',
      size: opts.size ?? 100,
      type: opts.type ?? 'gp3',
      az: opts.az ?? 'eu-west-1a',
      created: opts.created ?? '2024-03-01T08:00:00Z',
      tags: new Map(Object.entries(opts.tags ?? {})),
    });
    return this;
  }

  install(): void {
    ec2Mock.on(DescribeVolumesCommand).callsFake((i: DescribeVolumesCommandInput) => this.describeVolumes(i));
    ec2Mock.on(CreateTagsCommand).callsFake((i: CreateTagsCommandInput) => this.createTags(i));
    ec2Mock.on(DeleteTagsCommand).callsFake((i: DeleteTagsCommandInput) => this.deleteTags(i));
    ec2Mock.on(CreateSnapshotCommand).callsFake((i: CreateSnapshotCommandInput) => this.createSnapshot(i));
    ec2Mock.on(DescribeSnapshotsCommand).callsFake((i: DescribeSnapshotsCommandInput) => this.describeSnapshots(i));
    ec2Mock.on(DeleteVolumeCommand).callsFake((i: DeleteVolumeCommandInput) => this.deleteVolume(i));
  }

  describeVolumes(input: DescribeVolumesCommandInput) {
    let all = [...this.volumes.values()];
    for (const f of input.Filters ?? []) {
      if (f.Name === 'status') all = all.filter((v) => f.Values!.includes(v.status));
      if (f.Name === 'tag-key') all = all.filter((v) => f.Values!.some((k) => v.tags.has(k)));
    }
    const start = input.NextToken ? Number(input.NextToken) : 0;
    const page = all.slice(start, start + this.pageSize);
    return {
      Volumes: page.map((v): Volume => ({
        VolumeId: v.id,
        Size: v.size,
        VolumeType: v.type as 'gp3',
        AvailabilityZone: v.az,
        CreateTime: new Date(v.created),
        State: v.status,
        Tags: [...v.tags].map(([Key, Value]) => ({ Key, Value })),
      })),
      NextToken: start + this.pageSize < all.length ? String(start + this.pageSize) : undefined,
    };
  }

  createTags(input: CreateTagsCommandInput) {
    for (const id of input.Resources ?? []) {
      const v = this.volumes.get(id);
      if (!v) throw awsError('InvalidVolume.NotFound', `The volume '${id}' does not exist.`);
      for (const t of input.Tags ?? []) v.tags.set(t.Key!, t.Value ?? '');
    }
    return {};
  }

  deleteTags(input: DeleteTagsCommandInput) {
    for (const id of input.Resources ?? []) for (const t of input.Tags ?? []) this.volumes.get(id)?.tags.delete(t.Key!);
    return {};
  }

  createSnapshot(input: CreateSnapshotCommandInput) {
    const id = `snap-${String(this.nextSnapshot++).padStart(4, '0')}`;
    const tags = Object.fromEntries((input.TagSpecifications?.[0]?.Tags ?? []).map((t) => [t.Key!, t.Value!]));
    this.snapshots.set(id, { id, volumeId: input.VolumeId!, state: 'pending', description: input.Description, tags });
    return { SnapshotId: id, VolumeId: input.VolumeId, State: 'pending' as const };
  }

  describeSnapshots(input: DescribeSnapshotsCommandInput) {
    const ids = input.SnapshotIds ?? [];
    const missing = ids.find((id) => !this.snapshots.has(id));
    if (missing) throw awsError('InvalidSnapshot.NotFound', `The snapshot '${missing}' does not exist.`);
    return { Snapshots: ids.map((id) => ({ SnapshotId: id, State: this.snapshots.get(id)!.state, VolumeId: this.snapshots.get(id)!.volumeId })) };
  }

  deleteVolume(input: DeleteVolumeCommandInput) {
    const id = input.VolumeId!;
    const error = this.deleteErrors.get(id);
    if (error) throw awsError(error, `Cannot delete ${id}`);
    if (!this.volumes.has(id)) throw awsError('InvalidVolume.NotFound', `The volume '${id}' does not exist.`);
    this.volumes.delete(id);
    return {};
  }
}

let ec2: FakeEc2;
let clock: ReturnType<typeof fakeRuntime>;

beforeEach(() => {
  ec2Mock.reset();
  snsMock.reset();
  snsMock.on(PublishCommand).resolves({ MessageId: 'msg-1' });
  captureLogs();
  clock = fakeRuntime('2024-05-15T10:00:00Z');
  ec2 = new FakeEc2();
  ec2.install();
});

afterEach(() => {
  resetRuntime();
  jest.restoreAllMocks();
});

afterAll(() => {
  ec2Mock.restore();
  snsMock.restore();
});

function mutatingCalls(): number {
  return ec2Mock.commandCalls(CreateTagsCommand).length + ec2Mock.commandCalls(DeleteTagsCommand).length
    + ec2Mock.commandCalls(CreateSnapshotCommand).length + ec2Mock.commandCalls(DeleteVolumeCommand).length;
}

function published(): PublishCommandInput[] {
  return snsMock.commandCalls(PublishCommand).map((c) => c.args[0].input);
}

describe('REPORT mode', () => {
  test('read-only: lists every unattached volume and makes no mutating call', async () => {
    ec2.add('vol-a', { size: 500, type: 'io2', az: 'eu-west-1b', created: '2024-05-01T00:00:00Z', tags: { Name: 'old-db' } })
      .add('vol-b', { size: 8 })
      .add('vol-attached', { status: 'in-use', tags: { 'finops:unattached-since': '2024-01-01T00:00:00Z' } });
    const result = await run(reportConfig);
    expect(mutatingCalls()).toBe(0);
    expect(result).toMatchObject({ mode: 'REPORT', examined: 2, excluded: 0, deleted: [], tagged: [], reattached: [] });
    expect(result.findings.map((f) => [f.volumeId, f.action])).toEqual([['vol-a', 'reported'], ['vol-b', 'reported']]);
    const [message] = published();
    expect(message.Subject).toBe('[FinOps] shop-prod: 2 unattached EBS volumes (508 GiB)');
    expect(message.Message).toContain('- vol-a (old-db): 500 GiB io2, eu-west-1b, created 2024-05-01 (14 days ago)');
    expect(message.Message).toContain('- vol-b: 8 GiB gp3, eu-west-1a, created 2024-03-01 (75 days ago)');
    expect(message.Message).toContain('REPORT mode: nothing was changed.');
    expect(message.Message).not.toContain('vol-attached');
  });

  test('follows DescribeVolumes NextToken and filters status=available', async () => {
    ec2.pageSize = 2;
    for (let i = 0; i < 5; i++) ec2.add(`vol-${i}`);
    const result = await run(reportConfig);
    const calls = ec2Mock.commandCalls(DescribeVolumesCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => c.NextToken)).toEqual([undefined, '2', '4']);
    expect(calls[0].Filters).toEqual([{ Name: 'status', Values: ['available'] }]);
    expect(result.examined).toBe(5);
    expect(result.findings).toHaveLength(5);
  });

  test('excluded volumes are counted only', async () => {
    ec2.add('vol-keep', { tags: { 'finops:keep': 'true' } }).add('vol-x');
    const result = await run(deleteConfig);
    expect(result.excluded).toBe(1);
    expect(result.findings.map((f) => f.volumeId)).toEqual(['vol-x']);
    expect(ec2.volumes.get('vol-keep')!.tags.has('finops:unattached-since')).toBe(false);
    expect(published()[0].Message).not.toContain('vol-keep');
  });
});

describe('DELETE mode without snapshots', () => {
  const config = { ...deleteConfig, snapshotBeforeDelete: false };

  test('grace period: tagged on first sighting, kept during the grace period, deleted after it', async () => {
    ec2.add('vol-1', { tags: { Name: 'scratch' } });

    const day0 = await run(config);
    expect(day0.tagged).toEqual(['vol-1']);
    expect(ec2Mock.commandCalls(CreateTagsCommand)[0].args[0].input).toEqual({
      Resources: ['vol-1'],
      Tags: [{ Key: 'finops:unattached-since', Value: '2024-05-15T10:00:00.000Z' }],
    });
    expect(ec2Mock.commandCalls(DeleteVolumeCommand)).toHaveLength(0);

    clock.setNow('2024-05-20T10:00:00Z');
    ec2Mock.resetHistory();
    const day5 = await run(config);
    expect(day5.inGrace).toEqual(['vol-1']);
    expect(ec2Mock.commandCalls(CreateTagsCommand)).toHaveLength(0);
    expect(ec2Mock.commandCalls(DeleteVolumeCommand)).toHaveLength(0);
    expect(published()[1].Message).toContain('due 2024-05-22');

    clock.setNow('2024-05-22T10:00:00Z');
    const day7 = await run(config);
    expect(day7.deleted).toEqual(['vol-1']);
    expect(ec2.volumes.has('vol-1')).toBe(false);
    expect(ec2Mock.commandCalls(CreateSnapshotCommand)).toHaveLength(0);
    expect(published()[2].Subject).toBe('[FinOps] shop-prod: 1 unattached EBS volume (100 GiB), 1 deleted');

    const again = await run(config);
    expect(again).toMatchObject({ examined: 0, deleted: [] });
  });

  test('an unreadable grace tag restarts the grace period', async () => {
    ec2.add('vol-1', { tags: { 'finops:unattached-since': 'yesterday-ish' } });
    const result = await run(config);
    expect(result.tagged).toEqual(['vol-1']);
    expect(ec2.volumes.get('vol-1')!.tags.get('finops:unattached-since')).toBe('2024-05-15T10:00:00.000Z');
  });

  test('partial failures (VolumeInUse, InvalidVolume.NotFound) are reported, the others deleted', async () => {
    const since = { 'finops:unattached-since': '2024-05-01T00:00:00Z' };
    ec2.add('vol-1', { tags: since }).add('vol-2', { tags: since }).add('vol-3', { tags: since }).add('vol-4', { tags: since });
    ec2.deleteErrors.set('vol-2', 'VolumeInUse');
    ec2.deleteErrors.set('vol-3', 'InvalidVolume.NotFound');
    const result = await run(config);
    expect(result.deleted).toEqual(['vol-1', 'vol-4']);
    expect(result.failed).toEqual([
      { volumeId: 'vol-2', error: 'delete: VolumeInUse: Cannot delete vol-2' },
      { volumeId: 'vol-3', error: 'delete: InvalidVolume.NotFound: Cannot delete vol-3' },
    ]);
    const [message] = published();
    expect(message.Subject).toBe('[FinOps] shop-prod: 4 unattached EBS volumes (400 GiB), 2 deleted, 2 failed');
    expect(message.Message).toMatch(/Failed \(2\):\n- vol-2: .* -- delete: VolumeInUse/);
  });

  test('a throttled DeleteVolume is retried', async () => {
    ec2.add('vol-1', { tags: { 'finops:unattached-since': '2024-05-01T00:00:00Z' } });
    ec2Mock.on(DeleteVolumeCommand)
      .rejectsOnce(awsError('RequestLimitExceeded', 'Request limit exceeded.', 503))
      .callsFake((i: DeleteVolumeCommandInput) => ec2.deleteVolume(i));
    const result = await run(config);
    expect(result.deleted).toEqual(['vol-1']);
    expect(clock.sleep).toHaveBeenCalledTimes(1);
  });

  test('endless throttling on one delete is that volume\'s failure, not a crash', async () => {
    const since = { 'finops:unattached-since': '2024-05-01T00:00:00Z' };
    ec2.add('vol-1', { tags: since }).add('vol-2', { tags: since });
    ec2Mock.on(DeleteVolumeCommand, { VolumeId: 'vol-1' }).rejects(awsError('RequestLimitExceeded', 'Request limit exceeded.', 503));
    const result = await run(config);
    expect(result.deleted).toEqual(['vol-2']);
    expect(result.failed).toEqual([{ volumeId: 'vol-1', error: expect.stringContaining('ec2:DeleteVolume: still throttled after 5 attempts') }]);
  });

  test('GRACE_DAYS=0 deletes on first sighting', async () => {
    ec2.add('vol-1');
    const result = await run({ ...config, graceDays: 0 });
    expect(result.deleted).toEqual(['vol-1']);
  });
});

describe('DELETE mode with snapshots', () => {
  test('two phases: snapshot first, delete in a later run once the snapshot is completed; never re-snapshots', async () => {
    ec2.add('vol-1', { tags: { 'Name': 'reports', 'finops:unattached-since': '2024-05-01T00:00:00Z' } });

    const first = await run(deleteConfig);
    expect(first.snapshotsStarted).toEqual([{ volumeId: 'vol-1', snapshotId: 'snap-0001' }]);
    expect(first.deleted).toEqual([]);
    expect(ec2Mock.commandCalls(DeleteVolumeCommand)).toHaveLength(0);
    const create = ec2Mock.commandCalls(CreateSnapshotCommand)[0].args[0].input;
    expect(create.VolumeId).toBe('vol-1');
    expect(create.Description).toContain('vol-1');
    expect(create.TagSpecifications).toEqual([{ ResourceType: 'snapshot', Tags: [{ Key: 'finops:source-volume', Value: 'vol-1' }, { Key: 'Name', Value: 'reports' }] }]);
    expect(ec2.volumes.get('vol-1')!.tags.get('finops:snapshot-id')).toBe('snap-0001');
    expect(published()[0].Message).toContain('Snapshot started, deleted in a later run (1):');

    // Snapshot still pending: wait, do not snapshot again.
    clock.setNow('2024-05-16T10:00:00Z');
    const second = await run(deleteConfig);
    expect(second.waitingForSnapshot).toEqual(['vol-1']);
    expect(ec2Mock.commandCalls(CreateSnapshotCommand)).toHaveLength(1);
    expect(ec2.volumes.has('vol-1')).toBe(true);

    // Completed: delete.
    ec2.snapshots.get('snap-0001')!.state = 'completed';
    clock.setNow('2024-05-17T10:00:00Z');
    const third = await run(deleteConfig);
    expect(third.deleted).toEqual(['vol-1']);
    expect(ec2.volumes.has('vol-1')).toBe(false);
    expect(ec2Mock.commandCalls(CreateSnapshotCommand)).toHaveLength(1);
    expect(ec2.snapshots.get('snap-0001')!.tags['finops:source-volume']).toBe('vol-1');

    // Nothing left to do.
    const fourth = await run(deleteConfig);
    expect(fourth).toMatchObject({ examined: 0, deleted: [], snapshotsStarted: [] });
  });

  test('first sighting tags only, even with snapshots enabled', async () => {
    ec2.add('vol-1');
    const result = await run(deleteConfig);
    expect(result.tagged).toEqual(['vol-1']);
    expect(ec2Mock.commandCalls(CreateSnapshotCommand)).toHaveLength(0);
  });

  test('a snapshot in state error is a failure; the volume is kept', async () => {
    ec2.add('vol-1', { tags: { 'finops:unattached-since': '2024-05-01T00:00:00Z', 'finops:snapshot-id': 'snap-bad' } });
    ec2.snapshots.set('snap-bad', { id: 'snap-bad', volumeId: 'vol-1', state: 'error', tags: {} });
    const result = await run(deleteConfig);
    expect(result.deleted).toEqual([]);
    expect(result.failed).toEqual([{ volumeId: 'vol-1', error: 'snapshot snap-bad is in state error; volume kept' }]);
    expect(ec2Mock.commandCalls(DeleteVolumeCommand)).toHaveLength(0);
    expect(ec2.volumes.has('vol-1')).toBe(true);
  });

  test('a snapshot that no longer exists is taken again; the others are still looked up in one batch', async () => {
    const since = '2024-05-01T00:00:00Z';
    ec2.add('vol-gone', { tags: { 'finops:unattached-since': since, 'finops:snapshot-id': 'snap-deleted' } })
      .add('vol-done', { tags: { 'finops:unattached-since': since, 'finops:snapshot-id': 'snap-ok' } });
    ec2.snapshots.set('snap-ok', { id: 'snap-ok', volumeId: 'vol-done', state: 'completed', tags: {} });
    const result = await run(deleteConfig);
    expect(result.deleted).toEqual(['vol-done']);
    expect(result.snapshotsStarted).toEqual([{ volumeId: 'vol-gone', snapshotId: 'snap-0001' }]);
    expect(ec2Mock.commandCalls(DescribeSnapshotsCommand).map((c) => c.args[0].input.SnapshotIds)).toEqual([
      ['snap-deleted', 'snap-ok'], ['snap-deleted'], ['snap-ok'],
    ]);
  });

  test('a failed CreateSnapshot is reported and nothing is deleted', async () => {
    ec2.add('vol-1', { tags: { 'finops:unattached-since': '2024-05-01T00:00:00Z' } });
    ec2Mock.on(CreateSnapshotCommand).rejects(awsError('SnapshotCreationPerVolumeRateExceeded', 'too many'));
    const result = await run(deleteConfig);
    expect(result.failed).toEqual([{ volumeId: 'vol-1', error: 'snapshot: SnapshotCreationPerVolumeRateExceeded: too many' }]);
    expect(ec2Mock.commandCalls(DeleteVolumeCommand)).toHaveLength(0);
  });
});

describe('re-attached volumes', () => {
  test('lose their grace-period tags, so a later detachment starts over', async () => {
    ec2.add('vol-1', { status: 'in-use', tags: { 'finops:unattached-since': '2024-01-01T00:00:00Z', 'finops:snapshot-id': 'snap-old' } })
      .add('vol-kept', { status: 'in-use', tags: { 'finops:unattached-since': '2024-01-01T00:00:00Z', 'finops:keep': '' } });
    const result = await run(deleteConfig);
    expect(result.reattached).toEqual(['vol-1']);
    expect(ec2Mock.commandCalls(DeleteTagsCommand)[0].args[0].input).toEqual({
      Resources: ['vol-1'],
      Tags: [{ Key: 'finops:unattached-since' }, { Key: 'finops:snapshot-id' }],
    });
    expect([...ec2.volumes.get('vol-1')!.tags.keys()]).toEqual([]);

    // Detached again: a new grace period, not an immediate deletion.
    ec2.volumes.get('vol-1')!.status = 'available';
    const later = await run(deleteConfig);
    expect(later.tagged).toEqual(['vol-1']);
    expect(later.deleted).toEqual([]);
  });
});

describe('configuration', () => {
  const env = {
    TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:finops',
    MODE: 'DELETE',
    GRACE_DAYS: '7',
    SNAPSHOT_BEFORE_DELETE: 'true',
    EXCLUDE_TAG: 'finops:keep',
    PLATFORM_NAME: 'shop-prod',
  };

  test('reads the environment contract', () => {
    expect(readConfig(env)).toEqual(deleteConfig);
    expect(readConfig({ ...env, SNAPSHOT_BEFORE_DELETE: 'false', MODE: 'report' })).toMatchObject({ snapshotBeforeDelete: false, mode: 'REPORT' });
  });

  test('fails loudly on bad or missing variables', () => {
    expect(() => readConfig({ ...env, MODE: 'PURGE', GRACE_DAYS: '-1', SNAPSHOT_BEFORE_DELETE: undefined, EXCLUDE_TAG: undefined })).toThrow(
      /MODE must be one of REPORT, DELETE.*GRACE_DAYS must be a whole number from 0 to 3650.*EXCLUDE_TAG is required.*SNAPSHOT_BEFORE_DELETE is required/,
    );
  });

  test('handler() reads process.env and returns a JSON-serialisable result', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, env, { MODE: 'REPORT' });
    try {
      ec2.add('vol-1');
      const result = await handler();
      expect(JSON.parse(JSON.stringify(result))).toEqual(result);
      expect(result).toMatchObject({ mode: 'REPORT', examined: 1, deleted: [], failed: [] });
    } finally {
      process.env = saved;
    }
  });
});
