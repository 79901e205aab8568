// The pure part of the event-sourcing library: what domain code may import.
export * from './decider';
export * from './projection';
export * from './scenario';
export * from './outcomes.projection';
export * from './process-manager';
export * from './fingerprint';
export * from './idempotency-keys';
export * from './own';
export * from './group-commit';
export * from './fetch-linger';
export * from './derived-id';
export * from './recent-bindings';
