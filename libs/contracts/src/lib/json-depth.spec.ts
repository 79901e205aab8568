import { z } from 'zod';
import { jsonDepth, MAX_JSON_DEPTH, shallowJson } from './json-depth';

const nested = (depth: number): unknown => {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = i % 2 ? { a: value } : [value];
  return value;
};

describe('jsonDepth', () => {
  it('counts the arrays and objects nested inside one another', () => {
    expect(jsonDepth(1)).toBe(0);
    expect(jsonDepth(null)).toBe(0);
    expect(jsonDepth({})).toBe(1);
    expect(jsonDepth({ a: [1, { b: 2 }], c: 'x' })).toBe(3);
    expect(jsonDepth(nested(7))).toBe(7);
  });

  it('walks a value far deeper than the stack allows, and stops counting past its limit', () => {
    expect(jsonDepth(nested(200_000))).toBe(200_000);
    expect(jsonDepth(nested(200_000), 32)).toBe(33);
  });
});

describe('shallowJson', () => {
  const schema = shallowJson(z.record(z.string(), z.unknown()));

  it(`takes a value up to ${MAX_JSON_DEPTH} levels deep and refuses a deeper one in words`, () => {
    expect(schema.safeParse({ a: nested(MAX_JSON_DEPTH - 1) }).success).toBe(true);
    const refused = schema.safeParse({ a: nested(50_000) });
    expect(refused.success).toBe(false);
    expect(refused.error?.issues[0]?.message).toBe(`must nest at most ${MAX_JSON_DEPTH} levels deep`);
  });
});
