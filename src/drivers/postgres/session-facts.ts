/**
 * What the PostgreSQL driver learns and sets on its run connection as it opens it: the
 * project's `initSql`, the session's settings, and the application_name strata shows.
 */
import { hostname } from 'node:os';
import { strataPackage } from '../../package-info.js';
import { splitStatements } from '../../sql/split.js';
import { initSqlFailed } from '../init-sql.js';
import type { RunConnection } from './connection.js';
import { POSTGRES_SYNTAX } from './syntax.js';

/**
 * The project's own session set-up (`initSql`), each entry split like a migration. Its effects
 * cannot be undone, so a pooled connection it ran on is destroyed rather than returned.
 */
export async function runInitSql(connection: RunConnection, initSql: readonly string[]): Promise<void> {
  for (const entry of initSql) {
    for (const statement of splitStatements(entry, POSTGRES_SYNTAX)) {
      try {
        await connection.client.query(statement.text);
      } catch (error) {
        throw initSqlFailed(statement.text, error, connection.secrets);
      }
    }
  }
}

export interface SessionFacts {
  readonly version: string;
  readonly schema: string | null;
  readonly pid: number;
  readonly search_path: string;
  readonly lock_timeout: string | null;
  readonly statement_timeout: string | null;
  readonly application_name: string;
}

const strataVersion = (): string => strataPackage().version;

/**
 * `strata <version> <host>:<pid> <run>` so waiters can name the holder. PostgreSQL keeps 63
 * bytes: the run id is cut to its first 8 characters and a long host name is shortened.
 */
export function applicationName(runId: string): string {
  const head = `strata ${strataVersion()} `;
  const tail = `:${process.pid} ${runId.slice(0, 8)}`;
  return `${head}${hostname().slice(0, Math.max(8, 63 - head.length - tail.length))}${tail}`;
}

/** The server version, schema, backend pid and the session settings as the connection came. */
export async function readSessionFacts(connection: RunConnection): Promise<SessionFacts> {
  const { rows } = await connection.client.query(`SELECT version() AS version, current_schema() AS schema, pg_backend_pid() AS pid,
    current_setting('search_path') AS search_path, current_setting('lock_timeout', true) AS lock_timeout,
    current_setting('statement_timeout', true) AS statement_timeout, current_setting('application_name') AS application_name`);
  return rows[0] as SessionFacts;
}
