import { Envelope, settlementReadModel as rm } from '@gpux/contracts';
import { applyOps, Model, RedisOp, scenario } from '@gpux/eventsourcing/domain';
import { AccountCommand, AccountEvent, accountDecider } from './account.decider';
import { apiKeysProjection } from './api-keys.projection';

const T0 = Date.parse('2026-06-01T12:00:00.000Z');
const at = (s: number) => new Date(T0 + s * 1_000).toISOString();
const digest = (c: string) => c.repeat(64);

describe('API keys projection', () => {
  const projection = apiKeysProjection('settlement.events');

  /** The account's log, written by the decider, as envelopes at the given times. */
  function log(steps: Array<[AccountCommand, number]>): Envelope[] {
    const events: AccountEvent[] = [
      { type: 'settlement.AccountOpened', data: { accountId: 'acc-1', owner: 'Ada' } },
    ];
    const out: Envelope[] = [];
    for (const [command, second] of steps) {
      const decision = scenario(accountDecider)
        .given(...events)
        .when(command, { now: new Date(at(second)) });
      if (decision.kind !== 'accepted') throw new Error(`${command.type} rejected: ${decision.message}`);
      events.push(...decision.events);
      out.push(
        ...decision.events.map((e, i): Envelope => ({
          id: `e${out.length + i}`,
          type: e.type,
          source: 'settlement',
          subject: 'acc-1',
          time: at(second),
          schemaVersion: 1,
          correlationId: 'c',
          causationId: 'c',
          data: e.data,
        })),
      );
    }
    return out;
  }
  const project = (envelopes: Envelope[]) => {
    const model: Model = new Map();
    const ops: RedisOp[] = [];
    for (const e of envelopes) {
      const some = projection.apply(e);
      ops.push(...some);
      applyOps(model, some);
    }
    return { model, ops };
  };
  const hash = (model: Model, key: string) =>
    Object.fromEntries((model.get(key) as Map<string, string> | undefined)?.entries() ?? []);
  const issue = (keyId: string, keyHash: string, roles: Array<'buyer' | 'provider'>): AccountCommand => ({
    type: 'settlement.IssueApiKey',
    data: { accountId: 'acc-1', keyId, keyHash, roles },
  });
  const revoke = (keyId: string): AccountCommand => ({
    type: 'settlement.RevokeApiKey',
    data: { accountId: 'acc-1', keyId },
  });

  it('finds an issued key by its digest, with its account and roles, and lists it on the account', () => {
    const { model } = project(log([[issue('k1', digest('a'), ['buyer', 'provider']), 1]]));
    expect(hash(model, rm.apiKey(digest('a')))).toEqual({
      accountId: 'acc-1',
      keyId: 'k1',
      roles: 'buyer,provider',
    });
    expect(JSON.parse(hash(model, rm.accountKeys('acc-1'))['k1']!)).toEqual({
      roles: ['buyer', 'provider'],
      revoked: false,
      issuedAt: at(1),
    });
  });

  it("forgets a revoked key's digest, keeps the other keys, and marks it revoked on the account", () => {
    const { model } = project(
      log([
        [issue('k1', digest('a'), ['buyer']), 1],
        [issue('k2', digest('b'), ['provider']), 2],
        [revoke('k1'), 3],
      ]),
    );
    expect(model.has(rm.apiKey(digest('a')))).toBe(false);
    expect(hash(model, rm.apiKey(digest('b')))).toEqual({
      accountId: 'acc-1',
      keyId: 'k2',
      roles: 'provider',
    });
    const keys = hash(model, rm.accountKeys('acc-1'));
    expect(JSON.parse(keys['k1']!)).toMatchObject({ revoked: true, revokedAt: at(3) });
    expect(JSON.parse(keys['k2']!)).toMatchObject({ roles: ['provider'], revoked: false });
  });

  it("lists the account's keys by when each was issued, its event's time, revoked ones keeping theirs", () => {
    const envelopes = log([
      [issue('k-b', digest('a'), ['buyer']), 1],
      [issue('k-a', digest('b'), ['provider']), 2],
      [revoke('k-b'), 3],
      [issue('k-c', digest('c'), ['buyer']), 3],
    ]);
    const { model } = project(envelopes);
    expect(hash(model, rm.accountKeysIssued('acc-1'))).toEqual({
      'k-b': String(Date.parse(at(1))),
      'k-a': String(Date.parse(at(2))),
      'k-c': String(Date.parse(at(3))),
    });
    // The key's JSON loses its issuedAt when it is revoked: the set keeps it.
    expect(JSON.parse(hash(model, rm.accountKeys('acc-1'))['k-b']!)).not.toHaveProperty('issuedAt');
    // From the log alone: a replay (a rebuild) lists them the same.
    expect(project(envelopes).model).toEqual(model);
  });

  it('is versioned past the model that did not list keys, so that such a model is rebuilt', () => {
    expect(projection.version).toBe('2');
  });

  it('writes only under its key prefix, and ignores events that are not about keys', () => {
    const envelopes = log([
      [issue('k1', digest('a'), ['buyer']), 1],
      [revoke('k1'), 2],
      [{ type: 'settlement.Deposit', data: { accountId: 'acc-1', amount: 5 } }, 3],
    ]);
    const { ops } = project(envelopes);
    expect(ops.filter((o) => !o.key.startsWith(projection.keyPrefix))).toEqual([]);
    expect(projection.keyPrefix).toBe('settlement:');
    expect(projection.apply(envelopes[2]!)).toEqual([]);
  });
});
