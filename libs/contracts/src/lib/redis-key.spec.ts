import fc from 'fast-check';
import { keySegment, redisKey } from './redis-key';

/** A family as the tag sees it: fixed words and holes (null), built into template strings. */
type Family = Array<string | null>;

function build(family: Family, args: string[]): string {
  const strings: string[] = [''];
  let arg = 0;
  const values: string[] = [];
  family.forEach((segment, i) => {
    const sep = i === 0 ? '' : ':';
    if (segment === null) {
      strings[strings.length - 1] += sep;
      values.push(args[arg++] ?? '');
      strings.push('');
    } else {
      strings[strings.length - 1] += sep + segment;
    }
  });
  const template = Object.assign([...strings], { raw: [...strings] }) as unknown as TemplateStringsArray;
  return redisKey(template, ...values);
}

const word = fc.stringMatching(/^[a-z][a-z0-9-]{0,6}$/);
// Fixed words drawn from a small set, so generated families often share segments and suffixes.
const fixedWord = fc.oneof(fc.constantFrom('orders', 'outcomes', 'events', 'nodes', 'p', 'a1', 'x-y'), word);
const family = fc.array(fc.option(fixedWord, { nil: null, freq: 2 }), { minLength: 1, maxLength: 5 });
// Caller values full of separators, digits, dots and fixed words: the inputs that collide when joined.
const value = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc
    .array(fc.constantFrom(':', '.', '1', '2', 'p', 'events', 'nodes', '%', ''), { maxLength: 6 })
    .map((parts) => parts.join('')),
);
const keyed = family.chain((f) =>
  fc.tuple(fc.constant(f), fc.array(value, { minLength: f.length, maxLength: f.length })),
);

describe('redisKey', () => {
  it('writes caller segments with their length, fixed text as it is', () => {
    const nodeId = 'n:1';
    expect(redisKey`capacity:nodes:${nodeId}:challenge`).toBe('capacity:nodes:3.n:1:challenge');
    expect(redisKey`settlement:totals`).toBe('settlement:totals');
    expect(redisKey`pricing:candles:${'m'}:${'1h'}:${3_600_000}`).toBe('pricing:candles:1.m:2.1h:7.3600000');
    expect(keySegment('')).toBe('0.');
  });

  it('keeps an outcome hash and the events list of another key apart (the p / p:events collision)', () => {
    const id = 'p';
    const other = 'p:events';
    expect(redisKey`orders:outcomes:${id}:events`).not.toBe(redisKey`orders:outcomes:${other}`);
  });

  it('refuses a family whose holes are not whole segments or whose words are not lowercase words', () => {
    const id = 'x';
    expect(() => redisKey`orders:order-${id}`).toThrow(/neither a lowercase word/);
    expect(() => redisKey`orders:${id}x`).toThrow(/neither a lowercase word/);
    expect(() => redisKey`Orders:${id}`).toThrow(/"Orders"/);
    expect(() => redisKey`orders::${id}`).toThrow(/""/);
    expect(() => redisKey`orders:1st:${id}`).toThrow(/"1st"/);
  });

  it('never gives two different (family, caller segments) the same key', () => {
    fc.assert(
      fc.property(keyed, keyed, ([f1, a1], [f2, a2]) => {
        const holes = (f: Family, a: string[]) => a.slice(0, f.filter((s) => s === null).length);
        const same = JSON.stringify([f1, holes(f1, a1)]) === JSON.stringify([f2, holes(f2, a2)]);
        return (build(f1, a1) === build(f2, a2)) === same;
      }),
      { numRuns: 5_000 },
    );
  });

  it('never gives one family the same key for different caller segments (close inputs)', () => {
    fc.assert(
      fc.property(value, value, value, value, (a, b, c, d) => {
        const k1 = redisKey`orders:outcomes:${a}:${b}`;
        const k2 = redisKey`orders:outcomes:${c}:${d}`;
        return (k1 === k2) === (a === c && b === d);
      }),
      { numRuns: 5_000 },
    );
  });
});
