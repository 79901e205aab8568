import type { RegisterNode } from '@gpux/contracts';
import { scenario } from '@gpux/eventsourcing/domain';
import { nodeDecider, NodeEvent } from '../node.decider';

const NOW = new Date('2026-06-01T12:00:00.000Z');
const registration: RegisterNode = {
  nodeId: 'n1',
  providerId: 'prov-1',
  gpuModel: 'H100-80GB',
  gpus: 8,
  region: 'eu-west',
  marketId: 'H100',
  credentialHash: 'a'.repeat(64),
};
const registered: NodeEvent = { type: 'capacity.NodeRegistered', data: registration };
const node = scenario(nodeDecider);

describe('registering a node id registered already', () => {
  it('tells its own provider how to get a new credential, or that another machine needs another id', () => {
    const refusal = node
      .given(registered)
      .when({ type: 'capacity.RegisterNode', data: { ...registration, gpus: 4 } }, { now: NOW })
      .thenRejects('ALREADY_EXISTS', 'nodeId');
    expect(refusal.message).toBe(
      'node n1 already exists: a node is registered once, and its GPUs, market and model stay as registered: for a new credential (the first one lost), rotateNodeCredential(nodeId: "n1"); for another machine, or other GPUs, register a new nodeId',
    );
  });

  it("tells another provider to choose another id, without anything of the node's", () => {
    const refusal = node
      .given(registered)
      .when({ type: 'capacity.RegisterNode', data: { ...registration, providerId: 'prov-2' } }, { now: NOW })
      .thenRejects('ALREADY_EXISTS', 'nodeId');
    expect(refusal.message).toBe(
      'node n1 already exists: it belongs to another provider: register yours under another nodeId',
    );
  });
});
