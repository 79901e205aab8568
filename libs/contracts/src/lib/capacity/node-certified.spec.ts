import { Envelope, HEADERS } from '../envelope';
import { encodeRaw } from '../registry';
import { capacityMessages, CapacityEvents, NodeCertified } from './nodes';

// NodeCertified v2 records, for a certificate by challenge, the challenge that granted it and the
// precision it measured. Certificates the log holds from before are v1, and read unchanged: as a
// v2 without them (an administrator's certificate has neither, whichever version).

const base: Omit<Envelope, 'type' | 'data' | 'schemaVersion'> = {
  id: 'evt-1',
  source: 'capacity',
  subject: 'n1',
  time: '2026-12-01T00:00:00.000Z',
  correlationId: 'cmd-1',
  causationId: 'cmd-1',
};
const certificate: NodeCertified = {
  nodeId: 'n1',
  providerId: 'prov-1',
  marketId: 'h100',
  gpus: 8,
  tflopsPerGpu: { f32: 40.5, f16: 120.25 },
  measuredTflops: 962,
  challengeSize: 4096,
  efficiency: 0.6,
  tier: 'gold',
  expiresAt: '2026-12-31T00:00:00.000Z',
  method: 'challenge',
};

describe('capacity.NodeCertified and the challenge and precision of a certificate', () => {
  it('is written as v2, carrying challengeId and precision, and read back with them', () => {
    expect(CapacityEvents.nodeCertified.currentVersion).toBe(2);
    const envelope: Envelope = {
      ...base,
      type: CapacityEvents.nodeCertified.type,
      schemaVersion: 2,
      data: { ...certificate, challengeId: 'ch-1', precision: 'f16' },
    };
    const wire = capacityMessages.encode(envelope);
    expect(wire.headers[HEADERS.schemaVersion]).toBe('2');
    expect(capacityMessages.decode(wire)).toEqual(envelope);
  });

  it('reads a v1 certificate (from before them) as a v2 without them, its data unchanged', () => {
    const read = capacityMessages.decode(
      encodeRaw({ ...base, type: CapacityEvents.nodeCertified.type, schemaVersion: 1, data: certificate }),
    );
    expect(read.schemaVersion).toBe(2);
    expect(read.data).toEqual(certificate);
    expect(read.data).not.toHaveProperty('challengeId');
    expect(read.data).not.toHaveProperty('precision');
  });

  it("an administrator's certificate is written without them", () => {
    const admin = { ...certificate, method: 'admin', efficiency: null, tier: 'bronze' } as const;
    const envelope: Envelope = {
      ...base,
      type: CapacityEvents.nodeCertified.type,
      schemaVersion: 2,
      data: admin,
    };
    expect(capacityMessages.decode(capacityMessages.encode(envelope))).toEqual(envelope);
  });

  it('refuses a precision that is not f32 or f16, and an empty challenge id', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ precision: 'f64' }, /precision: /],
      [{ challengeId: '' }, /challengeId: /],
    ];
    for (const [extra, field] of cases)
      expect(() =>
        capacityMessages.encode({
          ...base,
          type: CapacityEvents.nodeCertified.type,
          schemaVersion: 2,
          data: { ...certificate, challengeId: 'ch-1', precision: 'f32', ...extra },
        }),
      ).toThrow(
        expect.objectContaining({ name: 'MessageValidationError', message: expect.stringMatching(field) }),
      );
  });
});
