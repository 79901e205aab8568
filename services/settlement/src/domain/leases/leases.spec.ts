import fc from 'fast-check';
import { Envelope, settlementReadModel as rm } from '@gpux/contracts';
import { applyOps, Model, scenario } from '@gpux/eventsourcing/domain';
import { AccountEvent, accountDecider } from '../accounts/account.decider';
import { accountsProjection } from '../accounts/accounts.projection';
import { FINISHED } from '../accounts/earnings-credits';
import { balances, movementOf } from '../ledger/postings';
import { leaseEarnings } from './lease-earnings.process-manager';
import { accrued } from './billing';

const START = Date.parse('2026-06-01T00:00:00.000Z');
const HOUR = 3_600_000;
const at = (ms: number) => new Date(START + ms);
const opened: AccountEvent = { type: 'settlement.AccountOpened', data: { accountId: 'buyer', owner: 'Ada' } };
const deposited: AccountEvent = {
  type: 'settlement.FundsDeposited',
  data: { accountId: 'buyer', amount: 100_000_000, reference: null },
};
const held: AccountEvent = {
  type: 'settlement.FundsHeld',
  data: { accountId: 'buyer', holdId: 'b1', amount: 50_000_000 },
};
const lease = {
  accountId: 'buyer',
  leaseId: 't1',
  holdId: 'b1',
  providerId: 'prov',
  marketId: 'H100',
  nodeId: 'n1',
  gpus: 2,
  price: 1_000_001,
  value: 20_000_020,
  fee: 500_001,
  start: at(0).toISOString(),
  end: at(10 * HOUR).toISOString(),
};
const leaseOpened: AccountEvent = { type: 'settlement.LeaseOpened', data: lease };
const account = scenario(accountDecider);
const meter = { type: 'settlement.MeterLease' as const, data: { accountId: 'buyer', leaseId: 't1' } };

describe('lease billing', () => {
  it('moves a trade from the bid hold into the lease escrow, and refuses more than the hold', () => {
    expect(
      account.given(opened, deposited, held).when({ type: 'settlement.OpenLease', data: lease }),
    ).toEqual({ kind: 'accepted', events: [leaseOpened] });
    expect(
      account
        .given(opened, deposited, held)
        .when({ type: 'settlement.OpenLease', data: { ...lease, value: 50_000_000 } }),
    ).toMatchObject({ kind: 'rejected', code: 'INSUFFICIENT_FUNDS' });
    expect(account.given(opened, deposited, held, leaseOpened).state.held).toEqual({
      b1: 50_000_000 - 20_000_020 - 500_001,
    });
  });

  it("gives back what the trade releases of the bid's hold in the same decision, both or neither", () => {
    const withRelease = {
      type: 'settlement.OpenLease' as const,
      data: { ...lease, holdReleased: 1_000_000 },
    };
    const released: AccountEvent = {
      type: 'settlement.HoldReleased',
      data: { accountId: 'buyer', holdId: 'b1', amount: 1_000_000 },
    };
    // The lease event is v1's: the release is its own event, as a ReleaseHold's always was.
    expect(account.given(opened, deposited, held).when(withRelease)).toEqual({
      kind: 'accepted',
      events: [leaseOpened, released],
    });
    expect(account.given(opened, deposited, held, leaseOpened, released).state.held).toEqual({
      b1: 50_000_000 - 20_000_020 - 500_001 - 1_000_000,
    });
    // A release of 0 is none; more than the hold keeps after the lease refuses the lease too.
    expect(
      account.given(opened, deposited, held).when({ ...withRelease, data: { ...lease, holdReleased: 0 } }),
    ).toEqual({ kind: 'accepted', events: [leaseOpened] });
    expect(
      account
        .given(opened, deposited, held)
        .when({ ...withRelease, data: { ...lease, holdReleased: 50_000_000 - 20_000_020 - 500_001 + 1 } }),
    ).toMatchObject({ kind: 'rejected', code: 'INSUFFICIENT_FUNDS', field: 'holdId' });
  });

  it('charges as the lease runs, rounding down, and exactly the whole value and fee by its end', () => {
    const half = account.given(opened, deposited, held, leaseOpened).when(meter, { now: at(5 * HOUR) });
    expect(half).toEqual({
      kind: 'accepted',
      events: [
        {
          type: 'settlement.LeaseCharged',
          data: {
            accountId: 'buyer',
            leaseId: 't1',
            providerId: 'prov',
            amount: 10_000_010,
            fee: 250_000,
            chargedValue: 10_000_010,
            chargedFee: 250_000,
            final: false,
            // Up to when: the decider's clock, as the meter named no time.
            upTo: at(5 * HOUR).toISOString(),
          },
        },
      ],
    });
    const charged = half.kind === 'accepted' ? half.events : [];
    const end = account
      .given(opened, deposited, held, leaseOpened, ...charged)
      .when(meter, { now: at(11 * HOUR) });
    expect(end).toMatchObject({
      kind: 'accepted',
      events: [
        {
          data: {
            amount: 10_000_010,
            fee: 250_001,
            chargedValue: 20_000_020,
            chargedFee: 500_001,
            final: true,
            // Metered after its end: charged up to its end, not to the clock.
            upTo: lease.end,
          },
        },
      ],
    });
    const done = end.kind === 'accepted' ? end.events : [];
    expect(
      account
        .given(opened, deposited, held, leaseOpened, ...charged, ...done)
        .when(meter, { now: at(12 * HOUR) }),
    ).toMatchObject({ kind: 'rejected', code: 'NOT_FOUND' });
  });

  it('says up to when each charge charges: the time the meter asks, never past the clock', () => {
    const asked = (upTo: Date) => ({ ...meter, data: { ...meter.data, upTo: upTo.toISOString() } });
    // In arrears: up to the time asked, 30 s behind the clock.
    const first = account
      .given(opened, deposited, held, leaseOpened)
      .when(asked(at(HOUR - 30_000)), { now: at(HOUR) });
    expect(first).toMatchObject({
      kind: 'accepted',
      events: [{ type: 'settlement.LeaseCharged', data: { upTo: at(HOUR - 30_000).toISOString() } }],
    });
    const charged = first.kind === 'accepted' ? first.events : [];
    // A meter whose clock runs ahead of the decider's: charged up to the decider's clock.
    expect(
      account
        .given(opened, deposited, held, leaseOpened, ...charged)
        .when(asked(at(3 * HOUR)), { now: at(2 * HOUR) }),
    ).toMatchObject({
      kind: 'accepted',
      events: [{ type: 'settlement.LeaseCharged', data: { upTo: at(2 * HOUR).toISOString() } }],
    });
  });

  it('says when nothing is due yet instead of charging zero', () => {
    expect(account.given(opened, deposited, held, leaseOpened).when(meter, { now: at(0) })).toMatchObject({
      kind: 'rejected',
      field: 'leaseId',
    });
  });

  it('ends a lease early: charges what was delivered and credits the buyer the rest', () => {
    const d = account.given(opened, deposited, held, leaseOpened).when(
      {
        type: 'settlement.EndLeaseEarly',
        data: { accountId: 'buyer', leaseId: 't1', reason: 'NODE_LOST' },
      },
      { now: at(2 * HOUR) },
    );
    expect(d).toMatchObject({
      kind: 'accepted',
      events: [
        // Not final (the rest goes back to the buyer), but the lease's last charge, up to when
        // delivery stopped (no `at`: when the end was decided), which the credit says too.
        {
          type: 'settlement.LeaseCharged',
          data: {
            amount: 4_000_004,
            fee: 100_000,
            final: false,
            last: true,
            upTo: at(2 * HOUR).toISOString(),
          },
        },
        {
          type: 'settlement.SlaCredited',
          data: {
            amount: 20_000_020 + 500_001 - 4_000_004 - 100_000,
            reason: 'NODE_LOST',
            at: at(2 * HOUR).toISOString(),
          },
        },
      ],
    });
  });

  it("says when delivery stopped: the breach's time, never after the clock nor before the lease's start", () => {
    const endEarly = (stopped: Date) => ({
      type: 'settlement.EndLeaseEarly' as const,
      data: { accountId: 'buyer', leaseId: 't1', reason: 'NODE_LOST' as const, at: stopped.toISOString() },
    });
    const given = account.given(opened, deposited, held, leaseOpened);
    expect(given.when(endEarly(at(90 * 60_000)), { now: at(2 * HOUR) })).toMatchObject({
      kind: 'accepted',
      events: [
        { type: 'settlement.LeaseCharged', data: { upTo: at(90 * 60_000).toISOString() } },
        { type: 'settlement.SlaCredited', data: { at: at(90 * 60_000).toISOString() } },
      ],
    });
    // A breach dated after the clock: delivery stopped no later than when the end is decided.
    expect(given.when(endEarly(at(3 * HOUR)), { now: at(2 * HOUR) })).toMatchObject({
      kind: 'accepted',
      events: [
        { type: 'settlement.LeaseCharged', data: { upTo: at(2 * HOUR).toISOString() } },
        { type: 'settlement.SlaCredited', data: { at: at(2 * HOUR).toISOString() } },
      ],
    });
    // A breach before the lease began (a trade made on a node already suspended): none delivered.
    expect(given.when(endEarly(at(-HOUR)), { now: at(HOUR) })).toEqual({
      kind: 'accepted',
      events: [
        {
          type: 'settlement.SlaCredited',
          data: {
            accountId: 'buyer',
            leaseId: 't1',
            providerId: 'prov',
            amount: 20_000_020 + 500_001,
            reason: 'NODE_LOST',
            at: lease.start,
          },
        },
      ],
    });
  });

  it('accrues exactly: charges at any times sum to the whole value, never more', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 40 }),
        fc.integer({ min: 1, max: 10 ** 9 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (total, duration, times) => {
          let charged = 0;
          for (const t of [...times.map((x) => x % (duration * 2)), duration].sort((a, b) => a - b)) {
            const due = accrued(total, 0, duration, t);
            expect(due).toBeGreaterThanOrEqual(charged);
            charged = due;
          }
          expect(charged).toBe(total);
        },
      ),
    );
  });
});

describe('the double-entry ledger', () => {
  const envelope = (e: AccountEvent, i: number): Envelope => ({
    id: `e${i}`,
    type: e.type,
    source: 'settlement',
    subject: e.data.accountId,
    time: at(0).toISOString(),
    schemaVersion: 1,
    correlationId: 'c',
    causationId: 'c',
    data: e.data,
  });

  it('balances every posting, and keeps Σ accounts + clearing = deposits − withdrawals through a lease', () => {
    const buyer = account.given(opened, deposited, held, leaseOpened);
    const charge = buyer.when(meter, { now: at(3 * HOUR) });
    const events: AccountEvent[] = [
      opened,
      deposited,
      held,
      leaseOpened,
      ...(charge.kind === 'accepted' ? charge.events : []),
    ];
    const envelopes = events.map(envelope);
    // The earnings process manager turns the charge into credits for the provider and the platform.
    for (const cmd of leaseEarnings.react(envelopes[envelopes.length - 1]!)) {
      const credit = account.given().when(cmd as never);
      if (credit.kind === 'accepted') envelopes.push(...credit.events.map((e, i) => envelope(e, 100 + i)));
    }
    const projection = accountsProjection('settlement.events');
    const model: Model = new Map();
    for (const e of envelopes) {
      const m = movementOf(e);
      if (m) expect(balances(m)).toBe(true);
      applyOps(model, projection.apply(e));
    }
    const field = (key: string, f: string) =>
      Number((model.get(key) as Map<string, string> | undefined)?.get(f) ?? 0);
    const sum = ['buyer', 'prov', 'platform'].reduce(
      (s, a) =>
        s + field(rm.account(a), 'balance') + field(rm.account(a), 'held') + field(rm.account(a), 'escrow'),
      0,
    );
    const totals = rm.totals;
    expect(field(totals, 'clearing')).toBe(0);
    expect(sum + field(totals, 'clearing')).toBe(field(totals, 'deposits') - field(totals, 'withdrawals'));
    expect(field(rm.account('prov'), 'earned')).toBe(6_000_006);
    expect(field(rm.account('platform'), 'balance')).toBe(150_000);
  });

  it('credits a charge once however often its credits are replayed, and the ledger still balances', () => {
    const buyer = account.given(opened, deposited, held, leaseOpened);
    const first = buyer.when(meter, { now: at(3 * HOUR) });
    if (first.kind !== 'accepted') throw new Error('expected a charge');
    const second = account
      .given(opened, deposited, held, leaseOpened, ...first.events)
      .when(meter, { now: at(5 * HOUR) });
    if (second.kind !== 'accepted') throw new Error('expected a second charge');
    const events: AccountEvent[] = [opened, deposited, held, leaseOpened, ...first.events, ...second.events];
    const envelopes = events.map(envelope);
    const charges = envelopes.slice(4);
    // The process manager's offsets reset to the earliest after the idempotency window: every charge
    // is credited again (the first one a third time), each command with a new id.
    const accounts = new Map<string, ReturnType<typeof account.given>['state']>();
    for (const charge of [...charges, charges[0]!, ...charges]) {
      for (const cmd of leaseEarnings.react(charge)) {
        const state = accounts.get(cmd.subject) ?? accountDecider.initialState();
        const credit = accountDecider.decide(cmd as never, state, { now: at(5 * HOUR) });
        if (credit.kind !== 'accepted') throw new Error('earnings are never refused');
        accounts.set(cmd.subject, credit.events.reduce(accountDecider.evolve, state));
        envelopes.push(...credit.events.map((e, i) => envelope(e, 100 + envelopes.length + i)));
      }
    }
    expect(envelopes.filter((e) => e.type === 'settlement.EarningsCredited')).toHaveLength(4);
    const projection = accountsProjection('settlement.events');
    const model: Model = new Map();
    for (const e of envelopes) {
      const m = movementOf(e);
      if (m) expect(balances(m)).toBe(true);
      applyOps(model, projection.apply(e));
    }
    const field = (key: string, f: string) =>
      Number((model.get(key) as Map<string, string> | undefined)?.get(f) ?? 0);
    const sum = ['buyer', 'prov', 'platform'].reduce(
      (s, a) =>
        s + field(rm.account(a), 'balance') + field(rm.account(a), 'held') + field(rm.account(a), 'escrow'),
      0,
    );
    const charged = charges.reduce((s, c) => s + (c.data as { amount: number }).amount, 0);
    const fees = charges.reduce((s, c) => s + (c.data as { fee: number }).fee, 0);
    expect(field(rm.totals, 'clearing')).toBe(0);
    expect(sum + field(rm.totals, 'clearing')).toBe(
      field(rm.totals, 'deposits') - field(rm.totals, 'withdrawals'),
    );
    expect(field(rm.account('prov'), 'balance')).toBe(charged);
    expect(accounts.get('prov')?.balance).toBe(charged);
    expect(field(rm.account('platform'), 'balance')).toBe(fees);
    expect(charged).toBe(10_000_010);
  });

  it("leaves the provider's and the platform's accounts only a finished mark of a lease they were paid for", () => {
    const half = account.given(opened, deposited, held, leaseOpened).when(meter, { now: at(5 * HOUR) });
    const charged = half.kind === 'accepted' ? half.events : [];
    const end = account
      .given(opened, deposited, held, leaseOpened, ...charged)
      .when(meter, { now: at(11 * HOUR) });
    const charges = [...charged, ...(end.kind === 'accepted' ? end.events : [])].map(envelope);
    const paid = new Map<string, ReturnType<typeof account.given>['state']>();
    for (const cmd of charges.flatMap((c) => leaseEarnings.react(c))) {
      const state = paid.get(cmd.subject) ?? accountDecider.initialState();
      const credit = accountDecider.decide(cmd as never, state, { now: at(11 * HOUR) });
      if (credit.kind !== 'accepted') throw new Error('earnings are never refused');
      paid.set(cmd.subject, credit.events.reduce(accountDecider.evolve, state));
    }
    expect(paid.get('prov')).toMatchObject({
      balance: 20_000_020,
      credited: { 'lease:t1': FINISHED },
      finishedCredits: ['lease:t1'],
    });
    expect(paid.get('platform')).toMatchObject({
      balance: 500_001,
      credited: { 'fee:t1': FINISHED },
      finishedCredits: ['fee:t1'],
    });
  });

  it('finishes the lease for the provider and the platform when it ends early with nothing more due (a node lost since its last heartbeat)', () => {
    // Metered to 5 h; the node's last heartbeat was at 4 h, and it is declared lost after that.
    const metered = account.given(opened, deposited, held, leaseOpened).when(meter, { now: at(5 * HOUR) });
    if (metered.kind !== 'accepted') throw new Error('expected a charge');
    const lost = account.given(opened, deposited, held, leaseOpened, ...metered.events).when(
      {
        type: 'settlement.EndLeaseEarly',
        data: { accountId: 'buyer', leaseId: 't1', reason: 'NODE_LOST', at: at(4 * HOUR).toISOString() },
      },
      { now: at(5 * HOUR + 30_000) },
    );
    // Nothing is charged (the meter charged past the heartbeat already): no last credit follows.
    // The credit says when delivery stopped, though the meter had charged past it.
    expect(lost).toMatchObject({
      kind: 'accepted',
      events: [{ type: 'settlement.SlaCredited', data: { at: at(4 * HOUR).toISOString() } }],
    });
    if (lost.kind !== 'accepted') throw new Error('expected the lease to end');
    const paid = new Map<string, ReturnType<typeof account.given>['state']>();
    const outcomes: string[] = [];
    const pay = (events: AccountEvent[]) => {
      for (const cmd of events.map(envelope).flatMap((e) => leaseEarnings.react(e))) {
        const state = paid.get(cmd.subject) ?? accountDecider.initialState();
        const decided = accountDecider.decide(cmd as never, state, { now: at(5 * HOUR + 30_000) });
        if (decided.kind !== 'accepted') throw new Error(`${cmd.type} refused`);
        outcomes.push(...decided.events.map((e) => `${cmd.subject} ${e.type}`));
        paid.set(cmd.subject, decided.events.reduce(accountDecider.evolve, state));
      }
    };
    pay(metered.events);
    expect(paid.get('prov')?.credited).toEqual({ 'lease:t1': 10_000_010 });
    pay(lost.events);
    expect(outcomes.slice(2)).toEqual([
      'prov settlement.LeaseCreditsClosed',
      'platform settlement.LeaseCreditsClosed',
    ]);
    expect(paid.get('prov')).toMatchObject({
      credited: { 'lease:t1': FINISHED },
      finishedCredits: ['lease:t1'],
    });
    expect(paid.get('platform')).toMatchObject({
      credited: { 'fee:t1': FINISHED },
      finishedCredits: ['fee:t1'],
    });
    // Closing again (a replay, or an end that came with a last charge) records nothing.
    const before = outcomes.length;
    pay(lost.events);
    expect(outcomes.length).toBe(before);
    // No money moves: the close has no postings, and balances are the charge's credits.
    expect(
      movementOf(
        envelope(
          {
            type: 'settlement.LeaseCreditsClosed',
            data: { accountId: 'prov', leaseId: 't1', kind: 'lease' },
          },
          0,
        ),
      ),
    ).toBeNull();
    expect(paid.get('prov')?.balance).toBe(10_000_010);
  });
});
