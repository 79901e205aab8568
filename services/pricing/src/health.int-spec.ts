import { describeServiceHealth } from '@gpux/platform/testing';
import { pricingService } from './service';

describeServiceHealth(pricingService, {
  metrics: [
    'gpux_projection_lag_records',
    'gpux_projection_stopped_partitions',
    'gpux_projection_rebuilds_total',
    'gpux_projection_causal_waits_total',
  ],
});
