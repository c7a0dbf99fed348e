/**
 * The driver for a URL whose database does not exist (3D000). Read-only commands see nothing
 * applied (§5: "a missing database or tracking table means nothing is applied"); anything
 * that would change the database, or must ask the server, fails with the connection error
 * that names the database and says to create it — strata never creates a database.
 */
import type { ConnectionError } from '../../core/errors.js';
import type { AppliedMigration, LogRow } from '../../core/model.js';
import type { DatabaseInfo, DbObject, Driver, ErrorFacts, LockHolder, LockStrategy, Row } from '../driver.js';
import { capabilitiesOf } from './engine.js';
import { quoteIdent } from './introspect.js';
import { POSTGRES_SYNTAX } from './syntax.js';
import type { SchemaReader } from '../../core/schema.js';

export class MissingDatabaseDriver implements Driver {
  readonly dialect = 'postgres' as const;
  readonly syntax = POSTGRES_SYNTAX;
  readonly findLockHolder = 'find it in pg_stat_activity (pg_blocking_pids names it)';

  quoteIdentifier(name: string): string {
    return quoteIdent(name);
  }
  readonly capabilities = capabilitiesOf('postgresql');
  readonly inTransaction = false;

  constructor(
    readonly displayName: string,
    private readonly error: ConnectionError,
  ) {}

  private fail(): Promise<never> {
    return Promise.reject(this.error);
  }

  describe(): Promise<{ engine: string; lock: LockStrategy; serverVersion: string }> {
    return this.fail();
  }
  info(): Promise<DatabaseInfo> {
    return this.fail();
  }

  // Reads: nothing is there.
  async readApplied(): Promise<AppliedMigration[] | null> {
    return null;
  }
  async readLog(): Promise<LogRow[]> {
    return [];
  }
  async readProtected(): Promise<boolean> {
    return false;
  }
  async probeLock(): Promise<LockHolder | null> {
    return null;
  }
  /** Nothing is there: an empty schema. */
  schemaReader(): SchemaReader {
    return { read: async () => ({ objects: [], preamble: [] }) };
  }
  async tableExists(): Promise<boolean> {
    return false;
  }
  async columnExists(): Promise<boolean> {
    return false;
  }
  async indexExists(): Promise<boolean> {
    return false;
  }
  async listObjects(): Promise<DbObject[]> {
    return [];
  }

  // Changes: the database must exist first.
  acquireLock(): Promise<void> {
    return this.fail();
  }
  async releaseLock(): Promise<void> {}
  assertLockHeld(): void {}
  ensureTracking(): Promise<void> {
    return this.fail();
  }
  writeApplied(): Promise<void> {
    return this.fail();
  }
  writeProgress(): Promise<void> {
    return this.fail();
  }
  deleteApplied(): Promise<void> {
    return this.fail();
  }
  deleteAllApplied(): Promise<void> {
    return this.fail();
  }
  appendLog(): Promise<void> {
    return this.fail();
  }
  dropObjects(): Promise<void> {
    return this.fail();
  }
  begin(): Promise<void> {
    return this.fail();
  }
  commit(): Promise<void> {
    return this.fail();
  }
  rollback(): Promise<void> {
    return this.fail();
  }
  savepoint(): Promise<void> {
    return this.fail();
  }
  releaseSavepoint(): Promise<void> {
    return this.fail();
  }
  rollbackToSavepoint(): Promise<void> {
    return this.fail();
  }
  execute(): Promise<void> {
    return this.fail();
  }
  query(): Promise<Row[]> {
    return this.fail();
  }
  run(): Promise<{ changes: number }> {
    return this.fail();
  }

  errorFacts(): ErrorFacts {
    return { lockTimeout: false, noEffect: false, cancelled: false };
  }
  async cancel(): Promise<void> {}
  async close(): Promise<void> {}
}
