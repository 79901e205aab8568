import {
  issueChallengeSchema,
  markNodeCertifiedSchema,
  registerNodeCommandSchema,
  startSessionCommandSchema,
} from './capacity/nodes';
import { aMarket, aNode } from './commands.fixture';
import { entityId } from './envelope';
import { ID_LIMITS, NUMBER_LIMITS, TEXT_LIMITS } from './limits';
import { openMarketSchema, orderSchema } from './orders/market';
import { depositSchema, openAccountSchema } from './settlement/accounts';

// The API states these bounds to its callers (the gateway's descriptions read them): the commands'
// schemas must hold callers to exactly them, no more and no less.
const order = {
  marketId: 'h100',
  orderId: 'o1',
  side: 'bid',
  accountId: 'a1',
  price: 2_000_000,
  gpus: 1,
  hours: 1,
  timeInForce: 'GTC',
};
const challenge = { nodeId: 'n1', purpose: 'certification', claimedTflops: 100, seed: 'a'.repeat(32) };

describe('TEXT_LIMITS', () => {
  it('takes each text up to its limit and no further', () => {
    const cases: [keyof typeof TEXT_LIMITS, (text: string) => boolean][] = [
      ['owner', (owner) => openAccountSchema.safeParse({ accountId: 'a1', owner }).success],
      [
        'reference',
        (reference) => depositSchema.safeParse({ accountId: 'a1', amount: 1, reference }).success,
      ],
      ['gpuModel', (gpuModel) => registerNodeCommandSchema.safeParse({ ...aNode, gpuModel }).success],
      ['region', (region) => registerNodeCommandSchema.safeParse({ ...aNode, region }).success],
      ['gpuClass', (gpuClass) => openMarketSchema.safeParse({ ...aMarket, gpuClass }).success],
      [
        'adapter',
        (adapter) => startSessionCommandSchema.safeParse({ nodeId: 'n1', sessionId: 's1', adapter }).success,
      ],
    ];
    for (const [name, takes] of cases) {
      expect([name, takes('x'.repeat(TEXT_LIMITS[name]))]).toEqual([name, true]);
      expect([name, takes('x'.repeat(TEXT_LIMITS[name] + 1))]).toEqual([name, false]);
    }
  });
});

describe('ID_LIMITS', () => {
  it("takes a market's id up to its limit and no further, so that its trades' ids fit an id", () => {
    const opens = (marketId: string) => openMarketSchema.safeParse({ ...aMarket, marketId }).success;
    expect(opens('m'.repeat(ID_LIMITS.marketId))).toBe(true);
    expect(opens('m'.repeat(ID_LIMITS.marketId + 1))).toBe(false);
    // The longest market's trade ids, up to the largest trade number: still an id.
    const tradeId = `${'m'.repeat(ID_LIMITS.marketId)}-t${Number.MAX_SAFE_INTEGER}`;
    expect(entityId.safeParse(tradeId).success).toBe(true);
  });
});

describe('NUMBER_LIMITS', () => {
  it('takes each number up to its limit and no further', () => {
    const cases: [string, number, (n: number) => boolean][] = [
      ['order gpus', NUMBER_LIMITS.orderGpus, (gpus) => orderSchema.safeParse({ ...order, gpus }).success],
      [
        'minGpusPerNode',
        NUMBER_LIMITS.orderGpus,
        (minGpusPerNode) => orderSchema.safeParse({ ...order, minGpusPerNode }).success,
      ],
      ['order hours', NUMBER_LIMITS.hours, (hours) => orderSchema.safeParse({ ...order, hours }).success],
      [
        'node gpus',
        NUMBER_LIMITS.nodeGpus,
        (gpus) => registerNodeCommandSchema.safeParse({ ...aNode, gpus }).success,
      ],
      [
        'certified tflopsPerGpu',
        NUMBER_LIMITS.tflops,
        (tflopsPerGpu) =>
          markNodeCertifiedSchema.safeParse({ nodeId: 'n1', tflopsPerGpu, validForMs: 3_600_000 }).success,
      ],
      [
        'claimedTflops',
        NUMBER_LIMITS.tflops,
        (claimedTflops) => issueChallengeSchema.safeParse({ ...challenge, claimedTflops }).success,
      ],
      [
        'minTflopsPerGpu',
        NUMBER_LIMITS.tflops,
        (minTflopsPerGpu) => openMarketSchema.safeParse({ ...aMarket, minTflopsPerGpu }).success,
      ],
      [
        'feeRateBps',
        NUMBER_LIMITS.feeRateBps,
        (feeRateBps) => openMarketSchema.safeParse({ ...aMarket, feeRateBps }).success,
      ],
    ];
    for (const [name, limit, takes] of cases) {
      expect([name, takes(limit)]).toEqual([name, true]);
      expect([name, takes(limit + 1)]).toEqual([name, false]);
    }
  });
});
