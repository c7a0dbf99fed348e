/**
 * For every lint rule, per dialect: a migration it must flag and a near miss it must not.
 * Each runs after SETUP (a migration before it, so its tables exist before the case).
 * Shared by the rule tests (no database) and the CLI tests on real servers.
 */
import type { DialectName } from '../support/dialects.js';

export interface LintCase {
  readonly code: string;
  readonly flag: string;
  readonly miss: string;
}

export const SETUP: Readonly<Record<DialectName, string>> = {
  postgres: 'CREATE TABLE users (id int PRIMARY KEY, email text, name text, n int);\nCREATE TABLE orders (id int PRIMARY KEY, user_id int, note text);\nCREATE UNIQUE INDEX users_email_u ON users (email);\n',
  mysql: 'CREATE TABLE users (id int PRIMARY KEY, email varchar(100), name varchar(100), n int, KEY users_n (n));\nCREATE TABLE orders (id int PRIMARY KEY, user_id int, note text);\n',
  sqlite: 'CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, name TEXT, n INTEGER);\nCREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER, note TEXT);\n',
};

const OFF = '-- transaction: off\n';

/** The destructive rules, on every dialect (MySQL's ALTERs say ALGORITHM so only the rule under test fires). */
function destructive(algorithm: string): LintCase[] {
  return [
    { code: 'drop-table', flag: 'DROP TABLE orders;', miss: 'CREATE TABLE scratch (id int);\nDROP TABLE scratch;' },
    { code: 'drop-table', flag: 'DROP TABLE IF EXISTS orders;', miss: 'DROP TABLE IF EXISTS legacy_sessions;\nCREATE TABLE legacy_sessions (id int);' },
    { code: 'drop-column', flag: `ALTER TABLE users DROP COLUMN name${algorithm};`, miss: 'DROP INDEX users_email_gone;' },
    { code: 'truncate', flag: 'TRUNCATE TABLE orders;', miss: 'CREATE TABLE staging (id int);\nTRUNCATE TABLE staging;' },
    { code: 'delete-without-where', flag: 'DELETE FROM orders;', miss: "DELETE FROM orders WHERE note = 'WHERE';" },
    { code: 'update-without-where', flag: "UPDATE users SET note = (SELECT 'x' WHERE 1 = 1);", miss: 'UPDATE users SET n = 0 WHERE n IS NULL;' },
    { code: 'rename', flag: `ALTER TABLE users RENAME COLUMN name TO full_name${algorithm};`, miss: `CREATE TABLE users_new (id int);\nALTER TABLE users_new RENAME TO users_v2;` },
  ];
}

export const CASES: Readonly<Record<DialectName, readonly LintCase[]>> = {
  postgres: [
    ...destructive(''),
    { code: 'index-not-concurrently', flag: 'CREATE INDEX orders_user ON orders (user_id);', miss: 'CREATE TABLE items (id int, sku text);\nCREATE INDEX items_sku ON items (sku);' },
    { code: 'index-not-concurrently', flag: 'CREATE UNIQUE INDEX IF NOT EXISTS orders_note ON public.orders (note);', miss: `${OFF}CREATE INDEX CONCURRENTLY orders_user ON orders (user_id);` },
    { code: 'add-column-volatile-default', flag: 'ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid();', miss: 'ALTER TABLE users ADD COLUMN created timestamptz DEFAULT now();' },
    { code: 'add-column-volatile-default', flag: 'ALTER TABLE users ADD COLUMN seq bigserial;', miss: "ALTER TABLE users ADD COLUMN status text NOT NULL DEFAULT 'new';" },
    { code: 'alter-column-type', flag: 'ALTER TABLE users ALTER COLUMN n TYPE bigint;', miss: 'ALTER TABLE users ALTER COLUMN n SET DEFAULT 0;' },
    { code: 'set-not-null', flag: 'ALTER TABLE users ALTER COLUMN email SET NOT NULL;', miss: 'ALTER TABLE users ADD CONSTRAINT email_nn CHECK (email IS NOT NULL) NOT VALID;\nALTER TABLE users VALIDATE CONSTRAINT email_nn;\nALTER TABLE users ALTER COLUMN email SET NOT NULL;' },
    { code: 'add-foreign-key-validated', flag: 'ALTER TABLE orders ADD CONSTRAINT orders_user FOREIGN KEY (user_id) REFERENCES users (id);', miss: 'ALTER TABLE orders ADD CONSTRAINT orders_user FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT orders_user;' },
    { code: 'add-check-validated', flag: 'ALTER TABLE users ADD CONSTRAINT n_positive CHECK (n > 0);', miss: 'ALTER TABLE users ADD CONSTRAINT n_positive CHECK (n > 0) NOT VALID;' },
    { code: 'add-unique-constraint', flag: 'ALTER TABLE users ADD CONSTRAINT users_email UNIQUE (email);', miss: 'ALTER TABLE users ADD CONSTRAINT users_email UNIQUE USING INDEX users_email_u;' },
    { code: 'concurrently-in-transaction', flag: 'CREATE INDEX CONCURRENTLY users_n ON users (n);', miss: `${OFF}CREATE INDEX CONCURRENTLY users_n ON users (n);` },
    { code: 'vacuum-full', flag: `${OFF}VACUUM (FULL, ANALYZE) users;`, miss: `${OFF}VACUUM ANALYZE users;` },
    { code: 'cluster', flag: 'CLUSTER users USING users_pkey;', miss: 'CREATE TABLE events (id int PRIMARY KEY);\nCLUSTER events USING events_pkey;' },
  ],
  mysql: [
    ...destructive(', ALGORITHM=INPLACE'),
    { code: 'rename', flag: 'RENAME TABLE orders TO purchases;', miss: 'ALTER TABLE users CHANGE n n bigint, ALGORITHM=COPY;' },
    { code: 'alter-without-algorithm', flag: 'ALTER TABLE users ADD COLUMN age int;', miss: 'ALTER TABLE users ADD COLUMN age int, ALGORITHM=INSTANT;' },
    { code: 'alter-without-algorithm', flag: 'ALTER TABLE orders MODIFY note varchar(200);', miss: 'CREATE TABLE t2 (id int);\nALTER TABLE t2 ADD COLUMN x int;' },
    { code: 'alter-without-algorithm', flag: 'ALTER TABLE orders DROP COLUMN note, RENAME TO purchases;', miss: '-- strata:allow rename\nALTER TABLE orders RENAME TO purchases;' },
  ],
  sqlite: [
    ...destructive(''),
    { code: 'alter-needs-rebuild', flag: 'ALTER TABLE users ALTER COLUMN n SET NOT NULL;', miss: "ALTER TABLE users ADD COLUMN created TEXT DEFAULT 'x';" },
    { code: 'alter-needs-rebuild', flag: 'ALTER TABLE users ADD COLUMN created TEXT DEFAULT CURRENT_TIMESTAMP;', miss: 'ALTER TABLE users ADD COLUMN score INTEGER NOT NULL DEFAULT -1;' },
    { code: 'alter-needs-rebuild', flag: 'ALTER TABLE orders ADD CONSTRAINT note_len CHECK (length(note) < 10);', miss: 'ALTER TABLE orders DROP COLUMN note;' },
  ],
};

/** The migration files of a dialect's cases: `001_setup.sql`, then a flag and a miss file per case. */
export function caseFiles(dialect: DialectName): { files: Record<string, string>; flagFile: string[]; missFile: string[] } {
  const files: Record<string, string> = { '001_setup.sql': SETUP[dialect] };
  const flagFile: string[] = [];
  const missFile: string[] = [];
  CASES[dialect].forEach((c, i) => {
    const base = 100 + i * 2;
    const name = c.code.replaceAll('-', '_');
    flagFile.push(`${base}_flag_${name}.sql`);
    missFile.push(`${base + 1}_miss_${name}.sql`);
    files[flagFile[i]!] = `${c.flag}\n`;
    files[missFile[i]!] = `${c.miss}\n`;
  });
  return { files, flagFile, missFile };
}
