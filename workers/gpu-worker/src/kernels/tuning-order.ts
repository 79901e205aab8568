/**
 * The order the autotuner measures its candidates in: the likely winners on this adapter first, by
 * the family's own account (variants.ts). On a CPU (lavapipe) big register blocks read from
 * textures win; on a GPU its matrix units, then workgroup-memory tiles and subgroup shuffles.
 *
 * The choice does not depend on it (the fastest by its figure wins, wherever it was measured), but
 * a tuning stopped early does: a spot check that a restarted worker's heartbeat brings while it
 * tunes is answered with the fastest candidate measured so far (autotune's signal), and on lavapipe
 * the plain buffer variants the family lists first ran at a fifth of the texture kernel's rate, too
 * slow for the check's deadline. Measured first, a fast candidate also leaves the slow ones after
 * their warm-up sooner (four times the fastest first run), which shortens the tuning.
 */
import type { AdapterDescription } from '../gpu/webgpu';
import type { MatmulParams } from './wgsl';

/** 0 for the likeliest winners on this adapter, then 1, 2. */
function likelihood(p: MatmulParams, adapter: Pick<AdapterDescription, 'isFallbackAdapter'>): number {
  if (adapter.isFallbackAdapter) return p.source === 'texture' ? 0 : 1;
  if (p.subgroupMatrix) return 0;
  return p.tileK > 0 || p.subgroups ? 1 : 2;
}

/** `candidates`, the likeliest winners first, bigger register blocks first among equals, else as listed. */
export function likelyFirst(
  candidates: readonly MatmulParams[],
  adapter: Pick<AdapterDescription, 'isFallbackAdapter'>,
): MatmulParams[] {
  // Array.prototype.sort is stable: candidates alike keep the family's order.
  return [...candidates].sort(
    (x, y) => likelihood(x, adapter) - likelihood(y, adapter) || y.rows * y.cols - x.rows * x.cols,
  );
}
