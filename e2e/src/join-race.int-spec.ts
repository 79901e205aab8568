// Two joins of one node at the same instant. joinSession with replace: false (`gpu-worker join
// --once`, a check) takes no live session; the gateway checks the node's session, then starts its
// own, and another join of the node may start one in between. Capacity makes the two one step
// (the start names the session checked: its decider's rules/expected-session.ts), so:
//  - a replace: false join never replaces a session another join started meanwhile: beside a
//    restarted worker's plain join (replace: true) sent at the same instant, the worker's session
//    is the node's in the end, whichever is decided first;
//  - of two replace: false joins sent at the same instant, one starts its session, the other is
//    refused SESSION_LIVE, the node the first one's.
// Each round races two joins of a new node (no session yet), with nothing between them but the
// network: before the change the check passed for both, and the later start took the node.
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { capacityReadModel } from '@gpux/contracts';
import { GraphQLResponse, Marketplace } from './support/marketplace';

const ROUNDS = 12;
const JOIN = 'mutation($s: ID!, $r: Boolean!) { joinSession(sessionId: $s, replace: $r) { sessionId } }';

type Joined = GraphQLResponse<{ joinSession: { sessionId: string } | null }>;
/** A join's session id, and what the gateway answered. */
interface Join {
  id: string;
  answer: Joined;
}

describe('two joins of one node at the same instant', () => {
  let m: Marketplace;
  let provider: string;
  let redis: Redis;

  /** A new node's credential: registered, never joined. */
  const register = async (nodeId: string) =>
    (
      await m.ok<{ registerNode: { credential: string } }>(
        'mutation($i: RegisterNodeInput!) { registerNode(input: $i) { credential } }',
        { i: { marketId: 'race', gpuModel: 'H100-80GB', gpus: 1, region: 'eu-west', nodeId } },
        provider,
      )
    ).registerNode.credential;
  const join = async (credential: string, replace: boolean): Promise<Join> => {
    const id = `ses-${randomUUID()}`;
    return { id, answer: await m.gql(JOIN, { s: id, r: replace }, credential) };
  };
  const started = (j: Join) => j.answer.data?.joinSession?.sessionId === j.id && !j.answer.errors;
  const refusedLive = (j: Join) =>
    j.answer.data?.joinSession == null &&
    j.answer.errors?.length === 1 &&
    j.answer.errors[0]?.extensions?.code === 'ALREADY_EXISTS' &&
    j.answer.errors[0]?.extensions?.field === 'replace' &&
    j.answer.errors[0]?.extensions?.['reason'] === 'SESSION_LIVE';
  /** The node's session in capacity's model: each join that started one answered once the model showed it. */
  const current = (nodeId: string) => redis.hget(capacityReadModel.node(nodeId), 'sessionId');

  beforeAll(async () => {
    m = await Marketplace.start();
    await m.ok(
      'mutation { openMarket(input: { marketId: "race", gpuClass: "H100-80GB", minTflopsPerGpu: 40, tickSize: "0.01", feeRateBps: 100 }) { id } }',
    );
    provider = await m.account('race-provider', ['provider']);
    redis = new Redis(m.redisUrl);
  }, 120_000);

  afterAll(async () => {
    redis?.disconnect();
    await m?.stop();
  });

  it("a replace: false join never replaces the session of a plain join sent at the same instant: the worker's session holds the node", async () => {
    for (let i = 0; i < ROUNDS; i++) {
      const nodeId = `race-${i}`;
      const credential = await register(nodeId);
      const [once, worker] = await Promise.all([join(credential, false), join(credential, true)]);
      // The worker's join always starts its session; the check either started first (the worker's
      // join then replaced it, as the newest join does) or found the worker's session live.
      expect(worker.answer).toEqual({ data: { joinSession: { sessionId: worker.id } } });
      expect(started(once) || refusedLive(once)).toBe(true);
      expect({ round: i, current: await current(nodeId) }).toEqual({ round: i, current: worker.id });
    }
  }, 120_000);

  it('of two replace: false joins sent at the same instant one starts its session, the other is refused SESSION_LIVE', async () => {
    for (let i = 0; i < ROUNDS; i++) {
      const nodeId = `twins-${i}`;
      const credential = await register(nodeId);
      const joins = await Promise.all([join(credential, false), join(credential, false)]);
      const winners = joins.filter(started);
      expect({ round: i, started: winners.length, refusedLive: joins.filter(refusedLive).length }).toEqual({
        round: i,
        started: 1,
        refusedLive: 1,
      });
      expect(await current(nodeId)).toBe(winners[0]!.id);
    }
  }, 120_000);
});
