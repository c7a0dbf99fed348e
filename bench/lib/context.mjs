// The run's shared state: paths, options, the generated migration folders,
// and the list of results every workload appends to.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { generate } from './generate.mjs';
import { summarize } from './stats.mjs';

export function createContext({ bench, repo, options }) {
  const work = join(bench, '.tmp', `run-${process.pid}`); // under bench/ so Kysely's migrations resolve `kysely`
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const dirs = new Map();
  const fixtures = new Map(); // `${tool}|${dialect}` -> database with N = 1,000 applied
  const only = options.only ? new RegExp(options.only, 'i') : null;

  const ctx = {
    bench,
    repo,
    work,
    node: process.execPath,
    options,
    runs: options.runs,
    timeoutMs: options.timeoutS * 1000,
    results: [],
    notes: {}, // per adapter: a note from preparing it (e.g. strata init failed)
    dialectLabel: { sqlite: 'sqlite', postgres: 'postgres', mysql: 'mysql' },
    unavailableDialects: {}, // dialect -> reason (server unreachable)

    pkgVersion(name) {
      try { return JSON.parse(readFileSync(join(bench, 'node_modules', name, 'package.json'), 'utf8')).version; } catch { return '?'; }
    },

    /** Does --only / --dialect let this (tool, dialect, workload) run? */
    selected(tool, dialect, workload) {
      if (!options.dialects.includes(dialect)) return false;
      return !only || only.test(`${tool} ${dialect} ${workload}`) || only.test(`${tool} ${ctx.dialectLabel[dialect]} ${workload}`);
    },

    /** The adapter's migrations for N, generated on first use (outside any timing). */
    migrations(adapter, n) {
      const key = `${adapter.name}-${n}`;
      if (!dirs.has(key)) {
        const root = join(work, key);
        const dir = generate(adapter.format, root, n);
        const note = adapter.afterGenerate?.(ctx, root, dir);
        if (note) ctx.notes[adapter.name] = note;
        dirs.set(key, dir);
      }
      return dirs.get(key);
    },

    /** Append a result; `values` are per-run figures (ms, or KiB for RSS). */
    record(r) {
      const s = summarize(r.values ?? []);
      const row = {
        tool: r.tool, dialect: r.dialect, workload: r.workload, n: r.n ?? null,
        status: r.status ?? 'ok', unit: r.unit ?? 'ms',
        median: s.median, min: s.min, max: s.max, runs: s.n, values: r.values ?? [],
        ratio: null, ratioTo: r.ratioTo ?? null,
        note: r.note ?? null, error: r.error ?? null, extra: r.extra ?? null,
      };
      ctx.results.push(row);
      const fig = row.median == null ? row.status : `${row.unit === 'KiB' ? (row.median / 1024).toFixed(1) + ' MiB' : row.median.toFixed(1) + ' ms'}`;
      process.stderr.write(`  ${row.tool.padEnd(16)} ${row.dialect.padEnd(8)} ${row.workload.padEnd(16)} ${String(row.n ?? '').padStart(5)}  ${fig}${row.error ? `  [${row.error}]` : row.note ? `  (${row.note})` : ''}\n`);
      ctx.saveProgress();
      return row;
    },

    /**
     * Keep a database where `adapter` applied N = 1,000 for the up-to-date
     * workload (saves applying them again). Returns true when kept.
     */
    keepFixture(adapter, db) {
      const wanted = ['noop-lib', 'noop-process', 'status'].some((w) => adapter.workloads.includes(w) && ctx.selected(adapter.name, db.dialect, w));
      if (!wanted) return false;
      fixtures.set(`${adapter.name}|${db.dialect}`, db);
      return true;
    },

    takeFixture(adapter, dialect) {
      const key = `${adapter.name}|${dialect}`;
      const db = fixtures.get(key) ?? null;
      fixtures.delete(key);
      return db;
    },

    find(tool, dialect, workload, n) {
      return ctx.results.find((r) => r.tool === tool && r.dialect === dialect && r.workload === workload && (n == null || r.n === n));
    },

    saveProgress() {
      const dir = join(bench, 'results');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'latest.json.tmp'), JSON.stringify({ partial: true, results: ctx.results }, null, 1));
    },

    saveFinal(doc, text) {
      const dir = join(bench, 'results');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'latest.json.tmp'), JSON.stringify(doc, null, 2) + '\n');
      renameSync(join(dir, 'latest.json.tmp'), join(dir, 'latest.json'));
      writeFileSync(join(dir, 'latest.txt.tmp'), text);
      renameSync(join(dir, 'latest.txt.tmp'), join(dir, 'latest.txt'));
    },

    cleanup() {
      if (existsSync(work)) rmSync(work, { recursive: true, force: true });
    },
  };
  return ctx;
}
