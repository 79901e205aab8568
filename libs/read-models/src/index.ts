// Readers of the read models in Redis, shared by the services that write them (their tests) and
// the gateway that answers queries from them; the key layouts are contracts (@gpux/contracts).
export * from './pricing.queries';
