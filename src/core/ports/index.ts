/** The core's ports: what it asks of a database, one interface per role (see driver.ts). */
export type { Capabilities, DialectFacts, ErrorFacts, Introspector } from './dialect.js';
export type { Driver, DriverOptions } from './driver.js';
export type { Executor, Row } from './executor.js';
export type { Lock, LockHolder, LockOptions, LockStrategy } from './lock.js';
export type { DatabaseInfo, DbObject, Maintenance, TableInfo } from './maintenance.js';
export type { AppliedChecksum, LogSelect, LogTableSql, TrackingStore } from './tracking.js';
export type { ForeignKeyGuard, IntegrityViolation, Transactor } from './transactor.js';
export type { FoundTable, HistoryTables, TableRef } from './history-tables.js';
