import { NUMBER_LIMITS } from '@gpux/contracts';

/**
 * The spot-claim rule: a spot check claims 80 % of what the node is certified to deliver (its f32
 * figure per GPU times its GPUs), so a loaded but honest node still meets the deadline. Clamped to
 * the most an IssueChallenge may claim (NUMBER_LIMITS.tflops): an administrator may certify up to
 * that per GPU, on up to NUMBER_LIMITS.nodeGpus GPUs, and a claim above the schema's bound would be
 * refused when sent. A clamped claim asks less of such a node, never more.
 */
export const SPOT_CLAIM_FACTOR = 0.8;

export const spotClaim = (tflopsPerGpu: number, gpus: number): number =>
  Math.min(tflopsPerGpu * gpus * SPOT_CLAIM_FACTOR, NUMBER_LIMITS.tflops);
