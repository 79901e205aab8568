/** A and B of a challenge, generated on the GPU with the certification library's WGSL generator. */
import {
  parseSeed,
  prngDispatch,
  prngFillShader,
  prngParams,
  PrngOutput,
  MatrixId,
} from '@gpux/certification';
import { checkFits, computePipeline, dispatch, storageBuffer, uniformBuffer } from './gpu-buffers';

const BYTES: Record<PrngOutput, number> = { f32: 4, f16: 2, u32: 4 };

/**
 * Fills a new storage buffer with `rows`×`cols` entries of matrix `matrix` (0 = A, 1 = B) for the
 * seed (row-major, as f32, f16 or the raw 32 bits). The caller destroys the buffer.
 */
export async function generateOnGpu(
  device: GPUDevice,
  seed: string,
  matrix: MatrixId,
  rows: number,
  cols: number,
  output: PrngOutput = 'f32',
): Promise<GPUBuffer> {
  const bytes = rows * cols * BYTES[output];
  checkFits(device, bytes, `a ${rows}×${cols} ${output} matrix`);
  const out = storageBuffer(device, bytes, `challenge matrix ${matrix}`);
  const params = uniformBuffer(device, prngParams(parseSeed(seed), matrix, rows, cols), 'prng params');
  try {
    await dispatch(
      device,
      computePipeline(device, prngFillShader(output)),
      [params, out],
      prngDispatch(rows, cols),
    );
    return out;
  } catch (error) {
    out.destroy();
    throw error;
  } finally {
    params.destroy();
  }
}
