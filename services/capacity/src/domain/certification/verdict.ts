import { findModel, Precision } from '@gpux/certification';
import { TIER_FROM } from '@gpux/contracts';

export type Tier = 'bronze' | 'silver' | 'gold';

/**
 * A certificate's efficiency (measured / the declared model's datasheet peak at the precision) and
 * tier (TIER_FROM): bronze below silver's, or when the model's peak is not known (efficiency null).
 */
export function grade(
  gpuModel: string,
  precision: Precision,
  measuredTflops: number,
): { efficiency: number | null; tier: Tier } {
  const model = findModel(gpuModel);
  const efficiency = model ? measuredTflops / model.peakTflops[precision] : null;
  const tier: Tier =
    efficiency === null
      ? 'bronze'
      : efficiency >= TIER_FROM.gold
        ? 'gold'
        : efficiency >= TIER_FROM.silver
          ? 'silver'
          : 'bronze';
  return { efficiency, tier };
}
