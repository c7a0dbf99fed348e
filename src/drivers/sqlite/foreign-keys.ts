/**
 * Foreign-key enforcement around SQLite migrations (SPEC §2). With `foreign_keys` on, the
 * DROP TABLE of the 12-step table rebuild deletes every row of the table first, so the
 * children of an `ON DELETE CASCADE` key are deleted with it (and a key without a cascade
 * makes the DROP fail), and `PRAGMA foreign_keys` is a no-op inside a transaction, so a
 * migration cannot turn it off itself. strata therefore switches it before the transaction
 * begins, as the sqlite3 shell, Python's and Go's drivers and Django do, and checks with
 * `PRAGMA foreign_key_check` before each migration is recorded.
 */
import type Database from 'better-sqlite3';
import type { IntegrityViolation } from '../driver.js';

/** Rowids named per table in a failure: enough to find the rows, short enough to read. */
const ROWIDS_SHOWN = 5;
/**
 * A superset of the tables that declare a foreign key: every declaration contains the word
 * (`REFERENCES p` or `FOREIGN KEY (…) REFERENCES p`), and `ALTER TABLE … ADD COLUMN`
 * rewrites the stored `sql`. A false match (a column named `references`) only costs checks.
 */
const ANY_FOREIGN_KEY_SQL = `SELECT 1 FROM sqlite_schema WHERE type = 'table' AND sql LIKE '%references%' LIMIT 1`;
const MENTIONS_REFERENCES = /references/i;

export class ForeignKeys {
  /** The connection's own setting before strata first changed it; null until then. */
  private saved: boolean | null = null;
  /**
   * Whether a table may declare a foreign key, as last seen; null = ask the schema. Without
   * one no row can violate a key, so the check is skipped: `foreign_key_check` costs time in
   * proportion to the number of tables, which would make applying N migrations that each
   * create a table quadratic. Forgotten at a BEGIN when another connection committed since
   * the last one (`data_version` moved), and after any statement strata runs that mentions
   * REFERENCES. A rollback can only remove keys, so what was seen before it stays safe.
   */
  private declared: boolean | null = null;
  private dataVersion: number | null = null;

  constructor(private readonly connection: () => Database.Database) {}

  /** Outside a transaction only: SQLite ignores the pragma inside one. */
  set(enforce: boolean): void {
    const db = this.connection();
    if (db.inTransaction) throw new Error('internal: foreign_keys cannot change inside a transaction');
    const current = db.pragma('foreign_keys', { simple: true }) === 1;
    if (this.saved === null) this.saved = current;
    if (current !== enforce) db.pragma(`foreign_keys = ${enforce ? 'ON' : 'OFF'}`);
    // A run starts here: the application may have changed the schema on this very
    // connection since the last one, which data_version does not count.
    this.declared = null;
  }

  /**
   * Puts the connection's own setting back. Inside a transaction (a rollback that failed)
   * it cannot: the saved setting is kept for the next call (close() makes one).
   */
  restore(): void {
    if (this.saved === null) return;
    const db = this.connection();
    if (db.inTransaction) return;
    db.pragma(`foreign_keys = ${this.saved ? 'ON' : 'OFF'}`);
    this.saved = null;
  }

  /** Right after BEGIN. */
  began(): void {
    const version = this.connection().pragma('data_version', { simple: true }) as number;
    if (version !== this.dataVersion) this.declared = null;
    this.dataVersion = version;
  }

  /** Every SQL text strata runs passes here: one that mentions REFERENCES may add a key. */
  saw(sql: string): void {
    if (this.declared === false && MENTIONS_REFERENCES.test(sql)) this.declared = null;
  }

  check(): IntegrityViolation[] {
    const db = this.connection();
    if (this.declared === null) this.declared = db.prepare(ANY_FOREIGN_KEY_SQL).get() !== undefined;
    if (!this.declared) return [];
    // Columns: table, rowid, parent, index of the key. Every row is read to count them; a
    // failure is the rare path.
    const rows = db.prepare('PRAGMA foreign_key_check').raw().iterate() as IterableIterator<[string, number | null, string, number]>;
    const byTable = new Map<string, { table: string; parent: string; rows: number; rowids: (number | null)[] }>();
    for (const [table, rowid, parent] of rows) {
      const key = `${table}\0${parent}`;
      let entry = byTable.get(key);
      if (!entry) byTable.set(key, (entry = { table, parent, rows: 0, rowids: [] }));
      entry.rows++;
      if (entry.rowids.length < ROWIDS_SHOWN) entry.rowids.push(rowid);
    }
    return [...byTable.values()];
  }
}
