/**
 * Bad input (issue 13): a table of what users and their tools really put in front of strata —
 * malformed and duplicate names, conflicting files, broken encodings, unterminated SQL,
 * statements that cannot run where they are, huge files, symlinks, unreadable and read-only
 * paths, a full disk, corrupt databases, hostile names, bad URLs, configs and flags, broken
 * code migrations — each row run by one loop against the real binary, with and without
 * --json. Every row asserts the exit code of §5, exactly one `error:` line naming the file and
 * followed by what to do next, no crash, one JSON document on stdout with --json (and its
 * error.code), and that nothing was half-applied (each migration's table exists exactly when
 * its row says applied).
 *
 * Rows are written to what SPEC §2–§5 and issue 13 require, not to what strata did when they
 * were written: a row marked `defect` fails until that defect's fix lands.
 * docs/reliability.md describes the table; the summary line at the end counts the rows by
 * how each ended.
 */
import { after, test } from 'node:test';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pgClient } from '../test/support/postgres.js';
import { dialectsOf, runCase, type BadInputCase, type CaseContext } from './support/case-runner.js';
import { scale } from './support/mode.js';

const T = (n: number | string) => `CREATE TABLE t${n} (i INT);\n`;
const OK = { '001_a.sql': T(1) };
/** What to do next: a `hint:` line after the error (checked for every row; rows with nothing more to say use this). */
const FIX = /\nhint: \S/;

/** A tmpfs of `size` mounted for the case (we run as root), unmounted after it. */
function tmpfs(ctx: CaseContext, size: string): string {
  const mnt = mkdtempSync(join(tmpdir(), 'strata-tmpfs-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', mnt]);
  ctx.cleanups.push(() => {
    execFileSync('umount', ['-l', mnt]);
    rmSync(mnt, { recursive: true, force: true });
  });
  return mnt;
}

function useSqliteFile(ctx: CaseContext, path: string): void {
  ctx.url = `sqlite:${path}`;
  ctx.database = path;
}

function hugeInserts(bytes: number): string {
  const row = `'${'x'.repeat(90)}'`;
  const parts = ['CREATE TABLE big (i INT, s TEXT);\n'];
  let size = parts[0]!.length;
  for (let i = 0; size < bytes; i++) {
    const line = `INSERT INTO big VALUES (${i}, ${row});\n`;
    parts.push(line);
    size += line.length;
  }
  return parts.join('');
}

const pad = (n: number) => String(n).padStart(5, '0');

const CASES: BadInputCase[] = [
  // ── §2 malformed names: exit 3, named ─────────────────────────────────────────────────
  { name: 'name with a space: 01 init.sql', files: { ...OK, '01 init.sql': T(2) }, args: ['up'], exit: 3, code: 'malformed-name', names: '01 init.sql', error: FIX, applied: [], effects: { '001': 't1' } },
  { name: 'name with an empty name part: 002_.sql', files: { ...OK, '002_.sql': T(2) }, args: ['up'], exit: 3, code: 'malformed-name', names: '002_.sql', error: FIX, applied: [], effects: { '001': 't1' } },
  { name: 'upper-case extension: 002_b.SQL', files: { ...OK, '002_b.SQL': T(2) }, args: ['up'], exit: 3, code: 'malformed-name', names: '002_b.SQL', error: FIX, applied: [], effects: { '001': 't1' } },
  { name: 'Flyway V with no name: V2__.sql', defect: 'grammar', files: { ...OK, 'V2__.sql': T(2) }, args: ['up'], exit: 3, code: 'malformed-name', names: 'V2__.sql', error: FIX, applied: [] },
  { name: 'migration_ with no version: migration_abc.sql', files: { ...OK, 'migration_abc.sql': T(2) }, args: ['up'], exit: 3, code: 'malformed-name', names: 'migration_abc.sql', error: FIX, applied: [] },
  { name: 'unicode in a migration name: 002_café.sql', files: { ...OK, '002_café.sql': T(2) }, args: ['up'], exit: 3, code: 'malformed-name', names: '002_café.sql', error: FIX, applied: [] },

  // ── §2 duplicate versions: the separator and leading zeros do not matter ─────────────────
  { name: 'duplicate: 1.1 vs 1_1', defect: 'grammar', files: { '1.1_a.sql': T(1), '1_1_b.sql': T(2) }, args: ['up'], exit: 3, code: 'duplicate-version', error: /1\.1_a\.sql[\s\S]*1_1_b\.sql|1_1_b\.sql[\s\S]*1\.1_a\.sql/, applied: [] },
  { name: 'duplicate: 1_1 vs 01-1', defect: 'grammar', files: { '1_1_a.sql': T(1), '01-1_b.sql': T(2) }, args: ['up'], exit: 3, code: 'duplicate-version', error: /01-1_b\.sql/, applied: [] },
  { name: 'duplicate: 001 vs 1', files: { '001_a.sql': T(1), '1_b.sql': T(2) }, args: ['up'], exit: 3, code: 'duplicate-version', error: /001_a\.sql[\s\S]*1_b\.sql|1_b\.sql[\s\S]*001_a\.sql/, applied: [] },
  { name: 'duplicate: same version, two names', files: { '001_a.sql': T(1), '001_b.sql': T(2) }, args: ['up'], exit: 3, code: 'duplicate-version', error: /001_b\.sql/, applied: [] },
  { name: 'duplicate: .sql and .mjs of one version', files: { '001_a.sql': T(1), '001_a.mjs': 'export async function up(db) {}\n' }, args: ['up'], exit: 3, code: 'duplicate-version', error: /001_a\.mjs/, applied: [] },
  { name: 'duplicate: Flyway V1_1__ vs 1.1_', defect: 'grammar', files: { 'V1_1__a.sql': T(1), '1.1_b.sql': T(2) }, args: ['up'], exit: 3, code: 'duplicate-version', error: /V1_1__a\.sql/, applied: [] },
  { name: 'duplicate: a Diesel folder and a file', defect: 'grammar', setup: (ctx) => void ctx.project.write('migrations/002_x/up.sql', T(2)), files: { ...OK, '002_y.sql': T(3) }, args: ['up'], exit: 3, code: 'duplicate-version', error: /002_y\.sql/, applied: [] },

  // ── §2 file conflicts ─────────────────────────────────────────────────────────────────
  { name: 'conflict: .sql and .up.sql', files: { '001_a.sql': T(1), '001_a.up.sql': T(1) }, args: ['up'], exit: 3, code: 'file-conflict', error: /001_a\.up\.sql/, applied: [] },
  { name: 'conflict: a down section and a .down.sql', files: { '001_a.sql': `-- migrate:up\n${T(1)}-- migrate:down\nDROP TABLE t1;\n`, '001_a.down.sql': 'DROP TABLE t1;\n' }, args: ['up'], exit: 3, code: 'file-conflict', error: /001_a\.down\.sql/, applied: [] },
  { name: 'conflict: an orphan .down.sql', files: { ...OK, '002_b.down.sql': 'DROP TABLE t2;\n' }, args: ['up'], exit: 3, code: 'file-conflict', names: '002_b.down.sql', error: FIX, applied: [] },
  { name: 'conflict: .up.sql with a down section and a .down.sql', files: { '001_a.up.sql': `${T(1)}-- migrate:down\nDROP TABLE t1;\n`, '001_a.down.sql': 'DROP TABLE t1;\n' }, args: ['up'], exit: 3, code: 'file-conflict', error: /001_a/, applied: [] },

  // ── encodings ─────────────────────────────────────────────────────────────────────────
  { name: 'invalid UTF-8: exit 3 with the byte offset', defect: 'invalid-utf8', files: { ...OK, '002_b.sql': Buffer.concat([Buffer.from("CREATE TABLE t2 (s TEXT);\nINSERT INTO t2 VALUES ('caf"), Buffer.from([0xe9]), Buffer.from("');\n")]) }, args: ['up'], exit: 3, names: '002_b.sql', error: /byte\s*(offset\s*)?\d+|offset\s*\d+/i, applied: [], effects: { '001': 't1', '002': 't2' } },
  { name: 'a UTF-8 BOM is fine', files: { '001_a.sql': `\uFEFF${T(1)}` }, args: ['up'], exit: 0, applied: ['001'], effects: { '001': 't1' } },
  { name: 'CRLF line ends are fine', files: { '001_a.sql': `-- migrate:up\r\n${T(1).trim()}\r\n-- migrate:down\r\nDROP TABLE t1;\r\n` }, args: ['up'], exit: 0, applied: ['001'], effects: { '001': 't1' } },
  { name: 'a UTF-16 file: applied as text or refused by name, never garbage', defect: 'utf16', files: { ...OK, '002_b.sql': Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(T(2), 'utf16le')]) }, args: ['up'], exit: [0, 3], names: '002_b.sql', error: /UTF-?16|UTF-?8|encoding/i, effects: { '001': 't1', '002': 't2' } },
  { name: 'a NUL byte in a SQL file', files: { ...OK, '002_b.sql': `${T(2)}\0\n` }, args: ['up'], exit: [0, 1, 3], names: '002_b.sql', error: FIX, effects: { '001': 't1', '002': 't2' } },

  // ── unterminated constructs: exit 3 before anything runs, naming the line ────────────────
  { name: "unterminated ' string", defect: 'unterminated', files: { ...OK, '002_b.sql': `${T(2)}INSERT INTO t2 VALUES ('abc);\n` }, args: ['up'], exit: 3, names: '002_b.sql', error: /line 2\b/, applied: [], effects: { '001': 't1', '002': 't2' } },
  { name: 'unterminated " identifier', defect: 'unterminated', files: { ...OK, '002_b.sql': `${T(2)}CREATE TABLE "t3 (i INT);\n` }, args: ['up'], exit: 3, names: '002_b.sql', error: /line 2\b/, applied: [], effects: { '001': 't1', '002': 't2' } },
  { name: 'unterminated /* comment', defect: 'unclosed-comment', files: { ...OK, '002_b.sql': `${T(2)}/* the rest is a comment\n${T(3)}` }, args: ['up'], exit: 3, names: '002_b.sql', error: /line 2\b/, applied: [], effects: { '001': 't1', '002': 't2' } },
  { name: 'trigger BEGIN without END', defect: 'unterminated', files: { ...OK, '002_b.sql': `${T(2)}CREATE TRIGGER tr AFTER INSERT ON t2 BEGIN\n  INSERT INTO t1 VALUES (1);\n` }, args: ['up'], exit: 3, names: '002_b.sql', error: /line 2\b/, applied: [], effects: { '001': 't1', '002': 't2' } },
  { name: 'PG: unterminated $$ dollar quote', dialects: ['postgres'], defect: 'unterminated', files: { ...OK, '002_b.sql': `${T(2)}CREATE FUNCTION f() RETURNS int AS $$ SELECT 1;\n` }, args: ['up'], exit: 3, names: '002_b.sql', error: /line 2\b/, applied: [], effects: { '001': 't1', '002': 't2' } },
  { name: 'PG: unclosed nested comment', dialects: ['postgres'], defect: 'unclosed-comment', files: { ...OK, '002_b.sql': `${T(2)}/* outer /* inner */ still a comment\n${T(3)}` }, args: ['up'], exit: 3, names: '002_b.sql', error: /line 2\b/, applied: [], effects: { '001': 't1', '002': 't2' } },
  { name: 'MySQL: unterminated ` identifier', dialects: ['mysql'], defect: 'unterminated', files: { ...OK, '002_b.sql': `${T(2)}CREATE TABLE \`t3 (i INT);\n` }, args: ['up'], exit: 3, names: '002_b.sql', error: /line 2\b/, applied: [], effects: { '001': 't1' } },
  { name: '-- migrate:down inside a multi-line string is not a marker', defect: 'down-marker-in-string', files: { '001_a.sql': "-- migrate:up\nCREATE TABLE t1 (s TEXT);\nINSERT INTO t1 VALUES ('first\n-- migrate:down\nlast');\n-- migrate:down\nDROP TABLE t1;\n" }, args: ['up'], exit: 0, applied: ['001'], effects: { '001': 't1' },
    check: (ctx) => {
      const out = execFileSync('sqlite3', [ctx.database, 'SELECT s FROM t1'], { encoding: 'utf8' });
      return out.includes('last') ? [] : [`t1 holds ${JSON.stringify(out)}: the string was cut at the marker`];
    } },

  // ── statements that cannot run where they are: refused up front (exit 3) ───────────────
  { name: 'BEGIN in a migration', files: { ...OK, '002_b.sql': `BEGIN;\n${T(2)}COMMIT;\n` }, args: ['up'], exit: 3, names: '002_b.sql', error: /BEGIN[\s\S]*(transaction: off|remove)/i, applied: [], effects: { '001': 't1', '002': 't2' } },
  { name: 'COMMIT in a migration', files: { ...OK, '002_b.sql': `${T(2)}COMMIT;\n` }, args: ['up'], exit: 3, names: '002_b.sql', error: /COMMIT[\s\S]*(transaction: off|remove)/i, applied: [], effects: { '001': 't1', '002': 't2' } },
  { name: 'ROLLBACK in a migration', files: { ...OK, '002_b.sql': `${T(2)}ROLLBACK;\n` }, args: ['up'], exit: 3, names: '002_b.sql', error: /ROLLBACK/i, applied: [], effects: { '001': 't1', '002': 't2' } },
  { name: 'SQLite VACUUM in a transactional migration', defect: 'no-tx-statements', files: { ...OK, '002_b.sql': `${T(2)}VACUUM;\n` }, args: ['up'], exit: 3, names: '002_b.sql', error: /transaction: off/, applied: [], effects: { '001': 't1', '002': 't2' } },
  { name: 'PG: START TRANSACTION in a migration', dialects: ['postgres'], files: { ...OK, '002_b.sql': `START TRANSACTION;\n${T(2)}` }, args: ['up'], exit: 3, names: '002_b.sql', error: /START TRANSACTION/i, applied: [], effects: { '001': 't1', '002': 't2' } },
  { name: 'PG: CREATE INDEX CONCURRENTLY refused up front', dialects: ['postgres'], defect: 'concurrently-up-front', files: { ...OK, '002_b.sql': 'CREATE INDEX CONCURRENTLY i1 ON t1 (i);\n' }, args: ['up'], exit: 3, names: '002_b.sql', error: /transaction: off/, applied: [], effects: { '001': 't1' } },
  { name: 'PG: DROP INDEX CONCURRENTLY refused up front', dialects: ['postgres'], defect: 'concurrently-up-front', files: { ...OK, '002_b.sql': `${T(2)}DROP INDEX CONCURRENTLY IF EXISTS i1;\n` }, args: ['up'], exit: 3, names: '002_b.sql', error: /transaction: off/, applied: [], effects: { '001': 't1', '002': 't2' } },
  { name: 'PG: VACUUM refused up front', dialects: ['postgres'], defect: 'no-tx-statements', files: { ...OK, '002_b.sql': `${T(2)}VACUUM t2;\n` }, args: ['up'], exit: 3, names: '002_b.sql', error: /transaction: off/, applied: [], effects: { '001': 't1', '002': 't2' } },
  { name: 'PG: CREATE DATABASE refused up front', dialects: ['postgres'], defect: 'no-tx-statements', files: { ...OK, '002_b.sql': `${T(2)}CREATE DATABASE strata_never;\n` }, args: ['up'], exit: 3, names: '002_b.sql', error: /transaction: off/, applied: [], effects: { '001': 't1', '002': 't2' } },
  { name: 'PG: psql \\connect', dialects: ['postgres'], files: { ...OK, '002_b.sql': `\\connect other\n${T(2)}` }, args: ['up'], exit: 3, names: '002_b.sql', error: /\\connect/, applied: [], effects: { '001': 't1', '002': 't2' } },
  { name: 'PG: psql \\i include', dialects: ['postgres'], files: { ...OK, '002_b.sql': `${T(2)}\\i other.sql\n` }, args: ['up'], exit: 3, names: '002_b.sql', error: /\\i/, applied: [], effects: { '001': 't1', '002': 't2' } },
  { name: 'PG: COPY … FROM stdin', dialects: ['postgres'], files: { ...OK, '002_b.sql': `${T(2)}COPY t2 (i) FROM stdin;\n1\n2\n\\.\n` }, args: ['up'], exit: 3, names: '002_b.sql', error: /COPY/i, applied: [], effects: { '001': 't1', '002': 't2' } },
  { name: "PG: E'' string with \\' and ; applies", dialects: ['postgres'], files: { '001_a.sql': `CREATE TABLE t1 (s TEXT);\nINSERT INTO t1 VALUES (E'a\\';b');\n` }, args: ['up'], exit: 0, applied: ['001'], effects: { '001': 't1' } },
  { name: 'MariaDB: CREATE TABLE count (i INT) applies', dialects: ['mysql'], defect: 'mysql-ignore-space', files: { '001_a.sql': 'CREATE TABLE count (i INT);\n' }, args: ['up'], exit: 0, applied: ['001'], effects: { '001': 'count' } },

  // ── SQL errors name the file and the statement's line; the migration is all or nothing ──
  { name: 'SQL error on line 3', files: { ...OK, '002_b.sql': `${T(2)}\nSELEC 1;\n` }, args: ['up'], exit: 1, code: 'migration-failed', names: '002_b.sql', error: /line 3\b/, applied: ['001'], effects: { '001': 't1', '002': 't2' } },
  { name: 'PG: SQL error on line 2', dialects: ['postgres'], files: { ...OK, '002_b.sql': `${T(2)}SELECT 1/0;\n` }, args: ['up'], exit: 1, code: 'migration-failed', names: '002_b.sql', error: /line 2\b/, applied: ['001'], effects: { '001': 't1', '002': 't2' } },
  { name: 'MySQL: SQL error on line 2 leaves the row dirty, named', dialects: ['mysql'], files: { ...OK, '002_b.sql': `${T(2)}SELEC 1;\n` }, args: ['up'], exit: 1, code: 'migration-failed', names: '002_b.sql', error: /line 2\b/, effects: { '001': 't1', '002': 't2' } },

  // ── huge files: work or fail cleanly, never a crash ──────────────────────────────────────
  { name: `a ${scale(5, 50)} MB SQL file of INSERTs`, json: false, timeoutMs: scale(120_000, 600_000), setup: (ctx) => writeFileSync(join(ctx.project.migrations, '001_big.sql'), hugeInserts(scale(5, 50) * 1024 * 1024)), args: ['up', '--no-backup'], exit: [0, 1, 3], names: '001_big.sql', error: FIX, effects: { '001': 'big' } },
  { name: `one ${scale(5, 50)} MB statement`, json: false, timeoutMs: scale(120_000, 600_000), setup: (ctx) => writeFileSync(join(ctx.project.migrations, '001_big.sql'), `CREATE TABLE big (s TEXT);\nINSERT INTO big VALUES ('${'y'.repeat(scale(5, 50) * 1024 * 1024)}');\n`), args: ['up', '--no-backup'], exit: [0, 1, 3], names: '001_big.sql', error: FIX, effects: { '001': 'big' } },

  // ── symlinks and unreadable entries ──────────────────────────────────────────────────────
  { name: 'dangling symlink named like a migration', defect: 'dangling-symlink', files: OK, setup: (ctx) => symlinkSync(join(ctx.project.dir, 'nowhere.sql'), join(ctx.project.migrations, '002_b.sql')), args: ['up'], exit: 3, names: '002_b.sql', error: FIX, applied: [], effects: { '001': 't1' } },
  { name: 'symlink loop named like a migration', defect: 'dangling-symlink', files: OK, setup: (ctx) => {
      symlinkSync(join(ctx.project.migrations, '003_c.sql'), join(ctx.project.migrations, '002_b.sql'));
      symlinkSync(join(ctx.project.migrations, '002_b.sql'), join(ctx.project.migrations, '003_c.sql'));
    }, args: ['up'], exit: 3, names: '002_b.sql', error: FIX, applied: [], effects: { '001': 't1' } },
  { name: 'a symlink to a real file elsewhere is followed', files: OK, setup: (ctx) => symlinkSync(ctx.project.write('shared/two.sql', T(2)), join(ctx.project.migrations, '002_b.sql')), args: ['up'], exit: 0, applied: ['001', '002'], effects: { '001': 't1', '002': 't2' } },
  { name: 'a FIFO named like a migration: no hang, exit 3 named', defect: 'unreadable-file', timeoutMs: 20_000, files: OK, setup: (ctx) => void execFileSync('mkfifo', [join(ctx.project.migrations, '002_b.sql')]), args: ['up'], exit: 3, names: '002_b.sql', error: FIX, applied: [], effects: { '001': 't1' } },
  { name: 'a directory named like a migration file', defect: 'unreadable-file', files: OK, setup: (ctx) => mkdirSync(join(ctx.project.migrations, '002_b.sql')), args: ['up'], exit: 3, names: '002_b.sql', error: FIX, applied: [], effects: { '001': 't1' } },
  { name: '--dir that does not exist', files: OK, args: ['up', '--dir', 'nope'], exit: 2, names: 'nope', error: FIX, applied: [] },

  // ── SQLite files: read-only, missing folder, full disk, corrupt ──────────────────────────
  { name: 'read-only SQLite file (read-only mount): exit 2 named', files: { ...OK, '002_b.sql': T(2) }, setup: async (ctx) => {
      const mnt = tmpfs(ctx, '4m');
      useSqliteFile(ctx, join(mnt, 'app.db'));
      ctx.project.remove('migrations/002_b.sql');
      const first = await ctx.run(['up', '--no-backup']);
      if (first.code !== 0) throw new Error(`setup up failed: ${first.stderr}`);
      ctx.project.write('migrations/002_b.sql', T(2));
      execFileSync('mount', ['-o', 'remount,ro', mnt]);
    }, args: ['up', '--no-backup'], exit: 2, code: 'connection-failed', names: 'app.db', error: FIX, applied: ['001'], effects: { '001': 't1', '002': 't2' } },
  { name: 'new SQLite file in a read-only folder: exit 2 named', files: OK, setup: (ctx) => {
      const mnt = tmpfs(ctx, '1m');
      execFileSync('mount', ['-o', 'remount,ro', mnt]);
      useSqliteFile(ctx, join(mnt, 'new.db'));
    }, args: ['up'], exit: 2, names: 'new.db', error: FIX },
  { name: 'explicit SQLite path in a missing folder: exit 2', files: OK, setup: (ctx) => useSqliteFile(ctx, join(ctx.project.dir, 'no', 'such', 'app.db')), args: ['up'], exit: 2, names: 'app.db', error: FIX },
  { name: 'SQLite path that is a directory: exit 2', files: OK, setup: (ctx) => useSqliteFile(ctx, ctx.project.migrations), args: ['up'], exit: 2, names: 'migrations', error: FIX },
  { name: 'full disk (tiny tmpfs): exit 1 named, nothing half-applied', defect: 'full-disk', files: { ...OK, '002_fill.sql': 'CREATE TABLE t2 AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 40000) SELECT x, randomblob(200) AS b FROM c;\n' }, setup: (ctx) => useSqliteFile(ctx, join(tmpfs(ctx, '512k'), 'app.db')), args: ['up', '--no-backup'], exit: 1, names: '002_fill', error: FIX, effects: { '001': 't1', '002': 't2' } },
  { name: 'corrupt SQLite file (random bytes): up exit 2 named', defect: 'corrupt-sqlite', files: OK, setup: (ctx) => writeFileSync(ctx.database, randomBytes(16384)), args: ['up'], exit: 2, names: 'test.db', error: FIX },
  { name: 'corrupt SQLite file (random bytes): status exit 2 named', defect: 'corrupt-sqlite', files: OK, setup: (ctx) => writeFileSync(ctx.database, randomBytes(16384)), args: ['status'], exit: 2, names: 'test.db', error: FIX },
  { name: 'a text file where the SQLite database should be', defect: 'corrupt-sqlite', files: OK, setup: (ctx) => writeFileSync(ctx.database, 'this is not a database\n'.repeat(200)), args: ['up'], exit: 2, names: 'test.db', error: FIX },

  // ── hostile names ───────────────────────────────────────────────────────────────────────
  { name: '--table with quotes and a semicolon', files: OK, args: ['up', '--table', 'x"; DROP TABLE t1; --'], exit: 2, error: /table/i, applied: [] },
  { name: '--table of 59 characters', files: OK, args: ['up', '--table', 'a'.repeat(59)], exit: 2, error: /table/i, applied: [] },
  { name: '--table that is empty', files: OK, args: ['up', '--table', ''], exit: 2, error: /table/i, applied: [] },
  { name: 'PG: --schema with a quote and DROP: refused, or quoted as one name', dialects: ['postgres'], files: OK, args: ['up', '--schema', 'x"; DROP SCHEMA public CASCADE; --'], exit: [0, 2], names: '--schema', error: FIX,
    check: async (ctx) => {
      const client = await pgClient(ctx.database);
      try {
        const { rows } = await client.query("SELECT nspname FROM pg_namespace WHERE nspname IN ('public', 'x')");
        return rows.length === 1 && rows[0].nspname === 'public' ? [] : [`schemas afterwards: ${JSON.stringify(rows)} (public dropped, or x created)`];
      } finally {
        await client.end();
      }
    } },
  { name: 'new with a path in the name', files: OK, args: ['new', '../evil'], exit: 2, code: 'usage', error: FIX, check: (ctx) => [] },
  { name: 'new with spaces and capitals', files: OK, args: ['new', 'Add Email'], exit: 2, code: 'usage', error: FIX },

  // ── bad URLs ────────────────────────────────────────────────────────────────────────────
  { name: 'URL with an unknown scheme', files: OK, args: ['up', '--db', 'oracle://scott@127.0.0.1/orcl'], exit: 2, names: 'oracle', error: /sqlite|postgres|mysql/i },
  { name: 'postgres:// with no host', files: OK, args: ['up', '--db', 'postgres://'], exit: 2, error: FIX },
  // Users write unencoded passwords; strata reads the user info up to the last @ (as libpq
  // users expect), so this URL is understood: a database that does not exist reads as empty.
  { name: 'a raw # in a URL password', defect: 'url-password', files: OK, args: ['status', '--db', 'postgres://postgres:pa#ss@127.0.0.1:5432/strata_no_such_database'], exit: [0, 2],
    check: (_ctx, _state, result) => [
      ...(/pa#ss|#ss@/.test(result.stdout + result.stderr) ? ['the password appears in the output'] : []),
      ...(/not a valid URL/i.test(result.stderr) ? ['the URL was not understood'] : []),
    ] },
  { name: 'sqlite: with no path', files: OK, args: ['up', '--db', 'sqlite:'], exit: 2, error: FIX },
  { name: 'DATABASE_URL that is not a URL', files: OK, db: false, args: ['up'], env: () => ({ DATABASE_URL: 'not a url' }), exit: 2, names: 'not a url', error: FIX },
  { name: 'closed port: exit 2 connection-failed', files: OK, args: ['up', '--db', 'mysql://root@127.0.0.1:1/x'], exit: 2, code: 'connection-failed', names: '127.0.0.1:1', error: FIX },
  { name: 'PG: database that does not exist', dialects: ['postgres'], files: OK, args: ['up', '--db', 'postgres://postgres@127.0.0.1:5432/strata_no_such_db'], exit: 2, code: 'connection-failed', names: 'strata_no_such_db', error: FIX },

  // ── bad configs ─────────────────────────────────────────────────────────────────────────
  { name: 'two config files', files: OK, db: false, projectFiles: { 'strata.config.mjs': 'export default { db: "sqlite:a.db" };\n', 'strata.config.json': '{ "db": "sqlite:a.db" }\n' }, args: ['up'], exit: 2, code: 'config', error: /strata\.config\.mjs[\s\S]*strata\.config\.json|strata\.config\.json[\s\S]*strata\.config\.mjs/ },
  { name: 'JSON config with a syntax error', files: OK, projectFiles: { 'strata.config.json': '{ "dir": "migrations", }\n' }, args: ['up'], exit: 2, code: 'config', names: 'strata.config.json', error: FIX },
  { name: 'JS config with a syntax error', files: OK, projectFiles: { 'strata.config.mjs': 'export default { dir: "migrations" \n' }, args: ['up'], exit: 2, code: 'config', names: 'strata.config.mjs', error: FIX },
  { name: 'config that exports a number', files: OK, projectFiles: { 'strata.config.mjs': 'export default 42;\n' }, args: ['up'], exit: 2, code: 'config', names: 'strata.config.mjs', error: FIX },
  { name: 'misspelled config key: dirr', defect: 'config-keys', files: OK, projectFiles: { 'strata.config.json': '{ "dirr": "migrations" }\n' }, args: ['up'], exit: 2, code: 'config', names: 'dirr', error: /"?dirr"?[\s\S]*\bdir\b/ },
  { name: 'misspelled config key: lockTimout', defect: 'config-keys', files: OK, projectFiles: { 'strata.config.mjs': 'export default { lockTimout: 5 };\n' }, args: ['up'], exit: 2, code: 'config', names: 'lockTimout', error: /lockTimeout/ },
  { name: 'misspelled key inside an environment', defect: 'config-keys', files: OK, db: false, projectFiles: { 'strata.config.mjs': 'export default { environments: { dev: { dbb: "sqlite:dev.db" } } };\n' }, args: ['up', '--env', 'dev'], exit: 2, code: 'config', names: 'dbb', error: /\bdb\b/ },
  { name: 'config value of the wrong type', defect: 'config-keys', files: OK, projectFiles: { 'strata.config.mjs': 'export default { lockTimeout: "soon" };\n' }, args: ['up'], exit: 2, code: 'config', names: 'lockTimeout', error: FIX },
  { name: 'unknown --env where environments are defined', files: OK, db: false, projectFiles: { 'strata.config.mjs': 'export default { environments: { dev: { db: "sqlite:dev.db" }, prod: { db: "sqlite:prod.db" } } };\n' }, args: ['up', '--env', 'qa'], exit: 2, code: 'config', names: 'qa', error: /dev[\s\S]*prod/ },
  { name: 'unknown STRATA_ENV where environments are defined', files: OK, db: false, projectFiles: { 'strata.config.mjs': 'export default { environments: { dev: { db: "sqlite:dev.db" } } };\n' }, env: () => ({ STRATA_ENV: 'stagin' }), args: ['up'], exit: 2, code: 'config', names: 'stagin', error: /STRATA_ENV[\s\S]*dev|dev[\s\S]*STRATA_ENV/ },
  { name: '--config naming a missing file', files: OK, args: ['up', '--config', 'nope.mjs'], exit: 2, code: 'config', names: 'nope.mjs', error: FIX },

  // ── bad flags ───────────────────────────────────────────────────────────────────────────
  { name: 'down --target with --steps', defect: 'hint', files: OK, setup: async (ctx) => void (await ctx.run(['up'])), args: ['down', '--target', '001', '--steps', '1'], exit: 2, code: 'usage', error: /--target[\s\S]*--steps|--steps[\s\S]*--target/, applied: ['001'], effects: { '001': 't1' } },
  { name: 'up --target of an unknown version', files: OK, args: ['up', '--target', '999'], exit: 2, names: '999', error: FIX, applied: [] },
  { name: 'down --steps abc', defect: 'hint', files: OK, args: ['down', '--steps', 'abc'], exit: 2, code: 'usage', names: '--steps', error: FIX },
  { name: '--lock-timeout -3', defect: 'hint', files: OK, args: ['up', '--lock-timeout', '-3'], exit: 2, code: 'usage', names: '--lock-timeout', error: FIX, applied: [] },
  { name: '--lock banana', defect: 'hint', files: OK, args: ['up', '--lock', 'banana'], exit: 2, code: 'usage', names: '--lock', error: FIX, applied: [] },
  { name: '--lock session on SQLite: refused if it would be a no-op', files: OK, args: ['up', '--lock', 'session'], exit: [0, 2], names: 'session', error: FIX, effects: { '001': 't1' } },
  { name: 'unknown flag', defect: 'hint', files: OK, args: ['up', '--frobnicate'], exit: 2, names: '--frobnicate', error: FIX, applied: [] },
  { name: 'unknown command', defect: 'hint', files: OK, args: ['frobnicate'], exit: 2, names: 'frobnicate', error: FIX },
  { name: 'mark-applied without a version', defect: 'hint', files: OK, args: ['mark-applied'], exit: 2, error: FIX, applied: [] },
  { name: 'mark-applied of an unknown version', files: OK, args: ['mark-applied', '999'], exit: 2, names: '999', error: FIX, applied: [] },
  { name: 'history --limit -5', defect: 'hint', files: OK, args: ['history', '--limit', '-5'], exit: 2, names: '--limit', error: FIX },

  // ── §4 problems ─────────────────────────────────────────────────────────────────────────
  { name: 'depends on an unknown version', files: { ...OK, '002_b.sql': `-- depends: 999\n${T(2)}` }, args: ['up'], exit: 3, code: 'unknown-dependency', names: '002_b', error: /999/, applied: [] },
  { name: 'depends on itself', files: { ...OK, '002_b.sql': `-- depends: 002\n${T(2)}` }, args: ['up'], exit: 3, code: 'dependency-cycle', names: '002', error: FIX, applied: [] },
  { name: 'a cycle of 5,000 migrations: a short message', defect: 'cycle-message', timeoutMs: 120_000, setup: (ctx) => {
      for (let i = 1; i <= 5000; i++) writeFileSync(join(ctx.project.migrations, `${pad(i)}_m${i}.sql`), `-- depends: ${pad((i % 5000) + 1)}\n${T(i)}`);
    }, args: ['up'], exit: 3, code: 'dependency-cycle', error: /5,?000[\s\S]*00001|00001[\s\S]*5,?000/, applied: [],
    check: (_ctx, _s, result) => (result.stderr.length > 2000 ? [`the cycle message is ${result.stderr.length} characters (should be short: its length and first members)`] : []) },
  { name: 'an applied migration edited: checksum-mismatch', files: OK, setup: async (ctx) => {
      await ctx.run(['up']);
      ctx.project.write('migrations/001_a.sql', `${T(1)}-- edited\n`);
      ctx.project.write('migrations/002_b.sql', T(2));
    }, args: ['up'], exit: 3, code: 'checksum-mismatch', names: '001_a', error: /repair/, applied: ['001'], effects: { '001': 't1', '002': 't2' } },
  { name: 'an applied migration deleted: missing-file', files: { ...OK, '002_b.sql': T(2) }, setup: async (ctx) => {
      await ctx.run(['up']);
      ctx.project.remove('migrations/001_a.sql');
      ctx.project.write('migrations/003_c.sql', T(3));
    }, args: ['up'], exit: 3, code: 'missing-file', names: '001', error: FIX, applied: ['001', '002'], effects: { '002': 't2', '003': 't3' } },
  { name: 'a pending migration before an applied one: out-of-order', files: { '002_b.sql': T(2) }, setup: async (ctx) => {
      await ctx.run(['up']);
      ctx.project.write('migrations/001_a.sql', T(1));
    }, args: ['up'], exit: 3, code: 'out-of-order', names: '001_a', error: /--allow-out-of-order/, applied: ['002'], effects: { '001': 't1', '002': 't2' } },
  { name: 'down of a migration with no down: irreversible', files: OK, setup: async (ctx) => void (await ctx.run(['up'])), args: ['down'], exit: 3, code: 'irreversible', names: '001_a', error: FIX, applied: ['001'], effects: { '001': 't1' } },

  // ── code migrations ─────────────────────────────────────────────────────────────────────
  { name: 'code migration that throws', files: { ...OK, '002_b.mjs': "export async function up(db) { await db.exec('CREATE TABLE t2 (i INT)'); throw new Error('boom in up'); }\n" }, args: ['up'], exit: 1, code: 'migration-failed', names: '002_b', error: /boom in up[\s\S]*hint:/, applied: ['001'], effects: { '001': 't1', '002': 't2' } },
  { name: 'TypeScript migration with a syntax error: exit 3, nothing applied', files: { ...OK, '002_b.ts': "export async function up(db: any) { await db.exec('CREATE TABLE t2 (i INT)' }\n" }, args: ['up'], exit: 3, code: 'import-failed', names: '002_b.ts', error: FIX, applied: [], effects: { '001': 't1', '002': 't2' } },
  { name: 'code migration that throws while imported', files: { ...OK, '002_b.mjs': "throw new Error('cannot load');\n" }, args: ['up'], exit: 3, code: 'import-failed', names: '002_b.mjs', error: /cannot load/, applied: [], effects: { '001': 't1' } },
  { name: 'code migration importing a missing package', files: { ...OK, '002_b.mjs': "import 'strata-no-such-package';\nexport async function up() {}\n" }, args: ['up'], exit: 3, code: 'import-failed', names: '002_b.mjs', error: /strata-no-such-package/, applied: [], effects: { '001': 't1' } },
  { name: 'code migration that exports nothing usable', files: { ...OK, '002_b.mjs': 'export const hello = 1;\n' }, args: ['up'], exit: 3, code: 'import-failed', names: '002_b.mjs', error: FIX, applied: [], effects: { '001': 't1' } },
  { name: 'code migration whose up is not a function', files: { ...OK, '002_b.mjs': 'export const up = "CREATE TABLE t2 (i INT)";\n' }, args: ['up'], exit: 3, names: '002_b.mjs', error: FIX, applied: [], effects: { '001': 't1' } },
  { name: "db.execFile('../../etc/passwd'): exit 1 named", defect: 'execfile-outside', files: { ...OK, '002_b.mjs': "export async function up(db) { await db.exec('CREATE TABLE t2 (i INT)'); await db.execFile('../../etc/passwd'); }\n" }, args: ['up'], exit: 1, code: 'migration-failed', names: '002_b', error: /etc\/passwd/, applied: ['001'], effects: { '001': 't1', '002': 't2' } },
  { name: 'precheck false: exit 1 named', files: { ...OK, '002_b.mjs': "export async function precheck() { return false; }\nexport async function up(db) { await db.exec('CREATE TABLE t2 (i INT)'); }\n" }, args: ['up'], exit: 1, code: 'precheck-failed', names: '002_b', error: FIX, applied: ['001'], effects: { '001': 't1', '002': 't2' } },
  { name: 'verify false: rolled back, exit 1 named', defect: 'hint', files: { ...OK, '002_b.mjs': "export async function up(db) { await db.exec('CREATE TABLE t2 (i INT)'); }\nexport async function verify() { return false; }\n" }, args: ['up'], exit: 1, code: 'verify-failed', names: '002_b', error: FIX, applied: ['001'], effects: { '001': 't1', '002': 't2' } },
  { name: 'list migration with a 300-digit version: refused up front', defect: 'long-version', files: {},
    library: "return strata.migrate({ db: url, migrations: [{ id: '001_a', up: (db) => db.exec('CREATE TABLE t1 (i INT)') }, { id: '9'.repeat(300) + '_big', up: (db) => db.exec('CREATE TABLE t2 (i INT)') }] });",
    args: [], exit: 3, error: /300|255|too long|digits/i, applied: [], effects: { '001': 't1' },
    check: (_c, _s, result) => (result.stderr.includes('9'.repeat(300)) ? ['the message prints all 300 digits'] : []) },
];

interface Tally { cases: number; passed: number; failed: number }
const byExit = new Map<string, Tally>();
const failures: string[] = [];
let total = 0;
let passed = 0;

/** Rows run a few at a time: each spends most of its time waiting on a child process or a server. */
const PARALLEL = Number(process.env.RELIABILITY_PARALLEL ?? 4);

function limiter(limit: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0;
  const queue: (() => void)[] = [];
  return async (task) => {
    if (running >= limit) await new Promise<void>((resolve) => queue.push(resolve));
    running++;
    try {
      return await task();
    } finally {
      running--;
      queue.shift()?.();
    }
  };
}

test('bad input', { timeout: scale(15, 60) * 60_000 }, async (t) => {
  const limit = limiter(PARALLEL);
  const runs = CASES.flatMap((row) =>
    dialectsOf(row).map((dialect) => {
      const outcome = limit(async () => {
        const human = await runCase(row, dialect, false);
        const json = row.json === false ? null : await runCase(row, dialect, true);
        return { human, json };
      });
      outcome.catch(() => undefined); // awaited below, in order; this only keeps an early rejection from being reported as unhandled
      return { row, dialect, outcome };
    }),
  );
  for (const { row, dialect, outcome } of runs) {
    const label = `${row.name}${row.dialects ? ` [${dialect}]` : ''}${row.defect ? ` (defect: ${row.defect})` : ''}`;
    await t.test(label, async () => {
      const { human, json } = await outcome;
      const problems = [...human.problems, ...(json?.problems ?? []).filter((p) => !human.problems.includes(p))];
      const ended = human.signal ? `signal ${human.signal}` : `exit ${human.exit}`;
      const tally = byExit.get(ended) ?? { cases: 0, passed: 0, failed: 0 };
      byExit.set(ended, tally);
      tally.cases++;
      total++;
      if (problems.length === 0) {
        tally.passed++;
        passed++;
      } else {
        tally.failed++;
        failures.push(`${label}: ${problems[0]}`);
        throw new Error(problems.join('\n'));
      }
    });
  }
});

after(() => {
  const groups = [...byExit.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([ended, t]) => `  ${ended}: ${t.cases} cases, ${t.passed} passed, ${t.failed} failed`);
  const lines = [`bad input: ${total} cases, ${passed} passed, ${total - passed} failed`, ...groups];
  if (failures.length) lines.push('failed:', ...failures.map((f) => `  - ${f.slice(0, 300)}`));
  process.stdout.write(`${lines.join('\n')}\n`);
});
