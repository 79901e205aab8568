import { scenario } from '@gpux/eventsourcing/domain';
import { registered, registration } from '../node-certification.fixture';
import { nodeDecider } from '../node.decider';

const NOW = new Date('2026-06-01T12:00:00.000Z');
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
      .when(
        { type: 'capacity.RegisterNode', data: { ...registration, providerId: 'prov-other' } },
        { now: NOW },
      )
      .thenRejects('ALREADY_EXISTS', 'nodeId');
    expect(refusal.message).toBe(
      'node n1 already exists: it belongs to another provider: register yours under another nodeId',
    );
  });
});
