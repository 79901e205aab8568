export * from './domain';
export * from './kafka/codec';
export * from './kafka/command-processor';
export * from './kafka/command-sender';
export * from './kafka/dead-letter';
export * from './kafka/partition-worker';
export * from './kafka/provisioning';
