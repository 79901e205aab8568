import { closedMarketMessage } from './closed-market';

describe("a closed market's refusal", () => {
  it('says when it closed, that it never reopens, and where to find an open one', () => {
    expect(closedMarketMessage('H100', '2026-06-01T12:00:00.000Z')).toBe(
      'market H100 closed at 2026-06-01T12:00:00.000Z and never reopens, so it takes no orders: list the markets with the markets query (each says its status) and pick an OPEN one',
    );
  });

  it('says what the market no longer takes, and leaves out a closing time it does not know', () => {
    expect(closedMarketMessage('H100', undefined, 'no node is registered in it')).toBe(
      'market H100 is closed and never reopens, so no node is registered in it: list the markets with the markets query (each says its status) and pick an OPEN one',
    );
  });
});
