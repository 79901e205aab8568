/**
 * A_p and B_p of a challenge's products on the device (docs/certification.md, "Generation"):
 * generated from the seed by the fill shader, and not generated again while a buffer still holds
 * the matrix. Under protocol version 3 the products share matrices on a grid (products.ts): A_i
 * serves a grid row, so in product order it is generated once per row, and the grid's B columns
 * are kept once generated while they fit `cacheBytes`.
 */
import {
  Challenge,
  gridSide,
  parseSeed,
  prngDispatch,
  prngFillShader,
  prngParams,
  productMatrices,
} from '@gpux/certification';
import { computePipeline, storageBuffer, uniformBuffer } from './gpu-buffers';

/**
 * Most bytes the kept B matrices may take. Past it each product generates its B again: O(n²)
 * against the product's O(n³), which matters only at the small n of a CPU-emulated adapter, where
 * they fit.
 */
export const B_CACHE_BYTES = 256 * 1024 * 1024;

interface Target {
  buffer: GPUBuffer;
  fill: GPUBindGroup;
  /** The matrix the buffer holds (or will, once the submission recorded now runs); -1: none. */
  holds: number;
}

export class ProductInputs {
  private readonly a: Target;
  private readonly b: Target;
  /** Version 3's B matrices by grid column (empty: each product's B goes to `b`). */
  private readonly kept: Target[] = [];
  private readonly paramsA: GPUBuffer;
  private readonly paramsB: GPUBuffer;
  private readonly fill: GPUComputePipeline;
  private readonly seed: ReturnType<typeof parseSeed>;

  /**
   * `plan`: the matrices' precision, as productPlan chose it. `own` takes every buffer made here,
   * to destroy with the rest of the challenge's.
   */
  constructor(
    private readonly device: GPUDevice,
    private readonly challenge: Challenge,
    { half, bytesPerEntry }: { half: boolean; bytesPerEntry: number },
    own: (buffer: GPUBuffer) => GPUBuffer,
    cacheBytes = B_CACHE_BYTES,
  ) {
    const { n } = challenge;
    const bytes = n * n * bytesPerEntry;
    this.seed = parseSeed(challenge.seed);
    this.paramsA = own(uniformBuffer(device, new Uint32Array(8), 'prng params A'));
    this.paramsB = own(uniformBuffer(device, new Uint32Array(8), 'prng params B'));
    this.fill = computePipeline(device, prngFillShader(half ? 'f16' : 'f32'));
    const target = (params: GPUBuffer, label: string): Target => {
      const buffer = own(storageBuffer(device, bytes, label));
      const fill = device.createBindGroup({
        layout: this.fill.getBindGroupLayout(0),
        entries: [
          { binding: 0, resource: { buffer: params } },
          { binding: 1, resource: { buffer } },
        ],
      });
      return { buffer, fill, holds: -1 };
    };
    this.a = target(this.paramsA, 'challenge A');
    this.b = target(this.paramsB, 'challenge B');
    // A grid column's B serves every row of the grid: kept when there is more than one row.
    const side = challenge.version === 3 ? gridSide(challenge.products) : 0;
    if (side > 0 && challenge.products > side && side * bytes <= cacheBytes)
      for (let j = 0; j < side; j++) this.kept.push(target(this.paramsB, `challenge B, grid column ${j}`));
  }

  /**
   * Records the generation of whichever of A_p and B_p no buffer holds, and says which buffers
   * hold them. The fills' parameters are written to the queue now, so the submission that records
   * them must be the next one (at most one A and one B fill per submission).
   */
  encode(encoder: GPUCommandEncoder, product: number): { a: GPUBuffer; b: GPUBuffer } {
    const matrices = productMatrices(this.challenge, product);
    const b = this.kept[(matrices.b - 1) / 2] ?? this.b;
    const fills: GPUBindGroup[] = [];
    for (const [target, params, matrix] of [
      [this.a, this.paramsA, matrices.a],
      [b, this.paramsB, matrices.b],
    ] as const) {
      if (target.holds === matrix) continue;
      const { n } = this.challenge;
      this.device.queue.writeBuffer(params, 0, prngParams(this.seed, matrix, n, n));
      fills.push(target.fill);
      target.holds = matrix;
    }
    if (fills.length > 0) {
      const { n } = this.challenge;
      const pass = encoder.beginComputePass();
      pass.setPipeline(this.fill);
      for (const group of fills) {
        pass.setBindGroup(0, group);
        pass.dispatchWorkgroups(...prngDispatch(n, n));
      }
      pass.end();
    }
    return { a: this.a.buffer, b: b.buffer };
  }
}
