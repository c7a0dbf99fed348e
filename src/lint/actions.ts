/**
 * What a statement does, as the lint rules need to know it: one statement gives zero or more
 * actions (an ALTER TABLE with three subcommands gives three). Two readers produce them:
 * strata's own token reader (every dialect) and, for PostgreSQL when it is installed, the
 * server's own parser (`libpg-query`). The rules read only these, never SQL text.
 *
 * Table names are as written, quotes removed, schema prefix dropped and lower-cased (see
 * `tableKey`), so `public.Users` and `users` are the same table.
 */

/** How the default of an added column is computed, as far as a rewrite is concerned. */
export type DefaultKind =
  /** No DEFAULT clause: the column is NULL in every row. */
  | 'none'
  /** A constant or a non-volatile expression (`0`, `'x'`, `now()`): stored once in the catalog. */
  | 'constant'
  /** A volatile expression (`random()`, `clock_timestamp()`, `gen_random_uuid()`, a serial or identity, a stored generated column): every row is rewritten. */
  | 'volatile';

export type ConstraintKind = 'check' | 'foreign-key' | 'unique' | 'primary-key' | 'exclude' | 'other';

export type Action =
  | { readonly type: 'create-table'; readonly table: string }
  | { readonly type: 'drop-table'; readonly table: string; readonly ifExists: boolean }
  | { readonly type: 'truncate'; readonly table: string }
  | { readonly type: 'delete'; readonly table: string | null; readonly where: boolean }
  | { readonly type: 'update'; readonly table: string | null; readonly where: boolean }
  | { readonly type: 'rename-table'; readonly table: string; readonly to: string }
  | { readonly type: 'rename-column'; readonly table: string; readonly column: string; readonly to: string }
  | { readonly type: 'create-index'; readonly table: string; readonly index: string | null; readonly concurrently: boolean }
  | {
      readonly type: 'add-column';
      readonly table: string;
      readonly column: string;
      readonly default: DefaultKind;
      /** What makes the default volatile, for the message (`clock_timestamp()`, `serial`). */
      readonly volatileBy: string | null;
      /** The default is not a plain literal (an expression, CURRENT_TIMESTAMP): SQLite refuses it. */
      readonly defaultIsExpression: boolean;
      readonly notNull: boolean;
      /** PRIMARY KEY or UNIQUE on the column itself. */
      readonly keyed: boolean;
      /** MySQL: FIRST or AFTER c puts it somewhere other than the end. */
      readonly notAtEnd: boolean;
    }
  | { readonly type: 'drop-column'; readonly table: string; readonly column: string }
  | { readonly type: 'alter-column-type'; readonly table: string; readonly column: string }
  | { readonly type: 'set-not-null'; readonly table: string; readonly column: string }
  | {
      readonly type: 'add-constraint';
      readonly table: string;
      readonly name: string | null;
      readonly kind: ConstraintKind;
      /** NOT VALID: existing rows are not checked now (PostgreSQL). */
      readonly notValid: boolean;
      /** `UNIQUE USING INDEX i` / `PRIMARY KEY USING INDEX i`: an index built before. */
      readonly usingIndex: string | null;
      /** The column a `CHECK (c IS NOT NULL)` is about, else null. */
      readonly notNullColumn: string | null;
    }
  | { readonly type: 'validate-constraint'; readonly table: string; readonly name: string }
  /** Another ALTER TABLE subcommand, kept for the rules about ALTER TABLE as a whole. */
  | { readonly type: 'alter-other'; readonly table: string; readonly what: string }
  | { readonly type: 'vacuum-full' }
  | { readonly type: 'cluster'; readonly table: string | null };

/**
 * The ALTER TABLE statement as a whole, beside its actions: MySQL's ALGORITHM clause and how
 * many subcommands it holds (SQLite takes one per statement).
 */
export interface AlterTable {
  readonly table: string;
  readonly algorithm: string | null;
  readonly subcommands: number;
  /** Every subcommand is a RENAME (TO, COLUMN, INDEX): a change of the catalog only, never a copy. */
  readonly renameOnly: boolean;
  /** Subcommands SQLite's ALTER TABLE cannot do, described (`ALTER COLUMN`, `ADD CONSTRAINT`). */
  readonly beyondSqlite: readonly string[];
}

export interface StatementFacts {
  readonly actions: readonly Action[];
  readonly alterTable: AlterTable | null;
  /** CREATE/DROP INDEX CONCURRENTLY, REINDEX … CONCURRENTLY and the like. */
  readonly concurrently: boolean;
}

/** Reads one statement; null when it cannot (then the token reader is used). */
export type StatementReader = (text: string) => StatementFacts | null;

/** How tables are compared: `public.Users` and `users` are the same table. */
export function tableKey(name: string): string {
  return name.slice(name.lastIndexOf('.') + 1).toLowerCase();
}

/** Functions whose result changes per row (PostgreSQL's volatile built-ins and common extensions). */
export const VOLATILE_FUNCTIONS: ReadonlySet<string> = new Set([
  'random', 'clock_timestamp', 'timeofday', 'gen_random_uuid', 'uuid_generate_v1', 'uuid_generate_v1mc',
  'uuid_generate_v4', 'uuidv4', 'uuidv7', 'nextval', 'txid_current', 'random_normal', 'setseed',
]);

/** Types that bring a sequence default (`serial`): every row gets its own value. */
export const SERIAL_TYPES: ReadonlySet<string> = new Set(['serial', 'serial2', 'serial4', 'serial8', 'smallserial', 'bigserial']);
