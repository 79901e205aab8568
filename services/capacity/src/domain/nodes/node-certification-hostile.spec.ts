/**
 * A worker's hostile answers: what it sends (a commitment's seed or challengeId, an opening's
 * challengeId, the command's challengeId) never comes back raw, neither in a refusal's message nor
 * in the failure's detail the node's certification record keeps (served by the API, shown by the
 * console): no control character, no unpaired surrogate, a few words.
 */
import type { NodeCommand, NodeEvent } from './node.decider';
import { challengeOf, issue, Node, proofOf, T0 } from './node-certification.fixture';

const HOSTILE: Record<string, string> = {
  'NUL, an ANSI escape and a newline': 'a\u0000\u001b[31m\nb',
  'an unpaired surrogate': '\uD800',
  '50,000 characters': 'z'.repeat(50_000),
  '50,000 characters and a bell': 'z'.repeat(50_000) + '\u0007',
};

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
function expectSafe(text: unknown) {
  expect(typeof text).toBe('string');
  expect(text).not.toMatch(/[\p{Cc}\u2028\u2029]/u);
  expect(text).not.toMatch(LONE_SURROGATE);
  expect((text as string).length).toBeLessThanOrEqual(300);
}

const failureOf = (events: NodeEvent[]) =>
  events.find((e) => e.type === 'capacity.NodeCertificationFailed')?.data as
    { reason: string; detail: string } | undefined;

/** A command with `data` changed as `change` says. */
function withData(command: NodeCommand, change: (data: Record<string, unknown>) => Record<string, unknown>) {
  return { ...command, data: change(command.data as Record<string, unknown>) } as NodeCommand;
}

describe("a worker's hostile answers, in messages and failure details", () => {
  it.each(Object.entries(HOSTILE))(
    "a commitment's seed or challengeId of %s fails the challenge with a detail that does not repeat it",
    (_what, value) => {
      for (const field of ['seed', 'challengeId']) {
        const node = new Node();
        const { commit } = proofOf(challengeOf(node.events(issue('certification'), T0)));
        const hostile = withData(commit, (d) => ({
          ...d,
          commitment: { ...(d['commitment'] as object), [field]: value },
        }));
        const failure = failureOf(node.events(hostile, T0 + 2));
        expect(failure).toMatchObject({ reason: 'SEED_MISMATCH' });
        expectSafe(failure!.detail);
        expect(failure!.detail).toMatch(new RegExp(`^commitment\\.${field} is not `));
      }
    },
  );

  it.each(Object.entries(HOSTILE))(
    "an opening's challengeId of %s fails the challenge with a detail that does not repeat it",
    (_what, value) => {
      const node = new Node();
      const { commit, open } = proofOf(challengeOf(node.events(issue('certification'), T0)));
      const opening = withData(open(node.events(commit, T0 + 2)), (d) => ({
        ...d,
        opening: { ...(d['opening'] as object), challengeId: value },
      }));
      const failure = failureOf(node.events(opening, T0 + 4));
      expect(failure).toMatchObject({ reason: 'SEED_MISMATCH' });
      expectSafe(failure!.detail);
    },
  );

  it("a commitment's well-formed wrong seed is named, to help an honest worker", () => {
    const node = new Node();
    const challenge = challengeOf(node.events(issue('certification'), T0));
    const { commit } = proofOf(challenge);
    const wrong = 'f'.repeat(32);
    const hostile = withData(commit, (d) => ({
      ...d,
      commitment: { ...(d['commitment'] as object), seed: wrong },
    }));
    expect(failureOf(node.events(hostile, T0 + 2))?.detail).toBe(
      `commitment.seed is ${wrong}; the challenge's is ${challenge.seed}`,
    );
  });

  it.each([
    ['NUL, an ANSI escape and a newline', 'a\u0000\u001b[31m\nb'],
    ['an unpaired surrogate', 'x\uD800'],
    ['64 characters and a bell', 'z'.repeat(63) + '\u0007'],
  ])("a command's challengeId of %s is refused with a message that does not repeat it", (_what, value) => {
    const node = new Node();
    const { commit, open } = proofOf(challengeOf(node.events(issue('certification'), T0)));
    const hostileCommit = withData(commit, (d) => ({ ...d, challengeId: value }));
    const refused = node.decide(hostileCommit, T0 + 2);
    expect(refused).toMatchObject({ kind: 'rejected', code: 'NOT_FOUND', field: 'challengeId' });
    expectSafe((refused as { message: string }).message);
    const hostileOpen = withData(open(node.events(commit, T0 + 2)), (d) => ({ ...d, challengeId: value }));
    const refusedOpen = node.decide(hostileOpen, T0 + 4);
    expect(refusedOpen).toMatchObject({ kind: 'rejected', code: 'NOT_FOUND', field: 'challengeId' });
    expectSafe((refusedOpen as { message: string }).message);
    expect((refusedOpen as { message: string }).message).toMatch(
      /^challengeId \(not an id of .*\) is not the one node n1 is answering$/,
    );
  });

  it('a well-formed challengeId of another challenge is named in the refusal', () => {
    const node = new Node();
    const { commit } = proofOf(challengeOf(node.events(issue('certification'), T0)));
    expect(
      node.decide(
        withData(commit, (d) => ({ ...d, challengeId: 'ffff0000ffff0000' })),
        T0 + 2,
      ),
    ).toMatchObject({
      kind: 'rejected',
      code: 'NOT_FOUND',
      message: 'challenge ffff0000ffff0000 is not the one node n1 is answering',
    });
  });
});
