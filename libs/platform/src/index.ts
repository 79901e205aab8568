export * from './lib/bootstrap';
export * from './lib/config';
export * from './lib/health';
export * from './lib/kafka';
export * from './lib/metrics';
export * from './lib/platform.module';
export * from './lib/redis';
export * from './lib/periodic';
