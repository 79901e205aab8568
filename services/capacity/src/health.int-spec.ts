import { describeServiceHealth } from '@gpux/platform/testing';
import { capacityService } from './service';

describeServiceHealth(capacityService, {
  checks: ['commands'],
  metrics: [
    'gpux_command_decision_seconds',
    'gpux_commands_total',
    'gpux_kafka_transaction_commits_total',
    'gpux_kafka_transaction_aborts_total',
    'gpux_kafka_transaction_retries_total',
    'gpux_dead_letters_total',
    'gpux_projection_lag_records',
    'gpux_projection_stopped_partitions',
    'gpux_projection_rebuilds_total',
    'gpux_projection_causal_waits_total',
    'gpux_node_heartbeat_age_seconds',
    'gpux_node_heartbeat_age_max_seconds',
    'gpux_challenge_verdicts_total',
  ],
});
