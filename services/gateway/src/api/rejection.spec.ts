import type { CommandOutcome } from '@gpux/eventsourcing';
import { rejection } from './rejection';

const outcome = (more: Partial<CommandOutcome>): CommandOutcome => ({
  status: 'rejected',
  commandId: 'cmd-1',
  eventTypes: [],
  position: { topic: 'settlement.events', partition: 0, offset: '7' },
  ...more,
});

describe("a service's rejection, as the API answers it", () => {
  it('carries what was available as a figure of its own, six decimals, whatever the message says', () => {
    const refused = rejection(
      outcome({
        code: 'INSUFFICIENT_FUNDS',
        message: 'not enough money',
        field: 'amount',
        available: 5_250_000,
      }),
      'amount',
    );
    expect({ message: refused.message, extensions: refused.extensions }).toEqual({
      message: 'not enough money',
      extensions: { code: 'INSUFFICIENT_FUNDS', field: 'amount', available: '5.250000' },
    });
    expect(
      rejection(outcome({ code: 'INSUFFICIENT_FUNDS', message: 'm', available: 0 }), 'amount').extensions,
    ).toEqual({
      code: 'INSUFFICIENT_FUNDS',
      field: 'amount',
      available: '0.000000',
    });
  });

  it('states no figure a rejection does not carry (one written before rejections carried it)', () => {
    const refused = rejection(
      outcome({ code: 'INSUFFICIENT_FUNDS', message: 'account a has 5.00 available, cannot withdraw 9.00' }),
      'amount',
    );
    expect(refused.extensions).toEqual({ code: 'INSUFFICIENT_FUNDS', field: 'amount' });
  });

  it('keeps where an unprocessable command was dead-lettered, and names the field the caller gave', () => {
    expect(
      rejection(outcome({ code: 'UNPROCESSABLE', message: 'dead-lettered', deadLetter: 'c:0:7' }), undefined)
        .extensions,
    ).toEqual({ code: 'UNPROCESSABLE', deadLetter: 'c:0:7' });
    expect(rejection(outcome({ message: 'x', field: 'amount' }), 'input.amount').extensions).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'input.amount',
    });
  });
});
