/**
 * The dialect matrix: one suite runs against each listed dialect, each test in its own
 * fresh database (a SQLite file in a temp folder, a new PostgreSQL or MariaDB database).
 * STRATA_TEST_DIALECTS selects them (default: all three). A listed server that cannot be
 * reached fails the tests that use it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import * as nodeTest from 'node:test';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type DialectName = 'sqlite' | 'postgres' | 'mysql';

export interface FreshDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

export interface DialectUnderTest {
  readonly name: DialectName;
  fresh(): Promise<FreshDatabase>;
}

const sqlite: DialectUnderTest = {
  name: 'sqlite',
  async fresh() {
    const dir = mkdtempSync(join(tmpdir(), 'strata-db-'));
    return {
      url: `sqlite:${join(dir, 'test.db')}`,
      async drop() {
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

const postgres: DialectUnderTest = {
  name: 'postgres',
  async fresh() {
    const { freshPostgres } = await import('./postgres.js');
    return freshPostgres();
  },
};

const mysql: DialectUnderTest = {
  name: 'mysql',
  async fresh() {
    const { freshMysql } = await import('./mysql.js');
    return freshMysql();
  },
};

const ALL: Record<DialectName, DialectUnderTest> = { sqlite, postgres, mysql };

/** The dialects STRATA_TEST_DIALECTS lists (default: all three), in its order. */
export function dialects(): DialectUnderTest[] {
  return listedNames().map((name) => ALL[name]);
}

/** Every dialect, listed or not: a suite built from it skips the unlisted ones visibly (see notListed). */
export function allDialects(): DialectUnderTest[] {
  return Object.values(ALL);
}

/**
 * For node:test's `skip` option of a test or suite that needs `names`: false when every one is
 * listed in STRATA_TEST_DIALECTS, else the reason shown in the report. A listed server that
 * cannot be reached is never skipped: its tests fail.
 */
export function notListed(...names: DialectName[]): string | false {
  const listed = listedNames();
  const missing = names.filter((name) => !listed.includes(name));
  if (missing.length === 0) return false;
  return `${missing.join(', ')} not in STRATA_TEST_DIALECTS=${process.env.STRATA_TEST_DIALECTS ?? ''}`;
}

export interface ServerTests {
  readonly test: typeof nodeTest.test;
  readonly before: typeof nodeTest.before;
  readonly after: typeof nodeTest.after;
}

/**
 * node:test's test, before and after for a file whose every test needs the servers `names`:
 * when one is not listed in STRATA_TEST_DIALECTS, every test of the file is reported skipped
 * with the reason, and its hooks (e.g. starting a cluster) never run.
 */
export function serverTests(...names: DialectName[]): ServerTests {
  const reason = notListed(...names);
  if (reason === false) return { test: nodeTest.test, before: nodeTest.before, after: nodeTest.after };
  const skipped = (name: string, second?: unknown, third?: unknown) => {
    const options = typeof second === 'object' && second !== null ? second : {};
    const fn = typeof second === 'function' ? second : third;
    return nodeTest.test(name, { ...options, skip: reason }, fn as nodeTest.TestFn);
  };
  const noHook = (): void => undefined;
  return { test: skipped as typeof nodeTest.test, before: noHook, after: noHook };
}

function listedNames(): DialectName[] {
  const listed = (process.env.STRATA_TEST_DIALECTS ?? 'sqlite,postgres,mysql').split(',').map((s) => s.trim()).filter(Boolean);
  for (const name of listed) {
    if (!(name in ALL)) throw new Error(`STRATA_TEST_DIALECTS lists unknown dialect "${name}"`);
  }
  return listed as DialectName[];
}
