import { Envelope } from '../envelope';
import { encodeRaw } from '../registry';
import { capacityMessages, CapacityCommands, CapacityEvents } from './nodes';

// A node's credential may be revoked by its provider or by the operator (an admin key): v2 of the
// command and of its event say which (`revokedBy`). What the log holds from before is v1, and was
// the provider's, the only one who could revoke then.

const base: Omit<Envelope, 'type' | 'data' | 'schemaVersion'> = {
  id: 'm-1',
  source: 'capacity',
  subject: 'n1',
  time: '2026-12-01T00:00:00.000Z',
  correlationId: 'cmd-1',
  causationId: 'cmd-1',
};
const HASH = 'a'.repeat(64);

describe('who revoked a node credential', () => {
  it('the command and its event are written as v2, saying who, and read back with it', () => {
    for (const [type, data] of [
      [
        CapacityCommands.revokeNodeCredential.type,
        { nodeId: 'n1', providerId: 'prov-1', revokedBy: 'admin' },
      ],
      [CapacityEvents.nodeCredentialRevoked.type, { nodeId: 'n1', credentialHash: HASH, revokedBy: 'admin' }],
    ] as const) {
      const envelope: Envelope = { ...base, type, schemaVersion: 2, data };
      expect(capacityMessages.decode(capacityMessages.encode(envelope))).toEqual(envelope);
    }
  });

  it('reads a v1 (from before an admin could revoke) as revoked by the provider', () => {
    const command = capacityMessages.decode(
      encodeRaw({
        ...base,
        type: CapacityCommands.revokeNodeCredential.type,
        schemaVersion: 1,
        data: { nodeId: 'n1', providerId: 'prov-1' },
      }),
    );
    expect(command).toMatchObject({
      schemaVersion: 2,
      data: { nodeId: 'n1', providerId: 'prov-1', revokedBy: 'provider' },
    });
    const event = capacityMessages.decode(
      encodeRaw({
        ...base,
        type: CapacityEvents.nodeCredentialRevoked.type,
        schemaVersion: 1,
        data: { nodeId: 'n1', credentialHash: HASH },
      }),
    );
    expect(event.data).toEqual({ nodeId: 'n1', credentialHash: HASH, revokedBy: 'provider' });
  });

  it('refuses a v2 that does not say who, or names anyone but the provider or the admin', () => {
    for (const revokedBy of [undefined, 'buyer'])
      expect(() =>
        capacityMessages.encode({
          ...base,
          type: CapacityEvents.nodeCredentialRevoked.type,
          schemaVersion: 2,
          data: { nodeId: 'n1', credentialHash: HASH, ...(revokedBy ? { revokedBy } : {}) },
        }),
      ).toThrow(expect.objectContaining({ message: expect.stringMatching(/revokedBy/) }));
  });
});
