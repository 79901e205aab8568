import { buildSchema, GraphQLObjectType } from 'graphql';
import { nullsAsAbsent } from './null-as-absent';

describe('an explicit null argument or input field is what leaving it out is', () => {
  const schema = buildSchema(`
    scalar JSON
    enum TimeInForce { GTC IOC }
    input Inner { note: String limit: Int = 5 }
    input OrderInput { gpus: Int! timeInForce: TimeInForce = GTC clientOrderId: String inner: Inner list: [Inner] }
    type Query {
      place(input: OrderInput, idempotencyKey: String, first: Int = 20, opening: JSON): Int
    }
  `);
  const args = (schema.getType('Query') as GraphQLObjectType).getFields()['place']!.args;
  const absent = (values: Record<string, unknown>) => {
    nullsAsAbsent(values, args);
    return values;
  };

  it('leaves a null without a default out, and gives one with a default its default, at any depth', () => {
    expect(
      absent({
        idempotencyKey: null,
        first: null,
        input: { gpus: 1, timeInForce: null, clientOrderId: null, inner: { note: null, limit: null } },
      }),
    ).toEqual({ first: 20, input: { gpus: 1, timeInForce: 'GTC', inner: { limit: 5 } } });
  });

  it("keeps a JSON scalar's nulls, a list's null items, and every value given", () => {
    const opening = { seed: null, rows: [null, 1] };
    expect(
      absent({ opening, input: { gpus: 2, list: [null, { note: null }], clientOrderId: 'c1' }, first: 3 }),
    ).toEqual({
      opening: { seed: null, rows: [null, 1] },
      input: { gpus: 2, list: [null, {}], clientOrderId: 'c1' },
      first: 3,
    });
  });
});
