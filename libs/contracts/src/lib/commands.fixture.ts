/** Commands' data as a well-behaved caller sends them, for the specs of the rules they are checked by. */

/** A node's registration (capacity.RegisterNode). */
export const aNode = {
  nodeId: 'n1',
  providerId: 'p1',
  gpuModel: 'H100-80GB',
  gpus: 8,
  region: 'eu',
  marketId: 'h100',
  credentialHash: 'a'.repeat(64),
};

/** A market's opening (orders.OpenMarket). */
export const aMarket = {
  marketId: 'h100',
  gpuClass: 'H100-80GB',
  minTflopsPerGpu: 40,
  tickSize: 10_000,
  feeRateBps: 250,
};
