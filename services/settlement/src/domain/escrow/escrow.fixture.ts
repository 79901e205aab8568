/** A bid as the gateway's HoldFunds carries it, for the escrow specs. Not built into the service. */
export const sampleBid = {
  marketId: 'H100',
  orderId: 'b1',
  side: 'bid' as const,
  accountId: 'buyer-1',
  price: 2_100_000,
  gpus: 2,
  hours: 10,
  timeInForce: 'GTC' as const,
};
