import { Challenge, commitProducts, Commitment, OpenRequest, referenceProducts } from '@gpux/certification';
import type { RegisterNode } from '@gpux/contracts';
import { Decision } from '@gpux/eventsourcing/domain';
import { createNodeDecider, NodeCommand, NodeEvent, NodeState } from './node.decider';

// The certification specs' fixtures, one copy for them: a node decider whose challenges are sized
// for a millisecond at the claim (a few products of 48×48, computed on the CPU), a registered node
// of 8 H100s whose worker has joined, and an honest (or tampered) answer. Not built into the
// service (tsconfig.app.json leaves *.fixture.ts out).
export const decider = createNodeDecider({
  certificateValidityMs: 86_400_000,
  spotNoticeMs: 1_000,
  certificationTargetMs: 1,
  spotTargetMs: 1,
});
export const T0 = Date.parse('2026-06-01T00:00:00.000Z');
export const HASH = 'a'.repeat(64);
/** Node n1's registration: 8 H100s of provider prov. */
export const registration: RegisterNode = {
  nodeId: 'n1',
  providerId: 'prov',
  gpuModel: 'H100-80GB',
  gpus: 8,
  region: 'eu',
  marketId: 'h100',
  credentialHash: HASH,
};
export const registered: NodeEvent = { type: 'capacity.NodeRegistered', data: registration };

export const joined: NodeEvent = { type: 'capacity.SessionStarted', data: { nodeId: 'n1', sessionId: 's0' } };
export const join = (sessionId: string): NodeCommand => ({
  type: 'capacity.StartSession',
  data: { nodeId: 'n1', sessionId },
});

/** A node's life as commands at times: each accepted decision's events are folded in. Its worker has joined. */
export class Node {
  state: NodeState;
  constructor(history: NodeEvent[] = [registered, joined]) {
    this.state = history.reduce((s, e) => decider.evolve(s, e), decider.initialState());
  }
  decide(command: NodeCommand, at: number): Decision<NodeEvent> {
    const d = decider.decide(command, this.state, { now: new Date(at) });
    if (d.kind === 'accepted') this.state = d.events.reduce((s, e) => decider.evolve(s, e), this.state);
    return d;
  }
  events(command: NodeCommand, at: number): NodeEvent[] {
    const d = this.decide(command, at);
    if (d.kind !== 'accepted') throw new Error(`rejected: ${d.code} ${d.message}`);
    return d.events;
  }
}

export const issue = (
  purpose: 'certification' | 'spot',
  claimedTflops = 0.001,
  seed = '0123456789abcdef0123456789abcdef',
  extra: { precision?: 'f32' | 'f16'; requiredTflopsPerGpu?: number; n?: number } = {},
): NodeCommand => ({
  type: 'capacity.IssueChallenge',
  data: { nodeId: 'n1', purpose, claimedTflops, n: 48, seed, ...extra },
});
export const challengeOf = (events: NodeEvent[]) =>
  (events.find((e) => e.type === 'capacity.ChallengeIssued')!.data as { challenge: unknown })
    .challenge as Challenge;

/** Answers a challenge the honest way (products on the CPU), optionally tampering with each product or the seed. */
export function answer(
  node: Node,
  challenge: Challenge,
  at: number,
  tamper: { c?: (c: Float32Array) => void; seed?: string } = {},
) {
  const products = referenceProducts({ ...challenge, ...(tamper.seed ? { seed: tamper.seed } : {}) });
  if (tamper.c) products.forEach(tamper.c);
  const product = commitProducts(challenge, products, { computeMs: 1, totalMs: 2 });
  const commitment: Commitment = { ...product.commitment, seed: challenge.seed };
  const committed = node.events(commitOf(challenge, commitment), at);
  const done = committed.find((e) => e.type === 'capacity.ChallengeCommitted');
  if (!done) return committed;
  const request = (done.data as { request: unknown }).request as OpenRequest;
  return node.events(
    {
      type: 'capacity.AnswerChallenge',
      data: { nodeId: 'n1', challengeId: challenge.id, opening: product.open(request) as never },
    },
    at + 10,
  );
}

/** The node's commitment to a challenge, as its command. */
function commitOf(challenge: Challenge, commitment: Commitment): NodeCommand {
  return {
    type: 'capacity.CommitChallenge',
    data: {
      nodeId: 'n1',
      challengeId: challenge.id,
      commitment: commitment as never,
      openSeed: 'f'.repeat(32),
    },
  };
}

/** An honest proof of a challenge, as commands: its commitment, and the opening of the rows asked for. */
export function proofOf(challenge: Challenge) {
  const product = commitProducts(challenge, referenceProducts(challenge), { computeMs: 1, totalMs: 2 });
  const commitment: Commitment = { ...product.commitment, seed: challenge.seed };
  const commit = commitOf(challenge, commitment);
  const open = (committed: NodeEvent[]): NodeCommand => {
    const done = committed.find((e) => e.type === 'capacity.ChallengeCommitted');
    if (!done) throw new Error('no ChallengeCommitted among the events');
    const request = (done.data as { request: unknown }).request as OpenRequest;
    return {
      type: 'capacity.AnswerChallenge',
      data: { nodeId: 'n1', challengeId: challenge.id, opening: product.open(request) as never },
    };
  };
  return { commit, open };
}

/** A node certified by an honest f32 challenge at T0, in session s0. */
export function certifiedNode(): Node {
  const node = new Node();
  answer(node, challengeOf(node.events(issue('certification'), T0)), T0 + 4);
  return node;
}
