import { pricingReadModel as K } from '@gpux/contracts';
import { applyOps, Model } from '@gpux/eventsourcing/domain';
import { accepted, cancelled, marketClosed } from '../pricing.projection.fixture';
import { depthProjection } from './depth.projection';

describe('book depth projection', () => {
  const projection = depthProjection('orders.events');
  const fold = (...events: Parameters<typeof projection.apply>[0][]) => {
    const model: Model = new Map();
    for (const e of events) applyOps(model, projection.apply(e));
    return model;
  };
  const level = (model: Model, side: 'bid' | 'ask', price: number) =>
    (model.get(K.bookLevels('m', side)) as Map<string, string> | undefined)?.get(String(price));

  it('adds an order at its limit price on its side, and indexes the price', () => {
    const model = fold(
      accepted({ marketId: 'm', orderId: 'b1', side: 'bid', price: 100, gpus: 2 }, '2026-01-01T00:00:00Z'),
      accepted({ marketId: 'm', orderId: 'b2', side: 'bid', price: 100, gpus: 3 }, '2026-01-01T00:00:01Z'),
      accepted({ marketId: 'm', orderId: 'a1', side: 'ask', price: 120, gpus: 1 }, '2026-01-01T00:00:02Z'),
    );
    expect(level(model, 'bid', 100)).toBe('5');
    expect(level(model, 'ask', 120)).toBe('1');
    expect(model.get(K.bookPrices('m', 'bid'))).toEqual(new Map([['100', '100']]));
  });

  it('takes out the GPUs a cancel says leave the book, none for a bid that never entered it', () => {
    const model = fold(
      accepted({ marketId: 'm', orderId: 'b1', side: 'bid', price: 100, gpus: 5 }, '2026-01-01T00:00:00Z'),
      cancelled(
        { marketId: 'm', orderId: 'b1', side: 'bid', price: 100, gpus: 2, reason: 'CANCELLED' },
        '2026-01-01T00:00:01Z',
      ),
      cancelled(
        {
          marketId: 'm',
          orderId: 'b9',
          side: 'bid',
          price: 100,
          gpus: 7,
          reason: 'CANCELLED',
          holdReleased: 0,
          bookGpus: 0,
        },
        '2026-01-01T00:00:02Z',
      ),
      // A late hold of a bid cancelled while awaiting funds is released: still never in the book.
      cancelled(
        {
          marketId: 'm',
          orderId: 'b9',
          side: 'bid',
          price: 100,
          gpus: 7,
          reason: 'CANCELLED',
          holdReleased: 700,
          bookGpus: 0,
        },
        '2026-01-01T00:00:02Z',
      ),
      cancelled(
        {
          marketId: 'm',
          orderId: 'b8',
          side: 'bid',
          price: 100,
          gpus: 7,
          reason: 'FUNDS_REJECTED',
          holdReleased: 0,
        },
        '2026-01-01T00:00:03Z',
      ),
    );
    expect(level(model, 'bid', 100)).toBe('3');
  });

  it('takes a level out of the price index once it is empty, and back in when an order rests there again', () => {
    const prices = (model: Model) =>
      [...((model.get(K.bookPrices('m', 'ask')) as Map<string, string>) ?? [])].sort();
    // IOC asks below the best, each accepted and its remainder cancelled: no level may linger.
    const events = [
      accepted({ marketId: 'm', orderId: 'a0', side: 'ask', price: 150, gpus: 1 }, '2026-01-01T00:00:00Z'),
    ];
    for (let p = 101; p <= 140; p++)
      events.push(
        accepted(
          { marketId: 'm', orderId: `ioc${p}`, side: 'ask', price: p, gpus: 2 },
          '2026-01-01T00:00:01Z',
        ),
        cancelled(
          { marketId: 'm', orderId: `ioc${p}`, side: 'ask', price: p, gpus: 2, reason: 'IOC_REMAINDER' },
          '2026-01-01T00:00:01Z',
        ),
      );
    const model = fold(...events);
    expect(prices(model)).toEqual([['150', '150']]);
    expect(level(model, 'ask', 120)).toBe('0');
    // A level partly taken stays; one an order rests at again is back.
    const again = fold(
      ...events,
      accepted({ marketId: 'm', orderId: 'a2', side: 'ask', price: 120, gpus: 3 }, '2026-01-01T00:00:02Z'),
      cancelled(
        { marketId: 'm', orderId: 'a2', side: 'ask', price: 120, gpus: 1, reason: 'CANCELLED' },
        '2026-01-01T00:00:03Z',
      ),
    );
    expect(prices(again)).toEqual([
      ['120', '120'],
      ['150', '150'],
    ]);
    expect(level(again, 'ask', 120)).toBe('2');
  });

  it('empties the book when a market closes (every resting order is cancelled)', () => {
    const model = fold(
      accepted({ marketId: 'm', orderId: 'b1', side: 'bid', price: 100, gpus: 5 }, '2026-01-01T00:00:00Z'),
      accepted({ marketId: 'm', orderId: 'a1', side: 'ask', price: 130, gpus: 4 }, '2026-01-01T00:00:01Z'),
      marketClosed('m', '2026-01-01T00:00:02Z'),
      cancelled(
        { marketId: 'm', orderId: 'b1', side: 'bid', price: 100, gpus: 5, reason: 'MARKET_CLOSED' },
        '2026-01-01T00:00:02Z',
      ),
      cancelled(
        { marketId: 'm', orderId: 'a1', side: 'ask', price: 130, gpus: 4, reason: 'MARKET_CLOSED' },
        '2026-01-01T00:00:02Z',
      ),
    );
    expect([level(model, 'bid', 100), level(model, 'ask', 130)]).toEqual(['0', '0']);
  });
});
