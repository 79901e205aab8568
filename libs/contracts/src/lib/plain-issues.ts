import type { z } from 'zod';

/*
 * zod's words for a value out of range or of the wrong type ("Too big: expected number to be
 * <=1024", "Invalid input: expected string, received number") reach API callers and dead-letter
 * reasons through the message registry. These are the same facts in the words the rest of the API
 * uses ("must be at most 1024", "must be a string"). Any other issue keeps zod's words, and
 * messages a schema writes itself are never replaced.
 */

type Issue = z.core.$ZodRawIssue;
type Bound = number | bigint;

const UNITS: Record<string, string> = { string: 'characters', array: 'items', set: 'items', map: 'entries' };

function range(
  origin: string | undefined,
  bound: Bound,
  side: 'least' | 'most',
  inclusive: boolean,
  exact: boolean,
) {
  const unit = UNITS[origin ?? ''];
  if (unit) {
    if (exact) return `must have exactly ${bound} ${unit}`;
    if (side === 'least' && Number(bound) === 1 && inclusive)
      return origin === 'string' ? 'must not be empty' : `must have at least 1 item`;
    return `must have at ${side} ${bound} ${unit}`;
  }
  if (exact) return `must be exactly ${bound}`;
  if (inclusive) return `must be at ${side} ${bound}`;
  return side === 'least' ? `must be greater than ${bound}` : `must be less than ${bound}`;
}

const A = (type: string) => (/^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`);

/** The plain message for an issue, or undefined to keep zod's (a zod error map: `{ error: plainIssue }`). */
export function plainIssue(issue: Issue): string | undefined {
  if (issue.message !== undefined) return undefined; // the schema's own words
  switch (issue.code) {
    case 'too_small':
      return range(issue.origin, issue.minimum, 'least', issue.inclusive ?? true, issue.exact ?? false);
    case 'too_big':
      return range(issue.origin, issue.maximum, 'most', issue.inclusive ?? true, issue.exact ?? false);
    case 'invalid_type':
      return issue.input === undefined ? 'is required' : `must be ${A(issue.expected)}`;
    default:
      return undefined;
  }
}
