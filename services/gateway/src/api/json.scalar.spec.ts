import { MAX_JSON_DEPTH } from '@gpux/contracts';
import { GraphQLError, Kind, parseValue } from 'graphql';
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

  it('refuses a literal that is not a JSON object at the node at fault, so that its location and field are named', () => {
    const thrown = (text: string) => {
      try {
        GraphQLJSON.parseLiteral(parseValue(text));
      } catch (error) {
        return error as GraphQLError;
      }
      throw new Error(`${text} was taken`);
    };
    const top = thrown('"x"');
    expect(top.extensions['code']).toBe('BAD_USER_INPUT');
    expect(top.message).toBe('must be a JSON object');
    expect(top.nodes?.[0]?.kind).toBe(Kind.STRING);
    const name = thrown('{a: [1, FOO]}');
    expect(name.message).toBe('JSON has no bare names: write FOO as a string, "FOO"');
    expect(name.nodes?.[0]).toMatchObject({ kind: Kind.ENUM, value: 'FOO' });
    const variable = thrown('{a: {b: $c}}');
    expect(variable.message).toMatch(/^a JSON value written in the document cannot hold a variable \(\$c\)/);
    expect(variable.nodes?.[0]).toMatchObject({ kind: Kind.VARIABLE });
    const deep = thrown(`{a: ${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}}`);
    expect(deep.nodes?.[0]?.kind).toBe(Kind.OBJECT);
  });
});
