import { Envelope, settlementReadModel } from '@gpux/contracts';
import { applyOps, Model } from '@gpux/eventsourcing/domain';
import { accountView, ledgerEntryView } from '@gpux/read-models';
import { leasesProjection } from '../leases/leases.projection';
import { accountKeys, accountsProjection } from './accounts.projection';

const event = (type: string, data: unknown, id = type): Envelope => ({
  id,
  type,
  source: 'settlement',
  subject: 'acc-1',
  time: '2026-01-01T00:00:00.000Z',
  schemaVersion: 1,
  correlationId: 'c',
  causationId: 'c',
  data,
});

describe('accounts projection', () => {
  const projection = accountsProjection('settlement.events');

  it('folds balance and ledger in integer minor units', () => {
    const model: Model = new Map();
    for (const e of [
      event('settlement.AccountOpened', { accountId: 'acc-1', owner: 'Ada' }),
      event('settlement.FundsDeposited', { accountId: 'acc-1', amount: 1_000_000, reference: 'wire' }, 'e2'),
      event('settlement.FundsWithdrawn', { accountId: 'acc-1', amount: 250_001, reference: null }, 'e3'),
      event('settlement.CommandRejected', {
        commandType: 'settlement.Withdraw',
        code: 'INSUFFICIENT_FUNDS',
        message: 'no',
      }),
    ]) {
      applyOps(model, projection.apply(e));
    }
    expect(model.get(accountKeys.account('acc-1'))).toEqual(
      new Map([
        ['owner', 'Ada'],
        ['balance', '749999'],
      ]),
    );
    expect((model.get(accountKeys.ledger('acc-1')) as string[]).map((e) => JSON.parse(e))).toEqual([
      {
        eventId: 'e2',
        kind: 'deposit',
        amount: 1_000_000,
        reference: 'wire',
        time: '2026-01-01T00:00:00.000Z',
      },
      {
        eventId: 'e3',
        kind: 'withdrawal',
        amount: -250_001,
        reference: null,
        time: '2026-01-01T00:00:00.000Z',
      },
    ]);
    // What SettlementQueries (libs/read-models) reads of them: the gateway's account and ledger.
    const hash = Object.fromEntries(model.get(accountKeys.account('acc-1')) as Map<string, string>);
    expect(accountView('acc-1', hash)).toEqual({
      accountId: 'acc-1',
      owner: 'Ada',
      balance: 749_999,
      held: 0,
      escrow: 0,
      earned: 0,
    });
    expect(accountView('acc-2', {})).toBeNull();
    expect((model.get(accountKeys.ledger('acc-1')) as string[]).map(ledgerEntryView)[1]).toEqual({
      eventId: 'e3',
      kind: 'withdrawal',
      amount: -250_001,
      held: 0,
      escrow: 0,
      reference: null,
      time: '2026-01-01T00:00:00.000Z',
    });
  });

  it('moves held money out of the available balance and back, on the ledger', () => {
    const model: Model = new Map();
    for (const e of [
      event('settlement.AccountOpened', { accountId: 'acc-1', owner: 'Ada' }),
      event('settlement.FundsDeposited', { accountId: 'acc-1', amount: 1_000, reference: null }, 'e2'),
      event('settlement.FundsHeld', { accountId: 'acc-1', holdId: 'b1', amount: 600 }, 'e3'),
      event('settlement.HoldReleased', { accountId: 'acc-1', holdId: 'b1', amount: 250 }, 'e4'),
    ]) {
      applyOps(model, projection.apply(e));
    }
    expect(model.get(accountKeys.account('acc-1'))).toEqual(
      new Map([
        ['owner', 'Ada'],
        ['balance', '650'],
        ['held', '350'],
      ]),
    );
    expect(
      (model.get(accountKeys.ledger('acc-1')) as string[]).map(
        (e) => JSON.parse(e) as { kind: string; amount: number },
      ),
    ).toEqual([
      expect.objectContaining({ kind: 'deposit', amount: 1_000 }),
      expect.objectContaining({ kind: 'hold', amount: -600, reference: 'b1' }),
      expect.objectContaining({ kind: 'release', amount: 250, reference: 'b1' }),
    ]);
  });

  it("applies a credit only after the charge it pays out (the lease's running total, another partition)", () => {
    const credit = (kind: 'lease' | 'fee', through?: number) =>
      projection.apply(
        event('settlement.EarningsCredited', {
          accountId: 'prov-1',
          amount: 40,
          leaseId: 'lease-1',
          kind,
          ...(through === undefined ? {} : { through }),
        }),
      );
    expect(credit('lease', 120)[0]).toEqual({
      op: 'requires',
      key: settlementReadModel.lease('lease-1'),
      field: 'chargedValue',
      atLeast: 120,
    });
    expect(credit('fee', 12)[0]).toEqual({
      op: 'requires',
      key: settlementReadModel.lease('lease-1'),
      field: 'chargedFee',
      atLeast: 12,
    });
    // Written before credits named their charge: nothing to wait for.
    expect(credit('lease').filter((o) => o.op === 'requires')).toEqual([]);
    // The charge sets what the credit waits for (leases.projection.ts, the same read model).
    const charge = leasesProjection('settlement.events').apply(
      event('settlement.LeaseCharged', {
        accountId: 'acc-1',
        providerId: 'prov-1',
        leaseId: 'lease-1',
        amount: 120,
        fee: 12,
        chargedValue: 120,
        chargedFee: 12,
        final: false,
      }),
    );
    expect(charge).toEqual(
      expect.arrayContaining([
        { op: 'hset', key: settlementReadModel.lease('lease-1'), field: 'chargedValue', value: '120' },
        { op: 'hset', key: settlementReadModel.lease('lease-1'), field: 'chargedFee', value: '12' },
      ]),
    );
  });

  it('writes only under its key prefix', () => {
    const ops = projection.apply(
      event('settlement.FundsDeposited', { accountId: 'x', amount: 1, reference: null }),
    );
    expect(ops.every((o) => o.key.startsWith(projection.keyPrefix))).toBe(true);
  });
});
