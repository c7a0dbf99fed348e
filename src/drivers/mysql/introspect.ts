/**
 * What code migrations, `info` and `reset` see of a MySQL/MariaDB database, from
 * information_schema. Lookups use DATABASE(): the migration's schema is the connection's
 * current database.
 */
import { ConfigError } from '../../core/errors.js';
import type { DatabaseInfo, DbObject } from '../driver.js';
import type { MysqlSession } from './session.js';
import { quoteId } from './tracking.js';

export async function tableExists(session: MysqlSession, table: string): Promise<boolean> {
  const rows = await session.rows(
    'SELECT 1 AS found FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? LIMIT 1',
    [table],
  );
  return rows.length > 0;
}

export async function columnExists(session: MysqlSession, table: string, column: string): Promise<boolean> {
  const rows = await session.rows(
    'SELECT 1 AS found FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND COLUMN_NAME = ? LIMIT 1',
    [table, column],
  );
  return rows.length > 0;
}

/** Index names are per table in MySQL: true when any table of the database has one so named. */
export async function indexExists(session: MysqlSession, index: string): Promise<boolean> {
  const rows = await session.rows(
    'SELECT 1 AS found FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND INDEX_NAME = ? LIMIT 1',
    [index],
  );
  return rows.length > 0;
}

/**
 * Sizes and row counts are the catalog's estimates (InnoDB samples them; MySQL 8 caches
 * them for `information_schema_stats_expiry`), hence `estimated: true`.
 */
export async function mysqlInfo(session: MysqlSession, engine: string, serverVersion: string): Promise<DatabaseInfo> {
  const rows = await session.rows(
    `SELECT TABLE_NAME AS name, TABLE_TYPE AS type, TABLE_ROWS AS table_rows, DATA_LENGTH AS data_length, INDEX_LENGTH AS index_length
     FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME`,
  );
  let size = 0;
  const tables = [];
  for (const row of rows) {
    size += Number(row.data_length ?? 0) + Number(row.index_length ?? 0);
    if (row.type === 'VIEW') continue;
    tables.push({ name: String(row.name), rows: Number(row.table_rows ?? 0), estimated: true });
  }
  return { engine, serverVersion, sizeBytes: size, tables };
}

const DROP_ORDER = ['event', 'trigger', 'procedure', 'function', 'view', 'table', 'sequence'] as const;
type ObjectType = (typeof DROP_ORDER)[number];

/**
 * Every object `reset` drops, in an order that can be dropped: events, triggers and routines
 * first (they name tables), then views, then tables (foreign keys are switched off for the
 * drop). `exclude` are strata's own tables. Temporary tables belong to a session and are
 * left alone.
 */
export async function listMysqlObjects(session: MysqlSession, exclude: ReadonlySet<string>): Promise<DbObject[]> {
  const found: { type: ObjectType; name: string }[] = [];
  const events = await session.rows('SELECT EVENT_NAME AS name FROM information_schema.EVENTS WHERE EVENT_SCHEMA = DATABASE()');
  for (const row of events) found.push({ type: 'event', name: String(row.name) });
  const triggers = await session.rows('SELECT TRIGGER_NAME AS name FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()');
  for (const row of triggers) found.push({ type: 'trigger', name: String(row.name) });
  const routines = await session.rows(
    `SELECT ROUTINE_TYPE AS type, ROUTINE_NAME AS name FROM information_schema.ROUTINES
     WHERE ROUTINE_SCHEMA = DATABASE() AND ROUTINE_TYPE IN ('PROCEDURE', 'FUNCTION')`,
  );
  for (const row of routines) found.push({ type: String(row.type).toLowerCase() as ObjectType, name: String(row.name) });
  const tables = await session.rows('SELECT TABLE_TYPE AS type, TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()');
  for (const row of tables) {
    const name = String(row.name);
    const type = String(row.type);
    if (type === 'TEMPORARY' || exclude.has(name.toLowerCase())) continue;
    found.push({ type: type === 'VIEW' ? 'view' : type === 'SEQUENCE' ? 'sequence' : 'table', name });
  }
  return found.sort((a, b) => DROP_ORDER.indexOf(a.type) - DROP_ORDER.indexOf(b.type) || a.name.localeCompare(b.name));
}

/** Drops `objects` with FOREIGN_KEY_CHECKS off, put back as it was afterwards. */
export async function dropMysqlObjects(session: MysqlSession, database: string, objects: readonly DbObject[]): Promise<void> {
  const statements = objects.map((object) => {
    if (!(DROP_ORDER as readonly string[]).includes(object.type)) {
      throw new ConfigError('usage', `cannot drop ${object.type} ${object.name}: not a MySQL object type strata knows`);
    }
    return `DROP ${object.type.toUpperCase()} IF EXISTS ${quoteId(database)}.${quoteId(object.name)}`;
  });
  const [row] = await session.rows('SELECT @@SESSION.foreign_key_checks AS checks');
  const previous = Number(row?.checks ?? 1) === 0 ? 0 : 1;
  await session.exec('SET SESSION foreign_key_checks = 0');
  try {
    for (const statement of statements) await session.exec(statement);
  } catch (error) {
    // The drop's error is the one to report; the connection may be unusable by now.
    await session.exec(`SET SESSION foreign_key_checks = ${previous}`).catch(() => undefined);
    throw error;
  }
  await session.exec(`SET SESSION foreign_key_checks = ${previous}`);
}
