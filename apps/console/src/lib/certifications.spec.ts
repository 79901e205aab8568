import {
  certificationChart,
  formatTflops,
  peakOf,
  howOf,
  tflopsDecimals,
  type CertificationEntry,
} from './certifications';

const at = (second: number) => new Date(Date.UTC(2026, 10, 30, 12, 0, second)).toISOString();
const t = (second: number) => Date.UTC(2026, 10, 30, 12, 0, second) / 1000;

/** A Certification as the API answers it: every field the console selects, null where it does not apply. */
const entry = (fields: Partial<CertificationEntry> & Pick<CertificationEntry, 'kind' | 'recordedAt'>) => ({
  purpose: null,
  method: null,
  precision: null,
  reason: null,
  tflopsPerGpu: null,
  tflopsF16PerGpu: null,
  measuredTflops: null,
  ...fields,
});

describe('certificationChart', () => {
  const node = { gpus: 4, gpuModel: 'H100-80GB', tflopsPerGpu: 40, efficiency: null };

  it('lists what each passed check measured per GPU, oldest first', () => {
    const chart = certificationChart(
      [
        entry({ kind: 'SPOT_PASSED', purpose: 'SPOT', measuredTflops: 180, recordedAt: at(30) }),
        entry({ kind: 'FAILED', purpose: 'SPOT', reason: 'DEADLINE_MISSED', recordedAt: at(20) }),
        entry({
          kind: 'CERTIFIED',
          purpose: 'CERTIFICATION',
          method: 'challenge',
          tflopsPerGpu: 40,
          measuredTflops: 160,
          recordedAt: at(10),
        }),
      ],
      node,
    );
    expect(chart.f32).toEqual([
      { time: t(10), tflopsPerGpu: 40 },
      { time: t(30), tflopsPerGpu: 45 },
    ]);
    expect(chart.failed).toEqual([{ time: t(20), reason: 'DEADLINE_MISSED' }]);
  });

  it('charts each certificate on the series of its precision, with its own figure', () => {
    const chart = certificationChart(
      [
        // An f16 certificate keeps the node's f32 figure (40): charted at its f16 figure alone.
        entry({
          kind: 'CERTIFIED',
          purpose: 'CERTIFICATION',
          method: 'challenge',
          precision: 'f16',
          tflopsPerGpu: 40,
          tflopsF16PerGpu: 600,
          measuredTflops: 2400,
          recordedAt: at(40),
        }),
        // Recorded without its f16 figure: its whole-node measure (at f16) over the GPUs.
        entry({
          kind: 'CERTIFIED',
          method: 'challenge',
          precision: 'f16',
          tflopsPerGpu: 40,
          measuredTflops: 2000,
          recordedAt: at(30),
        }),
        entry({ kind: 'SPOT_PASSED', purpose: 'SPOT', measuredTflops: 168, recordedAt: at(20) }),
        // An administrator's certificate names no precision: f32, as markets ask.
        entry({ kind: 'CERTIFIED', method: 'admin', tflopsPerGpu: 35, recordedAt: at(15) }),
        // An f32 certificate keeps the node's f16 figure (500): charted at its f32 figure alone.
        entry({
          kind: 'CERTIFIED',
          method: 'challenge',
          precision: 'f32',
          tflopsPerGpu: 40,
          tflopsF16PerGpu: 500,
          measuredTflops: 160,
          recordedAt: at(10),
        }),
      ],
      node,
    );
    expect(chart.f32).toEqual([
      { time: t(10), tflopsPerGpu: 40 },
      { time: t(15), tflopsPerGpu: 35 },
      { time: t(20), tflopsPerGpu: 42 },
    ]);
    expect(chart.f16).toEqual([
      { time: t(30), tflopsPerGpu: 500 },
      { time: t(40), tflopsPerGpu: 600 },
    ]);
    expect(chart.peakF16PerGpu).toBe(989.4);
  });

  it("takes the model's peak from its datasheet, whatever the node's spelling of it", () => {
    expect(certificationChart([], node).peakPerGpu).toBe(66.9);
    expect(peakOf({ ...node, gpuModel: 'a100 80gb' })).toBe(19.5);
    expect(certificationChart([], { ...node, gpuModel: 'X1' }).peakF16PerGpu).toBeNull();
  });

  it("takes an unknown model's peak from the node's figure and efficiency, when it has both", () => {
    const unknown = { gpus: 4, gpuModel: 'X1', tflopsPerGpu: 40, efficiency: 0.5 };
    expect(peakOf(unknown)).toBe(80);
    expect(peakOf({ ...unknown, efficiency: null })).toBeNull();
    expect(peakOf({ ...unknown, tflopsPerGpu: null })).toBeNull();
  });

  it('keeps the latest of two entries in one second, and skips entries without a readable time', () => {
    const chart = certificationChart(
      [
        entry({ kind: 'CERTIFIED', tflopsPerGpu: 42, recordedAt: '2026-11-30T12:00:10.900Z' }),
        entry({ kind: 'CERTIFIED', tflopsPerGpu: 41, recordedAt: '2026-11-30T12:00:10.100Z' }),
        entry({ kind: 'CERTIFIED', tflopsPerGpu: 39, recordedAt: '' }),
      ],
      node,
    );
    expect(chart.f32).toEqual([{ time: t(10), tflopsPerGpu: 42 }]);
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

describe('howOf', () => {
  it("says a certificate's method, with the precision a challenge measured; else the check's purpose", () => {
    const certified = { kind: 'CERTIFIED', recordedAt: at(1), purpose: 'CERTIFICATION', method: 'challenge' };
    expect(howOf(entry({ ...certified, precision: 'f16' }))).toBe('challenge (f16)');
    expect(howOf(entry({ ...certified, precision: 'f32' }))).toBe('challenge (f32)');
    // Recorded before certificates named their precision, or an administrator's: the method alone.
    expect(howOf(entry(certified))).toBe('challenge');
    expect(howOf(entry({ kind: 'CERTIFIED', recordedAt: at(2), method: 'admin' }))).toBe('admin');
    expect(howOf(entry({ kind: 'SPOT_PASSED', recordedAt: at(3), purpose: 'SPOT' }))).toBe('spot');
    expect(howOf(entry({ kind: 'FAILED', recordedAt: at(4), purpose: 'CERTIFICATION' }))).toBe(
      'certification',
    );
  });
});
