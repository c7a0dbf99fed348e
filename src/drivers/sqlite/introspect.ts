/** What `info` and `reset` see in a SQLite database. */
import type Database from 'better-sqlite3';
import type { DatabaseInfo, DbObject } from '../driver.js';

export function sqliteInfo(db: Database.Database): DatabaseInfo {
  const version = (db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
  const pageCount = db.pragma('page_count', { simple: true }) as number;
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  const names = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`).all() as { name: string }[];
  const tables = names.map(({ name }) => {
    const { n } = db.prepare(`SELECT count(*) AS n FROM "${name.replace(/"/g, '""')}"`).get() as { n: number };
    return { name, rows: n, estimated: false };
  });
  return { engine: 'sqlite', serverVersion: version, sizeBytes: pageCount * pageSize, tables };
}

/** Every non-`sqlite_` object, triggers and views before the tables they use. */
export function listSqliteObjects(db: Database.Database): DbObject[] {
  const rows = db
    .prepare(`SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' AND type IN ('trigger', 'view', 'table', 'index') AND sql IS NOT NULL`)
    .all() as { type: string; name: string }[];
  const rank: Record<string, number> = { trigger: 0, view: 1, index: 2, table: 3 };
  return rows.sort((a, b) => rank[a.type]! - rank[b.type]! || a.name.localeCompare(b.name));
}
