import { z } from 'zod';
import { plainIssue } from './plain-issues';

const message = (schema: z.ZodType, value: unknown) => {
  const parsed = schema.safeParse(value, { error: plainIssue });
  return parsed.success ? null : parsed.error.issues.map((i) => i.message).join('; ');
};

describe('plainIssue', () => {
  it("says a number out of range in the API's words", () => {
    expect(message(z.number().max(1024), 5000)).toBe('must be at most 1024');
    expect(message(z.number().min(0), -1)).toBe('must be at least 0');
    expect(message(z.number().gt(0), 0)).toBe('must be greater than 0');
    expect(message(z.number().lt(10), 10)).toBe('must be less than 10');
    expect(message(z.number().int(), 2 ** 60)).toBe('must be at most 9007199254740991');
  });

  it('says a string or list out of range in characters or items, and an empty one as empty', () => {
    expect(message(z.string().min(1).max(64), '')).toBe('must not be empty');
    expect(message(z.string().max(64), 'x'.repeat(65))).toBe('must have at most 64 characters');
    expect(message(z.string().min(3), 'ab')).toBe('must have at least 3 characters');
    expect(message(z.string().length(4), 'abc')).toBe('must have exactly 4 characters');
    expect(message(z.array(z.number()).max(2), [1, 2, 3])).toBe('must have at most 2 items');
    expect(message(z.array(z.number()).min(1), [])).toBe('must have at least 1 item');
  });

  it('says a value of the wrong type, or a missing one', () => {
    expect(message(z.object({ a: z.string() }), { a: 3 })).toBe('must be a string');
    expect(message(z.object({ a: z.number() }), { a: 'x' })).toBe('must be a number');
    expect(message(z.object({ a: z.object({}) }), { a: 1 })).toBe('must be an object');
    expect(message(z.object({ a: z.string() }), {})).toBe('is required');
  });

  it("keeps the schema's own words, and zod's for anything else", () => {
    expect(message(z.number().positive('must be at least 1'), 0)).toBe('must be at least 1');
    expect(message(z.string().max(3, 'too long for a code'), 'abcd')).toBe('too long for a code');
    expect(message(z.enum(['a', 'b']), 'c')).toMatch(/^Invalid option/);
  });
});
