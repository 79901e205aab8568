// What the worker refuses of a challenge or an open request before any of it is sized or computed.
import type { Challenge } from '@gpux/certification';
import { BadChallengeError, challengeProblem, checkChallenge, leafProblem } from './bad-challenge';

const good: Challenge = {
  version: 3,
  id: 'c1',
  seed: '0123456789abcdef0123456789abcdef',
  n: 256,
  products: 4,
  precision: 'f32',
  claimedTflops: 0.5,
  issuedAt: 1_000,
  deadline: 11_000,
  openLeaves: 128,
  checkColumns: 16,
};
const hostile = (over: Partial<Record<keyof Challenge, unknown>>) => ({ ...good, ...over }) as Challenge;

describe('challengeProblem', () => {
  it('takes a challenge of the protocol', () => {
    expect(challengeProblem(good)).toBeNull();
    expect(challengeProblem(hostile({ version: 2, n: 1, products: 1, precision: 'f16' }))).toBeNull();
    expect(challengeProblem(hostile({ n: 65_536, products: 1 << 20 }))).toBeNull();
    expect(challengeProblem(good, { maxSize: 256 })).toBeNull();
  });

  it.each([0, -1, NaN, 1.5, Infinity, 65_537, 2 ** 53, '256', null])('refuses n = %p', (n) => {
    expect(challengeProblem(hostile({ n }))).toMatch(/^its size n = .* is not an integer in 1\.\.65536$/);
  });

  it("refuses n past the session's largest", () => {
    expect(challengeProblem(hostile({ n: 512 }), { maxSize: 256 })).toBe(
      "its size n = 512 is not an integer in 1..256 (the session's largest)",
    );
  });

  it.each([0, -1, NaN, 1.5, (1 << 20) + 1, 2 ** 53, '4'])('refuses products = %p', (products) => {
    expect(challengeProblem(hostile({ products }))).toMatch(
      /^its product count .* is not an integer in 1\.\.1048576$/,
    );
  });

  it.each(['', 'zz', '0123456789ABCDEF0123456789ABCDEF', `${good.seed}00`, ' '.repeat(32), 42, null])(
    'refuses the seed %p',
    (seed) => {
      expect(challengeProblem(hostile({ seed }))).toMatch(/^its seed .* is not 32 lowercase hex digits$/);
    },
  );

  it('refuses an unknown version or precision, no claim, a deadline not after its issue', () => {
    expect(challengeProblem(hostile({ version: 4 }))).toBe(
      'it is of protocol version 4; this worker answers 2 and 3: upgrade it',
    );
    expect(challengeProblem(hostile({ id: 7 }))).toBe('its id is not a string');
    for (const precision of ['f64', 'F32', null])
      expect(challengeProblem(hostile({ precision }))).toMatch(/^its precision .* is not f32 or f16$/);
    for (const claimedTflops of [0, -1, NaN, Infinity])
      expect(challengeProblem(hostile({ claimedTflops }))).toMatch(/^its claim .* is not a positive number$/);
    for (const deadline of [1_000, 999, NaN, Infinity, null])
      expect(challengeProblem(hostile({ deadline }))).toMatch(
        /^its deadline .* is not a time after its issue/,
      );
    expect(challengeProblem(hostile({ issuedAt: NaN }))).toMatch(/^its deadline/);
  });

  it('checkChallenge throws what is wrong as a BadChallengeError', () => {
    expect(() => checkChallenge(good)).not.toThrow();
    expect(() => checkChallenge(hostile({ products: 0 }))).toThrow(BadChallengeError);
    expect(() => checkChallenge(hostile({ n: 300 }), { maxSize: 256 })).toThrow(/n = 300/);
  });
});

describe('leafProblem', () => {
  const of = { n: 300, products: 2 }; // two chunks a row: 256 and 44 columns
  it("takes a leaf of the challenge's products", () => {
    expect(leafProblem({ product: 1, row: 299, chunk: 1, columns: [0] }, of)).toBeNull();
  });

  it.each([
    [null, /^null is not a leaf$/],
    [7, /^7 is not a leaf$/],
    [{ product: 2, row: 0, chunk: 0 }, /^product 2 outside 0\.\.1$/],
    [{ product: -1, row: 0, chunk: 0 }, /^product -1 outside/],
    [{ product: 0.5, row: 0, chunk: 0 }, /^product 0\.5 outside/],
    [{ row: 0, chunk: 0 }, /^product undefined outside/],
    [{ product: 0, row: 300, chunk: 0 }, /^leaf 0 of row 300 outside the 300×300 product$/],
    [{ product: 0, row: NaN, chunk: 0 }, /row NaN outside/],
    [{ product: 0, row: 0, chunk: 2 }, /^leaf 2 of row 0 outside/],
  ])('refuses %p', (leaf, said) => {
    expect(leafProblem(leaf, of)).toMatch(said);
  });
});
