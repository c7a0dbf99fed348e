// Generates the same N migrations in each tool's native format.
// Migration i:  CREATE TABLE t_<i> (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
//               INSERT INTO t_<i> (id, name) VALUES (1, 'row <i>');
// (TEXT NOT NULL is valid on SQLite, PostgreSQL and MariaDB/MySQL alike, so the
// SQL is identical on every dialect.) Versions are zero-padded to 5 digits for
// every N, so files sort the same way by name and by number.
import { mkdirSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export const WIDTH = 5;

export const pad = (i) => String(i).padStart(WIDTH, '0');

/** The two statements of migration i (no trailing semicolons). */
export function statements(i) {
  const v = pad(i);
  return [
    `CREATE TABLE t_${v} (id INTEGER PRIMARY KEY, name TEXT NOT NULL)`,
    `INSERT INTO t_${v} (id, name) VALUES (1, 'row ${i}')`,
  ];
}

const js = (s) => JSON.stringify(s);

/** format -> { ext, type?: 'module'|'commonjs', body(i) } */
export const FORMATS = {
  // strata and the floor: the file is the up script.
  sql: { ext: 'sql', body: (i) => statements(i).map((s) => `${s};\n`).join('') },
  // dbmate needs the up marker.
  dbmate: { ext: 'sql', body: (i) => `-- migrate:up\n${statements(i).map((s) => `${s};\n`).join('')}\n-- migrate:down\nDROP TABLE t_${pad(i)};\n` },
  // Knex's own stub style (CommonJS, `exports.up`), statements through knex.raw.
  knex: {
    ext: 'js', type: 'commonjs',
    body: (i) => {
      const [a, b] = statements(i);
      return `exports.up = async function (knex) {\n  await knex.raw(${js(a)});\n  await knex.raw(${js(b)});\n};\n\n` +
        `exports.down = async function (knex) {\n  await knex.raw(${js(`DROP TABLE t_${pad(i)}`)});\n};\n`;
    },
  },
  // Kysely's documented shape: ESM importing `sql` from kysely.
  kysely: {
    ext: 'js', type: 'module',
    body: (i) => {
      const [a, b] = statements(i);
      return `import { sql } from 'kysely';\n\nexport async function up(db) {\n  await sql.raw(${js(a)}).execute(db);\n  await sql.raw(${js(b)}).execute(db);\n}\n\n` +
        `export async function down(db) {\n  await sql.raw(${js(`DROP TABLE t_${pad(i)}`)}).execute(db);\n}\n`;
    },
  },
  // Umzug: the context is the application's database handle (see tools/umzug.mjs).
  umzug: {
    ext: 'js', type: 'module',
    body: (i) => {
      const [a, b] = statements(i);
      return `export const up = async ({ context: db }) => {\n  await db.query(${js(a)});\n  await db.query(${js(b)});\n};\n\n` +
        `export const down = async ({ context: db }) => {\n  await db.query(${js(`DROP TABLE t_${pad(i)}`)});\n};\n`;
    },
  },
  // node-pg-migrate's own JS template (ESM), statements through pgm.sql.
  'node-pg-migrate': {
    ext: 'js', type: 'module',
    body: (i) => {
      const [a, b] = statements(i);
      return `export const shorthands = undefined;\n\nexport const up = (pgm) => {\n  pgm.sql(${js(a)});\n  pgm.sql(${js(b)});\n};\n\n` +
        `export const down = (pgm) => {\n  pgm.sql(${js(`DROP TABLE t_${pad(i)}`)});\n};\n`;
    },
  },
};

export function fileName(format, i) {
  return `${pad(i)}_create_t_${pad(i)}.${FORMATS[format].ext}`;
}

/**
 * Write migrations 1..n of `format` into `<root>/migrations` (root emptied
 * first) and return that folder. `<root>/package.json` pins how Node reads
 * .js files there (CommonJS for Knex's stubs, ESM for the others); it sits
 * beside the folder, not in it, as some tools take every file in theirs.
 */
export function generate(format, root, n) {
  const f = FORMATS[format];
  if (!f) throw new Error(`unknown migration format ${format}`);
  if (existsSync(root)) rmSync(root, { recursive: true, force: true });
  const dir = join(root, 'migrations');
  mkdirSync(dir, { recursive: true });
  if (f.type) writeFileSync(join(root, 'package.json'), JSON.stringify({ private: true, type: f.type }) + '\n');
  for (let i = 1; i <= n; i++) writeFileSync(join(dir, fileName(format, i)), f.body(i));
  return dir;
}
