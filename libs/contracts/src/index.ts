export * from './lib/common';
export * from './lib/envelope';
export * from './lib/registry';
export * from './lib/settlement/accounts';
export * from './lib/topics';
export * from './lib/orders/market';
export * from './lib/settlement/read-model';
