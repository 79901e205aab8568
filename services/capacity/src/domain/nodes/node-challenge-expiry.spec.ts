import type { NodeCommand } from './node.decider';
import { answer, challengeOf, issue, Node, T0 } from './node-certification.fixture';

const expire = (challengeId: string): NodeCommand => ({
  type: 'capacity.ExpireChallenge',
  data: { nodeId: 'n1', challengeId },
});

describe('expiring a challenge', () => {
  it('refuses an expiry before the deadline, and expires on an attempt after it', () => {
    const node = new Node();
    answer(node, challengeOf(node.events(issue('certification'), T0)), T0 + 4);
    const spot = challengeOf(node.events(issue('spot'), T0 + 1_000));
    expect(node.decide(expire(spot.id), spot.deadline)).toMatchObject({
      kind: 'rejected',
      code: 'BAD_USER_INPUT',
      field: 'challengeId',
    });
    expect(node.events(expire(spot.id), spot.deadline + 1).map((e) => e.type)).toEqual([
      'capacity.NodeCertificationFailed',
      'capacity.SlaBreached',
    ]);
  });

  it("dates an unanswered spot check's breach at the node's last heartbeat, where it came before the expiry", () => {
    const node = new Node();
    answer(node, challengeOf(node.events(issue('certification'), T0)), T0 + 4);
    const spot = challengeOf(node.events(issue('spot'), T0 + 1_000));
    const beat = new Date(T0 + 1_100).toISOString();
    const events = node.events(
      {
        type: 'capacity.ExpireChallenge',
        data: { nodeId: 'n1', challengeId: spot.id, lastHeartbeatAt: beat },
      },
      spot.deadline + 1,
    );
    expect(events.find((e) => e.type === 'capacity.SlaBreached')?.data).toMatchObject({
      reason: 'CHALLENGE_FAILED',
      at: beat,
    });
    expect(node.state.suspended).toEqual({ reason: 'CHALLENGE_FAILED', at: beat });
  });

  it('excuses a spot check the marketplace could not take answers to: it ends SUPERSEDED and breaches nothing', () => {
    const spotOn = (node: Node) => {
      answer(node, challengeOf(node.events(issue('certification'), T0)), T0 + 4);
      return challengeOf(node.events(issue('spot'), T0 + 1_000));
    };
    const outage = (challengeId: string, from: number, until: number): NodeCommand => ({
      type: 'capacity.ExpireChallenge',
      data: {
        nodeId: 'n1',
        challengeId,
        unanswerable: { from: new Date(from).toISOString(), until: new Date(until).toISOString() },
      },
    });
    // An outage over before it was issued is no excuse: it fails, and the node is breached.
    const early = new Node();
    const missed = spotOn(early);
    expect(early.events(outage(missed.id, T0, T0 + 500), missed.deadline + 1)).toMatchObject([
      { type: 'capacity.NodeCertificationFailed', data: { reason: 'DEADLINE_MISSED' } },
      { type: 'capacity.SlaBreached' },
    ]);
    const node = new Node();
    const spot = spotOn(node);
    expect(
      node.events(outage(spot.id, spot.issuedAt + 10, spot.deadline + 5_000), spot.deadline + 5_001),
    ).toEqual([
      {
        type: 'capacity.NodeCertificationFailed',
        data: expect.objectContaining({ challengeId: spot.id, purpose: 'spot', reason: 'SUPERSEDED' }),
      },
    ]);
    expect(node.state.challenge).toBeNull();
    expect(node.state.suspended).toBeFalsy();
  });

  it('expires a challenge once: a second expiry, or one of a challenge no longer in flight, changes nothing', () => {
    const node = new Node();
    const c = challengeOf(node.events(issue('certification'), T0));
    node.events(expire(c.id), c.deadline + 1);
    const after = node.state;
    expect(node.decide(expire(c.id), c.deadline + 2)).toEqual({ kind: 'accepted', events: [] });
    const next = challengeOf(
      node.events(issue('certification', 0.001, 'fedcba9876543210fedcba9876543210'), c.deadline + 3),
    );
    expect(next.id).not.toBe(c.id);
    expect(node.decide(expire(c.id), next.deadline + 1)).toEqual({ kind: 'accepted', events: [] });
    expect(node.state.challenge).toMatchObject({ challenge: { id: next.id } });
    expect(after.challenge).toBeNull();
  });
});
