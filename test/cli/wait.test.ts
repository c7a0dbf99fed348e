/**
 * `strata wait` and `--wait` (issue 18): a database that is not there yet — a closed port
 * that a TCP proxy to the real server opens once strata has said it is waiting — is waited
 * for; the timeout is exit 2; an authentication failure ends the wait at once.
 */
import assert from 'node:assert/strict';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { migrate, type StrataEvent } from '../../src/index.js';
import { allDialects, notListed } from '../support/dialects.js';
import { project, strata } from '../support/project.js';

const CREATE = '-- migrate:up\nCREATE TABLE waited (id INTEGER PRIMARY KEY);\n-- migrate:down\nDROP TABLE waited;\n';
const WAITING = /strata: the database does not accept connections yet \(.*ECONNREFUSED.*\); waiting up to/;

/** A port nothing listens on (for now). */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** A TCP proxy on `port` to the server of `target`, opened when asked. */
function proxyTo(target: URL, port: number) {
  let server: Server | null = null;
  const sockets = new Set<Socket>();
  return {
    open(): void {
      if (server) return;
      server = createServer((client) => {
        const upstream = connect(Number(target.port), target.hostname);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('error', () => undefined);
          s.on('close', () => sockets.delete(s));
        }
        client.pipe(upstream).pipe(client);
      });
      server.listen(port, '127.0.0.1');
    },
    async close(): Promise<void> {
      for (const s of sockets) s.destroy();
      if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
    },
  };
}

function onPort(url: string, port: number): string {
  const u = new URL(url);
  u.port = String(port);
  return u.toString();
}

for (const dialect of allDialects().filter((d) => d.name !== 'sqlite')) {
  describe(`wait for the database (${dialect.name})`, { skip: notListed(dialect.name) }, () => {
    test('up --wait: the server appears after strata started waiting; it connects and applies', async () => {
      const fresh = await dialect.fresh();
      const p = project({ '001_waited.sql': CREATE });
      const port = await closedPort();
      const proxy = proxyTo(new URL(fresh.url), port);
      try {
        const r = await strata(['up', '--wait', '60', '--json'], {
          cwd: p.dir,
          env: { DATABASE_URL: onPort(fresh.url, port) },
          onOutput: (text) => {
            if (WAITING.test(text)) proxy.open();
          },
        });
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stderr, WAITING);
        assert.deepEqual(r.json().applied, ['001']);
      } finally {
        await proxy.close();
        p.cleanup();
        await fresh.drop();
      }
    });

    test('strata wait: exit 0 once the server appears', async () => {
      const fresh = await dialect.fresh();
      const p = project();
      const port = await closedPort();
      const proxy = proxyTo(new URL(fresh.url), port);
      try {
        const r = await strata(['wait', '--json', '--db', onPort(fresh.url, port)], {
          cwd: p.dir,
          onOutput: (text) => {
            if (WAITING.test(text)) proxy.open();
          },
        });
        assert.equal(r.code, 0, r.stderr);
        const doc = r.json();
        assert.equal(doc.ready, true);
        assert.ok(doc.attempts >= 2, `attempts: ${doc.attempts}`);
      } finally {
        await proxy.close();
        p.cleanup();
        await fresh.drop();
      }
    });

    test('the library: migrate({ wait }) reports database-wait events, then applies', async () => {
      const fresh = await dialect.fresh();
      const port = await closedPort();
      const proxy = proxyTo(new URL(fresh.url), port);
      const events: StrataEvent[] = [];
      try {
        const result = await migrate({
          db: onPort(fresh.url, port),
          wait: 60,
          migrations: [{ id: '001_waited', up: (db) => db.exec('CREATE TABLE waited (id INTEGER PRIMARY KEY)') }],
          onEvent: (event) => {
            events.push(event);
            if (event.type === 'database-wait') proxy.open();
          },
        });
        assert.deepEqual(result.applied, ['001']);
        const waits = events.filter((e) => e.type === 'database-wait');
        assert.ok(waits.length >= 1);
        assert.equal((waits[0] as { attempt: number }).attempt, 1);
      } finally {
        await proxy.close();
        await fresh.drop();
      }
    });

    test('the timeout passes with the port still closed: exit 2 with an error: line', async () => {
      const p = project({ '001_waited.sql': CREATE });
      const url = onPort(dialect.name === 'postgres' ? 'postgres://postgres@127.0.0.1:5432/postgres' : 'mysql://root@127.0.0.1:3306/mysql', await closedPort());
      try {
        const r = await strata(['wait', '--timeout', '1', '--json', '--db', url], { cwd: p.dir });
        assert.equal(r.code, 2, r.stderr);
        assert.match(r.stderr, /^error: the database did not accept connections within 1 s \(\d+ attempts\): cannot connect to .*ECONNREFUSED/m);
        assert.match(r.stderr, /^hint: start the database server/m);
        assert.equal(r.json().error.code, 'connection-failed');
        const up = await strata(['up', '--wait', '1', '--db', url], { cwd: p.dir });
        assert.equal(up.code, 2, up.stderr);
        assert.match(up.stderr, /^error: the database did not accept connections within 1 s/m);
      } finally {
        p.cleanup();
      }
    });

    test('an authentication failure ends the wait at once (exit 2, not retried)', async () => {
      const p = project({ '001_waited.sql': CREATE });
      // The PostgreSQL test server trusts every password: an unknown role is its authentication failure.
      const url = dialect.name === 'postgres' ? 'postgres://no_such_role:pw@127.0.0.1:5432/postgres' : 'mysql://root:wrong-password@127.0.0.1:3306/mysql';
      try {
        // A retry would wait the whole 600 s, past the helper's kill: the exit code says it was not.
        const r = await strata(['wait', '--timeout', '600', '--db', url], { cwd: p.dir, timeoutMs: 120_000 });
        assert.equal(r.code, 2, r.stderr);
        assert.doesNotMatch(r.stderr, /does not accept connections yet/);
        assert.match(r.stderr, /^error: cannot connect to .*(no_such_role|Access denied)/m);
        assert.doesNotMatch(r.stderr, /wrong-password/);
        const up = await strata(['up', '--wait', '600', '--db', url], { cwd: p.dir, timeoutMs: 120_000 });
        assert.equal(up.code, 2, up.stderr);
        assert.doesNotMatch(up.stderr, /does not accept connections yet/);
      } finally {
        p.cleanup();
      }
    });
  });
}

describe('wait (sqlite and the command line)', { skip: notListed('sqlite') }, () => {
  test('SQLite has no server: wait answers on the first attempt, up --wait runs', async () => {
    const p = project({ '001_waited.sql': CREATE });
    try {
      const db = `sqlite:${join(p.dir, 'app.db')}`;
      const r = await strata(['wait', '--json', '--db', db], { cwd: p.dir });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.json().attempts, 1);
      const up = await strata(['up', '--wait', '5', '--db', db], { cwd: p.dir });
      assert.equal(up.code, 0, up.stderr);
    } finally {
      p.cleanup();
    }
  });

  test('every changing command takes --wait; a bad number is a usage error', async () => {
    const p = project();
    try {
      for (const command of ['up', 'down', 'redo', 'reset', 'baseline', 'mark-applied', 'unmark', 'repair']) {
        const help = await strata([command, '--help'], { cwd: p.dir });
        assert.match(help.stdout, /--wait <seconds>/, command);
      }
      const status = await strata(['status', '--help'], { cwd: p.dir });
      assert.doesNotMatch(status.stdout, /--wait/, 'read-only commands do not wait');
      const bad = await strata(['up', '--wait', 'soon'], { cwd: p.dir });
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /^error: --wait takes a number of seconds \(got "soon"\)/m);
      const badTimeout = await strata(['wait', '--timeout', '-1'], { cwd: p.dir });
      assert.equal(badTimeout.code, 2);
      assert.match(badTimeout.stderr, /^error: --timeout takes a number of seconds/m);
    } finally {
      p.cleanup();
    }
  });

  test('a signal while waiting exits 130 at once', async () => {
    const p = project();
    try {
      const url = `postgres://postgres@127.0.0.1:${await closedPort()}/postgres`;
      let sent = false;
      const r = await strata(['wait', '--timeout', '600', '--db', url], {
        cwd: p.dir,
        onOutput: (text, child) => {
          if (!sent && WAITING.test(text)) {
            sent = true;
            child.kill('SIGINT');
          }
        },
      });
      assert.equal(r.code, 130, r.stderr);
      assert.match(r.stderr, /^error: stopped while (waiting for|connecting to) the database: nothing was changed/m);
    } finally {
      p.cleanup();
    }
  });
});
