/**
 * Shared by the import tests: raw SQL on a test database (to build another tool's history
 * table exactly as that tool does), literals per dialect, and one runner that checks the
 * whole §12 contract for a case: dry run, refusal, --accept-unmatched, log rows, the other
 * table left as it is, and a second import that changes nothing.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { createMigrator, ValidationError, type ImportResult, type ImportRunOptions } from '../../src/index.js';
import type { DialectName, DialectUnderTest } from '../support/dialects.js';
import { project, type Project } from '../support/project.js';

export type Rows = Record<string, unknown>[];

/** Runs statements (and returns the last one's rows) on the test database with the dialect's own client. */
export async function raw(dialect: DialectName, url: string, statements: readonly string[]): Promise<Rows> {
  let rows: Rows = [];
  if (dialect === 'sqlite') {
    const db = new Database(url.replace(/^sqlite:/, ''));
    try {
      for (const sql of statements) {
        const statement = db.prepare(sql);
        rows = statement.reader ? (statement.all() as Rows) : (statement.run(), []);
      }
    } finally {
      db.close();
    }
  } else if (dialect === 'postgres') {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      for (const sql of statements) rows = (await client.query(sql)).rows as Rows;
    } finally {
      await client.end();
    }
  } else {
    const connection = await mysql.createConnection({ uri: url });
    try {
      for (const sql of statements) {
        const [result] = await connection.query(sql);
        rows = Array.isArray(result) ? (result as Rows) : [];
      }
    } finally {
      await connection.end();
    }
  }
  return rows;
}

/** A SQL literal: strings quoted, null, numbers, booleans as TRUE/FALSE (all three accept them). */
export function lit(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return `'${String(value).replace(/'/g, "''")}'`;
}

/** A binary literal: PostgreSQL BYTEA, MySQL and SQLite BLOB. */
export function blob(dialect: DialectName, bytes: Buffer): string {
  return dialect === 'postgres' ? `decode('${bytes.toString('hex')}', 'hex')` : `X'${bytes.toString('hex')}'`;
}

export function insert(table: string, quote: string, row: Record<string, unknown>, literal: (v: unknown) => string = lit): string {
  const columns = Object.keys(row).map((c) => `${quote}${c}${quote}`).join(', ');
  return `INSERT INTO ${quote}${table}${quote} (${columns}) VALUES (${Object.values(row).map(literal).join(', ')})`;
}

export const quoteOf = (dialect: DialectName) => (dialect === 'mysql' ? '`' : '"');

/**
 * Flyway's checksum as the test computes it on its own: Java's readLine() splits on \n, \r\n
 * or \r; the first line loses its BOM; each line's UTF-8 bytes go through one running CRC-32.
 */
export function flywayCrc(text: string): number {
  const lines = text.split(/\r\n|\r|\n/);
  if (lines.at(-1) === '') lines.pop();
  let crc = 0;
  lines.forEach((line, i) => {
    crc = crc32(Buffer.from(i === 0 ? line.replace(/^\uFEFF/, '') : line, 'utf8'), crc);
  });
  return crc | 0;
}

export const sha = (algorithm: string, data: string | Buffer) => createHash(algorithm).update(data).digest();

export interface Case {
  readonly tool: string;
  /** Files under migrations/ (paths may hold a folder). */
  readonly files: Record<string, string>;
  /** The other tool's table and rows, in its dialect. */
  setup(dialect: DialectName): string[];
  /** Counts the other tool's rows (to check it is left as it is). */
  readonly count: string | ((dialect: DialectName) => string);
  readonly options?: ImportRunOptions;
  readonly imported: readonly string[];
  /** One pattern per unmatched row, in order. */
  readonly unmatched: readonly RegExp[];
  /** Versions `up` applies after the import (the unmatched ones that have files). */
  readonly pendingAfter?: readonly string[];
}

type Migrator = Awaited<ReturnType<typeof createMigrator>>;

export interface Harness {
  readonly p: Project;
  readonly url: string;
  tool(name: string, options?: ImportRunOptions): Promise<ImportResult>;
  status(): ReturnType<Migrator['status']>;
  done(): Promise<void>;
}

/** A fresh database of `d` and a project holding `files`, driven through the library. */
export async function harness(d: DialectUnderTest, files: Record<string, string>): Promise<Harness> {
  const fresh = await d.fresh();
  const p = project();
  for (const [name, text] of Object.entries(files)) p.write(`migrations/${name}`, text);
  const withMigrator = async <T>(fn: (m: Migrator) => Promise<T>): Promise<T> => {
    const m = await createMigrator({ db: fresh.url, dir: p.migrations });
    try {
      return await fn(m);
    } finally {
      await m.close();
    }
  };
  return {
    p,
    url: fresh.url,
    tool: (name, options) => withMigrator((m) => m.import(name, options)),
    status: () => withMigrator((m) => m.status()),
    async done() {
      p.cleanup();
      await fresh.drop();
    },
  };
}

/** The §12 contract for one case on one dialect. */
export async function checkCase(d: DialectUnderTest, c: Case): Promise<void> {
  const h = await harness(d, c.files);
  try {
    await raw(d.name, h.url, c.setup(d.name));
    const countSql = typeof c.count === 'string' ? c.count : c.count(d.name);
    const before = await raw(d.name, h.url, [countSql]);

    const dry = await h.tool(c.tool, { ...c.options, dryRun: true });
    assert.equal(dry.dryRun, true);
    assert.deepEqual(dry.imported, c.imported, 'dry run: the mapping');
    assert.equal(dry.unmatched.length, c.unmatched.length, JSON.stringify(dry.unmatched));
    c.unmatched.forEach((pattern, i) => assert.match(`${dry.unmatched[i]!.row}: ${dry.unmatched[i]!.reason}`, pattern));
    assert.equal((await h.status()).applied, 0, 'a dry run writes nothing');

    if (c.unmatched.length > 0) {
      await assert.rejects(h.tool(c.tool, c.options), (e: unknown) => e instanceof ValidationError && e.code === 'import-mismatch');
      assert.equal((await h.status()).applied, 0, 'a refused import writes nothing');
    }
    const done = await h.tool(c.tool, { ...c.options, acceptUnmatched: true });
    assert.equal(done.dryRun, false);
    assert.deepEqual(done.imported, c.imported);
    const status = await h.status();
    assert.deepEqual(status.migrations.filter((m) => m.state === 'applied').map((m) => m.version), c.imported);

    const log = await raw(d.name, h.url, [`SELECT version, operation, detail FROM strata_migrations_log ORDER BY id`]);
    assert.deepEqual(log.map((r) => r.version), c.imported);
    for (const row of log) {
      assert.equal(row.operation, 'import');
      const detail = typeof row.detail === 'string' ? JSON.parse(row.detail) : row.detail;
      assert.equal(detail.tool, c.tool);
      assert.equal(typeof detail.row, 'string');
    }
    assert.deepEqual(await raw(d.name, h.url, [countSql]), before, "the other tool's table is left as it is");

    const again = await h.tool(c.tool, { ...c.options, acceptUnmatched: true });
    assert.deepEqual(again.imported, [], 'a second import records nothing');
    assert.equal((await raw(d.name, h.url, [`SELECT COUNT(*) AS n FROM strata_migrations_log`]))[0]!.n == c.imported.length, true);
    if (c.pendingAfter) {
      assert.deepEqual(status.migrations.filter((m) => m.state === 'pending').map((m) => m.version), c.pendingAfter);
    }
  } finally {
    await h.done();
  }
}
