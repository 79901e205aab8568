import { own } from './own';

describe('own: a record entry by a caller-chosen key', () => {
  it('finds what the record holds', () => {
    expect(own({ k1: 1 }, 'k1')).toBe(1);
    expect(own({ k1: 0 }, 'k1')).toBe(0);
  });

  it('finds nothing for a key only Object.prototype has, or in no record', () => {
    for (const inherited of [
      'constructor',
      'toString',
      'valueOf',
      'hasOwnProperty',
      'isPrototypeOf',
      '__proto__',
    ]) {
      expect(own({ k1: 1 }, inherited)).toBeUndefined();
      expect(own(JSON.parse('{"k1":1}') as Record<string, number>, inherited)).toBeUndefined();
    }
    expect(own(undefined, 'k1')).toBeUndefined();
  });

  it('finds an own entry even when its key is also a prototype name', () => {
    expect(own({ constructor: 7 } as Record<string, number>, 'constructor')).toBe(7);
  });
});
