import type { Precision } from '@gpux/certification';
import type { NodeCertified } from '@gpux/contracts';
import type { NodeState } from '../node';

/**
 * The f32 rule: markets trade on f32 TFLOP/s, so only an f32 certification sets or renews the
 * node's f32 certificate (its figure, its expiry) and lifts a suspension. An f16 certification
 * records the f16 figure beside it and leaves the f32 certificate as it was; a NodeCertified lifts
 * every suspension, so a suspended node certifies f32 before f16 (refused: why, or null).
 */
export function refuseF16WhileSuspended(precision: Precision, state: NodeState): string | null {
  if (precision === 'f32' || !state.suspended) return null;
  return `is suspended (${state.suspended.reason}): only an f32 certification lifts a suspension; certify f32, then ${precision}`;
}

/**
 * The certificate's expiry after a certification of `precision` (`fresh`: a new one's): an f32
 * certification renews it; an f16 one keeps the f32 certificate's, or where there is no f32
 * figure, has its own. (The certificate has one expiry: an f16 figure beside an f32 one lasts as
 * long as the f32 certificate.)
 */
export function certificateExpiry(
  precision: Precision,
  current: NodeCertified | null,
  fresh: string,
): string {
  return precision === 'f32' || !current || !(current.tflopsPerGpu.f32 > 0) ? fresh : current.expiresAt;
}
