/**
 * MySQL/MariaDB's schema for `dump`, `test` and `drift`: the server's own SHOW CREATE text of
 * each table, view, sequence, routine, trigger and event of the current database, made stable:
 * no DEFINER (a user of this server), no AUTO_INCREMENT counter or event start time (data and
 * clock, not schema), no database name in views. Foreign keys are taken out of their table
 * into objects of their own, so tables load in any order.
 */
import { ConfigError, messageOf } from '../../core/errors.js';
import { orderSchema, schemaObjectKey, trackingTables, type SchemaObject, type SchemaReader, type SchemaSnapshot } from '../../core/schema.js';
import type { Row } from '../driver.js';
import type { MysqlSession } from './session.js';
import { quoteId } from './tracking.js';

export interface MysqlSchemaSource {
  /** The run's connection; null when the database does not exist. */
  readonly session: () => Promise<MysqlSession | null>;
  readonly table: string;
}

export function mysqlSchemaReader(source: MysqlSchemaSource): SchemaReader {
  return {
    async read(options): Promise<SchemaSnapshot> {
      const session = await source.session();
      if (!session) return { objects: [], preamble: [] };
      const hidden = new Set(options.includeTracking ? [] : trackingTables(source.table).map((name) => name.toLowerCase()));
      const isHidden = (name: unknown) => hidden.has(String(name).toLowerCase());
      const [{ db }] = (await session.rows('SELECT DATABASE() AS db')) as [{ db: string }];
      const show = async (what: string, name: string, column: string): Promise<string> => {
        let text: unknown;
        try {
          text = (await session.rows(`SHOW CREATE ${what} ${quoteId(name)}`))[0]?.[column];
        } catch (error) {
          throw cannotSee(what, name, messageOf(error), error);
        }
        if (typeof text !== 'string') throw cannotSee(what, name, `SHOW CREATE ${what} gave this user no definition`, null);
        return text;
      };
      const objects: SchemaObject[] = [];
      const relations = await session.rows(
        'SELECT TABLE_NAME AS name, TABLE_TYPE AS type FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME',
      );
      const viewNames = relations.filter((r) => r.type === 'VIEW').map((r) => String(r.name));
      for (const relation of relations) {
        const name = String(relation.name);
        if (isHidden(name)) continue;
        if (relation.type === 'BASE TABLE') objects.push(...tableObjects(name, await show('TABLE', name, 'Create Table')));
        else if (relation.type === 'SEQUENCE') objects.push({ type: 'sequence', name, sql: `${await show('SEQUENCE', name, 'Create Table')};` });
        else if (relation.type === 'VIEW') objects.push(viewObject(name, await show('VIEW', name, 'Create View'), db, viewNames));
      }
      for (const row of await session.rows(`SELECT ROUTINE_TYPE AS type, ROUTINE_NAME AS name FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE() AND ROUTINE_TYPE IN ('PROCEDURE', 'FUNCTION')`)) {
        const type = String(row.type);
        objects.push(bodyObject(type.toLowerCase(), String(row.name), withoutDefiner(await show(type, String(row.name), `Create ${type === 'PROCEDURE' ? 'Procedure' : 'Function'}`))));
      }
      for (const row of await session.rows('SELECT TRIGGER_NAME AS name, EVENT_OBJECT_TABLE AS tbl FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()')) {
        if (isHidden(row.tbl)) continue;
        const sql = withoutDefiner(await show('TRIGGER', String(row.name), 'SQL Original Statement'));
        objects.push({ ...bodyObject('trigger', String(row.name), sql), table: String(row.tbl) });
      }
      for (const row of await eventRows(session)) {
        const sql = withoutDefiner(await show('EVENT', String(row.name), 'Create Event')).replace(/ STARTS '[^']*'/, '');
        objects.push(bodyObject('event', String(row.name), sql));
      }
      return { objects: orderSchema(objects), preamble: [] };
    },
  };
}

const cannotSee = (what: string, name: string, reason: string, cause: unknown): ConfigError =>
  new ConfigError('config', `cannot dump ${what.toLowerCase()} ${name}: ${reason}`, {
    hint: 'dump as a user that may see every definition (SHOW VIEW, TRIGGER and EVENT on the database, and the routines\' owner or SELECT on mysql.proc)',
  }, { cause });

/** information_schema.EVENTS: absent on engines without an event scheduler (TiDB): no events. */
async function eventRows(session: MysqlSession): Promise<Row[]> {
  try {
    return await session.rows('SELECT EVENT_NAME AS name FROM information_schema.EVENTS WHERE EVENT_SCHEMA = DATABASE()');
  } catch {
    return [];
  }
}

const DEFINER = / DEFINER=(?:`(?:[^`]|``)*`|'(?:[^']|'')*'|[^\s@]+)@(?:`(?:[^`]|``)*`|'(?:[^']|'')*'|\S+)/;

const withoutDefiner = (sql: string): string => sql.replace(DEFINER, '');

/** A foreign key line of SHOW CREATE TABLE: `  CONSTRAINT `name` FOREIGN KEY (…) REFERENCES …`. */
const FOREIGN_KEY_LINE = /^ {2}CONSTRAINT (`(?:[^`]|``)*`) FOREIGN KEY .*$/;

/** The table without its foreign keys and AUTO_INCREMENT counter, and each foreign key as `ALTER TABLE … ADD`. */
function tableObjects(name: string, create: string): SchemaObject[] {
  const lines = create.replace(/ AUTO_INCREMENT=\d+/, '').split('\n');
  const kept: string[] = [];
  const keys: SchemaObject[] = [];
  for (const line of lines) {
    const fk = FOREIGN_KEY_LINE.exec(line);
    if (!fk) {
      kept.push(line);
      continue;
    }
    const definition = line.trim().replace(/,$/, '');
    keys.push({ type: 'constraint', name: `${name}.${fk[1]!.slice(1, -1).replace(/``/g, '`')}`, sql: `ALTER TABLE ${quoteId(name)} ADD ${definition};`, table: name });
  }
  // The line before the closing `)` must not end with a comma now that the keys are gone.
  const close = kept.findIndex((line) => line.startsWith(')'));
  if (close > 0) kept[close - 1] = kept[close - 1]!.replace(/,$/, '');
  return [{ type: 'table', name, sql: `${kept.join('\n')};` }, ...keys];
}

/**
 * ALGORITHM=UNDEFINED and SQL SECURITY DEFINER are the defaults; MySQL writes the database's
 * name before every column (`db`.`t`.`c`): all three go. A view needs the views it names first.
 */
function viewObject(name: string, create: string, database: string, views: readonly string[]): SchemaObject {
  const sql = withoutDefiner(create)
    .replace(/^CREATE ALGORITHM=UNDEFINED /, 'CREATE ')
    .replace(/^(CREATE (?:ALGORITHM=\w+ )?)SQL SECURITY DEFINER /, '$1')
    .split(`${quoteId(database)}.`)
    .join('');
  const body = sql.slice(sql.indexOf(' AS ') + 4);
  const dependsOn = views.filter((other) => other !== name && body.includes(quoteId(other))).map((other) => schemaObjectKey('view', other));
  return { type: 'view', name, sql: `${sql};`, dependsOn };
}

/** Routines, triggers and events hold `;` in their bodies: a script writes them between DELIMITER lines. */
function bodyObject(type: string, name: string, sql: string): SchemaObject {
  const text = sql.trimEnd();
  return { type, name, sql: `${text};`, script: `DELIMITER ;;\n${text};;\nDELIMITER ;` };
}
