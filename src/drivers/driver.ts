/**
 * The Driver port and its parts, as the drivers import them. The core owns them
 * (src/core/ports/, one interface per role); this module re-exports the same names so that a
 * driver's imports stay short. Add a driver capability to the role it belongs to there.
 */
export type {
  AppliedChecksum,
  Capabilities,
  DatabaseInfo,
  DbObject,
  DialectFacts,
  Driver,
  DriverOptions,
  ErrorFacts,
  Executor,
  ForeignKeyGuard,
  IntegrityViolation,
  Introspector,
  Lock,
  LockHolder,
  LockOptions,
  LockStrategy,
  Maintenance,
  Row,
  TableInfo,
  LogSelect,
  LogTableSql,
  TrackingStore,
  Transactor,
} from '../core/ports/index.js';
