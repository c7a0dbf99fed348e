// A minimal uniform handle over the raw drivers (better-sqlite3, pg, mysql2),
// used by the floor and as Umzug's context. Statements go one at a time
// (never a driver's multi-statement mode).
import { sqlitePath } from './child.mjs';

/** Returns { dialect, query(sql, params?) -> rows, placeholder(i), close() }. */
export async function openDriver(dialect, url) {
  if (dialect === 'sqlite') {
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(sqlitePath(url));
    return {
      dialect,
      raw: db,
      async query(sql, params = []) {
        const stmt = db.prepare(sql);
        return stmt.reader ? stmt.all(params) : (stmt.run(params), []);
      },
      placeholder: () => '?',
      async close() { db.close(); },
    };
  }
  if (dialect === 'postgres') {
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    return {
      dialect,
      raw: client,
      async query(sql, params) { return (await client.query(sql, params)).rows; },
      placeholder: (i) => `$${i}`,
      async close() { await client.end(); },
    };
  }
  if (dialect === 'mysql') {
    const mysql = await import('mysql2/promise');
    const conn = await mysql.createConnection({ uri: url });
    return {
      dialect,
      raw: conn,
      async query(sql, params) { const [rows] = await conn.query(sql, params); return Array.isArray(rows) ? rows : []; },
      placeholder: () => '?',
      async close() { await conn.end(); },
    };
  }
  throw new Error(`unknown dialect ${dialect}`);
}
