import { CoordinatorCache } from './kafka-coordinators';

/** A stand-in broker: plain objects and functions (the cache only routes; no Kafka here). */
function broker(nodeId: number, fail = false) {
  return {
    nodeId,
    async endTxn(): Promise<string> {
      if (fail) throw new Error('NOT_COORDINATOR');
      return `ended on ${nodeId}`;
    },
  };
}

describe('CoordinatorCache', () => {
  let now = 0;
  let finds = 0;
  const cache = () => new CoordinatorCache<ReturnType<typeof broker>>(1_000, () => now);
  const find =
    (nodeId: number, fail = false) =>
    async () => {
      finds++;
      return broker(nodeId, fail);
    };
  const byId = async (nodeId: number) => broker(nodeId);

  beforeEach(() => {
    now = 0;
    finds = 0;
  });

  it('asks once, then answers from memory with the broker of the remembered node', async () => {
    const c = cache();
    const first = await c.coordinator('1:txn', find(3), byId);
    const second = await c.coordinator('1:txn', find(9), byId);
    expect(finds).toBe(1);
    expect(first.nodeId).toBe(3);
    expect(second.nodeId).toBe(3);
    await expect(second.endTxn()).resolves.toBe('ended on 3');
  });

  it('keeps each key apart', async () => {
    const c = cache();
    await c.coordinator('1:txn', find(3), byId);
    const group = await c.coordinator('0:group', find(4), byId);
    expect(finds).toBe(2);
    expect(group.nodeId).toBe(4);
  });

  it('asks again once the answer is older than its maximum age', async () => {
    const c = cache();
    await c.coordinator('1:txn', find(3), byId);
    now = 1_000;
    const again = await c.coordinator('1:txn', find(5), byId);
    expect(finds).toBe(2);
    expect(again.nodeId).toBe(5);
  });

  it('forgets a coordinator whose request failed, and the failure reaches the caller unchanged', async () => {
    const c = cache();
    const stale = await c.coordinator('1:txn', find(3, true), byId);
    await expect(stale.endTxn()).rejects.toThrow('NOT_COORDINATOR');
    expect(c.remembers('1:txn')).toBe(false);
    const moved = await c.coordinator('1:txn', find(7), byId);
    expect(finds).toBe(2);
    await expect(moved.endTxn()).resolves.toBe('ended on 7');
  });

  it('looks a remembered node up again at once when its broker cannot be reached', async () => {
    const c = cache();
    await c.coordinator('1:txn', find(3), byId);
    const moved = await c.coordinator('1:txn', find(6), async () => {
      throw new Error('Connection error');
    });
    expect(finds).toBe(2);
    expect(moved.nodeId).toBe(6);
    expect(c.remembers('1:txn')).toBe(true);
  });

  it('does not remember a lookup that failed', async () => {
    const c = cache();
    await expect(
      c.coordinator(
        '1:txn',
        async () => {
          throw new Error('COORDINATOR_NOT_AVAILABLE');
        },
        byId,
      ),
    ).rejects.toThrow('COORDINATOR_NOT_AVAILABLE');
    expect(c.remembers('1:txn')).toBe(false);
  });
});
