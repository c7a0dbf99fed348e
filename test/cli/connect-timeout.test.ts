/**
 * connectTimeout (§5): a host that accepts the TCP connection and never answers is named
 * after the timeout (exit 2, `connection-failed`), set by flag, config, library option or
 * the URL parameter each driver knows.
 */
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { ConnectionError, createMigrator } from '../../src/index.js';
import { project, strata } from '../support/project.js';

/** A server on 127.0.0.1 that accepts every connection and never sends a byte. */
let server: Server;
let port: number;
const sockets = new Set<Socket>();

before(async () => {
  server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});

after(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const SECRET = 'T1meoutS3cret';

describe('connect timeout against a host that never answers', () => {
  const cases: { name: string; url: () => string; args?: string[]; config?: Record<string, unknown>; seconds: number }[] = [
    { name: 'postgres, --connect-timeout', url: () => `postgres://u:${SECRET}@127.0.0.1:${port}/db`, args: ['--connect-timeout', '1'], seconds: 1 },
    { name: 'postgres, ?connect_timeout= (libpq, seconds)', url: () => `postgres://u:${SECRET}@127.0.0.1:${port}/db?connect_timeout=1`, seconds: 1 },
    { name: 'postgres, the flag wins over the URL', url: () => `postgres://u:${SECRET}@127.0.0.1:${port}/db?connect_timeout=30`, args: ['--connect-timeout', '1.5'], seconds: 1.5 },
    { name: 'postgres, connectTimeout in the config', url: () => `postgres://u:${SECRET}@127.0.0.1:${port}/db`, config: { connectTimeout: 1 }, seconds: 1 },
    { name: 'mysql, --connect-timeout', url: () => `mysql://u:${SECRET}@127.0.0.1:${port}/db`, args: ['--connect-timeout', '1'], seconds: 1 },
    { name: 'mysql, ?connectTimeout= (mysql2, ms)', url: () => `mysql://u:${SECRET}@127.0.0.1:${port}/db?connectTimeout=1000`, seconds: 1 },
    { name: 'mariadb, ?connect_timeout= (seconds)', url: () => `mariadb://u:${SECRET}@127.0.0.1:${port}/db?connect_timeout=1`, seconds: 1 },
    { name: 'mysql, environment connectTimeout', url: () => `mysql://u:${SECRET}@127.0.0.1:${port}/db`, config: { environments: { ci: { connectTimeout: 1 } } }, args: ['--env', 'ci'], seconds: 1 },
  ];
  for (const c of cases) {
    test(`${c.name}: exit 2 connection-failed after ${c.seconds} s, naming the host and the timeout`, async () => {
      const p = project({ '001_a.sql': 'CREATE TABLE a (id INTEGER);\n' });
      try {
        if (c.config) p.write('strata.config.json', JSON.stringify(c.config));
        const started = Date.now();
        const r = await strata(['up', '--db', c.url(), '--json', ...(c.args ?? [])], { cwd: p.dir, timeoutMs: 20_000 });
        const elapsed = (Date.now() - started) / 1000;
        assert.equal(r.code, 2, r.stderr);
        assert.equal(r.json().error.code, 'connection-failed');
        assert.match(r.stderr, new RegExp(`^error: cannot connect to \\w+://u:\\*\\*\\*@127\\.0\\.0\\.1:${port}/db(\\?\\S*)?: no answer within ${c.seconds} s`, 'm'));
        assert.match(r.stderr, /^hint: .*--connect-timeout/m);
        assert.doesNotMatch(r.stdout + r.stderr, new RegExp(SECRET));
        assert.ok(elapsed >= c.seconds - 0.1 && elapsed < c.seconds + 5, `took ${elapsed} s`);
      } finally {
        p.cleanup();
      }
    });
  }

  test('library: connectTimeout (seconds) bounds createMigrator().status()', async () => {
    const p = project({ '001_a.sql': 'CREATE TABLE a (id INTEGER);\n' });
    for (const scheme of ['postgres', 'mysql']) {
      const migrator = await createMigrator({ db: `${scheme}://u@127.0.0.1:${port}/db`, dir: p.migrations, connectTimeout: 0.5 });
      try {
        const started = Date.now();
        const error = await migrator.status().then(() => null, (e: unknown) => e);
        assert.ok(error instanceof ConnectionError, String(error));
        assert.equal(error.code, 'connection-failed');
        assert.match(error.message, /no answer within 0\.5 s/);
        assert.ok(Date.now() - started < 5_000);
      } finally {
        await migrator.close();
      }
    }
    p.cleanup();
  });

  test('a bad connect_timeout in the URL is exit 2 naming it', async () => {
    const p = project({ '001_a.sql': 'CREATE TABLE a (id INTEGER);\n' });
    try {
      const r = await strata(['status', '--db', `postgres://u:${SECRET}@127.0.0.1:${port}/db?connect_timeout=soon`], { cwd: p.dir });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /connect_timeout takes a number of seconds/);
      assert.doesNotMatch(r.stderr, new RegExp(SECRET));
      const flag = await strata(['status', '--db', `postgres://u@127.0.0.1:${port}/db`, '--connect-timeout', 'soon'], { cwd: p.dir });
      assert.equal(flag.code, 2);
      assert.match(flag.stderr, /--connect-timeout takes a number of seconds/);
    } finally {
      p.cleanup();
    }
  });
});
