/** capacity's read model in Redis, as a contract: capacity writes it, the gateway reads it. */
export const capacityReadModel = {
  name: 'capacity.read-model',
  prefix: 'capacity:',
  /**
   * Hash per node: providerId, gpuModel, gpus, region, marketId, status (UNCERTIFIED | CERTIFIED |
   * EXPIRED | SUSPENDED), registeredAt, and once certified: tflopsF32, tflopsF16, efficiency, tier,
   * expiresAt, certifiedBy.
   */
  node: (nodeId: string) => `capacity:nodes:${nodeId}`,
  /** Sorted set of a provider's node ids, by registration time. */
  providerNodes: (providerId: string) => `capacity:providers:${providerId}:nodes`,
  /** Sorted set of every node id, by registration time. */
  nodes: 'capacity:node-ids',
  /** List of JSON certifications of a node, oldest first. */
  certifications: (nodeId: string) => `capacity:nodes:${nodeId}:certifications`,
  /** Hash per node credential, by its sha256 (hex): nodeId. */
  credential: (hash: string) => `capacity:credentials:${hash}`,
};
