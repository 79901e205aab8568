/**
 * How many WebSockets one caller may hold open at once. A socket costs the gateway memory and CPU
 * for every operation it runs (about 9 kB of heap each, and 0.4 ms of CPU to subscribe one, measured
 * against `npm start`), and with only the per-socket operation cap one caller could open sockets
 * until the gateway ran out of heap. The caller is the rate limit's (rate-limiter.ts `rateSubject`):
 * an API key, a node, or the IP address of a socket without a key.
 */
export class SocketsPerCaller {
  private readonly open = new Map<string, number>();

  constructor(readonly max: number) {}

  /** Counts one more socket of `caller`; false, counting nothing, when it already holds `max`. */
  take(caller: string): boolean {
    const held = this.open.get(caller) ?? 0;
    if (held >= this.max) return false;
    this.open.set(caller, held + 1);
    return true;
  }

  /** One of `caller`'s sockets closed. */
  release(caller: string): void {
    const held = this.open.get(caller) ?? 0;
    if (held <= 1) this.open.delete(caller);
    else this.open.set(caller, held - 1);
  }
}

/** WebSocket close code 1008 (policy violation): a client must not retry it as it is. */
export const TOO_MANY_SOCKETS_CLOSE_CODE = 1008;

/** The close reason of a socket over the caller's cap (a close reason is at most 123 bytes). */
export function tooManySocketsReason(max: number): string {
  return `too many sockets: this caller already has ${max} open, the most allowed; close one first`;
}

/** When a client refused for want of sockets is told to retry, seconds: sockets waiting for their connection_init close within 3. */
const FULL_RETRY_AFTER_SECONDS = 5;

/**
 * The answer to an upgrade when the gateway holds all the sockets it may: an HTTP 503 with when to
 * retry, before any WebSocket exists.
 */
export function socketsFullResponse(max: number): string {
  return rawRetryAnswer(
    '503 Service Unavailable',
    `the gateway holds ${max} WebSockets, the most it may: retry in ${FULL_RETRY_AFTER_SECONDS} s`,
    FULL_RETRY_AFTER_SECONDS,
  );
}

/**
 * An HTTP/1.1 answer written straight on a socket, where no response object exists (an upgrade
 * refused before any WebSocket): a line of plain text, when to retry, and the connection closed.
 */
export function rawRetryAnswer(status: string, message: string, retryAfterSeconds: number): string {
  const body = `${message}\n`;
  return [
    `HTTP/1.1 ${status}`,
    'Connection: close',
    'Content-Type: text/plain; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    `Retry-After: ${retryAfterSeconds}`,
    '',
    body,
  ].join('\r\n');
}
