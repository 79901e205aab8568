import { encodeRaw, MessageValidationError } from './registry';
import { Envelope, HEADERS } from './envelope';
import {
  MICROS_PER_CENT,
  SettlementCommands,
  settlementMessages,
  SettlementEvents,
} from './settlement/accounts';

const base: Omit<Envelope, 'type' | 'data' | 'schemaVersion'> = {
  id: 'evt-1',
  source: 'settlement',
  subject: 'acc-1',
  time: '2026-11-29T00:00:00.000Z',
  correlationId: 'cmd-1',
  causationId: 'cmd-1',
  idempotencyKey: 'client-key-1',
};

describe('message registry', () => {
  it('round-trips an envelope through headers and a JSON body', () => {
    const envelope: Envelope = {
      ...base,
      type: 'settlement.FundsWithdrawn',
      schemaVersion: 1,
      data: { accountId: 'acc-1', amount: 5, reference: null },
    };
    const wire = settlementMessages.encode(envelope);
    expect(wire.key).toBe('acc-1');
    expect(wire.headers[HEADERS.type]).toBe('settlement.FundsWithdrawn');
    expect(JSON.parse(wire.value)).toEqual(envelope.data);
    expect(settlementMessages.decode(wire)).toEqual(envelope);
  });

  it('carries W3C trace context in the CloudEvents distributed-tracing headers', () => {
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const envelope: Envelope = {
      ...base,
      type: 'settlement.FundsWithdrawn',
      schemaVersion: 1,
      traceparent,
      tracestate: 'vendor=1',
      data: { accountId: 'acc-1', amount: 5, reference: null },
    };
    const wire = settlementMessages.encode(envelope);
    expect(wire.headers['traceparent']).toBe(traceparent);
    expect(wire.headers['tracestate']).toBe('vendor=1');
    expect(settlementMessages.decode(wire)).toEqual(envelope);
  });

  it('drops a malformed traceparent (and its tracestate) rather than refusing the message', () => {
    const wire = settlementMessages.encode({
      ...base,
      type: 'settlement.FundsWithdrawn',
      schemaVersion: 1,
      data: { accountId: 'acc-1', amount: 5, reference: null },
    });
    const read = settlementMessages.decode({
      ...wire,
      headers: { ...wire.headers, traceparent: 'not-a-traceparent', tracestate: 'vendor=1' },
    });
    expect(read.traceparent).toBeUndefined();
    expect(read.tracestate).toBeUndefined();
    expect(read.data).toEqual({ accountId: 'acc-1', amount: 5, reference: null });
  });

  it('reads a v1 FundsDeposited (whole cents) as v2 (micro-USD with a reference)', () => {
    const v1 = encodeRaw({
      ...base,
      type: SettlementEvents.fundsDeposited.type,
      schemaVersion: 1,
      data: { accountId: 'acc-1', amountCents: 250 },
    });
    const read = settlementMessages.decode(v1);
    expect(read.schemaVersion).toBe(2);
    expect(read.data).toEqual({ accountId: 'acc-1', amount: 250 * MICROS_PER_CENT, reference: null });
  });

  it('reads a v1 OpenLease (from before a lease carried its release) as a v2 that releases nothing', () => {
    const lease = {
      accountId: 'acc-1',
      leaseId: 't1',
      holdId: 'b1',
      providerId: 'p1',
      marketId: 'h100',
      nodeId: 'n1',
      gpus: 1,
      price: 2_000_000,
      value: 2_000_000,
      fee: 50_000,
      start: '2026-11-29T00:00:00.000Z',
      end: '2026-11-29T01:00:00.000Z',
    };
    const read = settlementMessages.decode(
      encodeRaw({ ...base, type: SettlementCommands.openLease.type, schemaVersion: 1, data: lease }),
    );
    expect(read.schemaVersion).toBe(2);
    expect(read.data).toEqual(lease);
  });

  it('gives the data as a message carries it: what the wire reads back, members the schema does not name dropped', () => {
    const sent = { accountId: 'acc-1', amount: 5, reference: null, extra: 'dropped' };
    const data = settlementMessages.currentData('settlement.FundsWithdrawn', sent);
    expect(data).toEqual({ accountId: 'acc-1', amount: 5, reference: null });
    const wire = settlementMessages.encode({
      ...base,
      type: 'settlement.FundsWithdrawn',
      schemaVersion: 1,
      data: sent,
    });
    expect(settlementMessages.decode(wire).data).toEqual(data);
    expect(() =>
      settlementMessages.currentData('settlement.FundsWithdrawn', { accountId: 'acc-1', amount: 1.5 }),
    ).toThrow(MessageValidationError);
    expect(() => settlementMessages.currentData('settlement.Nothing', {})).toThrow(
      'unknown message type settlement.Nothing',
    );
  });

  it('refuses to write anything but the current version', () => {
    expect(() =>
      settlementMessages.encode({
        ...base,
        type: SettlementEvents.fundsDeposited.type,
        schemaVersion: 1,
        data: { accountId: 'acc-1', amountCents: 1 },
      }),
    ).toThrow('settlement.FundsDeposited is written as v2, not v1');
  });

  it.each([
    [
      'a float amount',
      { accountId: 'acc-1', amount: 1.5, reference: null },
      /amount: must be an integer number of minor units/,
    ],
    [
      'a negative amount',
      { accountId: 'acc-1', amount: -3, reference: null },
      /amount: must be greater than zero/,
    ],
    ['a missing account', { amount: 3, reference: null }, /accountId/],
  ])('refuses to write %s', (_what, data, reason) => {
    expect(() =>
      settlementMessages.encode({ ...base, type: 'settlement.FundsWithdrawn', schemaVersion: 1, data }),
    ).toThrow(reason);
  });

  it.each([
    [
      'an unknown type',
      (w: Record<string, string>) => ({ ...w, [HEADERS.type]: 'settlement.Nope' }),
      /unknown message type settlement.Nope/,
    ],
    [
      'a missing id',
      (w: Record<string, string>) => {
        const { [HEADERS.id]: _, ...rest } = w;
        return rest;
      },
      /headers are invalid: ce_id: is required/,
    ],
    [
      'a version from the future',
      (w: Record<string, string>) => ({ ...w, [HEADERS.schemaVersion]: '9' }),
      /newer than this service knows/,
    ],
    [
      'a time without a zone',
      (w: Record<string, string>) => ({ ...w, [HEADERS.time]: '2026-11-29T10:00:00' }),
      /headers are invalid: ce_time: must be an ISO-8601 time with a zone/,
    ],
    [
      'another spec version',
      (w: Record<string, string>) => ({ ...w, [HEADERS.specVersion]: '0.3' }),
      /headers are invalid: ce_specversion: must be 1.0/,
    ],
    [
      'a malformed type',
      (w: Record<string, string>) => ({ ...w, [HEADERS.type]: 'deposit' }),
      /headers are invalid: ce_type: must look like <service>.<Name>/,
    ],
    [
      'an empty subject',
      (w: Record<string, string>) => ({ ...w, [HEADERS.subject]: '' }),
      /headers are invalid: ce_subject: must be 1 to 512 characters/,
    ],
  ])('refuses to read a message with %s', (_what, mangle, reason) => {
    const wire = settlementMessages.encode({
      ...base,
      type: 'settlement.FundsWithdrawn',
      schemaVersion: 1,
      data: { accountId: 'acc-1', amount: 5, reference: null },
    });
    expect(() => settlementMessages.decode({ ...wire, headers: mangle(wire.headers) })).toThrow(reason);
  });

  it('refuses a body that is not JSON, as a validation error', () => {
    const wire = settlementMessages.encode({
      ...base,
      type: 'settlement.FundsWithdrawn',
      schemaVersion: 1,
      data: { accountId: 'acc-1', amount: 5, reference: null },
    });
    expect(() => settlementMessages.decode({ ...wire, value: '{oops' })).toThrow(MessageValidationError);
  });
});
