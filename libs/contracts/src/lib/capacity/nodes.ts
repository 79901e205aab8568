import { z } from 'zod';
import { defineServiceMessages } from '../common';
import { entityId } from '../envelope';
import { MessageRegistry } from '../registry';

/** Everything `capacity` reads and writes about providers' nodes. */
export const capacityMessages = new MessageRegistry();

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be a sha256 digest in hex');
export const precisionSchema = z.enum(['f32', 'f16']);

export const registerNodeSchema = z.object({
  nodeId: entityId,
  providerId: entityId,
  /** The declared GPU model, e.g. `H100-80GB`: what certification measures against. */
  gpuModel: z.string().min(1).max(64),
  gpus: z.number().int('must be a whole number of GPUs').positive('must be at least 1').max(1024),
  region: z.string().min(1).max(64),
  /** The market the node sells in (its GPU class). */
  marketId: entityId,
  /** sha256 of the node's credential; the credential itself goes to the provider once. */
  credentialHash: sha256Hex,
});
export const nodeCertifiedSchema = z.object({
  nodeId: entityId,
  providerId: entityId,
  marketId: entityId,
  gpus: z.number().int().positive(),
  /** Measured per GPU, by precision. */
  tflopsPerGpu: z.object({ f32: z.number().min(0), f16: z.number().min(0).optional() }),
  /** Measured / the declared model's peak; null when the peak is not known. */
  efficiency: z.number().min(0).nullable(),
  tier: z.enum(['bronze', 'silver', 'gold']),
  expiresAt: z.iso.datetime({ offset: true }),
  /** `challenge`: a verified matmul challenge; `admin`: marked by an administrator (tests, demos). */
  method: z.enum(['challenge', 'admin']),
});
export const markNodeCertifiedSchema = z.object({
  nodeId: entityId,
  tflopsPerGpu: z.number().positive().max(100_000),
  /** How long the certificate lasts. */
  validForMs: z.number().int().positive().max(366 * 24 * 3_600_000),
});

export type RegisterNode = z.infer<typeof registerNodeSchema>;
export type NodeCertified = z.infer<typeof nodeCertifiedSchema>;

export const CapacityCommands = {
  registerNode: capacityMessages.define('capacity.RegisterNode', 'command', [{ version: 1, schema: registerNodeSchema }]),
  markNodeCertified: capacityMessages.define('capacity.MarkNodeCertified', 'command', [{ version: 1, schema: markNodeCertifiedSchema }]),
};

export const CapacityEvents = {
  nodeRegistered: capacityMessages.define('capacity.NodeRegistered', 'event', [{ version: 1, schema: registerNodeSchema }]),
  nodeCertified: capacityMessages.define('capacity.NodeCertified', 'event', [{ version: 1, schema: nodeCertifiedSchema }]),
  ...defineServiceMessages(capacityMessages, 'capacity'),
};
