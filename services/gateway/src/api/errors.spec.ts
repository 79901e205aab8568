import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildSchema,
  getNamedType,
  GraphQLArgument,
  GraphQLError,
  GraphQLInputField,
  GraphQLSchema,
  isInputObjectType,
  isObjectType,
  parse,
  validate,
} from 'graphql';
import { REJECTION_CODES } from '@gpux/contracts';
import { ERROR_CODES, isErrorCode } from './error-codes';
import { formatError, shortenMessage, shortenQuoted, shortenValues, variableAtFault } from './errors';
import { MAX_FIELDS } from './limits';

describe('the field at fault of a variable graphql-js could not coerce', () => {
  it('names the path inside an input object', () => {
    expect(
      variableAtFault(
        'Variable "$input" got invalid value "x" at "input.gpus"; Int cannot represent non-integer value: "x"',
      ),
    ).toBe('input.gpus');
  });

  it('names the variable when the whole value is wrong or missing', () => {
    expect(variableAtFault('Variable "$id" got invalid value true; ID cannot represent value: true')).toBe(
      'id',
    );
    expect(variableAtFault('Variable "$id" of required type "ID!" was not provided.')).toBe('id');
    expect(variableAtFault('Variable "$first" of non-null type "Int!" must not be null.')).toBe('first');
  });

  it('names a missing or unknown field of an input object within its path', () => {
    expect(
      variableAtFault(
        'Variable "$i" got invalid value { side: "BID" }; Field "price" of required type "Usd!" was not provided.',
      ),
    ).toBe('i.price');
    expect(
      variableAtFault(
        'Variable "$i" got invalid value { limitPrice: "2.40" }; Field "limitPrice" is not defined by type "PlaceOrderInput". Did you mean "price"?',
      ),
    ).toBe('i.limitPrice');
    expect(
      variableAtFault(
        'Variable "$i" got invalid value {} at "i.window"; Field "hours" of required type "Int!" was not provided.',
      ),
    ).toBe('i.window.hours');
    // A value that imitates the clause is not taken for it: the clause graphql-js wrote is the last.
    expect(
      variableAtFault(
        'Variable "$i" got invalid value { note: "; Field \\"x\\" is not defined by type \\"T\\"." } at "i.gpus"; Int cannot represent non-integer value: 1.5',
      ),
    ).toBe('i.gpus');
  });

  it('names nothing for other messages', () => {
    expect(variableAtFault('the amount must be positive')).toBeUndefined();
  });
});

describe('formatError', () => {
  it('adds the field at fault to a BAD_USER_INPUT about a variable, and keeps a field already given', () => {
    const coerce = new GraphQLError(
      'Variable "$input" got invalid value 1.5 at "input.hours"; Int cannot represent non-integer value: 1.5',
      { extensions: { code: 'BAD_USER_INPUT' } },
    );
    expect(formatError(coerce.toJSON(), coerce).extensions).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'input.hours',
    });
    const own = new GraphQLError('the price is not on the tick', {
      extensions: { code: 'BAD_USER_INPUT', field: 'price' },
    });
    expect(formatError(own.toJSON(), own).extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'price' });
  });

  it('never hands back a long value the caller sent: a long quoted string keeps its start and its length', () => {
    const sent = JSON.stringify('x'.repeat(10_000));
    const coerce = new GraphQLError(
      `Variable "$input" got invalid value ${sent} at "input.price"; Usd must be a decimal amount of US dollars with at most 6 decimals, e.g. "12.50"`,
      { extensions: { code: 'BAD_USER_INPUT' } },
    );
    expect(formatError(coerce.toJSON(), coerce)).toMatchObject({
      message: `Variable "$input" got invalid value "${'x'.repeat(32)}…" (10000 characters) at "input.price"; Usd must be a decimal amount of US dollars with at most 6 decimals, e.g. "12.50"`,
      extensions: { code: 'BAD_USER_INPUT', field: 'input.price' },
    });
  });

  it('never hands back a long name the caller made up as the field at fault: its start and its length', () => {
    const name = 'a'.repeat(500_000);
    const unknown = new GraphQLError(`Cannot query field "${name}" on type "Query".`, {
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED', field: name },
    });
    const formatted = formatError(unknown.toJSON(), unknown);
    expect(formatted.extensions).toEqual({
      code: 'GRAPHQL_VALIDATION_FAILED',
      field: `${'a'.repeat(64)}… (500000 characters)`,
    });
    expect(JSON.stringify(formatted).length).toBeLessThan(400);
    // The schema's paths, however deep, come back as they are.
    const deep = 'input.items.12.limits.perAccount.3.limitPrice';
    const own = new GraphQLError('off the tick', { extensions: { code: 'BAD_USER_INPUT', field: deep } });
    expect(formatError(own.toJSON(), own).extensions?.['field']).toBe(deep);
  });

  it('answers graphql-js\' bare "Validation aborted." (too many fields under one name to compare) as QUERY_TOO_COMPLEX, saying what to send', () => {
    const schema = buildSchema('type Query { a(x: Int): Int }');
    const [aborted] = validate(schema, parse(`{ ${'a: a(x: 1) '.repeat(2_000)} }`));
    expect(aborted?.message).toBe('Validation aborted.');
    const asApollo = new GraphQLError(aborted!.message, {
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
    expect(formatError(asApollo.toJSON(), asApollo)).toEqual({
      message: `the query selects too many fields under the same names for the server to check that they agree: select fewer (at most ${MAX_FIELDS} fields), each under a name of its own`,
      extensions: { code: 'QUERY_TOO_COMPLEX' },
    });
  });

  it("answers Apollo's refusals of a malformed persisted query as BAD_REQUEST, saying what to fix", () => {
    const http = { status: 400, headers: new Map() };
    const mismatch = new GraphQLError('provided sha does not match query', { extensions: { http } });
    expect(
      // As Apollo hands it over: coded INTERNAL_SERVER_ERROR, `http` moved out of the formatted error.
      formatError({ ...mismatch.toJSON(), extensions: { code: 'INTERNAL_SERVER_ERROR' } }, mismatch),
    ).toEqual({
      message: expect.stringMatching(
        /^extensions\.persistedQuery\.sha256Hash is not the sha256 of the query/,
      ),
      extensions: { code: 'BAD_REQUEST', field: 'extensions.persistedQuery.sha256Hash' },
    });
    const version = new GraphQLError('Unsupported persisted query version', { extensions: { http } });
    expect(formatError(version.toJSON(), version)).toEqual({
      message: "extensions.persistedQuery must be an object with version 1 and the query's sha256Hash",
      extensions: { code: 'BAD_REQUEST', field: 'extensions.persistedQuery.version' },
    });
    // Another 4xx of Apollo's without a code keeps its message; a 5xx is still internal.
    const other = new GraphQLError('something about the request', { extensions: { http } });
    expect(formatError(other.toJSON(), other)).toEqual({
      message: 'something about the request',
      extensions: { code: 'BAD_REQUEST' },
    });
    const server = new GraphQLError('boom', { extensions: { http: { status: 500, headers: new Map() } } });
    expect(formatError(server.toJSON(), server)).toEqual({
      message: 'internal error',
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
  });

  it('says what to send instead of a batch of operations, where Apollo said "Operation batching disabled."', () => {
    const batch = new GraphQLError('Operation batching disabled.', { extensions: { code: 'BAD_REQUEST' } });
    expect(formatError(batch.toJSON(), batch)).toEqual({
      message: expect.stringMatching(
        /^batched requests \(a JSON array of operations\) are not taken: send each operation in a request of its own/,
      ),
      extensions: { code: 'BAD_REQUEST' },
    });
  });

  it("names the part of the request at fault in Apollo's refusals of its shape (extensions.field), keeping their words", () => {
    const refusals: [string, string][] = [
      [
        '`variables` in a POST body should be provided as an object, not a recursively JSON-encoded string.',
        'variables',
      ],
      ['`operationName` in a POST body must be a string if provided.', 'operationName'],
      ['GraphQL queries must be strings.', 'query'],
      ['The extensions search parameter contains invalid JSON.', 'extensions'],
    ];
    for (const [message, field] of refusals) {
      const refusal = new GraphQLError(message, { extensions: { code: 'BAD_REQUEST' } });
      expect(formatError(refusal.toJSON(), refusal)).toEqual({
        message,
        extensions: { code: 'BAD_REQUEST', field },
      });
    }
  });

  it("words Apollo's refusal of a POST it did not read as what to send, should one reach it past request-shape.ts", () => {
    const unread = new GraphQLError('POST body missing, invalid Content-Type, or JSON object has no keys.', {
      extensions: { code: 'BAD_REQUEST' },
    });
    expect(formatError(unread.toJSON(), unread)).toEqual({
      message:
        'the request body was not read as a JSON object with keys: send a JSON object such as {"query": "{ __typename }"}, with the header content-type: application/json',
      extensions: { code: 'BAD_REQUEST' },
    });
  });

  it('names operationName when no operation of the document could be chosen', () => {
    const unknown = new GraphQLError('Unknown operation named "nope".', {
      extensions: { code: 'OPERATION_RESOLUTION_FAILURE' },
    });
    expect(formatError(unknown.toJSON(), unknown).extensions).toEqual({
      code: 'OPERATION_RESOLUTION_FAILURE',
      field: 'operationName',
    });
  });

  it('answers anything unexpected as INTERNAL_SERVER_ERROR with no detail and no stack trace', () => {
    const surprise = new GraphQLError('Cannot read properties of undefined', {
      extensions: { stacktrace: ['at x'] },
    });
    expect(formatError(surprise.toJSON(), surprise)).toEqual({
      message: 'internal error',
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
  });
});

describe('the one list of error codes', () => {
  const ROOT = join(__dirname, '../../../..');

  it('passes every listed code, and answers any other as INTERNAL_SERVER_ERROR', () => {
    for (const code of Object.keys(ERROR_CODES).filter((c) => c !== 'INTERNAL_SERVER_ERROR')) {
      const e = new GraphQLError('refused', { extensions: { code } });
      expect(formatError(e.toJSON(), e).extensions?.['code']).toBe(code);
    }
    const unlisted = new GraphQLError('refused', { extensions: { code: 'NOT_A_LISTED_CODE' } });
    expect(formatError(unlisted.toJSON(), unlisted)).toEqual({
      message: 'internal error',
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
  });

  it('holds every rejection code of the contracts', () => {
    expect(REJECTION_CODES.filter((c) => !isErrorCode(c))).toEqual([]);
  });

  /** Every .ts file under a folder, specs left out. */
  const sources = (dir: string): string[] =>
    readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts') && !/\.(int-)?spec\.ts$|\.fixture\.ts$/.test(f))
      .map((f) => join(dir, f));

  it('holds every code thrown in the gateway, the deciders and the command machinery', () => {
    const files = [
      ...sources(join(ROOT, 'services')).filter((f) => f.includes('/src/')),
      ...sources(join(ROOT, 'libs/eventsourcing/src')),
    ];
    const thrown = new Map<string, string>();
    const patterns = [
      /apiError\(\s*'([A-Z_]+)'/g,
      /\breject\w*\(\s*'([A-Z_]+)'/g,
      /\bcode: '([A-Z_]+)'/g,
      /withCode\(\w+, '([A-Z_]+)'\)/g,
    ];
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const pattern of patterns)
        for (const m of text.matchAll(pattern)) thrown.set(m[1]!, file.slice(ROOT.length + 1));
    }
    expect(thrown.size).toBeGreaterThan(10);
    expect([...thrown].filter(([code]) => !isErrorCode(code))).toEqual([]);
  });

  it("is the README's table of errors, code by code, with what to do", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Errors'));
    const rows = section
      .split('\n')
      .filter((line) => /^\| `[A-Z_]+`/.test(line))
      .map((line) => line.split('|').map((cell) => cell.trim()));
    expect(rows.map(([, code, action]) => [code, action])).toEqual(
      Object.entries(ERROR_CODES).map(([code, info]) => [`\`${code}\``, info.action]),
    );
    // And with what it means, word for word.
    expect(rows.map(([, code, , meaning]) => [code, meaning])).toEqual(
      Object.entries(ERROR_CODES).map(([code, info]) => [`\`${code}\``, info.description]),
    );
  });
});

describe('the fields at fault that the documentation names', () => {
  const ROOT = join(__dirname, '../../../..');
  const schemaText = readFileSync(join(ROOT, 'services/gateway/schema.graphql'), 'utf8');

  /**
   * Every path extensions.field can hold for an argument: `amount`, `input`, `input.price`, and on
   * into nested input objects, for the arguments of every field of every object type.
   */
  function argumentPaths(schema: GraphQLSchema): Set<string> {
    const paths = new Set<string>();
    const walk = (path: string, at: GraphQLArgument | GraphQLInputField, seen: Set<string>) => {
      paths.add(path);
      const type = getNamedType(at.type);
      if (!isInputObjectType(type) || seen.has(type.name)) return;
      for (const field of Object.values(type.getFields()))
        walk(`${path}.${field.name}`, field, new Set([...seen, type.name]));
    };
    for (const type of Object.values(schema.getTypeMap()))
      if (isObjectType(type) && !type.name.startsWith('__'))
        for (const field of Object.values(type.getFields()))
          for (const arg of field.args) walk(arg.name, arg, new Set());
    return paths;
  }

  /** A path from an argument: `amount`, `input.price`. */
  const PATH = '[a-z][A-Za-z]*(?:\\.[A-Za-z]+)*';

  /**
   * The paths a text names as a field at fault: `CODE on path`, `CODE (on path`, `(field path)`,
   * `(extensions.field path)`, and the examples of `extensions.field names it (e.g. a, b)` and
   * `extensions.field what asked for it, e.g. a or b`. In Markdown the code and the path are in
   * backticks (`` `CODE` on `path` ``), and only those count: its prose says "on" of much else.
   */
  function namedFields(text: string, markdown = false): string[] {
    const named: string[] = [];
    const at = (pattern: string) => [...text.matchAll(new RegExp(pattern, 'g'))].map((m) => m[1]!);
    if (markdown) return at(`\`[A-Z][A-Z_]{4,}\` \\(?on \`(${PATH})\``);
    named.push(...at(`\\b[A-Z][A-Z_]{4,}\\b \\(?on (${PATH})`));
    named.push(...at(`\\((?:extensions\\.)?field (${PATH})\\)`));
    for (const examples of at(`extensions\\.field[^()]{0,40}?\\(?e\\.g\\. (${PATH}(?:(?:, | or )${PATH})*)`))
      named.push(...examples.split(/, | or /));
    return named;
  }

  it('finds what it checks: the examples of the error codes, and the fields the descriptions name', () => {
    const named = namedFields(
      Object.values(ERROR_CODES)
        .map((c) => c.description)
        .join('\n'),
    );
    expect(named).toEqual(expect.arrayContaining(['input.price', 'amount', 'input.marketId', 'input.gpus']));
    expect(namedFields(schemaText)).toEqual(
      expect.arrayContaining(['input.price', 'input.clientOrderId', 'sessionId', 'claimedTflops']),
    );
    expect(namedFields('fails with INSUFFICIENT_FUNDS (on price, saying')).toEqual(['price']);
    expect(namedFields(readFileSync(join(ROOT, 'README.md'), 'utf8'), true)).toEqual(
      expect.arrayContaining(['input.price', 'input.gpus', 'input.clientOrderId', 'amount']),
    );
  });

  it('names each by its real path from the argument, as extensions.field has it: in the error codes, the schema and the README', () => {
    const real = argumentPaths(buildSchema(schemaText));
    expect(real).toContain('input.price');
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const texts = {
      'error-codes.ts': Object.values(ERROR_CODES)
        .map((c) => c.description)
        .join('\n'),
      'schema.graphql': schemaText,
      'README.md': readme,
    };
    const wrong = Object.entries(texts).flatMap(([where, text]) =>
      // `key` is a field of a document's own that GRAPHQL_VALIDATION_FAILED names (an unknown argument).
      namedFields(text, where.endsWith('.md'))
        .filter((path) => !real.has(path) && path !== 'key')
        .map((path) => `${where}: ${path}`),
    );
    expect(wrong).toEqual([]);
  });
});

describe('shortenQuoted', () => {
  it('leaves a message with short quotes, or none, as it is', () => {
    for (const m of [
      'price must be greater than zero',
      'Value "BUY" does not exist in "Side" enum.',
      `"${'y'.repeat(64)}"`,
    ])
      expect(shortenQuoted(m)).toBe(m);
  });

  it('counts what was sent, not its escapes, and never cuts an escape sequence in half', () => {
    const sent = '\u0000\n"'.repeat(40); // 120 characters, written as 400 with escapes
    const shortened = shortenQuoted(`got ${JSON.stringify(sent)} here`);
    expect(shortened).toMatch(/^got "(\\u0000|\\n|\\")+…" \(120 characters\) here$/);
    expect(shortened).not.toMatch(/\p{Cc}/u);
    expect(shortenQuoted(`a ${JSON.stringify('z'.repeat(100))} and ${JSON.stringify('w'.repeat(70))}`)).toBe(
      `a "${'z'.repeat(32)}…" (100 characters) and "${'w'.repeat(32)}…" (70 characters)`,
    );
  });
});

describe('shortenValues and shortenMessage', () => {
  it('leaves short values, and messages without any, as they are', () => {
    for (const m of [
      'Int cannot represent non-integer value: [1, 2]',
      'Variable "$i" got invalid value { side: "BID" }; Field "price" of required type "Usd!" was not provided.',
      'send a JSON object such as {"query": "{ __typename }", "variables": {}}',
      `Int cannot represent non 32-bit signed integer value: ${'9'.repeat(64)}`,
    ])
      expect(shortenValues(m)).toBe(m);
  });

  it('keeps the start and the length of a long list, object or number a message prints', () => {
    const list = `[${Array(50_000).fill('1').join(', ')}]`;
    expect(shortenValues(`Int cannot represent non-integer value: ${list}`)).toBe(
      `Int cannot represent non-integer value: ${list.slice(0, 32)}…] (${list.length} characters)`,
    );
    const fields = `{ side: "BID", ${Array.from({ length: 5_000 }, (_, i) => `x${i}: 1`).join(', ')} }`;
    const variable = shortenValues(
      `Variable "$i" got invalid value ${fields}; Field "x0" is not defined by type "PlaceOrderInput".`,
    );
    expect(variable).toBe(
      `Variable "$i" got invalid value ${fields.slice(0, 32)}…} (${fields.length} characters); Field "x0" is not defined by type "PlaceOrderInput".`,
    );
    expect(shortenValues(`value: ${'9'.repeat(100_000)}`)).toBe(`value: ${'9'.repeat(32)}… (100000 digits)`);
    // Brackets inside a quoted string are the string's, and an unclosed value runs to the end.
    const unclosed = `[${'2, '.repeat(40)}`;
    expect(shortenValues(`got "[[[" and ${unclosed}`)).toBe(
      `got "[[[" and ${unclosed.slice(0, 32)}… (${unclosed.length} characters)`,
    );
  });

  it('never lets a message run past 1,000 characters', () => {
    const m = shortenMessage(Array.from({ length: 200 }, (_, i) => `word${i}`).join(' '));
    expect(m.length).toBeLessThanOrEqual(1000);
    expect(m).toMatch(/^word0 word1 .*… \(\d+ characters\)$/);
  });
});

it("codes graphql-js' error-limit error about the variables BAD_USER_INPUT, not an internal error", () => {
  const formatted = formatError(
    { message: 'Too many errors processing variables, error limit reached. Execution aborted.' },
    new GraphQLError('Too many errors processing variables, error limit reached. Execution aborted.'),
  );
  expect(formatted).toEqual({
    message: 'too many values in the variables are wrong: fix the ones named in the errors before this one',
    extensions: { code: 'BAD_USER_INPUT' },
  });
});
