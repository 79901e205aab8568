import { counted } from '@gpux/contracts';
import { findModel, Precision } from '@gpux/certification';

/** No challenge may keep a node busy longer than this, from issue to commitment. */
export const MAX_CHALLENGE_MS = 5 * 60_000;

/** A claim may exceed the declared model's datasheet peak by this factor (boost clocks, newer SKUs). */
export const PEAK_HEADROOM = 1.25;

export interface ClaimContext {
  /** The node's declared GPU model and count: the claim is for all of them together. */
  gpuModel: string;
  gpus: number;
  precision: Precision;
  /** The node's market's minimum per GPU, when the edge looked it up. */
  requiredTflopsPerGpu?: number;
}

export interface ClaimRefusal {
  message: string;
  field: 'claimedTflops';
}

/**
 * The bounds of a certification claim (TFLOP/s for the whole node). Above PEAK_HEADROOM × the
 * model's peak × GPUs it cannot be honest; below the market's minimum × GPUs the node could not
 * sell whatever it proved. (A model without a known peak has no upper bound but the schema's.)
 */
export function refuseClaim(claimedTflops: number, context: ClaimContext): ClaimRefusal | null {
  const { gpus, precision } = context;
  const model = findModel(context.gpuModel);
  if (model) {
    const ceiling = PEAK_HEADROOM * model.peakTflops[precision] * gpus;
    if (claimedTflops > ceiling) {
      return {
        field: 'claimedTflops',
        message: `a claim of ${claimedTflops} TFLOP/s is more than ${PEAK_HEADROOM} × the ${model.name} peak (${model.peakTflops[precision]} ${precision}) × ${counted(gpus, 'GPU')} = ${ceiling} TFLOP/s`,
      };
    }
  }
  const floor = (context.requiredTflopsPerGpu ?? 0) * gpus;
  if (claimedTflops < floor) {
    return {
      field: 'claimedTflops',
      message: `a claim of ${claimedTflops} TFLOP/s is below what the market requires of ${counted(gpus, 'GPU')} (${context.requiredTflopsPerGpu} per GPU = ${floor} TFLOP/s): the node could not sell what it proved`,
    };
  }
  return null;
}

/** A challenge whose deadline follows from a claim this low would park the node: refused. */
export function refuseDeadline(
  claimedTflops: number,
  issuedAt: number,
  deadline: number,
): ClaimRefusal | null {
  if (deadline - issuedAt <= MAX_CHALLENGE_MS) return null;
  return {
    field: 'claimedTflops',
    message: `a claim of ${claimedTflops} TFLOP/s would allow ${Math.round((deadline - issuedAt) / 1000)} s for the challenge, more than the ${MAX_CHALLENGE_MS / 1000} s cap: claim what the node delivers`,
  };
}

/** The certified figure per GPU: the node proved `measuredTflops` with all its declared GPUs. */
export const perGpu = (measuredTflops: number, gpus: number): number => measuredTflops / gpus;

/**
 * A figure per GPU as it may be certified: at most PEAK_HEADROOM × the declared model's peak, as a
 * claim is. More than that no honest GPU of the model delivers: a clock that stepped between the
 * challenge's issue and its commitment measured it, and certified as measured it would size spot
 * checks the node cannot pass. (A model without a known peak: as measured.)
 */
export function certifiablePerGpu(tflopsPerGpu: number, gpuModel: string, precision: Precision): number {
  const model = findModel(gpuModel);
  return model ? Math.min(tflopsPerGpu, PEAK_HEADROOM * model.peakTflops[precision]) : tflopsPerGpu;
}
