// Test support: subscriptions through graphql-ws against a real gateway, and what a race of
// watchers against changes must come to (the first-view int-specs of markets and nodes).
import { projectionKeys } from '@gpux/eventsourcing';
import { waitUntil } from '@gpux/testing';
import { Client, createClient } from 'graphql-ws';
import type Redis from 'ioredis';
import WebSocket from 'ws';

/** A lazy graphql-ws client of the gateway at `gatewayUrl`, with `authorization` if given. */
export function subscriptionClient(gatewayUrl: string, authorization?: string): Client {
  return createClient({
    url: gatewayUrl.replace(/^http/, 'ws') + '/graphql',
    webSocketImpl: WebSocket,
    ...(authorization ? { connectionParams: { authorization } } : {}),
    lazy: true,
  });
}

/** The graphql-ws clients a spec opens (`open`), each disposed at its end (`disposeAll`). */
export class SubscriptionClients {
  private readonly clients: Client[] = [];

  /** `gatewayUrl`: read at each `open` (the gateway starts in the spec's beforeAll). */
  constructor(private readonly gatewayUrl: () => string) {}

  /** A lazy client of the gateway (subscriptionClient), with `authorization` if given. */
  open(authorization?: string): Client {
    const client = subscriptionClient(this.gatewayUrl(), authorization);
    this.clients.push(client);
    return client;
  }

  async disposeAll(): Promise<void> {
    await Promise.all(this.clients.splice(0).map((c) => c.dispose()));
  }
}

/** A subscription's messages (its root field's data) and errors as they come. */
export interface Watcher<T> {
  messages: T[];
  errors: unknown[];
  /** Whether the server completed the operation (graphql-ws `complete`). */
  readonly completed: boolean;
  stop: () => void;
  /** Waits for `n` messages, or an error. */
  until: (n: number) => Promise<void>;
}

export function watchSubscription<T>(
  client: Client,
  query: string,
  variables: Record<string, unknown>,
): Watcher<T> {
  const messages: T[] = [];
  const errors: unknown[] = [];
  let completed = false;
  const stop = client.subscribe<Record<string, T>>(
    { query, variables },
    {
      next: (v) => {
        if (v.errors) errors.push(v.errors);
        else if (v.data) messages.push(Object.values(v.data)[0] as T);
      },
      error: (e) => errors.push(e),
      complete: () => {
        completed = true;
      },
    },
  );
  return {
    messages,
    errors,
    get completed() {
      return completed;
    },
    stop,
    until: (n: number) =>
      waitUntil(`${n} messages (${JSON.stringify(messages)})`, () => messages.length >= n || !!errors.length),
  };
}

/**
 * What watchers that subscribed while a view changed `last` times, each change counting a figure
 * up (`figure` reads it from a message), must have been sent: every one ends at `last`, its figures
 * only go up and never repeat (no older view after a newer one, none twice), no errors, and
 * nothing more comes after. Stops them.
 */
export async function expectRaceSettled<T>(
  watchers: Watcher<T>[],
  figure: (message: T) => number,
  last: number,
): Promise<void> {
  const figures = (w: Watcher<T>) => w.messages.map(figure);
  await waitUntil(
    'every watcher at the last change',
    () => watchers.every((w) => figures(w).at(-1) === last),
    10_000,
  ).catch(() => undefined);
  const seen = watchers.map(figures);
  expect(seen.map((s) => s.at(-1))).toEqual(watchers.map(() => last));
  for (const s of seen)
    expect(s).toEqual([...s].sort((a, b) => a - b).filter((g, i, all) => all.indexOf(g) === i));
  expect(watchers.flatMap((w) => w.errors)).toEqual([]);
  // Nothing more comes: the last view was each watcher's last message.
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(watchers.map(figures)).toEqual(seen);
  for (const w of watchers) w.stop();
}

/** Waits for `watcher` to end, and expects it ended UNAVAILABLE with nothing sent before. */
export async function expectEndedUnavailable(watcher: Watcher<unknown>): Promise<void> {
  await watcher.until(1);
  expect(watcher.messages).toEqual([]);
  expect(watcher.errors).toEqual([
    [expect.objectContaining({ extensions: expect.objectContaining({ code: 'UNAVAILABLE' }) })],
  ]);
}

/** Runs `during` while the model `name` is marked as being rebuilt, as a rebuild marks it. */
export async function whileRebuilding(
  redis: Redis,
  name: string,
  during: () => Promise<void>,
): Promise<void> {
  const marker = projectionKeys(name).rebuilding;
  await redis.set(marker, '1');
  try {
    await during();
  } finally {
    await redis.del(marker);
  }
}
