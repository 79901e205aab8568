// A node's certification history as chart data: what each passed challenge (or admin certificate)
// measured per GPU, the failures, and the model's f32 peak per GPU to hold them against.
import { findModel } from '@gpux/certification/models';

/** One entry of GpuNode.certificationRecords as the console selects it (the API's CertificationRecord), newest first. */
export interface CertificationEntry {
  /** CERTIFIED (a certificate), SPOT_PASSED or FAILED. */
  kind: string;
  recordedAt: string;
  /** CERTIFICATION or SPOT; null for an admin's certificate. */
  purpose: string | null;
  /** A certificate's: challenge or admin. */
  method: string | null;
  /** A certificate by challenge's: the precision it measured (f32 or f16); null for an admin's and older ones. */
  precision: string | null;
  /** A failure's ChallengeFailureReason. */
  reason: string | null;
  /** A certificate's f32 TFLOP/s per GPU. */
  tflopsPerGpu: number | null;
  /** What the whole node delivered, by challenge (a certificate's or a passed spot check's). */
  measuredTflops: number | null;
}

/** The fields of a Certification that CertificationEntry holds, for a query's selection. */
export const CERTIFICATION_FIELDS =
  'kind recordedAt purpose method precision reason tflopsPerGpu measuredTflops';

/** How the entry came about, for display: a certificate's method (with the precision a challenge measured), else its purpose. */
export function howOf(entry: CertificationEntry): string {
  if (entry.method !== null)
    return entry.precision !== null ? `${entry.method} (${entry.precision})` : entry.method;
  return entry.purpose?.toLowerCase() ?? '';
}

export interface NodeFigures {
  gpus: number;
  /** The declared GPU model, e.g. H100-80GB. */
  gpuModel: string;
  /** Certified f32 TFLOP/s per GPU. */
  tflopsPerGpu: number | null;
  /** Measured / the declared model's peak. */
  efficiency: number | null;
}

export interface MeasuredPoint {
  /** Seconds since the epoch. */
  time: number;
  tflopsPerGpu: number;
}

export interface FailedPoint {
  time: number;
  reason: string;
}

export interface CertificationChart {
  measured: MeasuredPoint[];
  failed: FailedPoint[];
  /** The model's f32 peak per GPU: its datasheet's, else what the node's efficiency implies; null if neither. */
  peakPerGpu: number | null;
}

/** What the entry measured per GPU: a certificate's figure, else a spot check's whole-node figure over the GPUs. */
function measuredPerGpu(entry: CertificationEntry, gpus: number): number | null {
  if (entry.tflopsPerGpu !== null) return entry.tflopsPerGpu;
  if (entry.measuredTflops !== null && gpus > 0) return entry.measuredTflops / gpus;
  return null;
}

/** Keeps one point a second (the chart's time axis needs them strictly ascending): the latest. */
function oneASecond<T extends { time: number }>(points: T[]): T[] {
  const bySecond = new Map<number, T>();
  for (const p of points) bySecond.set(p.time, p);
  return [...bySecond.values()].sort((a, b) => a.time - b.time);
}

export function certificationChart(
  entries: readonly CertificationEntry[],
  node: NodeFigures,
): CertificationChart {
  const oldestFirst = [...entries].reverse();
  const measured: MeasuredPoint[] = [];
  const failed: FailedPoint[] = [];
  for (const entry of oldestFirst) {
    const at = Date.parse(entry.recordedAt);
    if (!Number.isFinite(at)) continue;
    const time = Math.floor(at / 1000);
    if (entry.kind === 'FAILED') {
      failed.push({ time, reason: entry.reason ?? 'FAILED' });
      continue;
    }
    const value = measuredPerGpu(entry, node.gpus);
    if (value !== null) measured.push({ time, tflopsPerGpu: value });
  }
  return { measured: oneASecond(measured), failed: oneASecond(failed), peakPerGpu: peakOf(node) };
}

/**
 * The decimals that show a TFLOP/s figure: at least `minDecimals`, and below 1 enough for three
 * significant digits (at most 8), so that lavapipe's 0.0104 is not "0.0" or "0.01".
 */
export function tflopsDecimals(value: number, minDecimals = 1): number {
  if (!Number.isFinite(value) || value <= 0 || value >= 1) return minDecimals;
  return Math.max(minDecimals, Math.min(8, Math.ceil(-Math.log10(value)) + 2));
}

/** A TFLOP/s figure for display: `tflopsDecimals` decimals ("51.2", "0.0104", "0.00387"). */
export function formatTflops(value: number, minDecimals = 1): string {
  return value.toFixed(tflopsDecimals(value, minDecimals));
}

/** The model's f32 peak per GPU (libs/certification's datasheet), else as the node's efficiency implies. */
export function peakOf(node: NodeFigures): number | null {
  const model = findModel(node.gpuModel);
  if (model) return model.peakTflops.f32;
  return node.tflopsPerGpu !== null && node.efficiency !== null && node.efficiency > 0
    ? node.tflopsPerGpu / node.efficiency
    : null;
}
