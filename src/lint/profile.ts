/**
 * What a driver tells the lint about its database: which rule families apply, facts of the
 * server that change a rule, and where to find the database's own parser. A driver without a
 * profile gets the destructive rules only.
 */
import type { StatementReader } from './actions.js';
import type { LintFamily } from './rules.js';

export interface LintProfile {
  readonly families: readonly LintFamily[];
  /**
   * `ADD COLUMN … FIRST/AFTER` is instant on this server (MySQL ≥ 8.0.29, MariaDB ≥ 10.4), so
   * `add-column-not-at-end` stays silent. Absent = false.
   */
  readonly instantAddColumnAnywhere?: boolean;
  /**
   * Loads the database's own SQL parser (an optional dependency) and returns a reader, or null
   * when it is not installed: the token reader is used then.
   */
  readonly loadReader?: () => Promise<StatementReader | null>;
}

export const DEFAULT_LINT_PROFILE: LintProfile = { families: ['destructive'] };

/** The port a driver implements (one optional member of the Driver interface). */
export interface LintProfileSource {
  lintProfile?(): Promise<LintProfile>;
}
