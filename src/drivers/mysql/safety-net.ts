/**
 * MySQL/MariaDB's side of §7: `mysqldump --single-transaction --routines --triggers --events`
 * and `mysql` to restore, with the password in a defaults file readable only by this user
 * (never on the command line; MYSQL_PWD is deprecated by MySQL), and scratch databases on the
 * same server.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { BackupError } from '../../core/errors.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { programBackupTarget, runProgram } from '../external-program.js';
import type { BackupTarget, SafetyNet, ScratchPort, ServerConnectionPorts } from '../safety-net.js';

/** What mysql2 keeps of a connection's settings (`connection.config`). */
export interface MysqlLogin {
  readonly host?: string;
  readonly port?: number;
  readonly user?: string;
  readonly password?: string;
  readonly database?: string;
  readonly socketPath?: string;
  readonly ssl?: unknown;
}

type Ports = ServerConnectionPorts<MysqlLogin>;

const INSTALL = 'the MySQL or MariaDB client programs (Debian/Ubuntu: mariadb-client or mysql-client)';

/** The mysql2 settings of a session's connection (a pooled one keeps them one level down). */
export function mysqlLoginOf(session: unknown): MysqlLogin | null {
  const connection = (session as { connection?: { config?: MysqlLogin; connection?: { config?: MysqlLogin } } } | null)?.connection;
  return connection?.connection?.config ?? connection?.config ?? null;
}

export function mysqlSafetyNet(ports: Ports): SafetyNet {
  const login = ports.login;
  if (!login || !login.database) return { backup: null, scratch: null };
  const secrets = [...ports.secrets, ...(login.password ? [login.password] : [])];
  return { backup: backupTarget(login, login.database, secrets), scratch: scratch(login, ports) };
}

/** Runs `fn` with a `--defaults-extra-file` that holds the login (mode 600), removed after. */
async function withDefaultsFile<T>(login: MysqlLogin, fn: (option: string) => Promise<T>): Promise<T> {
  const folder = mkdtempSync(join(tmpdir(), 'strata-my-'));
  const file = join(folder, 'client.cnf');
  const value = (text: string) => `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  const lines = ['[client]'];
  if (login.socketPath) lines.push(`socket=${value(login.socketPath)}`);
  else {
    if (login.host) lines.push(`host=${value(login.host)}`);
    if (login.port) lines.push(`port=${login.port}`);
  }
  if (login.user) lines.push(`user=${value(login.user)}`);
  if (login.password) lines.push(`password=${value(login.password)}`);
  writeFileSync(file, `${lines.join('\n')}\n`, { mode: 0o600 });
  try {
    // It must be the first option, by the client programs' rules.
    return await fn(`--defaults-extra-file=${file}`);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

function backupTarget(login: MysqlLogin, database: string, secrets: readonly string[]): BackupTarget {
  const ssl = login.ssl ? ['--ssl'] : [];
  return programBackupTarget(database, '.sql', {
    dump: (file, signal) => withDefaultsFile(login, (defaults) => runProgram({
      program: 'mysqldump',
      args: [defaults, ...ssl, '--single-transaction', '--routines', '--triggers', '--events', '--skip-lock-tables', '--', database],
      stdoutFile: file,
      secrets,
      signal,
      installHint: INSTALL,
    })),
    async verify(file) {
      if (!DUMP_HEADER.test(headOf(file))) {
        throw new BackupError('backup-failed', `cannot restore ${file}: it does not start like a mysqldump file`, { file, hint: 'name a file that `strata backups` lists; nothing was changed' });
      }
    },
    restore: (file, signal) => withDefaultsFile(login, (defaults) => runProgram({
      program: 'mysql',
      args: [defaults, ...ssl, `--database=${database}`],
      stdinFile: file,
      secrets,
      signal,
      installHint: INSTALL,
    })),
  });
}

/** mysqldump's first lines name it (MariaDB may put a sandbox-mode comment first). */
const DUMP_HEADER = /^-- (MySQL|MariaDB) dump /m;

function headOf(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(1024);
    return buffer.subarray(0, readSync(fd, buffer, 0, buffer.length, 0)).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

const quote = (name: string) => `\`${name.replace(/`/g, '``')}\``;

function scratch(login: MysqlLogin, ports: Ports): ScratchPort {
  return {
    async create(name) {
      await ports.execute(`CREATE DATABASE ${quote(name)} CHARACTER SET utf8mb4`);
      return urlFor(login, name);
    },
    async drop(name) {
      await ports.execute(`DROP DATABASE IF EXISTS ${quote(name)}`);
    },
    async list(prefix) {
      const rows = await ports.query('SELECT schema_name AS name FROM information_schema.schemata WHERE LEFT(schema_name, ?) = ? ORDER BY schema_name', [prefix.length, prefix]);
      return rows.map((row) => String(row.name));
    },
    // ER_DBACCESS_DENIED_ERROR (1044), ER_ACCESS_DENIED_ERROR (1045), ER_SPECIFIC_ACCESS_DENIED_ERROR (1227).
    isPermissionDenied: (error) => [1044, 1045, 1227].includes(Number(errnoOf(error))),
  };
}

function errnoOf(error: unknown): unknown {
  const e = error as { errno?: unknown; cause?: { errno?: unknown } } | null;
  return e?.errno ?? e?.cause?.errno;
}

function urlFor(login: MysqlLogin, database: string): string {
  const url = new URL('mysql://localhost');
  if (login.host) url.hostname = login.host;
  if (login.port) url.port = String(login.port);
  if (login.user) url.username = encodeURIComponent(login.user);
  if (login.password) url.password = encodeURIComponent(login.password);
  url.pathname = `/${encodeURIComponent(database)}`;
  if (login.socketPath) url.searchParams.set('socketPath', login.socketPath);
  return url.toString();
}
