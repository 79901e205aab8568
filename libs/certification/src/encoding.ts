/**
 * How numbers cross JSON. Rows of C travel as base64 of their little-endian f32 bytes: exactly the
 * bytes that were hashed into the commitment, and a third the size of decimal text. Everything else
 * (sizes, indices, times in ms) is plain JSON numbers.
 */

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function encodeF32(values: Float32Array): string {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64');
}

/** The bytes of a strict base64 string of exactly `byteLength` bytes, or null. */
export function decodeBytes(text: unknown, byteLength: number): Buffer | null {
  if (typeof text !== 'string' || text.length !== Math.ceil(byteLength / 3) * 4 || !BASE64.test(text))
    return null;
  const bytes = Buffer.from(text, 'base64');
  return bytes.length === byteLength ? bytes : null;
}

/** `length` f32 values from base64, or null when the text is not exactly that. */
export function decodeF32(text: unknown, length: number): Float32Array | null {
  const bytes = decodeBytes(text, length * 4);
  if (!bytes) return null;
  const out = new Float32Array(length);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}
