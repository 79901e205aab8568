import type { NodeRecord } from '@gpux/contracts';
import { h100, nodeRecord } from '../market.fixture';
import { maySellAt, uncertified } from './certified';

const NOW = new Date('2026-06-01T12:00:00.000Z');
const spec = h100;
const node = (extra: Partial<NodeRecord> = {}) => nodeRecord({ certifiedTflopsPerGpu: 300, ...extra });
const at = (ms: number) => new Date(NOW.getTime() + ms).toISOString();

describe('the certification rule', () => {
  it('lets a node sell certified at the market minimum or above, with no expiry or one to come', () => {
    expect(uncertified(node(), spec, NOW)).toBeNull();
    expect(uncertified(node({ certifiedTflopsPerGpu: 350, certifiedUntil: at(1) }), spec, NOW)).toBeNull();
  });

  it('refuses a node not certified, or certified below the market minimum, saying what to do', () => {
    expect(uncertified(node({ certifiedTflopsPerGpu: null }), spec, NOW)).toBe(
      'node n1 is not certified (the market needs at least 300 TFLOP/s per GPU): run gpu-worker join for it',
    );
    expect(uncertified(node({ certifiedTflopsPerGpu: 299.9 }), spec, NOW)).toBe(
      "node n1 is certified at 299.9 TFLOP/s per GPU, below the market's minimum of 300: it cannot sell in this market",
    );
  });

  it('refuses a suspended node saying how it sells again: a revoked credential needs a new one first', () => {
    expect(uncertified({ ...node({ certifiedTflopsPerGpu: null }), suspended: 'NODE_LOST' }, spec, NOW)).toBe(
      'node n1 is suspended (NODE_LOST) until it certifies again: run gpu-worker join for it',
    );
    // `gpu-worker join` with the revoked credential is refused (exit 3): the message must say to rotate it.
    expect(
      uncertified({ ...node({ certifiedTflopsPerGpu: null }), suspended: 'CREDENTIAL_REVOKED' }, spec, NOW),
    ).toBe(
      'node n1 is suspended (CREDENTIAL_REVOKED) until it certifies again: its credential was revoked, so rotateNodeCredential gives it a new one; run gpu-worker join with that',
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

describe('the certification rule, as matching asks it of the nodes of the asks a bid reaches', () => {
  const nodes = {
    ok: node({ nodeId: 'ok' }),
    expired: node({ nodeId: 'expired', certifiedUntil: at(0) }),
    below: node({ nodeId: 'below', certifiedTflopsPerGpu: 299 }),
    suspended: node({ nodeId: 'suspended', certifiedTflopsPerGpu: null }),
  };

  it('lets sell exactly the nodes the rule lets sell at that moment, and no node not recorded', () => {
    const maySell = maySellAt(nodes, spec, NOW);
    expect(['ok', 'expired', 'below', 'suspended', 'n9', 'constructor'].map(maySell)).toEqual([
      true,
      false,
      false,
      false,
      false,
      false,
    ]);
    expect(maySellAt(nodes, spec, new Date(NOW.getTime() - 1))('expired')).toBe(true);
  });

  it('judges each node once per decision', () => {
    const judged = { ...nodes };
    const maySell = maySellAt(judged, spec, NOW);
    expect(maySell('ok')).toBe(true);
    // What it answered for a node stands for the rest of the decision.
    judged.ok = node({ nodeId: 'ok', certifiedTflopsPerGpu: null });
    expect(maySell('ok')).toBe(true);
    expect(maySellAt(judged, spec, NOW)('ok')).toBe(false);
  });
});
