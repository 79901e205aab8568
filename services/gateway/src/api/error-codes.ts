import { registerEnumType } from '@nestjs/graphql';
import type { RejectionCode } from '@gpux/contracts';

/** What a client should do about an error: the one thing a client branches on, with the code. */
export enum ErrorAction {
  RETRY = 'RETRY',
  FIX_INPUT = 'FIX_INPUT',
  REAUTHENTICATE = 'REAUTHENTICATE',
  DO_NOT_RETRY = 'DO_NOT_RETRY',
}
registerEnumType(ErrorAction, {
  name: 'ErrorAction',
  description: 'What a client should do about an error of a code.',
  valuesMap: {
    RETRY: {
      description:
        'Send the same request again, after extensions.retryAfterMs where given (else with backoff); a mutation with the same idempotencyKey, so it happens once.',
    },
    FIX_INPUT: {
      description: 'The request is wrong as sent (extensions.field names what): change it, then send it.',
    },
    REAUTHENTICATE: {
      description:
        'Send a valid key, one with a role that may do this: the same request fails with this one.',
    },
    DO_NOT_RETRY: {
      description:
        "The request is well formed but refused as things stand: the same request gets the same answer until what it depends on changes (funds, certification, the market). A refusal a service recorded is the outcome of its idempotencyKey (an order's clientOrderId) for 24 hours: once what it depended on has changed, send a new key; the old one answers that refusal again, with extensions.replayed true and extensions.firstAnsweredAt.",
    },
  },
});

interface CodeInfo {
  action: ErrorAction;
  /** What it means, and what the client should do: the schema's and the README's words. */
  description: string;
}

/**
 * Every code an error of the API carries (`extensions.code`), and nothing else: the gateway's
 * formatError answers any other as INTERNAL_SERVER_ERROR, and errors.spec fails on a code thrown
 * in the gateway's (or a decider's) source that is not here. Every rejection code of the
 * contracts is one (the `satisfies` below).
 */
export const ERROR_CODES = {
  BAD_USER_INPUT: {
    action: ErrorAction.FIX_INPUT,
    description: 'A value is invalid: extensions.field names it (e.g. input.price, amount, input.marketId).',
  },
  GRAPHQL_PARSE_FAILED: {
    action: ErrorAction.FIX_INPUT,
    description: 'The document is not GraphQL.',
  },
  GRAPHQL_VALIDATION_FAILED: {
    action: ErrorAction.FIX_INPUT,
    description:
      'The document does not fit the schema: a field or argument that does not exist, or a value written in it that does not fit; extensions.field names it where there is one (e.g. input.gpus, key).',
  },
  BAD_REQUEST: {
    action: ErrorAction.FIX_INPUT,
    description:
      'The HTTP request is malformed: no query, no body or an empty one, no content type or one the gateway does not read (the message says which), a subscription (served over WebSocket only, whether POSTed or in a GET), a query, variables, extensions or operationName of the wrong type (variables sent as a JSON string, say), a persisted query whose hash (not a sha256 as 64 lowercase hex characters, or not that of its query) or version is wrong, or a body that is not a JSON object, is over 1 MB (HTTP 413), or is in a charset or encoding the gateway does not read (HTTP 415), or a method other than POST or GET (HTTP 405, `Allow: GET, POST`); extensions.field names the part at fault where there is one (query, variables, extensions.persistedQuery.sha256Hash, method).',
  },
  PERSISTED_QUERY_NOT_FOUND: {
    action: ErrorAction.FIX_INPUT,
    description:
      'An automatic persisted query, its hash well formed, that the gateway does not know (extensions.field: extensions.persistedQuery.sha256Hash): send it with its query text.',
  },
  OPERATION_RESOLUTION_FAILURE: {
    action: ErrorAction.FIX_INPUT,
    description: 'operationName names no operation of the document (or none was named among several).',
  },
  QUERY_TOO_COMPLEX: {
    action: ErrorAction.FIX_INPUT,
    description:
      'The query is too deep, too wide or too costly, its brackets nest more than 64 deep, it holds more than 10,000 tokens or too many fields under the same names, it gives a field an alias longer than 128 characters, or the request runs more mutations than the rate limit lets a caller run at once: ask for less (smaller pages, fewer fields, fewer mutations per request).',
  },
  IDEMPOTENCY_KEY_REUSED: {
    action: ErrorAction.FIX_INPUT,
    description:
      'The idempotencyKey (extensions.field) was used within 24 hours for a different request, or for this one where it shows a secret once (the message and extensions say what the first made, and how to recover); nothing was done: use a new key for a new request.',
  },
  UNAUTHENTICATED: {
    action: ErrorAction.REAUTHENTICATE,
    description:
      'No key, or one that is unknown, revoked or rotated: send "Authorization: Bearer <key>" with a valid one.',
  },
  FORBIDDEN: {
    action: ErrorAction.REAUTHENTICATE,
    description:
      "The key is valid but may not do this: it lacks the role (a bid without BUYER, an ask without PROVIDER, an admin's operation), what it names is another's (another account's order or account, another provider's node), or its node's credential is revoked: use a key that may.",
  },
  NOT_FOUND: {
    action: ErrorAction.DO_NOT_RETRY,
    description:
      "What extensions.field names does not exist (a market, an order, a node, an account's API key, or a worker's session or challenge no longer current). What exists but is another's is FORBIDDEN instead.",
  },
  ORDER_NOT_OPEN: {
    action: ErrorAction.DO_NOT_RETRY,
    description:
      'The order extensions.field names exists but has nothing left to change: it is filled or cancelled already (extensions.status says which). Read it; nothing was done.',
  },
  ALREADY_EXISTS: {
    action: ErrorAction.DO_NOT_RETRY,
    description:
      'What the request would create exists already (perhaps from an earlier attempt without an idempotencyKey): read it.',
  },
  INSUFFICIENT_FUNDS: {
    action: ErrorAction.DO_NOT_RETRY,
    description:
      'The account has not enough available: deposit, or ask for less (the message says what is available and what is needed, as do extensions.available and extensions.required, six decimals; extensions.field what asked for it, e.g. amount or input.price).',
  },
  MARKET_CLOSED: {
    action: ErrorAction.DO_NOT_RETRY,
    description: 'The market is closed: it takes no orders, and no nodes are registered in it.',
  },
  TOO_MANY_OPEN_ORDERS: {
    action: ErrorAction.DO_NOT_RETRY,
    description:
      'Your account has as many bids resting in the market as one account may (MAX_RESTING_BIDS_PER_ACCOUNT, default 1,000): cancel some, or bid IOC or FOK, which never rest.',
  },
  NODE_NOT_CERTIFIED: {
    action: ErrorAction.DO_NOT_RETRY,
    description:
      'The node may not sell (uncertified, expired, suspended, or below the market minimum): certify it.',
  },
  CHALLENGE_FAILED: {
    action: ErrorAction.DO_NOT_RETRY,
    description:
      'The verifier failed the challenge (extensions.reason, a ChallengeFailureReason): request a new certification.',
  },
  TOO_MANY_SUBSCRIPTIONS: {
    action: ErrorAction.DO_NOT_RETRY,
    description: 'The connection has as many subscriptions as it may: end one before starting another.',
  },
  UNPROCESSABLE: {
    action: ErrorAction.DO_NOT_RETRY,
    description:
      'The command could not be processed and was dead-lettered (extensions.deadLetter says where); nothing was done: tell the operator.',
  },
  RATE_LIMITED: {
    action: ErrorAction.RETRY,
    description:
      'Too many requests for the key: retry after extensions.retryAfterMs (HTTP 429, Retry-After).',
  },
  TIMEOUT: {
    action: ErrorAction.RETRY,
    description:
      'No answer in time; the command may still happen: retry after extensions.retryAfterMs (5000: time for it to be decided) with extensions.idempotencyKey to get its one outcome.',
  },
  UNAVAILABLE: {
    action: ErrorAction.RETRY,
    description:
      'A part the gateway needs is down or being rebuilt (a read model, Redis, Kafka): retry after extensions.retryAfterMs where given (HTTP Retry-After; the status is 503 when nothing in the answer was answered), a mutation with extensions.idempotencyKey where given (Kafka did not take it; it may still be recorded, and the same key gets its one outcome).',
  },
  INTERNAL_SERVER_ERROR: {
    action: ErrorAction.RETRY,
    description:
      'Something failed that should not have (logged at the gateway, no details sent): retry with backoff, mutations with their idempotencyKey.',
  },
} as const satisfies Record<RejectionCode, CodeInfo> & Record<string, CodeInfo>;

/** The codes a client can branch on. */
export type ErrorCode = keyof typeof ERROR_CODES;

export const isErrorCode = (code: string): code is ErrorCode => Object.hasOwn(ERROR_CODES, code);

/** The codes in the schema, each with what it means and what to do. */
export const ErrorCode = Object.fromEntries(Object.keys(ERROR_CODES).map((c) => [c, c])) as {
  readonly [C in ErrorCode]: C;
};
registerEnumType(ErrorCode, {
  name: 'ErrorCode',
  description:
    'Every code an error carries in extensions.code (Query.errorCodes lists them with their ErrorAction). A client branches on the code, never on the message.',
  valuesMap: Object.fromEntries(
    Object.entries(ERROR_CODES).map(([code, info]) => [
      code,
      { description: `${info.action}: ${info.description}` },
    ]),
  ),
});
