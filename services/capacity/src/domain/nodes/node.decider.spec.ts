import type { RegisterNode } from '@gpux/contracts';
import { scenario } from '@gpux/eventsourcing/domain';
import { DEFAULT_SIZING } from '@gpux/certification';
import { createNodeDecider, NodeCommand, nodeDecider, NodeEvent } from './node.decider';

const NOW = new Date('2026-06-01T12:00:00.000Z');
const DAY = 86_400_000;
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
const markCertified = (tflopsPerGpu: number, validForMs: number): NodeCommand => ({
  type: 'capacity.MarkNodeCertified',
  data: { nodeId: 'n1', tflopsPerGpu, validForMs },
});

const node = scenario(nodeDecider);

describe('node decider', () => {
  describe('RegisterNode', () => {
    it('registers a node', () => {
      node
        .given()
        .when({ type: 'capacity.RegisterNode', data: registration }, { now: NOW })
        .then([registered]);
    });

    it('registers a node only once', () => {
      node
        .given(registered)
        .when({ type: 'capacity.RegisterNode', data: { ...registration, gpus: 4 } }, { now: NOW })
        .thenRejects('ALREADY_EXISTS', 'nodeId');
    });
  });

  describe('StartSession', () => {
    const join: NodeCommand = { type: 'capacity.StartSession', data: { nodeId: 'n1', sessionId: 's1' } };

    it("records how this capacity sizes challenges, for the session's worker to tune by", () => {
      const sizing = { minSize: 1024, maxSize: 4096, productMs: 7.5 };
      scenario(createNodeDecider({ certificateValidityMs: DAY, spotNoticeMs: 5_000, sizing }))
        .given(registered)
        .when(join, { now: NOW })
        .then([{ type: 'capacity.SessionStarted', data: { nodeId: 'n1', sessionId: 's1', sizing } }]);
    });

    it('records how this capacity watches the session, for the gateway to tell its worker', () => {
      const heartbeat = { intervalMs: 500, timeoutMs: 3_000 };
      scenario(createNodeDecider({ certificateValidityMs: DAY, spotNoticeMs: 500, heartbeat }))
        .given(registered)
        .when(join, { now: NOW })
        .then([
          {
            type: 'capacity.SessionStarted',
            data: { nodeId: 'n1', sessionId: 's1', sizing: DEFAULT_SIZING, heartbeat },
          },
        ]);
    });

    describe('conditional (joinSession with replace: false): expectedSessionId, the session the gateway found', () => {
      const started = (sessionId: string): NodeEvent => ({
        type: 'capacity.SessionStarted',
        data: { nodeId: 'n1', sessionId, sizing: DEFAULT_SIZING },
      });
      const once = (expectedSessionId: string | null, sessionId = 's-once'): NodeCommand => ({
        type: 'capacity.StartSession',
        data: { nodeId: 'n1', sessionId, expectedSessionId },
      });

      it('starts when the node still has the session found (none here), and records no expectation', () => {
        node
          .given(registered)
          .when(once(null), { now: NOW })
          .then([started('s-once')]);
      });

      it('replaces the session found, judged not live', () => {
        expect(node.given(registered, started('s0')).when(once('s0'), { now: NOW })).toMatchObject({
          kind: 'accepted',
          events: [started('s-once')],
        });
      });

      it('is refused, nothing recorded, when another join started a session after the gateway read the node', () => {
        // A restarted worker's plain join, decided between the --once's check and its start.
        node
          .given(registered, started('s-worker'))
          .when(once(null), { now: NOW })
          .thenRejects('ALREADY_EXISTS', 'expectedSessionId');
        node
          .given(registered, started('s0'), started('s-worker'))
          .when(once('s0'), { now: NOW })
          .thenRejects('ALREADY_EXISTS', 'expectedSessionId');
      });

      it("resumes the node's own current session (the same id again, after a lost answer) whatever was expected", () => {
        expect(
          node.given(registered, started('s-once')).when(once(null, 's-once'), { now: NOW }),
        ).toMatchObject({ kind: 'accepted', events: [started('s-once')] });
      });
    });

    it('records the default sizing where none is configured', () => {
      node
        .given(registered)
        .when(join, { now: NOW })
        .then([
          {
            type: 'capacity.SessionStarted',
            data: { nodeId: 'n1', sessionId: 's1', sizing: DEFAULT_SIZING },
          },
        ]);
    });
  });

  describe('MarkNodeCertified', () => {
    it('certifies a registered node, with its expiry from the clock', () => {
      node
        .given(registered)
        .when(markCertified(312.5, 30 * DAY), { now: NOW })
        .then([
          {
            type: 'capacity.NodeCertified',
            data: {
              nodeId: 'n1',
              providerId: 'prov-1',
              marketId: 'H100',
              gpus: 8,
              tflopsPerGpu: { f32: 312.5 },
              // Its spot checks' size, from their claim (80 % of 8 × 312.5 TFLOP/s): the largest.
              challengeSize: 8192,
              efficiency: null,
              tier: 'bronze',
              expiresAt: '2026-07-01T12:00:00.000Z',
              method: 'admin',
            },
          },
        ]);
    });

    it('takes the expiry from the injected clock, not the wall clock', () => {
      const later = new Date('2030-01-01T00:00:00.000Z');
      expect(node.given(registered).when(markCertified(300, 1_000), { now: later })).toMatchObject({
        kind: 'accepted',
        events: [{ data: { expiresAt: '2030-01-01T00:00:01.000Z' } }],
      });
    });

    it('refuses to certify a node that is not registered', () => {
      node.given().when(markCertified(300, DAY), { now: NOW }).thenRejects('NOT_FOUND', 'nodeId');
    });

    it('recertifies: the latest certification is the state', () => {
      const first = node.given(registered).when(markCertified(300, DAY), { now: NOW });
      if (first.kind !== 'accepted') throw new Error('expected a certification');
      const again = node
        .given(registered, ...first.events)
        .when(markCertified(350, DAY), { now: new Date(NOW.getTime() + DAY) });
      if (again.kind !== 'accepted') throw new Error('expected a recertification');
      const state = node.given(registered, ...first.events, ...again.events).state;
      expect(state.node).toEqual(registration);
      expect(state.certification).toMatchObject({
        tflopsPerGpu: { f32: 350 },
        expiresAt: '2026-06-03T12:00:00.000Z',
      });
    });
  });
});
