import { WebSocket } from 'ws';

/**
 * What the gateway refuses of a graphql-ws client's message before graphql-ws reads it, and how
 * the socket is closed for it. graphql-ws answers each message at once, whether or not the client
 * reads its answers, closes 4500 (an internal error, with a stack on stderr) for a message type
 * only a server sends, and for a duplicate id too long for a close reason.
 */

/** Bytes a socket may have waiting to be sent before the gateway stops answering it (a client that does not read). */
export const MAX_UNREAD_BYTES = 4 * 1024 * 1024;
/** The longest operation id taken (graphql-ws sets none; an id is repeated in every answer). */
export const MAX_OPERATION_ID = 128;

/** Closed for a client that does not read its answers: WebSocket's policy violation. */
export const NOT_READING_CLOSE_CODE = 1008;
/** graphql-ws' code for a message it cannot take. */
export const BAD_MESSAGE_CLOSE_CODE = 4400;

/** Message types only a server sends: a client that sends one is not speaking graphql-transport-ws. */
const SERVER_ONLY = new Set(['connection_ack', 'next', 'error']);

export interface SocketRefusal {
  code: number;
  /** Within WebSocket's 123 bytes. */
  reason: string;
}

/**
 * Why a message is refused, or null to let graphql-ws take it (it refuses what is not JSON or not a
 * message of the protocol itself, 4400). `unreadBytes`: what the socket has waiting to be sent.
 */
export function refuseMessage(data: string, unreadBytes: number): SocketRefusal | null {
  if (unreadBytes > MAX_UNREAD_BYTES)
    return {
      code: NOT_READING_CLOSE_CODE,
      reason: `over ${MAX_UNREAD_BYTES / 1024 / 1024} MiB of answers unread: read them`,
    };
  let message: unknown;
  try {
    message = JSON.parse(data);
  } catch {
    return null;
  }
  if (message === null || typeof message !== 'object' || Array.isArray(message)) return null;
  const { type, id } = message as { type?: unknown; id?: unknown };
  if (typeof type === 'string' && SERVER_ONLY.has(type))
    return { code: BAD_MESSAGE_CLOSE_CODE, reason: `a client does not send ${type} messages` };
  if (typeof id === 'string' && id.length > MAX_OPERATION_ID)
    return {
      code: BAD_MESSAGE_CLOSE_CODE,
      reason: `an operation id is at most ${MAX_OPERATION_ID} characters (this one has ${id.length})`,
    };
  return null;
}

/** How long a socket closed for not reading gets to take its close frame before it is cut. */
const NOT_READING_GRACE_MS = 1_000;

/**
 * Puts `refuseMessage` in front of each 'message' listener added to `socket` from now on (call it
 * before graphql-ws adds its own): a refused message reaches no listener, and the socket is closed
 * with the refusal's code and reason. One whose client does not read is cut a second later, as its
 * close frame waits behind what it did not read (ws would hold it for 30 s).
 */
export function guardMessages(socket: WebSocket): void {
  const on = socket.on.bind(socket) as (event: string, listener: (...args: unknown[]) => void) => WebSocket;
  const guarded = (event: string, listener: (...args: unknown[]) => void): WebSocket => {
    if (event !== 'message') return on(event, listener);
    return on('message', (...args: unknown[]) => {
      const refusal = refuseMessage(String(args[0]), socket.bufferedAmount);
      if (!refusal) return listener(...args);
      if (socket.readyState !== WebSocket.OPEN) return undefined;
      socket.close(refusal.code, refusal.reason);
      if (refusal.code === NOT_READING_CLOSE_CODE)
        setTimeout(() => socket.terminate(), NOT_READING_GRACE_MS).unref();
      return undefined;
    });
  };
  socket.on = guarded as WebSocket['on'];
  quietWhenGone(socket);
}

type SendCallback = (error?: Error) => void;

/**
 * A message that could not be sent because its client went away (the socket closing or closed by
 * then: ECANCELED, EPIPE) is no error of the gateway's. graphql-ws took such a send's failure for
 * one and printed "Internal error occurred during message handling" with its stack: 20 clients that
 * read nothing and then dropped printed 7,830 of them. Such a send now ends as if sent; a send
 * that fails while the socket is open is still an error.
 */
function quietWhenGone(socket: WebSocket): void {
  const send = socket.send.bind(socket) as (data: unknown, options: object, cb?: SendCallback) => void;
  socket.send = ((data: unknown, options?: object | SendCallback, cb?: SendCallback) => {
    const done = typeof options === 'function' ? options : cb;
    send(data, typeof options === 'object' ? options : {}, (error) =>
      done?.(error && socket.readyState !== WebSocket.OPEN ? undefined : error),
    );
  }) as WebSocket['send'];
}
