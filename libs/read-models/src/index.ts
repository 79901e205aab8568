// Readers of the read models in Redis, shared by the services that write them (their tests) and
// the gateway that answers queries from them; the key layouts are contracts (@gpux/contracts), and
// every key is built by their key builders, here only.
export * from './capacity.queries';
export * from './orders.queries';
export * from './paged';
export * from './pricing.queries';
export * from './settlement.queries';
