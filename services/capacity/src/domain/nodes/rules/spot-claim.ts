/**
 * The spot-claim rule: a spot check claims 80 % of what the node is certified to deliver (its f32
 * figure per GPU times its GPUs), so a loaded but honest node still meets the deadline.
 */
export const SPOT_CLAIM_FACTOR = 0.8;

export const spotClaim = (tflopsPerGpu: number, gpus: number): number =>
  tflopsPerGpu * gpus * SPOT_CLAIM_FACTOR;
