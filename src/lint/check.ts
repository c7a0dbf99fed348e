/**
 * Applies the rules to one migration's statement facts, given what the migrations before it
 * (in canonical order) did: which tables do not exist yet in the database when it runs — those
 * it creates itself and, for a pending migration, those the pending migrations before it in the
 * same run create (a lock on an empty table nobody uses yet is harmless) — and which
 * `CHECK (c IS NOT NULL)` constraints were validated (they make a later SET NOT NULL skip its
 * scan). A table no migration creates is taken to exist.
 */
import type { Action, StatementFacts } from './actions.js';
import type { LintProfile } from './profile.js';

export interface Finding {
  readonly code: string;
  /** What the statement does, e.g. `CREATE INDEX on orders without CONCURRENTLY`. */
  readonly what: string;
}

/** What the migrations read so far tell about the schema. Fed every migration, linted or not. */
export class SchemaHistory {
  /** Tables created by the migration being read (reset by `startMigration`). */
  private createdHere = new Set<string>();
  /** Tables created by the pending migrations read so far: they do not exist before this run. */
  private readonly createdThisRun = new Set<string>();
  private pending = false;
  /** Tables dropped (or renamed away) and not created again: renaming another table to one restores the name. */
  private readonly gone = new Set<string>();
  /** Tables some migration read so far created. */
  private readonly known = new Set<string>();
  /** NOT VALID `CHECK (c IS NOT NULL)` constraints by name → `table.column`. */
  private readonly unvalidatedNotNull = new Map<string, string>();
  private readonly validatedNotNull = new Set<string>();

  /** `pending`: the migration is not applied, so it runs after the pending ones before it. */
  startMigration(pending: boolean): void {
    if (this.pending) for (const table of this.createdHere) this.createdThisRun.add(table);
    this.createdHere = new Set();
    this.pending = pending;
  }

  /** The table does not exist before this migration runs (so locking it blocks nobody). */
  isNew(table: string | null): boolean {
    return table !== null && (this.createdHere.has(table) || (this.pending && this.createdThisRun.has(table)));
  }

  /** The table is created by this very migration (so what it deletes, this migration wrote). */
  isCreatedHere(table: string | null): boolean {
    return table !== null && this.createdHere.has(table);
  }

  /** `DROP TABLE IF EXISTS` of a table no migration before created: a guard (schema dumps start so), not a drop. */
  isGuardDrop(action: Action): boolean {
    return action.type === 'drop-table' && action.ifExists && !this.known.has(action.table);
  }

  /** A table takes the name of one dropped before it (the last step of a table rebuild). */
  restoresName(action: Action): boolean {
    return action.type === 'rename-table' && this.gone.has(action.to);
  }

  hasValidatedNotNull(table: string, column: string): boolean {
    return this.validatedNotNull.has(`${table}.${column.toLowerCase()}`);
  }

  observe(action: Action): void {
    switch (action.type) {
      case 'create-table':
        this.createdHere.add(action.table);
        this.known.add(action.table);
        this.gone.delete(action.table);
        break;
      case 'drop-table':
        this.gone.add(action.table);
        this.createdHere.delete(action.table);
        this.createdThisRun.delete(action.table);
        break;
      case 'rename-table':
        if (this.isNew(action.table)) this.createdHere.add(action.to);
        this.known.add(action.to);
        this.gone.delete(action.to);
        this.gone.add(action.table);
        this.createdHere.delete(action.table);
        this.createdThisRun.delete(action.table);
        break;
      case 'add-constraint': {
        if (action.notNullColumn === null) break;
        const column = `${action.table}.${action.notNullColumn.toLowerCase()}`;
        if (!action.notValid) this.validatedNotNull.add(column);
        else if (action.name !== null) this.unvalidatedNotNull.set(action.name, column);
        break;
      }
      case 'validate-constraint': {
        const column = this.unvalidatedNotNull.get(action.name);
        if (column !== undefined) this.validatedNotNull.add(column);
        break;
      }
    }
  }
}

export interface CheckOptions {
  readonly profile: LintProfile;
  /** The migration runs inside a transaction that can hold DDL. */
  readonly inTransaction: boolean;
  /** A later statement (here or in a later migration) renames another table to this name: a drop that is a rebuild's step. */
  readonly renamedIntoLater?: (table: string) => boolean;
}

/** Every finding of one statement; the history is updated with its actions afterwards. */
export function checkStatement(facts: StatementFacts, history: SchemaHistory, options: CheckOptions): Finding[] {
  const families = new Set(options.profile.families);
  const findings: Finding[] = [];
  if (families.has('lock-heavy-ddl') && facts.concurrently && options.inTransaction) {
    findings.push({ code: 'concurrently-in-transaction', what: 'a CONCURRENTLY statement in a migration that runs in a transaction' });
  }
  const alter = facts.alterTable;
  if (alter !== null && families.has('limited-alter') && (alter.beyondSqlite.length > 0 || alter.subcommands > 1)) {
    const what = alter.beyondSqlite.length > 0 ? alter.beyondSqlite.join(', ') : `${alter.subcommands} changes in one statement`;
    findings.push({ code: 'alter-needs-rebuild', what: `ALTER TABLE ${alter.table}: ${what}` });
  }
  if (alter !== null && families.has('online-alter') && alter.algorithm === null && !alter.renameOnly && !history.isNew(alter.table) && alter.subcommands > 0) {
    findings.push({ code: 'alter-without-algorithm', what: `ALTER TABLE ${alter.table} without ALGORITHM=` });
  }
  for (const action of facts.actions) {
    const table = 'table' in action ? action.table : null;
    // Data rules skip tables this migration created; lock and rename rules also those the
    // pending migrations before it create (empty, and unknown to the running application).
    const rebuildStep = action.type === 'drop-table' && options.renamedIntoLater?.(action.table) === true;
    if (families.has('destructive') && !history.isCreatedHere(table) && !history.isGuardDrop(action) && !rebuildStep) {
      const finding = destructive(action);
      if (finding !== null && (finding.code !== 'rename' || (!history.isNew(table) && !history.restoresName(action)))) findings.push(finding);
    }
    if (!history.isNew(table)) {
      if (families.has('lock-heavy-ddl')) pushFinding(findings, lockHeavy(action, history));
      if (families.has('online-alter') && action.type === 'add-column' && action.notAtEnd && options.profile.instantAddColumnAnywhere !== true) {
        findings.push({ code: 'add-column-not-at-end', what: `ALTER TABLE ${action.table} ADD COLUMN ${action.column} FIRST/AFTER` });
      }
    }
  }
  for (const action of facts.actions) history.observe(action);
  return findings;
}

function pushFinding(findings: Finding[], finding: Finding | null): void {
  if (finding !== null) findings.push(finding);
}

function destructive(action: Action): Finding | null {
  switch (action.type) {
    case 'drop-table':
      return { code: 'drop-table', what: `DROP TABLE ${action.table}` };
    case 'drop-column':
      return { code: 'drop-column', what: `ALTER TABLE ${action.table} DROP COLUMN ${action.column}` };
    case 'truncate':
      return { code: 'truncate', what: `TRUNCATE ${action.table}` };
    case 'delete':
      return action.where ? null : { code: 'delete-without-where', what: `DELETE from ${action.table ?? 'a table'} without WHERE` };
    case 'update':
      return action.where ? null : { code: 'update-without-where', what: `UPDATE of ${action.table ?? 'a table'} without WHERE` };
    case 'rename-table':
      return { code: 'rename', what: `renames table ${action.table} to ${action.to}` };
    case 'rename-column':
      return { code: 'rename', what: `renames column ${action.table}.${action.column} to ${action.to}` };
    default:
      return null;
  }
}

function lockHeavy(action: Action, history: SchemaHistory): Finding | null {
  switch (action.type) {
    case 'create-index':
      return action.concurrently ? null : { code: 'index-not-concurrently', what: `CREATE INDEX${action.index ? ` ${action.index}` : ''} on ${action.table} without CONCURRENTLY` };
    case 'add-column':
      return action.default === 'volatile' ? { code: 'add-column-volatile-default', what: `ALTER TABLE ${action.table} ADD COLUMN ${action.column} with ${action.volatileBy}` } : null;
    case 'alter-column-type':
      return { code: 'alter-column-type', what: `ALTER TABLE ${action.table} ALTER COLUMN ${action.column} TYPE` };
    case 'set-not-null':
      if (history.hasValidatedNotNull(action.table, action.column)) return null;
      return { code: 'set-not-null', what: `ALTER TABLE ${action.table} ALTER COLUMN ${action.column} SET NOT NULL with no validated CHECK (${action.column} IS NOT NULL) before it` };
    case 'add-constraint':
      if (action.kind === 'foreign-key' && !action.notValid) return { code: 'add-foreign-key-validated', what: `ALTER TABLE ${action.table} ADD${named(action.name)} FOREIGN KEY without NOT VALID` };
      if (action.kind === 'check' && !action.notValid) return { code: 'add-check-validated', what: `ALTER TABLE ${action.table} ADD${named(action.name)} CHECK without NOT VALID` };
      if ((action.kind === 'unique' || action.kind === 'primary-key') && action.usingIndex === null) {
        return { code: 'add-unique-constraint', what: `ALTER TABLE ${action.table} ADD${named(action.name)} ${action.kind === 'unique' ? 'UNIQUE' : 'PRIMARY KEY'} without USING INDEX` };
      }
      return null;
    case 'vacuum-full':
      return { code: 'vacuum-full', what: 'VACUUM FULL' };
    case 'cluster':
      return { code: 'cluster', what: `CLUSTER${action.table ? ` ${action.table}` : ''}` };
    default:
      return null;
  }
}

function named(name: string | null): string {
  return name === null ? '' : ` CONSTRAINT ${name}`;
}
