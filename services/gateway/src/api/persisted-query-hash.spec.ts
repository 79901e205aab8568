import { persistedQueryHashError } from './persisted-query-hash';

const HASH = 'ecf4edb46db40b5132295c0291d62fb65d6759a9eedfa4d5d612dd5ec54a6b38';
const refusal = (sha256Hash: unknown) =>
  persistedQueryHashError({ persistedQuery: { version: 1, sha256Hash } })?.extensions;

describe('persistedQueryHashError', () => {
  it('takes a hash of 64 lowercase hex characters, and anything that is no persisted query', () => {
    expect(refusal(HASH)).toBeUndefined();
    expect(persistedQueryHashError(undefined)).toBeUndefined();
    expect(persistedQueryHashError({})).toBeUndefined();
    expect(persistedQueryHashError({ persistedQuery: null })).toBeUndefined();
  });

  it('leaves a wrong version to the refusal that names it', () => {
    expect(persistedQueryHashError({ persistedQuery: { version: 2, sha256Hash: 'abc' } })).toBeUndefined();
    expect(persistedQueryHashError({ persistedQuery: 'x' })).toBeUndefined();
  });

  it('refuses a hash that is no sha256 BAD_REQUEST naming it, saying what it is', () => {
    const named = { code: 'BAD_REQUEST', field: 'extensions.persistedQuery.sha256Hash' };
    for (const bad of [
      'abc',
      HASH.toUpperCase(),
      `${HASH}0`,
      'z'.repeat(64),
      { not: 'a string' },
      42,
      null,
      undefined,
    ])
      expect(refusal(bad)).toEqual(named);
    expect(persistedQueryHashError({ persistedQuery: { version: 1, sha256Hash: 'abc' } })?.message).toBe(
      'extensions.persistedQuery.sha256Hash must be the sha256 of the query text as 64 lowercase hex characters (this one is 3 characters long)',
    );
    expect(
      persistedQueryHashError({ persistedQuery: { version: 1, sha256Hash: { a: 1 } } })?.message,
    ).toMatch(/\(this one is an object\)$/);
    expect(
      persistedQueryHashError({ persistedQuery: { version: 1, sha256Hash: 'Z'.repeat(64) } })?.message,
    ).toMatch(/\(this one is 64 characters long, not all 0-9 a-f\)$/);
  });
});
