/**
 * kafkajs 2.2.4 is patched (`patches/kafkajs+2.2.4.patch`, applied by `npm ci`'s postinstall): its
 * record encoder wrote every header through a new zero-filled 512-byte encoder, its varints through
 * an array and a new Buffer each, and its record decoder built the headers object with one object
 * spread per header. The patch writes and reads the same bytes in one pass. The byte strings below
 * were written by the unpatched kafkajs 2.2.4, so these tests say the wire format is unchanged.
 */

interface EncoderLike {
  writeVarInt(value: number): EncoderLike;
  writeUVarInt(value: number): EncoderLike;
  writeInt8(value: number): EncoderLike;
  readonly buffer: Buffer;
}
interface DecoderLike {
  readVarInt(): number;
  readonly offset: number;
}
type RecordHeaders = Record<string, string | Buffer | (string | Buffer)[]>;
interface RecordInput {
  offsetDelta?: number;
  timestampDelta?: number;
  key: string | Buffer | null;
  value: string | Buffer | null;
  headers?: RecordHeaders;
}
interface DecodedRecord {
  timestamp: string;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | Buffer[]>;
}

const protocol = 'kafkajs/src/protocol';
const Encoder = require(`${protocol}/encoder`) as new (initialSize?: number) => EncoderLike;
const Decoder = require(`${protocol}/decoder`) as new (buffer: Buffer) => DecoderLike;
const encodeRecord = require(`${protocol}/recordBatch/record/v0`) as (record: RecordInput) => EncoderLike;
const decodeRecord = require(`${protocol}/recordBatch/record/v0/decoder`) as (
  decoder: DecoderLike,
  batchContext: { firstOffset: string; firstTimestamp: string; magicByte: number },
) => DecodedRecord;

const envelope: RecordInput = {
  offsetDelta: 3,
  timestampDelta: 12,
  key: 'acc-123',
  value: '{"accountId":"acc-123","amount":123456}',
  headers: {
    ce_specversion: '1.0',
    ce_id: '3f1c2a4e-1111-2222-3333-444455556666',
    ce_type: 'settlement.FundsHeld',
    ce_source: 'settlement',
    ce_subject: 'acc-123',
    ce_time: '2026-11-30T21:00:00.000Z',
    ce_schemaversion: '1',
    ce_correlationid: 'c-1',
    ce_idempotencykey: 'k-1',
    traceparent: '00-0123456789abcdef0123456789abcdef-0123456789abcdef-01',
    'content-type': 'application/json',
  },
};
const mixed: RecordInput = {
  offsetDelta: 70_000,
  timestampDelta: 5_000_000_000,
  key: Buffer.from('k\u00e9y'),
  value: Buffer.from('\u65e5\u672c\ud83d\udca5'.repeat(3)),
  headers: { a: [Buffer.from('1'), '2'], '\u00e9': '\ud83d\udca5', empty: '' },
};
const bare: RecordInput = { key: null, value: null };

/** Each record as the unpatched kafkajs 2.2.4 encoded it (hex). */
const written: [string, RecordInput, string][] = [
  [
    'an envelope as the services write it',
    envelope,
    'f0050018060e6163632d3132334e7b226163636f756e744964223a226163632d313233222c22616d6f756e74' +
      '223a3132333435367d161c63655f7370656376657273696f6e06312e300a63655f6964483366316332613465' +
      '2d313131312d323232322d333333332d3434343435353535363636360e63655f7479706528736574746c656d' +
      '656e742e46756e647348656c641263655f736f7572636514736574746c656d656e741463655f7375626a6563' +
      '740e6163632d3132330e63655f74696d6530323032362d31312d33305432313a30303a30302e3030305a2063' +
      '655f736368656d6176657273696f6e02312063655f636f7272656c6174696f6e696406632d312263655f6964' +
      '656d706f74656e63796b6579066b2d31167472616365706172656e746e30302d303132333435363738396162' +
      '63646566303132333435363738396162636465662d303132333435363738396162636465662d303118636f6e' +
      '74656e742d74797065206170706c69636174696f6e2f6a736f6e',
  ],
  [
    'Buffers, a repeated header, non-ASCII text and large deltas',
    mixed,
    '8a010080c8afa025e0c508086bc3a9793ce697a5e69cacf09f92a5e697a5e69cacf09f92a5e697a5e69cacf0' +
      '9f92a508026102310261023204c3a908f09f92a50a656d70747900',
  ],
  ['no key, no value, no headers', bare, '0c000000010100'],
];

/** [value, writeVarInt, writeUVarInt] as the unpatched kafkajs 2.2.4 wrote them (hex). */
const varints: [number, string, string][] = [
  [0, '00', '00'],
  [1, '02', '01'],
  [-1, '01', 'ffffffff0f'],
  [63, '7e', '3f'],
  [64, '8001', '40'],
  [-64, '7f', 'c0ffffff0f'],
  [-65, '8101', 'bfffffff0f'],
  [127, 'fe01', '7f'],
  [128, '8002', '8001'],
  [300, 'd804', 'ac02'],
  [16383, 'feff01', 'ff7f'],
  [16384, '808002', '808001'],
  [2097152, '80808002', '80808001'],
  [268435456, '8080808002', '8080808001'],
  [2147483647, 'feffffff0f', 'ffffffff07'],
  [-2147483648, 'ffffffff0f', '8080808008'],
  [2147483648, 'ffffffff0f', '8080808008'],
  [4294967295, '01', 'ffffffff0f'],
  [1099511627776, '00', '00'],
];

/** The bytes kafkajs 2.2.4 wrote for the `index`th record above. */
const bytesOf = (index: number): Buffer => Buffer.from(written[index]?.[2] ?? '', 'hex');

const decode = (bytes: Buffer) => {
  const decoder = new Decoder(bytes);
  decoder.readVarInt(); // the record's length
  const record = decodeRecord(decoder, { firstOffset: '5', firstTimestamp: '1700000000000', magicByte: 2 });
  return { record, consumed: decoder.offset };
};

describe('kafkajs record codec, as patched', () => {
  it.each(written)('encodes %s to the same bytes as kafkajs 2.2.4', (_name, record, hex) => {
    expect(encodeRecord(record).buffer.toString('hex')).toBe(hex);
  });

  it.each(varints)('writes the varint %d as kafkajs 2.2.4 did', (value, zigZag, unsigned) => {
    // A byte on each side: the varint lands at the encoder's offset and moves it past itself.
    const around = (write: (e: EncoderLike) => EncoderLike) =>
      write(new Encoder(1).writeInt8(7)).writeInt8(9).buffer.toString('hex');
    expect(around((e) => e.writeVarInt(value))).toBe(`07${zigZag}09`);
    expect(around((e) => e.writeUVarInt(value))).toBe(`07${unsigned}09`);
  });

  it('decodes every field, the headers in their order, and reads the whole record', () => {
    const bytes = bytesOf(0);
    const { record, consumed } = decode(bytes);
    expect(consumed).toBe(bytes.length);
    expect(record.offset).toBe('8');
    expect(record.timestamp).toBe('1700000000012');
    expect(record.key?.toString()).toBe('acc-123');
    expect(record.value?.toString()).toBe(envelope.value);
    const headers = Object.fromEntries(
      Object.entries(record.headers).map(([name, value]) => [name, value.toString()]),
    );
    expect(headers).toEqual(envelope.headers);
    expect(Object.keys(record.headers)).toEqual(Object.keys(envelope.headers ?? {}));
  });

  it('gives a repeated header all its values, in order, and an empty record no headers', () => {
    const { record } = decode(bytesOf(1));
    const a = record.headers['a'];
    expect(Array.isArray(a) && a.map(String)).toEqual(['1', '2']);
    expect(String(record.headers['\u00e9'])).toBe('\ud83d\udca5');
    expect(String(record.headers['empty'])).toBe('');
    const empty = decode(bytesOf(2)).record;
    expect(empty).toMatchObject({ key: null, value: null, headers: {} });
  });

  it('keeps a header named __proto__ as an own header, never as the prototype', () => {
    const { record } = decode(
      encodeRecord({
        key: 'k',
        value: 'v',
        headers: JSON.parse('{"__proto__":"x","b":"y"}') as RecordHeaders,
      }).buffer,
    );
    expect(Object.getPrototypeOf(record.headers)).toBe(Object.prototype);
    expect(Object.keys(record.headers)).toEqual(['__proto__', 'b']);
  });
});
