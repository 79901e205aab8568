import { describeErrors } from './errors';

describe('describeErrors', () => {
  it('shows the code, the field and the message', () => {
    expect(
      describeErrors([
        {
          message: 'the bid needs 12.30 and 5.00 is available',
          extensions: { code: 'INSUFFICIENT_FUNDS', field: 'price' },
        },
      ]),
    ).toBe('INSUFFICIENT_FUNDS (price): the bid needs 12.30 and 5.00 is available');
  });

  it('shows an error without a field or code, one a line', () => {
    expect(
      describeErrors([{ message: 'a', extensions: { code: 'UNAUTHENTICATED' } }, { message: 'b' }]),
    ).toBe('UNAUTHENTICATED: a\nERROR: b');
  });

  it('says the request failed when no error came with it', () => {
    expect(describeErrors([])).toBe('the request failed');
  });
});
