/**
 * The one statement a keyset walk runs per batch (§10): `WHERE key > last ORDER BY key LIMIT
 * size`, never OFFSET, so every batch costs the same however far the walk has gone. A
 * composite key walks by the tuple. Pure: the dialect's answers come in as `dialect`.
 */

export interface KeysetDialect {
  readonly rowValues: boolean;
  placeholder(n: number): string;
  quoteIdentifier(name: string): string;
  quoteTable(table: string): string;
}

export interface KeysetQuery {
  readonly table: string;
  readonly key: readonly string[];
  /** null: every column. The key columns are always selected (the walk needs them). */
  readonly columns: readonly string[] | null;
  readonly where: string | null;
  /** The `where`'s own parameters: they keep their placeholders (`$1`…), the keyset's follow. */
  readonly params: readonly unknown[];
  readonly size: number;
}

/** The SELECT of the batch after `after` (null: the first batch) and its parameters. */
export function keysetSelect(dialect: KeysetDialect, query: KeysetQuery, after: readonly unknown[] | null): { sql: string; params: unknown[] } {
  const q = (name: string) => dialect.quoteIdentifier(name);
  const key = query.key.map(q);
  const params: unknown[] = [...query.params];
  const bind = (value: unknown) => {
    params.push(value);
    return dialect.placeholder(params.length);
  };
  const conditions: string[] = [];
  if (query.where !== null) conditions.push(`(${query.where})`);
  if (after !== null) conditions.push(afterCondition(dialect, key, after, bind));
  const columns = query.columns === null ? '*' : [...query.columns, ...query.key.filter((k) => !query.columns!.includes(k))].map(q).join(', ');
  const sql = `SELECT ${columns} FROM ${dialect.quoteTable(query.table)}${conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : ''} ORDER BY ${key.join(', ')} LIMIT ${query.size}`;
  return { sql, params };
}

/**
 * Rows after `after` in key order. A row-value comparison where the dialect has one that
 * uses the index; else `k1 >= a AND (k1 > a OR (k1 = a AND k2 > b) …)`, whose leading range
 * on the first column lets the index find the start.
 */
function afterCondition(dialect: KeysetDialect, key: readonly string[], after: readonly unknown[], bind: (value: unknown) => string): string {
  if (key.length === 1) return `${key[0]} > ${bind(after[0])}`;
  if (dialect.rowValues) return `(${key.join(', ')}) > (${after.map(bind).join(', ')})`;
  // Bound in the order the placeholders appear: `?` is positional.
  const start = `${key[0]} >= ${bind(after[0])}`;
  const branches: string[] = [];
  for (let i = 0; i < key.length; i++) {
    const equal = key.slice(0, i).map((k, j) => `${k} = ${bind(after[j])}`);
    branches.push([...equal, `${key[i]} > ${bind(after[i])}`].join(' AND '));
  }
  return `(${start} AND (${branches.map((b) => `(${b})`).join(' OR ')}))`;
}
