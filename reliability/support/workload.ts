/**
 * A generated migration project whose every effect can be checked from the database: tables,
 * indexes, inserts, code migrations that run several statements with awaits between them,
 * and `transaction: off` ones. Migration k owns table `t_k` and/or rows `(k, n)` of the shared
 * `ledger` table (created by migration 1), and index migrations own `ix_k`. So for each
 * migration the suite can tell whether its effects are all there, none of them, or a part.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Flavor, Target } from './targets.js';

export type Kind = 'ledger' | 'table' | 'insert' | 'index' | 'code' | 'off' | 'code-off' | 'slow' | 'noop';

export interface MigrationSpec {
  readonly k: number;
  readonly version: string;
  readonly kind: Kind;
  readonly file: string;
  /** Declared transactional (not `transaction: off`). */
  readonly transaction: boolean;
  /** Owns table t_k (with a marker row id = 1). */
  readonly ownsTable: boolean;
  /** Rows (k, 1..n) it inserts into ledger. */
  readonly ledgerRows: number;
  /** For `index`: the table the index ix_k is on. */
  readonly indexOn: string | null;
}

export type Effects = 'full' | 'none' | 'partial';

export interface Workload {
  readonly files: Record<string, string>;
  readonly specs: readonly MigrationSpec[];
}

// The cycle of kinds after the ledger migration: about 40 migrations hold 5 of each.
const CYCLE: readonly Kind[] = ['table', 'insert', 'index', 'code', 'table', 'off', 'insert', 'code-off'];

export interface WorkloadOptions {
  /** The await between a code migration's statements (ms). */
  readonly pauseMs?: number;
  /** Migrations (by k) made of one long statement (about `slowMs`) that inserts one ledger row. */
  readonly slowAt?: readonly number[];
  readonly slowMs?: number;
  /**
   * A code migration logs `waiting in <version>` (db.log, on stderr) and then awaits this
   * long before its last insert, so that a test can send a signal while it awaits.
   */
  readonly codeWaitMs?: number;
  /**
   * Migrations (by k) with no effect and an empty down: the ones a race may `mark-applied`
   * (marking one that has effects would make its later `down` fail on objects that are not there).
   */
  readonly noopAt?: readonly number[];
}

/** `count` migrations in `flavor`'s SQL. */
export function workload(flavor: Flavor, count = 40, options: WorkloadOptions = {}): Workload {
  const pauseMs = options.pauseMs ?? 15;
  const files: Record<string, string> = {};
  const specs: MigrationSpec[] = [];
  let lastTable: string | null = null;
  for (let k = 1; k <= count; k++) {
    const version = String(k).padStart(3, '0');
    let kind: Kind = k === 1 ? 'ledger' : options.slowAt?.includes(k) ? 'slow' : options.noopAt?.includes(k) ? 'noop' : CYCLE[(k - 2) % CYCLE.length]!;
    if (kind === 'index' && lastTable === null) kind = 'table';
    const code = kind === 'code' || kind === 'code-off';
    const file = `${version}_${kind.replace('-', '_')}_${k}.${code || kind === 'slow' ? 'ts' : 'sql'}`;
    const spec: MigrationSpec = {
      k,
      version,
      kind,
      file,
      transaction: kind !== 'off' && kind !== 'code-off',
      ownsTable: kind === 'table' || kind === 'off' || code,
      ledgerRows: { ledger: 0, table: 0, insert: 3, index: 1, code: 4, off: 1, 'code-off': 4, slow: 1, noop: 0 }[kind],
      indexOn: kind === 'index' ? lastTable : null,
    };
    files[file] = code ? codeMigration(spec, pauseMs, options.codeWaitMs ?? 0) : kind === 'slow' ? slowMigration(spec, flavor, options.slowMs ?? 600) : sqlMigration(spec, flavor);
    specs.push(spec);
    if (kind === 'table') lastTable = `t_${k}`;
  }
  return { files, specs };
}

function sqlMigration(m: MigrationSpec, flavor: Flavor): string {
  const t = `t_${m.k}`;
  const up: string[] = [];
  const down: string[] = [];
  if (m.kind === 'noop') up.push('SELECT 1;');
  if (m.kind === 'ledger') {
    up.push('CREATE TABLE ledger (mig INT NOT NULL, n INT NOT NULL, PRIMARY KEY (mig, n));');
    down.push('DROP TABLE ledger;');
  }
  if (m.ownsTable) {
    up.push(`CREATE TABLE ${t} (id INT PRIMARY KEY, v VARCHAR(40));`, `INSERT INTO ${t} (id, v) VALUES (1, 'marker ${m.k}');`);
  }
  if (m.kind === 'index') {
    up.push(`CREATE INDEX ix_${m.k} ON ${m.indexOn} (v);`);
    down.push(flavor === 'mysql' ? `DROP INDEX ix_${m.k} ON ${m.indexOn};` : `DROP INDEX ix_${m.k};`);
  }
  for (let n = 1; n <= m.ledgerRows; n++) up.push(`INSERT INTO ledger (mig, n) VALUES (${m.k}, ${n});`);
  if (m.ledgerRows > 0) down.unshift(`DELETE FROM ledger WHERE mig = ${m.k};`);
  if (m.ownsTable) down.push(`DROP TABLE ${t};`);
  const directives = m.transaction ? '' : '-- transaction: off\n';
  return `-- ${m.kind} migration ${m.k}\n${directives}-- migrate:up\n${up.join('\n')}\n-- migrate:down\n${down.join('\n')}\n`;
}

/**
 * A code migration whose one statement runs about `ms` (a sleep on a server; a recursive count
 * on SQLite, which blocks the event loop) and inserts ledger row (k, 1). It logs
 * `slow statement in <version>` (on stderr) just before, so a test can aim a signal at it.
 */
function slowMigration(m: MigrationSpec, flavor: Flavor, ms: number): string {
  const from =
    flavor === 'postgres'
      ? `pg_sleep(${ms / 1000})`
      : flavor === 'mysql'
        ? `(SELECT SLEEP(${ms / 1000}) AS s) AS d`
        : // SQLite counts 2-6 million rows a second here, depending on the load: 3,000 rows per ms
          // keeps the statement running at least `ms`/2 on an idle machine, so a signal aimed
          // 150 ms into it lands inside it (a faster count made the aimed signals miss).
          `(WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ${ms * 3000}) SELECT max(x) AS m FROM c) AS d`;
  return `// slow migration ${m.k}: one long statement
export const description = 'slow migration ${m.k}';
export async function up(db) {
  db.log('slow statement in ${m.version}');
  await db.exec('INSERT INTO ledger (mig, n) SELECT ${m.k}, 1 FROM ${from}');
}
export async function down(db) {
  await db.run('DELETE FROM ledger WHERE mig = ${m.k}');
}
`;
}

function codeMigration(m: MigrationSpec, pauseMs: number, waitMs: number): string {
  const t = `t_${m.k}`;
  const wait = waitMs > 0 ? `\n    if (n === ${m.ledgerRows}) {\n      db.log('waiting in ${m.version}');\n      await new Promise((resolve) => setTimeout(resolve, ${waitMs}));\n    }` : '';
  return `// ${m.kind} migration ${m.k}: several statements with awaits between them
const pause = () => new Promise((resolve) => setTimeout(resolve, ${pauseMs}));
export const description = '${m.kind} migration ${m.k}';
export const transaction = ${m.transaction};
export async function up(db) {
  await db.exec('CREATE TABLE ${t} (id INT PRIMARY KEY, v VARCHAR(40))');
  await db.run("INSERT INTO ${t} (id, v) VALUES (1, 'marker ${m.k}')");
  for (let n = 1; n <= ${m.ledgerRows}; n++) {
    await pause();${wait}
    await db.run('INSERT INTO ledger (mig, n) VALUES (${m.k}, ' + n + ')');
  }
}
export async function down(db) {
  await db.run('DELETE FROM ledger WHERE mig = ${m.k}');
  await pause();
  await db.exec('DROP TABLE ${t}');
}
`;
}

/** What of each migration's effects the database holds, by version. */
export async function effects(target: Target, specs: readonly MigrationSpec[]): Promise<Map<string, Effects>> {
  const tables = new Set((await target.query<{ name: string }>(tablesSql(target.flavor))).map((r) => String(r.name).toLowerCase()));
  const indexes = new Set((await target.query<{ name: string }>(indexesSql(target.flavor))).map((r) => String(r.name).toLowerCase()));
  const ledger = new Map<number, number>();
  if (tables.has('ledger')) {
    for (const r of await target.query<{ mig: number; n: number | string }>('SELECT mig, count(*) AS n FROM ledger GROUP BY mig')) ledger.set(Number(r.mig), Number(r.n));
  }
  const markers = new Map<number, number>();
  const owned = specs.filter((m) => m.ownsTable && tables.has(`t_${m.k}`));
  if (owned.length > 0) {
    const sql = owned.map((m) => `SELECT ${m.k} AS k, count(*) AS n FROM t_${m.k} WHERE id = 1`).join(' UNION ALL ');
    for (const r of await target.query<{ k: number; n: number | string }>(sql)) markers.set(Number(r.k), Number(r.n));
  }
  const result = new Map<string, Effects>();
  for (const m of specs) {
    const parts: boolean[] = [];
    if (m.kind === 'ledger') parts.push(tables.has('ledger'));
    if (m.ownsTable) parts.push(tables.has(`t_${m.k}`), (markers.get(m.k) ?? 0) === 1);
    if (m.kind === 'index') parts.push(indexes.has(`ix_${m.k}`));
    const rows = ledger.get(m.k) ?? 0;
    for (let n = 1; n <= m.ledgerRows; n++) parts.push(rows >= n);
    // A no-op has no parts: it reads as `none` (so a dirty one is repaired --rolled-back).
    result.set(m.version, parts.length > 0 && parts.every(Boolean) ? 'full' : parts.some(Boolean) ? 'partial' : 'none');
  }
  return result;
}

/** Undoes by hand whatever a half-run migration left (what a user does before `repair --rolled-back`). */
export async function undoByHand(target: Target, m: MigrationSpec): Promise<void> {
  const tables = new Set((await target.query<{ name: string }>(tablesSql(target.flavor))).map((r) => String(r.name).toLowerCase()));
  const indexes = new Set((await target.query<{ name: string }>(indexesSql(target.flavor))).map((r) => String(r.name).toLowerCase()));
  if (m.kind === 'index' && indexes.has(`ix_${m.k}`)) {
    await target.query(target.flavor === 'mysql' ? `DROP INDEX ix_${m.k} ON ${m.indexOn}` : `DROP INDEX ix_${m.k}`);
  }
  if (m.ledgerRows > 0 && tables.has('ledger')) await target.query(`DELETE FROM ledger WHERE mig = ${m.k}`);
  if (m.ownsTable && tables.has(`t_${m.k}`)) await target.query(`DROP TABLE t_${m.k}`);
  if (m.kind === 'ledger' && tables.has('ledger')) await target.query('DROP TABLE ledger');
}

/** SPEC §3's checksum of a migration file as it is now (BOM removed, line ends normalised). */
export function fileChecksum(migrationsDir: string, m: MigrationSpec): string {
  const text = readFileSync(join(migrationsDir, m.file), 'utf8').replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  return createHash('sha256').update(text).digest('hex');
}

function tablesSql(flavor: Flavor): string {
  if (flavor === 'sqlite') return `SELECT name FROM sqlite_master WHERE type = 'table'`;
  if (flavor === 'postgres') return `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'`;
  return 'SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()';
}

function indexesSql(flavor: Flavor): string {
  if (flavor === 'sqlite') return `SELECT name FROM sqlite_master WHERE type = 'index'`;
  if (flavor === 'postgres') return `SELECT indexname AS name FROM pg_indexes WHERE schemaname = 'public'`;
  return 'SELECT DISTINCT INDEX_NAME AS name FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE()';
}
