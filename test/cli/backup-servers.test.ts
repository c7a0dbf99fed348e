/**
 * Restore points, `backup` and `restore` on PostgreSQL (pg_dump / pg_restore) and MariaDB
 * (mysqldump / mysql), against the real servers, through the real `strata` binary.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { allDialects, notListed, type FreshDatabase } from '../support/dialects.js';
import { project, strata, type Project } from '../support/project.js';
import { mysqlConnection } from '../support/mysql.js';

const PROGRAMS = { postgres: { dump: 'pg_dump', restore: 'pg_restore', ext: '.dump' }, mysql: { dump: 'mysqldump', restore: 'mysql', ext: '.sql' } } as const;

for (const dialect of allDialects().filter((d) => d.name !== 'sqlite')) {
  const programs = PROGRAMS[dialect.name as 'postgres' | 'mysql'];
  describe(`backups on ${dialect.name}`, { skip: notListed(dialect.name) }, () => {
    let db: FreshDatabase;
    let p: Project;
    let fakeBin: string;
    const run = (args: string[], env: Record<string, string> = {}, url = db.url) => strata([...args, '--db', url], { cwd: p.dir, env });
    const backupsOf = () => (existsSync(join(p.dir, 'backups')) ? readdirSync(join(p.dir, 'backups')).sort() : []);
    const database = () => new URL(db.url).pathname.slice(1);

    beforeEach(async () => {
      db = await dialect.fresh();
      p = project({
        '001_users.sql': 'CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(50));\n-- migrate:down\nDROP TABLE users;\n',
        '002_seed.sql': "INSERT INTO users (id, name) VALUES (1, 'ada'), (2, 'grace');\n-- migrate:down\nDELETE FROM users;\n",
        '003_posts.sql': 'CREATE TABLE posts (id INTEGER PRIMARY KEY);\n-- migrate:down\nDROP TABLE posts;\n',
      });
      fakeBin = mkdtempSync(join(tmpdir(), 'strata-fakebin-'));
    });
    const cleanups: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0)) await cleanup();
      await db.drop();
      p.cleanup();
      rmSync(fakeBin, { recursive: true, force: true });
    });

    test('off by default: up takes no restore point on a server', async () => {
      const r = await run(['up']);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(backupsOf(), []);
    });

    test(`backup: true takes a ${programs.dump} restore point; restore puts it back, drops what came after and logs it`, async () => {
      p.write('strata.config.json', JSON.stringify({ backup: true }));
      assert.equal((await run(['up', '--target', '002'])).code, 0);
      const made = await run(['backup', '--json']);
      assert.equal(made.code, 0, made.stderr);
      const doc = made.json();
      assert.equal(doc.version, '002');
      assert.equal(doc.file, join(p.dir, 'backups', backupsOf().at(-1)!));
      assert.match(doc.file, new RegExp(`${database()}_\\d{8}T\\d{6}Z_002\\${programs.ext}$`));

      const up = await run(['up']);
      assert.equal(up.code, 0, up.stderr);
      assert.match(up.stderr, /restore point backups\//);
      assert.equal((await run(['down', '--steps', '2', '--no-backup'])).code, 0);
      assert.deepEqual(backupsOf().map((f) => f.split('_').at(-1)), [`none${programs.ext}`, `002${programs.ext}`, `002${programs.ext}`], 'oldest first: before 001, the backup command, before 003');

      const restored = await run(['restore', doc.file, '--yes', '--json']);
      assert.equal(restored.code, 0, restored.stderr);
      assert.deepEqual(restored.json(), { restored: doc.file, version: '002', versionBefore: '001' });
      const status = (await run(['status', '--json'])).json();
      assert.deepEqual(status.migrations.map((m: any) => m.state), ['applied', 'applied', 'pending']);
      const info = (await run(['info', '--json'])).json();
      const tables = info.tables.map((t: any) => t.name).filter((n: string) => !n.startsWith('strata_'));
      assert.deepEqual(tables, ['users'], 'posts (created after the backup) is gone, users is back');
      const history = (await run(['history', '--json'])).json().entries;
      assert.deepEqual(history.map((e: any) => e.operation).reverse(), ['up', 'up', 'up', 'down', 'down', 'restore'], 'the log rows after the backup are kept');
      // The restored rows: up again applies 003 only.
      const again = await run(['up', '--no-backup', '--json']);
      assert.deepEqual(again.json().applied, ['003']);
    });

    test(`${programs.dump} missing from PATH: exit 2 backup-failed naming it, nothing applied`, async () => {
      p.write('strata.config.json', JSON.stringify({ backup: true }));
      const r = await run(['up', '--json'], { PATH: fakeBin });
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.json().error.code, 'backup-failed');
      assert.match(r.stderr, new RegExp(`^error: ${programs.dump} was not found on PATH`, 'm'));
      assert.match(r.stderr, /--no-backup/);
      const status = (await run(['status', '--json'])).json();
      assert.equal(status.applied, 0, 'nothing applied');
    });

    test(`the password goes to ${programs.dump} outside its arguments; a failing program is exit 1 backup-failed with its message, and no password is printed`, async () => {
      const password = 'Sup3r-secret-pw';
      const url = new URL(db.url);
      url.password = password;
      if (dialect.name === 'mysql') {
        // MariaDB's root has no password here: a user that has one.
        url.username = `strata_pw_${process.pid}`;
        const admin = await mysqlConnection();
        try {
          await admin.query(`CREATE USER IF NOT EXISTS '${url.username}'@'%' IDENTIFIED BY '${password}'`);
          await admin.query(`GRANT ALL ON \`${database()}\`.* TO '${url.username}'@'%'`);
        } finally {
          await admin.end();
        }
        cleanups.push(async () => {
          const connection = await mysqlConnection();
          try {
            await connection.query(`DROP USER IF EXISTS '${url.username}'@'%'`);
          } finally {
            await connection.end();
          }
        });
      }
      // On this test server authentication is trust (PostgreSQL) / a user without a password
      // (MariaDB): a fake program on PATH shows what it was given, then fails.
      const seen = join(fakeBin, 'seen.txt');
      writeFileSync(join(fakeBin, programs.dump), [
        '#!/bin/sh',
        `echo "ARGS: $*" > ${seen}`,
        `echo "PGPASSWORD=$PGPASSWORD" >> ${seen}`,
        `for a in "$@"; do case "$a" in --defaults-extra-file=*) cat "\${a#--defaults-extra-file=}" >> ${seen};; esac; done`,
        `echo "could not connect: password ${password} rejected" >&2`,
        'exit 3',
      ].join('\n'));
      chmodSync(join(fakeBin, programs.dump), 0o755);
      p.write('strata.config.json', JSON.stringify({ backup: true }));
      const r = await run(['up', '--json'], { PATH: `${fakeBin}:${dirname(process.execPath)}` }, url.toString());
      assert.equal(r.code, 1, r.stderr);
      assert.equal(r.json().error.code, 'backup-failed');
      assert.match(r.stderr, new RegExp(`error: ${programs.dump} failed \\(exit 3\\): could not connect: password \\*\\*\\* rejected`));
      assert.ok(!r.stdout.includes(password) && !r.stderr.includes(password), 'no password printed');
      const given = readFileSync(seen, 'utf8');
      const args = given.split('\n')[0]!;
      assert.ok(!args.includes(password), `not on the command line: ${args}`);
      assert.ok(given.includes(password), 'but given to the program (PGPASSWORD or a defaults file)');
      assert.deepEqual(backupsOf(), [], 'no partial file left');
      assert.equal((await run(['status', '--json'])).json().applied, 0, 'nothing applied');
    });

    test('a damaged backup is refused before anything changes (exit 1 backup-failed)', async () => {
      assert.equal((await run(['up', '--no-backup'])).code, 0);
      const junk = p.write(`backups/${database()}_20200101T000000Z_001${programs.ext}`, 'PGDMP this is not a dump\nSELECT nonsense FROM nowhere;\n');
      const r = await run(['restore', junk, '--yes', '--json']);
      assert.equal(r.code, 1, r.stderr);
      assert.equal(r.json().error.code, 'backup-failed');
      assert.match(r.stderr, /^error: .*(pg_restore failed|does not start like a mysqldump file)/m);
      assert.equal((await run(['status', '--json'])).json().applied, 3, 'nothing changed');
    });
  });
}
