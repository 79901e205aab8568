import type { Envelope } from '@gpux/contracts';
import { outcomeEventsKey, outcomeKey, outcomesProjection, parseOutcome } from './outcomes.projection';

const TIME = '2026-12-01T10:00:00.000Z';
const event = (type: string, data: unknown = {}): Envelope => ({
  id: 'e1',
  type,
  source: 'settlement',
  subject: 'acc-1',
  time: TIME,
  schemaVersion: 1,
  correlationId: 'c1',
  causationId: 'cmd-1',
  idempotencyKey: 'key-1',
  data,
});
const position = { topic: 'settlement.events', partition: 2, offset: '7' };
const expiries = (ops: ReturnType<ReturnType<typeof outcomesProjection>['apply']>) =>
  ops.filter((o) => o.op === 'pexpireat');

describe('outcomes projection: how long an outcome is kept', () => {
  const DAY = 86_400_000;

  it("keeps an accepted command's outcome and its events for the window after its event, the writes first", () => {
    const ops = outcomesProjection('settlement', 'settlement.events', DAY).apply(
      event('settlement.FundsDeposited'),
      position,
    );
    const at = Date.parse(TIME) + DAY;
    expect(expiries(ops)).toEqual([
      { op: 'pexpireat', key: outcomeKey('settlement', 'key-1'), at },
      { op: 'pexpireat', key: outcomeEventsKey('settlement', 'key-1'), at },
    ]);
    const lastWrite = Math.max(...ops.flatMap((o, i) => (o.op === 'hset' || o.op === 'rpush' ? [i] : [])));
    expect(ops.findIndex((o) => o.op === 'pexpireat')).toBeGreaterThan(lastWrite);
  });

  it("keeps a rejection's outcome as long", () => {
    const ops = outcomesProjection('settlement', 'settlement.events', DAY).apply(
      event('settlement.CommandRejected', { code: 'NOT_FOUND', message: 'no such account' }),
      position,
    );
    expect(expiries(ops)).toEqual([
      { op: 'pexpireat', key: outcomeKey('settlement', 'key-1'), at: Date.parse(TIME) + DAY },
    ]);
  });

  it('keeps it for good without a window, or when the event has no readable time', () => {
    expect(
      expiries(
        outcomesProjection('settlement', 'settlement.events').apply(
          event('settlement.FundsDeposited'),
          position,
        ),
      ),
    ).toEqual([]);
    expect(
      expiries(
        outcomesProjection('settlement', 'settlement.events', DAY).apply(
          { ...event('settlement.FundsDeposited'), time: 'not a time' },
          position,
        ),
      ),
    ).toEqual([]);
  });
});

describe('outcomes projection: what request an outcome answers', () => {
  const fields = (ops: ReturnType<ReturnType<typeof outcomesProjection>['apply']>) =>
    Object.fromEntries(ops.flatMap((o) => (o.op === 'hset' ? [[o.field, o.value]] : [])));

  it("keeps the request's fingerprint its events carry, accepted or rejected, so a key bound anew can tell a retry", () => {
    const fp = 'a'.repeat(64);
    const outcomes = outcomesProjection('settlement', 'settlement.events');
    expect(
      fields(outcomes.apply(event('settlement.FundsDeposited'), position, { requestFingerprint: fp })),
    ).toMatchObject({ status: 'accepted', fingerprint: fp });
    expect(
      fields(
        outcomes.apply(
          event('settlement.CommandRejected', { code: 'NOT_FOUND', message: 'no such account' }),
          position,
          { requestFingerprint: fp },
        ),
      ),
    ).toMatchObject({ status: 'rejected', fingerprint: fp });
    // Events written before they carried one: the outcome says nothing of its request.
    expect(fields(outcomes.apply(event('settlement.FundsDeposited'), position))).not.toHaveProperty(
      'fingerprint',
    );
  });
});

describe('outcomes projection: when an outcome was recorded', () => {
  const fields = (ops: ReturnType<ReturnType<typeof outcomesProjection>['apply']>) =>
    Object.fromEntries(ops.flatMap((o) => (o.op === 'hset' ? [[o.field, o.value]] : [])));

  it("keeps its event's time, accepted or rejected, and reads it back with the outcome", () => {
    const outcomes = outcomesProjection('settlement', 'settlement.events');
    const rejected = fields(
      outcomes.apply(
        event('settlement.CommandRejected', { code: 'NOT_FOUND', message: 'no such account' }),
        position,
      ),
    );
    expect(rejected).toMatchObject({ status: 'rejected', time: TIME });
    expect(fields(outcomes.apply(event('settlement.FundsDeposited'), position))).toMatchObject({
      time: TIME,
    });
    expect(parseOutcome(rejected, [])).toMatchObject({ status: 'rejected', code: 'NOT_FOUND', time: TIME });
  });

  it('keeps no time an event does not have, and reads an outcome recorded without one', () => {
    const outcomes = outcomesProjection('settlement', 'settlement.events');
    const written = fields(
      outcomes.apply({ ...event('settlement.FundsDeposited'), time: 'not a time' }, position),
    );
    expect(written).not.toHaveProperty('time');
    expect(parseOutcome(written, ['settlement.FundsDeposited'])).not.toHaveProperty('time');
  });
});

describe('outcomes projection: the figures a rejection states', () => {
  const fields = (ops: ReturnType<ReturnType<typeof outcomesProjection>['apply']>) =>
    Object.fromEntries(ops.flatMap((o) => (o.op === 'hset' ? [[o.field, o.value]] : [])));
  const outcomes = outcomesProjection('settlement', 'settlement.events');
  const SHORT = 'account acc-1 has 5.00 available, cannot withdraw 9.00';

  it('keeps what was available, minor units, and reads it back as a number', () => {
    const written = fields(
      outcomes.apply(
        event('settlement.CommandRejected', {
          code: 'INSUFFICIENT_FUNDS',
          message: SHORT,
          available: 5_000_000,
        }),
        position,
      ),
    );
    expect(written).toMatchObject({ code: 'INSUFFICIENT_FUNDS', available: '5000000' });
    expect(parseOutcome(written, [])).toMatchObject({ code: 'INSUFFICIENT_FUNDS', available: 5_000_000 });
    // Nothing available is a figure too.
    expect(
      parseOutcome(
        fields(
          outcomes.apply(
            event('settlement.CommandRejected', { code: 'INSUFFICIENT_FUNDS', message: SHORT, available: 0 }),
            position,
          ),
        ),
        [],
      ),
    ).toMatchObject({ available: 0 });
  });

  it('reads a rejection written before rejections carried it (already on the log) without one', () => {
    const written = fields(
      outcomes.apply(
        event('settlement.CommandRejected', { code: 'INSUFFICIENT_FUNDS', message: SHORT }),
        position,
      ),
    );
    expect(written).not.toHaveProperty('available');
    expect(parseOutcome(written, [])).not.toHaveProperty('available');
    expect(parseOutcome({ ...written, available: 'x' }, [])).not.toHaveProperty('available');
  });
});
