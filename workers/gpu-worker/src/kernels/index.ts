/**
 * The worker's matmul kernels, as the benchmark and (later) the certification answers use them:
 *   const mm = await createMatmul(device, { precision: 'f32', variant: tuned.variant });
 *   await mm.run(uploadMatrix(device, a, 'f32'), uploadMatrix(device, b, 'f32'), c, m, n, k);
 */
export { autotune, checkVariant, multiply, randomMatrix } from './autotune';
export type { AutotuneOptions, AutotuneResult, VariantResult } from './autotune';
export {
  cacheKey,
  defaultCachePath,
  parseCache,
  readCache,
  serializeCache,
  writeCache,
} from './autotune-cache';
export type { AutotuneCache, AutotuneEntry } from './autotune-cache';
export { bandwidthBufferBytes, measureBandwidth } from './bandwidth';
export type { BandwidthResult } from './bandwidth';
export { bytesPerElement, createMatrixBuffer, readMatrix, roundTo, uploadMatrix } from './buffers';
export { errorFactor, freivalds, referenceMatmul, seededRandom, wrongElements } from './freivalds';
export type { FreivaldsResult, ProductCheck } from './freivalds';
export {
  createMatmul,
  resolveVariant,
  UnsupportedFeatureError,
  UnsupportedPrecisionError,
  unsupportedOn,
} from './matmul';
export type { Matmul, MatmulOptions, MatmulVariant } from './matmul';
export { gflops, timeGpu } from './timing';
export type { Timing, TimingOptions } from './timing';
export { DEFAULT_VARIANTS, findVariant, VARIANTS } from './variants';
export { generateMatmulWgsl, pathFor, validateParams, variantName } from './wgsl';
export type { MatmulParams, MatmulPath, MatmulSource, Precision } from './wgsl';
