/**
 * db.batch through the CLI on every dialect: a run killed with SIGKILL mid-way and a run
 * stopped by SIGINT after a batch keep their committed batches and checkpoint; `up` refuses
 * the dirty migration naming --resume; `up --resume` continues and touches every row exactly
 * once; progress goes to stderr, never to stdout with --json.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { allDialects, notListed, type DialectName } from '../support/dialects.js';
import { nativeConnection } from '../support/native.js';
import { BIN, project, signalWhen, strata } from '../support/project.js';

const ROWS = 500;
const SIZE = 50;

function files(dialect: DialectName): Record<string, string> {
  const values = Array.from({ length: ROWS }, (_, i) => `(${(i * 37) % ROWS + 1})`).join(', ');
  const p = (n: number) => (dialect === 'postgres' ? `$${n}` : '?');
  return {
    '001_items.sql': `CREATE TABLE items (id INTEGER PRIMARY KEY, touched INTEGER NOT NULL DEFAULT 0);\nINSERT INTO items (id) VALUES ${values};\n`,
    '002_backfill.ts': `export const transaction = false;
export async function up(db) {
  await db.batch({ table: 'items', size: ${SIZE} }, async (rows, info) => {
    for (const row of rows) await db.run('UPDATE items SET touched = touched + 1 WHERE id = ${p(1)}', [row.id]);
    if (Number(process.env.KILL_AT) === info.batch) process.kill(process.pid, 'SIGKILL');
    if (Number(process.env.WAIT_AT) === info.batch) {
      db.log('waiting in batch ' + info.batch);
      await new Promise((resolve) => setTimeout(resolve, 5000));
    }
  });
}
`,
  };
}

async function touched(dialect: DialectName, url: string): Promise<{ counts: number[]; checkpoints: number; state: string }> {
  const c = await nativeConnection(dialect, url);
  try {
    const counts = (await c.query('SELECT touched FROM items')).map((r) => Number(r.touched));
    const checkpoints = Number((await c.query('SELECT count(*) AS n FROM strata_migrations_ckpt'))[0]!.n);
    const state = String((await c.query(`SELECT state FROM strata_migrations WHERE version = '002'`))[0]?.state ?? 'none');
    return { counts, checkpoints, state };
  } finally {
    await c.end();
  }
}

for (const dialect of allDialects()) {
  const d = dialect.name;
  describe(`strata up --resume (${d})`, { skip: notListed(d) }, () => {
    test('killed with SIGKILL in batch 4: three batches stay, up refuses naming --resume, up --resume touches every row once', async () => {
      const fresh = await dialect.fresh();
      const p = project(files(d));
      try {
        const killed = await strata(['up', '--db', fresh.url], { cwd: p.dir, env: { KILL_AT: '4' } });
        assert.equal(killed.signal, 'SIGKILL', killed.stderr);
        let now = await touched(d, fresh.url);
        assert.equal(now.state, 'dirty');
        assert.equal(now.checkpoints, 1);
        assert.equal(now.counts.filter((n) => n === 1).length, 3 * SIZE, 'batches 1-3 committed, batch 4 lost with its checkpoint');

        const refused = await strata(['up', '--db', fresh.url], { cwd: p.dir });
        assert.equal(refused.code, 3, refused.stderr);
        assert.match(refused.stderr, /^hint: .*continue it with `strata up --resume`/m);

        const resumed = await strata(['up', '--resume', '--json', '--db', fresh.url], { cwd: p.dir });
        assert.equal(resumed.code, 0, resumed.stderr);
        assert.deepEqual(resumed.json().applied, ['002'], 'stdout is the one document');
        assert.match(resumed.stderr, /strata: 002 items:id: batch 4, 200 rows of about \d+ done/, 'the progress line, on stderr, continuing the count');
        now = await touched(d, fresh.url);
        assert.deepEqual([...new Set(now.counts)], [1], 'every row exactly once');
        assert.equal(now.counts.length, ROWS);
        assert.equal(now.state, 'applied');
        assert.equal(now.checkpoints, 0, 'checkpoints removed when it completed');
      } finally {
        p.cleanup();
        await fresh.drop();
      }
    });

    test('SIGINT during batch 3: exit 130, batches 1-2 kept, batch 3 rolled back, --resume finishes', async () => {
      const fresh = await dialect.fresh();
      const p = project(files(d));
      try {
        const stopped = await strata(['up', '--db', fresh.url], { cwd: p.dir, env: { WAIT_AT: '3' }, onOutput: signalWhen('waiting in batch 3', 'SIGINT') });
        assert.equal(stopped.code, 130, stopped.stderr);
        assert.match(stopped.stderr, /^error: stopped during migrations\/002_backfill\.ts: it is left dirty/m);
        assert.match(stopped.stderr, /^hint: continue it with `strata up --resume`/m);
        let now = await touched(d, fresh.url);
        assert.equal(now.state, 'dirty');
        assert.equal(now.counts.filter((n) => n === 1).length, 2 * SIZE, 'two batches committed; the third, stopped, rolled back');
        assert.equal(now.counts.filter((n) => n > 1).length, 0);

        const resumed = await strata(['up', '--resume', '--db', fresh.url], { cwd: p.dir });
        assert.equal(resumed.code, 0, resumed.stderr);
        now = await touched(d, fresh.url);
        assert.deepEqual([...new Set(now.counts)], [1], 'every row exactly once');
        assert.equal(now.checkpoints, 0);
      } finally {
        p.cleanup();
        await fresh.drop();
      }
    });
  });
}

/** util-linux `script`, which runs a command on a pseudo-terminal; null when it is not installed. */
function scriptProgram(): string | null {
  try {
    return execFileSync('sh', ['-c', 'command -v script'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

describe('strata up on a terminal', { skip: notListed('sqlite') || (scriptProgram() === null ? 'util-linux script is not installed' : false) }, () => {
  test('draws a progress bar on stderr while db.batch walks a table', () => {
    const p = project({
      '001_items.sql': 'CREATE TABLE items (id INTEGER PRIMARY KEY, touched INTEGER NOT NULL DEFAULT 0);\nWITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000) INSERT INTO items (id) SELECT i FROM n;\n',
      '002_walk.ts': "export const transaction = false;\nexport async function up(db) {\n  await db.batch({ table: 'items', size: 100, pauseMs: 5 }, async (rows) => {\n    await db.run('UPDATE items SET touched = 1 WHERE id >= ? AND id <= ?', [rows[0].id, rows.at(-1).id]);\n  });\n}\n",
    });
    try {
      const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} up --db sqlite:app.db`;
      const text = execFileSync(scriptProgram()!, ['-qec', command, '/dev/null'], { cwd: p.dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', DATABASE_URL: '' } });
      assert.match(text, /items:id \[[█░]+\] \d+% \| \d+\/3000 rows \(estimate\) \| [\d,]+ rows\/s/);
      assert.match(text, /applied 002_walk/);
    } finally {
      p.cleanup();
    }
  });
});
