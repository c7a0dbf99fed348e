// strata itself, against its spec (shared/SPEC.md §5, §8): the CLI
// `node <repo>/bin/strata.js up|status --db <url> --dir <dir>` run in a project
// folder prepared by `strata init` (§9: "with the config that init writes"),
// and in-process `migrate({ db, dir })` from <repo>/dist/index.js.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { spawnSync } from 'node:child_process';
import { childMain, measureCalls, installQueryCounter } from '../lib/child.mjs';

const SCRIPT = fileURLToPath(import.meta.url);

childMain(import.meta.url, {
  async lib({ repo, url, dir, later }) {
    // Wrap the pg/mysql2 that strata resolves, before strata loads them.
    const counter = installQueryCounter(repo);
    const { migrate } = await import(pathToFileURL(join(repo, 'dist/index.js')).href);
    return measureCalls(() => migrate({ db: url, dir }), {
      later, counter,
      check: (r) => {
        if (r?.status !== 'up-to-date') throw new Error(`not a no-op: ${JSON.stringify(r).slice(0, 200)}`);
      },
    });
  },
});

const bin = (ctx) => join(ctx.repo, 'bin/strata.js');

const cli = (ctx, db, dir, args) => ({
  cmd: ctx.node,
  args: [bin(ctx), ...args, '--db', db.url, '--dir', dir],
  cwd: join(dir, '..'), // the project folder, with the config `strata init` wrote
  env: { NO_COLOR: '1' },
});

export const adapters = [{
  name: 'strata',
  kind: 'node',
  dialects: ['sqlite', 'postgres', 'mysql'],
  format: 'sql',
  tracking: { table: 'strata_migrations', key: 'version' },
  workloads: ['apply', 'noop-lib', 'noop-process', 'status', 'race', 'rss'],
  note: 'CLI up / migrate() from dist',
  available: (ctx) => {
    for (const f of ['dist/index.js', 'bin/strata.js']) {
      if (!existsSync(join(ctx.repo, f))) return `strata is not built: ${f} is missing${ctx.buildError ? ` (${ctx.buildError})` : ''}`;
    }
    return null;
  },
  version: (ctx) => {
    const r = spawnSync(ctx.node, [bin(ctx), '--version'], { encoding: 'utf8', timeout: 20_000 });
    return `strata ${(r.stdout || '').trim() || '?'}`;
  },
  // After the .sql files are generated into <root>/migrations: `strata init`
  // there, which writes strata.config.mjs (and never overwrites a file).
  afterGenerate: (ctx, root) => {
    const r = spawnSync(ctx.node, [bin(ctx), 'init'], { cwd: root, encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } });
    if (r.status !== 0) return `strata init failed (exit ${r.status}), run without its config: ${(r.stderr || '').trim().split('\n').pop()}`;
    return null;
  },
  apply: (ctx, db, dir) => cli(ctx, db, dir, ['up', '--json']),
  status: (ctx, db, dir) => cli(ctx, db, dir, ['status']),
  lib: (ctx, db, dir, later) => ({
    cmd: ctx.node, args: [SCRIPT, 'lib', JSON.stringify({ repo: ctx.repo, url: db.url, dir, later })], cwd: join(dir, '..'),
  }),
}];
