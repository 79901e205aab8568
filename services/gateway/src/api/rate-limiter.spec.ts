import { getOperationAST, parse } from 'graphql';
import { rootFieldCount } from './rate-limiter';

const count = (query: string) => {
  const document = parse(query);
  return rootFieldCount(document, getOperationAST(document)!);
};

describe('rootFieldCount: how many mutations a request runs', () => {
  it('counts each root field, aliases included', () => {
    expect(count('mutation { deposit { id } }')).toBe(1);
    expect(count('mutation { a: deposit { id } b: deposit { id } c: withdraw { id } }')).toBe(3);
  });

  it('counts through inline fragments and fragment spreads, a fragment spread twice twice', () => {
    expect(
      count(
        'mutation { ...D ... on Mutation { c: withdraw { id } } ...D } fragment D on Mutation { a: deposit { id } b: deposit { id } }',
      ),
    ).toBe(5);
  });

  it('counts fragments that each spread the next twice, 40 deep, as the 2^40 mutations they run', () => {
    const levels = 40;
    const fragments = Array.from(
      { length: levels },
      (_, i) => `fragment F${i} on Mutation { ...F${i + 1} ...F${i + 1} }`,
    ).join(' ');
    expect(count(`mutation { ...F0 } ${fragments} fragment F${levels} on Mutation { deposit { id } }`)).toBe(
      2 ** levels,
    );
  });

  it('does not loop on a fragment that spreads itself (validation refuses it; counting must still end)', () => {
    expect(count('mutation { ...F } fragment F on Mutation { a: deposit { id } ...F }')).toBe(1);
  });
});
