/** DriverOptions for tests that open a driver directly: the library's defaults, a fresh run id. */
import { randomUUID } from 'node:crypto';
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
