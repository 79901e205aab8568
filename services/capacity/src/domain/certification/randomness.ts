import { createHash } from 'node:crypto';
import type { RandomU32 } from '@gpux/certification';

/**
 * A deterministic stream of u32s from a 128-bit hex seed (SHA-256 in counter mode), so a decider
 * can draw "random" rows to open from a seed the edge drew from the OS after the commitment, and
 * draw the same ones again when the log is replayed.
 */
export function seededStream(seedHex: string): RandomU32 {
  let block = new Uint32Array(0);
  let next = 0;
  let counter = 0;
  return () => {
    if (next >= block.length) {
      const digest = createHash('sha256').update(`${seedHex}:${counter++}`).digest();
      block = new Uint32Array(digest.buffer, digest.byteOffset, digest.byteLength / 4);
      next = 0;
    }
    return block[next++]!;
  };
}
