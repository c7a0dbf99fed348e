/**
 * Tools that keep one row per applied migration, naming it by its file (no checksum):
 * - Knex `knex_migrations(id, name, batch, migration_time)`: `name` is the file name
 *   (`20210101120000_create_users.js`);
 * - node-pg-migrate `pgmigrations(id, name, run_on)` (PostgreSQL): the file name without its
 *   extension (`1591436242612_init`);
 * - Sequelize `SequelizeMeta(name)`: the file name (`20210101120000-create-user.js`);
 * - TypeORM `migrations(id, timestamp, name)`: `name` is the class name
 *   (`CreateUsers1591436242612`) and `timestamp` the digits its file name starts with.
 * The version is the leading digit groups of the name (TypeORM: the timestamp column).
 */
import { ConfigError } from '../../core/errors.js';
import { findTable, type ToolReader, type ToolRow } from '../model.js';
import { byNumber, leadingVersion, text } from '../values.js';

interface Shape {
  /** Columns that make the table this tool's (a home-grown `migrations` table is not TypeORM's). */
  readonly columns: readonly string[];
  readonly order?: string;
  readonly version?: (r: Record<string, unknown>) => string | null;
}

function byName(name: string, title: string, table: string, options: Shape): ToolReader {
  return {
    name,
    title,
    where: () => table,
    history: { ref: { table }, columns: options.columns.map((c) => c.toLowerCase()) },
    async read(ctx) {
      const found = await findTable(ctx, { table });
      if (!found) return null;
      for (const column of options.columns) {
        if (!found.columns.includes(column.toLowerCase())) {
          throw new ConfigError('usage', `${table} has no ${column} column: it is not ${title}'s`, {
            hint: `for a table of your own, run \`strata import table --from-table ${table} --version-column <its version column>\``,
          });
        }
      }
      let rows = await ctx.query(`SELECT * FROM ${found.from}`);
      if (options.order) rows = rows.sort(byNumber(options.order));
      return rows.map((r): ToolRow => {
        const label = text(r.name) ?? '';
        const version = options.version ? options.version(r) : leadingVersion(label);
        return { row: `${table} ${label}`, version, status: 'applied', reason: version === null ? 'its name does not start with a version' : null, checksum: null };
      });
    },
  };
}

export const knex = byName('knex', 'Knex', 'knex_migrations', { columns: ['name', 'batch'], order: 'id' });
export const nodePgMigrate = byName('node-pg-migrate', 'node-pg-migrate', 'pgmigrations', { columns: ['name', 'run_on'], order: 'id' });
export const sequelize = byName('sequelize', 'Sequelize', 'SequelizeMeta', { columns: ['name'] });
export const typeorm = byName('typeorm', 'TypeORM', 'migrations', { columns: ['timestamp', 'name'], order: 'id', version: (r) => text(r.timestamp) });
