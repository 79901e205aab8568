import type { Envelope, NodeCertified, RegisterNode } from '@gpux/contracts';
import { nodeListings } from './node-listings.process-manager';

const event = (type: string, data: unknown): Envelope => ({
  id: 'e1',
  type,
  source: 'capacity',
  subject: 'n1',
  time: '2026-06-01T12:00:00.000Z',
  schemaVersion: 1,
  correlationId: 'c',
  causationId: 'c',
  data,
});
const registration: RegisterNode = {
  nodeId: 'n1',
  providerId: 'prov-1',
  gpuModel: 'H100-80GB',
  gpus: 8,
  region: 'eu-west',
  marketId: 'H100',
  credentialHash: 'a'.repeat(64),
};
const certification: NodeCertified = {
  nodeId: 'n1',
  providerId: 'prov-1',
  marketId: 'H100',
  gpus: 8,
  tflopsPerGpu: { f32: 312.5, f16: 640 },
  efficiency: 0.42,
  tier: 'silver',
  expiresAt: '2026-07-01T12:00:00.000Z',
  method: 'challenge',
};

describe('node listings process manager (capacity → orders)', () => {
  it('records a registered node in its market, uncertified, keyed by the market', () => {
    expect(nodeListings.react(event('capacity.NodeRegistered', registration))).toEqual([
      {
        type: 'orders.RecordNode',
        subject: 'H100',
        data: { marketId: 'H100', nodeId: 'n1', providerId: 'prov-1', gpus: 8, certifiedTflopsPerGpu: null },
      },
    ]);
  });

  it('records a certification with its measured f32 TFLOP/s per GPU and its expiry', () => {
    expect(nodeListings.react(event('capacity.NodeCertified', certification))).toEqual([
      {
        type: 'orders.RecordNode',
        subject: 'H100',
        data: {
          marketId: 'H100',
          nodeId: 'n1',
          providerId: 'prov-1',
          gpus: 8,
          certifiedTflopsPerGpu: 312.5,
          certifiedUntil: '2026-07-01T12:00:00.000Z',
        },
      },
    ]);
  });

  it('records a node certified with an f16 figure only as uncertified: markets trade on f32', () => {
    const f16Only = { ...certification, tflopsPerGpu: { f32: 0, f16: 640 } };
    expect(nodeListings.react(event('capacity.NodeCertified', f16Only))).toEqual([
      {
        type: 'orders.RecordNode',
        subject: 'H100',
        data: expect.objectContaining({ nodeId: 'n1', certifiedTflopsPerGpu: null }),
      },
    ]);
  });

  it('ignores other events', () => {
    expect(
      nodeListings.react(
        event('capacity.CommandRejected', {
          commandType: 'capacity.RegisterNode',
          code: 'ALREADY_EXISTS',
          message: 'no',
        }),
      ),
    ).toEqual([]);
    expect(nodeListings.react(event('capacity.PartitionClaimed', {}))).toEqual([]);
  });
});
