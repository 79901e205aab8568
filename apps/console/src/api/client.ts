// A small GraphQL client for the console: queries and mutations over fetch, subscriptions over
// graphql-ws, both with the tab's API key (api/session.ts) when there is one. An answer that
// refuses that key (UNAUTHENTICATED, or the socket closed 4401) signs the tab out (session.refuse):
// its socket is closed, and nothing is sent with the key again.
import { Client, createClient } from 'graphql-ws';
import { apiKeyProblem } from '../lib/api-key';
import { ApiErrorItem, describeErrors, refusesKey, refusesKeyClose, socketClosedError } from '../lib/errors';
import { retryDelayMs } from '../lib/retry';
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
  // Checked here, not left to fetch: its TypeError for such a header would read as a network failure.
  const problem = key ? apiKeyProblem(key) : null;
  if (problem) throw new ApiError([{ message: problem, extensions: { code: 'INVALID_API_KEY' } }]);
  let response: Response;
  try {
    response = await fetch(httpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
  } catch {
    // The key is checked above, so what fetch throws here is the network's (or the gateway's refusal to talk).
    throw new ApiError([{ message: 'the gateway cannot be reached', extensions: { code: 'NETWORK' } }]);
  }
  const body = (await response.json().catch(() => null)) as { data?: T; errors?: ApiErrorItem[] } | null;
  if (!body) throw new ApiError([{ message: `HTTP ${response.status}`, extensions: { code: 'HTTP' } }]);
  if (body.errors?.length) {
    if (refusesKey(body.errors)) refused(key);
    throw new ApiError(body.errors);
  }
  if (!body.data) throw new ApiError([]);
  return body.data;
}

/**
 * The subscriptions' socket as a page sees it: 'up' each time it connects, 'down' when it closed
 * under subscriptions that graphql-ws is reconnecting (the gateway restarted, the network went).
 * 'down' comes again at each failed reconnection. Events are not replayed: a page reads its data
 * again when the socket is up after being down.
 */
export type SocketState = 'up' | 'down';
type SocketListener = (state: SocketState) => void;
const socketListeners = new Set<SocketListener>();

/** Calls `listener` as the socket goes down and up; answers a function that stops it. */
export function onSocket(listener: SocketListener): () => void {
  socketListeners.add(listener);
  return () => {
    socketListeners.delete(listener);
  };
}

/**
 * A page's view of the socket: `changed()` when it goes down, `back()` once it connects again after
 * being down (the page reads its data again: events are not replayed). `down()` says whether it is
 * down now; `stop()` stops following.
 */
export function followSocket(on: { changed: () => void; back: () => void }): {
  down: () => boolean;
  stop: () => void;
} {
  let down = false;
  const stop = onSocket((state) => {
    if (state === 'down') {
      down = true;
      on.changed();
    } else if (down) {
      down = false;
      on.back();
    }
  });
  return { down: () => down, stop };
}

interface Socket {
  key: string | null;
  client: Client;
  /** The subscriptions started on it that have not ended. */
  active: number;
}
let socket: Socket | undefined;

function tell(state: SocketState): void {
  for (const listener of [...socketListeners]) listener(state);
}

/**
 * The gateway refused `key`: the tab signs out if it is the key held (its pages are torn down and
 * drawn again signed out), and its socket is closed, subscriptions and all.
 */
function refused(key: string | null): void {
  if (!session.refuse(key)) return;
  if (socket && socket.key === key) {
    void socket.client.dispose();
    socket = undefined;
  }
}

/** One socket per key: signing in or out closes the old socket (and its subscriptions end). */
function client(): Socket {
  const key = session.key;
  if (socket && socket.key === key) return socket;
  void socket?.client.dispose();
  const created: Socket = {
    key,
    active: 0,
    client: createClient({
      url: wsUrl,
      lazy: true,
      retryAttempts: 1_000_000,
      // graphql-ws's own backoff doubles without end: after a long outage a tab would wait hours.
      retryWait: (retries) =>
        new Promise((resolve) => setTimeout(resolve, retryDelayMs(retries, Math.random()))),
      // A reconnection the gateway does not answer yet (still restarting) fails with an error event,
      // not a close event, which graphql-ws would take as fatal by default and end every
      // subscription; it is retried like a drop. Fatal close codes (4401, 1008) still end them.
      shouldRetry: () => true,
      connectionParams: () => (key ? { authorization: `Bearer ${key}` } : {}),
      on: {
        // Looked at once graphql-ws has settled the close: a fatal one (4401 key revoked, 1008 too
        // many sockets) has ended the subscriptions by then, and their errors say what happened; a
        // socket closed because its last subscription ended, or replaced on sign-in, is not down.
        closed: () =>
          setTimeout(() => {
            if (socket === created && created.active > 0) tell('down');
          }, 0),
        connected: () => {
          if (socket === created) tell('up');
        },
      },
    }),
  };
  socket = created;
  return created;
}

/** Subscribes; answers a function that ends the subscription. */
export function subscribe<T>(
  query: string,
  variables: Record<string, unknown>,
  onData: (data: T) => void,
  onError: (error: ApiError) => void = () => undefined,
): () => void {
  const current = client();
  /** The subscription's errors; UNAUTHENTICATED among them signs out (refused). */
  const refusal = (errors: ApiErrorItem[]): ApiError => {
    if (refusesKey(errors)) refused(current.key);
    return new ApiError(errors);
  };
  current.active += 1;
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    current.active -= 1;
  };
  const unsubscribe = current.client.subscribe<T>(
    { query, variables },
    {
      next: (value) => {
        if (value.errors?.length) onError(refusal(value.errors as ApiErrorItem[]));
        else if (value.data) onData(value.data as T);
      },
      error: (error) => {
        end();
        if (Array.isArray(error)) {
          onError(refusal(error as ApiErrorItem[]));
          return;
        }
        // Closed 4401 (graphql-ws does not reconnect after it): signed out before the page hears
        // of it, so that its next load does not subscribe with the key again.
        if (refusesKeyClose(error)) refused(current.key);
        onError(new ApiError([socketClosedError(error)]));
      },
      complete: end,
    },
  );
  return () => {
    end();
    unsubscribe();
  };
}
