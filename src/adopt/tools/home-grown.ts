/**
 * The shapes teams write themselves: `table` — any table with a column of applied versions
 * (`schema_migrations(migration_id)`, `migrations(version)`, `schema_versions(version)`,
 * `_migrations(version)`) — and `user-version`, SQLite's `PRAGMA user_version` = N: the first
 * N migrations in canonical order are applied.
 */
import { ConfigError } from '../../core/errors.js';
import { findTable, type ToolReader, type ToolRow } from '../model.js';
import { leadingVersion, PLAIN_NAME, text } from '../values.js';

export const table: ToolReader = {
  name: 'table',
  title: 'the table',
  where: (options) => options.fromTable ?? '(--from-table)',
  async read(ctx) {
    const { fromTable, versionColumn } = ctx.options;
    if (!fromTable || !versionColumn) {
      throw new ConfigError('usage', '`strata import table` needs --from-table <name> and --version-column <column>', {
        hint: 'e.g. strata import table --from-table schema_migrations --version-column migration_id',
      });
    }
    for (const [flag, name] of [['--from-table', fromTable], ['--version-column', versionColumn]] as const) {
      if (!PLAIN_NAME.test(name)) throw new ConfigError('usage', `${flag} "${name}" is not a plain identifier`, { hint: 'use letters, digits and _ (not starting with a digit)' });
    }
    const found = await findTable(ctx, { table: fromTable });
    if (!found) return null;
    if (!found.columns.includes(versionColumn.toLowerCase())) {
      throw new ConfigError('usage', `${fromTable} has no column ${versionColumn}`, { hint: 'name the column that holds the applied versions with --version-column' });
    }
    const rows = await ctx.query(`SELECT ${ctx.quote(versionColumn)} AS v FROM ${found.from}`);
    return rows.map((r): ToolRow => {
      const value = text(r.v) ?? '';
      const version = leadingVersion(value);
      return { row: `${fromTable} ${versionColumn} = ${value}`, version, status: 'applied', reason: version === null ? 'it does not start with a version' : null, checksum: null };
    });
  },
};

export const userVersion: ToolReader = {
  name: 'user-version',
  title: 'PRAGMA user_version',
  where: () => 'PRAGMA user_version',
  async read(ctx) {
    if (!ctx.userVersion) {
      throw new ConfigError('usage', '`strata import user-version` reads SQLite\'s PRAGMA user_version; this database has none', {
        hint: 'for a table of applied versions, run `strata import table --from-table <name> --version-column <column>`',
      });
    }
    const n = await ctx.userVersion();
    if (!Number.isInteger(n) || n <= 0) return [];
    return [{ row: `PRAGMA user_version = ${n}`, version: null, status: 'through', count: n, reason: `the first ${n} migrations in canonical order`, checksum: null }];
  },
};
