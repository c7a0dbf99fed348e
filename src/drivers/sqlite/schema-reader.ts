/**
 * SQLite's schema for `dump`, `test` and `drift`: sqlite_schema keeps the text of every
 * CREATE statement as it was written (ALTER TABLE edits it in place), so that text, with its
 * line ends and trailing spaces normalised, is the object's SQL. SQLite records no
 * dependencies; none are needed: views are not checked until used, foreign keys not until
 * rows are written, and triggers come after the tables and views they are on.
 */
import type Database from 'better-sqlite3';
import { orderSchema, schemaObjectKey, trackingTables, type SchemaObject, type SchemaReader, type SchemaSnapshot } from '../../core/schema.js';

/** Objects SQLite makes itself: its own tables and a virtual table's shadow tables (made again by their CREATE VIRTUAL TABLE). */
const SHADOW_TABLES = `SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'shadow'`;

export function sqliteSchemaReader(open: () => Database.Database | null, table: string): SchemaReader {
  return {
    async read(options): Promise<SchemaSnapshot> {
      const db = open();
      if (!db) return { objects: [], preamble: [] };
      const hidden = new Set(options.includeTracking ? [] : trackingTables(table));
      for (const row of db.prepare(SHADOW_TABLES).all() as { name: string }[]) hidden.add(row.name);
      const rows = db
        .prepare(`SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'`)
        .all() as { type: string; name: string; tbl_name: string; sql: string }[];
      const objects: SchemaObject[] = [];
      for (const row of rows) {
        if (hidden.has(row.name) || hidden.has(row.tbl_name)) continue;
        const onTable = row.type === 'index' || row.type === 'trigger';
        objects.push({
          type: row.type,
          name: row.name,
          sql: normaliseStatement(row.sql),
          table: onTable && row.tbl_name !== row.name ? row.tbl_name : null,
          // A trigger may be on a view (INSTEAD OF): it comes after the view too.
          dependsOn: row.type === 'trigger' ? [schemaObjectKey('view', row.tbl_name)] : [],
        });
      }
      return { objects: orderSchema(objects), preamble: [] };
    },
  };
}

/** CRLF/CR as LF, no trailing spaces on a line, and one `;` at the end. */
export function normaliseStatement(sql: string): string {
  const text = sql.replace(/\r\n?/g, '\n').replace(/[ \t]+$/gm, '').trim();
  return text.endsWith(';') ? text : `${text};`;
}
