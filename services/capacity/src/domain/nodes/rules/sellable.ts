import type { NodeState } from '../node';

/**
 * The sellable rule: a node certified with an f32 figure (what markets trade on; an f16 figure
 * alone sells nothing) and not suspended may have asks in the book and leases running, so only
 * such a node breaks a promise (an SLA breach) when it stops delivering.
 */
export const sellable = (state: NodeState): boolean =>
  !state.suspended && state.certification !== null && state.certification.tflopsPerGpu.f32 > 0;
