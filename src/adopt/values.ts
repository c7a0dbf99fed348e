/** Column values as the three drivers return them, made comparable. */

/** A table or column name `strata import table` accepts: letters, digits and _, not starting with a digit. */
export const PLAIN_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A text, number or bigint column as text; null stays null. */
export function text(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (value instanceof Date) return value.toISOString();
  return String(value);
}

/** A boolean column: PostgreSQL true/false, MySQL and SQLite 1/0 (some tools store 't'/'true'). */
export function flag(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return Number(value) !== 0;
  if (Buffer.isBuffer(value)) return value.some((b) => b !== 0 && b !== 48);
  const s = String(value).trim().toLowerCase();
  return s === '1' || s === 't' || s === 'true' || s === 'y' || s === 'yes';
}

/** A binary column (PostgreSQL BYTEA, MySQL/SQLite BLOB) as lower-case hex. */
export function hex(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) return value.toString('hex');
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  const s = String(value);
  return s.startsWith('\\x') ? s.slice(2).toLowerCase() : s.toLowerCase();
}

/**
 * The version in another tool's migration name: its leading digit groups, read as §2 reads a
 * file name (`V1_1__add.sql` → `1_1`, `20210101120000-create-user.js` → `20210101120000`,
 * `CreateUsers1591436242612` has none). null when it has none.
 */
export function leadingVersion(name: string): string | null {
  const match = /^(?:migration_|V)?(\d+(?:[_.-]\d+)*)/.exec(name);
  return match ? match[1]! : null;
}

/** Rows in a stable order by a numeric-or-text column (ids, ranks). */
export function byNumber(column: string) {
  return (a: Record<string, unknown>, b: Record<string, unknown>): number => {
    const x = BigInt(String(a[column] ?? 0));
    const y = BigInt(String(b[column] ?? 0));
    return x < y ? -1 : x > y ? 1 : 0;
  };
}
