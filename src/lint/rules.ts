/**
 * The lint rules of SPEC §11, as a table: each rule's code, the family that turns it on (a
 * driver's lint profile lists the families that apply to its database), what it risks and
 * the safer way. docs/lint.md shows the same table to users.
 */

/**
 * Rule families. A driver says which apply to its database (src/drivers/<dialect>/lint.ts);
 * nothing outside src/drivers asks which database it is.
 */
export type LintFamily =
  /** Statements that lose data or break the running application: every database. */
  | 'destructive'
  /** Statements that hold ACCESS EXCLUSIVE (or SHARE) locks while they scan or rewrite a table (PostgreSQL). */
  | 'lock-heavy-ddl'
  /** ALTER TABLE that copies the table unless an online algorithm is asked for (MySQL, MariaDB). */
  | 'online-alter'
  /** ALTER TABLE that supports only a few changes; the rest need a table rebuild (SQLite). */
  | 'limited-alter';

export interface LintRule {
  readonly code: string;
  readonly family: LintFamily;
  /** `error`: the statement cannot run as written; validate exits 3. */
  readonly severity: 'warning' | 'error';
  readonly risk: string;
  readonly safer: string;
}

const BREAKS_APP = 'the release still running during the deploy uses it and breaks';

export const LINT_RULES: readonly LintRule[] = [
  { code: 'drop-table', family: 'destructive', severity: 'warning', risk: `every row is lost and ${BREAKS_APP}`, safer: 'stop using the table in a release first, back it up, drop it in a later migration' },
  { code: 'drop-column', family: 'destructive', severity: 'warning', risk: `the column's data is lost and ${BREAKS_APP}`, safer: 'stop reading and writing the column in a release first (expand/contract), then drop it in a later migration' },
  { code: 'truncate', family: 'destructive', severity: 'warning', risk: 'every row is lost', safer: 'make sure this is meant for every environment; DELETE … WHERE for a part' },
  { code: 'delete-without-where', family: 'destructive', severity: 'warning', risk: 'every row is deleted', safer: 'add a WHERE clause, or allow it if every row is meant' },
  { code: 'update-without-where', family: 'destructive', severity: 'warning', risk: 'every row is changed (and locked, one long transaction)', safer: 'add a WHERE clause; backfill large tables in batches (db.batch)' },
  { code: 'rename', family: 'destructive', severity: 'warning', risk: `${BREAKS_APP} (it still uses the old name)`, safer: 'add the new name, copy and write both, switch readers, drop the old one later (or a view with the old name)' },
  { code: 'index-not-concurrently', family: 'lock-heavy-ddl', severity: 'warning', risk: 'CREATE INDEX blocks every write to the table while it builds', safer: 'CREATE INDEX CONCURRENTLY in a migration of its own with "-- transaction: off"' },
  { code: 'add-column-volatile-default', family: 'lock-heavy-ddl', severity: 'warning', risk: 'a volatile default rewrites the whole table under an ACCESS EXCLUSIVE lock (reads and writes wait)', safer: 'add the column without a default (or a constant one), set the default, backfill in batches' },
  { code: 'alter-column-type', family: 'lock-heavy-ddl', severity: 'warning', risk: 'changing a type rewrites the table and its indexes under an ACCESS EXCLUSIVE lock (unless binary-compatible, like widening a varchar)', safer: 'add a new column, backfill in batches, switch the application, drop the old column' },
  { code: 'set-not-null', family: 'lock-heavy-ddl', severity: 'warning', risk: 'SET NOT NULL scans the whole table under an ACCESS EXCLUSIVE lock', safer: 'ADD CONSTRAINT … CHECK (c IS NOT NULL) NOT VALID, then VALIDATE CONSTRAINT, then SET NOT NULL (PostgreSQL 12+ skips the scan)' },
  { code: 'add-foreign-key-validated', family: 'lock-heavy-ddl', severity: 'warning', risk: 'a validated foreign key scans the table while blocking writes to it and to the referenced table', safer: 'ADD CONSTRAINT … NOT VALID, then VALIDATE CONSTRAINT in a later statement or migration' },
  { code: 'add-check-validated', family: 'lock-heavy-ddl', severity: 'warning', risk: 'a validated CHECK scans the whole table under an ACCESS EXCLUSIVE lock', safer: 'ADD CONSTRAINT … NOT VALID, then VALIDATE CONSTRAINT in a later statement or migration' },
  { code: 'add-unique-constraint', family: 'lock-heavy-ddl', severity: 'warning', risk: 'a UNIQUE or PRIMARY KEY constraint builds its index under an ACCESS EXCLUSIVE lock', safer: 'CREATE UNIQUE INDEX CONCURRENTLY first (transaction: off), then ADD CONSTRAINT … UNIQUE USING INDEX' },
  { code: 'concurrently-in-transaction', family: 'lock-heavy-ddl', severity: 'error', risk: 'PostgreSQL refuses CONCURRENTLY inside a transaction block: the migration cannot run', safer: 'put it in a migration of its own with "-- transaction: off"' },
  { code: 'vacuum-full', family: 'lock-heavy-ddl', severity: 'warning', risk: 'VACUUM FULL rewrites the table under an ACCESS EXCLUSIVE lock', safer: 'plain VACUUM, or pg_repack outside the migration' },
  { code: 'cluster', family: 'lock-heavy-ddl', severity: 'warning', risk: 'CLUSTER rewrites the table under an ACCESS EXCLUSIVE lock', safer: 'pg_repack outside the migration' },
  { code: 'alter-without-algorithm', family: 'online-alter', severity: 'warning', risk: 'advisory: on a large table, an ALTER the server chooses to copy blocks writes for the whole copy', safer: 'say ALGORITHM=INSTANT (or INPLACE, LOCK=NONE) so the server refuses instead of copying' },
  { code: 'add-column-not-at-end', family: 'online-alter', severity: 'warning', risk: 'before MySQL 8.0.29 (MariaDB 10.4), ADD COLUMN … FIRST/AFTER is not instant: the table is rebuilt', safer: 'add the column at the end' },
  { code: 'alter-needs-rebuild', family: 'limited-alter', severity: 'warning', risk: "SQLite's ALTER TABLE cannot do this: the migration fails", safer: 'rebuild the table: db.recreateTable in a code migration (or the 12-step copy: create, copy, drop, rename)' },
];

export const RULES_BY_CODE: ReadonlyMap<string, LintRule> = new Map(LINT_RULES.map((rule) => [rule.code, rule]));
