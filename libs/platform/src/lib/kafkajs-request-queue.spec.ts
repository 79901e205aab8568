import { dirname, join } from 'node:path';

/**
 * kafkajs 2.2.4 is patched (`patches/kafkajs+2.2.4.patch`): its request queue's check of pending
 * requests re-armed itself every time it ran, with `throttledUntil - Date.now()` as the delay
 * (negative while nothing was throttled, so 1 ms). A queue that had served one request kept a
 * 1 ms timer for as long as its connection lived: about 3 % of a core in every Node process,
 * and Node 24 printed a TimeoutNegativeWarning for it. The patched queue arms the check only
 * while a request waits (for an in-flight slot, or for a throttle to end).
 */
interface Entry {
  correlationId: number;
  apiKey: number;
  apiName: string;
  apiVersion: number;
  resolve: (result: unknown) => void;
  reject: (error: unknown) => void;
}
interface RequestQueueLike {
  push(request: { entry: Entry; expectResponse: boolean; sendRequest: () => void }): void;
  fulfillRequest(response: { correlationId: number; payload: Buffer; size: number }): void;
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
  destroy(): void;
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  pending: unknown[];
}
const RequestQueue = require(
  join(dirname(require.resolve('kafkajs/package.json')), 'src/network/requestQueue'),
) as new (options: Record<string, unknown>) => RequestQueueLike;

const queue = (maxInFlightRequests: number | null) =>
  new RequestQueue({
    maxInFlightRequests,
    requestTimeout: 30_000,
    enforceRequestTimeout: false,
    clientId: 'spec',
    broker: '127.0.0.1:1',
    logger: { debug: () => undefined, warn: () => undefined, error: () => undefined },
  });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Pushes a request that expects a response; `sent` lists the correlation ids sent, in order. */
function push(q: RequestQueueLike, correlationId: number, sent: number[]): void {
  q.push({
    entry: {
      correlationId,
      apiKey: 0,
      apiName: 'Produce',
      apiVersion: 7,
      resolve: () => undefined,
      reject: () => undefined,
    },
    expectResponse: true,
    sendRequest: () => void sent.push(correlationId),
  });
}

describe("kafkajs' request queue (patched)", () => {
  const warnings: Error[] = [];
  const onWarning = (warning: Error) => void warnings.push(warning);
  beforeAll(() => process.on('warning', onWarning));
  afterAll(() => process.off('warning', onWarning));

  it('keeps no timer while nothing waits, after serving requests too', async () => {
    const q = queue(null);
    const sent: number[] = [];
    push(q, 1, sent);
    q.fulfillRequest({ correlationId: 1, payload: Buffer.alloc(0), size: 0 });
    q.scheduleCheckPendingRequests();
    q.checkPendingRequests();
    expect(sent).toEqual([1]);
    expect(q.throttleCheckTimeoutId).toBeNull();
    await sleep(20);
    expect(q.throttleCheckTimeoutId).toBeNull();
    expect(warnings.filter((w) => w.name === 'TimeoutNegativeWarning')).toEqual([]);
    q.destroy();
  });

  it('sends a request that waited for an in-flight slot once the slot is free, then stops checking', async () => {
    const q = queue(1);
    const sent: number[] = [];
    push(q, 1, sent);
    push(q, 2, sent);
    expect(sent).toEqual([1]);
    expect(q.pending).toHaveLength(1);
    q.fulfillRequest({ correlationId: 1, payload: Buffer.alloc(0), size: 0 });
    expect(sent).toEqual([1, 2]);
    q.fulfillRequest({ correlationId: 2, payload: Buffer.alloc(0), size: 0 });
    // The check armed while request 2 waited runs once more, finds nothing, and is not re-armed.
    await sleep(30);
    expect(q.throttleCheckTimeoutId).toBeNull();
    q.destroy();
  });

  it('sends a request that waited for a throttle when the throttle ends, with no response to prompt it', async () => {
    const q = queue(null);
    const sent: number[] = [];
    q.throttledUntil = Date.now() + 40;
    push(q, 1, sent);
    expect(sent).toEqual([]);
    expect(q.throttleCheckTimeoutId).not.toBeNull();
    await sleep(80);
    expect(sent).toEqual([1]);
    q.fulfillRequest({ correlationId: 1, payload: Buffer.alloc(0), size: 0 });
    await sleep(30);
    expect(q.throttleCheckTimeoutId).toBeNull();
    q.destroy();
  });
});
