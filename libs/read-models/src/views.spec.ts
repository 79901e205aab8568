import { challengeView } from './capacity.queries';
import { fundedBidRefusalView, ordersMarketView } from './orders.queries';
import { apiKeyViews, ledgerEntryView } from './settlement.queries';

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
      closedAt: '2026-02-01T00:00:00.000Z',
    };
    expect(ordersMarketView('h100', h)).toEqual({
      marketId: 'h100',
      gpuClass: 'H100-80GB',
      minTflopsPerGpu: 50,
      tickSize: 10_000,
      feeRateBps: 100,
      status: 'CLOSED',
      openedAt: '2026-01-01T00:00:00.000Z',
      closedAt: '2026-02-01T00:00:00.000Z',
    });
    // An open market has no closing time.
    const { closedAt: _closed, ...open } = h;
    expect(ordersMarketView('h100', { ...open, status: 'OPEN' })).not.toHaveProperty('closedAt');
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

  it("lists an account's keys oldest first, each at its issue time, revoked ones among them", () => {
    const T1 = Date.parse('2026-06-01T12:00:01.000Z');
    const keys = {
      k3: JSON.stringify({ roles: ['buyer'], revoked: false, issuedAt: '2026-06-01T12:00:02.000Z' }),
      k1: JSON.stringify({ roles: ['provider'], revoked: true, revokedAt: '2026-06-01T12:00:05.000Z' }),
      k2: JSON.stringify({
        roles: ['buyer', 'provider'],
        revoked: false,
        issuedAt: '2026-06-01T12:00:01.000Z',
      }),
    };
    // ZRANGE WITHSCORES: by score, then keyId.
    const issued = ['k1', String(T1), 'k2', String(T1), 'k3', String(T1 + 1_000)];
    expect(apiKeyViews(keys, issued)).toEqual([
      { keyId: 'k1', roles: ['provider'], revoked: true, createdAt: '2026-06-01T12:00:01.000Z' },
      { keyId: 'k2', roles: ['buyer', 'provider'], revoked: false, createdAt: '2026-06-01T12:00:01.000Z' },
      { keyId: 'k3', roles: ['buyer'], revoked: false, createdAt: '2026-06-01T12:00:02.000Z' },
    ]);
    // A key the set lists that the hash does not (none should): left out.
    expect(apiKeyViews({}, issued)).toEqual([]);
  });

  it('reads the keys of a model folded before keys were listed by issue time: their issuedAt, else none', () => {
    const keys = {
      k3: JSON.stringify({ roles: ['buyer'], revoked: false, issuedAt: '2026-06-01T12:00:03.000Z' }),
      k1: JSON.stringify({ roles: ['buyer'], revoked: false, issuedAt: '2026-06-01T12:00:01.000Z' }),
      k0: JSON.stringify({ roles: ['buyer'], revoked: true, revokedAt: '2026-06-01T12:00:04.000Z' }),
    };
    const issued = ['k2', String(Date.parse('2026-06-01T12:00:02.000Z'))];
    expect(
      apiKeyViews(
        { ...keys, k2: JSON.stringify({ roles: ['buyer'], revoked: false, issuedAt: 'x' }) },
        issued,
      ).map((k) => [k.keyId, k.createdAt]),
    ).toEqual([
      ['k1', '2026-06-01T12:00:01.000Z'],
      ['k2', '2026-06-01T12:00:02.000Z'],
      ['k3', '2026-06-01T12:00:03.000Z'],
      ['k0', null],
    ]);
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
