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
