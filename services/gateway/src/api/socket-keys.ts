import { GraphQLError } from 'graphql';
import type { Principal, RequestContext } from './auth';

/**
 * The keys WebSockets were opened with, checked again. HTTP looks a request's key up on every
 * request; a socket presents its key once, in its `connection_init`. Without a second look, an API
 * key revoked, or a node credential rotated or revoked, while a socket was open would go on working
 * on it: its queries and mutations, and the subscriptions it runs. So every operation a socket
 * starts has its key looked up again (SubscriptionServer.admit), and every socket opened with a key
 * is looked at every `GATEWAY_WS_KEY_RECHECK_MS` (one lookup per distinct key, all sockets of a key
 * together) and closed once its key no longer holds.
 */

/** graphql-ws' Unauthorized: its client gives up on this code rather than reconnecting. */
export const REVOKED_KEY_CLOSE_CODE = 4401;

/** The close reason of a socket whose key no longer holds (a close reason is at most 123 bytes). */
export function revokedKeyReason(principal: Pick<Principal, 'nodeId'>): string {
  return principal.nodeId
    ? 'the node credential was rotated or revoked: connect with its current credential'
    : 'the API key was revoked: connect with a valid key';
}

/**
 * The close reason of a socket refused at its `connection_init` because the key it sent is not valid
 * (malformed, unknown, revoked): the refusal's own words when they fit a close reason (123 bytes).
 */
export function refusedKeyReason(error: Error | undefined): string {
  const reason = error?.message ?? '';
  return reason && Buffer.byteLength(reason) <= 123
    ? reason
    : 'the key in connectionParams.authorization is not valid: connect with a valid one, or none';
}

/**
 * Whether a fresh look at a key says it no longer holds: refused UNAUTHENTICATED. A key that could
 * not be looked up (its read model being rebuilt, Redis unreachable) is not taken for revoked.
 */
export function keyRevoked(fresh: RequestContext): boolean {
  return (
    fresh.principal === null &&
    fresh.authError instanceof GraphQLError &&
    fresh.authError.extensions['code'] === 'UNAUTHENTICATED'
  );
}

interface Held {
  authorization: string;
  principal: Principal;
}

/** The sockets opened with a key, by socket (`S`: the WebSocket, or anything a test closes). */
export class SocketKeys<S> {
  private readonly sockets = new Map<S, Held>();
  private sweeping = false;

  add(socket: S, authorization: string, principal: Principal): void {
    this.sockets.set(socket, { authorization, principal });
  }

  remove(socket: S): void {
    this.sockets.delete(socket);
  }

  get size(): number {
    return this.sockets.size;
  }

  /**
   * Looks each distinct key up once and closes every socket of a key that no longer holds; how
   * many it closed. A sweep still running when the next is due lets that one pass.
   */
  async sweep(
    check: (authorization: string) => Promise<RequestContext>,
    close: (socket: S, principal: Principal) => void,
  ): Promise<number> {
    if (this.sweeping) return 0;
    this.sweeping = true;
    try {
      const byKey = new Map<string, S[]>();
      for (const [socket, { authorization }] of this.sockets) {
        const sockets = byKey.get(authorization);
        if (sockets) sockets.push(socket);
        else byKey.set(authorization, [socket]);
      }
      let closed = 0;
      await Promise.all(
        [...byKey].map(async ([authorization, sockets]) => {
          if (!keyRevoked(await check(authorization))) return;
          for (const socket of sockets) {
            const held = this.sockets.get(socket);
            if (!held) continue; // closed meanwhile
            this.sockets.delete(socket);
            close(socket, held.principal);
            closed++;
          }
        }),
      );
      return closed;
    } finally {
      this.sweeping = false;
    }
  }
}
