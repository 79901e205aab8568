import type { Precision } from '@gpux/certification';
import type { NodeCertified } from '@gpux/contracts';

/**
 * The figures rule: a challenge measures one precision. Its per-GPU figure replaces that
 * precision's; the other precision's figure of the certificate the node holds is kept (f32 is
 * always present: 0 when only f16 was ever measured, and a node with no f32 figure sells nothing:
 * rules/sellable.ts). Only an f32 certification renews the f32 certificate: rules/f32-certificate.ts.
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
