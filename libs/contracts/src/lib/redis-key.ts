/**
 * The one builder of Redis keys (and pub/sub channels): every key any service, projection,
 * reader or runner uses is written with the `redisKey` tag, never by concatenating strings.
 *
 * A key is segments joined by `:`. The template's literal text is the key's *family*: fixed
 * segments, each a lowercase word (`/^[a-z][a-z0-9-]*$/`, so it starts with a letter). Each
 * `${…}` is a *caller segment* (an id, a client's idempotency key, a market id, a number…) and
 * must fill a whole segment. A caller segment is written with a length prefix:
 * `<decimal length>.<value>` (`capacity:nodes:${'n:1'}:challenge` is
 * `capacity:nodes:3.n:1:challenge`), the value verbatim.
 *
 * Why a length prefix: read a key from the left with its family in hand and every segment is
 * found without ambiguity. A caller segment starts with a digit and a fixed one with a letter, so
 * a caller's value can never stand for a fixed segment (`p:events` cannot become the `:events`
 * of another key); its length says exactly where it ends, whatever `:`s it holds. So two keys are
 * equal only when their families are equal and every caller segment is equal: distinct inputs
 * never share a key, and no key of one family equals a key of another (redis-key.spec.ts and
 * eventsourcing's keys.spec.ts check this with generated inputs). Values stay readable in
 * redis-cli, and nothing needs decoding: keys are derived, never parsed.
 *
 * Keys are derived, so the scheme may change: a change moves every projection's own epoch key
 * as well (eventsourcing's projectionKeys), so each read model finds no epoch on its first start
 * and rebuilds itself from Kafka, clearing its keyPrefix (old-scheme keys included); only the old
 * runner bookkeeping keys are left behind, and heartbeats expire by themselves.
 *
 * A fixed segment that is only known at run time (the service a library serves) goes in a hole
 * as `fixedSegment(word)`: it is checked to be a lowercase word and written as it is, so it is
 * part of the family. Prefixes (a projection's keyPrefix, a SCAN pattern) are fixed text only and
 * are plain strings.
 */
const FIXED = /^[a-z][a-z0-9-]*$/;
const HOLE = '\u0000';
const checked = new WeakSet<TemplateStringsArray>();

/** A template's literal text makes a valid family, with each hole a whole segment. */
function checkFamily(fixed: TemplateStringsArray): void {
  if (checked.has(fixed)) return;
  const segments = fixed.join(HOLE).split(':');
  const bad = segments.find((s) => s !== HOLE && !FIXED.test(s));
  if (bad !== undefined) {
    throw new Error(
      `Redis key family ${JSON.stringify(fixed.join('${…}'))}: segment ${JSON.stringify(bad)} is neither a lowercase word nor a whole \${…}`,
    );
  }
  checked.add(fixed);
}

/** A fixed segment chosen at run time (never by a caller): a lowercase word, written as it is. */
export class FixedSegment {
  constructor(readonly word: string) {
    if (!FIXED.test(word))
      throw new Error(`Redis key segment ${JSON.stringify(word)} is not a lowercase word`);
  }
}

export function fixedSegment(word: string): FixedSegment {
  return new FixedSegment(word);
}

/** One caller segment, written so that it can never hold the place of another segment. */
export function keySegment(value: string | number): string {
  const text = String(value);
  return `${text.length}.${text}`;
}

/**
 * Tag for every Redis key: `redisKey\`orders:outcomes:${idempotencyKey}:events\``. Throws on a
 * family that is not fixed lowercase words and whole caller segments (a programming error).
 */
export function redisKey(
  fixed: TemplateStringsArray,
  ...parts: Array<string | number | FixedSegment>
): string {
  checkFamily(fixed);
  let key = fixed[0] ?? '';
  parts.forEach((part, i) => {
    key += (part instanceof FixedSegment ? part.word : keySegment(part)) + (fixed[i + 1] ?? '');
  });
  return key;
}
