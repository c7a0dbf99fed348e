/**
 * PostgreSQL's side of §7: `pg_dump --format=custom` / `pg_restore --clean --if-exists` with
 * the run connection's own settings passed in libpq's environment variables (the password in
 * PGPASSWORD, never on the command line), and scratch databases on the same server.
 */
import { programBackupTarget, runProgram } from '../external-program.js';
import type { BackupTarget, SafetyNet, ScratchPort, ServerConnectionPorts } from '../safety-net.js';

/** What node-postgres keeps of a connection's settings (`client.connectionParameters`). */
export interface PgLogin {
  readonly host?: string | null;
  readonly port?: number | string | null;
  readonly user?: string | null;
  readonly password?: unknown;
  readonly database?: string | null;
  readonly ssl?: unknown;
}

type Ports = ServerConnectionPorts<PgLogin>;

const INSTALL = 'the PostgreSQL client programs of the server\'s major version or later (Debian/Ubuntu: postgresql-client)';

export function postgresSafetyNet(ports: Ports): SafetyNet {
  const login = ports.login;
  if (!login || !login.database) return { backup: null, scratch: null };
  const secrets = [...ports.secrets, ...(typeof login.password === 'string' && login.password !== '' ? [login.password] : [])];
  return { backup: backupTarget(login, login.database, secrets), scratch: scratch(login, ports) };
}

/** libpq's environment for `login`, to connect to `database`. */
function libpqEnv(login: PgLogin, database: string): Record<string, string> {
  const env: Record<string, string> = { PGDATABASE: database, PGAPPNAME: 'strata backup' };
  if (login.host) env.PGHOST = String(login.host);
  if (login.port) env.PGPORT = String(login.port);
  if (login.user) env.PGUSER = String(login.user);
  if (typeof login.password === 'string' && login.password !== '') env.PGPASSWORD = login.password;
  if (login.ssl) env.PGSSLMODE = 'require';
  return env;
}

function backupTarget(login: PgLogin, database: string, secrets: readonly string[]): BackupTarget {
  const env = libpqEnv(login, database);
  return programBackupTarget(database, '.dump', {
    dump: (file, signal) => runProgram({ program: 'pg_dump', args: ['--format=custom', '--no-password'], env, stdoutFile: file, secrets, signal, installHint: INSTALL }),
    // Reads the archive's table of contents without connecting: a damaged file fails here.
    verify: (file) => runProgram({ program: 'pg_restore', args: ['--list'], stdinFile: file, secrets, installHint: INSTALL }),
    // One transaction: a restore that fails half-way leaves the database as it was before it.
    restore: (file, signal) => runProgram({
      program: 'pg_restore',
      args: ['--clean', '--if-exists', '--single-transaction', '--exit-on-error', '--no-password', `--dbname=${database}`],
      env,
      stdinFile: file,
      secrets,
      signal,
      installHint: INSTALL,
    }),
  });
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

function scratch(login: PgLogin, ports: Ports): ScratchPort {
  return {
    async create(name) {
      await ports.execute(`CREATE DATABASE ${quote(name)}`);
      return urlFor(login, name);
    },
    async drop(name) {
      // FORCE (PostgreSQL 13+): a connection the interrupted command left open does not keep it.
      await ports.execute(`DROP DATABASE IF EXISTS ${quote(name)} WITH (FORCE)`);
    },
    async list(prefix) {
      const rows = await ports.query(`SELECT datname FROM pg_database WHERE starts_with(datname, $1) ORDER BY datname`, [prefix]);
      return rows.map((row) => String(row.datname));
    },
    isPermissionDenied: (error) => (error as { code?: string } | null)?.code === '42501' || (error as { cause?: { code?: string } } | null)?.cause?.code === '42501',
  };
}

function urlFor(login: PgLogin, database: string): string {
  const url = new URL('postgres://localhost');
  if (login.host) url.hostname = String(login.host).startsWith('/') ? '' : String(login.host);
  if (login.port) url.port = String(login.port);
  if (login.user) url.username = encodeURIComponent(String(login.user));
  if (typeof login.password === 'string' && login.password !== '') url.password = encodeURIComponent(login.password);
  url.pathname = `/${encodeURIComponent(database)}`;
  if (login.host && String(login.host).startsWith('/')) url.searchParams.set('host', String(login.host));
  if (login.ssl) url.searchParams.set('sslmode', 'require');
  return url.toString();
}
