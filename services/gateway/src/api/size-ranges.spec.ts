import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, isObjectType } from 'graphql';
import { LIST_SIZE_ARGUMENTS } from './limits';
import { CANDLE_LIMIT, MAX_BOOK_DEPTH, MAX_PAGE, mostAllowed, sizeOutOfRange } from './size-ranges';

// The checked-in schema (schema.spec.ts keeps it equal to the resolvers').
const schema = buildSchema(readFileSync(join(__dirname, '../../schema.graphql'), 'utf8'));

describe('the ranges of size arguments', () => {
  it('are 1 to the most allowed: first on every connection, a book’s depth, the candles’ limit', () => {
    expect(mostAllowed('Query.myOrders', 'first')).toBe(MAX_PAGE);
    expect(mostAllowed('Account.ledger', 'first')).toBe(MAX_PAGE);
    expect(mostAllowed('Market.book', 'depth')).toBe(MAX_BOOK_DEPTH);
    expect(mostAllowed('Market.candles', 'limit')).toBe(CANDLE_LIMIT);
    expect(mostAllowed('Market.candles', 'depth')).toBeUndefined();
    for (const [value, out] of [
      [1, false],
      [MAX_PAGE, false],
      [0, true],
      [-1, true],
      [MAX_PAGE + 1, true],
      [2_147_483_647, true],
      [1.5, true],
    ] as const)
      expect([value, sizeOutOfRange('Query.markets', 'first', value)]).toEqual([value, out]);
    // No range, nothing refused.
    expect(sizeOutOfRange('Query.nodes', 'depth', 2_147_483_647)).toBe(false);
  });

  it('cover every size argument of the schema, as its description states them', () => {
    const sized: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (!isObjectType(type) || type.name.startsWith('__')) continue;
      for (const field of Object.values(type.getFields()))
        for (const arg of field.args.filter((a) => LIST_SIZE_ARGUMENTS.includes(a.name))) {
          const coordinate = `${type.name}.${field.name}`;
          const most = mostAllowed(coordinate, arg.name);
          sized.push(`${coordinate}(${arg.name})`);
          expect({ coordinate, description: arg.description }).toEqual({
            coordinate,
            description: expect.stringContaining(`1 to ${most}`),
          });
        }
    }
    // Every connection (first) and the two sized lists.
    expect(sized).toEqual(
      expect.arrayContaining([
        'Query.markets(first)',
        'Query.myOrders(first)',
        'Account.ledger(first)',
        'Market.trades(first)',
        'GpuNode.certifications(first)',
        'Market.book(depth)',
        'Market.candles(limit)',
      ]),
    );
  });
});
