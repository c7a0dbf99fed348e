/**
 * The dialect matrix: one suite runs against each listed dialect, each test in its own
 * fresh database (a SQLite file in a temp folder, a new PostgreSQL or MariaDB database).
 * STRATA_TEST_DIALECTS selects them (default: all three). A listed server that cannot be
 * reached fails the tests that use it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
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

export function dialects(): DialectUnderTest[] {
  const listed = (process.env.STRATA_TEST_DIALECTS ?? 'sqlite,postgres,mysql').split(',').map((s) => s.trim()).filter(Boolean);
  return listed.map((name) => {
    const dialect = ALL[name as DialectName];
    if (!dialect) throw new Error(`STRATA_TEST_DIALECTS lists unknown dialect "${name}"`);
    return dialect;
  });
}

