/**
 * The secrets sweep (§5 "Passwords in URLs never appear in any output, error, log line or
 * JSON"; issue 13). A real PostgreSQL role and MariaDB user get a password with every
 * character that URLs treat specially, plus non-ASCII; the URL carries it percent-encoded as
 * a user writes it, and raw (an unencoded `#`) as users also do. Every command, with and
 * without --json, and every error path — a closed port, a wrong password, a SQL error whose
 * text holds the URL, a code migration that logs the URL, throws it or leaves an unhandled
 * rejection holding it — must keep every form of the password (raw, percent-encoded, and its
 * distinctive fragments) out of stdout, stderr, strata_migrations and strata_migrations_log.
 *
 * Steps marked `defect` leaked on the main of the time (docs/reliability.md lists how); they
 * fail until the redaction fixes land.
 *
 * This machine's PostgreSQL trusts 127.0.0.1 (pg_hba), so a wrong password is not refused
 * there: the PostgreSQL auth-failure step still checks for leaks whatever the exit code;
 * MariaDB verifies passwords, so its auth failure is real.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { dialects } from '../test/support/dialects.js';
import { freshMysql, mysqlConnection, type FreshMysql } from '../test/support/mysql.js';
import { freshPostgres, pgClient, type FreshPostgres } from '../test/support/postgres.js';
import { project, strata, type Project } from '../test/support/project.js';
import { readState } from './support/db-state.js';

/** Every URL-special character, a space, quotes, a backslash, and non-ASCII. */
const PASSWORD = `Sx9@Pw:Kq/7#Zr?Tm%&=+ $!'"\\ünï€🔑;Yv`;
const WRONG = `Wr0ng@Pw:Xx/8#Qq?Ll%&=+ $!'"\\ß`;

/** The forms a leak could take: raw, percent-encoded (two ways), and fragments a URL parser might split off. */
function forms(password: string): string[] {
  const fragments = password.split(/[@:/#?%&=+ $!'"\\;]/).filter((part) => part.length >= 3);
  const encoded = encodeURIComponent(password);
  const strict = encoded.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return [...new Set([password, encoded, strict, encoded.toLowerCase(), ...fragments])];
}
const SECRET_FORMS = [...forms(PASSWORD), ...forms(WRONG)];

function leaks(text: string): string[] {
  return SECRET_FORMS.filter((form) => text.includes(form));
}

interface Server {
  readonly dialect: 'postgres' | 'mysql';
  readonly user: string;
  readonly database: string;
  /** The URL with the password percent-encoded, as a user writes it. */
  url(password?: string, port?: number): string;
  /** The URL with the password pasted in as it is (what users also do). */
  rawUrl(): string;
  /** A SQL migration that fails with the URL in the server's error text. */
  readonly leakySql: string;
  drop(): Promise<void>;
}

async function postgresServer(): Promise<Server> {
  const user = `strata_secret_${randomBytes(3).toString('hex')}`;
  const fresh: FreshPostgres = await freshPostgres();
  const admin = await pgClient();
  try {
    await admin.query(`CREATE ROLE "${user}" LOGIN PASSWORD '${PASSWORD.replace(/'/g, "''")}'`);
    await admin.query(`ALTER DATABASE "${fresh.database}" OWNER TO "${user}"`);
  } finally {
    await admin.end();
  }
  const db = await pgClient(fresh.database);
  try {
    await db.query(`ALTER SCHEMA public OWNER TO "${user}"`);
  } finally {
    await db.end();
  }
  const url = (password = PASSWORD, port = 5432) => `postgres://${user}:${encodeURIComponent(password)}@127.0.0.1:${port}/${fresh.database}`;
  return {
    dialect: 'postgres',
    user,
    database: fresh.database,
    url,
    rawUrl: () => `postgres://${user}:${PASSWORD}@127.0.0.1:5432/${fresh.database}`,
    leakySql: `CREATE TABLE tl (i INT);\nSELECT '${url().replace(/'/g, "''")}'::int;\n`,
    async drop() {
      await fresh.drop();
      const client = await pgClient();
      try {
        await client.query(`DROP ROLE IF EXISTS "${user}"`);
      } finally {
        await client.end();
      }
    },
  };
}

async function mysqlServer(): Promise<Server> {
  const user = `strata_secret_${randomBytes(3).toString('hex')}`;
  const fresh: FreshMysql = await freshMysql();
  const admin = await mysqlConnection();
  try {
    await admin.query('CREATE USER ?@? IDENTIFIED BY ?', [user, '%', PASSWORD]);
    await admin.query('CREATE USER ?@? IDENTIFIED BY ?', [user, '127.0.0.1', PASSWORD]);
    for (const host of ['%', '127.0.0.1']) await admin.query(`GRANT ALL ON \`${fresh.database}\`.* TO ?@?`, [user, host]);
  } finally {
    await admin.end();
  }
  const url = (password = PASSWORD, port = 3306) => `mysql://${user}:${encodeURIComponent(password)}@127.0.0.1:${port}/${fresh.database}`;
  return {
    dialect: 'mysql',
    user,
    database: fresh.database,
    url,
    rawUrl: () => `mysql://${user}:${PASSWORD}@127.0.0.1:3306/${fresh.database}`,
    // Strict mode: the rejected value (the URL) is quoted in the error, and the DDL before it leaves a dirty row with that error.
    leakySql: `CREATE TABLE tl (i INT);\nINSERT INTO tl VALUES ('${url().replace(/\\/g, '\\\\').replace(/'/g, "''")}');\n`,
    async drop() {
      await fresh.drop();
      const client = await mysqlConnection();
      try {
        for (const host of ['%', '127.0.0.1']) await client.query('DROP USER IF EXISTS ?@?', [user, host]);
      } finally {
        await client.end();
      }
    },
  };
}

const MIGRATIONS = {
  '001_a.sql': '-- migrate:up\nCREATE TABLE IF NOT EXISTS t1 (i INT);\n-- migrate:down\nDROP TABLE IF EXISTS t1;\n',
  '002_b.sql': '-- migrate:up\nCREATE TABLE t2 (i INT);\n-- migrate:down\nDROP TABLE t2;\n',
  // A code migration that logs the URL it was given, as people do when debugging a connection.
  '003_c.mjs': "export async function up(db) { db.log('connected to', process.env.SECRET_URL); db.log(new URL(process.env.SECRET_URL).password); await db.exec('CREATE TABLE t3 (i INT)'); }\nexport async function down(db) { await db.exec('DROP TABLE t3'); }\n",
};

// The two servers are swept side by side: each step waits on child processes, not on the CPU.
test('secrets never leak', { concurrency: 2 }, async (top) => {
  const listed = new Set(dialects().map((d) => d.name));
  await Promise.all((['postgres', 'mysql'] as const).map((dialect) => top.test(dialect, { skip: listed.has(dialect) ? false : `${dialect} not in STRATA_TEST_DIALECTS` }, async (t) => {
    const server = dialect === 'postgres' ? await postgresServer() : await mysqlServer();
    const p: Project = project(MIGRATIONS);
    /** Each step's findings: collected so one leak does not hide the next. */
    let found: string[] = [];
    const step = (name: string, body: () => Promise<void>) =>
      t.test(name, async () => {
        found = [];
        await body();
        assert.deepEqual(found, [], found.join('\n'));
      });
    try {
      const env = { SECRET_URL: server.url() };
      /** Runs one command; `json: 'both'` (read-only commands) runs it with and without --json. */
      const run = async (label: string, args: readonly string[], expected: number | readonly number[], options: { db?: string; env?: Record<string, string>; json?: boolean | 'both' } = {}) => {
        const modes = options.json === 'both' ? [false, true] : [options.json ?? false];
        for (const json of modes) {
          const full = [...args, ...(options.db === '' ? [] : ['--db', options.db ?? server.url()]), ...(json ? ['--json'] : [])];
          const result = await strata(full, { cwd: p.dir, env: { ...env, ...options.env } });
          const where = `${label}${json ? ' --json' : ''}`;
          const leaked = leaks(result.stdout + result.stderr);
          if (leaked.length) found.push(`${where}: the password leaked (${leaked.map((f) => JSON.stringify(f)).join(', ')}): ${JSON.stringify((result.stderr + result.stdout).slice(0, 400))}`);
          const exits = typeof expected === 'number' ? [expected] : expected;
          if (!exits.includes(result.code!)) found.push(`${where}: exit ${result.code}, expected ${exits.join(' or ')}: ${JSON.stringify(result.stderr.slice(0, 300))}`);
          if (json) {
            try {
              JSON.parse(result.stdout);
            } catch {
              found.push(`${where}: stdout is not one JSON document`);
            }
          }
        }
      };
      const checkTracking = async (label: string) => {
        const state = await readState({ dialect, database: server.database });
        const stored = leaks(state.trackingText);
        if (stored.length) found.push(`${label}: the password is stored in strata_migrations or strata_migrations_log: ${stored.map((f) => JSON.stringify(f)).join(', ')}`);
      };

      // Every command, on a URL with the password percent-encoded; changing commands alternate
      // between the human and the --json form, so each form meets each kind of output once.
      const readOnly = async (when: string) => {
        await run(`status ${when}`, ['status'], [0, 3], { json: 'both' });
        await run(`history ${when}`, ['history'], 0, { json: 'both' });
      };
      await step('read-only commands on a fresh database', async () => {
        await readOnly('(fresh)');
        await run('info', ['info'], 0, { json: 'both' });
        await run('plan', ['plan'], 0, { json: 'both' });
        await run('validate', ['validate'], 0, { json: 'both' });
      });
      await step('baseline, up (a code migration logs the URL), down, redo (defect: secrets-db-log)', async () => {
        await run('baseline', ['baseline', '001'], 0);
        await run('up', ['up'], 0, { json: true });
        await readOnly('after up');
        await run('info after up', ['info'], 0);
        await run('down', ['down'], 0);
        await run('up again', ['up'], 0);
        await run('redo', ['redo'], 0, { json: true });
        await run('redo', ['redo'], 0);
        await checkTracking('after up/down/redo');
      });
      await step('mark-applied, unmark, repair (defect: secrets-db-log, via 003 applied again)', async () => {
        await run('down', ['down'], 0, { json: true });
        await run('mark-applied', ['mark-applied', '003'], 0);
        await run('unmark', ['unmark', '003'], 0, { json: true });
        await run('mark-applied', ['mark-applied', '003'], 0, { json: true });
        await run('unmark', ['unmark', '003'], 0);
        p.write('migrations/002_b.sql', `${MIGRATIONS['002_b.sql']}-- edited after it was applied\n`);
        await run('repair', ['repair', '--yes'], 0);
        p.write('migrations/002_b.sql', `${MIGRATIONS['002_b.sql']}-- edited again\n`);
        await run('repair', ['repair', '--yes'], 0, { json: true });
        await run('up after repair', ['up'], 0);
        await checkTracking('after repair');
      });
      await step('import: no such history (exit 2), a dry run and an import that finds everything applied', async () => {
        await run('import, no history', ['import', 'knex'], 2, { json: 'both' });
        const table = ['import', 'table', '--from-table', 'strata_migrations', '--version-column', 'version'];
        await run('import --dry-run', [...table, '--dry-run'], 0, { json: 'both' });
        await run('import', table, 0, { json: true });
        await checkTracking('after import');
      });

      // Error paths.
      await step('connection refused on a closed port', async () => {
        await run('status, closed port', ['status'], 2, { db: server.url(PASSWORD, 1), json: 'both' });
        await run('up, closed port', ['up'], 2, { db: server.url(PASSWORD, 1), json: 'both' });
      });
      await step('authentication failure with a wrong password', async () => {
        // PostgreSQL here trusts 127.0.0.1, so a wrong password still connects (and nothing is pending).
        const expected = dialect === 'postgres' ? [0, 2] : [2];
        await run('status, wrong password', ['status'], expected, { db: server.url(WRONG), json: 'both' });
        await run('up, wrong password', ['up'], expected, { db: server.url(WRONG), json: 'both' });
      });
      await step('the password raw in the URL (an unencoded #) (defect: url-password)', async () => {
        await run('status, raw URL', ['status'], [0, 2], { db: server.rawUrl(), json: 'both' });
        await run('up, raw URL', ['up'], [0, 2], { db: server.rawUrl(), json: 'both' });
        await run('status, raw DATABASE_URL', ['status'], [0, 2], { db: '', env: { DATABASE_URL: server.rawUrl() }, json: 'both' });
        p.write('strata.config.json', JSON.stringify({ environments: { dev: { db: server.rawUrl() } } }));
        await run('status, raw URL in the config', ['status', '--env', 'dev'], [0, 2], { db: '', json: 'both' });
        p.remove('strata.config.json');
      });
      // A migration that failed on MySQL leaves its row dirty (§6): forget it before the next step.
      const forget = async (version: string) => {
        await strata(['unmark', version, '--db', server.url()], { cwd: p.dir });
      };
      await step(`a SQL error whose text holds the URL, then history and status${dialect === 'mysql' ? ' (defect: secrets-stored-error)' : ''}`, async () => {
        p.write('migrations/004_leak.sql', server.leakySql);
        await run('up, SQL error with the URL', ['up'], 1);
        await readOnly('after the SQL error');
        await run('up --json, SQL error with the URL (or refused: dirty)', ['up'], [1, 3], { json: true });
        await checkTracking('after the SQL error');
        await forget('004');
        p.remove('migrations/004_leak.sql');
      });
      await step('a code migration that throws the URL (defect: secrets-stored-error)', async () => {
        p.write('migrations/005_throw.mjs', "export async function up() { throw new Error('cannot reach ' + process.env.SECRET_URL); }\n");
        await run('up, thrown URL', ['up'], 1);
        await run('history after the throw', ['history'], 0, { json: 'both' });
        await forget('005');
        await run('up --json, thrown URL', ['up'], 1, { json: true });
        await checkTracking('after the throw');
        await forget('005');
        p.remove('migrations/005_throw.mjs');
      });
      await step('an unhandled rejection inside a migration that holds the URL (defect: secrets-unhandled-rejection)', async () => {
        p.write('migrations/006_reject.mjs', "export async function up() { Promise.reject(new Error('lost ' + process.env.SECRET_URL)); await new Promise((r) => setTimeout(r, 100)); }\n");
        await run('up, unhandled rejection', ['up'], [0, 1]);
        await readOnly('after the rejection');
        await checkTracking('after the rejection');
      });
    } finally {
      p.cleanup();
      await server.drop();
    }
  })));
});
