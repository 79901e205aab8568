import { CARRY_UNIT } from '../rules/balance';
import { initialAccountState } from '../account';
import { shortOfFunds } from './short-of-funds';

describe('a payment short of funds', () => {
  const account = (balance: number) => ({ ...initialAccountState(), open: true, owner: 'Ada', balance });

  it('is INSUFFICIENT_FUNDS on the amount, with what is available as a figure beside the message', () => {
    expect(shortOfFunds('acc-1', account(5_000_000), 43_050_000, 'hold')).toEqual({
      kind: 'rejected',
      code: 'INSUFFICIENT_FUNDS',
      message: 'account acc-1 has 5.000000 available, cannot hold 43.050000',
      field: 'amount',
      available: 5_000_000,
    });
    expect(shortOfFunds('acc-1', account(0), 1, 'withdraw')).toMatchObject({
      message: 'account acc-1 has 0.000000 available, cannot withdraw 0.000001',
      available: 0,
    });
  });

  it('carries the balance exactly, up to the largest a refusal can find (just under the carry unit)', () => {
    expect(shortOfFunds('acc-1', account(CARRY_UNIT - 1), CARRY_UNIT, 'withdraw')).toMatchObject({
      available: Number.MAX_SAFE_INTEGER,
    });
  });
});
