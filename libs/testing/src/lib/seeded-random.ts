/**
 * A small deterministic generator of uniform numbers in [0, 1) from a 32-bit seed (mulberry32):
 * a test's or a benchmark's random workload, the same on every run, so a failure can be replayed.
 * (The gpu-worker keeps its own for Freivalds' checks: product code does not depend on this lib.)
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
