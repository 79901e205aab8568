import type { KafkaMessage, Message } from 'kafkajs';
import {
  applyRequests,
  commandStart,
  historyWithoutRequirements,
  prepareBatch,
  requestBefore,
  withoutRequirements,
} from './batch';
import type { ApplyRequest } from './apply-script';
import { toKafka } from '../kafka/codec';
import { ANSWER_ONLY, FINGERPRINT_HEADER } from '../domain/fingerprint';
import {
  claimMarker,
  creditV1Message,
  envelope,
  ledgerMessage,
  ledgerProjection,
  ledgerRegistry,
  unreadableMessages,
} from './ledger.fixture';

/** A produced message as a consumer receives it, at an offset. */
function received(message: Message, offset: number): KafkaMessage {
  const headers: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = Buffer.from(String(v));
  return {
    key: Buffer.from(String(message.key)),
    value: Buffer.from(String(message.value)),
    headers,
    offset: String(offset),
    timestamp: '0',
    attributes: 0,
  } as KafkaMessage;
}

describe('prepareBatch', () => {
  const projection = ledgerProjection('unit', ['t']);
  const p = projection.keyPrefix;

  it('folds readable events, upcasts old versions, skips markers and counts what it cannot read', () => {
    const messages = [
      ledgerMessage({ type: 'ledger.Opened', data: { account: 'a', owner: 'ann' } }),
      ...unreadableMessages('a'),
      claimMarker('a'),
      creditV1Message('a', 250),
      ledgerMessage({ type: 'ledger.Debited', data: { account: 'a', amount: 7 } }),
    ].map((m, i) => received(m, 10 + i));
    const prepared = prepareBatch(projection, ledgerRegistry, 't', 0, messages, -1);
    expect(prepared.folded).toBe(3);
    expect(prepared.markers).toBe(1);
    expect(prepared.invalid.map((i) => i.offset)).toEqual(['11', '12', '13']);
    expect(prepared.invalid[0]?.reason).toMatch(/ledger.Debited v1 data is invalid: amount/);
    expect(prepared.invalid[1]?.reason).toMatch(/unknown message type ledger.Vanished/);
    expect(prepared.invalid[2]?.reason).toMatch(/headers are invalid/);
    expect(prepared.events.map((e) => e.offset)).toEqual([10, 15, 16]);
    expect(prepared.events[1]?.ops).toContainEqual({
      op: 'hincrby',
      key: `${p}account:a`,
      field: 'balance',
      by: 250 * 10_000,
    });
  });

  it('marks each event with the command that produced it, when it has one', () => {
    const debit = envelope({ type: 'ledger.Debited', data: { account: 'a', amount: 1 } });
    const messages = [{ ...debit, causationId: 'command-1' }, debit].map((e, i) =>
      received(toKafka(ledgerRegistry.encode(e)), 3 + i),
    );
    expect(
      prepareBatch(projection, ledgerRegistry, 't', 0, messages, -1).events.map((e) => e.command),
    ).toEqual(['command-1', undefined]);
  });

  it("hands the projection the request fingerprint an outcome event's header carries, none for an answer-only one", () => {
    const seen: (string | undefined)[] = [];
    const watching = {
      ...projection,
      apply: (...[event, position, origin]: Parameters<typeof projection.apply>) => {
        seen.push(origin?.requestFingerprint);
        return projection.apply(event, position, origin);
      },
    };
    const debit = ledgerMessage({ type: 'ledger.Debited', data: { account: 'a', amount: 1 } });
    const messages = ['f'.repeat(64), ANSWER_ONLY, undefined].map((fp, i) =>
      received({ ...debit, headers: { ...debit.headers, ...(fp ? { [FINGERPRINT_HEADER]: fp } : {}) } }, i),
    );
    prepareBatch(watching, ledgerRegistry, 't', 0, messages, -1);
    expect(seen).toEqual(['f'.repeat(64), undefined, undefined]);
  });

  it('leaves out what is at or below the checkpoint', () => {
    const messages = [1, 2, 3].map((n, i) =>
      received(ledgerMessage({ type: 'ledger.Debited', data: { account: 'a', amount: n } }), 5 + i),
    );
    expect(prepareBatch(projection, ledgerRegistry, 't', 0, messages, 6).events.map((e) => e.offset)).toEqual(
      [7],
    );
  });
});

describe('an event waiting for its cause', () => {
  const wait = { op: 'requires', key: 'l:lease', field: 'charged', atLeast: 5 } as const;
  const write = (by: number) => ({ op: 'hincrby', key: 'l:a', field: 'balance', by }) as const;
  const request: ApplyRequest = {
    projectionName: 'l',
    keyPrefix: 'l:',
    topic: 't',
    partition: 1,
    epoch: 'e',
    expectedCheckpoint: 9,
    lastOffset: 20,
    events: [
      { offset: 11, ops: [write(1)] },
      { offset: 14, ops: [wait, write(2)] },
      { offset: 15, ops: [write(3)] },
    ],
  };

  it('applies what comes before it, up to the offset before it', () => {
    expect(requestBefore(request, 14)).toEqual({
      ...request,
      lastOffset: 13,
      events: [{ offset: 11, ops: [write(1)] }],
    });
    // Nothing but skipped records before it still moves the checkpoint to just before it.
    expect(requestBefore({ ...request, events: request.events.slice(1) }, 14)).toMatchObject({
      lastOffset: 13,
      events: [],
    });
    expect(requestBefore(request, 10)).toBeUndefined();
  });

  it('drops the requirements of that one event only, once it has waited too long', () => {
    const events = [...request.events, { offset: 16, ops: [wait] }];
    expect(withoutRequirements(events, 14)).toEqual([
      { offset: 11, ops: [write(1)] },
      { offset: 14, ops: [write(2)] },
      { offset: 15, ops: [write(3)] },
      { offset: 16, ops: [wait] },
    ]);
  });

  it("drops the requirements of the events below a refold's end, and keeps those from it on", () => {
    const events = [...request.events, { offset: 16, ops: [wait, write(4)] }];
    expect(historyWithoutRequirements(events, 16)).toEqual([
      { offset: 11, ops: [write(1)] },
      { offset: 14, ops: [write(2)] },
      { offset: 15, ops: [write(3)] },
      { offset: 16, ops: [wait, write(4)] },
    ]);
    expect(historyWithoutRequirements(events, 17)).toEqual([
      { offset: 11, ops: [write(1)] },
      { offset: 14, ops: [write(2)] },
      { offset: 15, ops: [write(3)] },
      { offset: 16, ops: [write(4)] },
    ]);
    // Nothing below the end waits: the events as they are.
    expect(historyWithoutRequirements(events, 14)).toBe(events);
  });
});

describe('script calls of a batch', () => {
  const base = { projectionName: 'l', keyPrefix: 'l:', topic: 't', partition: 0, epoch: 'e' };
  const op = { op: 'hincrby', key: 'l:a', field: 'balance', by: 1 } as const;
  /** One event per entry, at offsets 10, 11, …: the entry names its command (none: undefined). */
  const events = (commands: (string | undefined)[]) =>
    commands.map((command, i) => ({ offset: 10 + i, ops: [op], ...(command ? { command } : {}) }));
  const offsets = (requests: ApplyRequest[]) => requests.map((r) => r.events.map((e) => e.offset));

  it('holds at most the limit, each call expecting where the one before ends', () => {
    const requests = applyRequests(base, 9, events(['a', 'b', 'c', 'd', 'e']), 20, 2);
    expect(offsets(requests)).toEqual([[10, 11], [12, 13], [14]]);
    expect(requests.map((r) => [r.expectedCheckpoint, r.lastOffset])).toEqual([
      [9, 11],
      [11, 13],
      [13, 20],
    ]);
  });

  it("never ends a call inside one command's events, so its outcome and its writes are seen together", () => {
    // A bid that sweeps the book: its acceptance and its fills are one command's events.
    expect(offsets(applyRequests(base, 9, events(['a', 'b', 'b', 'b', 'c', 'd']), 20, 2))).toEqual([
      [10, 11, 12, 13],
      [14, 15],
    ]);
    expect(offsets(applyRequests(base, 9, events(['a', 'a', 'a', 'b']), 20, 2))).toEqual([
      [10, 11, 12],
      [13],
    ]);
    // Events without a command split where the limit says.
    expect(offsets(applyRequests(base, 9, events([undefined, undefined, undefined]), 20, 2))).toEqual([
      [10, 11],
      [12],
    ]);
    expect(applyRequests(base, 9, [], 20, 2)).toEqual([
      { ...base, expectedCheckpoint: 9, lastOffset: 20, events: [] },
    ]);
  });

  it('holds back the whole command of an event that waits for its cause', () => {
    const [request] = applyRequests(base, 9, events(['a', 'b', 'b', 'b', 'c']), 20, 10);
    // The third event of command b waits: b's first two wait with it, a goes now.
    expect(commandStart(request!, 13)).toBe(11);
    expect(requestBefore(request!, commandStart(request!, 13))?.events.map((e) => e.offset)).toEqual([10]);
    expect(commandStart(request!, 11)).toBe(11);
    expect(commandStart(request!, 14)).toBe(14);
    // The command's first event is the call's: nothing goes before it.
    expect(requestBefore(request!, commandStart(request!, 10))).toBeUndefined();
  });
});
