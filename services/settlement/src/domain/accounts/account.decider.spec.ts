import { scenario } from '@gpux/eventsourcing/domain';
import { AccountCommand, AccountEvent, accountDecider } from './account.decider';
import { availableBalance } from './rules/balance';

const opened: AccountEvent = { type: 'settlement.AccountOpened', data: { accountId: 'acc-1', owner: 'Ada' } };
const deposited = (amount: number): AccountEvent => ({
  type: 'settlement.FundsDeposited',
  data: { accountId: 'acc-1', amount, reference: null },
});
const withdrawn = (amount: number): AccountEvent => ({
  type: 'settlement.FundsWithdrawn',
  data: { accountId: 'acc-1', amount, reference: null },
});

const account = scenario(accountDecider);

describe('account decider', () => {
  describe('OpenAccount', () => {
    it('opens a new account', () => {
      expect(
        account.given().when({ type: 'settlement.OpenAccount', data: { accountId: 'acc-1', owner: 'Ada' } }),
      ).toEqual({
        kind: 'accepted',
        events: [opened],
      });
    });

    it("refuses to open the platform's account, or to issue it a key: the first fee opens it", () => {
      const commands: AccountCommand[] = [
        { type: 'settlement.OpenAccount', data: { accountId: 'platform', owner: 'Mallory' } },
        {
          type: 'settlement.IssueApiKey',
          data: { accountId: 'platform', keyId: 'k1', keyHash: 'a'.repeat(64), roles: ['buyer'] },
        },
      ];
      for (const command of commands)
        expect(account.given().when(command)).toMatchObject({
          kind: 'rejected',
          code: 'FORBIDDEN',
          field: 'accountId',
        });
    });

    it('rejects opening it twice', () => {
      expect(
        account
          .given(opened)
          .when({ type: 'settlement.OpenAccount', data: { accountId: 'acc-1', owner: 'Eve' } }),
      ).toMatchObject({
        kind: 'rejected',
        code: 'ALREADY_EXISTS',
        field: 'accountId',
      });
    });
  });

  describe('Deposit', () => {
    it('credits an open account, keeping the reference', () => {
      expect(
        account.given(opened).when({
          type: 'settlement.Deposit',
          data: { accountId: 'acc-1', amount: 5_000_000, reference: 'wire-7' },
        }),
      ).toEqual({
        kind: 'accepted',
        events: [
          {
            type: 'settlement.FundsDeposited',
            data: { accountId: 'acc-1', amount: 5_000_000, reference: 'wire-7' },
          },
        ],
      });
    });

    it('rejects a deposit to an account that does not exist', () => {
      expect(
        account.given().when({ type: 'settlement.Deposit', data: { accountId: 'acc-1', amount: 1 } }),
      ).toMatchObject({ kind: 'rejected', code: 'NOT_FOUND' });
    });

    it('rejects a deposit that would overflow the balance', () => {
      expect(
        account
          .given(opened, deposited(Number.MAX_SAFE_INTEGER - 1))
          .when({ type: 'settlement.Deposit', data: { accountId: 'acc-1', amount: 2 } }),
      ).toMatchObject({
        kind: 'rejected',
        code: 'BAD_USER_INPUT',
        field: 'amount',
      });
    });
  });

  it('rejects a deposit that would overflow the balance once what the account holds comes back to it', () => {
    const held: AccountEvent = {
      type: 'settlement.FundsHeld',
      data: { accountId: 'acc-1', holdId: 'bid-1', amount: 5e15 },
    };
    const given = account.given(opened, deposited(9e15), held);
    expect(given.state.balance).toBe(4e15);
    expect(
      given.when({ type: 'settlement.Deposit', data: { accountId: 'acc-1', amount: 5e15 } }),
    ).toMatchObject({ kind: 'rejected', code: 'BAD_USER_INPUT', field: 'amount' });
  });

  describe('Withdraw', () => {
    it('debits what the balance covers, down to exactly zero', () => {
      const given = account.given(opened, deposited(700), withdrawn(200));
      expect(given.state.balance).toBe(500);
      expect(given.when({ type: 'settlement.Withdraw', data: { accountId: 'acc-1', amount: 500 } })).toEqual({
        kind: 'accepted',
        events: [withdrawn(500)],
      });
    });

    it('rejects a withdrawal that would go negative with INSUFFICIENT_FUNDS on the amount', () => {
      expect(
        account
          .given(opened, deposited(700))
          .when({ type: 'settlement.Withdraw', data: { accountId: 'acc-1', amount: 701 } }),
      ).toEqual({
        kind: 'rejected',
        code: 'INSUFFICIENT_FUNDS',
        message: 'account acc-1 has 0.000700 available, cannot withdraw 0.000701',
        field: 'amount',
        available: 700,
      });
    });

    it('rejects a withdrawal from an account that does not exist', () => {
      expect(
        account.given().when({ type: 'settlement.Withdraw', data: { accountId: 'acc-1', amount: 1 } }),
      ).toMatchObject({ kind: 'rejected', code: 'NOT_FOUND' });
    });
  });

  it('folds balances exactly in integer minor units', () => {
    const events = [opened, ...Array.from({ length: 1000 }, (_, i) => deposited(i + 1)), withdrawn(499_500)];
    expect(account.given(...events).state).toMatchObject({
      open: true,
      owner: 'Ada',
      balance: (1000 * 1001) / 2 - 499_500,
      held: {},
    });
  });

  describe('escrow holds', () => {
    const held = (holdId: string, amount: number): AccountEvent => ({
      type: 'settlement.FundsHeld',
      data: { accountId: 'acc-1', holdId, amount, marketId: 'H100' },
    });
    const released = (holdId: string, amount: number): AccountEvent => ({
      type: 'settlement.HoldReleased',
      data: { accountId: 'acc-1', holdId, amount },
    });

    it('sets part of the balance aside for an order', () => {
      const given = account.given(opened, deposited(1_000));
      expect(
        given.when({
          type: 'settlement.HoldFunds',
          data: { accountId: 'acc-1', holdId: 'b1', amount: 600, marketId: 'H100' },
        }),
      ).toEqual({ kind: 'accepted', events: [held('b1', 600)] });
      expect(account.given(opened, deposited(1_000), held('b1', 600)).state).toMatchObject({
        balance: 400,
        held: { b1: 600 },
      });
    });

    it('holds for a bid it carries, and records the bid with the hold', () => {
      const order = {
        marketId: 'H100',
        orderId: 'b1',
        side: 'bid' as const,
        accountId: 'acc-1',
        price: 10,
        gpus: 3,
        hours: 20,
        timeInForce: 'GTC' as const,
      };
      const data = { accountId: 'acc-1', holdId: 'b1', amount: 600, marketId: 'H100', order };
      expect(account.given(opened, deposited(1_000)).when({ type: 'settlement.HoldFunds', data })).toEqual({
        kind: 'accepted',
        events: [{ type: 'settlement.FundsHeld', data }],
      });
      // The same checks as any hold: short of funds, the bid is refused with the hold.
      expect(
        account.given(opened, deposited(599)).when({ type: 'settlement.HoldFunds', data }),
      ).toMatchObject({ kind: 'rejected', code: 'INSUFFICIENT_FUNDS', field: 'amount' });
      // A bid of another account, id or market is not this hold's: what orders releases for it
      // would go elsewhere.
      for (const other of [{ accountId: 'acc-2' }, { orderId: 'b2' }, { marketId: 'A100' }])
        expect(
          account
            .given(opened, deposited(1_000))
            .when({ type: 'settlement.HoldFunds', data: { ...data, order: { ...order, ...other } } }),
        ).toMatchObject({ kind: 'rejected', code: 'BAD_USER_INPUT', field: 'order' });
    });

    it('refuses a hold the available balance cannot cover, with INSUFFICIENT_FUNDS on the amount', () => {
      expect(
        account
          .given(opened, deposited(1_000), held('b1', 600))
          .when({ type: 'settlement.HoldFunds', data: { accountId: 'acc-1', holdId: 'b2', amount: 401 } }),
      ).toMatchObject({
        kind: 'rejected',
        code: 'INSUFFICIENT_FUNDS',
        field: 'amount',
        // What the other hold leaves available.
        available: 400,
      });
    });

    it('refuses a second hold with the same id, and withdrawals of held money', () => {
      const given = account.given(opened, deposited(1_000), held('b1', 600));
      expect(
        given.when({ type: 'settlement.HoldFunds', data: { accountId: 'acc-1', holdId: 'b1', amount: 1 } }),
      ).toMatchObject({ code: 'ALREADY_EXISTS', field: 'holdId' });
      expect(
        given.when({ type: 'settlement.Withdraw', data: { accountId: 'acc-1', amount: 401 } }),
      ).toMatchObject({ code: 'INSUFFICIENT_FUNDS' });
    });

    it('releases a hold in parts, back to the available balance, never more than it holds', () => {
      const given = account.given(opened, deposited(1_000), held('b1', 600), released('b1', 250));
      expect(given.state).toMatchObject({ balance: 650, held: { b1: 350 } });
      expect(
        given.when({
          type: 'settlement.ReleaseHold',
          data: { accountId: 'acc-1', holdId: 'b1', amount: 351 },
        }),
      ).toMatchObject({ code: 'BAD_USER_INPUT', field: 'amount' });
      expect(
        account.given(opened, deposited(1_000), held('b1', 600), released('b1', 600)).state,
      ).toMatchObject({ balance: 1_000, held: {} });
      expect(
        given.when({
          type: 'settlement.ReleaseHold',
          data: { accountId: 'acc-1', holdId: 'nope', amount: 1 },
        }),
      ).toMatchObject({ code: 'NOT_FOUND', field: 'holdId' });
    });
  });
});

describe('account decider: API keys', () => {
  const digest = (c: string) => c.repeat(64);
  const issue = (keyId: string, keyHash = digest('a'), roles: Array<'buyer' | 'provider'> = ['buyer']) => ({
    type: 'settlement.IssueApiKey' as const,
    data: { accountId: 'acc-1', keyId, keyHash, roles },
  });
  const revoke = (keyId: string) => ({
    type: 'settlement.RevokeApiKey' as const,
    data: { accountId: 'acc-1', keyId },
  });
  const issued = (
    keyId: string,
    keyHash = digest('a'),
    roles: Array<'buyer' | 'provider'> = ['buyer'],
  ): AccountEvent => ({
    type: 'settlement.ApiKeyIssued',
    data: { accountId: 'acc-1', keyId, keyHash, roles },
  });
  const revoked = (keyId: string, keyHash = digest('a')): AccountEvent => ({
    type: 'settlement.ApiKeyRevoked',
    data: { accountId: 'acc-1', keyId, keyHash, roles: ['buyer'] },
  });

  it('issues a key to an open account, recording only its digest', () => {
    expect(account.given(opened).when(issue('k1', digest('a'), ['buyer', 'provider']))).toEqual({
      kind: 'accepted',
      events: [issued('k1', digest('a'), ['buyer', 'provider'])],
    });
    expect(account.given(opened, issued('k1')).state.apiKeys).toEqual({
      k1: { keyHash: digest('a'), roles: ['buyer'], revoked: false },
    });
  });

  it('knows no key by an id that only Object.prototype has (constructor, toString…)', () => {
    for (const keyId of ['constructor', 'toString', 'valueOf', 'hasOwnProperty']) {
      expect(account.given(opened, issued('k1')).when(revoke(keyId))).toMatchObject({
        kind: 'rejected',
        code: 'NOT_FOUND',
        field: 'keyId',
      });
      expect(account.given(opened, issued('k1')).when(issue(keyId))).toMatchObject({
        kind: 'accepted',
        events: [issued(keyId)],
      });
    }
  });

  it('refuses a key for an account that does not exist', () => {
    expect(account.given().when(issue('k1'))).toMatchObject({
      kind: 'rejected',
      code: 'NOT_FOUND',
      field: 'accountId',
    });
  });

  it('issues a key id once, even after it was revoked', () => {
    expect(account.given(opened, issued('k1')).when(issue('k1', digest('b')))).toMatchObject({
      kind: 'rejected',
      code: 'ALREADY_EXISTS',
      field: 'keyId',
    });
    expect(account.given(opened, issued('k1'), revoked('k1')).when(issue('k1', digest('b')))).toMatchObject({
      kind: 'rejected',
      code: 'ALREADY_EXISTS',
      field: 'keyId',
    });
    expect(account.given(opened, issued('k1')).when(issue('k2', digest('b')))).toEqual({
      kind: 'accepted',
      events: [issued('k2', digest('b'))],
    });
  });

  it('revokes a valid key, naming its digest so the read model can forget it', () => {
    const given = account.given(opened, issued('k1', digest('a')), issued('k2', digest('b')));
    expect(given.when(revoke('k2'))).toEqual({ kind: 'accepted', events: [revoked('k2', digest('b'))] });
    expect(
      account.given(opened, issued('k1', digest('a')), issued('k2', digest('b')), revoked('k2', digest('b')))
        .state.apiKeys,
    ).toEqual({
      k1: { keyHash: digest('a'), roles: ['buyer'], revoked: false },
      k2: { keyHash: digest('b'), roles: ['buyer'], revoked: true },
    });
  });

  it('revokes only a valid key: not an unknown one, not one already revoked', () => {
    expect(account.given(opened, issued('k1')).when(revoke('nope'))).toMatchObject({
      kind: 'rejected',
      code: 'NOT_FOUND',
      field: 'keyId',
    });
    expect(account.given(opened, issued('k1'), revoked('k1')).when(revoke('k1'))).toMatchObject({
      kind: 'rejected',
      code: 'NOT_FOUND',
      field: 'keyId',
    });
    expect(account.given().when(revoke('k1'))).toMatchObject({ kind: 'rejected', code: 'NOT_FOUND' });
  });

  it('moves no money', () => {
    expect(account.given(opened, deposited(500), issued('k1'), revoked('k1')).state).toMatchObject({
      balance: 500,
      held: {},
    });
  });
});

describe('account decider: earnings, once per lease charge', () => {
  const credit = (amount: number, through: number) => ({
    accountId: 'prov',
    amount,
    leaseId: 't1',
    kind: 'lease' as const,
    through,
  });
  const credited = (amount: number, through: number): AccountEvent => ({
    type: 'settlement.EarningsCredited',
    data: credit(amount, through),
  });
  const creditEarnings = (amount: number, through: number) => ({
    type: 'settlement.CreditEarnings' as const,
    data: credit(amount, through),
  });

  it('credits a lease charge', () => {
    expect(account.given(credited(600, 600)).when(creditEarnings(400, 1_000))).toEqual({
      kind: 'accepted',
      events: [credited(400, 1_000)],
    });
  });

  it('does nothing for a charge already credited (a replay): accepted, with no events', () => {
    const given = account.given(credited(600, 600), credited(400, 1_000));
    expect(given.when(creditEarnings(600, 600))).toEqual({ kind: 'accepted', events: [] });
    expect(given.when(creditEarnings(400, 1_000))).toEqual({ kind: 'accepted', events: [] });
    expect(given.state.balance).toBe(1_000);
  });
});

describe('account decider: a balance past the largest safe integer stays exact', () => {
  const MAX = Number.MAX_SAFE_INTEGER;
  const earned = (amount: number, leaseId: string): AccountEvent => ({
    type: 'settlement.EarningsCredited',
    data: { accountId: 'acc-1', amount, leaseId, kind: 'lease', through: amount },
  });
  const withdraw = (amount: number) => ({
    type: 'settlement.Withdraw' as const,
    data: { accountId: 'acc-1', amount },
  });
  // The maximum deposited, then two leases' earnings of 4e15: 17,007,199,254,740,991 µ$, which a
  // number rounds to …992 (a withdrawal of …991 and then of 8e15 + 1 overdrew the account by 1 µ$).
  const rich = () => account.given(opened, deposited(MAX), earned(4e15, 't1'), earned(4e15, 't2'));

  it('withdraws every last micro-dollar of it, and not one more', () => {
    const given = rich();
    expect(given.when(withdraw(MAX))).toMatchObject({ kind: 'accepted' });
    const after = account.given(
      opened,
      deposited(MAX),
      earned(4e15, 't1'),
      earned(4e15, 't2'),
      withdrawn(MAX),
    );
    expect(after.when(withdraw(8e15 + 1))).toMatchObject({
      kind: 'rejected',
      code: 'INSUFFICIENT_FUNDS',
      message: 'account acc-1 has 8000000000.000000 available, cannot withdraw 8000000000.000001',
      field: 'amount',
    });
    const emptied = account.given(
      opened,
      deposited(MAX),
      earned(4e15, 't1'),
      earned(4e15, 't2'),
      withdrawn(MAX),
      withdrawn(8e15),
    );
    expect(emptied.state).toMatchObject({ balance: 0 });
    expect(emptied.state.balanceCarry).toBeUndefined();
    expect(emptied.when(withdraw(1))).toMatchObject({ kind: 'rejected', code: 'INSUFFICIENT_FUNDS' });
  });

  it('holds from it, credits back to it, and takes no deposit past the largest safe integer', () => {
    const given = rich();
    expect(
      given.when({ type: 'settlement.HoldFunds', data: { accountId: 'acc-1', holdId: 'b1', amount: MAX } }),
    ).toMatchObject({ kind: 'accepted' });
    expect(given.when({ type: 'settlement.Deposit', data: { accountId: 'acc-1', amount: 1 } })).toMatchObject(
      {
        kind: 'rejected',
        code: 'BAD_USER_INPUT',
        field: 'amount',
      },
    );
    const held: AccountEvent = {
      type: 'settlement.FundsHeld',
      data: { accountId: 'acc-1', holdId: 'b1', amount: MAX },
    };
    const released: AccountEvent = {
      type: 'settlement.HoldReleased',
      data: { accountId: 'acc-1', holdId: 'b1', amount: MAX },
    };
    const round = account.given(opened, deposited(MAX), earned(4e15, 't1'), earned(4e15, 't2'), held);
    expect(round.state).toMatchObject({ balance: 8e15 });
    expect(round.state.balanceCarry).toBeUndefined();
    const back = account.given(
      opened,
      deposited(MAX),
      earned(4e15, 't1'),
      earned(4e15, 't2'),
      held,
      released,
    );
    expect(availableBalance(back.state)).toBe(17_007_199_254_740_991n);
    expect(back.state).toEqual(rich().state);
  });
});
