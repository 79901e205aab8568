import { buildSchema, parse } from 'graphql';
import { idProblem, malformedIdErrors } from './ids';

const schema = buildSchema(`
  directive @tag(id: ID, ids: [ID!]) on QUERY | MUTATION | FIELD | VARIABLE_DEFINITION | FRAGMENT_SPREAD | INLINE_FRAGMENT
  input Inner { nodeId: ID, note: String }
  input Outer { marketId: ID!, inner: Inner, ids: [ID!], count: Int }
  type Thing { id: ID!, child(id: ID!): Thing, name(text: String): String }
  type Query { thing(id: ID!): Thing, things(ids: [ID!]!): [Thing!]!, search(text: String!): [Thing!]! }
  type Mutation { put(input: Outer!, orderId: ID): Thing }
`);

const errors = (query: string, variables?: Record<string, unknown>, operationName?: string) =>
  malformedIdErrors(schema, parse(query), operationName, variables).map((e): Record<string, unknown> => ({
    message: e.message,
    ...e.extensions,
  }));
const fields = (query: string, variables?: Record<string, unknown>, operationName?: string) =>
  errors(query, variables, operationName).map((e) => e['field']);

describe('idProblem', () => {
  it.each([
    ['a market id', 'h100'],
    ['an order id', 'ord-53693ceebd141164b6526792ea47bead'],
    ['every allowed punctuation mark', 'a.b_c:d-e'],
    ['an integer', '7'],
    ['128 characters', 'x'.repeat(128)],
  ])('accepts %s, an id this API makes or accepts', (_what, id) =>
    expect(idProblem('orderId', id)).toBeNull(),
  );

  it('says what is wrong and names the field, never repeating the id', () => {
    expect(idProblem('orderId', '')).toBe(
      'orderId is empty: an id is 1 to 128 letters, digits and . _ : -, starting with a letter or digit',
    );
    expect(idProblem('orderId', 'x'.repeat(5000))).toBe(
      'orderId is 5000 characters long: an id is 1 to 128 letters, digits and . _ : -, starting with a letter or digit',
    );
    expect(idProblem('nodeId', 'has spaces')).toBe(
      'nodeId has " " at position 4: an id is 1 to 128 letters, digits and . _ : -, starting with a letter or digit',
    );
    expect(idProblem('id', '-1')).toMatch(/^id has "-" at position 1: /);
    expect(idProblem('id', 'h100\u0000')).toMatch(/^id has "\\u0000" at position 5: /);
    expect(idProblem('id', 'a\nb')).toMatch(/^id has "\\n" at position 2: /);
    expect(idProblem('id', '💥')).toMatch(/^id has "💥" at position 1: /);
  });
});

describe('malformedIdErrors', () => {
  it('finds nothing in an operation whose ids are all well formed', () => {
    expect(errors('{ thing(id: "a1") { id child(id: 2) { id } } things(ids: ["x", "y"]) { id } }')).toEqual(
      [],
    );
  });

  it('refuses an inline id as BAD_USER_INPUT naming its argument', () => {
    expect(errors('{ thing(id: "") { id } }')).toEqual([
      {
        code: 'BAD_USER_INPUT',
        field: 'id',
        message:
          'id is empty: an id is 1 to 128 letters, digits and . _ : -, starting with a letter or digit',
        http: { status: 400 }, // over HTTP: a request the client must change
      },
    ]);
  });

  it('checks ids at any depth: nested selections, input objects, lists, inline or in variables', () => {
    expect(fields('{ thing(id: "ok") { child(id: "no way") { id } } }')).toEqual(['id']);
    expect(
      fields(
        'mutation { put(input: { marketId: "m 1", inner: { nodeId: "" }, ids: ["ok", "*"] }, orderId: "-") { id } }',
      ),
    ).toEqual(['input.marketId', 'input.inner.nodeId', 'input.ids', 'orderId']);
    expect(
      fields('mutation($input: Outer!, $o: ID) { put(input: $input, orderId: $o) { id } }', {
        input: { marketId: 'm1', inner: { nodeId: 'n\n1' }, ids: ['ok', ''] },
        o: 'x'.repeat(129),
      }),
    ).toEqual(['input.inner.nodeId', 'input.ids', 'orderId']);
    expect(fields('mutation($m: ID!) { put(input: { marketId: $m }) { id } }', { m: '../..' })).toEqual([
      'input.marketId',
    ]);
    expect(fields('query($ids: [ID!]!) { things(ids: $ids) { id } }', { ids: 'single bad' })).toEqual([
      'ids',
    ]);
  });

  it('leaves text that is not an id alone, and values of the wrong type to coercion', () => {
    expect(fields('{ search(text: "") { name(text: "a\\nb") } }')).toEqual([]);
    expect(
      fields('mutation($input: Outer!) { put(input: $input) { id } }', {
        input: { marketId: { a: 1 }, inner: 'no', count: 'x', unknown: '' },
      }),
    ).toEqual([]);
    expect(fields('query($id: ID!) { thing(id: $id) { id } }', {})).toEqual([]);
    expect(fields('query($id: ID!) { thing(id: $id) { id } }', { id: -1 })).toEqual(['id']);
  });

  it("checks a variable's default where the request sends no value, at any depth, in a list or an input object", () => {
    const rule = 'an id is 1 to 128 letters, digits and . _ : -, starting with a letter or digit';
    // The fuzz's: a NOT_FOUND (or a null) repeating 3,000 characters and a control character.
    expect(
      errors(
        `mutation($i: ID = "a\\u0007${'z'.repeat(3000)}") { put(input: { marketId: "m1" }, orderId: $i) { id } }`,
      ),
    ).toEqual([
      {
        code: 'BAD_USER_INPUT',
        field: 'orderId',
        message: `orderId is 3002 characters long: ${rule}`,
        http: { status: 400 },
      },
    ]);
    expect(errors('query($i: ID! = "a\\u0007b") { thing(id: $i) { id } }')).toEqual([
      expect.objectContaining({ field: 'id', message: `id has "\\u0007" at position 2: ${rule}` }),
    ]);
    expect(fields('query($ids: [ID!]! = ["ok", "", "x y"]) { things(ids: $ids) { id } }')).toEqual([
      'ids',
      'ids',
    ]);
    expect(fields('query($ids: [ID!]! = "x y") { things(ids: $ids) { id } }')).toEqual(['ids']);
    expect(fields('query($i: ID = "") { things(ids: ["ok", $i]) { id } }')).toEqual(['ids']);
    expect(
      fields(
        'mutation($in: Outer! = { marketId: "m 1", inner: { nodeId: "-" }, ids: ["ok", "*"] }) { put(input: $in) { id } }',
      ),
    ).toEqual(['input.marketId', 'input.inner.nodeId', 'input.ids']);
    expect(
      fields('mutation($in: Inner = { nodeId: "" }) { put(input: { marketId: "m1", inner: $in }) { id } }'),
    ).toEqual(['input.inner.nodeId']);
    // In a fragment the operation spreads, and in a directive's argument.
    expect(fields('query($i: ID = "") { ...F } fragment F on Query { thing(id: $i) { id } }')).toEqual([
      'id',
    ]);
    expect(fields('query($i: ID = "") { thing(id: "ok") @tag(id: $i) { id } }')).toEqual(['id']);
  });

  it('leaves a default alone where the request sends a value, null included, which replaces it', () => {
    const document = parse(
      'query($i: ID = "bad id", $ids: [ID!] = [""]) { thing(id: $i) { id } things(ids: $ids) { id } }',
    );
    const check = (variables?: Record<string, unknown>) =>
      malformedIdErrors(schema, document, undefined, variables).map((e) => e.extensions['field']);
    // The same parsed document (its sites are cached) with and without values.
    expect(check()).toEqual(['id', 'ids']);
    expect(check({ i: 'ok', ids: ['a', 'b'] })).toEqual([]);
    expect(check({ i: null, ids: null })).toEqual([]);
    expect(check({ ids: ['a'] })).toEqual(['id']);
    expect(check({ i: 'still bad' })).toEqual(['id', 'ids']);
    expect(fields('query($i: ID = "ok", $j: ID = 7) { thing(id: $i) { child(id: $j) { id } } }')).toEqual([]);
  });

  it("checks a directive's ids wherever the directive is: a field, a spread, the operation, a variable", () => {
    expect(
      fields(
        'query Q($v: ID @tag(id: "v v")) @tag(ids: ["ok", ""]) { thing(id: "ok") @tag(id: "*") { id ...F @tag(id: "-") ... @tag(id: $v) { id } } } fragment F on Thing { id }',
        { v: '' },
      ),
    ).toEqual(['id', 'ids', 'id', 'id', 'id']);
  });

  it('checks the operation that runs and the fragments it spreads, not another operation of the document', () => {
    const document =
      'query A { thing(id: "bad id") { id } } query B { ...F } fragment F on Query { thing(id: "") { ...G } } fragment G on Thing { child(id: "*") { id } }';
    expect(errors(document, undefined, 'A').map((e) => e['message'])).toEqual([
      'id has " " at position 4: an id is 1 to 128 letters, digits and . _ : -, starting with a letter or digit',
    ]);
    expect(errors(document, undefined, 'B').map((e) => e['message'])).toEqual([
      expect.stringMatching(/^id is empty/),
      expect.stringMatching(/^id has "\*" at position 1/),
    ]);
    expect(
      fields('query A { thing(id: "x") { id } } query B { thing(id: "") { id } }', undefined, 'A'),
    ).toEqual([]);
    expect(fields('query A { thing(id: "") { id } }', undefined, 'Nope')).toEqual([]);
  });
});
