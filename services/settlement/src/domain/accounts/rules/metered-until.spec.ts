import { meteredUntil } from './metered-until';

const END = 10_000;

describe("the meter's rule of time", () => {
  it('charges up to the instant the meter asks, in arrears of the clock', () => {
    expect(meteredUntil(END, 5_000, 4_000)).toBe(4_000);
  });

  it("charges up to the decider's clock where the meter names no instant", () => {
    expect(meteredUntil(END, 5_000)).toBe(5_000);
  });

  it("never charges past the decider's clock, whatever the meter asks", () => {
    expect(meteredUntil(END, 5_000, 6_000)).toBe(5_000);
  });

  it("never charges past the lease's end: a lease metered after it is charged up to its end", () => {
    expect(meteredUntil(END, 12_000, 11_000)).toBe(END);
    expect(meteredUntil(END, 12_000)).toBe(END);
  });
});
