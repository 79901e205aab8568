import { jsonScalarOf } from './json-scalar-body';

describe('jsonScalarOf: a body that is JSON, but not an object or an array', () => {
  it.each([
    ['"hi"', 'a string'],
    ['42', 'a number'],
    [' -1.5e3 ', 'a number'],
    ['true', 'true'],
    ['false', 'false'],
    ['null', 'null'],
  ])('says what %s is', (body, what) => {
    expect(jsonScalarOf(body)).toBe(what);
  });

  it.each([
    ['cut short', '{"query":'],
    ['not JSON', 'query={__typename}'],
    ['an object', '{"query": "{ __typename }"}'],
    ['an array', '[]'],
    ['empty', ''],
    ['not a string', Buffer.from('null')],
    ['nothing', undefined],
  ])('says nothing of one %s', (_what, body) => {
    expect(jsonScalarOf(body)).toBeUndefined();
  });
});
