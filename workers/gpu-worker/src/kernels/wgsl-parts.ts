/** Pieces of WGSL shared by the buffer and texture kernels. */
import type { MatmulParams, MatmulPath } from './wgsl-params';

export const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** T: the type in memory; TA: the type of the arithmetic (conversions between equal types are free). */
export function enableAndAlias(p: MatmulParams): string {
  return `${p.precision === 'f16' ? 'enable f16;\n' : ''}${p.subgroups ? 'enable subgroups;\n' : ''}alias T = ${p.precision};
alias TA = ${p.accumulate};
struct Dims { M: u32, N: u32, K: u32, pad: u32 }`;
}

export const outputBinding = (path: MatmulPath) =>
  `@group(0) @binding(2) var<storage, read_write> c: array<${path === 'vec4' ? 'vec4<T>' : 'T'}>;
@group(0) @binding(3) var<uniform> dims: Dims;`;

export const accumulators = (p: MatmulParams) =>
  range(p.rows)
    .flatMap((i) => range(p.cols / 4).map((j) => `  var acc_${i}_${j} = vec4<TA>();`))
    .join('\n');

/** acc_i_j += a_i[s] · b_s_j for the four k-steps s of one vec4 of A: one assignment per four FMAs. */
export function fourStepFmas(
  p: MatmulParams,
  a: (i: number) => string,
  b: (s: number, j: number) => string,
  indent: string,
): string {
  return range(p.rows)
    .flatMap((i) =>
      range(p.cols / 4).map(
        (j) =>
          `${indent}acc_${i}_${j} = ${range(4).reduce((acc, s) => `fma(vec4<TA>(${a(i)}[${s}]), ${b(s, j)}, ${acc})`, `acc_${i}_${j}`)};`,
      ),
    )
    .join('\n');
}

/**
 * Bounds-checked stores of the accumulators acc_i_j (vec4 j of row i) at rows row0+i, columns
 * col0+4j; expects `row0`, `col0` and, on the vec4 path, `n4` = N/4.
 */
export function stores(p: MatmulParams, path: MatmulPath): string {
  const out: string[] = [];
  for (const i of range(p.rows)) {
    const lines: string[] = [];
    for (const j of range(p.cols / 4)) {
      if (path === 'vec4')
        lines.push(
          `    if (col0 + ${4 * j}u < dims.N) { c[(row0 + ${i}u) * n4 + col0 / 4u + ${j}u] = vec4<T>(acc_${i}_${j}); }`,
        );
      else
        for (const e of range(4))
          lines.push(
            `    if (col0 + ${4 * j + e}u < dims.N) { c[(row0 + ${i}u) * dims.N + col0 + ${4 * j + e}u] = T(acc_${i}_${j}[${e}]); }`,
          );
    }
    out.push(`  if (row0 + ${i}u < dims.M) {\n${lines.join('\n')}\n  }`);
  }
  return out.join('\n');
}

/** A loop over [0, count) that runs `body(k)` `unroll` times per iteration, then the remainder. */
export function unrolledLoop(count: string, unroll: number, body: (k: string) => string): string {
  if (unroll === 1) return `  for (var k = 0u; k < ${count}; k++) {\n${body('k')}\n  }`;
  // Each copy in its own block: the bodies declare the same names.
  const copies = range(unroll)
    .map((u) => `   {\n${body(`(k + ${u}u)`)}\n   }`)
    .join('\n');
  return `  var k = 0u;
  for (; k + ${unroll}u <= ${count}; k += ${unroll}u) {\n${copies}\n  }
  for (; k < ${count}; k++) {\n${body('k')}\n  }`;
}

/**
 * loadA4(row, k) and loadB4(k, col4): four consecutive elements of A along K and of B along N,
 * zero outside the matrices (so partial tiles add nothing); vec4 loads on the vec4 path (N and K
 * multiples of 4), element loads with bounds checks on the scalar path.
 */
export function zeroPaddedLoads(path: MatmulPath): string {
  return path === 'vec4'
    ? `fn loadA4(r: u32, k: u32) -> vec4<T> {
  if (r < dims.M && k < dims.K) { return a[(r * dims.K + k) / 4u]; }
  return vec4<T>();
}
fn loadB4(k: u32, c4: u32) -> vec4<T> {
  if (k < dims.K && c4 < dims.N / 4u) { return b[k * (dims.N / 4u) + c4]; }
  return vec4<T>();
}`
    : `fn loadA(r: u32, k: u32) -> T {
  if (r < dims.M && k < dims.K) { return a[r * dims.K + k]; }
  return T();
}
fn loadB(k: u32, c: u32) -> T {
  if (k < dims.K && c < dims.N) { return b[k * dims.N + c]; }
  return T();
}
fn loadA4(r: u32, k: u32) -> vec4<T> { return vec4<T>(loadA(r, k), loadA(r, k + 1u), loadA(r, k + 2u), loadA(r, k + 3u)); }
fn loadB4(k: u32, c4: u32) -> vec4<T> {
  return vec4<T>(loadB(k, c4 * 4u), loadB(k, c4 * 4u + 1u), loadB(k, c4 * 4u + 2u), loadB(k, c4 * 4u + 3u));
}`;
}
