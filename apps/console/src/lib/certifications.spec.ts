import { certificationChart, formatTflops, peakOf, tflopsDecimals } from './certifications';

const at = (second: number) => new Date(Date.UTC(2026, 10, 30, 12, 0, second)).toISOString();
const t = (second: number) => Date.UTC(2026, 10, 30, 12, 0, second) / 1000;

describe('certificationChart', () => {
  const node = { gpus: 4, gpuModel: 'H100-80GB', tflopsPerGpu: 40, efficiency: null };

  it('lists what each passed check measured per GPU, oldest first', () => {
    const chart = certificationChart(
      [
        { ok: true, purpose: 'spot', measuredTflops: 180, at: at(30) },
        { ok: false, purpose: 'SPOT', reason: 'DEADLINE_MISSED', at: at(20) },
        { ok: true, method: 'challenge', tflopsPerGpu: { f32: 40 }, measuredTflops: 160, at: at(10) },
      ],
      node,
    );
    expect(chart.measured).toEqual([
      { time: t(10), tflopsPerGpu: 40 },
      { time: t(30), tflopsPerGpu: 45 },
    ]);
    expect(chart.failed).toEqual([{ time: t(20), reason: 'DEADLINE_MISSED' }]);
  });

  it("takes the model's peak from its datasheet, whatever the node's spelling of it", () => {
    expect(certificationChart([], node).peakPerGpu).toBe(66.9);
    expect(peakOf({ ...node, gpuModel: 'a100 80gb' })).toBe(19.5);
  });

  it("takes an unknown model's peak from the node's figure and efficiency, when it has both", () => {
    const unknown = { gpus: 4, gpuModel: 'X1', tflopsPerGpu: 40, efficiency: 0.5 };
    expect(peakOf(unknown)).toBe(80);
    expect(peakOf({ ...unknown, efficiency: null })).toBeNull();
    expect(peakOf({ ...unknown, tflopsPerGpu: null })).toBeNull();
  });

  it('keeps the latest of two entries in one second, and skips entries without a time', () => {
    const chart = certificationChart(
      [
        { ok: true, tflopsPerGpu: { f32: 42 }, at: '2026-11-30T12:00:10.900Z' },
        { ok: true, tflopsPerGpu: { f32: 41 }, at: '2026-11-30T12:00:10.100Z' },
        { ok: true, tflopsPerGpu: { f32: 39 } },
      ],
      node,
    );
    expect(chart.measured).toEqual([{ time: t(10), tflopsPerGpu: 42 }]);
  });
});

describe('formatTflops', () => {
  it('keeps the decimals asked for at 1 TFLOP/s and above', () => {
    expect(formatTflops(51.2)).toBe('51.2');
    expect(formatTflops(20)).toBe('20.0');
    expect(formatTflops(20, 2)).toBe('20.00');
    expect(formatTflops(1)).toBe('1.0');
  });

  it("shows a software adapter's figure below 1 with three significant digits, never as 0.0", () => {
    expect(formatTflops(0.010410239290858726)).toBe('0.0104');
    expect(formatTflops(0.00387, 2)).toBe('0.00387');
    expect(formatTflops(0.5)).toBe('0.500');
    expect(formatTflops(0.099)).toBe('0.0990');
    expect(formatTflops(0.001)).toBe('0.00100');
  });

  it('stops at 8 decimals, and leaves zero and non-figures at the decimals asked for', () => {
    expect(formatTflops(1e-12)).toBe('0.00000000');
    expect(formatTflops(0)).toBe('0.0');
    expect(tflopsDecimals(Number.NaN, 2)).toBe(2);
    expect(tflopsDecimals(0.0104, 2)).toBe(4);
    expect(tflopsDecimals(66.9, 2)).toBe(2);
  });
});
