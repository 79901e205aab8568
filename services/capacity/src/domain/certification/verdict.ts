import { findModel, Precision } from '@gpux/certification';

export type Tier = 'bronze' | 'silver' | 'gold';

/**
 * A certificate's efficiency (measured / the declared model's datasheet peak at the precision) and
 * tier. Real work reaches 35–45 % of peak: gold from 40 %, silver from 30 %, bronze below, or
 * when the model's peak is not known (efficiency null).
 */
export function grade(
  gpuModel: string,
  precision: Precision,
  measuredTflops: number,
): { efficiency: number | null; tier: Tier } {
  const model = findModel(gpuModel);
  const efficiency = model ? measuredTflops / model.peakTflops[precision] : null;
  const tier: Tier =
    efficiency === null ? 'bronze' : efficiency >= 0.4 ? 'gold' : efficiency >= 0.3 ? 'silver' : 'bronze';
  return { efficiency, tier };
}
