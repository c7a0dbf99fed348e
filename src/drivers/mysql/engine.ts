/**
 * Which server speaks the MySQL protocol at the other end, and which lock can be trusted
 * there. A lock that would silently be a no-op is never used (§6): GET_LOCK is node-local on
 * a Galera cluster and not shared across a Vitess keyspace, so those take the lease.
 */
import { ConfigError } from '../../core/errors.js';
import type { LockStrategy } from '../driver.js';

export type MysqlEngine = 'mysql' | 'mariadb' | 'mariadb-galera' | 'mysql-galera' | 'tidb' | 'vitess';

export interface EngineFacts {
  /** `VERSION()`, e.g. `10.11.19-MariaDB-0+deb12u1`, `8.0.11-TiDB-v7.5.0`, `8.0.30-Vitess`. */
  readonly version: string;
  /** `@@version_comment`, e.g. `Debian 12`, `Percona XtraDB Cluster (GPL)`, `PlanetScale`. */
  readonly versionComment: string;
  /** `@@global.wsrep_on`; null where the server has no such variable or was not asked. */
  readonly wsrepOn: boolean | null;
}

/**
 * vtgate answers `@@version_comment` with its own build line, `Version: 18.0.0 (Git revision
 * 1a2b3c4 branch 'HEAD') built on …`, whatever `--mysql_server_version` makes VERSION() say
 * (by default `8.0.30-Vitess`; operators set plain `8.0.34` for their ORMs).
 */
const VTGATE_COMMENT = /^Version: \S+.*\(Git revision \S* branch /;

/** TiDB and Vitess are recognised from the version strings alone (no further query). */
export function engineFromVersion(version: string, versionComment: string): 'tidb' | 'vitess' | 'mariadb' | 'mysql' {
  const text = `${version} ${versionComment}`;
  if (/tidb/i.test(text)) return 'tidb';
  if (/vitess|planetscale/i.test(text) || VTGATE_COMMENT.test(versionComment)) return 'vitess';
  if (/mariadb/i.test(version)) return 'mariadb';
  return 'mysql';
}

/** Whether `@@wsrep_on` must be asked to know the engine (a Galera-capable server). */
export function needsWsrepProbe(version: string, versionComment: string): boolean {
  const family = engineFromVersion(version, versionComment);
  return family === 'mariadb' || family === 'mysql';
}

export function detectEngine(facts: EngineFacts): MysqlEngine {
  const family = engineFromVersion(facts.version, facts.versionComment);
  if (facts.wsrepOn === true && family === 'mariadb') return 'mariadb-galera';
  // Percona XtraDB Cluster (and MySQL-wsrep builds) are Galera too.
  if (facts.wsrepOn === true && family === 'mysql') return 'mysql-galera';
  return family;
}

/** Why a session lock cannot be trusted on this engine, or null where it can. */
export function sessionLockProblem(engine: MysqlEngine): string | null {
  switch (engine) {
    case 'mariadb-galera':
    case 'mysql-galera':
      return 'on a Galera cluster (@@wsrep_on = ON) GET_LOCK is local to one node, so runs connected to other nodes would not wait for it';
    case 'vitess':
      return 'on Vitess/PlanetScale GET_LOCK is not shared between the connections vtgate opens, so other runs would not wait for it';
    default:
      return null;
  }
}

/**
 * The lock to use. `auto` takes GET_LOCK where it is trustworthy and the lease elsewhere;
 * an explicit `session` where it would be a no-op is a configuration error (exit 2).
 */
export function chooseLock(engine: MysqlEngine, requested: 'auto' | 'session' | 'lease'): LockStrategy {
  const problem = sessionLockProblem(engine);
  if (requested === 'lease') return 'lease';
  if (requested === 'auto') return problem === null ? 'session' : 'lease';
  if (problem !== null) {
    throw new ConfigError('config', `--lock session cannot be used here: ${problem}`, {
      hint: 'use --lock lease (or auto, which picks the lease on this engine)',
    });
  }
  return 'session';
}

/** TiDB's GET_LOCK waits at least one second: it is asked with a 1 s timeout instead of 0. */
export function getLockWaitSeconds(engine: MysqlEngine): number {
  return engine === 'tidb' ? 1 : 0;
}

/**
 * The session variables a run's connection gets: MySQL has no SET LOCAL, so the waits for
 * the application's locks (`lock_wait_timeout`: metadata locks, i.e. DDL;
 * `innodb_lock_wait_timeout`: row locks) and the statement timeout hold for the whole
 * connection. vtgate accepts only some session variables: Vitess keeps its defaults.
 */
export function sessionSettings(
  family: 'tidb' | 'vitess' | 'mariadb' | 'mysql',
  options: { readonly ddlLockTimeoutMs: number; readonly statementTimeoutMs: number },
): (readonly [name: string, value: string])[] {
  const settings: [string, string][] = [];
  const seconds = lockWaitSeconds(options.ddlLockTimeoutMs);
  if (seconds !== null && family !== 'vitess') settings.push(['lock_wait_timeout', String(seconds)], ['innodb_lock_wait_timeout', String(seconds)]);
  const timeout = options.statementTimeoutMs > 0 ? statementTimeoutVariable(family) : null;
  if (timeout) settings.push([timeout.name, timeout.value(options.statementTimeoutMs)]);
  return settings;
}

/** The session variable bounding how long a statement runs, per engine (null: none strata can set). */
export function statementTimeoutVariable(family: 'tidb' | 'vitess' | 'mariadb' | 'mysql'): { name: string; value: (ms: number) => string } | null {
  switch (family) {
    case 'mariadb':
      // Seconds, with microsecond precision; applies to every statement.
      return { name: 'max_statement_time', value: (ms) => (ms / 1000).toFixed(3) };
    case 'mysql':
    case 'tidb':
      // Milliseconds; MySQL applies it to read-only SELECTs only.
      return { name: 'max_execution_time', value: (ms) => String(Math.ceil(ms)) };
    case 'vitess':
      return null;
  }
}

/** `lock_wait_timeout` / `innodb_lock_wait_timeout` in whole seconds (at least 1); null = leave the server's default. */
export function lockWaitSeconds(ddlLockTimeoutMs: number): number | null {
  if (!(ddlLockTimeoutMs > 0)) return null;
  return Math.max(1, Math.ceil(ddlLockTimeoutMs / 1000));
}
