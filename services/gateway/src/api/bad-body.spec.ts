import { badBodyMessage } from './bad-body';

describe('badBodyMessage: what to fix in a body the gateway cannot read', () => {
  it("says what a body that is JSON, but not an object, is, rather than the parser's words calling it invalid JSON", () => {
    expect(
      badBodyMessage({
        status: 400,
        type: 'entity.parse.failed',
        message: 'Unexpected token \'"\', ""hi"" is not valid JSON',
        jsonScalar: 'a string',
      }),
    ).toBe(
      'the request body is not a JSON object but a string: send a JSON object such as {"query": "{ __typename }", "variables": {}}',
    );
  });

  it("quotes the parser's words for a body that is not JSON", () => {
    expect(
      badBodyMessage({ status: 400, type: 'entity.parse.failed', message: 'Unexpected end of JSON input' }),
    ).toBe(
      'the request body is not a JSON object (Unexpected end of JSON input): send a JSON object such as {"query": "{ __typename }", "variables": {}}',
    );
  });
});
