// A small GraphQL client for the console: queries and mutations over fetch, subscriptions over
// graphql-ws, both with the tab's API key (api/session.ts) when there is one.
import { Client, createClient } from 'graphql-ws';
import { ApiErrorItem, describeErrors, socketClosedError } from '../lib/errors';
import { session } from './session';

export class ApiError extends Error {
  constructor(readonly errors: ApiErrorItem[]) {
    super(describeErrors(errors));
    this.name = 'ApiError';
  }
}

const httpUrl = new URL('/graphql', window.location.href).toString();
const wsUrl = httpUrl.replace(/^http/, 'ws');

export async function gql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const key = session.key;
  let response: Response;
  try {
    response = await fetch(httpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
  } catch {
    throw new ApiError([{ message: 'the gateway cannot be reached', extensions: { code: 'NETWORK' } }]);
  }
  const body = (await response.json().catch(() => null)) as { data?: T; errors?: ApiErrorItem[] } | null;
  if (!body) throw new ApiError([{ message: `HTTP ${response.status}`, extensions: { code: 'HTTP' } }]);
  if (body.errors?.length) throw new ApiError(body.errors);
  if (!body.data) throw new ApiError([]);
  return body.data;
}

let socket: { key: string | null; client: Client } | undefined;

/** One socket per key: signing in or out closes the old socket (and its subscriptions end). */
function client(): Client {
  const key = session.key;
  if (socket && socket.key === key) return socket.client;
  void socket?.client.dispose();
  const created = createClient({
    url: wsUrl,
    lazy: true,
    retryAttempts: 1_000_000,
    connectionParams: () => (key ? { authorization: `Bearer ${key}` } : {}),
  });
  socket = { key, client: created };
  return created;
}

/** Subscribes; answers a function that ends the subscription. */
export function subscribe<T>(
  query: string,
  variables: Record<string, unknown>,
  onData: (data: T) => void,
  onError: (error: ApiError) => void = () => undefined,
): () => void {
  return client().subscribe<T>(
    { query, variables },
    {
      next: (value) => {
        if (value.errors?.length) onError(new ApiError(value.errors as ApiErrorItem[]));
        else if (value.data) onData(value.data as T);
      },
      error: (error) =>
        onError(
          Array.isArray(error)
            ? new ApiError(error as ApiErrorItem[])
            : new ApiError([socketClosedError(error)]),
        ),
      complete: () => undefined,
    },
  );
}
