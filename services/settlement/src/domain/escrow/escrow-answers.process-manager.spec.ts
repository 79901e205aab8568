import type { Envelope } from '@gpux/contracts';
import { escrowAnswers } from './escrow-answers.process-manager';
import { sampleBid as bid } from './escrow.fixture';

const event = (type: string, data: unknown): Envelope => ({
  id: 'e1',
  type,
  source: 'settlement',
  subject: 'buyer-1',
  time: '2026-01-01T00:00:00.000Z',
  schemaVersion: 1,
  correlationId: 'c',
  causationId: 'c',
  data,
});

describe('escrow answers process manager', () => {
  it('places a bid its hold carries, funded with what was held', () => {
    const held = event('settlement.FundsHeld', {
      accountId: 'buyer-1',
      holdId: 'b1',
      amount: 43_050_000,
      marketId: 'H100',
      order: bid,
    });
    expect(escrowAnswers.react(held)).toEqual([
      { type: 'orders.PlaceOrder', subject: 'H100', data: { ...bid, heldAmount: 43_050_000 } },
    ]);
  });

  it('grants the market the buying power set aside for it, in the same transaction', () => {
    const allotted = event('settlement.BuyingPowerAllotted', {
      accountId: 'buyer-1',
      marketId: 'H100',
      amount: 9_000_000,
      holdId: 'power:H100',
    });
    expect(escrowAnswers.react(allotted)).toEqual([
      {
        type: 'orders.GrantBuyingPower',
        subject: 'H100',
        data: { marketId: 'H100', accountId: 'buyer-1', amount: 9_000_000 },
      },
    ]);
  });

  it('answers nothing to a refused hold that carried its bid: no order exists, its placer is told', () => {
    const rejected = {
      commandType: 'settlement.HoldFunds',
      code: 'INSUFFICIENT_FUNDS',
      message: 'no',
      field: 'amount',
      command: { accountId: 'buyer-1', holdId: 'b1', amount: 5, marketId: 'H100', order: bid },
    };
    expect(escrowAnswers.react(event('settlement.CommandRejected', rejected))).toEqual([]);
  });

  it('lets a bid trade once its funds are held', () => {
    expect(
      escrowAnswers.react(
        event('settlement.FundsHeld', { accountId: 'buyer-1', holdId: 'b1', amount: 5, marketId: 'H100' }),
      ),
    ).toEqual([
      { type: 'orders.ConfirmBidFunds', subject: 'H100', data: { marketId: 'H100', orderId: 'b1' } },
    ]);
  });

  it('cancels the bid when settlement refuses the hold', () => {
    const rejected = {
      commandType: 'settlement.HoldFunds',
      code: 'INSUFFICIENT_FUNDS',
      message: 'no',
      field: 'amount',
      command: { accountId: 'buyer-1', holdId: 'b1', amount: 5, marketId: 'H100' },
    };
    expect(escrowAnswers.react(event('settlement.CommandRejected', rejected))).toEqual([
      { type: 'orders.RejectBidFunds', subject: 'H100', data: { marketId: 'H100', orderId: 'b1' } },
    ]);
  });

  it('ignores a refused hold that names no order of a market', () => {
    const refused = (command?: Record<string, unknown>) =>
      event('settlement.CommandRejected', {
        commandType: 'settlement.HoldFunds',
        code: 'INSUFFICIENT_FUNDS',
        message: 'no',
        ...(command ? { command } : {}),
      });
    expect(escrowAnswers.react(refused({ accountId: 'buyer-1', holdId: 'h1', amount: 5 }))).toEqual([]);
    expect(
      escrowAnswers.react(refused({ accountId: 'buyer-1', holdId: '', amount: 5, marketId: 'H100' })),
    ).toEqual([]);
    expect(escrowAnswers.react(refused())).toEqual([]);
  });

  it('ignores holds that are not for orders and other rejections', () => {
    expect(
      escrowAnswers.react(event('settlement.FundsHeld', { accountId: 'a', holdId: 'h', amount: 5 })),
    ).toEqual([]);
    expect(
      escrowAnswers.react(
        event('settlement.CommandRejected', {
          commandType: 'settlement.Withdraw',
          code: 'INSUFFICIENT_FUNDS',
          message: 'no',
        }),
      ),
    ).toEqual([]);
  });
});
