import { Logger } from '@nestjs/common';
import { GraphQLError, GraphQLFormattedError } from 'graphql';
import { ERROR_CODES, ErrorCode } from './error-codes';
import { MAX_FIELDS } from './limits';
import { requestFieldAtFault } from './request-field';
import { dependencyDown, UNAVAILABLE_RETRY_MS } from './unavailable';

export { ErrorCode } from './error-codes';

/** An error for the client: a code, a message that says what to fix, and the field at fault. */
export function apiError(
  code: ErrorCode,
  message: string,
  field?: string,
  extra: Record<string, unknown> = {},
): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...(field ? { field } : {}), ...extra } });
}

// Every listed code goes out as it is (Apollo's own for malformed requests among them), but an
// INTERNAL_SERVER_ERROR is always answered without its details.
const PASSED = new Set<string>(Object.keys(ERROR_CODES).filter((c) => c !== 'INTERNAL_SERVER_ERROR'));
const logger = new Logger('graphql');

/**
 * Every error leaves with a code. Anything not raised on purpose is logged here and reaches the
 * client as INTERNAL_SERVER_ERROR without its details (never a stack trace).
 */
/** Quoted strings in a message longer than this are cut (shortenQuoted). */
const LONGEST_QUOTE = 64;

/**
 * A message that quotes what the caller sent (graphql-js: `Variable "$amount" got invalid value
 * "xxx…"`) says what is wrong without handing back 10 kB of it: a quoted string (JSON-escaped, as
 * graphql-js writes it) longer than LONGEST_QUOTE keeps its first characters and its length.
 */
export function shortenQuoted(message: string): string {
  return message.replace(/"((?:[^"\\]|\\.)*)"/g, (quoted, inner: string) => {
    if (inner.length <= LONGEST_QUOTE) return quoted;
    let length = inner.length;
    try {
      length = (JSON.parse(quoted) as string).length;
    } catch {
      // not JSON-escaped: its length as written
    }
    // Whole characters and escape sequences only, never half of one.
    const kept = (inner.match(/\\u[0-9a-fA-F]{4}|\\.|[^\\]/g) ?? []).slice(0, LONGEST_QUOTE / 2).join('');
    return `"${kept}…" (${length} characters)`;
  });
}

const VALIDATION_ABORTED = 'Validation aborted.';
const VARIABLE_ERRORS_LIMIT = 'Too many errors processing variables, error limit reached. Execution aborted.';

/** Bracketed values and runs of digits in a message longer than this are cut (shortenValues). */
const LONGEST_VALUE = 64;
/** The longest message an error carries: past it, the start and the length (a last resort). */
const LONGEST_MESSAGE = 1000;

/** The index of the quote that closes the quoted string opening at `start` (its length if none). */
function quoteEnd(message: string, start: number): number {
  let i = start + 1;
  while (i < message.length && message[i] !== '"') i += message[i] === '\\' ? 2 : 1;
  return i;
}

/** The index just past the bracket that closes the one at `start`, skipping quoted strings; -1 if none. */
function closingOf(message: string, start: number): number {
  let depth = 0;
  for (let i = start; i < message.length; i++) {
    const c = message[i];
    if (c === '"') i = quoteEnd(message, i);
    else if (c === '[' || c === '{') depth++;
    else if ((c === ']' || c === '}') && --depth === 0) return i + 1;
  }
  return -1;
}

/**
 * A message that prints what the caller sent (graphql-js: `Int cannot represent non-integer value:
 * [1, 1, …]`, `Variable "$i" got invalid value { …every field sent… }`) keeps the start and the
 * length of a bracketed value or a run of digits longer than LONGEST_VALUE: 50,000 list items
 * came back as a 150 kB message, and 5,000 unknown fields as 51 errors of 49 kB each.
 */
export function shortenValues(message: string): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < message.length; i++) {
    const c = message[i];
    if (c === '"') {
      i = quoteEnd(message, i);
      continue;
    }
    if (c !== '[' && c !== '{') continue;
    const end = closingOf(message, i);
    const stop = end < 0 ? message.length : end;
    if (stop - i > LONGEST_VALUE) {
      const closing = end < 0 ? '' : message[end - 1];
      out += `${message.slice(from, i)}${message.slice(i, i + LONGEST_VALUE / 2)}…${closing} (${stop - i} characters)`;
      from = stop;
    }
    i = stop - 1;
  }
  out += message.slice(from);
  return out.replace(
    /\d{65,}/g,
    (digits) => `${digits.slice(0, LONGEST_VALUE / 2)}… (${digits.length} digits)`,
  );
}

/**
 * The longest field at fault an error names as it is. The schema's own paths are far shorter
 * (input.items.12.limitPrice); a longer one is a name the caller made up, an unknown field or
 * argument or variable of 500,000 characters, which came back whole in `extensions.field` while
 * the message was cut: half a megabyte answered to anyone, no key needed.
 */
const LONGEST_FIELD = 128;

/** The field at fault, its start and its length when it is longer than LONGEST_FIELD. */
export function shortenField(field: unknown): unknown {
  if (typeof field !== 'string' || field.length <= LONGEST_FIELD) return field;
  return `${[...field].slice(0, LONGEST_QUOTE).join('')}… (${field.length} characters)`;
}

/** What a message says of what was sent, short (shortenQuoted, shortenValues), and never over LONGEST_MESSAGE. */
export function shortenMessage(message: string): string {
  const short = shortenValues(shortenQuoted(message));
  return short.length <= LONGEST_MESSAGE
    ? short
    : `${short.slice(0, LONGEST_MESSAGE - 40)}… (${short.length} characters)`;
}

export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  let code = String(formatted.extensions?.['code'] ?? '');
  // A literal a scalar refused (api/scalars.ts) fails validation, where Apollo writes its own code
  // over the scalar's: the client is told it as the input error it is, with the field at fault.
  if (code === 'GRAPHQL_VALIDATION_FAILED' && refusedByScalar(error) && formatted.extensions?.['field']) {
    code = 'BAD_USER_INPUT';
    formatted = { ...formatted, extensions: { ...formatted.extensions, code } };
  }
  // Apollo codes an error raised without one INTERNAL_SERVER_ERROR: its own 4xx refusals among them.
  if (code === '' || code === 'INTERNAL_SERVER_ERROR') {
    const malformed = malformedRequest(formatted, error);
    if (malformed) return malformed;
    // graphql-js' last error after 50 about the variables (an input with thousands of unknown fields).
    if (formatted.message === VARIABLE_ERRORS_LIMIT)
      return {
        message:
          'too many values in the variables are wrong: fix the ones named in the errors before this one',
        extensions: { code: 'BAD_USER_INPUT' },
      };
  }
  // graphql-js gives up comparing the fields answered under one name (OverlappingFieldsCanBeMerged)
  // past a budget of comparisons, and says only "Validation aborted.".
  if (code === 'GRAPHQL_VALIDATION_FAILED' && formatted.message === VALIDATION_ABORTED)
    return {
      message: `the query selects too many fields under the same names for the server to check that they agree: select fewer (at most ${MAX_FIELDS} fields), each under a name of its own`,
      extensions: { code: 'QUERY_TOO_COMPLEX' },
    };
  if (PASSED.has(code)) {
    // `http` is Apollo's (the status of the answer), dropped by Apollo itself on HTTP; not the client's.
    const { stacktrace: _drop, http: _http, ...extensions } = formatted.extensions ?? {};
    const field = shortenField(
      extensions['field'] ??
        (code === 'BAD_USER_INPUT'
          ? variableAtFault(formatted.message)
          : code === 'OPERATION_RESOLUTION_FAILURE'
            ? 'operationName'
            : requestFieldAtFault(code, formatted.message)),
    );
    const rewritten = code === 'BAD_REQUEST' ? APOLLO_BAD_REQUESTS.get(formatted.message) : undefined;
    return {
      ...formatted,
      // Apollo ends some of its own messages with a line break.
      message: rewritten ?? shortenMessage(formatted.message).trimEnd(),
      extensions: field === undefined ? extensions : { ...extensions, field },
    };
  }
  if (dependencyDown(error)) {
    logger.warn({
      msg: 'Redis or Kafka unreachable for a GraphQL operation',
      error: error instanceof Error ? error.message : String(error),
      path: formatted.path,
    });
    return {
      message: 'a part the gateway needs (Redis or Kafka) cannot be reached: retry in a second',
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: { code: 'UNAVAILABLE', retryAfterMs: UNAVAILABLE_RETRY_MS },
    };
  }
  logger.error({
    msg: 'unexpected error in a GraphQL operation',
    error: error instanceof Error ? error.message : String(error),
    path: formatted.path,
  });
  return {
    message: 'internal error',
    ...(formatted.path ? { path: formatted.path } : {}),
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  };
}

/**
 * Apollo's own BAD_REQUEST messages that leave the client guessing, in words that say what to send.
 * A batch (a JSON array of operations, as Apollo Client's BatchHttpLink sends) was answered
 * "Operation batching disabled.".
 */
const APOLLO_BAD_REQUESTS = new Map<string, string>([
  [
    'Operation batching disabled.',
    'batched requests (a JSON array of operations) are not taken: send each operation in a request of its own, as a JSON object such as {"query": "{ __typename }"}',
  ],
  // Which of the three it is only the request tells, and formatError sees none: request-shape.ts
  // refuses each before Apollo, saying which (empty-post.ts). These words are for one it missed.
  [
    'POST body missing, invalid Content-Type, or JSON object has no keys.',
    'the request body was not read as a JSON object with keys: send a JSON object such as {"query": "{ __typename }"}, with the header content-type: application/json',
  ],
]);

// Apollo's refusals of a malformed persisted query, which it sends with an HTTP status and no code.
const PERSISTED_QUERY_REFUSALS = new Map<string, { message: string; field: string }>([
  [
    'provided sha does not match query',
    {
      message:
        'extensions.persistedQuery.sha256Hash is not the sha256 of the query sent with it: send the hex sha256 of the query text, or leave persistedQuery out',
      field: 'extensions.persistedQuery.sha256Hash',
    },
  ],
  [
    'Unsupported persisted query version',
    {
      message: "extensions.persistedQuery must be an object with version 1 and the query's sha256Hash",
      field: 'extensions.persistedQuery.version',
    },
  ],
]);

/**
 * An error Apollo raises about the request itself with a 4xx status and no code (a persisted
 * query's hash or version), as the BAD_REQUEST it is, saying what to fix; undefined for any other.
 */
function malformedRequest(
  formatted: GraphQLFormattedError,
  error: unknown,
): GraphQLFormattedError | undefined {
  // Apollo moves `http` out of the formatted error into the answer's head; the error still has it.
  const http = (error instanceof GraphQLError ? error.extensions['http'] : undefined) as
    { status?: unknown } | undefined;
  const status = typeof http?.status === 'number' ? http.status : 0;
  if (status < 400 || status > 499) return undefined;
  const known = PERSISTED_QUERY_REFUSALS.get(formatted.message);
  return {
    message: known?.message ?? formatted.message,
    extensions: { code: 'BAD_REQUEST', ...(known ? { field: known.field } : {}) },
  };
}

function refusedByScalar(error: unknown): boolean {
  const original = error instanceof GraphQLError ? error.originalError : undefined;
  return original instanceof GraphQLError && original.extensions['code'] === 'BAD_USER_INPUT';
}

// The last clause of graphql-js' message for an input object's missing or unknown field.
const INPUT_FIELD_AT_FAULT =
  /; Field "([^"]+)" (?:of required type "[^"]+" was not provided|is not defined by type "[^"]+")\.(?: Did you mean [^;]*\?)?$/;

/**
 * The field at fault of a variable that graphql-js could not coerce, from its message:
 * `Variable "$input" got invalid value "x" at "input.gpus"; …` names `input.gpus`,
 * `Variable "$id" of required type "ID!" was not provided.` names `id`, and an input object
 * missing a required field or carrying an unknown one (`…; Field "price" of required type "Usd!"
 * was not provided.`, `…; Field "limitPrice" is not defined by type "PlaceOrderInput".`) names
 * that field within it: `input.price`, `input.limitPrice`.
 */
export function variableAtFault(message: string): string | undefined {
  const variable = /^Variable "\$([_A-Za-z][_0-9A-Za-z]*)"/.exec(message);
  if (!variable) return undefined;
  const at = /^Variable "\$[_0-9A-Za-z]+" got invalid value .*? at "([^"]+)";/s.exec(message);
  const path = at?.[1] ?? variable[1];
  const inner = INPUT_FIELD_AT_FAULT.exec(message);
  return inner ? `${path}.${inner[1]}` : path;
}
