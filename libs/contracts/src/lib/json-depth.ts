import { z } from 'zod';

/*
 * Free JSON in commands (the certification protocol's messages): how deep it may nest. A value
 * thousands of arrays deep overflowed the stack wherever it was walked recursively (a request's
 * fingerprint, JSON.stringify), and one such commitment stopped capacity's command processor.
 */

/** The deepest a command's free JSON may nest: arrays and objects inside one another. */
export const MAX_JSON_DEPTH = 32;

/**
 * How many arrays and objects `value` nests inside one another (0 for a scalar), counted without
 * recursion so that no depth overflows the stack; stops counting once past `limit`.
 */
export function jsonDepth(value: unknown, limit = Number.POSITIVE_INFINITY): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [current, above] = stack.pop()!;
    if (current === null || typeof current !== 'object') continue;
    const depth = above + 1;
    if (depth > deepest) deepest = depth;
    if (deepest > limit) return deepest;
    for (const inner of Array.isArray(current) ? current : Object.values(current)) stack.push([inner, depth]);
  }
  return deepest;
}

/** `schema`, refusing a value that nests more than `max` levels deep. */
export const shallowJson = <T extends z.ZodType>(schema: T, max = MAX_JSON_DEPTH) =>
  schema.refine((value) => jsonDepth(value, max) <= max, `must nest at most ${max} levels deep`);
