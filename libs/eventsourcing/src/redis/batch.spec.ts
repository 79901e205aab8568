import type { KafkaMessage, Message } from 'kafkajs';
import { prepareBatch } from './batch';
import {
  claimMarker,
  creditV1Message,
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

  it('leaves out what is at or below the checkpoint', () => {
    const messages = [1, 2, 3].map((n, i) =>
      received(ledgerMessage({ type: 'ledger.Debited', data: { account: 'a', amount: n } }), 5 + i),
    );
    expect(prepareBatch(projection, ledgerRegistry, 't', 0, messages, 6).events.map((e) => e.offset)).toEqual(
      [7],
    );
  });
});
