/**
 * Which PostgreSQL-compatible engine is on the other end (from `version()`), what it can do,
 * and which lock strategy a run uses there. A lock that would silently be a no-op is never
 * used (§6), so the engine is detected rather than assumed.
 */
import { ConfigError } from '../../core/errors.js';
import type { Capabilities, LockStrategy } from '../driver.js';

export type Engine = 'postgresql' | 'cockroachdb' | 'yugabytedb';

/**
 * `version()` reads `PostgreSQL 15.4 on x86_64…` (also Citus, Aurora, Neon…),
 * `CockroachDB CCL v23.2.0 (…)` or `PostgreSQL 11.2-YB-2.20.1.0-b0 on …`.
 */
export function detectEngine(version: string): Engine {
  if (/^CockroachDB\b/i.test(version)) return 'cockroachdb';
  if (/-YB-/.test(version)) return 'yugabytedb';
  return 'postgresql';
}

/** The version users recognise: `15.4`, `v23.2.0`, `11.2-YB-2.20.1.0-b0`. */
export function serverVersionOf(engine: Engine, version: string): string {
  const match =
    engine === 'cockroachdb' ? /\bv(\d+\.\d+[^\s(]*)/.exec(version) : /^PostgreSQL\s+(\S+)/i.exec(version);
  return match?.[1] ?? version.split(' on ')[0]!.trim();
}

/**
 * PostgreSQL: DDL is transactional, so each migration commits alone with its tracking row and
 * `--atomic` can hold a whole plan. Commits are cheap for a server, so no group commits.
 *
 * CockroachDB: schema changes inside an explicit transaction run asynchronously after the
 * commit and are not rolled back with it when they fail part-way (its docs: "schema changes
 * within explicit transactions" are not atomic), so strata treats its DDL as
 * non-transactional: the dirty protocol, and `--atomic` refused (§6 lists CockroachDB).
 *
 * YugabyteDB: DDL inside a transaction block runs in its own, separate transaction unless
 * the preview "transactional DDL" flag is on, which a client cannot rely on; treated like
 * CockroachDB. Both engines run schema changes online rather than queueing behind
 * ACCESS EXCLUSIVE locks the way PostgreSQL does, and neither honours `lock_timeout` for DDL
 * in the same way, so strata does not claim to bound DDL lock waits there.
 */
export function capabilitiesOf(engine: Engine): Capabilities {
  if (engine === 'postgresql') return { transactionalDdl: true, groupCommit: false, atomic: true, ddlLockTimeout: true };
  return { transactionalDdl: false, groupCommit: false, atomic: false, ddlLockTimeout: false };
}

export const ENGINE_NAMES: Readonly<Record<Engine, string>> = {
  postgresql: 'PostgreSQL',
  cockroachdb: 'CockroachDB',
  yugabytedb: 'YugabyteDB',
};

/**
 * `auto`: a session advisory lock on PostgreSQL (dies with its connection, so a crashed
 * runner leaves nothing behind); the lease where session advisory locks cannot be trusted.
 * `lease` is always possible (and what PgBouncer in transaction pooling needs: the user says
 * so, a client cannot detect it). `session` where it would be a no-op is a configuration error.
 */
export function chooseLock(engine: Engine, requested: 'auto' | 'session' | 'lease'): LockStrategy {
  if (requested === 'lease') return 'lease';
  if (engine === 'postgresql') return 'session';
  if (requested === 'auto') return 'lease';
  const reason =
    engine === 'cockroachdb'
      ? "CockroachDB's advisory-lock functions are no-ops that report success"
      : 'YugabyteDB has no cluster-wide session advisory locks a client can rely on';
  throw new ConfigError('config', `--lock session is not possible on ${ENGINE_NAMES[engine]}: ${reason}`, {
    hint: 'use --lock lease (or auto, which picks the lease there)',
  });
}
