// dbmate: a Go binary, shipped in the npm package `dbmate` through its
// platform package (@dbmate/<os>-<arch>). We run the binary itself, not the
// npm package's Node wrapper, so its figures are dbmate's own. Defaults: one
// transaction per migration; --no-dump-schema so it does not shell out to
// pg_dump/mysqldump after `up`. No library, so no in-process figures.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

let binary; // resolved once: path or null
let reason = null;

function resolveBinary(ctx) {
  if (binary !== undefined) return binary;
  binary = null;
  const candidates = [
    join(ctx.bench, `node_modules/@dbmate/${process.platform}-${process.arch === 'x64' ? 'x64' : process.arch}/bin/dbmate`),
  ];
  const found = candidates.find((p) => existsSync(p));
  if (!found) {
    reason = `dbmate binary not installed (no @dbmate/${process.platform}-${process.arch} package)`;
    return binary;
  }
  const r = spawnSync(found, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  if (r.status !== 0) {
    reason = `dbmate binary does not run: ${(r.stderr || r.error || '').toString().trim().slice(0, 120)}`;
    return binary;
  }
  binary = found;
  return binary;
}

function url(db) {
  if (db.dialect === 'postgres') return `${db.url}?sslmode=disable`;
  return db.url; // sqlite:/abs/path.db and mysql://root@host:port/db are dbmate's forms too
}

const cmd = (ctx, db, dir, command) => ({
  cmd: resolveBinary(ctx),
  args: ['--url', url(db), '--migrations-dir', dir, '--no-dump-schema', command],
  cwd: ctx.work,
});

export const adapters = [{
  name: 'dbmate',
  kind: 'go',
  dialects: ['sqlite', 'postgres', 'mysql'],
  format: 'dbmate',
  tracking: { table: 'schema_migrations', key: 'version' },
  workloads: ['apply', 'noop-process', 'status', 'race'],
  note: 'Go binary, one transaction per migration',
  available: (ctx) => (resolveBinary(ctx) ? null : reason),
  version: (ctx) => {
    const b = resolveBinary(ctx);
    return b ? spawnSync(b, ['--version'], { encoding: 'utf8' }).stdout.trim() : 'unavailable';
  },
  apply: (ctx, db, dir) => cmd(ctx, db, dir, 'up'),
  status: (ctx, db, dir) => cmd(ctx, db, dir, 'status'),
  lib: () => ({ unsupported: 'dbmate is a Go binary with no Node library' }),
}];
