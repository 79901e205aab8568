import { getIntrospectionQuery } from 'graphql';
import { documentTokens, MAX_TOKENS, tokensError } from './tokens';

describe('documentTokens', () => {
  it('counts names, values and punctuation, not whitespace, commas or comments', () => {
    expect(documentTokens('{ __typename }')).toBe(3);
    expect(documentTokens('# a comment\nquery Q($a: ID!) { market(id: $a) { id } }')).toBe(21);
    expect(documentTokens('{ a(s: "a long string is one token", b: """and a block""") }')).toBe(11);
  });

  it('stops past its limit, and is undefined for a text that does not lex', () => {
    expect(documentTokens('{ ' + 'a '.repeat(1_000_000) + '}', 100)).toBe(101);
    expect(documentTokens('{ a(s: "unterminated) }')).toBeUndefined();
  });
});

describe('tokensError', () => {
  it('passes the introspection query tools send and a wide legitimate read', () => {
    expect(
      tokensError(getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true })),
    ).toBeUndefined();
    const wide = `{ ${Array.from({ length: 300 }, (_, i) => `m${i}: market(id: "m${i}") { id }`).join(' ')} }`;
    expect(documentTokens(wide)).toBeLessThan(MAX_TOKENS / 3);
    expect(tokensError(wide)).toBeUndefined();
  });

  it('refuses more than MAX_TOKENS with QUERY_TOO_COMPLEX, saying what to send', () => {
    const refused = tokensError(`{ ${'__typename '.repeat(MAX_TOKENS)} }`);
    expect(refused?.extensions).toEqual({ code: 'QUERY_TOO_COMPLEX' });
    expect(refused?.message).toBe(
      `the document holds more than ${MAX_TOKENS} tokens (names, values, punctuation); no operation of this API needs more: send a smaller one`,
    );
    expect(tokensError(`{ ${'__typename '.repeat(MAX_TOKENS - 2)} }`)).toBeUndefined();
  });
});
