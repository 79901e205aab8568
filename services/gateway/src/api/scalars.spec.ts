import { ApolloServer } from '@apollo/server';
import {
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLInputObjectType,
  GraphQLSchema,
  GraphQLString,
} from 'graphql';
import { formatError } from './errors';
import { literalFieldPlugin } from './field-at-fault';
import { USD_FORMAT } from '../domain/money';
import { GraphQLDateTimeString, GraphQLUsd } from './scalars';

// A schema with an argument of each scalar, served as the gateway serves: same plugin, same formatError.
const Input = new GraphQLInputObjectType({
  name: 'Input',
  fields: { price: { type: new GraphQLNonNull(GraphQLUsd) }, at: { type: GraphQLDateTimeString } },
});
const schema = new GraphQLSchema({
  query: new GraphQLObjectType({
    name: 'Query',
    fields: {
      echo: {
        type: GraphQLString,
        args: {
          amount: { type: GraphQLUsd },
          at: { type: GraphQLDateTimeString },
          input: { type: Input },
        },
        resolve: (_: unknown, args: Record<string, unknown>) => JSON.stringify(args),
      },
      money: { type: GraphQLUsd, resolve: () => '2.500000' },
      // A day's traded value past 2^53 micro-USD, as formatMoney writes a bigint sum.
      sum: { type: GraphQLUsd, resolve: () => '90071992547.409910' },
      loose: { type: GraphQLUsd, resolve: () => '90071992547.40991' },
      time: { type: GraphQLDateTimeString, resolve: () => '2026-11-30T14:05:00.123Z' },
      epoch: { type: GraphQLDateTimeString, resolve: () => Date.UTC(2026, 10, 30) },
      float: { type: GraphQLUsd, resolve: () => 2.5 },
    },
  }),
});
const server = new ApolloServer({ schema, plugins: [literalFieldPlugin], formatError });
beforeAll(() => server.start());
afterAll(() => server.stop());

async function run(query: string, variables?: Record<string, unknown>) {
  const response = await server.executeOperation({ query, ...(variables ? { variables } : {}) });
  if (response.body.kind !== 'single') throw new Error('expected a single result');
  return response.body.singleResult;
}
const errorOf = async (query: string, variables?: Record<string, unknown>) => {
  const { errors } = await run(query, variables);
  expect(errors).toHaveLength(1);
  return { code: errors![0]!.extensions?.['code'], field: errors![0]!.extensions?.['field'] };
};

describe('Usd', () => {
  it('sends the strings the resolvers format, unchanged, and refuses a float', async () => {
    const result = await run('{ money float }');
    expect(result.data).toEqual({ money: '2.500000', float: null });
    expect(result.errors?.[0]?.extensions?.['code']).toBe('INTERNAL_SERVER_ERROR');
  });

  it('sends an amount the gateway wrote past 2^53 micro-USD (a sum), and nothing else that large', async () => {
    const result = await run('{ sum loose }');
    expect(result.data).toEqual({ sum: '90071992547.409910', loose: null });
    expect(result.errors).toHaveLength(1);
    // An input that large is still refused: no amount a client sends is counted inexactly.
    expect(await errorOf('query($a: Usd) { echo(amount: $a) }', { a: '90071992547.409910' })).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'a',
    });
  });

  it('hands a valid amount to the resolver as the string sent', async () => {
    const { data } = await run('query($a: Usd) { echo(amount: $a) }', { a: '12.5' });
    expect(data).toEqual({ echo: JSON.stringify({ amount: '12.5' }) });
    const inline = await run('{ echo(amount: "-0.000001", input: { price: "250.00" }) }');
    expect(inline.data).toEqual({
      echo: JSON.stringify({ amount: '-0.000001', input: { price: '250.00' } }),
    });
  });

  it.each([
    '',
    ' 1.00',
    '1e3',
    '0.0000001',
    '1,00',
    'Infinity',
    'NaN',
    '0x10',
    '999999999999999999999999.99',
    1,
    1.5,
    true,
    {},
  ])('refuses %p as a variable with BAD_USER_INPUT naming it', async (value) => {
    expect(await errorOf('query($a: Usd) { echo(amount: $a) }', { a: value })).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'a',
    });
    expect(await errorOf('query($i: Input) { echo(input: $i) }', { i: { price: value } })).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'i.price',
    });
  });

  it.each([
    ['.50', 'starts with the point'],
    ['1e0', 'has an exponent'],
    ['0,50', 'has a comma'],
    ['0.0000001', 'has 7 decimals'],
    ['abc', null],
  ])(
    'refuses %j saying the form it takes, and what is wrong where that is easy to tell',
    async (value, wrong) => {
      const { errors } = await run('query($a: Usd) { echo(amount: $a) }', { a: value });
      const message = errors?.[0]?.message ?? '';
      expect(message).toContain(`; Usd must be ${USD_FORMAT}`);
      if (wrong) expect(message).toContain(`; this one ${wrong}`);
      else expect(message.endsWith(`Usd must be ${USD_FORMAT}`)).toBe(true);
      // A number, and spaces around, are told the same form.
      for (const other of [0.5, ' 0.50'])
        expect(
          (await run('query($a: Usd) { echo(amount: $a) }', { a: other })).errors?.[0]?.message,
        ).toContain(USD_FORMAT);
    },
  );

  it('refuses an inline literal with BAD_USER_INPUT naming the argument', async () => {
    expect(await errorOf('{ echo(amount: "1e3") }')).toEqual({ code: 'BAD_USER_INPUT', field: 'amount' });
    expect(await errorOf('{ echo(amount: 12) }')).toEqual({ code: 'BAD_USER_INPUT', field: 'amount' });
    expect(await errorOf('{ echo(input: { price: "abc" }) }')).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'input.price',
    });
  });
});

describe('DateTime', () => {
  it('sends RFC 3339 strings as the resolvers hold them, and epoch milliseconds as ISO strings', async () => {
    expect((await run('{ time epoch }')).data).toEqual({
      time: '2026-11-30T14:05:00.123Z',
      epoch: '2026-11-30T00:00:00.000Z',
    });
  });

  it('hands a valid time to the resolver as the string sent', async () => {
    const { data } = await run('query($t: DateTime) { echo(at: $t) }', { t: '2026-11-30T14:05:00+02:00' });
    expect(data).toEqual({ echo: JSON.stringify({ at: '2026-11-30T14:05:00+02:00' }) });
  });

  it.each(
    [
      '',
      'yesterday',
      '2026-13-01T00:00:00Z',
      '2026-11-30',
      '1e20',
      'x'.repeat(10_000),
      1764460800000,
      true,
    ].map((v) => [typeof v === 'string' && v.length > 40 ? `a string of ${v.length}` : JSON.stringify(v), v]),
  )('refuses %s with BAD_USER_INPUT naming the argument', async (_label, value) => {
    expect(await errorOf('query($t: DateTime) { echo(at: $t) }', { t: value })).toEqual({
      code: 'BAD_USER_INPUT',
      field: 't',
    });
    const literal = typeof value === 'string' ? JSON.stringify(value) : String(value);
    expect(await errorOf(`{ echo(at: ${literal}) }`)).toEqual({ code: 'BAD_USER_INPUT', field: 'at' });
  });
});
