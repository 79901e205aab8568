import type { Precision } from '@gpux/certification';
import type { NodeCertified } from '@gpux/contracts';

/**
 * The figures rule: a challenge measures one precision. Its per-GPU figure replaces that
 * precision's; a challenge-certified figure of the other precision is kept (f32 is always
 * present: 0 when only f16 was ever measured).
 */
export function certifiedFigures(
  precision: Precision,
  measured: number,
  previous: NodeCertified['tflopsPerGpu'] | undefined,
): NodeCertified['tflopsPerGpu'] {
  return precision === 'f32'
    ? {
        f32: measured,
        ...(previous?.f16 !== undefined ? { f16: previous.f16 } : {}),
      }
    : { f32: previous?.f32 ?? 0, f16: measured };
}
