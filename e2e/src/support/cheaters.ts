// Dishonest workers for the certification scenarios: each is the real worker's own GraphQL client
// (workers/gpu-worker/src/join) and GPU prover (src/challenge) on the machine's real adapter, with
// one twist. They speak the protocol exactly as `gpu-worker join` does, so what catches them is
// the marketplace's verifier, not a difference in the client.
/* eslint-disable @nx/enforce-module-boundaries -- the e2e cheaters are the worker's own client and prover with a twist; the worker is an application, so it has no library alias to import it by */
import {
  Challenge,
  commitProducts,
  Commitment,
  Opening,
  OpenRequest,
  productMatrices,
  randomHex,
  secureRandom,
} from '@gpux/certification';
import { generateOnGpu } from '../../../workers/gpu-worker/src/challenge/generate';
import { readBack, storageBuffer } from '../../../workers/gpu-worker/src/challenge/gpu-buffers';
import { MatmulRunner, registerBlockedMatmul } from '../../../workers/gpu-worker/src/challenge/matmul';
import { GpuProof, proveChallenge } from '../../../workers/gpu-worker/src/challenge/prover';
import {
  ChallengeFailedError,
  ChallengeTicket,
  GatewayClient,
  WorkerSession,
} from '../../../workers/gpu-worker/src/join/client';
import { GpuContext, openGpu } from '../../../workers/gpu-worker/src/gpu/webgpu';
/* eslint-enable @nx/enforce-module-boundaries */

// eslint-disable-next-line @nx/enforce-module-boundaries -- as above
export {
  ChallengeFailedError,
  CredentialRefusedError,
  GatewayClient,
  GatewayRequestError,
} from '../../../workers/gpu-worker/src/join/client';
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
  /** What the verifier measured, for the whole node (a passed answer only). */
  measuredTflops?: number | null;
}

/** Commits, and when the commitment is accepted, opens what `open` returns. */
export async function submit(
  client: GatewayClient,
  ticket: ChallengeTicket,
  commitment: Commitment,
  open: (request: OpenRequest) => Opening | Promise<Opening>,
): Promise<Outcome> {
  let request: OpenRequest;
  try {
    request = await client.commitChallenge(ticket.id, commitment);
  } catch (error) {
    if (error instanceof ChallengeFailedError)
      return {
        challengeId: ticket.id,
        ok: false,
        reason: error.reason,
        detail: error.message,
        stage: 'commit',
      };
    throw error;
  }
  const verdict = await client.answerChallenge(ticket.id, await open(request));
  return {
    challengeId: ticket.id,
    ok: verdict.ok,
    reason: verdict.reason,
    detail: verdict.detail,
    stage: 'answer',
    status: verdict.node.status,
    measuredTflops: verdict.measuredTflops,
  };
}

/** The honest proof of a challenge on the GPU, with an optional twist in the product kernel. */
export const prove = (gpu: GpuContext, challenge: Challenge, matmul?: MatmulRunner): Promise<GpuProof> =>
  proveChallenge(gpu.device, challenge, matmul ? { matmul } : {});

const honestOpen = (proof: GpuProof) => (request: OpenRequest) => proof.open(request);

/**
 * A session kept alive as a worker keeps it, by heartbeats, while a cheater works: a node that
 * joins and falls silent is declared lost (and suspended), which is not what these tests are about.
 */
export async function keepAlive(
  client: GatewayClient,
  adapter: string,
  everyMs: number,
): Promise<{ session: WorkerSession; sessionId: string; stop(): void }> {
  const session = await client.joinSession(adapter);
  const { sessionId } = session;
  const timer = setInterval(() => void client.heartbeat(sessionId).catch(() => undefined), everyMs);
  return { session, sessionId, stop: () => clearInterval(timer) };
}

/** A certification answered honestly, as `gpu-worker join` answers it. */
export async function certifyHonestly(
  client: GatewayClient,
  gpu: GpuContext,
  claimedTflops: number,
): Promise<Outcome> {
  const ticket = await client.requestCertification(claimedTflops);
  const proof = await prove(gpu, ticket.challenge);
  return submit(client, ticket, proof.commitment, honestOpen(proof));
}

/** A modest claim: the deadline is generous, so only the twist can fail them. */
export const MODEST_CLAIM_TFLOPS = 0.0005;
/** A claim that sizes a batch of two products at the e2e suite's target time: lavapipe computes one in time. */
export const HALF_PRODUCTS_CLAIM_TFLOPS = 0.001;

/** Product p of a challenge, computed on the GPU with the challenge's own kernel and read back whole. */
async function productOnGpu(gpu: GpuContext, challenge: Challenge, p: number): Promise<Float32Array> {
  const { n } = challenge;
  const matrices = productMatrices(challenge, p);
  const a = await generateOnGpu(gpu.device, challenge.seed, matrices.a, n, n);
  const b = await generateOnGpu(gpu.device, challenge.seed, matrices.b, n, n);
  const c = storageBuffer(gpu.device, n * n * 4, 'cheater C');
  try {
    await registerBlockedMatmul(gpu.device, a, b, c, n, n, n);
    return new Float32Array(await readBack(gpu.device, c, n * n * 4));
  } finally {
    [a, b, c].forEach((x) => x.destroy());
  }
}

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
      const halfRows: MatmulRunner = (device, a, b, c, m, n, k) =>
        registerBlockedMatmul(device, a, b, c, Math.ceil(m / 2), n, k);
      const proof = await prove(gpu, ticket.challenge, halfRows);
      return [await submit(client, ticket, proof.commitment, honestOpen(proof))];
    },
  },
  {
    name: 'computes half the products and commits the other half as copies',
    expected: ['ROW_MISMATCH'],
    async run(client, gpu) {
      // A claim that makes a batch of several products; it computes the even ones on the GPU and
      // commits each odd one as a copy of the product before it, consistently at the opening.
      const ticket = await client.requestCertification(HALF_PRODUCTS_CLAIM_TFLOPS);
      const { challenge } = ticket;
      if (challenge.products < 2)
        throw new Error(`the claim made ${challenge.products} product: raise HALF_PRODUCTS_CLAIM_TFLOPS`);
      const computed: Float32Array[] = [];
      for (let p = 0; p < challenge.products; p += 2) computed.push(await productOnGpu(gpu, challenge, p));
      const products = Array.from({ length: challenge.products }, (_, p) => computed[Math.floor(p / 2)]!);
      const committed = commitProducts(challenge, products, { computeMs: 1, totalMs: 2 });
      return [await submit(client, ticket, committed.commitment, (request) => committed.open(request))];
    },
  },
  {
    name: 'returns random numbers',
    expected: ['ROW_MISMATCH'],
    async run(client) {
      const ticket = await client.requestCertification(MODEST_CLAIM_TFLOPS);
      const { n, products } = ticket.challenge;
      const rng = secureRandom();
      // Plausible magnitudes (the products' entries are sums of n small products), but made up.
      const made = Array.from({ length: products }, () =>
        Float32Array.from({ length: n * n }, () => ((rng() % 2001) - 1000) / 64),
      );
      const committed = commitProducts(ticket.challenge, made, { computeMs: 1, totalMs: 2 });
      return [await submit(client, ticket, committed.commitment, (request) => committed.open(request))];
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
      // The old seed's products committed as the answer to a new challenge: its rows are not this seed's.
      const second = await client.requestCertification(MODEST_CLAIM_TFLOPS);
      const replayed = await prove(gpu, { ...second.challenge, seed: old.challenge.seed });
      const first = await submit(
        client,
        second,
        { ...replayed.commitment, seed: second.challenge.seed },
        honestOpen(replayed),
      );
      // The old commitment as it was, sent for a third challenge: it names the old challenge and seed.
      const third = await client.requestCertification(MODEST_CLAIM_TFLOPS);
      const verbatim = await submit(client, third, oldProof.commitment, honestOpen(oldProof));
      return [first, verbatim];
    },
  },
  {
    name: 'claims a throughput its device cannot reach',
    expected: ['DEADLINE_MISSED'],
    async run(client) {
      // 37 TFLOP/s (an L4's peak is 30.3; claims above 1.25 × it are refused): a batch lavapipe
      // would take hours over, of products as large as the sizing allows (n = 4096 here, seconds
      // each on lavapipe), so it cannot finish even one in the time allowed. It commits once the
      // deadline has passed (within the watchdog's second of grace); a late root is never looked at.
      const ticket = await client.requestCertification(37);
      const { challenge } = ticket;
      await waitMs(Math.max(0, challenge.deadline + 300 - Date.now()));
      const late: Commitment = {
        challengeId: challenge.id,
        seed: challenge.seed,
        root: randomHex(secureRandom(), 64),
        computeMs: 1,
        totalMs: 2,
      };
      return [
        await submit(client, ticket, late, () => {
          throw new Error('a late commitment is never opened');
        }),
      ];
    },
  },
  {
    name: 'opens rows inconsistent with its commitment',
    expected: ['PROOF_INVALID'],
    async run(client, gpu) {
      const ticket = await client.requestCertification(MODEST_CLAIM_TFLOPS);
      const proof = await prove(gpu, ticket.challenge);
      // It committed to the true products, then opens its first requested leaf with one element
      // changed: not the leaf it committed to.
      return [
        await submit(client, ticket, proof.commitment, async (request) => {
          const opening = await proof.open(request);
          const [first] = opening.leaves;
          if (!first) throw new Error('the open request asked for no leaves');
          const values = new Float32Array(Uint8Array.from(Buffer.from(first.data, 'base64')).buffer);
          values[0] = (values[0] ?? 0) + 1;
          return {
            ...opening,
            leaves: [
              { ...first, data: Buffer.from(values.buffer).toString('base64') },
              ...opening.leaves.slice(1),
            ],
          };
        }),
      ];
    },
  },
];
