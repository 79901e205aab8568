import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ServiceMetrics } from '@gpux/platform';
import { rawRetryAnswer, SocketsPerCaller } from './socket-caps';

/**
 * TCP connections the gateway holds, in all and per remote address. Every connection is a file
 * descriptor, and the gateway shares its descriptors with its Kafka and Redis connections: without
 * a cap, one client that opens connections and sends nothing, or sends a byte at a time (Node
 * closes such a connection after HTTP_REQUEST_TIMEOUT_MS, 60 s) could take them all, and the gateway could no longer reach Kafka
 * or Redis. Past the gateway's cap a connection is dropped at once (Node's `maxConnections`);
 * past its address's, the connection stays open until its first request, which is answered 429
 * with what to do and closed, so that an ordinary HTTP client sees why.
 */
export interface ConnectionCapOptions {
  /** Connections in all, WebSockets among them. */
  max: number;
  /** Connections from one remote address. */
  perAddress: number;
}

/** Descriptors kept for Kafka, Redis, logs and files whatever the cap: the cap is lowered to leave them. */
export const RESERVED_DESCRIPTORS = 1_000;

/** How long an address over its cap is told to wait, seconds: connections that send nothing close within HTTP_REQUEST_TIMEOUT_MS. */
const ADDRESS_RETRY_AFTER_SECONDS = 1;

/**
 * The cap on connections in all that this process can keep: `configured`, or fewer when the
 * process' soft limit on open files (`limits`, the text of /proc/self/limits) would not leave
 * RESERVED_DESCRIPTORS beside it.
 */
export function effectiveConnectionCap(configured: number, limits: string | undefined): number {
  const soft = /^Max open files\s+(\d+)/m.exec(limits ?? '')?.[1];
  if (soft === undefined) return configured;
  return Math.max(1, Math.min(configured, Number(soft) - RESERVED_DESCRIPTORS));
}

/** What an address over its cap is told, at its first request. */
export function addressCapMessage(perAddress: number): string {
  return `too many connections: this address already has ${perAddress} open to the gateway, the most allowed; reuse one (keep-alive) or close one, then retry`;
}

function answerOverAddressCap(res: ServerResponse, perAddress: number): void {
  const retryAfterMs = ADDRESS_RETRY_AFTER_SECONDS * 1000;
  res.shouldKeepAlive = false;
  res.statusCode = 429;
  res.setHeader('retry-after', String(ADDRESS_RETRY_AFTER_SECONDS));
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.end(
    JSON.stringify({
      errors: [
        { message: addressCapMessage(perAddress), extensions: { code: 'RATE_LIMITED', retryAfterMs } },
      ],
    }),
  );
}

/**
 * The caps, on one HTTP server. Construct it once the application's `request` listener is on the
 * server: a request on a connection over its address's cap reaches the application no more; the
 * WebSocket server asks `upgradeRefusal` before it takes an upgrade.
 */
export class ConnectionCaps {
  private readonly perAddress: SocketsPerCaller;
  private readonly overAddressCap = new WeakSet<Socket | Duplex>();

  constructor(server: Server, options: ConnectionCapOptions, metrics: ServiceMetrics) {
    this.perAddress = new SocketsPerCaller(options.perAddress);
    let open = 0;
    metrics.gauge({
      name: 'gpux_connections_open',
      help: 'TCP connections the gateway holds, WebSockets among them (GATEWAY_MAX_CONNECTIONS caps them)',
      collect() {
        this.set(open);
      },
    });
    const refused = metrics.counter<'reason'>({
      name: 'gpux_connections_refused_total',
      help: "TCP connections refused: over their address's cap (address_cap, answered 429) or the gateway's (gateway_cap, dropped)",
      labelNames: ['reason'],
    });

    server.maxConnections = options.max;
    server.on('drop', () => refused.inc({ reason: 'gateway_cap' }));
    server.prependListener('connection', (socket: Socket) => {
      open += 1;
      const address = socket.remoteAddress ?? 'unknown';
      const counted = this.perAddress.take(address);
      if (!counted) {
        this.overAddressCap.add(socket);
        refused.inc({ reason: 'address_cap' });
      }
      socket.once('close', () => {
        open -= 1;
        if (counted) this.perAddress.release(address);
      });
    });

    const application = server.listeners('request') as ((
      req: IncomingMessage,
      res: ServerResponse,
    ) => void)[];
    server.removeAllListeners('request');
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      if (this.overAddressCap.has(req.socket)) return answerOverAddressCap(res, this.perAddress.max);
      for (const listener of application) listener.call(server, req, res);
    });
  }

  /** The raw HTTP answer to an upgrade on `socket`, when its connection is over its address's cap. */
  upgradeRefusal(socket: Duplex): string | undefined {
    return this.overAddressCap.has(socket)
      ? rawRetryAnswer(
          '429 Too Many Requests',
          addressCapMessage(this.perAddress.max),
          ADDRESS_RETRY_AFTER_SECONDS,
        )
      : undefined;
  }
}
