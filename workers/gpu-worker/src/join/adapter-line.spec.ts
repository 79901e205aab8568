import { ADAPTER_LINE_MAX, adapterLine } from './adapter-line';

describe('adapterLine', () => {
  it('keeps an ordinary description as it is', () => {
    expect(adapterLine('NVIDIA H200 (Vulkan 1.4, driver 580.65)')).toBe(
      'NVIDIA H200 (Vulkan 1.4, driver 580.65)',
    );
    expect(adapterLine('llvmpipe (LLVM 15.0.6, 256 bits)')).toBe('llvmpipe (LLVM 15.0.6, 256 bits)');
  });

  it('makes one line of a description with control characters', () => {
    expect(adapterLine(' GPU\nmodel\t\u0000 x\u007f ')).toBe('GPU model x');
  });

  it('cuts a long description to what the gateway takes, never inside a surrogate pair', () => {
    expect(adapterLine('x'.repeat(1_000))).toBe('x'.repeat(ADAPTER_LINE_MAX));
    const emoji = 'a' + '\u{1F680}'.repeat(200);
    const cut = adapterLine(emoji)!;
    expect(cut.length).toBeLessThanOrEqual(ADAPTER_LINE_MAX);
    expect(cut).toBe('a' + '\u{1F680}'.repeat(127));
    expect(adapterLine('y'.repeat(ADAPTER_LINE_MAX - 1) + ' z')).toBe('y'.repeat(ADAPTER_LINE_MAX - 1));
  });

  it('is undefined when nothing printable is left', () => {
    expect(adapterLine('')).toBeUndefined();
    expect(adapterLine(' \n\t\u0000')).toBeUndefined();
  });
});
