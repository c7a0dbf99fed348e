/** Progress reported to the library's `onEvent` (the CLI renders these). */
export type StrataEvent =
  | { readonly type: 'lock-wait'; readonly holder: string | null }
  /** The database is not accepting connections yet (`wait`): attempt n failed, another follows. */
  | { readonly type: 'database-wait'; readonly attempt: number; readonly error: string; readonly timeoutMs: number }
  | { readonly type: 'lock-acquired'; readonly waitedMs: number }
  | { readonly type: 'run-start'; readonly direction: 'up' | 'down'; readonly total: number }
  | { readonly type: 'migration-start'; readonly direction: 'up' | 'down'; readonly version: string; readonly name: string; readonly index: number; readonly total: number }
  | { readonly type: 'migration-done'; readonly direction: 'up' | 'down'; readonly version: string; readonly name: string; readonly durationMs: number; readonly index: number; readonly total: number }
  | { readonly type: 'migration-failed'; readonly direction: 'up' | 'down'; readonly version: string; readonly name: string; readonly error: string }
  | { readonly type: 'ddl-retry'; readonly version: string; readonly attempt: number; readonly table: string | null }
  | { readonly type: 'log'; readonly version: string; readonly message: string }
  /** Advice about the run that is not a failure (e.g. a home-grown history table strata did not refuse over). */
  | { readonly type: 'note'; readonly message: string }
  /** A batch of `db.batch` finished (committed, outside a transaction): `total` is an estimate, or null. */
  | { readonly type: 'batch-progress'; readonly version: string; readonly name: string; readonly batch: number; readonly done: number; readonly total: number | null; readonly totalEstimated: true; readonly rowsPerSecond: number; readonly etaMs: number | null }
  /** A backup or restore copying: `fraction` 0…1 where the copy can tell, else null. */
  | { readonly type: 'backup-progress'; readonly operation: 'backup' | 'restore'; readonly file: string; readonly fraction: number | null; readonly elapsedMs: number }
  | { readonly type: 'backup-done'; readonly operation: 'backup' | 'restore'; readonly file: string; readonly sizeBytes: number; readonly durationMs: number };

export type EventListener = (event: StrataEvent) => void;
