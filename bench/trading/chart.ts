/**
 * The picture of a bench:trading run, as an SVG written next to bench/README.md: where one
 * order's time goes (the median of each hop), single-order latencies as a distribution, and at
 * each concurrency the orders/s against the gateway's `{ __typename }` ceiling, with p50 and p99.
 * Plain SVG text, no dependency: a few rectangles and labels.
 */
import type { HopSummary } from './hops';

export interface ChartRun {
  connections: number;
  ordersPerSec: number;
  ceilingPerSec: number;
  p50Ms: number;
  p99Ms: number;
}

const W = 960;
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const text = (x: number, y: number, s: string, attrs = '') =>
  `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${attrs}>${esc(s)}</text>`;
const rect = (x: number, y: number, w: number, h: number, fill: string) =>
  `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${Math.max(0, w).toFixed(1)}" height="${h.toFixed(1)}" fill="${fill}"/>`;

function hopsPanel(top: number, hops: HopSummary['hops']): { svg: string; height: number } {
  const rowH = 22;
  const labelW = 360;
  const max = Math.max(1, ...hops.map((h) => h.p50Ms));
  const scale = (W - labelW - 120) / max;
  const parts = [
    text(
      20,
      top + 18,
      'One bid at a time: median of each hop (ms, from Kafka record timestamps)',
      'font-weight="bold"',
    ),
  ];
  hops.forEach((h, i) => {
    const y = top + 34 + i * rowH;
    parts.push(
      text(labelW - 8, y + 15, h.hop, 'text-anchor="end"'),
      rect(labelW, y + 3, h.p50Ms * scale, rowH - 6, '#4c78a8'),
      text(labelW + h.p50Ms * scale + 6, y + 15, `${h.p50Ms} ms`),
    );
  });
  return { svg: parts.join(''), height: 44 + hops.length * rowH };
}

function latencyPanel(top: number, latencies: number[]): { svg: string; height: number } {
  const sorted = [...latencies].sort((a, b) => a - b);
  const h = 160;
  const left = 80;
  const width = W - left - 40;
  const max = Math.max(1, sorted[sorted.length - 1] ?? 1);
  const parts = [
    text(
      20,
      top + 18,
      `Single-order latency, ${sorted.length} bids one after another (cumulative share against ms)`,
      'font-weight="bold"',
    ),
  ];
  const y0 = top + 30;
  parts.push(
    `<line x1="${left}" y1="${y0 + h}" x2="${left + width}" y2="${y0 + h}" stroke="#888"/>`,
    `<line x1="${left}" y1="${y0}" x2="${left}" y2="${y0 + h}" stroke="#888"/>`,
  );
  const points = sorted.map(
    (v, i) =>
      `${(left + (v / max) * width).toFixed(1)},${(y0 + h - ((i + 1) / sorted.length) * h).toFixed(1)}`,
  );
  parts.push(`<polyline fill="none" stroke="#f58518" stroke-width="2" points="${points.join(' ')}"/>`);
  for (const q of [0, 0.25, 0.5, 0.75, 1])
    parts.push(text(left + q * width, y0 + h + 16, `${Math.round(q * max)}`, 'text-anchor="middle"'));
  parts.push(
    text(left - 8, y0 + 10, '100 %', 'text-anchor="end"'),
    text(left - 8, y0 + h, '0 %', 'text-anchor="end"'),
  );
  return { svg: parts.join(''), height: h + 60 };
}

function runsPanel(top: number, runs: ChartRun[]): { svg: string; height: number } {
  const h = 180;
  const left = 80;
  const groupW = (W - left - 40) / Math.max(1, runs.length);
  const max = Math.max(1, ...runs.map((r) => Math.max(r.ordersPerSec, r.ceilingPerSec)));
  const parts = [
    text(
      20,
      top + 18,
      'At each concurrency: orders/s (blue) against the { __typename } ceiling (grey); p50 / p99 ms under each',
      'font-weight="bold"',
    ),
  ];
  const y0 = top + 30;
  runs.forEach((r, i) => {
    const x = left + i * groupW + groupW * 0.15;
    const bw = groupW * 0.3;
    const bar = (value: number, dx: number, fill: string) =>
      rect(x + dx, y0 + h - (value / max) * h, bw, (value / max) * h, fill);
    parts.push(bar(r.ceilingPerSec, 0, '#bab0ac'), bar(r.ordersPerSec, bw, '#4c78a8'));
    parts.push(
      text(x + bw, y0 + h + 16, `${r.connections} conn`, 'text-anchor="middle"'),
      text(
        x + bw,
        y0 + h + 32,
        `${r.ordersPerSec}/s · ${r.p50Ms}/${r.p99Ms} ms`,
        'text-anchor="middle" font-size="11"',
      ),
    );
  });
  parts.push(text(left - 8, y0 + 10, `${max}/s`, 'text-anchor="end"'));
  return { svg: parts.join(''), height: h + 70 };
}

export function tradingChart(single: HopSummary, runs: ChartRun[], caption: string): string {
  // Three panels, one under another.
  let top = 40;
  const title = text(20, 26, caption, 'font-size="15" font-weight="bold"');
  const hops = hopsPanel(top, single.hops);
  top += hops.height + 10;
  const latency = latencyPanel(top, single.latenciesMs);
  top += latency.height + 10;
  const perRun = runsPanel(top, runs);
  top += perRun.height;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${top}" font-family="sans-serif" font-size="12"><rect width="100%" height="100%" fill="white"/>${title}${hops.svg}${latency.svg}${perRun.svg}</svg>\n`;
}
