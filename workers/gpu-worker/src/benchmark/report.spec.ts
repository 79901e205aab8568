import { formatReport } from './report';
import type { BenchmarkReport } from './run';

const report: BenchmarkReport = {
  adapter: {
    vendor: 'mesa',
    architecture: 'software',
    device: 'llvmpipe',
    description: 'llvmpipe: Mesa 25',
    isFallbackAdapter: true,
    features: ['shader-f16'],
    dawnToggles: [],
    limits: {
      maxStorageBufferBindingSize: 1 << 27,
      maxComputeWorkgroupStorageSize: 32768,
      maxComputeInvocationsPerWorkgroup: 1024,
    },
  },
  model: { name: 'H100-80GB', known: true, peakTflops: { f32: 66.9, f16: 989.4 }, note: 'SXM5' },
  precisions: [
    {
      precision: 'f32',
      variant: 'f32-r16x8-wg8x8-a4-tex',
      fromCache: false,
      tunedGflops: 25.1,
      tunedAtSize: 512,
      candidates: [
        { variant: 'f32-r16x8-wg8x8-a4-tex', gflops: 25.1, correct: true },
        { variant: 'f32-r4x4-wg8x8', gflops: null, correct: false, error: '3 wrong elements' },
      ],
      sizes: [
        { n: 256, gflops: 20.5, ms: 1.64, verified: true, efficiency: 20.5 / 66900 },
        {
          n: 1024,
          gflops: null,
          ms: null,
          verified: false,
          error: 'Freivalds check failed: 2 of 1024 rows off',
        },
      ],
    },
  ],
  skipped: [{ precision: 'f16', reason: 'the adapter has no shader-f16 feature' }],
  bandwidth: { bytes: 128 << 20, gbps: 3.71, verified: true },
  ok: false,
};

describe('benchmark table', () => {
  it('shows every figure with its check, the choice, what was skipped and the bandwidth', () => {
    const text = formatReport(report);
    expect(text).toMatch(/^adapter: llvmpipe: Mesa 25 \(software fallback: not a GPU\)$/m);
    expect(text).toMatch(/^model: H100-80GB \(SXM5\), peak 66.9 TFLOP\/s f32/m);
    expect(text).toMatch(/software fallback, not a H100-80GB: its efficiency says nothing about one/);
    expect(text).toMatch(/^precision\s+variant\s+n\s+GFLOP\/s\s+ms\s+efficiency\s+check$/m);
    expect(text).toMatch(/^f32\s+f32-r16x8-wg8x8-a4-tex\s+256\s+20\.50\s+1\.64\s+0\.031 %\s+Freivalds ok$/m);
    expect(text).toMatch(
      /^f32\s+f32-r16x8-wg8x8-a4-tex\s+1024\s+-\s+-\s+-\s+FAILED: Freivalds check failed/m,
    );
    expect(text).toMatch(/fastest of 1 correct variants/);
    expect(text).toMatch(/not used, wrong or failed: f32-r4x4-wg8x8 \(3 wrong elements\)/);
    expect(text).toMatch(/^f16: skipped, the adapter has no shader-f16 feature$/m);
    expect(text).toMatch(/^memory bandwidth: 3\.71 GB\/s \(scale-copy of 128 MiB/m);
  });

  it('says that the f16 figure is of the variants f16 certification runs (f32 accumulation)', () => {
    const f16 = {
      ...report.precisions[0]!,
      precision: 'f16' as const,
      accumulate: 'f32' as const,
      variant: 'f16-r16x16-wg8x1-a4-tex-acc32',
      candidates: [],
    };
    const text = formatReport({ ...report, precisions: [f16], skipped: [] });
    expect(text).toMatch(
      /^ {2}accumulates in f32: the f16 variants certification accepts, the kernel f16 challenges run$/m,
    );
    expect(formatReport(report)).not.toMatch(/accumulates in/);
  });

  it('names the Dawn toggles asked for, where there were any, as asked for: Dawn ignores names it does not know', () => {
    const adapter = { ...report.adapter, dawnToggles: ['vulkan_enable_f16_on_nvidia', '-allow_unsafe_apis'] };
    expect(formatReport({ ...report, adapter })).toMatch(
      /^adapter: llvmpipe: Mesa 25 \(software fallback: not a GPU\); Dawn toggles asked for: vulkan_enable_f16_on_nvidia,-allow_unsafe_apis \(Dawn ignores a name it does not know\)$/m,
    );
    expect(formatReport(report)).toMatch(/^adapter: llvmpipe: Mesa 25 \(software fallback: not a GPU\)$/m);
  });

  it('says why efficiency is missing', () => {
    const unknown = formatReport({
      ...report,
      model: { name: 'B200', known: false, note: 'not in the table' },
    });
    expect(unknown).toMatch(
      /model: B200 is not in the table of known peaks, so efficiency is omitted \(known: H100-80GB, H200/,
    );
    expect(unknown).not.toMatch(/efficiency\s+check/);
    const { model: _model, ...none } = report;
    expect(formatReport(none)).toMatch(/model: none given \(--model NAME/);
  });
});
