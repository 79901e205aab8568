/**
 * `npm run bench:accounts`: what settlement's account decider costs per event as an account's
 * history grows, in process on one core. A buyer with _n_ live leases takes the events of one more
 * filled bid (funds held, lease opened, the rest of the hold released, a charge); the platform's
 * account, credited a fee for _n_ leases before, takes one more credit. Each event should cost the
 * same whatever _n_ is: `buyerGrowth` and `platformGrowth` are the cost at the largest _n_ over
 * the cost at the smallest. The same for the platform's account when each fee is its lease's last
 * (`finishedUsPerCredit`), with the charges it still keeps after _n_ finished leases
 * (`finishedKeysKept`: at most earnings-credits.ts' FINISHED_KEPT, whatever _n_ is). And a bidder
 * with _n_ open bids (their escrow holds) takes the hold of one more bid and its release
 * (`bidderUsPerEvent`, `bidderGrowth`): a market maker's account.
 */
import { PLATFORM_ACCOUNT_ID } from '@gpux/contracts';
import {
  AccountEvent,
  accountDecider,
  AccountState,
} from '../services/settlement/src/domain/accounts/account.decider';

const SIZES = (process.env['BENCH_ACCOUNTS_SIZES'] ?? '10,1000,10000,100000').split(',').map(Number);
const ROUNDS = Number(process.env['BENCH_ACCOUNTS_ROUNDS'] ?? 2_000);
const log = (msg: string) => process.stderr.write(`[bench:accounts] ${msg}\n`);

const HOUR = '2026-01-01T01:00:00.000Z';
const { evolve } = accountDecider;

/** The events of one filled bid on the buyer's account: held, leased, the rest released, charged. */
function filledBid(i: number): AccountEvent[] {
  const id = `bid-${i}`;
  return [
    { type: 'settlement.FundsHeld', data: { accountId: 'buyer', holdId: id, amount: 2_100_000 } },
    {
      type: 'settlement.LeaseOpened',
      data: {
        accountId: 'buyer',
        leaseId: `lease-${i}`,
        holdId: id,
        providerId: 'provider',
        marketId: 'h100',
        nodeId: 'node-1',
        gpus: 1,
        price: 2_000_000,
        value: 2_000_000,
        fee: 20_000,
        start: '2026-01-01T00:00:00.000Z',
        end: HOUR,
      },
    },
    { type: 'settlement.HoldReleased', data: { accountId: 'buyer', holdId: id, amount: 80_000 } },
    {
      type: 'settlement.LeaseCharged',
      data: {
        accountId: 'buyer',
        leaseId: `lease-${i}`,
        providerId: 'provider',
        amount: 1_000,
        fee: 10,
        chargedValue: 1_000,
        chargedFee: 10,
        final: false,
      },
    },
  ];
}

/** One more bid's hold on a bidder's account, and its release (the bid cancelled, or rested and cancelled). */
function heldAndReleased(i: number): AccountEvent[] {
  const holdId = `open-${i}`;
  return [
    { type: 'settlement.FundsHeld', data: { accountId: 'buyer', holdId, amount: 2_100_000 } },
    { type: 'settlement.HoldReleased', data: { accountId: 'buyer', holdId, amount: 2_100_000 } },
  ];
}

/** One fee credited to the platform's account, for lease `i`; `last`: the lease's last charge. */
const fee = (i: number, last = false): AccountEvent => ({
  type: 'settlement.EarningsCredited',
  data: {
    accountId: PLATFORM_ACCOUNT_ID,
    amount: 10,
    leaseId: `lease-${i}`,
    kind: 'fee',
    through: 10,
    ...(last ? { last: true as const } : {}),
  },
});

/** µs per event: `rounds` rounds of `events(i)` on `state`, numbered from `from`. */
function time(state: AccountState, from: number, rounds: number, events: (i: number) => AccountEvent[]) {
  let s = state;
  let count = 0;
  const started = performance.now();
  for (let i = from; i < from + rounds; i++)
    for (const e of events(i)) {
      s = evolve(s, e);
      count++;
    }
  return ((performance.now() - started) * 1_000) / count;
}

function main() {
  const buyerUs: Record<string, number> = {};
  const platformUs: Record<string, number> = {};
  const finishedUs: Record<string, number> = {};
  const finishedKeysKept: Record<string, number> = {};
  const bidderUs: Record<string, number> = {};
  // Warm-up: the same code paths, not counted.
  time(accountDecider.initialState(), 0, ROUNDS, filledBid);
  time(accountDecider.initialState(), 0, ROUNDS, (i) => [fee(i)]);
  time(accountDecider.initialState(), 0, ROUNDS, (i) => [fee(i, true)]);
  time(accountDecider.initialState(), 0, ROUNDS, heldAndReleased);
  for (const n of SIZES) {
    // A funded account of its own each (evolve updates an account's records in place).
    const funded = () =>
      evolve(
        evolve(accountDecider.initialState(), {
          type: 'settlement.AccountOpened',
          data: { accountId: 'buyer', owner: 'Ada' },
        }),
        { type: 'settlement.FundsDeposited', data: { accountId: 'buyer', amount: 1e15, reference: null } },
      );
    let buyer = funded();
    let platform = accountDecider.initialState();
    let finished = accountDecider.initialState();
    let bidder = funded();
    for (let i = 0; i < n; i++) {
      for (const e of filledBid(i)) buyer = evolve(buyer, e);
      platform = evolve(platform, fee(i));
      finished = evolve(finished, fee(i, true));
      // n bids left open: their holds stay.
      bidder = evolve(bidder, heldAndReleased(i)[0]!);
    }
    bidderUs[n] = Number(time(bidder, n, ROUNDS, heldAndReleased).toFixed(3));
    buyerUs[n] = Number(time(buyer, n, ROUNDS, filledBid).toFixed(3));
    platformUs[n] = Number(time(platform, n, ROUNDS, (i) => [fee(i)]).toFixed(3));
    finishedKeysKept[n] = Object.keys(finished.credited ?? {}).length;
    finishedUs[n] = Number(time(finished, n, ROUNDS, (i) => [fee(i, true)]).toFixed(3));
    log(
      `${n} leases: buyer ${buyerUs[n]} µs per event, platform ${platformUs[n]} µs per credit; ` +
        `finished leases ${finishedUs[n]} µs per credit, ${finishedKeysKept[n]} kept; ` +
        `bidder with ${n} open bids ${bidderUs[n]} µs per event`,
    );
  }
  // The cost at the largest size over the cost at the smallest (sizes in the order given).
  const growth = (us: Record<string, number>) => {
    const [first, ...rest] = SIZES.map((n) => us[n] ?? NaN);
    return Number(((rest.at(-1) ?? first ?? NaN) / (first ?? NaN)).toFixed(2));
  };
  process.stdout.write(
    `${JSON.stringify({
      bench: 'accounts',
      rounds: ROUNDS,
      buyerUsPerEvent: buyerUs,
      platformUsPerCredit: platformUs,
      buyerGrowth: growth(buyerUs),
      platformGrowth: growth(platformUs),
      finishedUsPerCredit: finishedUs,
      finishedKeysKept,
      bidderUsPerEvent: bidderUs,
      bidderGrowth: growth(bidderUs),
    })}\n`,
  );
}

main();
