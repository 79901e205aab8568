import { takeFromHold } from './holds';

describe('the holds rule', () => {
  it('leaves the rest of a hold taken in part, and the other holds as they are', () => {
    expect(takeFromHold({ h1: 500, h2: 70 }, 'h1', 200)).toEqual({ h1: 300, h2: 70 });
  });

  it('drops a hold taken whole, or beyond', () => {
    expect(takeFromHold({ h1: 500, h2: 70 }, 'h1', 500)).toEqual({ h2: 70 });
    expect(takeFromHold({ h1: 500 }, 'h1', 501)).toEqual({});
  });

  it('counts a hold not there as 0', () => {
    expect(takeFromHold(undefined, 'h1', 1)).toEqual({});
    expect(takeFromHold({ h2: 70 }, 'h1', 1)).toEqual({ h2: 70 });
  });

  it('takes from the holds in place, as evolve updates an account (no copy per event)', () => {
    const held: Record<string, number> = { h1: 500, h2: 70 };
    expect(takeFromHold(held, 'h1', 200)).toBe(held);
    expect(held).toEqual({ h1: 300, h2: 70 });
    takeFromHold(held, 'h2', 70);
    expect(held).toEqual({ h1: 300 });
  });

  it('never finds a hold on the prototype: a hold id such as constructor is simply not there', () => {
    const held: Record<string, number> = { h1: 500 };
    expect(takeFromHold(held, 'constructor', 1)).toEqual({ h1: 500 });
    expect(Object.keys(held)).toEqual(['h1']);
  });
});
