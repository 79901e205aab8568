import { bodyErrorOf, otherUnicodeCharset, unreadableRequest } from './bootstrap';

describe("bodyErrorOf: the body parser's errors, and nothing else", () => {
  it('reads what the parser says: status, kind, message, and the limit of a body too large', () => {
    const tooLarge = Object.assign(new Error('request entity too large'), {
      status: 413,
      type: 'entity.too.large',
      limit: 1_000_000,
      length: 2_000_000,
    });
    expect(bodyErrorOf(tooLarge)).toEqual({
      status: 413,
      type: 'entity.too.large',
      message: 'request entity too large',
      limit: 1_000_000,
    });
    const notJson = Object.assign(new SyntaxError('Unexpected end of JSON input'), {
      status: 400,
      type: 'entity.parse.failed',
    });
    expect(bodyErrorOf(notJson)).toEqual({
      status: 400,
      type: 'entity.parse.failed',
      message: 'Unexpected end of JSON input',
    });
  });

  it('says what a body the strict parser refused is, where it is JSON but not an object: its message calls it invalid JSON', () => {
    const notAnObject = Object.assign(new SyntaxError('Unexpected token \'n\', "null" is not valid JSON'), {
      status: 400,
      type: 'entity.parse.failed',
      body: 'null',
    });
    expect(bodyErrorOf(notAnObject)).toMatchObject({ type: 'entity.parse.failed', jsonScalar: 'null' });
    const cutShort = Object.assign(new SyntaxError('Unexpected end of JSON input'), {
      status: 400,
      type: 'entity.parse.failed',
      body: '{"query":',
    });
    expect(bodyErrorOf(cutShort)).not.toHaveProperty('jsonScalar');
  });

  it("reads a body that does not decompress (zlib's error, given a status by the parser) as encoding.corrupt", () => {
    for (const [code, zlibSays, message] of [
      ['Z_DATA_ERROR', 'incorrect header check', 'the body is not compressed as its content-encoding says'],
      ['Z_BUF_ERROR', 'unexpected end of file', 'the compressed body is cut short'],
      [
        'ERR__ERROR_FORMAT_PADDING_1',
        'Decompression failed',
        'the body is not compressed as its content-encoding says',
      ],
    ])
      expect(bodyErrorOf(Object.assign(new Error(zlibSays), { code, errno: -3, status: 400 }))).toEqual({
        status: 400,
        type: 'encoding.corrupt',
        message,
      });
  });

  it.each([
    ['an error without a kind', Object.assign(new Error('boom'), { status: 400 })],
    ['a zlib error without a status', Object.assign(new Error('boom'), { code: 'Z_DATA_ERROR' })],
    ['an error with another code', Object.assign(new Error('boom'), { status: 400, code: 'ECONNRESET' })],
    ['a server error', Object.assign(new Error('boom'), { status: 500, type: 'stream.encoding.set' })],
    ['a plain error', new Error('boom')],
    ['not an error', 'boom'],
    ['nothing', null],
  ])('passes on %s', (_what, error) => {
    expect(bodyErrorOf(error)).toBeUndefined();
  });
});

describe('unreadableRequest: what a request Node cannot parse is answered with', () => {
  it('is 431 for a request line and headers over Node’s limit, 400 for anything else it cannot parse', () => {
    expect(unreadableRequest('HPE_HEADER_OVERFLOW', 60_000)).toEqual({
      status: 431,
      type: 'headers.too.large',
      message: 'the request line and headers are over 16 KiB',
    });
    for (const code of ['HPE_INVALID_METHOD', 'HPE_INVALID_CONSTANT', undefined])
      expect(unreadableRequest(code, 60_000)).toMatchObject({ status: 400, type: 'request.unreadable' });
  });

  it('is 408 for a request not received whole in time, saying how long it had', () => {
    expect(unreadableRequest('ERR_HTTP_REQUEST_TIMEOUT', 2_500)).toEqual({
      status: 408,
      type: 'request.timeout',
      message: 'the request was not received whole within 2.5 s: send its headers and body at once',
    });
  });
});

describe('otherUnicodeCharset: a JSON body named as UTF-16 or UTF-32, refused before it is read', () => {
  it('names a Unicode charset other than UTF-8, however it is written, and nothing else', () => {
    expect(otherUnicodeCharset('application/json; charset=utf-16')).toBe('utf-16');
    expect(otherUnicodeCharset('application/json;charset="UTF-32LE"')).toBe('utf-32le');
    for (const fine of [
      'application/json',
      'application/json; charset=utf-8',
      'application/json; charset=UTF8',
      'application/json; charset=latin1', // the parser refuses it itself
      undefined,
    ])
      expect(otherUnicodeCharset(fine)).toBeUndefined();
  });
});
