/**
 * The no-op start-up check makes a constant number of round trips to a server, whatever the
 * number of applied migrations (§9): counted at the driver packages' query entry points.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, test } from 'node:test';
import { migrate } from '../../src/index.js';
import { allDialects, notListed } from '../support/dialects.js';
import { project } from '../support/project.js';

const require = createRequire(import.meta.url);

/** Counts calls of the driver package's query methods while `fn` runs. */
async function countQueries(dialect: string, fn: () => Promise<unknown>): Promise<number> {
  const targets: { proto: Record<string, unknown>; name: string }[] =
    dialect === 'postgres'
      ? [{ proto: require('pg').Client.prototype, name: 'query' }]
      : [{ proto: require('mysql2').Connection.prototype, name: 'query' }, { proto: require('mysql2').Connection.prototype, name: 'execute' }];
  let count = 0;
  const originals = targets.map(({ proto, name }) => {
    const original = proto[name] as (...args: unknown[]) => unknown;
    proto[name] = function (this: unknown, ...args: unknown[]) {
      count++;
      return original.apply(this, args);
    };
    return original;
  });
  try {
    await fn();
  } finally {
    targets.forEach(({ proto, name }, i) => (proto[name] = originals[i]));
  }
  return count;
}

function migrations(n: number): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 1; i <= n; i++) files[`${String(i).padStart(3, '0')}_t${i}.sql`] = `CREATE TABLE t${i} (id INTEGER PRIMARY KEY);\n`;
  return files;
}

for (const dialect of allDialects().filter((d) => d.name !== 'sqlite')) {
  describe(`no-op round trips on ${dialect.name}`, { skip: notListed(dialect.name) }, () => {
    test('the same number of queries for 5 and for 40 applied migrations', async () => {
      const counts: number[] = [];
      for (const n of [5, 40]) {
        const db = await dialect.fresh();
        const p = project(migrations(n));
        try {
          assert.equal((await migrate({ db: db.url, dir: p.migrations })).status, 'migrated');
          let result: { status: string } | undefined;
          counts.push(await countQueries(dialect.name, async () => (result = await migrate({ db: db.url, dir: p.migrations }))));
          assert.equal(result?.status, 'up-to-date');
        } finally {
          p.cleanup();
          await db.drop();
        }
      }
      assert.ok(counts[0]! > 0, 'the counter sees the driver package queries');
      assert.equal(counts[0], counts[1], `queries: ${counts.join(' vs ')}`);
      assert.ok(counts[0]! <= 6, `a handful of queries, got ${counts[0]}`);
    });
  });
}
