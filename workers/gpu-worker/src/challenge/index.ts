export { generateOnGpu } from './generate';
export { REGISTER_BLOCKED_MATMUL_WGSL, registerBlockedMatmul } from './matmul';
export type { MatmulRunner } from './matmul';
export { ChallengeResponder, proveChallenge } from './prover';
export type { GpuProof, ProofTimings, ProveOptions } from './prover';
export { ProductPipeline, productPlan, WIDEN_F16_WGSL } from './product-pipeline';
export type { ChallengeKernels } from './product-pipeline';
export { FALLBACK_NAME, HALF_TIER, runnerFor, tunedHalfMatmul, tunedMatmul } from './tuned';
export type { TunedMatmul, TunedOptions } from './tuned';
