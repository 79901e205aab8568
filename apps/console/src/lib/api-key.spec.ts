import { apiKeyProblem } from './api-key';

describe('apiKeyProblem', () => {
  it('accepts a key of visible ASCII', () => {
    expect(apiKeyProblem('gpx_AbC-12_xyz')).toBeNull();
    expect(apiKeyProblem('!~')).toBeNull();
  });

  it('names a character no key has by its code point and position, without the key', () => {
    expect(apiKeyProblem('gpx_abc\u201d')).toBe(
      'the API key holds a character no key has (U+201D, character 8): paste the key again without extra characters',
    );
    expect(apiKeyProblem('gpx abc')).toContain('(U+0020, character 4)');
    expect(apiKeyProblem('gpx_\nabc')).toContain('(U+000A, character 5)');
    expect(apiKeyProblem('gpx_é')).toContain('(U+00E9, character 5)');
    expect(apiKeyProblem('gpx_\u{1F600}x')).toContain('(U+1F600, character 5)');
    expect(apiKeyProblem('gpx_secret\u201d')).not.toContain('secret');
  });
});
