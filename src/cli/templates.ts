/** The text of files `init` and `new` write. */

export type TemplateName = 'blank' | 'create-table' | 'add-column' | 'data' | 'recreate-table';

export function configFileText(dir: string): string {
  return `// strata configuration. Times are in seconds; relative paths resolve from this folder.
/** @type {import('strata-migrate').StrataConfig} */
export default {
  // Without db, strata uses DATABASE_URL, else the built-in sqlite:./data/app.db.
  // db: 'postgres://user@localhost:5432/app',
  dir: '${dir}',
  environments: {
    // dev: { db: 'postgres://localhost:5432/app_dev' },
    // prod: { db: process.env.PROD_DATABASE_URL, protected: true },
  },
};
`;
}

export const MIGRATIONS_README = `# Migrations

Each file here is one migration, applied in version order by \`strata up\`:

- \`001_create_users.sql\` — the whole file is the up script, or use sections:

      -- Create the users table            (first comment line = description)
      -- depends: 000                      (optional)
      -- transaction: off                  (optional: run outside a transaction)
      -- migrate:up
      CREATE TABLE users (id INTEGER PRIMARY KEY);
      -- migrate:down
      DROP TABLE users;

- \`002_backfill.ts\` — a TypeScript module: \`export default defineMigration({ up, down })\`.

Create the next one with \`strata new <name>\` (\`--ts\` for TypeScript). Never edit a
migration that has been applied: add a new one. Files that are not migrations (this README,
\`*.example\`) are ignored; \`strata status --verbose\` lists them.
`;

export const TS_TEMPLATE = `import { defineMigration } from 'strata-migrate';

export default defineMigration({
  description: 'Describe what this migration does',
  async up(db) {
    await db.exec(\`
      -- your SQL here
    \`);
  },
  async down(db) {
    await db.exec(\`
      -- undo it here
    \`);
  },
});
`;

export const SQL_TEMPLATES: Record<TemplateName, (name: string) => string> = {
  blank: (name) => `-- ${name.replace(/_/g, ' ')}
-- migrate:up

-- migrate:down

`,
  'create-table': (name) => `-- Create table ${tableOf(name)}
-- migrate:up
CREATE TABLE ${tableOf(name)} (
  id INTEGER PRIMARY KEY,
  created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- migrate:down
DROP TABLE ${tableOf(name)};
`,
  'add-column': (name) => `-- ${name.replace(/_/g, ' ')}
-- migrate:up
ALTER TABLE my_table ADD COLUMN my_column TEXT;

-- migrate:down
ALTER TABLE my_table DROP COLUMN my_column;
`,
  data: (name) => `-- ${name.replace(/_/g, ' ')} (data change)
-- migrate:up
UPDATE my_table SET my_column = 'value' WHERE my_column IS NULL;

-- migrate:down
-- A data change often cannot be undone exactly; keep this section empty for a no-op
-- rollback, or delete the marker to make the migration irreversible.
`,
  'recreate-table': (name) => `-- ${name.replace(/_/g, ' ')}: rebuild a SQLite table (the 12-step procedure)
-- migrate:up
CREATE TABLE my_table_new (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL
);
INSERT INTO my_table_new (id, name) SELECT id, name FROM my_table;
DROP TABLE my_table;
ALTER TABLE my_table_new RENAME TO my_table;
-- Re-create the indexes and triggers my_table had here.

-- migrate:down
`,
};

/**
 * Templates written as TypeScript because they use a `db` helper: `new --template <name>`
 * writes these as `.ts` unless `--sql` asks for the SQL form (where SQL_TEMPLATES has one).
 */
export const TS_TEMPLATES: Partial<Record<TemplateName, (name: string) => string>> = {
  'recreate-table': (name) => `import { defineMigration } from 'strata-migrate';

// SQLite's ALTER TABLE cannot change a column's type or constraints: db.recreateTable rebuilds
// the table (SQLite's 12 steps) inside this migration's transaction, keeping its rows, its
// indexes and triggers, the views that name it, and the foreign keys that reference it.
// SQLite only: on PostgreSQL and MySQL use ALTER TABLE.
export default defineMigration({
  description: '${name.replace(/_/g, ' ')}',
  async up(db) {
    await db.recreateTable('my_table', \`
      CREATE TABLE my_table (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL
      )
    \`, {
      // columns: ['id', 'name'],             // old columns to keep (default: those both tables have)
      // map: { name: "coalesce(name, '')" }, // new column → SQL expression over the old row
    });
  },
  // Leave down out to make the migration irreversible, or rebuild the table back:
  // async down(db) { await db.recreateTable('my_table', \`CREATE TABLE my_table (…)\`) },
});
`,
  data: (name) => `import { defineMigration } from 'strata-migrate';

// A data change over a table of any size: db.batch walks it in primary-key order, 1,000 rows
// at a time (keyset pagination: every batch costs the same). With \`transaction: false\` each
// batch commits on its own together with a checkpoint, so an interrupted run continues where
// it stopped with \`strata up --resume\` instead of starting again.
export default defineMigration({
  description: '${name.replace(/_/g, ' ')}',
  transaction: false,
  async up(db) {
    // Statements outside db.batch run again on a resume: keep them idempotent.
    await db.addColumnIfNotExists('my_table', 'my_column', 'TEXT');
    // Placeholders are the database's own: ? on SQLite and MySQL, $1, $2 … on PostgreSQL.
    await db.batch({ table: 'my_table', size: 1000, where: 'my_column IS NULL' }, async (rows, { done, total }) => {
      for (const row of rows) {
        await db.run('UPDATE my_table SET my_column = ? WHERE id = ?', [String(row.id), row.id]);
      }
      db.log(\`\${done + rows.length} of about \${total ?? '?'} rows\`);
    });
  },
  async down(db) {
    await db.exec('UPDATE my_table SET my_column = NULL');
  },
});
`,
};

function tableOf(name: string): string {
  return name.replace(/^create_/, '').replace(/_table$/, '') || 'my_table';
}
