import { scenario } from '@gpux/eventsourcing/domain';
import { AccountEvent, accountDecider } from '../account.decider';
import { movementOf } from '../../ledger/postings';

const opened: AccountEvent = { type: 'settlement.AccountOpened', data: { accountId: 'acc-1', owner: 'Ada' } };
const deposited = (amount: number): AccountEvent => ({
  type: 'settlement.FundsDeposited',
  data: { accountId: 'acc-1', amount, reference: null },
});
const allotted = (amount: number, marketId = 'H100'): AccountEvent => ({
  type: 'settlement.BuyingPowerAllotted',
  data: { accountId: 'acc-1', marketId, amount, holdId: `power:${marketId}` },
});
const allot = (amount: number, marketId = 'H100') => ({
  type: 'settlement.AllotBuyingPower' as const,
  data: { accountId: 'acc-1', marketId, amount },
});

const account = scenario(accountDecider);

describe('allotting buying power', () => {
  it("sets part of the balance aside in the market's buying-power hold", () => {
    account
      .given(opened, deposited(1_000))
      .when(allot(600))
      .then([allotted(600)]);
    expect(account.given(opened, deposited(1_000), allotted(600)).state).toMatchObject({
      balance: 400,
      held: { 'power:H100': 600 },
    });
  });

  it('tops the hold up with each allotment, one hold per market', () => {
    const given = account.given(opened, deposited(1_000), allotted(600), allotted(300), allotted(50, 'A100'));
    expect(given.state).toMatchObject({ balance: 50, held: { 'power:H100': 900, 'power:A100': 50 } });
    given.when(allot(50)).then([allotted(50)]);
  });

  it('refuses what the available balance does not cover, saying what is available', () => {
    expect(account.given(opened, deposited(1_000), allotted(600)).when(allot(401))).toMatchObject({
      kind: 'rejected',
      code: 'INSUFFICIENT_FUNDS',
      field: 'amount',
      available: 400,
    });
    account.given().when(allot(1)).thenRejects('NOT_FOUND', 'accountId');
  });

  it('is released from the hold like any other, and a lease can be paid from it', () => {
    const given = account.given(opened, deposited(1_000), allotted(600), {
      type: 'settlement.HoldReleased',
      data: { accountId: 'acc-1', holdId: 'power:H100', amount: 100 },
    });
    expect(given.state).toMatchObject({ balance: 500, held: { 'power:H100': 500 } });
    expect(
      given.when({
        type: 'settlement.OpenLease',
        data: {
          accountId: 'acc-1',
          leaseId: 't1',
          holdId: 'power:H100',
          providerId: 'prov-1',
          marketId: 'H100',
          nodeId: 'n1',
          gpus: 1,
          price: 400,
          value: 400,
          fee: 10,
          start: '2026-01-01T00:00:00.000Z',
          end: '2026-01-01T01:00:00.000Z',
        },
      }),
    ).toMatchObject({ kind: 'accepted', events: [{ type: 'settlement.LeaseOpened' }] });
  });

  it('is a hold in the ledger: from the available book to the held one', () => {
    const event = allotted(600);
    expect(
      movementOf({
        id: 'e1',
        source: 'settlement',
        subject: 'acc-1',
        time: '2026-01-01T00:00:00.000Z',
        schemaVersion: 1,
        correlationId: 'c',
        causationId: 'c',
        ...event,
      }),
    ).toEqual({
      kind: 'hold',
      reference: 'power:H100',
      postings: [
        { account: 'acc-1', book: 'available', amount: -600 },
        { account: 'acc-1', book: 'held', amount: 600 },
      ],
    });
  });
});
