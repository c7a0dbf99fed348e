/**
 * Real projects' migrations (reliability/real-world/*, each with its SOURCE.md and licence):
 * every set is applied twice from empty, once by strata and once by the database's own client
 * (`sqlite3`, `psql`, `mysql`), and the two schemas must be the same to the byte, as the
 * dialect's own dump tool prints them (strata's tables left out). A difference is a place where
 * strata splits, orders or runs a file differently from the tool its authors used.
 */
import { strict as assert } from 'node:assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { freshMysql, MYSQL_SERVER_URL } from '../test/support/mysql.js';
import { freshPostgres, POSTGRES_SERVER_URL } from '../test/support/postgres.js';
import { REPO, strata } from '../test/support/project.js';

const SETS = join(REPO, 'reliability/real-world');

interface RealWorldSet {
  readonly name: string;
  readonly dialect: 'sqlite' | 'postgres' | 'mysql';
  /** Folder under reliability/real-world holding the migrations, as kept. */
  readonly dir: string;
  /** SQL run on both databases first: what the project's own tool had created before its migrations ran. */
  readonly prelude?: string;
  /** Session settings the project's runner used (strata's `initSql`; the client's --init-command). */
  readonly initSql?: string;
}

const sets: RealWorldSet[] = [
  { name: 'ory/kratos (SQLite: table rebuilds, triggers)', dialect: 'sqlite', dir: 'kratos/sqlite' },
  { name: 'ory/kratos (PostgreSQL)', dialect: 'postgres', dir: 'kratos/postgres' },
  // Kratos on MariaDB needs a non-strict sql_mode (an INSERT … SELECT into a NOT NULL column
  // without a default, 20200317160354000002): both sides run with the same setting.
  { name: 'ory/kratos (MySQL/MariaDB)', dialect: 'mysql', dir: 'kratos/mysql', initSql: "SET SESSION sql_mode = ''" },
  {
    name: 'goharbor/harbor (PostgreSQL: plpgsql functions, triggers, DO blocks)',
    dialect: 'postgres',
    dir: 'harbor/migrations',
    // golang-migrate's own table, which Harbor's 2.0.0 and 2.1.0 migrations alter.
    prelude: 'CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL);',
  },
  { name: 'apache/dolphinscheduler (MySQL/MariaDB: DELIMITER procedures)', dialect: 'mysql', dir: 'dolphinscheduler/migrations' },
  { name: 'umami-software/umami (PostgreSQL: Prisma folders, extension, enums, type changes)', dialect: 'postgres', dir: 'umami/migrations' },
  { name: 'launchbadge/sqlx example axum-social-with-tests (PostgreSQL: bare numeric versions, a quoted "user" table)', dialect: 'postgres', dir: 'sqlx-axum-social/migrations' },
];

const cleanups: (() => unknown)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe('real projects\' migrations: strata and the reference client build the same schema', () => {
  for (const set of sets) {
    test(set.name, async () => {
      const work = mkdtempSync(join(tmpdir(), 'strata-real-world-'));
      cleanups.push(() => rmSync(work, { recursive: true, force: true }));
      const migrations = copySet(set, work);
      const files = upFiles(migrations);
      assert.ok(files.length > 0, `no migrations in ${set.dir}`);

      const [reference, withStrata] = await Promise.all([database(set.dialect, work, 'reference'), database(set.dialect, work, 'strata')]);
      if (set.prelude) {
        reference.exec(set.prelude);
        withStrata.exec(set.prelude);
      }
      reference.applyWithClient(files.map((f) => join(migrations, f)), set.initSql);

      const args = ['up', '--db', withStrata.url, '--dir', migrations, '--json'];
      if (set.initSql) {
        writeFileSync(join(work, 'strata.config.json'), JSON.stringify({ initSql: set.initSql }));
        args.push('--config', join(work, 'strata.config.json'));
      }
      const result = await strata(args, { cwd: work, timeoutMs: 300_000 });
      assert.equal(result.code, 0, `strata up failed on ${set.dir}:\n${result.stderr}`);
      assert.equal(result.json().count, files.length, 'every file applied');

      const expected = reference.schema();
      const actual = withStrata.schema();
      if (expected !== actual) assert.fail(`schemas differ for ${set.dir}:\n${lineDiff(expected, actual)}`);
      console.log(`real-world: ${set.dir}: ${files.length} migrations, schema of ${expected.split('\n').length} lines identical`);
    });
  }
});

function copySet(set: RealWorldSet, work: string): string {
  const target = join(work, 'migrations');
  cpSync(join(SETS, set.dir), target, { recursive: true });
  return target;
}

/**
 * The up files in strata's order (every kept set uses fixed-width versions, so name order is
 * version order): `*.sql` but `.down.sql`, and a Prisma or Diesel folder's `migration.sql` / `up.sql`.
 */
function upFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      if (entry.isFile()) return entry.name.endsWith('.sql') && !entry.name.endsWith('.down.sql') ? [entry.name] : [];
      if (!entry.isDirectory()) return [];
      const inside = readdirSync(join(dir, entry.name)).find((f) => f === 'migration.sql' || f === 'up.sql');
      return inside ? [`${entry.name}/${inside}`] : [];
    })
    .sort();
}

interface Side {
  readonly url: string;
  exec(sql: string): void;
  applyWithClient(files: readonly string[], initSql?: string): void;
  schema(): string;
}

async function database(dialect: RealWorldSet['dialect'], work: string, label: string): Promise<Side> {
  if (dialect === 'sqlite') {
    const path = join(work, `${label}.db`);
    return {
      url: `sqlite:${path}`,
      exec: (sql) => run('sqlite3', ['-bail', path], sql),
      // One client session reading the files in order (`.read`), stopping at the first error.
      applyWithClient: (files) => void run('sqlite3', ['-bail', path], files.map((f) => `.read '${f.replaceAll("'", "''")}'`).join('\n'), 'the files in order'),
      schema: () => run('sqlite3', [path, "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE tbl_name NOT LIKE 'strata\\_%' ESCAPE '\\' AND name <> 'sqlite_sequence' ORDER BY type, name"]),
    };
  }
  if (dialect === 'postgres') {
    const db = await freshPostgres();
    cleanups.push(() => db.drop());
    const server = new URL(POSTGRES_SERVER_URL);
    const conn = ['-h', server.hostname, '-p', server.port || '5432', '-U', decodeURIComponent(server.username) || 'postgres', '-d', db.database];
    return {
      url: db.url,
      exec: (sql) => run('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', ...conn], sql),
      applyWithClient: (files) => run('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', ...conn, ...files.flatMap((f) => ['-f', f])], ''),
      // \restrict lines carry a random key per dump (pg_dump 17.6+): not part of the schema.
      schema: () => run('pg_dump', ['--schema-only', '--no-owner', '--no-privileges', '-T', 'strata_migrations*', ...conn]).replace(/^\\(un)?restrict .*$/gm, ''),
    };
  }
  const db = await freshMysql();
  cleanups.push(() => db.drop());
  const server = new URL(MYSQL_SERVER_URL);
  const conn = ['--protocol=tcp', '-h', server.hostname, '-P', server.port || '3306', '-u', decodeURIComponent(server.username) || 'root'];
  const ignore = ['strata_migrations', 'strata_migrations_log', 'strata_migrations_lock'].map((t) => `--ignore-table=${db.database}.${t}`);
  // utf8mb4 and the server's collation for it: what SPEC §2 says strata's sessions use.
  const client = (initSql?: string) => ['--default-character-set=utf8mb4', ...conn, ...(initSql ? [`--init-command=${initSql}`] : []), db.database];
  return {
    url: db.url,
    exec: (sql) => run('mysql', client(), sql),
    applyWithClient: (files, initSql) => run('mysql', client(initSql), files.map((f) => readFileSync(f, 'utf8')).join('\n'), 'the concatenated files'),
    schema: () => run('mysqldump', ['--no-data', '--routines', '--triggers', '--skip-comments', '--skip-dump-date', ...conn, ...ignore, db.database]).replace(/ AUTO_INCREMENT=\d+/g, ''),
  };
}

function run(command: string, args: readonly string[], input?: string, what?: string): string {
  const result = spawnSync(command, args, { input: input ?? '', encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw new Error(`${command} could not run: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${command} failed${what ? ` on ${what}` : ''} (exit ${result.status}):\n${result.stderr}`);
  return result.stdout;
}

/** The first differing lines, for a readable failure. */
function lineDiff(expected: string, actual: string): string {
  try {
    const a = join(mkdtempSync(join(tmpdir(), 'strata-diff-')), 'reference');
    writeFileSync(a, expected);
    writeFileSync(`${a}.strata`, actual);
    return execFileSync('diff', ['-u', a, `${a}.strata`], { encoding: 'utf8' });
  } catch (error) {
    return String((error as { stdout?: string }).stdout ?? error).split('\n').slice(0, 80).join('\n');
  }
}
