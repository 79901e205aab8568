import { parseRoute } from './route';

describe('parseRoute', () => {
  it('names the page and its decoded parameters', () => {
    expect(parseRoute('#/market/H100%2F80GB')).toEqual({
      kind: 'page',
      name: 'market',
      params: ['H100/80GB'],
    });
    expect(parseRoute('#/market/caf%C3%A9')).toEqual({ kind: 'page', name: 'market', params: ['café'] });
    expect(parseRoute('#provider')).toEqual({ kind: 'page', name: 'provider', params: [] });
  });

  it('answers the home page for an empty hash', () => {
    expect(parseRoute('')).toEqual({ kind: 'page', name: '', params: [] });
    expect(parseRoute('#/')).toEqual({ kind: 'page', name: '', params: [] });
  });

  it('answers a bad link for a part that cannot be decoded', () => {
    expect(parseRoute('#/market/%E0')).toEqual({ kind: 'bad' });
    expect(parseRoute('#/%')).toEqual({ kind: 'bad' });
    expect(parseRoute('#/market/%zz')).toEqual({ kind: 'bad' });
  });
});
