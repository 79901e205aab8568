import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { MessageRegistry, ordersMessages, settlementMessages } from '@gpux/contracts';
import {
  EventSourcingModule,
  eventSourcingConfigShape,
  eventSourcingSettings,
  lingerMsSetting,
  registerDecider,
} from '@gpux/eventsourcing';
import { z } from 'zod';
import { PlatformModule, ServiceDefinition, serviceConfigSchema } from '@gpux/platform';
import { accountHandlers } from './accounts/accounts.cqrs';
import { AccountsReadModel, settlementReadModule } from './accounts/accounts.read-model';
import { LedgerMetrics } from './accounts/ledger-metrics';
import { ACCOUNT_COMMANDS, ACCOUNT_EVENTS, accountDecider } from './domain/accounts/account.decider';
import { escrowAnswers } from './domain/escrow/escrow-answers.process-manager';
import { leaseEarnings } from './domain/leases/lease-earnings.process-manager';
import { LeaseMeter } from './leases/lease-meter';

const configSchema = serviceConfigSchema(4103).extend({
  ...eventSourcingConfigShape,
  // The leases orders' trades open are off a bid's answer path (opened after the answer): under
  // load, fewer and fuller transactions for them, and fewer read-model calls (bench/README.md). A
  // batch with a client's command (a hold among them) is never followed by a wait; a client's
  // command that comes during one (it holds the next fetch, for every partition) waits at most
  // the linger.
  COMMAND_LINGER_MS: lingerMsSetting(100),
  READ_MODEL_LINGER_MS: lingerMsSetting(50),
  /** How often running leases are charged (and ended leases settled). */
  LEASE_METER_INTERVAL_MS: z.coerce.number().int().min(100).max(3_600_000).default(10_000),
  /**
   * Leases are charged this far in arrears: at least the time a lost node takes to be declared
   * lost (capacity's HEARTBEAT_TIMEOUT_MS plus its watchdog interval), so a breach finds nothing
   * undelivered already paid.
   */
  LEASE_CHARGE_DELAY_MS: z.coerce.number().int().min(0).max(3_600_000).default(30_000),
  /**
   * A lease whose node's breach capacity recorded (during the lease) and no early end answered this
   * long after the breach's `at` (from the lease's start where the breach came before it) is ended
   * by the meter itself, as orders' LeaseBreached would have ended it: charged up to the breach, the
   * rest of its escrow back to the buyer (domain/leases/unanswered-breach.ts). Orders normally ends
   * it within seconds; this bounds how long the buyer's money waits when it does not (the capacity
   * → orders path stalled past the hour orders keeps ended leases, or the breach never reached it).
   * At least a minute: shorter, a breach from before a lease's start, read from a capacity model that
   * does not show the node's recertification yet, could end a healthy new lease at once, for good.
   */
  LEASE_BREACH_GRACE_MS: z.coerce.number().int().min(60_000).max(86_400_000).default(600_000),
});

@Module({})
export class SettlementModule {}

export const settlementService: ServiceDefinition<typeof configSchema> = {
  name: 'settlement',
  configSchema,
  module: (config) => ({
    module: SettlementModule,
    imports: [
      PlatformModule.forService({ service: 'settlement', config }),
      CqrsModule.forRoot(),
      EventSourcingModule.forService({
        service: 'settlement',
        registry: settlementMessages,
        ...eventSourcingSettings(config),
        deciders: [
          registerDecider('account', accountDecider, { commands: ACCOUNT_COMMANDS, events: ACCOUNT_EVENTS }),
        ],
        processManagers: [
          // settlement → orders: the answer to a bid's hold, written with the hold's event.
          {
            manager: escrowAnswers,
            from: 'settlement',
            to: 'orders',
            registry: new MessageRegistry().include(settlementMessages).include(ordersMessages),
          },
          { manager: leaseEarnings, from: 'settlement', to: 'settlement', registry: settlementMessages },
        ],
      }),
      settlementReadModule,
    ],
    providers: [AccountsReadModel, LeaseMeter, LedgerMetrics, ...accountHandlers],
  }),
};
