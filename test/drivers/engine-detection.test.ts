/**
 * Engine detection "on paper": the engines strata cannot run here (CockroachDB, YugabyteDB,
 * Citus, TiDB, Vitess/PlanetScale), recognised from what their servers really answer to
 * `SELECT version()` / `SELECT VERSION(), @@version_comment`, and what strata then does there:
 * the lock `auto` picks, whether DDL is transactional and `--atomic` possible, and that a
 * `--lock session` that would be a no-op is refused (exit 2). The strings below are the
 * engines' own output as published in their docs and users' sessions (or, where a comment
 * says so, built from the format in the engine's source).
 * Engines that run on this machine (PostgreSQL, MariaDB, MariaDB Galera) are tested against
 * the real servers in test/drivers/ and test/distributed/.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exitCodeOf } from '../../src/cli/exit-code.js';
import { ConfigError } from '../../src/core/errors.js';
import { openDriver } from '../../src/drivers/load-driver.js';
import * as my from '../../src/drivers/mysql/engine.js';
import * as pg from '../../src/drivers/postgres/engine.js';
import { driverOptions } from '../support/driver-fixtures.js';

// ---- PostgreSQL wire protocol: `SELECT version()` ----

const POSTGRES_VERSIONS = {
  postgresql: [
    // This machine's server.
    'PostgreSQL 15.20 (Debian 15.20-0+deb12u1) on x86_64-pc-linux-gnu, compiled by gcc (Debian 12.2.0-14+deb12u1) 12.2.0, 64-bit',
    // Citus is an extension, and Aurora PostgreSQL / Neon are PostgreSQL builds: version() is
    // PostgreSQL's own line (shape shown; the compiler part varies by build).
    'PostgreSQL 16.2 on x86_64-pc-linux-gnu, compiled by gcc (GCC) 11.4.1, 64-bit',
  ],
  cockroachdb: [
    // The `cockroach sql` banner and SELECT version() print the same line.
    'CockroachDB CCL v20.1.15 (x86_64-unknown-linux-gnu, built 2021/04/26 16:11:58, go1.13.9)',
    'CockroachDB CCL v21.1.1 (x86_64-apple-darwin19, built 2021/05/24 15:00:00, go1.15.11)',
    'CockroachDB CCL v24.3.5 (x86_64-pc-linux-gnu, built 2025/02/03 17:28:15, go1.22.8)',
  ],
  yugabytedb: [
    'PostgreSQL 11.2-YB-2.6.1.0-b0 on x86_64-pc-linux-gnu, compiled by gcc (Homebrew gcc 5.5.0_4) 5.5.0, 64-bit',
    // YugabyteDB 2.25 moved its SQL layer to PostgreSQL 15 (psql shows `server 15.12-YB-2.25.2.0-b0`).
    'PostgreSQL 15.12-YB-2.25.2.0-b0 on x86_64-pc-linux-gnu, compiled by clang version 17.0.6, 64-bit',
  ],
} as const;

test('PostgreSQL-compatible engines are told apart by version(): CockroachDB, YugabyteDB, and everything else as PostgreSQL (Citus, Aurora)', () => {
  for (const [engine, versions] of Object.entries(POSTGRES_VERSIONS)) {
    for (const version of versions) assert.equal(pg.detectEngine(version), engine, version);
  }
  assert.equal(pg.serverVersionOf('postgresql', POSTGRES_VERSIONS.postgresql[0]), '15.20');
  assert.equal(pg.serverVersionOf('cockroachdb', POSTGRES_VERSIONS.cockroachdb[2]), '24.3.5');
  assert.equal(pg.serverVersionOf('yugabytedb', POSTGRES_VERSIONS.yugabytedb[1]), '15.12-YB-2.25.2.0-b0');
});

test('PostgreSQL (and Citus): session advisory lock under auto, transactional DDL, --atomic possible', () => {
  const engine = pg.detectEngine(POSTGRES_VERSIONS.postgresql[1]);
  assert.equal(pg.chooseLock(engine, 'auto'), 'session');
  assert.equal(pg.chooseLock(engine, 'session'), 'session');
  // Behind PgBouncer in transaction pooling the client cannot tell: the user asks for the lease.
  assert.equal(pg.chooseLock(engine, 'lease'), 'lease');
  assert.deepEqual(pg.capabilitiesOf(engine), { transactionalDdl: true, groupCommit: false, atomic: true, ddlLockTimeout: true });
});

test('CockroachDB: the lease under auto; DDL not transactional, so the dirty protocol and no --atomic; --lock session is exit 2', () => {
  const engine = pg.detectEngine(POSTGRES_VERSIONS.cockroachdb[0]);
  assert.equal(pg.chooseLock(engine, 'auto'), 'lease');
  assert.equal(pg.chooseLock(engine, 'lease'), 'lease');
  assert.deepEqual(pg.capabilitiesOf(engine), { transactionalDdl: false, groupCommit: false, atomic: false, ddlLockTimeout: false });
  const refusal = refused(() => pg.chooseLock(engine, 'session'));
  assert.match(refusal.message, /CockroachDB/);
  assert.match(refusal.message, /no-ops that report success/);
  assert.match(refusal.hint ?? '', /--lock lease/);
});

test('YugabyteDB: the lease under auto; DDL not transactional, so the dirty protocol and no --atomic; --lock session is exit 2', () => {
  for (const version of POSTGRES_VERSIONS.yugabytedb) {
    const engine = pg.detectEngine(version);
    assert.equal(pg.chooseLock(engine, 'auto'), 'lease', version);
    assert.deepEqual(pg.capabilitiesOf(engine), { transactionalDdl: false, groupCommit: false, atomic: false, ddlLockTimeout: false });
    const refusal = refused(() => pg.chooseLock(engine, 'session'));
    assert.match(refusal.message, /YugabyteDB/);
  }
});

// ---- MySQL wire protocol: `SELECT VERSION(), @@version_comment` (and `@@wsrep_on`) ----

/** A vtgate's @@version_comment, as the MySQL client printed it after `Server version: 8.0.30-Vitess`. */
const VTGATE_BUILD =
  "Version: 18.0.0-SNAPSHOT (Git revision 122ee758cf4f20f20e8703fcb21dea93765e3e2b branch 'main') built on Fri Jun 30 07:57:51 UTC 2023 by vitess@buildkitsandbox using go1.20.5 linux/amd64";

/** The same line from a vtgate built by someone else (the format above, other values). */
const OWN_VTGATE_BUILD =
  "Version: 19.0.4 (Git revision 3b4ac9e branch 'release-19.0') built on Tue May  7 10:00:00 UTC 2024 by ci@build-42 using go1.22.2 linux/amd64";

interface MysqlSample {
  readonly version: string;
  readonly versionComment: string;
  readonly wsrepOn: boolean | null;
  readonly engine: my.MysqlEngine;
}

const MYSQL_SAMPLES: readonly MysqlSample[] = [
  // This machine's MariaDB, and the Galera nodes scripts/galera.sh starts (the same build, wsrep on).
  { version: '10.11.19-MariaDB-0+deb12u1', versionComment: 'Debian 12', wsrepOn: false, engine: 'mariadb' },
  { version: '10.11.19-MariaDB-0+deb12u1', versionComment: 'Debian 12', wsrepOn: true, engine: 'mariadb-galera' },
  { version: '8.0.36', versionComment: 'MySQL Community Server - GPL', wsrepOn: null, engine: 'mysql' },
  // Percona XtraDB Cluster: MySQL with Galera.
  { version: '8.0.35-27.1', versionComment: 'Percona XtraDB Cluster (GPL), Release rel27, Revision 2f8eed8, WSREP version 26.1.4.3', wsrepOn: true, engine: 'mysql-galera' },
  // TiDB, self-hosted and TiDB Cloud Serverless; older releases claimed MySQL 5.7.
  { version: '8.0.11-TiDB-v7.5.1', versionComment: 'TiDB Server (Apache License 2.0) Community Edition, MySQL 8.0 compatible', wsrepOn: null, engine: 'tidb' },
  { version: '8.0.11-TiDB-v7.5.6-serverless', versionComment: 'TiDB Server (Apache License 2.0) Community Edition, MySQL 8.0 compatible', wsrepOn: null, engine: 'tidb' },
  { version: '5.7.25-TiDB-v6.2.0', versionComment: 'TiDB Server (Apache License 2.0) Community Edition, MySQL 5.7 compatible', wsrepOn: null, engine: 'tidb' },
  // Vitess vtgate: VERSION() is --mysql_server_version (default `8.0.30-Vitess` since v16,
  // `5.7.9-vitess-<version>` before); @@version_comment is vtgate's build line
  // (go/vt/servenv/buildinfo.go: `Version: %s (Git revision %s branch '%s') built on %s by %s@%s using %s %s/%s`).
  { version: '8.0.30-Vitess', versionComment: VTGATE_BUILD, wsrepOn: null, engine: 'vitess' },
  { version: '5.7.9-vitess-14.0.0', versionComment: VTGATE_BUILD, wsrepOn: null, engine: 'vitess' },
  // A vtgate built elsewhere (no "vitess" in the builder's name) and started with
  // --mysql_server_version=8.0.34 for an ORM: only the build line's shape tells.
  { version: '8.0.34', versionComment: OWN_VTGATE_BUILD, wsrepOn: null, engine: 'vitess' },
  // PlanetScale runs vtgate under its own name.
  { version: '8.0.23-PlanetScale', versionComment: 'PlanetScale', wsrepOn: null, engine: 'vitess' },
];

test('MySQL-compatible engines are told apart by VERSION(), @@version_comment and @@wsrep_on: MariaDB, MySQL, Galera, TiDB, Vitess/PlanetScale', () => {
  for (const sample of MYSQL_SAMPLES) {
    assert.equal(my.detectEngine(sample), sample.engine, `${sample.version} / ${sample.versionComment}`);
  }
  // @@wsrep_on is asked only where Galera is possible: TiDB and vtgate do not have it.
  assert.equal(my.needsWsrepProbe('10.11.19-MariaDB-0+deb12u1', 'Debian 12'), true);
  assert.equal(my.needsWsrepProbe('8.0.35-27.1', 'Percona XtraDB Cluster (GPL)'), true);
  for (const sample of MYSQL_SAMPLES.filter((s) => s.engine === 'tidb' || s.engine === 'vitess')) {
    assert.equal(my.needsWsrepProbe(sample.version, sample.versionComment), false, sample.version);
  }
});

test('auto picks GET_LOCK where it is shared by every connection (MySQL, MariaDB, TiDB) and the lease on Galera and Vitess', () => {
  const expected: Record<my.MysqlEngine, 'session' | 'lease'> = {
    mysql: 'session',
    mariadb: 'session',
    tidb: 'session',
    'mariadb-galera': 'lease',
    'mysql-galera': 'lease',
    vitess: 'lease',
  };
  for (const sample of MYSQL_SAMPLES) assert.equal(my.chooseLock(sample.engine, 'auto'), expected[sample.engine], sample.version);
  for (const engine of Object.keys(expected) as my.MysqlEngine[]) assert.equal(my.chooseLock(engine, 'lease'), 'lease');
  // TiDB's GET_LOCK is cluster-wide but waits at least one second: it is asked with 1 s, not 0.
  assert.equal(my.getLockWaitSeconds('tidb'), 1);
  assert.equal(my.getLockWaitSeconds('mariadb'), 0);
});

test('--lock session is exit 2 on Galera (GET_LOCK is node-local) and Vitess/PlanetScale (not shared), and allowed on TiDB', () => {
  for (const engine of ['mariadb-galera', 'mysql-galera'] as const) {
    assert.match(refused(() => my.chooseLock(engine, 'session')).message, /Galera.*GET_LOCK is local to one node/);
  }
  assert.match(refused(() => my.chooseLock('vitess', 'session')).message, /Vitess\/PlanetScale GET_LOCK is not shared/);
  assert.equal(my.chooseLock('tidb', 'session'), 'session');
  assert.equal(my.chooseLock('mysql', 'session'), 'session');
});

test('every MySQL-family engine: DDL not transactional (the dirty protocol), --atomic refused, DDL lock waits bounded except through vtgate', async () => {
  // The capabilities belong to the MySQL driver, whatever the engine behind it: read from a
  // driver that has not connected yet (it connects on first use; nothing listens on port 9).
  const driver = await openDriver('mysql://root@127.0.0.1:9/none', driverOptions({ lockTimeoutMs: 1_000, runId: 'run-engine-detection' }));
  try {
    assert.deepEqual(driver.capabilities, { transactionalDdl: false, groupCommit: false, atomic: false, ddlLockTimeout: true });
  } finally {
    await driver.close();
  }
  // lock_wait_timeout / innodb_lock_wait_timeout carry --ddl-lock-timeout, in whole seconds;
  // vtgate accepts neither as a session setting, so Vitess keeps its own.
  const options = { ddlLockTimeoutMs: 1500, statementTimeoutMs: 0 };
  for (const family of ['mysql', 'mariadb', 'tidb'] as const) {
    assert.deepEqual(my.sessionSettings(family, options), [['lock_wait_timeout', '2'], ['innodb_lock_wait_timeout', '2']], family);
  }
  assert.deepEqual(my.sessionSettings('vitess', options), []);
  assert.equal(my.statementTimeoutVariable('vitess'), null);
  assert.equal(my.statementTimeoutVariable('tidb')?.name, 'max_execution_time');
});

function refused(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    assert.equal(error.code, 'config');
    assert.equal(exitCodeOf(error, null), 2);
    return error;
  }
  assert.fail('expected --lock session to be refused');
}

