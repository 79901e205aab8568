import { documentNesting, MAX_NESTING, nestingError } from './nesting';

describe('documentNesting', () => {
  it('counts the brackets of a document nested inside one another', () => {
    expect(documentNesting('{ __typename }')).toBe(1);
    expect(
      documentNesting('query($a: [ID!]) { market(id: "m") { book(depth: 5) { bids { price } } } }'),
    ).toBe(4);
    expect(documentNesting('mutation { x(input: { a: [[1], {b: [2]}] }) { id } }')).toBe(6);
  });

  it('skips brackets in strings, block strings and comments', () => {
    expect(documentNesting('{ a(s: "[[[{{{(((") }')).toBe(2);
    expect(documentNesting('{ a(s: "\\"[[[") }')).toBe(2);
    expect(documentNesting('{ a(s: """ [[[ \\""" {{{ """) }')).toBe(2);
    expect(documentNesting('# [[[[[[\n{ a }')).toBe(1);
  });

  it('scans a document far deeper than the stack allows, stopping past its limit', () => {
    const deep = `{ a(v: ${'['.repeat(200_000)}${']'.repeat(200_000)}) }`;
    expect(documentNesting(deep)).toBe(200_002);
    expect(documentNesting(deep, MAX_NESTING)).toBe(MAX_NESTING + 1);
  });
});

describe('nestingError', () => {
  it('passes what this API takes, introspection included, and refuses deeper with QUERY_TOO_COMPLEX', () => {
    expect(
      nestingError(`{ a(v: ${'['.repeat(MAX_NESTING - 2)}${']'.repeat(MAX_NESTING - 2)}) }`),
    ).toBeUndefined();
    const refused = nestingError(`{ a(v: ${'['.repeat(5_000)}${']'.repeat(5_000)}) }`);
    expect(refused?.extensions).toEqual({ code: 'QUERY_TOO_COMPLEX' });
    expect(refused?.message).toBe(
      `the document nests its brackets more than ${MAX_NESTING} deep; no operation of this API needs more: send a shallower one`,
    );
  });
});
