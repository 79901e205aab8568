/**
 * What a request body is that the JSON body parser refused though it is JSON: the parser, strict,
 * reads only an object or an array, and refuses `"hi"`, `42` or `null` with the words of a syntax
 * error (`Unexpected token 'n', "null" is not valid JSON`), which tell a client its JSON is
 * malformed when it is only not an object. "a string", "a number", "true", "false" or "null";
 * undefined for a body that is not JSON at all (cut short, malformed), an object or an array.
 */
export function jsonScalarOf(body: unknown): string | undefined {
  if (typeof body !== 'string') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'number') return 'a number';
  if (typeof value === 'boolean' || value === null) return String(value);
  return undefined;
}
