/**
 * Datasheet peaks of a few GPU models, to turn measured GFLOP/s into an efficiency and to bound
 * claims (1.25 × peak × GPUs). FP32 is the shader cores' rate. FP16 is the tensor cores' dense
 * rate with FP32 accumulation (no sparsity), the most an f16 product can run at there: the worker's
 * f16 kernels reach the tensor cores through subgroup matrices (kernels/wgsl-matrix.ts; 72 TFLOP/s
 * on an H200, bench/README.md), so the shader-core f16 rate (133.8 on an H100) would refuse honest
 * claims of a faster kernel.
 */
import type { Precision } from './tolerance';

export interface GpuModel {
  name: string;
  /** TFLOP/s (10^12), dense, at boost clock. */
  peakTflops: Record<Precision, number>;
  note: string;
}

export const MODELS: readonly GpuModel[] = [
  { name: 'H100-80GB', peakTflops: { f32: 66.9, f16: 989.4 }, note: 'SXM5' },
  { name: 'H200', peakTflops: { f32: 66.9, f16: 989.4 }, note: 'SXM' },
  { name: 'A100-80GB', peakTflops: { f32: 19.5, f16: 312 }, note: 'SXM4' },
  {
    name: 'RTX-4090',
    peakTflops: { f32: 82.6, f16: 165.2 },
    note: 'Ada GeForce: tensor FP16 with FP32 accumulation at half the FP16-accumulation rate',
  },
  {
    name: 'L4',
    peakTflops: { f32: 30.3, f16: 121 },
    note: 'Ada',
  },
];

/** The model by name, ignoring case and the separators people type (h100 80gb, H100-80GB). */
export function findModel(name: string): GpuModel | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');
  return MODELS.find((m) => norm(m.name) === norm(name));
}

/** Measured share of the model's peak, 0–1. */
export function efficiency(gflops: number, model: GpuModel, precision: Precision): number {
  return gflops / (model.peakTflops[precision] * 1000);
}
