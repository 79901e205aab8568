/**
 * An order's average fill price per GPU-hour, µ$: what its trades were worth (filledValue, the sum
 * of GPUs × hours × price) over their GPU-hours, rounded to the nearest micro-dollar (a half up).
 * Null before any fill. One price traded at is that price exactly.
 */
export function averagePrice(filledValue: number, filledGpuHours: number): number | null {
  if (filledGpuHours <= 0) return null;
  const gpuHours = BigInt(filledGpuHours);
  return Number((2n * BigInt(filledValue) + gpuHours) / (2n * gpuHours));
}
