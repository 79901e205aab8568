import { Envelope, settlementReadModel as rm } from '@gpux/contracts';
import { applyOps, Model, RedisOp, scenario } from '@gpux/eventsourcing/domain';
import { leaseView } from '@gpux/read-models';
import { AccountCommand, AccountEvent, accountDecider } from '../accounts/account.decider';
import { leasesProjection } from './leases.projection';

const START = Date.parse('2026-06-01T00:00:00.000Z');
const HOUR = 3_600_000;
const at = (ms: number) => new Date(START + ms);
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
const meter: AccountCommand = { type: 'settlement.MeterLease', data: { accountId: 'buyer', leaseId: 't1' } };
const endEarly: AccountCommand = {
  type: 'settlement.EndLeaseEarly',
  data: { accountId: 'buyer', leaseId: 't1', reason: 'CHALLENGE_FAILED' },
};

/** The buyer's log, written by the decider: each command decided at its own time, as envelopes. */
function buyerLog() {
  const events: AccountEvent[] = [
    { type: 'settlement.AccountOpened', data: { accountId: 'buyer', owner: 'Ada' } },
    { type: 'settlement.FundsDeposited', data: { accountId: 'buyer', amount: 100_000_000, reference: null } },
    { type: 'settlement.FundsHeld', data: { accountId: 'buyer', holdId: 'b1', amount: 50_000_000 } },
  ];
  return {
    run(command: AccountCommand, now: Date): Envelope[] {
      const decision = scenario(accountDecider)
        .given(...events)
        .when(command, { now });
      if (decision.kind !== 'accepted') throw new Error(`${command.type} rejected: ${decision.message}`);
      events.push(...decision.events);
      return decision.events.map((e, i): Envelope => ({
        id: `e${events.length + i}`,
        type: e.type,
        source: 'settlement',
        subject: 'buyer',
        time: now.toISOString(),
        schemaVersion: 1,
        correlationId: 'c',
        causationId: 'c',
        data: e.data,
      }));
    },
  };
}

describe('leases projection', () => {
  const projection = leasesProjection('settlement.events');
  const model: Model = new Map();
  const ops: RedisOp[] = [];
  const project = (envelopes: Envelope[]) => {
    for (const e of envelopes) {
      const some = projection.apply(e);
      ops.push(...some);
      applyOps(model, some);
    }
  };
  const hash = (key: string) =>
    Object.fromEntries((model.get(key) as Map<string, string> | undefined)?.entries() ?? []);
  beforeEach(() => {
    model.clear();
    ops.length = 0;
  });

  it('shows an opened lease ACTIVE, to its buyer and provider, and in the active set by its end', () => {
    project(buyerLog().run({ type: 'settlement.OpenLease', data: lease }, at(0)));
    expect(hash(rm.lease('t1'))).toEqual({
      buyerId: 'buyer',
      // The bid it was bought with (its hold's id is the bid's order id).
      bidId: 'b1',
      providerId: 'prov',
      marketId: 'H100',
      nodeId: 'n1',
      gpus: '2',
      price: '1000001',
      value: '20000020',
      fee: '500001',
      start: lease.start,
      end: lease.end,
      chargedValue: '0',
      chargedFee: '0',
      refunded: '0',
      status: 'ACTIVE',
    });
    expect(hash(rm.accountLeases('buyer'))).toEqual({ t1: String(START) });
    expect(hash(rm.accountLeases('prov'))).toEqual({ t1: String(START) });
    expect(hash(rm.activeLeases)).toEqual({ t1: String(START + 10 * HOUR) });
    // What SettlementQueries (libs/read-models) reads of it: the gateway's lease.
    expect(leaseView('t1', hash(rm.lease('t1')))).toMatchObject({
      leaseId: 't1',
      buyerId: 'buyer',
      bidId: 'b1',
      gpus: 2,
      // Its trade's hours (value = gpus × hours × price): a client need not work them out.
      hours: 10,
      value: 20_000_020,
      fee: 500_001,
      charged: 0,
      refunded: 0,
      status: 'ACTIVE',
      progress: 0,
      endedReason: null,
    });
  });

  it('keeps a lease ACTIVE while it is charged, and ENDED and out of the active set after its final charge', () => {
    const buyer = buyerLog();
    project(buyer.run({ type: 'settlement.OpenLease', data: lease }, at(0)));
    project(buyer.run(meter, at(5 * HOUR)));
    expect(hash(rm.lease('t1'))).toMatchObject({
      chargedValue: '10000010',
      chargedFee: '250000',
      chargedUntilMs: String(START + 5 * HOUR),
      status: 'ACTIVE',
    });
    expect(hash(rm.activeLeases)).toHaveProperty('t1');

    project(buyer.run(meter, at(10 * HOUR + 1)));
    expect(hash(rm.lease('t1'))).toMatchObject({
      chargedValue: '20000020',
      chargedFee: '500001',
      refunded: '0',
      status: 'ENDED',
      // Charged in full: up to its end, not to when the last charge was made.
      chargedUntilMs: String(START + 10 * HOUR),
    });
    expect(leaseView('t1', hash(rm.lease('t1')))).toMatchObject({ chargedUntil: lease.end });
    expect(hash(rm.activeLeases)).toEqual({});
    // Still listed for both parties.
    expect(hash(rm.accountLeases('buyer'))).toHaveProperty('t1');
    expect(hash(rm.accountLeases('prov'))).toHaveProperty('t1');
  });

  it('shows a lease ended early by an SLA breach as CREDITED, with what went back to the buyer', () => {
    const buyer = buyerLog();
    project(buyer.run({ type: 'settlement.OpenLease', data: lease }, at(0)));
    const ended = buyer.run(endEarly, at(2 * HOUR));
    expect(ended.map((e) => e.type)).toEqual(['settlement.LeaseCharged', 'settlement.SlaCredited']);
    project(ended);
    expect(hash(rm.lease('t1'))).toMatchObject({
      chargedValue: '4000004',
      chargedFee: '100000',
      refunded: String(20_000_020 + 500_001 - 4_000_004 - 100_000),
      status: 'CREDITED',
      endedBy: 'CHALLENGE_FAILED',
      endedAt: at(2 * HOUR).toISOString(),
      chargedUntilMs: String(START + 2 * HOUR),
    });
    expect(hash(rm.activeLeases)).toEqual({});
    // The buyer is told why: the gateway's lease says what ended it, not only that it was credited.
    expect(leaseView('t1', hash(rm.lease('t1')))).toMatchObject({
      status: 'CREDITED',
      refunded: 20_000_020 + 500_001 - 4_000_004 - 100_000,
      endedReason: 'CHALLENGE_FAILED',
      chargedUntil: at(2 * HOUR).toISOString(),
    });
  });

  it('says up to when a running lease is charged, advancing with the meter; null before its first charge', () => {
    const buyer = buyerLog();
    project(buyer.run({ type: 'settlement.OpenLease', data: lease }, at(0)));
    expect(leaseView('t1', hash(rm.lease('t1')))).toMatchObject({ chargedUntil: null });
    const upTo = (ms: number): AccountCommand => ({
      type: 'settlement.MeterLease',
      data: { accountId: 'buyer', leaseId: 't1', upTo: at(ms).toISOString() },
    });
    // In arrears: up to the time the meter asked, not the clock's.
    project(buyer.run(upTo(HOUR - 30_000), at(HOUR)));
    expect(leaseView('t1', hash(rm.lease('t1')))).toMatchObject({
      chargedUntil: at(HOUR - 30_000).toISOString(),
    });
    project(buyer.run(upTo(2 * HOUR - 30_000), at(2 * HOUR)));
    expect(leaseView('t1', hash(rm.lease('t1')))).toMatchObject({
      status: 'ACTIVE',
      chargedUntil: at(2 * HOUR - 30_000).toISOString(),
    });
  });

  it("says when delivery stopped of a credited lease: the breach's time, not when the credit was recorded", () => {
    const buyer = buyerLog();
    project(buyer.run({ type: 'settlement.OpenLease', data: lease }, at(0)));
    project(buyer.run(meter, at(HOUR)));
    const stopped = at(90 * 60_000).toISOString();
    project(buyer.run({ ...endEarly, data: { ...endEarly.data, at: stopped } }, at(2 * HOUR)));
    expect(leaseView('t1', hash(rm.lease('t1')))).toMatchObject({
      status: 'CREDITED',
      chargedUntil: stopped,
    });
    expect(hash(rm.lease('t1'))).toMatchObject({ endedAt: at(2 * HOUR).toISOString() });
  });

  it('keeps the later time where the meter had charged past when delivery stopped (nothing charged is given back)', () => {
    const buyer = buyerLog();
    project(buyer.run({ type: 'settlement.OpenLease', data: lease }, at(0)));
    project(buyer.run(meter, at(5 * HOUR)));
    const ended = buyer.run(
      { ...endEarly, data: { ...endEarly.data, at: at(4 * HOUR).toISOString() } },
      at(5 * HOUR + 30_000),
    );
    expect(ended.map((e) => e.type)).toEqual(['settlement.SlaCredited']);
    project(ended);
    expect(leaseView('t1', hash(rm.lease('t1')))).toMatchObject({
      status: 'CREDITED',
      chargedUntil: at(5 * HOUR).toISOString(),
    });
  });

  it('says it of a lease credited before it delivered anything: charged up to its start, of nothing', () => {
    const buyer = buyerLog();
    project(buyer.run({ type: 'settlement.OpenLease', data: lease }, at(0)));
    project(buyer.run(endEarly, at(0)));
    expect(leaseView('t1', hash(rm.lease('t1')))).toMatchObject({ charged: 0, chargedUntil: lease.start });
  });

  it('leaves it absent for charges and credits written before they recorded the time: never guessed', () => {
    const buyer = buyerLog();
    project(buyer.run({ type: 'settlement.OpenLease', data: lease }, at(0)));
    const untimed = (envelopes: Envelope[]) =>
      envelopes.map((e) => {
        const { upTo: _upTo, at: _at, ...data } = e.data as { upTo?: string; at?: string };
        return { ...e, data };
      });
    project(untimed(buyer.run(meter, at(HOUR))));
    expect(hash(rm.lease('t1'))).not.toHaveProperty('chargedUntilMs');
    expect(leaseView('t1', hash(rm.lease('t1')))).toMatchObject({
      charged: 2_050_002,
      chargedUntil: null,
    });
    project(untimed(buyer.run(endEarly, at(2 * HOUR))));
    expect(leaseView('t1', hash(rm.lease('t1')))).toMatchObject({ status: 'CREDITED', chargedUntil: null });
  });

  describe('across an upgrade: some charges recorded the time, some did not', () => {
    const untimed = (envelopes: Envelope[]) =>
      envelopes.map((e) => {
        const { upTo: _upTo, ...data } = e.data as { upTo?: string };
        return { ...e, data };
      });
    const view = () => leaseView('t1', hash(rm.lease('t1')));

    it("says nothing once a charge that did not record its time came, though a credit's time follows", () => {
      const buyer = buyerLog();
      project(buyer.run({ type: 'settlement.OpenLease', data: lease }, at(0)));
      // An older instance's meter charged up to 5 h; the new one ends the lease at 4 h: no charge.
      project(untimed(buyer.run(meter, at(5 * HOUR))));
      const ended = buyer.run(
        { ...endEarly, data: { ...endEarly.data, at: at(4 * HOUR).toISOString() } },
        at(5 * HOUR + 30_000),
      );
      expect(ended.map((e) => e.type)).toEqual(['settlement.SlaCredited']);
      project(ended);
      // Charged 5 hours' worth: 4 h would say less than was charged.
      expect(view()).toMatchObject({ status: 'CREDITED', charged: 5 * 2_050_002, chargedUntil: null });
    });

    it('says it again once a charge that records its time charges something', () => {
      const buyer = buyerLog();
      project(buyer.run({ type: 'settlement.OpenLease', data: lease }, at(0)));
      project(buyer.run(meter, at(HOUR)));
      project(untimed(buyer.run(meter, at(2 * HOUR))));
      expect(view()).toMatchObject({ chargedUntil: null });
      project(buyer.run(meter, at(3 * HOUR)));
      expect(view()).toMatchObject({ status: 'ACTIVE', chargedUntil: at(3 * HOUR).toISOString() });
    });

    it('says its end of a lease an untimed final charge ended: charged in full', () => {
      const buyer = buyerLog();
      project(buyer.run({ type: 'settlement.OpenLease', data: lease }, at(0)));
      project(buyer.run(meter, at(2 * HOUR)));
      project(untimed(buyer.run(meter, at(11 * HOUR))));
      expect(view()).toMatchObject({ status: 'ENDED', chargedUntil: lease.end });
    });
  });

  it('credits the whole lease back when it is ended before it started delivering', () => {
    const buyer = buyerLog();
    project(buyer.run({ type: 'settlement.OpenLease', data: lease }, at(0)));
    project(buyer.run(endEarly, at(0)));
    expect(hash(rm.lease('t1'))).toMatchObject({
      chargedValue: '0',
      chargedFee: '0',
      refunded: String(20_000_020 + 500_001),
      status: 'CREDITED',
    });
  });

  it('is versioned, so a model folded before it kept up to when each lease is charged is refolded', () => {
    expect(projection.version).toBe('4');
  });

  it('shows no bid for a lease hash folded before the bid was kept', () => {
    project(buyerLog().run({ type: 'settlement.OpenLease', data: lease }, at(0)));
    const { bidId: _kept, ...before } = hash(rm.lease('t1'));
    expect(leaseView('t1', before)).toMatchObject({ bidId: null, hours: 10 });
  });

  it('writes only under its key prefix, and ignores events that are not about leases', () => {
    const buyer = buyerLog();
    project([
      ...buyer.run({ type: 'settlement.OpenLease', data: lease }, at(0)),
      ...buyer.run(meter, at(HOUR)),
      ...buyer.run(endEarly, at(2 * HOUR)),
    ]);
    expect(ops.filter((o) => !o.key.startsWith(projection.keyPrefix))).toEqual([]);
    expect(projection.keyPrefix).toBe('settlement:');
    expect(
      projection.apply(
        buyer.run({ type: 'settlement.Deposit', data: { accountId: 'buyer', amount: 1 } }, at(3 * HOUR))[0]!,
      ),
    ).toEqual([]);
  });
});
