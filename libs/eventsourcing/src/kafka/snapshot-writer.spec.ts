import { SnapshotRecord, SnapshotWriter } from './snapshot-writer';

/** A send whose writes finish when the test says: each call waits for its own `finish`. */
function controlledSend() {
  const calls: { record: SnapshotRecord; finish: (error?: Error) => void }[] = [];
  const send = (record: SnapshotRecord) =>
    new Promise<void>((resolve, reject) =>
      calls.push({ record, finish: (error) => (error ? reject(error) : resolve()) }),
    );
  return { calls, send };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('SnapshotWriter', () => {
  it("writes a partition's snapshots one at a time, the newest replacing one still waiting", async () => {
    const { calls, send } = controlledSend();
    const writer = new SnapshotWriter(send, { warn: jest.fn() });
    writer.write('t', 0, 'a');
    writer.write('t', 0, 'b');
    writer.write('t', 0, 'c');
    expect(calls.map((c) => c.record.value)).toEqual(['a']);
    calls[0]!.finish();
    await tick();
    // b was never written: c, taken after it, is the partition's state from further on.
    expect(calls.map((c) => c.record.value)).toEqual(['a', 'c']);
    calls[1]!.finish();
    await writer.flush();
    expect(calls).toHaveLength(2);
  });

  it('writes the partitions of a topic, and the topics, side by side', () => {
    const { calls, send } = controlledSend();
    const writer = new SnapshotWriter(send, { warn: jest.fn() });
    writer.write('t', 0, 'a');
    writer.write('t', 1, 'b');
    writer.write('u', 0, 'c');
    expect(calls.map((c) => [c.record.topic, c.record.partition, c.record.value])).toEqual([
      ['t', 0, 'a'],
      ['t', 1, 'b'],
      ['u', 0, 'c'],
    ]);
  });

  it('logs a snapshot it could not write, and writes the next one', async () => {
    const { calls, send } = controlledSend();
    const warn = jest.fn();
    const writer = new SnapshotWriter(send, { warn });
    writer.write('t', 3, 'a');
    writer.write('t', 3, 'b');
    calls[0]!.finish(new Error('broker down'));
    await tick();
    expect(warn).toHaveBeenCalledWith(
      expect.objectContaining({ topic: 't', partition: 3, bytes: 1, error: 'broker down' }),
    );
    expect(calls.map((c) => c.record.value)).toEqual(['a', 'b']);
    calls[1]!.finish();
    await writer.flush();
  });

  it('flushes what was handed over, but waits no longer than it is told', async () => {
    const { calls, send } = controlledSend();
    const writer = new SnapshotWriter(send, { warn: jest.fn() });
    writer.write('t', 0, 'a');
    let flushed = false;
    const flush = writer.flush(60_000).then(() => (flushed = true));
    await tick();
    expect(flushed).toBe(false);
    calls[0]!.finish();
    await flush;
    // A write that never ends holds a flush only as long as it was given: it resolves meanwhile.
    writer.write('t', 0, 'b');
    await writer.flush(50);
    expect(calls.map((c) => c.record.value)).toEqual(['a', 'b']);
  });

  it('frees what it writes with once closed, after the pending snapshots, and takes it again later', async () => {
    const { calls, send } = controlledSend();
    const order: string[] = [];
    const writer = new SnapshotWriter(
      (record) => send(record).then(() => void order.push(`written ${record.value}`)),
      { warn: jest.fn() },
      async () => void order.push('released'),
    );
    writer.write('t', 0, 'a');
    const closed = writer.close();
    await tick();
    calls[0]!.finish();
    await closed;
    expect(order).toEqual(['written a', 'released']);
    writer.write('t', 0, 'b');
    expect(calls.map((c) => c.record.value)).toEqual(['a', 'b']);
  });
});
