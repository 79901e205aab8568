import { Module } from '@nestjs/common';
import { capacityMessages, capacityReadModel, MessageRegistry, ordersMessages, topic } from '@gpux/contracts';
import {
  EventSourcingModule,
  eventSourcingConfigShape,
  lingerMsSetting,
  eventSourcingSettings,
  outcomesProjection,
  ReadModelModule,
  registerDecider,
} from '@gpux/eventsourcing';
import { DEFAULT_SIZING } from '@gpux/certification';
import { PlatformModule, ServiceDefinition, serviceConfigSchema } from '@gpux/platform';
import { z } from 'zod';
import { nodeListings } from './domain/nodes/node-listings.process-manager';
import { createNodeDecider, NODE_COMMANDS, NODE_EVENTS } from './domain/nodes/node.decider';
import { nodesProjection } from './domain/nodes/nodes.projection';
import { challengeVerdicts } from './nodes/metrics';
import { NodeWatchdog } from './nodes/node-watchdog';

const ms = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);
const configFields = serviceConfigSchema(4104).extend({
  ...eventSourcingConfigShape,
  // Its read model folds orders' trades too (each node's leased GPUs): under load, fewer and
  // fuller calls.
  READ_MODEL_LINGER_MS: lingerMsSetting(100),
  /** How long a certificate from a passed challenge lasts. */
  CERTIFICATE_VALIDITY_MS: ms(60_000, 366 * 86_400_000, 30 * 86_400_000),
  /**
   * How often workers heartbeat (recorded in each SessionStarted; the gateway tells the session's
   * worker): a spot challenge waits at most this long to be seen, and allows it. At most a minute:
   * a spot challenge allows no more than 5 minutes in all, and one that would allow more is refused,
   * so a longer interval would leave leased nodes unchecked.
   */
  HEARTBEAT_INTERVAL_MS: z.coerce
    .number()
    .int()
    .min(100)
    .max(60_000, 'must be at most 60000 (a minute): a spot challenge allows it, within its 5-minute cap')
    .default(5_000),
  /** A joined node without a heartbeat for longer than this is declared lost (an SLA breach). */
  HEARTBEAT_TIMEOUT_MS: ms(500, 3_600_000, 20_000),
  /** On average one spot challenge per this interval for each leased node. */
  SPOT_CHECK_INTERVAL_MS: ms(1_000, 86_400_000, 300_000),
  /**
   * The sizes n of challenges' products (n×n times n×n; set the gateway's alike): the smallest, the
   * largest, and the least time a product takes at the claim, which picks n between them.
   */
  CHALLENGE_SIZE: ms(16, 8192, DEFAULT_SIZING.minSize),
  CHALLENGE_MAX_SIZE: ms(16, 8192, DEFAULT_SIZING.maxSize),
  CHALLENGE_PRODUCT_MS: z.coerce.number().min(0).max(60_000).default(DEFAULT_SIZING.productMs),
  /** How long a certification challenge keeps an honest node at its claim busy: as many products as that takes. */
  CERT_TARGET_SECONDS: z.coerce.number().min(0.05).max(120).default(10),
  /** The same for a spot challenge during a lease (a spot check costs the provider about this, plus the opened products again). */
  SPOT_TARGET_SECONDS: z.coerce.number().min(0.05).max(60).default(1),
  WATCHDOG_INTERVAL_MS: ms(100, 60_000, 1_000),
});
// Checked across fields, naming the variable at fault.
const configSchema = configFields
  .refine((c) => c.CHALLENGE_MAX_SIZE >= c.CHALLENGE_SIZE, {
    path: ['CHALLENGE_MAX_SIZE'],
    message: 'must be at least CHALLENGE_SIZE (the smallest challenge size)',
  })
  // Workers heartbeat at the interval: a timeout no longer than it loses every node between two beats.
  .refine((c) => c.HEARTBEAT_TIMEOUT_MS > c.HEARTBEAT_INTERVAL_MS, {
    path: ['HEARTBEAT_TIMEOUT_MS'],
    message: 'must be more than HEARTBEAT_INTERVAL_MS (how often workers heartbeat)',
  });

@Module({})
export class CapacityModule {}

/** capacity: providers' nodes, one writer per node partition; tells markets which nodes may sell. */
export const capacityService: ServiceDefinition<typeof configSchema> = {
  name: 'capacity',
  configSchema,
  module: (config) => ({
    module: CapacityModule,
    imports: [
      PlatformModule.forService({ service: 'capacity', config }),
      EventSourcingModule.forService({
        service: 'capacity',
        registry: capacityMessages,
        ...eventSourcingSettings(config),
        deciders: [
          registerDecider(
            'node',
            createNodeDecider({
              certificateValidityMs: config.CERTIFICATE_VALIDITY_MS,
              spotNoticeMs: config.HEARTBEAT_INTERVAL_MS,
              certificationTargetMs: config.CERT_TARGET_SECONDS * 1000,
              spotTargetMs: config.SPOT_TARGET_SECONDS * 1000,
              sizing: {
                minSize: config.CHALLENGE_SIZE,
                maxSize: config.CHALLENGE_MAX_SIZE,
                productMs: config.CHALLENGE_PRODUCT_MS,
              },
              heartbeat: { intervalMs: config.HEARTBEAT_INTERVAL_MS, timeoutMs: config.HEARTBEAT_TIMEOUT_MS },
            }),
            { commands: NODE_COMMANDS, events: NODE_EVENTS },
          ),
        ],
        observeEvents: challengeVerdicts,
        processManagers: [
          {
            manager: nodeListings,
            from: 'capacity',
            to: 'orders',
            registry: new MessageRegistry().include(capacityMessages).include(ordersMessages),
          },
        ],
      }),
      ReadModelModule.forService({
        name: capacityReadModel.name,
        prefix: capacityReadModel.prefix,
        registry: new MessageRegistry().include(capacityMessages).include(ordersMessages),
        projections: (ns, { idempotencyWindowMs }) => {
          const events = topic('capacity', 'events', ns).name;
          return [
            nodesProjection(events, topic('orders', 'events', ns).name),
            outcomesProjection('capacity', events, idempotencyWindowMs),
          ];
        },
      }),
    ],
    providers: [NodeWatchdog],
  }),
};
