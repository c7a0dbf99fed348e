/** `db.batch(options, fn)` (§10): what a migration passes, what `fn` receives, what the call returns. */

export interface BatchOptions {
  /** The table to walk (`schema.table` is accepted; each part is quoted as written). */
  readonly table: string;
  /** Column or columns to walk by, unique together; default the primary key. */
  readonly key?: string | readonly string[];
  /** Rows per batch; default 1,000. */
  readonly size?: number;
  /** SQL condition with the dialect's placeholders (`?`, or `$1`… on PostgreSQL), bound to `params`. */
  readonly where?: string;
  readonly params?: readonly unknown[];
  /** Columns to select; default all. The key's columns are always included. */
  readonly columns?: readonly string[];
  /** The checkpoint's name: default `table:key`; unique within the migration. */
  readonly name?: string;
  /** Milliseconds to wait between batches (replicas catch up); default 0. */
  readonly pauseMs?: number;
}

export interface BatchInfo {
  /** 1-based number of this batch (continuing the count on a resume). */
  readonly batch: number;
  /** Rows of the batches before this one (from the checkpoint on a resume). */
  readonly done: number;
  /** Rows the walk is expected to see: an estimate, or null when unknown. */
  readonly total: number | null;
  readonly totalEstimated: true;
}

export type BatchFn<T> = (rows: T[], info: BatchInfo) => unknown;

export interface BatchResult {
  readonly name: string;
  /** Batches done, those of an interrupted run included. */
  readonly batches: number;
  /** Rows done, those of an interrupted run included. */
  readonly rows: number;
  /** Started after a checkpoint (`up --resume`). */
  readonly resumed: boolean;
}

export const DEFAULT_BATCH_SIZE = 1000;

/** The options checked: a mistake is the migration's own (a plain Error, naming the option). */
export function checkBatchOptions(options: BatchOptions, fn: unknown): void {
  const fail = (what: string) => {
    throw new Error(`db.batch: ${what}`);
  };
  if (options === null || typeof options !== 'object') fail('the first argument must be an options object ({ table, key?, size?, where?, params?, columns?, name?, pauseMs? })');
  if (typeof options.table !== 'string' || options.table === '') fail('`table` must name a table');
  if (typeof fn !== 'function') fail('the second argument must be a function (rows, { batch, done, total }) => …');
  const key = options.key;
  if (key !== undefined && !(typeof key === 'string' ? key !== '' : Array.isArray(key) && key.length > 0 && key.every((k) => typeof k === 'string' && k !== ''))) fail('`key` must be a column name or a non-empty array of column names');
  if (options.size !== undefined && !(Number.isSafeInteger(options.size) && options.size > 0)) fail(`\`size\` must be a positive integer (got ${String(options.size)})`);
  if (options.pauseMs !== undefined && !(Number.isFinite(options.pauseMs) && options.pauseMs >= 0)) fail(`\`pauseMs\` must be a number of milliseconds, 0 or more (got ${String(options.pauseMs)})`);
  if (options.where !== undefined && (typeof options.where !== 'string' || options.where.trim() === '')) fail('`where` must be a SQL condition');
  if (options.params !== undefined && !Array.isArray(options.params)) fail('`params` must be an array');
  if (options.params !== undefined && options.params.length > 0 && options.where === undefined) fail('`params` are given without a `where` to bind them to');
  if (options.columns !== undefined && !(Array.isArray(options.columns) && options.columns.length > 0 && options.columns.every((c) => typeof c === 'string' && c !== ''))) fail('`columns` must be a non-empty array of column names');
  if (options.name !== undefined && (typeof options.name !== 'string' || options.name === '')) fail('`name` must be a non-empty string');
}
