/** Driver-level test fixtures: DriverOptions with the library's defaults, tracking and log rows. */
import { randomUUID } from 'node:crypto';
import type { AppliedMigration, LogEntry } from '../../src/core/model.js';
import type { DriverOptions } from '../../src/drivers/driver.js';

export function driverOptions(overrides: Partial<DriverOptions> = {}): DriverOptions {
  return {
    table: 'strata_migrations',
    schema: null,
    lock: 'auto',
    leaseTtlMs: 30_000,
    ddlLockTimeoutMs: 5_000,
    statementTimeoutMs: 0,
    lockTimeoutMs: 60_000,
    userVersion: false,
    runId: `run-${randomUUID().slice(0, 8)}`,
    createDirectory: false,
    ...overrides,
  };
}

/** A tracking row of an applied SQL migration. */
export function applied(version: string, overrides: Partial<AppliedMigration> = {}): AppliedMigration {
  return {
    version,
    name: `create_${version}`,
    description: 'Create things',
    checksum: 'a'.repeat(64),
    kind: 'sql',
    depends: ['000'],
    appliedAt: '2026-01-28T09:30:00.123Z',
    durationMs: 41,
    appliedBy: 'alice@build-host',
    state: 'applied',
    dirtyOperation: null,
    statementsDone: null,
    error: null,
    ...overrides,
  };
}

/** A success log row of an `up`. */
export function logEntry(overrides: Partial<LogEntry> = {}): LogEntry {
  return {
    runId: 'run-1',
    version: '001',
    name: 'create_001',
    operation: 'up',
    status: 'success',
    error: null,
    checksum: 'a'.repeat(64),
    startedAt: '2026-01-28T09:30:01.007Z',
    durationMs: 12,
    appliedBy: 'alice@build-host',
    detail: null,
    ...overrides,
  };
}
