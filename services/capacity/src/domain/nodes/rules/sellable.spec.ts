import type { NodeCertified } from '@gpux/contracts';
import { initialNodeState } from '../node';
import { sellable } from './sellable';

const certification = { nodeId: 'n1', method: 'admin', tflopsPerGpu: { f32: 10 } } as NodeCertified;

describe('the sellable rule', () => {
  it('holds for a certified node that is not suspended', () => {
    expect(sellable({ ...initialNodeState(), certification })).toBe(true);
    expect(sellable({ ...initialNodeState(), certification, suspended: null })).toBe(true);
  });

  it('fails for a node never certified, or suspended', () => {
    expect(sellable(initialNodeState())).toBe(false);
    expect(
      sellable({
        ...initialNodeState(),
        certification,
        suspended: { reason: 'NODE_LOST', at: '2026-06-01T00:00:00Z' },
      }),
    ).toBe(false);
  });

  it('fails for a node certified with an f16 figure only: markets trade on f32', () => {
    const f16Only = { ...certification, method: 'challenge', tflopsPerGpu: { f32: 0, f16: 80 } } as const;
    expect(sellable({ ...initialNodeState(), certification: f16Only })).toBe(false);
  });
});
