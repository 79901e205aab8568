// A node's certification history as chart data: what each passed challenge (or admin certificate)
// measured per GPU, one series per precision (an f16 certificate on f16's, with its f16 figure),
// the failures, and the model's peaks per GPU to hold them against.
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
  /** A certificate's f32 TFLOP/s per GPU (an f16 certificate's is the f32 figure the node had). */
  tflopsPerGpu: number | null;
  /** A certificate's f16 TFLOP/s per GPU, where f16 was measured (an f32 certificate keeps the node's). */
  tflopsF16PerGpu: number | null;
  /** What the whole node delivered, by challenge (a certificate's or a passed spot check's). */
  measuredTflops: number | null;
}

/** The fields of a Certification that CertificationEntry holds, for a query's selection. */
export const CERTIFICATION_FIELDS =
  'kind recordedAt purpose method precision reason tflopsPerGpu tflopsF16PerGpu measuredTflops';

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
  /** f32 per GPU: f32 certificates, an admin's (no precision), passed spot checks (f32). */
  f32: MeasuredPoint[];
  /** f16 per GPU: f16 certificates, each with its f16 figure. */
  f16: MeasuredPoint[];
  failed: FailedPoint[];
  /** The model's f32 peak per GPU: its datasheet's, else what the node's efficiency implies; null if neither. */
  peakPerGpu: number | null;
  /** The model's f16 peak per GPU, from its datasheet; null for a model it does not list. */
  peakF16PerGpu: number | null;
}

export type ChartPrecision = 'f32' | 'f16';

/**
 * What the entry measured per GPU, and at which precision: an f16 certificate's f16 figure (else its
 * whole-node measure over the GPUs); any other certificate's f32 figure (an admin's has no
 * precision: f32, what markets ask); else a spot check's whole-node figure (f32) over the GPUs.
 */
export function measuredOf(
  entry: CertificationEntry,
  gpus: number,
): { precision: ChartPrecision; tflopsPerGpu: number } | null {
  const perGpu = entry.measuredTflops !== null && gpus > 0 ? entry.measuredTflops / gpus : null;
  if (entry.precision === 'f16') {
    const value = entry.tflopsF16PerGpu ?? perGpu;
    return value === null ? null : { precision: 'f16', tflopsPerGpu: value };
  }
  const value = entry.tflopsPerGpu ?? perGpu;
  return value === null ? null : { precision: 'f32', tflopsPerGpu: value };
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
  const measured: Record<ChartPrecision, MeasuredPoint[]> = { f32: [], f16: [] };
  const failed: FailedPoint[] = [];
  for (const entry of oldestFirst) {
    const at = Date.parse(entry.recordedAt);
    if (!Number.isFinite(at)) continue;
    const time = Math.floor(at / 1000);
    if (entry.kind === 'FAILED') {
      failed.push({ time, reason: entry.reason ?? 'FAILED' });
      continue;
    }
    const value = measuredOf(entry, node.gpus);
    if (value !== null) measured[value.precision].push({ time, tflopsPerGpu: value.tflopsPerGpu });
  }
  return {
    f32: oneASecond(measured.f32),
    f16: oneASecond(measured.f16),
    failed: oneASecond(failed),
    peakPerGpu: peakOf(node),
    peakF16PerGpu: findModel(node.gpuModel)?.peakTflops.f16 ?? null,
  };
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
