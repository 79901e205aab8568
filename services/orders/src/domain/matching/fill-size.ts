/**
 * The fill-size rule of the GPU market (order-book.ts): a bid trades with an ask only for at least
 * the hours it wants, takes at least `minGpusPerNode` GPUs from the ask's node, and never leaves
 * itself needing fewer than that many (a fill that would leave 1 GPU of a "2 per node" bid takes
 * one GPU fewer), so what rests can always still be filled.
 */
/**
 * The GPUs one fill takes: as many as both have, but at least `min` from the node, never leaving
 * the bid with fewer than `min` still to fill; 0 when no such fill exists.
 */
export function fillSize(
  bidHours: number,
  min: number,
  askHours: number,
  bidRemaining: number,
  askRemaining: number,
): number {
  if (askHours < bidHours) return 0;
  let size = Math.min(bidRemaining, askRemaining);
  const left = bidRemaining - size;
  if (left > 0 && left < min) size = bidRemaining - min;
  return size >= min ? size : 0;
}
