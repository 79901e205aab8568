export { generateOnGpu } from './generate';
export { REGISTER_BLOCKED_MATMUL_WGSL, registerBlockedMatmul } from './matmul';
export type { MatmulRunner } from './matmul';
export { ChallengeResponder, proveChallenge } from './prover';
export type { GpuProof, ProofTimings, ProveOptions } from './prover';
export { FALLBACK_NAME, runnerFor, tunedMatmul } from './tuned';
export type { TunedMatmul, TunedOptions } from './tuned';
