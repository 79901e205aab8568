/**
 * The commitment's hashes on the GPU: SHA-256 in WGSL, bit-identical to merkle.ts (node:crypto's
 * SHA-256 is the reference; the worker's integration test compares them), so the worker hashes
 * every row of every product where it computed it and only the roots cross to the CPU.
 *
 * Why SHA-256 and not a cheaper GPU hash: a worker that could find a second row with the hash it
 * committed to could commit garbage and open correct rows computed afterwards; SHA-256's second-
 * preimage resistance closes that, and on a GPU it costs about 1 % of an n = 4096 product.
 *
 * Two shaders (entry point `main`, workgroup 64 along x), over one buffer `tree` of u32 words that
 * holds every level of a product's tree, leaves first (treeLayout gives the offsets):
 *   leaves: chunk h of row r of a rows×cols f32 matrix (`width` columns from h·width, fewer in a
 *           row's last chunk) → leaf r·chunks + h = sha256(00000000 ‖ the chunk's bytes)
 *   nodes:  a level of `count` digests at `from` → the next level at `to`: node(2i, 2i+1), or 2i
 *           moved up unchanged
 * Digests are 8 u32 words, the big-endian words of the SHA-256 output (digestsFromWords turns
 * them into bytes).
 */

const K = [
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
];
const H0 = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
const u32 = (x: number) => `0x${x.toString(16).padStart(8, '0')}u`;

/** Workgroup size of both shaders, along x. */
export const HASH_WORKGROUP = 64;
/** The uniform buffer of both shaders: 16 bytes, [cols, rows, width, chunks] for leaves, [count, from, to, 0] for nodes (offsets in words). */
export const HASH_PARAMS_BYTES = 16;

/**
 * SHA-256's compression function, unrolled: 64 rounds over a rolling 16-word schedule in named
 * variables, no array indexed at run time (an indexed private array spills to memory on many
 * compilers, lavapipe's among them).
 */
function compressWgsl(): string {
  const lines: string[] = [];
  const w = (i: number) => `w${i % 16}`;
  for (let i = 0; i < 16; i++) lines.push(`  var w${i} = m[${i}];`);
  lines.push(
    '  var a = st[0]; var b = st[1]; var c = st[2]; var d = st[3];',
    '  var e = st[4]; var f = st[5]; var g = st[6]; var k = st[7];',
  );
  for (let t = 0; t < 64; t++) {
    if (t >= 16) lines.push(`  ${w(t)} = ${w(t)} + s0(${w(t - 15)}) + ${w(t - 7)} + s1(${w(t - 2)});`);
    lines.push(
      `  { let t1 = k + S1(e) + ((e & f) ^ (~e & g)) + ${u32(K[t]!)} + ${w(t)}; let t2 = S0(a) + ((a & b) ^ (a & c) ^ (b & c)); k = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2; }`,
    );
  }
  lines.push(
    '  return array<u32, 8>(st[0] + a, st[1] + b, st[2] + c, st[3] + d, st[4] + e, st[5] + f, st[6] + g, st[7] + k);',
  );
  return lines.join('\n');
}

const SHA256_CORE = /* wgsl */ `
fn rotr(x: u32, n: u32) -> u32 { return (x >> n) | (x << (32u - n)); }
fn s0(x: u32) -> u32 { return rotr(x, 7u) ^ rotr(x, 18u) ^ (x >> 3u); }
fn s1(x: u32) -> u32 { return rotr(x, 17u) ^ rotr(x, 19u) ^ (x >> 10u); }
fn S0(x: u32) -> u32 { return rotr(x, 2u) ^ rotr(x, 13u) ^ rotr(x, 22u); }
fn S1(x: u32) -> u32 { return rotr(x, 6u) ^ rotr(x, 11u) ^ rotr(x, 25u); }

// One 64-byte block m (big-endian words) into the state st.
fn compress(st: array<u32, 8>, m: array<u32, 16>) -> array<u32, 8> {
${compressWgsl()}
}

fn initial() -> array<u32, 8> {
  return array<u32, 8>(${H0.map(u32).join(', ')});
}

// The padded message's word i: 0x80 after the message, the 64-bit length in bits at the end.
fn padding_word(i: u32, words: u32, blocks: u32) -> u32 {
  if (i == words) { return 0x80000000u; }
  if (i == blocks * 16u - 1u) { return words * 32u; }
  return 0u;
}

struct HashParams { a: u32, b: u32, c: u32, d: u32 }
@group(0) @binding(0) var<uniform> params: HashParams;
`;

const block16 = (word: (j: number) => string) =>
  `array<u32, 16>(${Array.from({ length: 16 }, (_, j) => word(j)).join(', ')})`;

/** Leaf hashes of a matrix's row chunks: binding 1 the matrix (f32, read as u32), binding 2 the tree (leaves from word 0). */
export const LEAF_HASH_WGSL = /* wgsl */ `${SHA256_CORE}
@group(0) @binding(1) var<storage, read> matrix: array<u32>;
@group(0) @binding(2) var<storage, read_write> tree: array<u32>;

fn bswap(x: u32) -> u32 {
  return (x << 24u) | ((x & 0xff00u) << 8u) | ((x >> 8u) & 0xff00u) | (x >> 24u);
}

// Word i of a leaf's padded message: the tag (0), the chunk's values, then the padding.
fn leaf_word(base: u32, i: u32, width: u32, words: u32, blocks: u32) -> u32 {
  if (i == 0u) { return 0u; }
  if (i <= width) { return bswap(matrix[base + i - 1u]); }
  return padding_word(i, words, blocks);
}

@compute @workgroup_size(${HASH_WORKGROUP})
fn main(@builtin(global_invocation_id) id: vec3u) {
  let cols = params.a;
  let chunks = params.d;
  let leaf = id.x;
  if (leaf >= params.b * chunks) { return; }
  let row = leaf / chunks;
  let first = (leaf % chunks) * params.c;
  let width = min(params.c, cols - first);
  let base = row * cols + first;
  let words = width + 1u; // the tag, then the chunk
  let blocks = (words + 18u) / 16u; // room for the 0x80 word and the 64-bit length
  var h = initial();
  for (var blk = 0u; blk < blocks; blk++) {
    let i0 = blk * 16u;
    h = compress(h, ${block16((j) => `leaf_word(base, i0 + ${j}u, width, words, blocks)`)});
  }
  for (var j = 0u; j < 8u; j++) { tree[leaf * 8u + j] = h[j]; }
}
`;

/** One level of a tree: binding 1 the tree, `count` digests from word `from` → ceil(count/2) from word `to`. */
export const NODE_HASH_WGSL = /* wgsl */ `${SHA256_CORE}
@group(0) @binding(1) var<storage, read_write> tree: array<u32>;

@compute @workgroup_size(${HASH_WORKGROUP})
fn main(@builtin(global_invocation_id) id: vec3u) {
  let count = params.a;
  let src = params.b;
  let dst = params.c;
  let o = id.x;
  if (2u * o >= count) { return; }
  if (2u * o + 1u >= count) {
    for (var j = 0u; j < 8u; j++) { tree[dst + o * 8u + j] = tree[src + 2u * o * 8u + j]; }
    return;
  }
  // tag 1, the left and the right digest: 17 words, two blocks (the second: the last word, 0x80, the length).
  let at = src + 2u * o * 8u;
  var h = compress(initial(), ${block16((j) => (j === 0 ? '1u' : `tree[at + ${j - 1}u]`))});
  h = compress(h, ${block16((j) => (j === 0 ? 'tree[at + 15u]' : j === 1 ? '0x80000000u' : j === 15 ? `${17 * 32}u` : '0u'))});
  for (var j = 0u; j < 8u; j++) { tree[dst + o * 8u + j] = h[j]; }
}
`;

/** Where each level of a tree of `leaves` leaves lies in the tree buffer, in words; the last level is the root. */
export function treeLayout(leaves: number): { offset: number; count: number }[] {
  // The halving below reaches 1 only from a positive integer: NaN, 0 or a negative count would loop forever.
  if (!(Number.isSafeInteger(leaves) && leaves >= 1))
    throw new RangeError(`a tree needs a whole number of leaves, at least 1; got ${leaves}`);
  const levels: { offset: number; count: number }[] = [];
  let offset = 0;
  for (let count = leaves; ; count = Math.ceil(count / 2)) {
    levels.push({ offset, count });
    offset += count * 8;
    if (count === 1) return levels;
  }
}

/** The proof of leaf `index` (siblings from the leaf up, hex) from a tree buffer's words laid out by treeLayout. */
export function proofFromTreeWords(words: Uint32Array, leaves: number, index: number): string[] {
  const siblings: string[] = [];
  const levels = treeLayout(leaves);
  for (let l = 0, i = index; l < levels.length - 1; l++, i >>= 1) {
    const level = levels[l]!;
    const sibling = i ^ 1;
    if (sibling >= level.count) continue; // promoted
    siblings.push(
      digestsFromWords(
        words.subarray(level.offset + sibling * 8, level.offset + sibling * 8 + 8),
        1,
      )[0]!.toString('hex'),
    );
  }
  return siblings;
}

/** `count` digests from the GPU's words (8 u32 each, big-endian words of the hash) as bytes. */
export function digestsFromWords(words: Uint32Array, count: number): Buffer[] {
  const out: Buffer[] = [];
  for (let d = 0; d < count; d++) {
    const digest = Buffer.alloc(32);
    for (let j = 0; j < 8; j++) digest.writeUInt32BE(words[d * 8 + j]!, j * 4);
    out.push(digest);
  }
  return out;
}
