/**
 * What a worker sends is never handed back raw: a failure's detail (kept in the node's record,
 * served by the API, shown by the console) repeats a seed or an id only when it is well-formed,
 * and otherwise says what is wrong with it, in a few words.
 */
import { describeValue, ID_FORM, SEED_FORM, wellFormed, wrongValue } from './caller-value';
import {
  Challenge,
  checkCommitment,
  Commitment,
  createChallenge,
  Opening,
  openRequest,
  Verdict,
} from './challenge';
import { commitProducts } from './prover';
import { seededRandom } from './random';
import { referenceProducts } from './reference';
import { verifyOpening } from './verifier';

const T0 = 1_700_000_000_000;

/** What the hostile fuzz sends: control characters, NUL, an ANSI escape, unpaired surrogates, length. */
const HOSTILE: Record<string, unknown> = {
  'control characters': 'a\u0000\u001b[31m\nb',
  'an unpaired surrogate': 'ab\uD800',
  'a trailing unpaired low surrogate': '\uDC00',
  'a line separator': 'a\u2028b',
  '50,000 characters': 'z'.repeat(50_000),
  '50,000 characters and a bell': 'z'.repeat(50_000) + '\u0007',
  '50,000 hex digits': 'a'.repeat(50_000),
  'an empty string': '',
};
const HOSTILE_ANY: Record<string, unknown> = {
  ...HOSTILE,
  'a number': 12345,
  'an object': { toString: 'x'.repeat(50_000) },
  'a list of 50,000 strings': Array.from({ length: 50_000 }, () => 'z\u0000'),
  null: null,
  missing: undefined,
};

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** The rule for text built from a caller's input: one line, printable, short. */
function expectSafe(text: string | undefined) {
  expect(typeof text).toBe('string');
  expect(text).not.toMatch(/[\p{Cc}\u2028\u2029]/u);
  expect(text).not.toMatch(LONE_SURROGATE);
  expect(text!.length).toBeLessThanOrEqual(300);
}
const detailOf = (v: Verdict | null) => (v && !v.ok ? v.detail : undefined);

function setup() {
  const rng = seededRandom(31);
  const challenge: Challenge = createChallenge({
    n: 32,
    products: 2,
    precision: 'f32',
    claimedTflops: 1e-3,
    now: T0,
    rng,
  });
  const prover = commitProducts(challenge, referenceProducts(challenge), { computeMs: 1, totalMs: 1 });
  const request = openRequest(challenge, prover.commitment, { rng, now: T0 + 1 });
  return { challenge, prover, request, opening: prover.open(request) };
}

describe('caller values in messages', () => {
  it('repeats a value only when it has the form, and otherwise describes it', () => {
    expect(wellFormed('0123456789abcdef', ID_FORM)).toBe(true);
    expect(wellFormed('0123456789abcdef0123456789abcdef', SEED_FORM)).toBe(true);
    expect(wellFormed('0123456789ABCDEF0123456789ABCDEF', SEED_FORM)).toBe(false);
    expect(wellFormed('a'.repeat(129), ID_FORM)).toBe(false);
    expect(wellFormed('a\n', ID_FORM)).toBe(false);
    expect(wellFormed(42, ID_FORM)).toBe(false);
    expect(describeValue('a\u0000b')).toBe('a string of 3 characters, with control characters');
    expect(describeValue('z'.repeat(50_000))).toBe('a string of 50000 characters');
    expect(describeValue(undefined)).toBe('missing');
    expect(describeValue([1, 2])).toBe('a list of 2');
    expect(describeValue(7)).toBe('a number');
    expect(wrongValue('commitment.seed', 'f'.repeat(32), SEED_FORM, '0'.repeat(32))).toBe(
      `commitment.seed is ${'f'.repeat(32)}; the challenge's is ${'0'.repeat(32)}`,
    );
    expect(wrongValue('commitment.seed', 'a\nb', SEED_FORM, '0'.repeat(32))).toBe(
      `commitment.seed is not 32 lowercase hex digits (it is a string of 3 characters, with control characters); the challenge's is ${'0'.repeat(32)}`,
    );
    for (const [what, value] of Object.entries(HOSTILE_ANY)) {
      const text = wrongValue('opening.challengeId', value, ID_FORM, 'abc');
      expect([what, text.length <= 300 && !/\p{Cc}/u.test(text) && !LONE_SURROGATE.test(text)]).toEqual([
        what,
        true,
      ]);
    }
  });

  it('a commitment with the wrong seed: the well-formed seed is repeated, to help an honest worker debug', () => {
    const { challenge, prover } = setup();
    const wrong = 'f'.repeat(32);
    const verdict = checkCommitment(challenge, { ...prover.commitment, seed: wrong }, T0 + 1);
    expect(verdict).toEqual({
      ok: false,
      reason: 'SEED_MISMATCH',
      detail: `commitment.seed is ${wrong}; the challenge's is ${challenge.seed}`,
    });
    const other = checkCommitment(challenge, { ...prover.commitment, challengeId: 'another-1' }, T0 + 1);
    expect(detailOf(other)).toBe(`commitment.challengeId is another-1; the challenge's is ${challenge.id}`);
  });

  it.each(Object.entries(HOSTILE))(
    "a commitment's hostile seed or challengeId (%s) is described, never repeated",
    (_what, value) => {
      const { challenge, prover } = setup();
      for (const field of ['seed', 'challengeId'] as const) {
        const commitment = { ...prover.commitment, [field]: value } as Commitment;
        const verdict = checkCommitment(challenge, commitment, T0 + 1);
        expect(verdict).toMatchObject({ ok: false, reason: 'SEED_MISMATCH' });
        expectSafe(detailOf(verdict));
        expect(detailOf(verdict)).toMatch(new RegExp(`^commitment\\.${field} is not `));
        // verifyOpening repeats the commitment's checks: the same detail.
        const { request, opening } = setup();
        expect(verifyOpening(challenge, commitment, request, opening, T0 + 2)).toEqual(verdict);
      }
    },
  );

  it.each(Object.entries(HOSTILE_ANY))(
    "an opening's hostile challengeId (%s) is described, never repeated",
    (_what, value) => {
      const { challenge, prover, request, opening } = setup();
      const hostile = { ...opening, challengeId: value } as Opening;
      const verdict = verifyOpening(challenge, prover.commitment, request, hostile, T0 + 2);
      expect(verdict).toMatchObject({ ok: false, reason: 'SEED_MISMATCH' });
      expectSafe(detailOf(verdict));
      expect(detailOf(verdict)).toMatch(/^opening\.challengeId is not an id of 1 to 128 letters/);
    },
  );

  it("an opening for another (well-formed) challenge names it; an open request's foreign id is described", () => {
    const { challenge, prover, request, opening } = setup();
    const other = verifyOpening(
      challenge,
      prover.commitment,
      request,
      { ...opening, challengeId: 'c-2' },
      T0 + 2,
    );
    expect(detailOf(other)).toBe(`opening.challengeId is c-2; the challenge's is ${challenge.id}`);
    const foreign = { ...request, challengeId: 'x\u001b'.repeat(25_000) };
    const verdict = verifyOpening(challenge, prover.commitment, foreign, opening, T0 + 2);
    expect(verdict).toMatchObject({ ok: false, reason: 'MALFORMED' });
    expectSafe(detailOf(verdict));
  });
});
