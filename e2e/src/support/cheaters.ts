// Dishonest workers for the certification scenarios: each is the real worker's own GraphQL client
// (workers/gpu-worker/src/join) and GPU prover (src/challenge) on the machine's real adapter, with
// one twist. They speak the protocol exactly as `gpu-worker join` does, so what catches them is
// the marketplace's verifier, not a difference in the client.
/* eslint-disable @nx/enforce-module-boundaries -- the e2e cheaters are the worker's own client and prover with a twist; the worker is an application, so it has no library alias to import it by */
import { Challenge, commitProduct, Commitment, Opening, OpenRequest, secureRandom } from '@gpux/certification';
import { MatmulRunner, registerBlockedMatmul } from '../../../workers/gpu-worker/src/challenge/matmul';
import { GpuProof, proveChallenge } from '../../../workers/gpu-worker/src/challenge/prover';
import { ChallengeFailedError, ChallengeTicket, GatewayClient } from '../../../workers/gpu-worker/src/join/client';
import { GpuContext, openGpu } from '../../../workers/gpu-worker/src/gpu/webgpu';
/* eslint-enable @nx/enforce-module-boundaries */

export { ChallengeFailedError, CredentialRefusedError, GatewayClient } from '../../../workers/gpu-worker/src/join/client'; // eslint-disable-line @nx/enforce-module-boundaries -- as above
export { openGpu };
export type { GpuContext };

/** How a challenge ended for a cheater: failed at the commitment (before opening) or at the opening. */
export interface Outcome {
  challengeId: string;
  ok: boolean;
  reason: string | null;
  detail: string | null;
  stage: 'commit' | 'answer';
  /** The node's status in the verdict (answer stage only). */
  status?: string;
}

/** Commits, and when the commitment is accepted, opens what `open` returns. */
export async function submit(client: GatewayClient, ticket: ChallengeTicket, commitment: Commitment, open: (request: OpenRequest) => Opening): Promise<Outcome> {
  let request: OpenRequest;
  try {
    request = await client.commitChallenge(ticket.id, commitment);
  } catch (error) {
    if (error instanceof ChallengeFailedError) return { challengeId: ticket.id, ok: false, reason: error.reason, detail: error.message, stage: 'commit' };
    throw error;
  }
  const verdict = await client.answerChallenge(ticket.id, open(request));
  return { challengeId: ticket.id, ok: verdict.ok, reason: verdict.reason, detail: verdict.detail, stage: 'answer', status: verdict.node.status };
}

/** The honest proof of a challenge on the GPU, with an optional twist in the product kernel. */
const prove = (gpu: GpuContext, challenge: Challenge, matmul?: MatmulRunner): Promise<GpuProof> => proveChallenge(gpu.device, challenge, matmul ? { matmul } : {});

const honestOpen = (proof: GpuProof) => (request: OpenRequest) => proof.product.open(request);

/**
 * A session kept alive as a worker keeps it, by heartbeats, while a cheater works: a node that
 * joins and falls silent is declared lost (and suspended), which is not what these tests are about.
 */
export async function keepAlive(client: GatewayClient, adapter: string, everyMs: number): Promise<{ sessionId: string; stop(): void }> {
  const { sessionId } = await client.joinSession(adapter);
  const timer = setInterval(() => void client.heartbeat(sessionId).catch(() => undefined), everyMs);
  return { sessionId, stop: () => clearInterval(timer) };
}

/** A modest claim: the deadline is generous, so only the twist can fail them. */
export const MODEST_CLAIM_TFLOPS = 0.0005;

export interface Cheater {
  name: string;
  /** The reason(s) the verifier must give, one per challenge it answers. */
  expected: string[];
  run(client: GatewayClient, gpu: GpuContext): Promise<Outcome[]>;
}

const waitMs = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Its ticket's challenge is due (deadline passed): a new one may be asked for. */
async function untilDue(ticket: ChallengeTicket): Promise<void> {
  const left = ticket.challenge.deadline - Date.now();
  if (left > -200) await waitMs(left + 200);
}

export const CHEATERS: Cheater[] = [
  {
    name: 'computes only the first half of the rows',
    expected: ['ROW_MISMATCH'],
    async run(client, gpu) {
      const ticket = await client.requestCertification(MODEST_CLAIM_TFLOPS);
      const halfRows: MatmulRunner = (device, a, b, c, m, n, k) => registerBlockedMatmul(device, a, b, c, Math.ceil(m / 2), n, k);
      const proof = await prove(gpu, ticket.challenge, halfRows);
      return [await submit(client, ticket, proof.commitment, honestOpen(proof))];
    },
  },
  {
    name: 'returns random numbers',
    expected: ['ROW_MISMATCH'],
    async run(client) {
      const ticket = await client.requestCertification(MODEST_CLAIM_TFLOPS);
      const { m, n } = ticket.challenge;
      const rng = secureRandom();
      // Plausible magnitudes (the products' entries are sums of n small products), but made up.
      const c = Float32Array.from({ length: m * n }, () => ((rng() % 2001) - 1000) / 64);
      const product = commitProduct(ticket.challenge, c, { computeMs: 1, totalMs: 2 });
      return [await submit(client, ticket, product.commitment, (request) => product.open(request))];
    },
  },
  {
    name: 'replays an old answer to a new seed',
    expected: ['ROW_MISMATCH', 'SEED_MISMATCH'],
    async run(client, gpu) {
      // The old answer: a real challenge of this node, computed honestly, kept and never sent.
      const old = await client.requestCertification(MODEST_CLAIM_TFLOPS);
      const oldProof = await prove(gpu, old.challenge);
      await untilDue(old);
      // The old product committed as the answer to a new seed: its rows are not this seed's.
      const second = await client.requestCertification(MODEST_CLAIM_TFLOPS);
      const replayed = commitProduct(second.challenge, oldProof.product.c, { computeMs: 1, totalMs: 2 });
      const first = await submit(client, second, replayed.commitment, (request) => replayed.open(request));
      // The old commitment as it was, sent for a third challenge: it names the old challenge and seed.
      const third = await client.requestCertification(MODEST_CLAIM_TFLOPS);
      const verbatim = await submit(client, third, oldProof.commitment, honestOpen(oldProof));
      return [first, verbatim];
    },
  },
  {
    name: 'claims a throughput its device cannot reach',
    expected: ['DEADLINE_MISSED'],
    async run(client, gpu) {
      // 1000 TFLOP/s: the deadline is the fixed allowance alone. Its device is modelled as slower
      // than that by running the real product on the real GPU as often as it takes to outlast it.
      const ticket = await client.requestCertification(1000);
      const deadline = ticket.challenge.deadline;
      const slowDevice: MatmulRunner = async (device, a, b, c, m, n, k) => {
        do await registerBlockedMatmul(device, a, b, c, m, n, k);
        while (Date.now() <= deadline + 300);
      };
      const proof = await prove(gpu, ticket.challenge, slowDevice);
      return [await submit(client, ticket, proof.commitment, honestOpen(proof))];
    },
  },
  {
    name: 'opens rows inconsistent with its commitment',
    expected: ['PROOF_INVALID'],
    async run(client, gpu) {
      const ticket = await client.requestCertification(MODEST_CLAIM_TFLOPS);
      const proof = await prove(gpu, ticket.challenge);
      const { n } = ticket.challenge;
      // It committed to the true C, then opens its first requested row with one element changed:
      // not the row it committed to.
      return [
        await submit(client, ticket, proof.commitment, (request) => {
          const opening = proof.product.open(request);
          const [first] = opening.rows;
          if (!first) throw new Error('the open request asked for no rows');
          const values = new Float32Array(Uint8Array.from(Buffer.from(first.data, 'base64')).buffer);
          values[Math.floor(n / 2)] = (values[Math.floor(n / 2)] ?? 0) + 1;
          return { ...opening, rows: [{ ...first, data: Buffer.from(values.buffer).toString('base64') }, ...opening.rows.slice(1)] };
        }),
      ];
    },
  },
];
