export * from './lib/infra';
export * from './lib/kafka';
export * from './lib/seeded-random';
export * from './lib/redis-proxy';
