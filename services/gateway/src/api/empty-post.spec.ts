import { emptyPostError } from './empty-post';

const JSON_TYPE = 'application/json';
const messageOf = (contentType: string | undefined, hasBody: boolean, body: unknown) =>
  emptyPostError({ contentType, hasBody, body })?.message;

describe('emptyPostError', () => {
  it('passes an object with keys, and a list (a batch, which Apollo refuses in its own words)', () => {
    expect(
      emptyPostError({ contentType: JSON_TYPE, hasBody: true, body: { query: '{ a }' } }),
    ).toBeUndefined();
    expect(emptyPostError({ contentType: JSON_TYPE, hasBody: true, body: [] })).toBeUndefined();
  });

  it('says which of the three it is: no content type, one not read (which), an empty body, or no keys', () => {
    expect(messageOf(undefined, true, undefined)).toBe(
      'the request has no content-type header, so its body was not read: send the body as JSON, with the header content-type: application/json',
    );
    expect(messageOf('Text/Plain; charset=utf-8', true, undefined)).toBe(
      'the request\'s content-type is "text/plain", which the gateway does not read: send the body as JSON, with the header content-type: application/json',
    );
    expect(messageOf('multipart/form-data; boundary=x', true, {})).toMatch(
      /^the request's content-type is "multipart\/form-data"/,
    );
    expect(messageOf(JSON_TYPE, false, {})).toBe(
      'the request body is empty: send a JSON object such as {"query": "{ __typename }", "variables": {}}',
    );
    expect(messageOf('application/json; charset=utf-8', true, {})).toBe(
      'the request body is an object with no keys: send a JSON object such as {"query": "{ __typename }", "variables": {}}',
    );
    expect(emptyPostError({ contentType: JSON_TYPE, hasBody: true, body: {} })?.extensions).toEqual({
      code: 'BAD_REQUEST',
    });
  });
});
