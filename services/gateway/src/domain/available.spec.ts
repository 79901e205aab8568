import { apiError } from '../api/errors';
import { availableInMessage, availableOf } from './available';

describe('availableOf', () => {
  it('reads the figure the rejection carries, whatever its message says', () => {
    const refused = (message: string, available: string) =>
      apiError('INSUFFICIENT_FUNDS', message, 'amount', { available });
    expect(availableOf(refused('not enough money', '5.000000'))).toBe(5_000_000);
    expect(availableOf(refused('insufficient funds: 1.00 available', '0.000000'))).toBe(0);
    // The figure wins where a message still says one.
    expect(availableOf(refused('account a has 7.00 available, cannot hold 43.05', '5.250000'))).toBe(
      5_250_000,
    );
  });

  it('reads a rejection recorded before rejections carried the figure from its message, in the words of then', () => {
    expect(
      availableOf(
        apiError('INSUFFICIENT_FUNDS', 'account a has 5.00 available, cannot hold 43.05', 'amount'),
      ),
    ).toBe(5_000_000);
    expect(availableOf(apiError('INSUFFICIENT_FUNDS', 'account a cannot hold it', 'amount'))).toBeUndefined();
  });
});

describe('availableInMessage', () => {
  it("reads the available balance from settlement's refusal as it was worded, in micro-USD", () => {
    expect(availableInMessage('account a has 5.00 available, cannot hold 43.05')).toBe(5_000_000);
    expect(availableInMessage('account a has 0.123456 available, cannot hold 1.00')).toBe(123_456);
    expect(availableInMessage('account a has 12.5 available, cannot withdraw 99.00')).toBe(12_500_000);
    expect(availableInMessage('account a cannot hold it')).toBeUndefined();
  });
});
