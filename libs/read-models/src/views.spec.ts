import { challengeView } from './capacity.queries';
import { fundedBidRefusalView, ordersMarketView } from './orders.queries';
import { ledgerEntryView } from './settlement.queries';

// The hash → view readings the projections' specs do not reach (those read the reference model
// their projection wrote: services/*/src/domain/**/*.projection.spec.ts).

describe('read-model views', () => {
  it("reads orders' market hash, in minor units", () => {
    const h = {
      gpuClass: 'H100-80GB',
      minTflopsPerGpu: '50',
      tickSize: '10000',
      feeRateBps: '100',
      status: 'CLOSED',
      openedAt: '2026-01-01T00:00:00.000Z',
    };
    expect(ordersMarketView('h100', h)).toEqual({
      marketId: 'h100',
      gpuClass: 'H100-80GB',
      minTflopsPerGpu: 50,
      tickSize: 10_000,
      feeRateBps: 100,
      status: 'CLOSED',
      openedAt: '2026-01-01T00:00:00.000Z',
    });
    expect(ordersMarketView('h100', {})).toBeNull();
  });

  it("reads a funded bid's refusal, its field only where it has one", () => {
    const h = {
      orderId: 'b1',
      accountId: 'buyer-1',
      code: 'MARKET_CLOSED',
      message: 'market H100 is closed',
      field: 'marketId',
      heldAmount: '41000000',
      time: '2026-06-01T12:00:00.000Z',
    };
    expect(fundedBidRefusalView(h)).toEqual({
      orderId: 'b1',
      code: 'MARKET_CLOSED',
      message: 'market H100 is closed',
      field: 'marketId',
    });
    const { field: _none, ...withoutField } = h;
    expect(fundedBidRefusalView(withoutField)).toEqual({
      orderId: 'b1',
      code: 'MARKET_CLOSED',
      message: 'market H100 is closed',
    });
    expect(fundedBidRefusalView({})).toBeNull();
  });

  it('reads a challenge in flight, with its open request once committed', () => {
    expect(challengeView({})).toBeNull();
    expect(challengeView({ id: 'c1', purpose: 'spot', challenge: '{"n":16}' })).toEqual({
      id: 'c1',
      purpose: 'spot',
      challenge: { n: 16 },
    });
    expect(challengeView({ id: 'c1', purpose: 'spot', challenge: '{}', delivered: '1' })).toEqual({
      id: 'c1',
      purpose: 'spot',
      challenge: {},
      delivered: true,
    });
    expect(challengeView({ id: 'c1', purpose: 'spot', challenge: '{}', request: '{"rows":[1]}' })).toEqual({
      id: 'c1',
      purpose: 'spot',
      challenge: {},
      request: { rows: [1] },
    });
  });

  it('reads a ledger entry, held and escrow zero where they did not move', () => {
    const raw = JSON.stringify({
      eventId: 'e1',
      kind: 'hold',
      amount: -5,
      held: 5,
      reference: 'b1',
      time: 't',
    });
    expect(ledgerEntryView(raw)).toEqual({
      eventId: 'e1',
      kind: 'hold',
      amount: -5,
      held: 5,
      escrow: 0,
      reference: 'b1',
      time: 't',
    });
  });
});
