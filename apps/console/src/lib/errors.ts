// GraphQL errors as the API gives them, shown as they are: the code, the field at fault, the message.
export interface ApiErrorItem {
  message: string;
  extensions?: { code?: string; field?: string; [key: string]: unknown };
}

/** One line per error: "INSUFFICIENT_FUNDS (price): the message". */
export function describeErrors(errors: readonly ApiErrorItem[]): string {
  if (errors.length === 0) return 'the request failed';
  return errors
    .map((e) => {
      const code = e.extensions?.code ?? 'ERROR';
      const field = e.extensions?.field ? ` (${e.extensions.field})` : '';
      return `${code}${field}: ${e.message}`;
    })
    .join('\n');
}

/**
 * What a subscription that ended with its socket says: the gateway's close reason where it gave one
 * (a socket over its caller's cap is closed 1008, "too many sockets: …").
 */
export function socketClosedError(event: unknown): ApiErrorItem {
  const { code, reason } = (event ?? {}) as { code?: unknown; reason?: unknown };
  const why = typeof reason === 'string' && reason ? `: ${reason}` : '';
  const number = typeof code === 'number' ? ` (WebSocket close ${code})` : '';
  return { message: `the subscription closed${why}${number}`, extensions: { code: 'SUBSCRIPTION' } };
}

/**
 * The close code of a socket whose key the gateway refused: unknown, mistyped or revoked, at
 * connection or later (graphql-ws's Unauthorized; its client does not reconnect after it).
 */
export const KEY_REFUSED_CLOSE_CODE = 4401;

/** What the sign-in form says when the console signed out because the gateway refused the key. */
export const KEY_REFUSED_MESSAGE =
  'Your API key was refused (revoked, mistyped, or this marketplace was reset): sign in with another key.';

/**
 * Whether an answer refuses the key it was sent with: UNAUTHENTICATED (the gateway's code for a
 * key unknown, revoked or rotated). Other errors (UNAVAILABLE, RATE_LIMITED, FORBIDDEN, NETWORK,
 * HTTP) say nothing about the key and keep it.
 */
export function refusesKey(errors: readonly ApiErrorItem[]): boolean {
  return errors.some((e) => e.extensions?.code === 'UNAUTHENTICATED');
}

/** Whether a socket's close event is the gateway refusing its key (4401). */
export function refusesKeyClose(event: unknown): boolean {
  return (event as { code?: unknown } | null | undefined)?.code === KEY_REFUSED_CLOSE_CODE;
}

/** The tab's key as the sign-out decision sees it. */
export interface HeldKey {
  key: string | null;
  /** Sign-in's `me` has answered for it; until then a refusal is the sign-in form's to tell. */
  accepted: boolean;
}

/**
 * Whether a refusal of the key a request or socket was `sent` with signs the tab out: only when
 * that key is the one held now (not one signed out of, or replaced, since the request left), and
 * once sign-in has accepted it. A request sent without a key is refused for wanting one, which
 * says nothing about a key.
 */
export function signsOut(sent: string | null, held: HeldKey): boolean {
  return sent !== null && held.accepted && sent === held.key;
}
