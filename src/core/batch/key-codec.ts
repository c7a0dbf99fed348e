/**
 * A batch's last key as stored in a checkpoint: JSON, with the values JSON cannot carry
 * tagged (a bigint, a Date, a Buffer), so a resumed walk binds the value it had.
 */

type Encoded = string | number | boolean | null | { $bigint: string } | { $date: string } | { $hex: string };

export function encodeKey(values: readonly unknown[]): string {
  return JSON.stringify(values.map(encodeValue));
}

export function decodeKey(text: string): unknown[] {
  const parsed: unknown = JSON.parse(text);
  if (!Array.isArray(parsed)) throw new Error(`a checkpoint's last key is not a JSON array: ${text}`);
  return parsed.map((value: Encoded) => decodeValue(value));
}

function encodeValue(value: unknown): Encoded {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return { $bigint: value.toString() };
  if (value instanceof Date) return { $date: value.toISOString() };
  if (Buffer.isBuffer(value)) return { $hex: value.toString('hex') };
  if (value instanceof Uint8Array) return { $hex: Buffer.from(value).toString('hex') };
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  throw new Error(`db.batch cannot checkpoint a key value of type ${typeof value}: use a key of numbers, text, dates or bytes`);
}

function decodeValue(value: Encoded): unknown {
  if (value === null || typeof value !== 'object') return value;
  if ('$bigint' in value) return BigInt(value.$bigint);
  if ('$date' in value) return new Date(value.$date);
  if ('$hex' in value) return Buffer.from(value.$hex, 'hex');
  throw new Error(`a checkpoint's last key holds an unknown value: ${JSON.stringify(value)}`);
}
