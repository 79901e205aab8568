/**
 * Randomness is injected: protocol functions take a `RandomU32` so tests and simulations are
 * deterministic, and the service passes `secureRandom()` (the operating system's CSPRNG).
 */
import { randomBytes } from 'node:crypto';
import { mix32 } from './prng';

/** Returns a uniformly random integer in [0, 2^32). */
export type RandomU32 = () => number;

/** The operating system's CSPRNG, read 4 KiB at a time. */
export function secureRandom(): RandomU32 {
  let pool = new Uint32Array(0);
  let next = 0;
  return () => {
    if (next >= pool.length) {
      const bytes = randomBytes(4096);
      pool = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length >> 2);
      next = 0;
    }
    return pool[next++] ?? 0; // never undefined: the pool was just refilled
  };
}

/** A deterministic stream for tests and simulations (a counter through mix32; not for production). */
export function seededRandom(seed: number): RandomU32 {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    return mix32(state);
  };
}

/** Uniform integer in [0, bound), bound ≤ 2^32, without modulo bias (rejection sampling). */
export function randomBelow(rng: RandomU32, bound: number): number {
  if (!Number.isInteger(bound) || bound < 1 || bound > 2 ** 32)
    throw new RangeError(`bound ${bound} outside 1..2^32`);
  const limit = 2 ** 32 - (2 ** 32 % bound);
  for (;;) {
    const x = rng() >>> 0;
    if (x < limit) return x % bound;
  }
}

/** `digits` lowercase hex digits. */
export function randomHex(rng: RandomU32, digits: number): string {
  let out = '';
  while (out.length < digits) out += (rng() >>> 0).toString(16).padStart(8, '0');
  return out.slice(0, digits);
}

/** `count` distinct integers in [0, bound), in the order drawn (partial Fisher–Yates). */
export function sampleDistinct(rng: RandomU32, count: number, bound: number): number[] {
  if (!(Number.isInteger(count) && count >= 0 && count <= bound))
    throw new RangeError(`cannot draw ${count} distinct values below ${bound}`);
  const swapped = new Map<number, number>();
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const j = i + randomBelow(rng, bound - i);
    const atJ = swapped.get(j) ?? j;
    swapped.set(j, swapped.get(i) ?? i);
    out.push(atJ);
  }
  return out;
}
