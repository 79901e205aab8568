/**
 * A record's own entry for a caller-chosen key, or undefined. State keyed by ids a caller picks
 * (node ids, key ids, order ids) must not be read with `record[id]`: an id such as `constructor`
 * or `toString` is a valid id and would find Object.prototype's function instead of nothing.
 * State restored from a snapshot is plain JSON, so a null-prototype object alone would not last.
 */
export function own<T>(record: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return record !== undefined && Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}
