// gql and subscribe as the sign-out on a refused key sees them: fetch and graphql-ws stand in for
// the gateway (the console's tests run in Node, without a browser).
import type { Sink } from 'graphql-ws';

interface FakeSocket {
  connectionParams: () => Record<string, string>;
  sinks: Sink[];
  dispose: jest.Mock;
}
const sockets: FakeSocket[] = [];

jest.mock('graphql-ws', () => ({
  createClient: (options: { connectionParams: () => Record<string, string> }) => {
    const created: FakeSocket = { connectionParams: options.connectionParams, sinks: [], dispose: jest.fn() };
    sockets.push(created);
    return {
      subscribe: (_payload: unknown, sink: Sink) => {
        created.sinks.push(sink);
        return () => undefined;
      },
      dispose: created.dispose,
    };
  },
}));

Object.assign(globalThis, { window: { location: { href: 'http://127.0.0.1:4000/' } } });

type Client = typeof import('./client');
type Session = typeof import('./session');
let gql: Client['gql'];
let subscribe: Client['subscribe'];
let session: Session['session'];

beforeAll(async () => {
  ({ gql, subscribe } = await import('./client'));
  ({ session } = await import('./session'));
});

/** What fetch answers next: a GraphQL body, a status without one, or a network failure. */
const answer = (body: unknown, status = 200) => {
  globalThis.fetch = jest.fn(async () =>
    body === undefined
      ? new Response('<html>bad gateway</html>', { status })
      : new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } }),
  ) as typeof fetch;
};
const refused = { errors: [{ message: 'unknown API key', extensions: { code: 'UNAUTHENTICATED' } }] };

const signIn = (key: string) => {
  session.set(key);
  session.accept(key);
};

beforeEach(() => {
  session.set(null);
  sockets.splice(0);
});

describe('gql', () => {
  it('signs out when the gateway refuses the key held (UNAUTHENTICATED), and still throws', async () => {
    signIn('gpx_a');
    answer(refused);
    await expect(gql('{ me { id } }')).rejects.toThrow('UNAUTHENTICATED: unknown API key');
    expect(session.key).toBeNull();
    expect(session.refused).toBe(true);
    // Nothing is sent with the refused key again.
    answer({ data: { markets: { edges: [] } } });
    await gql('{ markets(first: 1) { edges { node { id } } } }');
    const [, init] = (globalThis.fetch as jest.Mock).mock.calls[0] as [string, RequestInit];
    expect(init.headers).not.toHaveProperty('authorization');
  });

  it('keeps the key on other errors: an outage, a rate limit, the network, a 5xx', async () => {
    signIn('gpx_a');
    for (const code of ['UNAVAILABLE', 'RATE_LIMITED', 'FORBIDDEN']) {
      answer({ errors: [{ message: 'x', extensions: { code } }] });
      await expect(gql('{ me { id } }')).rejects.toThrow(code);
    }
    answer(undefined, 502);
    await expect(gql('{ me { id } }')).rejects.toThrow('HTTP: HTTP 502');
    globalThis.fetch = jest.fn(async () => {
      throw new TypeError('fetch failed');
    }) as typeof fetch;
    await expect(gql('{ me { id } }')).rejects.toThrow('NETWORK');
    expect(session.key).toBe('gpx_a');
    expect(session.refused).toBe(false);
  });

  it("leaves a key refused at sign-in (not accepted yet) to the sign-in's own handling", async () => {
    session.set('gpx_a');
    answer(refused);
    await expect(gql('{ me { id } }')).rejects.toThrow('UNAUTHENTICATED');
    expect(session.key).toBe('gpx_a');
  });

  it('keeps a key signed in after the refused request was sent', async () => {
    signIn('gpx_a');
    let answered: (r: Response) => void = () => undefined;
    globalThis.fetch = jest.fn(
      () => new Promise<Response>((resolve) => (answered = resolve)),
    ) as typeof fetch;
    const pending = gql('{ me { id } }');
    session.set(null);
    signIn('gpx_b');
    answered(new Response(JSON.stringify(refused)));
    await expect(pending).rejects.toThrow('UNAUTHENTICATED');
    expect(session.key).toBe('gpx_b');
  });
});

describe('subscribe', () => {
  it("signs out on a close 4401 and closes the key's socket, before the page hears of it", () => {
    signIn('gpx_a');
    const keyAtError: (string | null)[] = [];
    subscribe(
      'subscription { myOrderUpdated { id } }',
      {},
      () => undefined,
      () => keyAtError.push(session.key),
    );
    const [socket] = sockets;
    expect(socket!.connectionParams()).toEqual({ authorization: 'Bearer gpx_a' });
    socket!.sinks[0]!.error({ code: 4401, reason: 'the API key was revoked' });
    expect(keyAtError).toEqual([null]);
    expect(session.refused).toBe(true);
    expect(socket!.dispose).toHaveBeenCalled();
    // The next subscription (a public page's) goes out on a socket without the key.
    subscribe('subscription { tickerUpdated(marketId: "h100") { last } }', {}, () => undefined);
    expect(sockets[1]!.connectionParams()).toEqual({});
  });

  it('signs out on UNAUTHENTICATED errors of a subscription', () => {
    signIn('gpx_a');
    subscribe('subscription { myOrderUpdated { id } }', {}, () => undefined);
    sockets[0]!.sinks[0]!.error(refused.errors);
    expect(session.key).toBeNull();
  });

  it('keeps the key on other closes and errors', () => {
    signIn('gpx_a');
    const errors: string[] = [];
    subscribe(
      'subscription { myOrderUpdated { id } }',
      {},
      () => undefined,
      (e) => errors.push(e.message),
    );
    subscribe(
      'subscription { myOrderUpdated { id } }',
      {},
      () => undefined,
      (e) => errors.push(e.message),
    );
    subscribe(
      'subscription { myOrderUpdated { id } }',
      {},
      () => undefined,
      (e) => errors.push(e.message),
    );
    const [first, second, third] = sockets[0]!.sinks;
    first!.error({ code: 1008, reason: 'too many sockets' });
    second!.error([{ message: 'try again', extensions: { code: 'UNAVAILABLE' } }]);
    third!.next({ errors: [{ message: 'slow down', extensions: { code: 'RATE_LIMITED' } }] } as never);
    expect(errors).toHaveLength(3);
    expect(session.key).toBe('gpx_a');
    expect(sockets[0]!.dispose).not.toHaveBeenCalled();
  });
});
