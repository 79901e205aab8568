import { VARIANTS } from './variants';
import {
  DEFAULT_LIMITS,
  generateMatmulWgsl,
  MatmulParams,
  pathFor,
  validateParams,
  variantName,
} from './wgsl';

const base: MatmulParams = {
  precision: 'f32',
  accumulate: 'f32',
  source: 'buffer',
  rows: 4,
  cols: 4,
  wgX: 8,
  wgY: 8,
  aVec4: false,
  unroll: 1,
  tileK: 0,
};

describe('matmul WGSL generator: parameters', () => {
  it('accepts every variant of the family, within WebGPU’s guaranteed limits, with distinct names', () => {
    const all = [...VARIANTS.f32, ...VARIANTS.f16];
    for (const p of all)
      expect([variantName(p), validateParams(p, DEFAULT_LIMITS)]).toEqual([variantName(p), []]);
    expect(new Set(all.map(variantName)).size).toBe(all.length);
  });

  it.each<[string, Partial<MatmulParams>, RegExp]>([
    ['no rows', { rows: 0 }, /rows must be an integer from 1 to 16/],
    ['too many rows', { rows: 17 }, /rows must be an integer from 1 to 16/],
    ['fractional rows', { rows: 2.5 }, /rows must be an integer/],
    ['cols not a multiple of 4', { cols: 6 }, /cols must be 4, 8, 12 or 16/],
    ['workgroup not a power of two', { wgX: 6 }, /powers of two/],
    ['workgroup too large', { wgX: 32, wgY: 16 }, /exceeds 256 invocations/],
    ['unroll 3', { unroll: 3 }, /unroll must be 1, 2 or 4/],
    ['tileK not a power of two', { tileK: 24 }, /tileK must be 0 or a power of two/],
    ['unroll with workgroup tiles', { tileK: 16, unroll: 2 }, /unroll must be 1 with workgroup-memory tiles/],
    [
      'texture with workgroup tiles',
      { source: 'texture', aVec4: true, tileK: 16 },
      /texture variants read no workgroup memory/,
    ],
    ['texture without vec4 A', { source: 'texture' }, /aVec4 must be true/],
    [
      'too much workgroup memory',
      { rows: 8, cols: 16, wgX: 8, wgY: 8, tileK: 64 },
      /workgroup memory \d+ bytes exceeds 16384/,
    ],
    ['unknown precision', { precision: 'f64' as 'f32' }, /precision must be f32 or f16/],
    ['f16 arithmetic on f32 data', { accumulate: 'f16' }, /accumulate must be f32 or the precision \(f32\)/],
    ['unknown source', { source: 'image' as 'buffer' }, /source must be buffer or texture/],
    ['double buffering without tiles', { doubleBuffer: true }, /doubleBuffer needs workgroup-memory tiles/],
    [
      'double buffering rows not a multiple of 4',
      { doubleBuffer: true, tileK: 8, rows: 6 },
      /rows a multiple of 4/,
    ],
    [
      'double buffering past the workgroup memory',
      { doubleBuffer: true, rows: 8, cols: 8, wgX: 16, wgY: 16, tileK: 16 },
      /workgroup memory 32768 bytes exceeds 16384/,
    ],
    ['subgroups over several rows of invocations', { subgroups: true }, /subgroups needs .* wgY 1/],
    ['subgroups with tiles', { subgroups: true, wgY: 1, tileK: 8 }, /subgroups needs .* no tiles/],
    [
      'subgroups with f16 arithmetic',
      { subgroups: true, wgY: 1, precision: 'f16', accumulate: 'f16' },
      /f32 accumulators/,
    ],
  ])('rejects %s', (_, change, message) => {
    expect(validateParams({ ...base, ...change }).join('; ')).toMatch(message);
  });

  it('refuses to generate an invalid variant', () => {
    expect(() => generateMatmulWgsl({ ...base, cols: 5 }, 'vec4')).toThrow(RangeError);
  });

  it('names say what differs', () => {
    expect(variantName(base)).toBe('f32-r4x4-wg8x8');
    expect(
      variantName({
        ...base,
        precision: 'f16',
        accumulate: 'f16',
        rows: 16,
        cols: 8,
        aVec4: true,
        unroll: 2,
        source: 'texture',
      }),
    ).toBe('f16-r16x8-wg8x8-a4-u2-tex');
    expect(variantName({ ...base, precision: 'f16', accumulate: 'f32' })).toBe('f16-r4x4-wg8x8-acc32');
    expect(variantName({ ...base, tileK: 32 })).toBe('f32-r4x4-wg8x8-smem32');
    expect(variantName({ ...base, tileK: 8, doubleBuffer: true })).toBe('f32-r4x4-wg8x8-smem8-db');
    expect(variantName({ ...base, wgX: 64, wgY: 1, subgroups: true })).toBe('f32-r4x4-wg64x1-sg');
  });
});

describe('matmul WGSL generator: code', () => {
  it('enables f16 only for f16 variants, and computes in the accumulation type', () => {
    expect(generateMatmulWgsl({ ...base, precision: 'f16', accumulate: 'f16' }, 'vec4')).toMatch(
      /^enable f16;\nalias T = f16;\nalias TA = f16;/,
    );
    expect(generateMatmulWgsl({ ...base, precision: 'f16', accumulate: 'f32' }, 'vec4')).toMatch(
      /^enable f16;\nalias T = f16;\nalias TA = f32;/,
    );
    expect(generateMatmulWgsl(base, 'vec4')).not.toMatch(/enable f16/);
  });

  it('declares vec4 bindings on the vec4 path and scalar ones on the scalar path', () => {
    const vec = generateMatmulWgsl({ ...base, aVec4: true }, 'vec4');
    expect(vec).toMatch(/var<storage, read> a: array<vec4<T>>/);
    expect(vec).toMatch(/var<storage, read_write> c: array<vec4<T>>/);
    const scalar = generateMatmulWgsl({ ...base, aVec4: true }, 'scalar');
    expect(scalar).toMatch(/var<storage, read> a: array<T>/);
    expect(scalar).toMatch(/var<storage, read_write> c: array<T>/);
  });

  it('generates one accumulator per vec4 of the register block and bounds-checks every store', () => {
    const code = generateMatmulWgsl({ ...base, rows: 8, cols: 8, aVec4: true }, 'vec4');
    expect(code.match(/var acc_\d+_\d+ = vec4<TA>\(\);/g)).toHaveLength(16);
    expect(code.match(/if \(row0 \+ \d+u < dims.M\)/g)).toHaveLength(8);
    expect(code.match(/if \(col0 \+ \d+u < dims.N\)/g)).toHaveLength(16);
  });

  it('uses workgroup memory and barriers only in tiled variants, textures only in texture variants', () => {
    expect(generateMatmulWgsl({ ...base, tileK: 16 }, 'vec4')).toMatch(
      /var<workgroup> tileA[\s\S]*workgroupBarrier\(\)/,
    );
    expect(generateMatmulWgsl(base, 'vec4')).not.toMatch(/workgroup>|workgroupBarrier/);
    const tex = generateMatmulWgsl({ ...base, source: 'texture', aVec4: true }, 'scalar');
    expect(tex).toMatch(/texture_storage_2d<rgba32float, read>/);
    expect(tex).not.toMatch(/var<storage, read> a/);
  });

  it('double-buffers: two stages, the next tile fetched before the current one is multiplied, one barrier per tile', () => {
    const p: MatmulParams = {
      ...base,
      rows: 8,
      cols: 8,
      wgX: 16,
      wgY: 16,
      aVec4: true,
      tileK: 8,
      doubleBuffer: true,
    };
    const code = generateMatmulWgsl(p, 'vec4');
    // 128 rows × 8 deep, as vec4s along M, twice; the same for B.
    expect(code).toMatch(/var<workgroup> tileA: array<vec4<T>, 512>;/);
    expect(code).toMatch(/var<workgroup> tileB: array<vec4<T>, 512>;/);
    const loop = code.slice(code.indexOf('for (var t = 0u'));
    expect(loop.indexOf('ga0 = loadA4')).toBeLessThan(loop.indexOf('fma('));
    expect(loop.indexOf('fma(')).toBeLessThan(loop.indexOf('tileA[(1u - cur)'));
    expect(loop.match(/workgroupBarrier\(\)/g)).toHaveLength(1);
  });

  it('shares A by subgroup shuffles in subgroup variants, and enables subgroups before any declaration', () => {
    const p: MatmulParams = { ...base, rows: 8, cols: 8, wgX: 64, wgY: 1, aVec4: true, subgroups: true };
    for (const path of ['vec4', 'scalar'] as const) {
      const code = generateMatmulWgsl(p, path);
      expect(code).toMatch(/^enable subgroups;\nalias T = f32;/);
      expect(code.match(/subgroupShuffle\(x\d, s\)/g)).toHaveLength(8);
      expect(code).not.toMatch(/workgroup>|workgroupBarrier/);
    }
    expect(generateMatmulWgsl({ ...p, precision: 'f16' }, 'vec4')).toMatch(
      /^enable f16;\nenable subgroups;\n/,
    );
    expect(generateMatmulWgsl(base, 'vec4')).not.toMatch(/subgroup/);
  });

  it('unrolls with a remainder loop, each copy in its own block', () => {
    const code = generateMatmulWgsl({ ...base, unroll: 4 }, 'vec4');
    expect(code).toMatch(/for \(; k \+ 4u <= dims.K; k \+= 4u\)/);
    expect(code).toMatch(/for \(; k < dims.K; k\+\+\)/);
    expect(code.match(/let bo = /g)).toHaveLength(5);
  });

  it('takes the vec4 path only when the shapes allow 16-byte accesses', () => {
    expect(pathFor({ source: 'buffer' }, 64, 64)).toBe('vec4');
    expect(pathFor({ source: 'buffer' }, 64, 63)).toBe('scalar');
    expect(pathFor({ source: 'buffer' }, 62, 64)).toBe('scalar');
    // Textures are zero-padded along K: only C's stores need N a multiple of 4.
    expect(pathFor({ source: 'texture' }, 64, 63)).toBe('vec4');
    expect(pathFor({ source: 'texture' }, 62, 64)).toBe('scalar');
  });
});
