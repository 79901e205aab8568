import type { Challenge, Commitment, OpenRequest } from '@gpux/certification';
import { dueBy } from './due-by';

const challenge = { id: 'c1', deadline: 1_000 } as Challenge;
const commitment = { challengeId: 'c1' } as Commitment;
const request = { challengeId: 'c1', respondBy: 5_000 } as OpenRequest;

describe('the deadline rule', () => {
  it("is the challenge's deadline until the node commits", () => {
    expect(dueBy({ purpose: 'certification', challenge })).toBe(1_000);
  });

  it("is the open request's deadline once it has committed", () => {
    expect(dueBy({ purpose: 'spot', challenge, commitment, request })).toBe(5_000);
  });
});
