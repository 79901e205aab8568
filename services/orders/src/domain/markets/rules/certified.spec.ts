import type { NodeRecord } from '@gpux/contracts';
import { h100, nodeRecord } from '../market.fixture';
import { uncertified } from './certified';

const NOW = new Date('2026-06-01T12:00:00.000Z');
const spec = h100;
const node = (extra: Partial<NodeRecord> = {}) => nodeRecord({ certifiedTflopsPerGpu: 300, ...extra });
const at = (ms: number) => new Date(NOW.getTime() + ms).toISOString();

describe('the certification rule', () => {
  it('lets a node sell certified at the market minimum or above, with no expiry or one to come', () => {
    expect(uncertified(node(), spec, NOW)).toBeNull();
    expect(uncertified(node({ certifiedTflopsPerGpu: 350, certifiedUntil: at(1) }), spec, NOW)).toBeNull();
  });

  it('refuses a node not certified, or certified below the market minimum', () => {
    expect(uncertified(node({ certifiedTflopsPerGpu: null }), spec, NOW)).toBe(
      'node n1 is not certified for at least 300 TFLOP/s per GPU',
    );
    expect(uncertified(node({ certifiedTflopsPerGpu: 299.9 }), spec, NOW)).toBe(
      'node n1 is not certified for at least 300 TFLOP/s per GPU',
    );
  });

  it('refuses a node whose certification expired, at its expiry itself', () => {
    expect(uncertified(node({ certifiedUntil: at(0) }), spec, NOW)).toBe(
      `the certification of node n1 expired at ${at(0)}`,
    );
    expect(uncertified(node({ certifiedUntil: at(-1) }), spec, NOW)).toBe(
      `the certification of node n1 expired at ${at(-1)}`,
    );
  });
});
