/** The benchmark report as a table for people (`--json` prints the report object itself). */
import { MODELS } from '@gpux/certification';
import { togglesAskedFor } from '../gpu/toggles';
import type { BenchmarkReport } from './run';

/** Columns padded to their widest cell. */
function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function formatReport(report: BenchmarkReport): string {
  const a = report.adapter;
  const lines: string[] = [
    `adapter: ${a.description || a.device}${a.isFallbackAdapter ? ' (software fallback: not a GPU)' : ''}` +
      (a.dawnToggles.length > 0 ? `; ${togglesAskedFor(a.dawnToggles)}` : ''),
  ];
  const model = report.model;
  if (!model) lines.push('model: none given (--model NAME for efficiency against its peak)');
  else if (!model.known)
    lines.push(
      `model: ${model.name} is not in the table of known peaks, so efficiency is omitted (known: ${MODELS.map((m) => m.name).join(', ')})`,
    );
  else if (model.peakTflops) {
    lines.push(
      `model: ${model.name} (${model.note}), peak ${model.peakTflops.f32} TFLOP/s f32, ${model.peakTflops.f16} TFLOP/s f16 (tensor cores, dense)`,
    );
    if (a.isFallbackAdapter)
      lines.push(
        `  (this adapter is a software fallback, not a ${model.name}: its efficiency says nothing about one)`,
      );
  }
  lines.push('');
  const rows = [
    ['precision', 'variant', 'n', 'GFLOP/s', 'ms', ...(model?.known ? ['efficiency'] : []), 'check'],
  ];
  for (const p of report.precisions) {
    for (const s of p.sizes) {
      rows.push([
        p.precision,
        p.variant,
        String(s.n),
        s.gflops === null ? '-' : s.gflops.toFixed(2),
        s.ms === null ? '-' : s.ms.toFixed(2),
        ...(model?.known
          ? [
              s.efficiency === undefined
                ? '-'
                : `${(s.efficiency * 100).toFixed(s.efficiency < 0.01 ? 3 : 1)} %`,
            ]
          : []),
        s.verified ? 'Freivalds ok' : `FAILED: ${s.error ?? ''}`,
      ]);
    }
  }
  lines.push(table(rows));
  for (const p of report.precisions) {
    const how = p.fromCache
      ? 'cached choice, --retune to measure again'
      : `fastest of ${p.candidates.filter((c) => c.correct).length} correct variants`;
    lines.push(
      `${p.precision}: ${p.variant} (${how}; ${p.tunedGflops.toFixed(2)} GFLOP/s at n=${p.tunedAtSize} when tuned)`,
    );
    if (p.accumulate)
      lines.push(
        `  accumulates in ${p.accumulate}: the ${p.precision} variants certification accepts, the kernel ${p.precision} challenges run`,
      );
    const wrong = p.candidates.filter((c) => !c.correct);
    if (wrong.length > 0)
      lines.push(
        `  not used, wrong or failed: ${wrong.map((c) => `${c.variant} (${c.error ?? 'wrong'})`).join('; ')}`,
      );
  }
  for (const s of report.skipped) lines.push(`${s.precision}: skipped, ${s.reason}`);
  const bw = report.bandwidth;
  lines.push(
    bw.gbps === null
      ? `memory bandwidth: FAILED (${bw.error ?? 'wrong result'})`
      : `memory bandwidth: ${bw.gbps.toFixed(2)} GB/s (scale-copy of ${bw.bytes >> 20} MiB, bytes read + written, every element checked)`,
  );
  return lines.join('\n') + '\n';
}
