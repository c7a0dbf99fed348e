/**
 * Runs one row of a bad-input table: a fresh project and database, the row's setup, the real
 * `strata` binary (or a library script), then every check §5 makes of a failure — the exit
 * code, exactly one `error:` line that names the file and is followed by what to do next, no
 * crash, one JSON document with --json and its `error.code` — and the half-applied check of
 * ./db-state.ts. Problems are collected, not thrown one at a time, so a failing row says
 * everything that is wrong with it at once.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dialects as listedDialects, type DialectName, type FreshDatabase } from '../../test/support/dialects.js';
import { project, REPO, strata, type CliResult, type Project } from '../../test/support/project.js';
import { spawn } from 'node:child_process';
import { halfApplied, readState, type DbState } from './db-state.js';

export interface CaseContext {
  readonly project: Project;
  readonly dialect: DialectName;
  /** The URL passed with --db (setup may replace it). */
  url: string;
  /** sqlite: the database file; servers: the database name. */
  database: string;
  /** Run after the command, before the project and database are removed (unmount, drop). */
  readonly cleanups: (() => void | Promise<void>)[];
  /** A setup step: run strata before the command under test (e.g. apply, then edit a file). */
  run(args: readonly string[]): Promise<CliResult>;
}

export interface BadInputCase {
  readonly name: string;
  /** Default: sqlite. */
  readonly dialects?: readonly DialectName[];
  /** Files in migrations/ (name → text or bytes). */
  readonly files?: Readonly<Record<string, string | Buffer>>;
  /** Files in the project folder (config files). */
  readonly projectFiles?: Readonly<Record<string, string>>;
  readonly setup?: (ctx: CaseContext) => void | Promise<void>;
  /** The command; `--db <url>` is appended unless `db: false` or the args name --db. */
  readonly args: readonly string[] | ((ctx: CaseContext) => readonly string[]);
  readonly db?: false;
  /** A library script body instead of the CLI: `run(strata, url)` is given the module and URL. */
  readonly library?: string;
  readonly env?: (ctx: CaseContext) => Record<string, string | undefined>;
  /** The exit code; a list where the spec allows either (must work or fail cleanly). */
  readonly exit: number | readonly number[];
  /** `error.code` of the --json document. */
  readonly code?: string;
  /** What the error message (the `error:` line and what follows it) must say. */
  readonly error?: RegExp;
  /** Text the `error:` line itself must contain: the file, migration or option at fault. */
  readonly names?: string | ((ctx: CaseContext) => string);
  /** Versions recorded as applied afterwards (exactly). */
  readonly applied?: readonly string[];
  /** version → a table that migration creates: present exactly when recorded (half-applied check). */
  readonly effects?: Readonly<Record<string, string>>;
  /** Further checks after the command (e.g. a row's content); return what is wrong. */
  readonly check?: (ctx: CaseContext, state: DbState | null, result: CliResult) => string[] | Promise<string[]>;
  /** Skip the --json run (commands whose JSON form says nothing more). */
  readonly json?: false;
  readonly timeoutMs?: number;
  /** Issue 13's defect this row exposes on the main of the time (the row fails until it is fixed). */
  readonly defect?: string;
}

export interface CaseOutcome {
  readonly exit: number | null;
  readonly signal: string | null;
  readonly problems: readonly string[];
}

const BUG_HINT = /looks like a bug in strata/;
const STACK_LINE = /^\s+at .+:\d+:\d+\)?$/m;

export function dialectsOf(row: BadInputCase): DialectName[] {
  const available = new Set(listedDialects().map((d) => d.name));
  return (row.dialects ?? ['sqlite']).filter((d) => available.has(d));
}

export async function runCase(row: BadInputCase, dialect: DialectName, json: boolean): Promise<CaseOutcome> {
  const fresh: FreshDatabase = await listedDialects().find((d) => d.name === dialect)!.fresh();
  const p = project();
  for (const [name, text] of Object.entries(row.files ?? {})) writeFileSync(join(p.migrations, name), text);
  for (const [name, text] of Object.entries(row.projectFiles ?? {})) p.write(name, text);
  const ctx: CaseContext = {
    project: p,
    dialect,
    url: fresh.url,
    database: dialect === 'sqlite' ? fresh.url.slice('sqlite:'.length) : (fresh as unknown as { database: string }).database,
    cleanups: [],
    run: (args) => strata([...args, '--db', ctx.url], { cwd: p.dir }),
  };
  const problems: string[] = [];
  try {
    await row.setup?.(ctx);
    const args = [...(typeof row.args === 'function' ? row.args(ctx) : row.args)];
    if (row.db !== false && !args.includes('--db') && row.library === undefined) args.push('--db', ctx.url);
    if (json) args.push('--json');
    const env = row.env?.(ctx);
    const result = row.library !== undefined
      ? await runLibrary(p, row.library, ctx.url, json, row.timeoutMs)
      : await strata(args, { cwd: p.dir, env, timeoutMs: row.timeoutMs ?? 60_000 });
    problems.push(...checkOutput(row, ctx, result, json));
    let state: DbState | null = null;
    try {
      state = await readState({ dialect, database: ctx.database });
    } catch (error) {
      // A corrupt or unmounted SQLite file cannot be read back: only the output is judged.
      if (dialect !== 'sqlite') problems.push(`cannot read the database back: ${(error as Error).message}`);
    }
    if (state) {
      problems.push(...halfApplied(state, row.effects ?? {}));
      if (row.applied) {
        const applied = state.rows.filter((r) => r.state === 'applied').map((r) => r.version).sort();
        const expected = [...row.applied].sort();
        if (applied.join(',') !== expected.join(',')) problems.push(`applied afterwards: [${applied.join(', ')}], expected [${expected.join(', ')}]`);
      }
    }
    if (row.check) problems.push(...(await row.check(ctx, state, result)));
    return { exit: result.code, signal: result.signal, problems };
  } finally {
    for (const cleanup of ctx.cleanups.reverse()) await cleanup();
    await fresh.drop();
    p.cleanup();
  }
}

function checkOutput(row: BadInputCase, ctx: CaseContext, result: CliResult, json: boolean): string[] {
  const problems: string[] = [];
  const mode = json ? ' (--json)' : '';
  const exits = typeof row.exit === 'number' ? [row.exit] : row.exit;
  if (result.signal !== null) problems.push(`ended by ${result.signal}${mode} (crash or hang)`);
  else if (!exits.includes(result.code!)) problems.push(`exit ${result.code}${mode}, expected ${exits.join(' or ')}`);
  const lines = result.stderr.split('\n');
  const errorLines = lines.map((line, i) => [line, i] as const).filter(([line]) => line.startsWith('error:'));
  if (BUG_HINT.test(result.stderr) || STACK_LINE.test(result.stderr)) problems.push(`crashed${mode}: ${firstLines(result.stderr)}`);
  if (result.code === 0) {
    if (errorLines.length) problems.push(`exit 0 but stderr has an error: line${mode}: ${errorLines[0]![0]}`);
  } else if (result.code !== null) {
    if (errorLines.length !== 1) problems.push(`${errorLines.length} error: lines on stderr, expected exactly one${mode}: ${firstLines(result.stderr)}`);
    const [errorLine, at] = errorLines[0] ?? ['', -1];
    const block = at >= 0 ? lines.slice(at).join('\n').trim() : '';
    const names = typeof row.names === 'function' ? row.names(ctx) : row.names;
    if (names !== undefined && errorLine && !errorLine.includes(names)) problems.push(`the error: line does not name ${names}: ${errorLine}`);
    if (row.error && block && !row.error.test(block)) problems.push(`the error does not match ${row.error}: ${block.slice(0, 400)}`);
    const after = lines.slice(at + 1).filter((l) => l.trim() !== '');
    const last = after[after.length - 1];
    if (at >= 0 && (last === undefined || !last.startsWith('hint: '))) problems.push(`the error does not end with what to do next (a hint: line): ${block.slice(0, 300)}`);
  }
  if (json) {
    let document: any;
    try {
      document = JSON.parse(result.stdout);
    } catch {
      problems.push(`--json stdout is not exactly one JSON document: ${JSON.stringify(result.stdout.slice(0, 200))}`);
    }
    if (document !== undefined && result.code !== 0 && result.code !== null) {
      if (typeof document?.error?.code !== 'string') problems.push('--json failure document has no error.code');
      else if (row.code && document.error.code !== row.code) problems.push(`--json error.code is ${document.error.code}, expected ${row.code}`);
    }
  }
  return problems;
}

function firstLines(text: string): string {
  return JSON.stringify(text.split('\n').slice(0, 4).join('\n').slice(0, 400));
}

/** A library call in its own process, reported the way the CLI reports (exit codes of §5). */
async function runLibrary(p: Project, body: string, url: string, json: boolean, timeoutMs = 60_000): Promise<CliResult> {
  const script = `import * as strata from ${JSON.stringify(join(REPO, 'dist/index.js'))};
const json = process.argv.includes('--json');
const run = async (strata, url) => { ${body} };
try {
  const result = await run(strata, process.env.CASE_DB_URL);
  if (json) process.stdout.write(JSON.stringify(result ?? {}) + '\\n');
  process.exit(0);
} catch (e) {
  const exit = e instanceof strata.ConfigError || e instanceof strata.ConnectionError ? 2
    : e instanceof strata.ValidationError ? 3 : e instanceof strata.LockTimeoutError ? 4 : 1;
  process.stderr.write('error: ' + e.message + '\\n' + (e.hint ? 'hint: ' + e.hint + '\\n' : ''));
  if (json) process.stdout.write(JSON.stringify({ error: { code: e.code ?? 'internal', message: e.message, hint: e.hint ?? null } }) + '\\n');
  process.exit(exit);
}
`;
  const file = p.write('case.mjs', script);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file, ...(json ? ['--json'] : [])], { cwd: p.dir, env: { ...process.env, CASE_DB_URL: url }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (c: Buffer) => (stdout += c));
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, json: () => JSON.parse(stdout) });
    });
  });
}
