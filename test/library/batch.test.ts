/**
 * db.batch (§10) on every dialect, through the library: keyset order over a composite key,
 * `where` with parameters, `columns`, progress events, a transactional migration rolled back
 * whole, a `transaction: off` migration left dirty with its checkpoint and resumed so that
 * every row is touched exactly once.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createMigrator, migrate, type Db, type StrataEvent } from '../../src/index.js';
import type { ListMigration } from '../../src/sources/list.js';
import { allDialects, notListed, type DialectName } from '../support/dialects.js';
import { nativeConnection } from '../support/native.js';

const ROWS = 230;
const SIZE = 20;

/** 230 rows inserted out of key order: a = i*7 mod 5, b = i. */
function createItems(): ListMigration {
  const values = Array.from({ length: ROWS }, (_, i) => `(${(i * 7) % 5}, ${ROWS - i}, ${i}, 'n${i}')`);
  return {
    id: '001_items',
    up: async (db: Db) => {
      await db.exec('CREATE TABLE items (a INTEGER NOT NULL, b INTEGER NOT NULL, v INTEGER NOT NULL, note VARCHAR(20), touched INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (a, b))');
      await db.exec(`INSERT INTO items (a, b, v, note) VALUES ${values.join(', ')}`);
    },
  };
}

const ph = (dialect: DialectName, n: number) => (dialect === 'postgres' ? `$${n}` : '?');

/** Every row's `touched`, and the checkpoints kept. */
async function inspect(dialect: DialectName, url: string) {
  const c = await nativeConnection(dialect, url);
  try {
    const touched = (await c.query('SELECT touched FROM items')).map((r) => Number(r.touched));
    const hasCkpt = (await c.query(dialect === 'sqlite' ? `SELECT name FROM sqlite_master WHERE name = 'strata_migrations_ckpt'`
      : dialect === 'postgres' ? `SELECT relname FROM pg_class WHERE relname = 'strata_migrations_ckpt'`
        : `SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'strata_migrations_ckpt'`)).length > 0;
    const checkpoints = hasCkpt ? await c.query('SELECT version, name, last_key, batches, rows_done FROM strata_migrations_ckpt') : [];
    const rows = await c.query('SELECT version, state FROM strata_migrations ORDER BY version');
    return { touched, checkpoints, rows: rows.map((r) => `${String(r.version)}:${String(r.state)}`) };
  } finally {
    await c.end();
  }
}

const touch = (db: Db, dialect: DialectName) => async (rows: Record<string, unknown>[]) => {
  for (const row of rows) await db.run(`UPDATE items SET touched = touched + 1 WHERE a = ${ph(dialect, 1)} AND b = ${ph(dialect, 2)}`, [row.a, row.b]);
};

for (const dialect of allDialects()) {
  const d = dialect.name;
  describe(`db.batch (${d})`, { skip: notListed(d) }, () => {
    test('walks a composite primary key in key order, once per row, with where + params and columns', async () => {
      const fresh = await dialect.fresh();
      const seen: string[] = [];
      const filtered: number[] = [];
      const shapes = new Set<string>();
      const infos: { batch: number; done: number; total: number | null }[] = [];
      const events: StrataEvent[] = [];
      try {
        await migrate({
          db: fresh.url,
          onEvent: (e) => events.push(e),
          migrations: [createItems(), {
            id: '002_walk',
            up: async (db: Db) => {
              const all = await db.batch({ table: 'items', size: SIZE }, (rows, info) => {
                infos.push({ batch: info.batch, done: info.done, total: info.total });
                for (const r of rows) seen.push(`${String(r.a)}/${String(r.b)}`);
              });
              assert.deepEqual(all, { name: 'items:a,b', batches: Math.ceil(ROWS / SIZE), rows: ROWS, resumed: false });
              // Two parameters of its own: on PostgreSQL the keyset's follow as $3, $4 (and $5 in the expanded form).
              await db.batch({ table: 'items', size: 7, where: `v >= ${ph(d, 1)} AND note <> ${ph(d, 2)}`, params: [100, 'n150'], columns: ['v'], name: 'filtered' }, (rows) => {
                for (const r of rows) {
                  filtered.push(Number(r.v));
                  shapes.add(Object.keys(r).sort().join(','));
                }
              });
            },
          }],
        });
        const expected = Array.from({ length: ROWS }, (_, i) => [(i * 7) % 5, ROWS - i]).sort((x, y) => x[0]! - y[0]! || x[1]! - y[1]!).map(([a, b]) => `${a}/${b}`);
        assert.deepEqual(seen, expected, 'every row once, in (a, b) order');
        assert.deepEqual(infos.map((i) => i.batch), Array.from({ length: Math.ceil(ROWS / SIZE) }, (_, i) => i + 1));
        assert.deepEqual(infos.map((i) => i.done), infos.map((_, i) => i * SIZE));
        if (d === 'sqlite') assert.equal(infos[0]!.total, ROWS, 'SQLite counts');
        else assert.ok(infos[0]!.total === null || Number.isFinite(infos[0]!.total), 'servers estimate from the catalog');
        assert.deepEqual(filtered.sort((x, y) => x - y), Array.from({ length: ROWS - 100 }, (_, i) => i + 100).filter((v) => v !== 150));
        assert.deepEqual([...shapes], ['a,b,v'], 'the columns asked for, and the key');
        const progress = events.filter((e): e is Extract<StrataEvent, { type: 'batch-progress' }> => e.type === 'batch-progress' && e.name === 'items:a,b');
        assert.equal(progress.length, Math.ceil(ROWS / SIZE));
        assert.deepEqual(progress.map((e) => e.done), progress.map((_, i) => Math.min(ROWS, (i + 1) * SIZE)));
        for (const e of progress) {
          assert.equal(e.version, '002');
          assert.equal(e.totalEstimated, true);
          assert.ok(e.rowsPerSecond >= 0);
          assert.ok(e.etaMs === null || e.etaMs >= 0);
        }
      } finally {
        await fresh.drop();
      }
    });

    test('refuses a name used twice, a table without a primary key, a missing table, a bad size', async () => {
      const cases: [string, (db: Db) => Promise<void>, RegExp][] = [
        ['002_twice', async (db) => {
          await db.batch({ table: 'items' }, () => undefined);
          await db.batch({ table: 'items' }, () => undefined);
        }, /the name "items:a,b" is used twice in this migration/],
        ['002_nokey', async (db) => {
          await db.exec('CREATE TABLE loose (v INTEGER)');
          await db.batch({ table: 'loose' }, () => undefined);
        }, /table loose has no primary key; pass `key`/],
        ['002_missing', (db) => db.batch({ table: 'nowhere' }, () => undefined).then(() => undefined), /table nowhere does not exist/],
        ['002_size', (db) => db.batch({ table: 'items', size: 0 }, () => undefined).then(() => undefined), /`size` must be a positive integer/],
      ];
      for (const [id, up, message] of cases) {
        // A fresh database each: on MySQL a failed code migration stays dirty.
        const fresh = await dialect.fresh();
        try {
          await assert.rejects(migrate({ db: fresh.url, migrations: [createItems(), { id, up }] }), message);
        } finally {
          await fresh.drop();
        }
      }
    });

    test('a transactional migration whose batch fails is rolled back whole (MySQL: its committed batches stay, dirty)', async () => {
      const fresh = await dialect.fresh();
      try {
        await migrate({ db: fresh.url, migrations: [createItems()] });
        await assert.rejects(migrate({
          db: fresh.url,
          migrations: [createItems(), {
            id: '002_fails',
            up: async (db: Db) => {
              await db.batch({ table: 'items', size: SIZE }, async (rows, info) => {
                await touch(db, d)(rows);
                if (info.batch === 3) throw new Error('boom in batch 3');
              });
            },
          }],
        }), /boom in batch 3/);
        const state = await inspect(d, fresh.url);
        if (d === 'mysql') {
          // MySQL's DDL commits implicitly, so a code migration follows the dirty protocol: each batch committed with its checkpoint.
          assert.equal(state.touched.filter((t) => t === 1).length, 2 * SIZE);
          assert.deepEqual(state.rows, ['001:applied', '002:dirty']);
          assert.equal(state.checkpoints.length, 1);
        } else {
          assert.ok(state.touched.every((t) => t === 0), 'every batch rolled back');
          assert.deepEqual(state.rows, ['001:applied']);
          assert.deepEqual(state.checkpoints, []);
        }
      } finally {
        await fresh.drop();
      }
    });

    test('a transactional migration stopped by its signal after a batch rolls back whole', { skip: d === 'mysql' ? 'MySQL runs code migrations by the dirty protocol (see the transaction: off tests)' : false }, async () => {
      const fresh = await dialect.fresh();
      const controller = new AbortController();
      try {
        const m = await createMigrator({
          db: fresh.url,
          signal: controller.signal,
          migrations: [createItems(), {
            id: '002_stopped',
            up: async (db: Db) => {
              await db.batch({ table: 'items', size: SIZE }, async (rows, info) => {
                await touch(db, d)(rows);
                if (info.batch === 2) controller.abort();
              });
            },
          }],
        });
        try {
          await assert.rejects(m.up(), (e: Error & { code?: string }) => e.code === 'aborted');
        } finally {
          await m.close();
        }
        const state = await inspect(d, fresh.url);
        assert.ok(state.touched.every((t) => t === 0));
        assert.deepEqual(state.rows, ['001:applied']);
      } finally {
        await fresh.drop();
      }
    });

    test('transaction: off — a failure leaves it dirty with its checkpoint; up({ resume }) touches every row exactly once', async () => {
      const fresh = await dialect.fresh();
      let failAt: number | null = 4;
      const walk: ListMigration = {
        id: '002_backfill',
        transaction: false,
        up: async (db: Db) => {
          await db.batch({ table: 'items', size: SIZE, pauseMs: 1 }, async (rows, info) => {
            await touch(db, d)(rows);
            if (info.batch === failAt) throw new Error(`failed in batch ${info.batch}`);
          });
        },
      };
      try {
        const migrations = [createItems(), walk];
        const first = await migrate({ db: fresh.url, migrations }).then(() => null, (e: Error & { hint?: string }) => e);
        assert.ok(first, 'the first run fails');
        assert.match(first.message, /failed in batch 4/);
        assert.match(first.hint ?? '', /strata up --resume/);
        let state = await inspect(d, fresh.url);
        assert.equal(state.touched.filter((t) => t === 1).length, 3 * SIZE, 'three batches committed, the fourth rolled back');
        assert.equal(state.touched.filter((t) => t > 1).length, 0);
        assert.deepEqual(state.rows, ['001:applied', '002:dirty']);
        assert.equal(state.checkpoints.length, 1);
        assert.equal(Number(state.checkpoints[0]!.rows_done), 3 * SIZE);

        // Without resume: refused, and the hint says how to continue.
        const refused = await migrate({ db: fresh.url, migrations }).then(() => null, (e: Error & { code?: string; hint?: string }) => e);
        assert.equal(refused?.code, 'dirty');
        assert.match(refused?.hint ?? '', /continue it with `strata up --resume`/);

        failAt = null;
        const result = await migrate({ db: fresh.url, migrations, resume: true });
        assert.deepEqual(result.applied, ['002']);
        state = await inspect(d, fresh.url);
        assert.deepEqual([...new Set(state.touched)], [1], 'every row exactly once');
        assert.deepEqual(state.rows, ['001:applied', '002:applied']);
        assert.deepEqual(state.checkpoints, [], 'checkpoints removed with the completion');
      } finally {
        await fresh.drop();
      }
    });
  });
}
