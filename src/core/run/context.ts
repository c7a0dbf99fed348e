/** What every part of a run shares: its context, the plan's items, and what a finished migration holds. */
import type { Driver } from '../ports/index.js';
import type { EventListener, StrataEvent } from '../events.js';
import type { AppliedMigration, LoadedMigration, Step } from '../model.js';
import type { Redact } from '../redact.js';

export interface RunContext {
  readonly driver: Driver;
  readonly runId: string;
  readonly appliedBy: string;
  /** Migrations folder for `db.execFile`; null for list sources. */
  readonly dir: string | null;
  /** Reads a file `db.execFile` names, as UTF-8: the core opens no file itself. */
  readonly readFile: (path: string) => string;
  readonly signal: AbortSignal | undefined;
  readonly emit: EventListener;
  readonly ddlRetries: number;
  readonly now: () => Date;
  /** Recorded in every log row of the run (e.g. the environment, and whether it is protected). */
  readonly logDetail: Record<string, unknown> | null;
  /** How long one migration may run before it fails; 0 = no limit. */
  readonly migrationTimeoutMs: number;
  /** Removes passwords from every text the run stores (error columns) or reports (errors, `db.log`). */
  readonly redact: Redact;
  /** `up --resume`: each `db.batch` of a resumed migration starts after its checkpoint. */
  readonly resume?: boolean;
}

export interface PlannedMigration {
  readonly migration: LoadedMigration;
  /** The tracking row, for a migration being rolled back. */
  readonly row: AppliedMigration | null;
}

export interface RunOutcome {
  readonly applied: string[];
  readonly rolledBack: string[];
}

export type Direction = 'up' | 'down';

/** A finished migration and the event that says so, held until the commit that records it succeeds. */
export interface Done {
  readonly item: PlannedMigration;
  readonly event: Extract<StrataEvent, { type: 'migration-done' }>;
}

export function stepOf(item: PlannedMigration, direction: Direction): Step {
  return direction === 'up' ? item.migration.up : item.migration.down!;
}
