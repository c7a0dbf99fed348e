// node-pg-migrate (PostgreSQL only): `node-pg-migrate up` through its CLI,
// in-process its `runner()`. CLI defaults: --single-transaction (all pending
// migrations in one transaction) and an advisory lock that fails when taken.
// It has no status command.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { childMain, measureCalls, installQueryCounter } from '../lib/child.mjs';

const SCRIPT = fileURLToPath(import.meta.url);
const BENCH = join(SCRIPT, '..', '..');
const TABLE = 'pgmigrations';

childMain(import.meta.url, {
  async lib({ url, dir, later }) {
    const counter = installQueryCounter(BENCH);
    const { default: pg } = await import('pg');
    const { runner } = await import('node-pg-migrate');
    const client = new pg.Client({ connectionString: url });
    await client.connect(); // outside the timing
    try {
      return await measureCalls(
        () => runner({ dbClient: client, dir, direction: 'up', migrationsTable: TABLE, count: Infinity, singleTransaction: true, log: () => {} }),
        { later, counter, check: (r) => { if (r.length) throw new Error(`not a no-op: ran ${r.length}`); } },
      );
    } finally { await client.end(); }
  },
});

export const adapters = [{
  name: 'node-pg-migrate',
  kind: 'node',
  dialects: ['postgres'],
  format: 'node-pg-migrate',
  tracking: { table: TABLE, key: 'name' },
  workloads: ['apply', 'noop-lib', 'noop-process', 'status', 'race'],
  note: 'CLI up, one transaction for the batch (its default)',
  available: () => null,
  version: (ctx) => `node-pg-migrate ${ctx.pkgVersion('node-pg-migrate')}`,
  apply: (ctx, db, dir) => ({
    cmd: ctx.node,
    args: [join(ctx.bench, 'node_modules/node-pg-migrate/bin/node-pg-migrate.js'), 'up', '-m', dir, '--migrations-table', TABLE],
    env: { DATABASE_URL: db.url },
    cwd: ctx.work,
  }),
  status: () => ({ unsupported: 'node-pg-migrate has no status command' }),
  lib: (ctx, db, dir, later) => ({ cmd: ctx.node, args: [SCRIPT, 'lib', JSON.stringify({ url: db.url, dir, later })], cwd: ctx.bench }),
}];
