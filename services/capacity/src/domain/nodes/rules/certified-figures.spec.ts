import { certifiedFigures } from './certified-figures';

describe('the figures rule', () => {
  it("replaces the measured precision's figure and keeps the other", () => {
    expect(certifiedFigures('f32', 300, undefined)).toEqual({ f32: 300 });
    expect(certifiedFigures('f32', 300, { f32: 250, f16: 900 })).toEqual({ f32: 300, f16: 900 });
    expect(certifiedFigures('f16', 800, { f32: 250, f16: 900 })).toEqual({ f32: 250, f16: 800 });
  });

  it('has an f32 figure even when only f16 was measured: 0', () => {
    expect(certifiedFigures('f16', 800, undefined)).toEqual({ f32: 0, f16: 800 });
  });

  it('keeps no f16 figure where there was none', () => {
    expect(certifiedFigures('f32', 300, { f32: 250 })).not.toHaveProperty('f16');
  });
});
