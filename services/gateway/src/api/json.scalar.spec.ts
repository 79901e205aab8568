import { MAX_JSON_DEPTH } from '@gpux/contracts';
import { GraphQLError, parseValue } from 'graphql';
import { GraphQLJSON } from './json.scalar';

const nested = (depth: number): unknown => {
  let value: unknown = 1;
  for (let i = 1; i < depth; i++) value = i % 2 ? [value] : { a: value };
  return { top: value };
};
const refusal = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return error instanceof GraphQLError ? { code: error.extensions['code'], message: error.message } : error;
  }
  return undefined;
};

describe('the JSON scalar', () => {
  it(`takes an object up to ${MAX_JSON_DEPTH} levels deep, as a variable or written in the document`, () => {
    const value = nested(MAX_JSON_DEPTH);
    expect(GraphQLJSON.parseValue(value)).toBe(value);
    expect(GraphQLJSON.parseLiteral(parseValue('{a: [1, {b: [2]}]}'))).toEqual({ a: [1, { b: [2] }] });
  });

  it('refuses one nested deeper with BAD_USER_INPUT, before anything walks it recursively', () => {
    const expected = {
      code: 'BAD_USER_INPUT',
      message: `must nest at most ${MAX_JSON_DEPTH} levels deep (arrays and objects inside one another)`,
    };
    expect(refusal(() => GraphQLJSON.parseValue(nested(100_000)))).toEqual(expected);
    const literal = `{a: ${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}}`;
    expect(refusal(() => GraphQLJSON.parseLiteral(parseValue(literal)))).toEqual(expected);
  });
});
