/**
 * Foreign keys around migrations (§2), where the driver can switch enforcement: off for every
 * migration unless it asks to keep it on, and rows left pointing nowhere fail the migration
 * before it is recorded.
 */
import type { ForeignKeyGuard, IntegrityViolation } from '../ports/index.js';
import type { LoadedMigration } from '../model.js';
import type { RunContext } from './context.js';

/** Whether `m` runs with foreign keys enforced (`-- foreign-keys: on`, `foreignKeys: true`). */
export function keepsForeignKeys(m: LoadedMigration): boolean {
  return m.meta.foreignKeys === true;
}

/**
 * The connection's enforcement during a run. It can change only between transactions, so a
 * savepoint group ends before a migration that needs the other setting. `enforcing` is null
 * where it is not known: a migration outside a transaction may have switched it itself.
 */
export class ForeignKeySwitch {
  enforcing: boolean | null = null;
  private switched = false;

  constructor(private readonly driver: ForeignKeyGuard) {}

  /** Whether a transaction open with the current setting cannot hold `m` (the group must end first). */
  mustSwitchFor(m: LoadedMigration): boolean {
    return this.driver.setForeignKeys !== undefined && this.enforcing !== keepsForeignKeys(m);
  }

  async enforce(enforce: boolean): Promise<void> {
    if (!this.driver.setForeignKeys || this.enforcing === enforce) return;
    await this.driver.setForeignKeys(enforce);
    this.enforcing = enforce;
    this.switched = true;
  }

  /** A migration ran outside a transaction: its own `PRAGMA foreign_keys` took effect. */
  forget(): void {
    this.enforcing = null;
  }

  /** At the end of a run, success or failure: the connection's own setting again. */
  async restore(): Promise<void> {
    if (!this.switched || !this.driver.restoreForeignKeys) return;
    this.switched = false;
    this.enforcing = null;
    await this.driver.restoreForeignKeys();
  }
}

/** Rows left pointing nowhere fail the migration before it is recorded (§2). */
export class IntegrityFailure extends Error {
  private readonly found: string;

  constructor(violations: readonly IntegrityViolation[]) {
    const found = violations.map(describeViolation).join('; ');
    super(`foreign key check failed: ${found}`);
    this.found = found;
  }

  /**
   * After the migration was rolled back: rows that violate a key without it predate it (a
   * database written with foreign keys off), and the user must fix those, not the file.
   */
  async compareWithBefore(ctx: RunContext): Promise<void> {
    if (!ctx.driver.checkIntegrity || ctx.driver.inTransaction) return;
    const before = await ctx.driver.checkIntegrity();
    if (before.length === 0) return;
    const without = before.map(describeViolation).join('; ');
    this.message += without === this.found ? ' — they were there before this migration ran' : ` — and without this migration: ${without}`;
  }
}

function describeViolation(v: IntegrityViolation): string {
  const ids = v.rowids.map((id) => (id === null ? '?' : String(id))).join(', ');
  return `${v.rows} row${v.rows === 1 ? '' : 's'} of ${v.table} (rowid ${ids}${v.rows > v.rowids.length ? ', …' : ''}) reference${v.rows === 1 ? 's' : ''} no row of ${v.parent}`;
}

export async function checkIntegrity(ctx: RunContext): Promise<void> {
  if (!ctx.driver.checkIntegrity) return;
  const violations = await ctx.driver.checkIntegrity();
  if (violations.length > 0) throw new IntegrityFailure(violations);
}
