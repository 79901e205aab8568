import { chooseAdapter } from './choose';

describe('--adapter', () => {
  const adapters = [
    { vendor: 'nvidia', architecture: 'hopper', device: '0x2335', description: 'NVIDIA H200' },
    { vendor: 'intel', architecture: 'gen-12lp', device: '0x9a49', description: 'Intel(R) Xe Graphics' },
    { vendor: 'mesa', architecture: '', device: '', description: 'llvmpipe (LLVM 19.1.7, 256 bits)' },
  ];

  it('takes an index from `gpu-worker adapters`', () => {
    expect(chooseAdapter(adapters, '0')).toEqual({ ok: true, index: 0 });
    expect(chooseAdapter(adapters, '2')).toEqual({ ok: true, index: 2 });
  });

  it('takes a part of the description, vendor, architecture or device, in any case', () => {
    expect(chooseAdapter(adapters, 'h200')).toEqual({ ok: true, index: 0 });
    expect(chooseAdapter(adapters, 'LLVMpipe')).toEqual({ ok: true, index: 2 });
    expect(chooseAdapter(adapters, 'hopper')).toEqual({ ok: true, index: 0 });
    expect(chooseAdapter(adapters, 'intel')).toEqual({ ok: true, index: 1 });
  });

  it('refuses what fits none or several, listing what there is', () => {
    expect(chooseAdapter(adapters, '3')).toEqual({
      ok: false,
      error:
        '--adapter 3: no adapter has that index (there are 3 adapters: 0: NVIDIA H200; 1: Intel(R) Xe Graphics; 2: llvmpipe (LLVM 19.1.7, 256 bits); see gpu-worker adapters)',
    });
    expect(chooseAdapter(adapters, 'amd')).toEqual({
      ok: false,
      error: expect.stringMatching(
        /^--adapter "amd" matches no adapter \(there are 3 adapters: 0: NVIDIA H200; /,
      ),
    });
    expect(chooseAdapter(adapters, 'x')).toEqual({
      ok: false,
      error: expect.stringMatching(
        /^--adapter "x" matches 2 adapters \(0: NVIDIA H200; 1: Intel\(R\) Xe Graphics\): give its index instead$/,
      ),
    });
    expect(chooseAdapter([], '0')).toEqual({
      ok: false,
      error: '--adapter 0: no adapter has that index (there is none; see gpu-worker adapters)',
    });
  });

  it('refuses a number that is no index (negative, fractional) instead of matching it in a name', () => {
    // "1" and "5" are in the llvmpipe description: taken as a part of a name, these would pick it.
    for (const wanted of ['-1', '1.5', '+1', '1e0', '.5'])
      expect(chooseAdapter(adapters, wanted)).toEqual({
        ok: false,
        error: `--adapter ${wanted}: an adapter index is 0 to 2 (there are 3 adapters: 0: NVIDIA H200; 1: Intel(R) Xe Graphics; 2: llvmpipe (LLVM 19.1.7, 256 bits); see gpu-worker adapters)`,
      });
    expect(chooseAdapter(adapters.slice(2), '-1')).toEqual({
      ok: false,
      error:
        '--adapter -1: the only adapter index is 0 (there is one adapter, 0: llvmpipe (LLVM 19.1.7, 256 bits); see gpu-worker adapters)',
    });
    // A device id is still a part of a name.
    expect(chooseAdapter(adapters, '0x9a49')).toEqual({ ok: true, index: 1 });
  });

  it('names GPUX_ADAPTER, not --adapter, when the choice came from the environment', () => {
    expect(chooseAdapter(adapters, 'amd', 'GPUX_ADAPTER')).toEqual({
      ok: false,
      error: expect.stringMatching(
        /^GPUX_ADAPTER="amd" matches no adapter \(there are 3 adapters: 0: NVIDIA H200; /,
      ),
    });
    expect(chooseAdapter(adapters, '3', 'GPUX_ADAPTER')).toEqual({
      ok: false,
      error: expect.stringMatching(/^GPUX_ADAPTER=3: no adapter has that index \(/),
    });
    expect(chooseAdapter(adapters, '-1', 'GPUX_ADAPTER')).toEqual({
      ok: false,
      error: expect.stringMatching(/^GPUX_ADAPTER=-1: an adapter index is 0 to 2 \(/),
    });
    expect(chooseAdapter(adapters, 'x', 'GPUX_ADAPTER')).toEqual({
      ok: false,
      error: expect.stringMatching(/^GPUX_ADAPTER="x" matches 2 adapters \(.*\): give its index instead$/),
    });
  });
});
