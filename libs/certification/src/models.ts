/**
 * Datasheet peaks of a few GPU models, to turn measured GFLOP/s into an efficiency. FP16 is the
 * shader-core (non-tensor) rate: WGSL kernels cannot reach tensor cores, so comparing them with
 * tensor peaks would measure the API, not the GPU.
 */
import type { Precision } from './tolerance';

export interface GpuModel {
  name: string;
  /** TFLOP/s (10^12), dense, at boost clock. */
  peakTflops: Record<Precision, number>;
  note: string;
}

export const MODELS: readonly GpuModel[] = [
  { name: 'H100-80GB', peakTflops: { f32: 66.9, f16: 133.8 }, note: 'SXM5' },
  { name: 'H200', peakTflops: { f32: 66.9, f16: 133.8 }, note: 'SXM' },
  { name: 'A100-80GB', peakTflops: { f32: 19.5, f16: 78 }, note: 'SXM4' },
  {
    name: 'RTX-4090',
    peakTflops: { f32: 82.6, f16: 82.6 },
    note: 'Ada: FP16 at the FP32 rate outside tensor cores',
  },
  {
    name: 'L4',
    peakTflops: { f32: 30.3, f16: 30.3 },
    note: 'Ada: FP16 at the FP32 rate outside tensor cores',
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
