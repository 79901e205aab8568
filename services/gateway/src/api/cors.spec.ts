import { corsOptions, corsOriginsSchema } from './cors';

describe('GATEWAY_CORS_ORIGINS', () => {
  it('is any origin by default, a list of origins, or none', () => {
    expect(corsOriginsSchema.parse(undefined)).toBe('*');
    expect(corsOriginsSchema.parse(' * ')).toBe('*');
    expect(corsOriginsSchema.parse('https://app.example.com, http://localhost:5173')).toEqual([
      'https://app.example.com',
      'http://localhost:5173',
    ]);
    expect(corsOriginsSchema.parse('')).toEqual([]);
  });

  it.each([
    'app.example.com',
    'https://app.example.com/',
    'https://app.example.com/path',
    'ftp://x.example',
    '*, https://a.example',
  ])('refuses %p, saying what an origin is', (value) => {
    expect(corsOriginsSchema.safeParse(value).error?.issues[0]?.message).toBe(
      'must be *, or origins such as https://app.example.com separated by commas (scheme, host and port only)',
    );
  });

  it('answers GET and POST from those origins, lets a page read Retry-After, and caches a preflight 10 minutes', () => {
    expect(corsOptions('*')).toEqual({
      origin: '*',
      methods: ['GET', 'POST'],
      exposedHeaders: ['Retry-After'],
      maxAge: 600,
    });
    expect(corsOptions(['https://a.example'])?.origin).toEqual(['https://a.example']);
    expect(corsOptions([])).toBeUndefined();
  });
});
