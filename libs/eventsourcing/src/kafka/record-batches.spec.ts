import type { Message } from 'kafkajs';
import {
  fitsOneBatch,
  fittingOneBatch,
  MAX_BATCH_BYTES,
  recordBytes,
  RecordTooLargeError,
  SNAPSHOT_MAX_BYTES,
  snapshotFits,
  withinBatchLimit,
} from './record-batches';

const message = (bytes: number, extra: Partial<Message> = {}): Message => ({
  key: 'k',
  value: 'v'.repeat(bytes),
  headers: { type: 'settlement.FundsDeposited' },
  ...extra,
});

describe('record batches', () => {
  it('bounds what a message takes: key, value, every header and their length fields, in UTF-8 bytes', () => {
    const plain = recordBytes(message(100));
    expect(plain).toBeGreaterThanOrEqual(1 + 100 + 'type'.length + 'settlement.FundsDeposited'.length);
    expect(recordBytes(message(100, { value: 'é'.repeat(100) }))).toBe(plain + 100);
    expect(recordBytes(message(100, { value: Buffer.alloc(100) }))).toBe(plain);
    expect(recordBytes(message(100, { headers: { type: ['a', 'b'] } }))).toBeGreaterThan(
      recordBytes(message(100, { headers: { type: 'a' } })),
    );
    expect(recordBytes({ value: null })).toBeLessThan(40);
  });

  it('sends a transaction that fits as it is, in one request', () => {
    const records = [
      { topic: 'a', messages: [message(400_000), message(400_000)] },
      { topic: 'b', messages: [message(900_000)] },
    ];
    expect(withinBatchLimit(records)).toEqual([records]);
    expect(withinBatchLimit([])).toEqual([]);
  });

  it('splits a topic whose records outgrow one request into consecutive ones, each within the limit, in order', () => {
    const many = Array.from({ length: 2_000 }, (_, i) => message(800, { key: `k${i}` }));
    const small = [message(10)];
    const sends = withinBatchLimit([
      { topic: 'events', messages: many },
      { topic: 'dead', messages: small },
    ]);
    expect(sends.length).toBeGreaterThan(1);
    for (const send of sends)
      for (const { messages } of send)
        expect(messages.reduce((bytes, m) => bytes + recordBytes(m), 0)).toBeLessThanOrEqual(MAX_BATCH_BYTES);
    const events = sends.flatMap((send) =>
      send.filter((t) => t.topic === 'events').flatMap((t) => t.messages),
    );
    expect(events).toEqual(many);
    expect(sends[0]!.find((t) => t.topic === 'dead')?.messages).toEqual(small);
    expect(sends.flat().filter((t) => t.topic === 'dead')).toHaveLength(1);
  });

  it('measures strings by their bytes, not their length, where that decides', () => {
    // 400,000 characters of three bytes each: 1.2 MB, though the strings' lengths add up to 400,000.
    const wide = [message(0, { value: '€'.repeat(200_000) }), message(0, { value: '€'.repeat(200_000) })];
    expect(withinBatchLimit([{ topic: 't', messages: wide }])).toEqual([
      [{ topic: 't', messages: [wide[0]] }],
      [{ topic: 't', messages: [wide[1]] }],
    ]);
  });

  it('tells a message no request can carry, and refuses it by name', () => {
    expect(fitsOneBatch(message(MAX_BATCH_BYTES - 200))).toBe(true);
    expect(fitsOneBatch(message(MAX_BATCH_BYTES))).toBe(false);
    expect(fitsOneBatch(message(0, { value: '€'.repeat(300_000) }))).toBe(true);
    expect(fitsOneBatch(message(0, { value: '€'.repeat(400_000) }))).toBe(false);
    const fits = message(10);
    expect(fittingOneBatch(fits)).toBe(fits);
    expect(() => fittingOneBatch(message(MAX_BATCH_BYTES), 'its outcome')).toThrow(RecordTooLargeError);
    expect(() => fittingOneBatch(message(MAX_BATCH_BYTES), 'its outcome')).toThrow(
      /^its outcome would be \d+ bytes, more than the 999939 one may take$/,
    );
  });
});

describe('snapshotFits', () => {
  it('takes a snapshot sure to fit its topic, uncompressed, and no larger one', () => {
    expect(snapshotFits('{"version":3}')).toBe(true);
    expect(snapshotFits('x'.repeat(SNAPSHOT_MAX_BYTES - 1_000))).toBe(true);
    expect(snapshotFits('x'.repeat(SNAPSHOT_MAX_BYTES))).toBe(false);
    // Counted in bytes, not characters.
    expect(snapshotFits('é'.repeat(SNAPSHOT_MAX_BYTES / 2))).toBe(false);
  });
});
