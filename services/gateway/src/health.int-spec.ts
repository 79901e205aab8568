import { describeServiceHealth } from '@gpux/platform/testing';
import { gatewayService } from './service';

describeServiceHealth(gatewayService, {
  metrics: ['gpux_command_outcome_wait_seconds', 'gpux_graphql_request_duration_seconds'],
});
