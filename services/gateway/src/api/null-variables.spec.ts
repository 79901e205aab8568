import { buildSchema, parse } from 'graphql';
import { nullVariableErrors } from './null-variables';

describe('a variable sent as null where the schema needs a value', () => {
  const schema = buildSchema(`
    enum TimeInForce { GTC IOC }
    input OrderInput { gpus: Int! timeInForce: TimeInForce! = GTC note: String }
    type Query { markets(first: Int! = 20, after: String): Int order(input: OrderInput): Int }
  `);
  const errors = (query: string, variables: Record<string, unknown> | undefined) =>
    nullVariableErrors(schema, parse(query), undefined, variables).map((e) => ({
      code: e.extensions['code'],
      field: e.extensions['field'],
      message: e.message,
    }));

  it('is refused BAD_USER_INPUT naming the argument, where graphql-js would fail while executing', () => {
    expect(errors('query($n: Int) { markets(first: $n) }', { n: null })).toEqual([
      {
        code: 'BAD_USER_INPUT',
        field: 'first',
        message:
          'first cannot be null (variable $n is null): leave the variable out to take the default, or send a value',
      },
    ]);
  });

  it('names an input field by its path, and a directive argument, a fragment included', () => {
    expect(
      errors('query($t: TimeInForce) { order(input: { gpus: 1, timeInForce: $t }) }', { t: null }),
    ).toEqual([expect.objectContaining({ field: 'input.timeInForce' })]);
    expect(errors('query($x: Boolean = true) { markets @skip(if: $x) }', { x: null })).toEqual([
      expect.objectContaining({ field: 'if' }),
    ]);
    expect(
      errors('query($n: Int = 3) { ...M } fragment M on Query { markets(first: $n) }', { n: null }),
    ).toEqual([expect.objectContaining({ field: 'first' })]);
  });

  it('lets pass a variable left out (the default is taken), one with a value, and a null where null is allowed', () => {
    expect(errors('query($n: Int) { markets(first: $n) }', {})).toEqual([]);
    expect(errors('query($n: Int) { markets(first: $n) }', undefined)).toEqual([]);
    expect(errors('query($n: Int) { markets(first: $n) }', { n: 5 })).toEqual([]);
    expect(errors('query($a: String) { markets(after: $a) }', { a: null })).toEqual([]);
    expect(errors('query($s: String) { order(input: { gpus: 1, note: $s }) }', { s: null })).toEqual([]);
  });
});
