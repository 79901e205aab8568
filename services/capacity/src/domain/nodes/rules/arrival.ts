/**
 * The arrival rule: the moment (epoch ms) a node's commitment or opening counts as in, for its
 * deadline and for the certified figure. It is when the gateway received it (`receivedAt`, the
 * gateway's clock, which the node cannot set), where that lies between the challenge's issue and
 * this decision: a pause of capacity (a restart, a rebalance) while the message waits in the log
 * costs the node nothing. Anything else (none recorded, or a time no clock of ours could give: before
 * the issue, after the decision) is this decision's time, as before the gateway recorded it.
 */
export function arrivedAt(receivedAt: string | undefined, issuedAt: number, now: Date): number {
  const decided = now.getTime();
  const received = receivedAt === undefined ? NaN : Date.parse(receivedAt);
  return received >= issuedAt && received <= decided ? received : decided;
}
