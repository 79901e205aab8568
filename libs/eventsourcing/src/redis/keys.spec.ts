import fc from 'fast-check';
import {
  capacityReadModel,
  nodeHeartbeatKey,
  ordersReadModel,
  pricingReadModel,
  settlementReadModel,
} from '@gpux/contracts';
import { outcomeEventsKey, outcomeKey } from '../domain/outcomes.projection';
import { generationKeys, projectionKeys, reservationKey, validateProjection } from './keys';

type KeyFamily = { name: string; arity: number; key: (...args: string[]) => string };

/** Every key and channel family of every read model, taken from the contracts themselves. */
function familiesOf(model: object, path: string): KeyFamily[] {
  return Object.entries(model).flatMap(([name, value]): KeyFamily[] => {
    const at = `${path}.${name}`;
    if (typeof value === 'function')
      return [{ name: at, arity: value.length, key: value as (...args: string[]) => string }];
    if (typeof value === 'object' && value !== null) return familiesOf(value, at);
    // name, prefix and the *Prefix entries are not keys; everything else that is a string is one.
    if (typeof value === 'string' && name !== 'name' && name !== 'prefix' && !name.endsWith('Prefix'))
      return [{ name: at, arity: 0, key: () => value }];
    return [];
  });
}

const families: KeyFamily[] = [
  ...familiesOf(capacityReadModel, 'capacity'),
  ...familiesOf(ordersReadModel, 'orders'),
  ...familiesOf(pricingReadModel, 'pricing'),
  ...familiesOf(settlementReadModel, 'settlement'),
  { name: 'nodeHeartbeatKey', arity: 1, key: nodeHeartbeatKey },
  ...(['orders', 'capacity', 'settlement'] as const).flatMap((service) => [
    { name: `${service}.outcome`, arity: 1, key: (k: string) => outcomeKey(service, k) },
    { name: `${service}.outcomeEvents`, arity: 1, key: (k: string) => outcomeEventsKey(service, k) },
  ]),
  ...(
    [
      'checkpoint',
      'epoch',
      'rebuildLock',
      'applied',
      'rebuilding',
      'rebuildRequest',
      'buildLock',
      'building',
    ] as const
  ).map((k) => ({
    name: `projection.${k}`,
    arity: 1,
    key: (n: string) => projectionKeys(n)[k],
  })),
  ...(['orders', 'capacity', 'settlement'] as const).map((service) => ({
    name: `${service}.reservation`,
    arity: 1,
    key: (k: string) => reservationKey(service, k),
  })),
  { name: 'generation.checkpoint', arity: 2, key: (n: string, g: string) => generationKeys(n, g).checkpoint },
  // A generation's copy of a model key: any key the projection writes, after the generation's prefix.
  {
    name: 'generation.model',
    arity: 3,
    key: (n: string, g: string, k: string) => generationKeys(n, g).modelPrefix + k,
  },
];

// Inputs built from separators, digits, dots and the fixed words of the families themselves.
const words = [
  '',
  ':',
  '.',
  '1',
  '2',
  '3.',
  'p',
  'events',
  'nodes',
  'challenge',
  'certifications',
  'outcomes',
  'bid',
  'ask',
  'prices',
  'orders',
  'next',
  'model',
  'proj',
];
const value = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 10 }),
  fc.array(fc.constantFrom(...words), { maxLength: 6 }).map((parts) => parts.join('')),
);
const keyed = fc.nat(families.length - 1).chain((i) => {
  const family = families[i] as KeyFamily;
  return fc.tuple(fc.constant(family), fc.array(value, { minLength: family.arity, maxLength: family.arity }));
});

describe('Redis key families', () => {
  it('covers every key family of the read models', () => {
    expect(families.map((f) => f.name)).toEqual(
      expect.arrayContaining([
        'capacity.node',
        'capacity.certifications',
        'orders.order',
        'pricing.channels.book',
        'settlement.ledger',
        'capacity.nodes',
      ]),
    );
    expect(families.length).toBeGreaterThan(35);
  });

  it('gives distinct inputs distinct keys, and no key of one family the key of another', () => {
    fc.assert(
      fc.property(keyed, keyed, ([f1, a1], [f2, a2]) => {
        const same = f1.name === f2.name && JSON.stringify(a1) === JSON.stringify(a2);
        return (f1.key(...a1) === f2.key(...a2)) === same;
      }),
      { numRuns: 20_000 },
    );
  });

  it('keeps the collisions of issue 11 apart', () => {
    expect(outcomeKey('orders', 'order:acc-1:p:events')).not.toBe(
      outcomeEventsKey('orders', 'order:acc-1:p'),
    );
    expect(capacityReadModel.node('n:certifications')).not.toBe(capacityReadModel.certifications('n'));
    expect(capacityReadModel.node('n:challenge')).not.toBe(capacityReadModel.challenge('n'));
    expect(ordersReadModel.market('m:nodes')).not.toBe(ordersReadModel.marketNodes('m'));
    expect(pricingReadModel.bookLevels('m:bid', 'ask')).not.toBe(pricingReadModel.bookPrices('m', 'bid'));
  });

  it('keeps idempotency reservations outside every read model, so a reset or a rebuild never deletes one', () => {
    const prefixes = [capacityReadModel, ordersReadModel, pricingReadModel, settlementReadModel].map(
      (m) => m.prefix,
    );
    fc.assert(
      fc.property(fc.constantFrom('orders', 'capacity', 'settlement'), value, (service, key) =>
        prefixes.every((prefix) => !reservationKey(service, key).startsWith(prefix)),
      ),
      { numRuns: 2_000 },
    );
    for (const keyPrefix of ['idempotency:', 'idem'])
      expect(() => validateProjection({ name: 'p', keyPrefix, topics: ['t'], apply: () => [] })).toThrow(
        /idempotency reservations/,
      );
  });
});
