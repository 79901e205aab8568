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

  it('changes nothing in place', () => {
    const held = { h1: 500 };
    takeFromHold(held, 'h1', 200);
    expect(held).toEqual({ h1: 500 });
  });
});
