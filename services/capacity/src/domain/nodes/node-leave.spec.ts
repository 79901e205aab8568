import {
  answer,
  certifiedNode,
  challengeOf,
  issue,
  join,
  Node,
  proofOf,
  T0,
} from './node-certification.fixture';
import type { NodeCommand, NodeEvent } from './node.decider';

const leave = (sessionId: string): NodeCommand => ({
  type: 'capacity.LeaveSession',
  data: { nodeId: 'n1', sessionId },
});
const lost = (sessionId: string): NodeCommand => ({
  type: 'capacity.DeclareNodeLost',
  data: { nodeId: 'n1', sessionId, lastHeartbeatAt: null },
});
const types = (events: NodeEvent[]) => events.map((e) => e.type);
const notCurrent = { kind: 'rejected', code: 'NOT_FOUND', field: 'sessionId' };

describe('a worker that leaves ends its session at once', () => {
  it('a node that cannot sell leaves without a breach, and the watchdog cannot declare that session lost after', () => {
    const node = new Node();
    expect(node.events(leave('s0'), T0)).toEqual([
      { type: 'capacity.NodeLeft', data: { nodeId: 'n1', sessionId: 's0' } },
    ]);
    expect(node.state.sessionId).toBeNull();
    expect(node.state.suspended).toBeNull();
    // The watchdog's tick read the session before it ended: its DeclareNodeLost changes nothing.
    expect(node.decide(lost('s0'), T0 + 1)).toMatchObject(notCurrent);
    // A second leave (a retry whose first answer was lost) is told the session is over.
    expect(node.decide(leave('s0'), T0 + 2)).toMatchObject(notCurrent);
  });

  it('a node that can sell stops selling now: suspended NODE_LEFT, dated when it left', () => {
    const node = certifiedNode();
    expect(node.events(leave('s0'), T0 + 1_000)).toEqual([
      { type: 'capacity.NodeLeft', data: { nodeId: 'n1', sessionId: 's0' } },
      {
        type: 'capacity.SlaBreached',
        data: {
          nodeId: 'n1',
          providerId: 'prov',
          marketId: 'h100',
          reason: 'NODE_LEFT',
          detail: 'the worker left (session s0)',
          at: new Date(T0 + 1_000).toISOString(),
        },
      },
    ]);
    expect(node.state.suspended).toEqual({ reason: 'NODE_LEFT', at: new Date(T0 + 1_000).toISOString() });
  });

  it('dates the breach when the gateway took the leave (its heartbeat), not at a later decision', () => {
    const node = certifiedNode();
    const tookAt = new Date(T0 + 1_000).toISOString();
    const events = node.events(
      { type: 'capacity.LeaveSession', data: { nodeId: 'n1', sessionId: 's0', lastHeartbeatAt: tookAt } },
      T0 + 1_800,
    );
    expect(events.find((e) => e.type === 'capacity.SlaBreached')?.data).toMatchObject({
      reason: 'NODE_LEFT',
      at: tookAt,
    });
  });

  it('joining again and recertifying lifts the suspension', () => {
    const node = certifiedNode();
    node.events(leave('s0'), T0 + 1_000);
    node.events(join('s1'), T0 + 2_000);
    const again = challengeOf(node.events(issue('certification'), T0 + 2_001));
    expect(types(answer(node, again, T0 + 2_005))).toEqual(['capacity.NodeCertified']);
    expect(node.state.suspended).toBeNull();
  });

  it('a certification in flight ends with the session: its answer is refused', () => {
    const node = new Node();
    const challenge = challengeOf(node.events(issue('certification'), T0));
    const proof = proofOf(challenge);
    expect(node.events(leave('s0'), T0 + 1)).toEqual([
      expect.objectContaining({ type: 'capacity.NodeLeft' }),
      {
        type: 'capacity.NodeCertificationFailed',
        data: expect.objectContaining({
          purpose: 'certification',
          reason: 'SUPERSEDED',
          detail: expect.stringMatching(/session s0 ended: the worker left/),
        }),
      },
    ]);
    expect(node.decide(proof.commit, T0 + 2)).toMatchObject({ kind: 'rejected', code: 'NOT_FOUND' });
    expect(node.state.certification).toBeNull();
  });

  it('a session that was replaced cannot be left: the new one goes on', () => {
    const node = new Node();
    node.events(join('s1'), T0);
    expect(node.decide(leave('s0'), T0 + 1)).toMatchObject({
      ...notCurrent,
      message: expect.stringMatching(/session s0 of node n1 is not the current one/),
    });
    expect(node.state.sessionId).toBe('s1');
  });

  it('a spot check stays due: it fails past its deadline without a second breach', () => {
    const node = certifiedNode();
    const spot = challengeOf(node.events(issue('spot'), T0 + 1_000));
    expect(types(node.events(leave('s0'), T0 + 1_001))).toEqual([
      'capacity.NodeLeft',
      'capacity.SlaBreached',
    ]);
    expect(node.state.challenge).toMatchObject({ purpose: 'spot', challenge: { id: spot.id } });
    expect(
      types(
        node.events(
          { type: 'capacity.ExpireChallenge', data: { nodeId: 'n1', challengeId: spot.id } },
          spot.deadline + 1,
        ),
      ),
    ).toEqual(['capacity.NodeCertificationFailed']);
  });
});
