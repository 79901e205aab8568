/**
 * settlement's read model in Redis, as a contract: the settlement service writes it, the gateway
 * reads it (and waits on its checkpoint for read-your-writes).
 */
export const settlementReadModel = {
  /** The projection's name: its checkpoints are what `waitForPosition` waits on. */
  name: 'settlement.read-model',
  prefix: 'settlement:',
  accountsPrefix: 'settlement:accounts:',
  /** Hash: owner, balance (available, minor units), held (in escrow). */
  account: (accountId: string) => `settlement:accounts:${accountId}`,
  /** List of JSON ledger entries, oldest first. */
  ledger: (accountId: string) => `settlement:accounts:${accountId}:ledger`,
};
