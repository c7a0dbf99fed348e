/**
 * PostgreSQL's own parser (`libpg-query`, the server's parser compiled to WebAssembly), read
 * into the lint's actions. An optional dependency, imported only when `validate` lints a
 * PostgreSQL database: without it (or for a statement it cannot parse, such as a newer
 * server's syntax) strata's token reader answers instead.
 *
 * It gives exact answers where tokens guess: each ALTER TABLE subcommand, NOT VALID, USING
 * INDEX, a default's function calls at any depth, generated and identity columns.
 */
import { SERIAL_TYPES, tableKey, VOLATILE_FUNCTIONS, type Action, type AlterTable, type ConstraintKind, type StatementFacts, type StatementReader } from './actions.js';

/** A node of the parse tree: `{ NodeType: { …fields } }` or a plain object of fields. */
type Node = { readonly [key: string]: unknown };
interface Parser { parseSync(sql: string): { stmts?: { stmt: Node }[] } }

export async function loadPostgresReader(): Promise<StatementReader | null> {
  let parser: Parser & { loadModule?: () => Promise<void> };
  try {
    const name = 'libpg-query';
    parser = (await import(name)) as Parser & { loadModule?: () => Promise<void> };
    await parser.loadModule?.();
  } catch {
    return null;
  }
  return (text) => {
    let statements: { stmt: Node }[];
    try {
      statements = parser.parseSync(text).stmts ?? [];
    } catch {
      return null;
    }
    if (statements.length !== 1) return null;
    return factsOf(statements[0]!.stmt);
  };
}

const obj = (value: unknown): Node => (value !== null && typeof value === 'object' ? (value as Node) : {});
const list = (value: unknown): Node[] => (Array.isArray(value) ? (value as Node[]) : []);
const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);
/** The one key of `{ Type: {…} }` and its fields. */
function unwrap(node: Node): [string, Node] {
  const [type] = Object.keys(node);
  return [type ?? '', obj(node[type ?? ''])];
}
const relationName = (rangeVar: unknown): string => tableKey(str(obj(rangeVar)['relname']) ?? '?');
/** `[{String:{sval:'pg_catalog'}},{String:{sval:'int8'}}]` → `int8`. */
const lastName = (names: unknown): string => str(obj(obj(list(names).at(-1))['String'])['sval']) ?? '';

const NONE: StatementFacts = { actions: [], alterTable: null, concurrently: false };

function factsOf(stmt: Node): StatementFacts {
  const [type, node] = unwrap(stmt);
  switch (type) {
    case 'CreateStmt':
      return { ...NONE, actions: [{ type: 'create-table', table: relationName(node['relation']) }] };
    case 'CreateTableAsStmt':
      return { ...NONE, actions: [{ type: 'create-table', table: relationName(obj(node['into'])['rel']) }] };
    case 'IndexStmt':
      return { ...NONE, concurrently: node['concurrent'] === true, actions: [{ type: 'create-index', table: relationName(node['relation']), index: str(node['idxname']), concurrently: node['concurrent'] === true }] };
    case 'DropStmt': {
      const tables = node['removeType'] === 'OBJECT_TABLE' ? list(node['objects']).map((o) => tableKey(lastName(obj(o['List'])['items']))) : [];
      return { ...NONE, concurrently: node['concurrent'] === true, actions: tables.map((table) => ({ type: 'drop-table', table, ifExists: node['missing_ok'] === true })) };
    }
    case 'TruncateStmt':
      return { ...NONE, actions: list(node['relations']).map((r) => ({ type: 'truncate', table: relationName(r['RangeVar']) })) };
    case 'DeleteStmt':
    case 'UpdateStmt':
      return { ...NONE, actions: [{ type: type === 'DeleteStmt' ? 'delete' : 'update', table: relationName(node['relation']), where: node['whereClause'] !== undefined || node['whereCurrentOf'] !== undefined }] };
    case 'RenameStmt':
      return { ...NONE, actions: renameActions(node) };
    case 'AlterTableStmt':
      return alterTableFacts(node);
    case 'VacuumStmt': {
      const full = list(node['options']).some((o) => str(obj(o['DefElem'])['defname']) === 'full' && !isFalse(obj(o['DefElem'])['arg']));
      return { ...NONE, actions: full && node['is_vacuumcmd'] === true ? [{ type: 'vacuum-full' }] : [] };
    }
    case 'ClusterStmt':
      return { ...NONE, actions: [{ type: 'cluster', table: node['relation'] === undefined ? null : relationName(node['relation']) }] };
    case 'ReindexStmt':
      return { ...NONE, concurrently: list(node['params']).some((o) => str(obj(o['DefElem'])['defname']) === 'concurrently') };
    default:
      return NONE;
  }
}

function isFalse(arg: unknown): boolean {
  const [type, value] = unwrap(obj(arg));
  if (type === 'Boolean') return value['boolval'] !== true;
  if (type === 'String') return ['false', 'off', '0'].includes(String(value['sval']).toLowerCase());
  if (type === 'Integer') return value['ival'] === undefined || value['ival'] === 0;
  return false;
}

function renameActions(node: Node): Action[] {
  const table = relationName(node['relation']);
  const to = str(node['newname']) ?? '?';
  if (node['renameType'] === 'OBJECT_TABLE') return [{ type: 'rename-table', table, to: tableKey(to) }];
  if (node['renameType'] === 'OBJECT_COLUMN' && node['relationType'] === 'OBJECT_TABLE') return [{ type: 'rename-column', table, column: str(node['subname']) ?? '?', to }];
  return [];
}

const CONSTRAINT_KINDS: Readonly<Record<string, ConstraintKind>> = {
  CONSTR_CHECK: 'check', CONSTR_FOREIGN: 'foreign-key', CONSTR_UNIQUE: 'unique', CONSTR_PRIMARY: 'primary-key', CONSTR_EXCLUSION: 'exclude',
};

function alterTableFacts(node: Node): StatementFacts {
  if (node['objtype'] !== 'OBJECT_TABLE') return NONE;
  const table = relationName(node['relation']);
  const actions: Action[] = [];
  let concurrently = false;
  const cmds = list(node['cmds']).map((c) => obj(c['AlterTableCmd']));
  for (const cmd of cmds) {
    const column = str(cmd['name']) ?? '?';
    switch (cmd['subtype']) {
      case 'AT_AddColumn':
        actions.push(addColumn(table, obj(obj(cmd['def'])['ColumnDef'])));
        break;
      case 'AT_DropColumn':
        actions.push({ type: 'drop-column', table, column });
        break;
      case 'AT_AlterColumnType':
        actions.push({ type: 'alter-column-type', table, column });
        break;
      case 'AT_SetNotNull':
        actions.push({ type: 'set-not-null', table, column });
        break;
      case 'AT_AddConstraint': {
        const c = obj(obj(cmd['def'])['Constraint']);
        const name = str(c['conname']);
        actions.push({
          type: 'add-constraint', table, name: name === null ? null : name.toLowerCase(), kind: CONSTRAINT_KINDS[String(c['contype'])] ?? 'other',
          notValid: c['skip_validation'] === true, usingIndex: str(c['indexname']), notNullColumn: notNullColumnOf(c),
        });
        break;
      }
      case 'AT_ValidateConstraint':
        actions.push({ type: 'validate-constraint', table, name: column.toLowerCase() });
        break;
      case 'AT_DetachPartition':
        concurrently ||= obj(obj(cmd['def'])['PartitionCmd'])['concurrent'] === true;
        actions.push({ type: 'alter-other', table, what: 'DETACH PARTITION' });
        break;
      default:
        actions.push({ type: 'alter-other', table, what: String(cmd['subtype']) });
    }
  }
  const alterTable: AlterTable = { table, algorithm: null, subcommands: cmds.length, renameOnly: false, beyondSqlite: [] };
  return { actions, alterTable, concurrently };
}

/** `CHECK (c IS NOT NULL)` → c. */
function notNullColumnOf(constraint: Node): string | null {
  if (constraint['contype'] !== 'CONSTR_CHECK') return null;
  const test = obj(obj(constraint['raw_expr'])['NullTest']);
  if (test['nulltesttype'] !== 'IS_NOT_NULL') return null;
  const fields = list(obj(obj(test['arg'])['ColumnRef'])['fields']);
  return fields.length === 1 ? str(obj(fields[0]!['String'])['sval']) : null;
}

function addColumn(table: string, def: Node): Action {
  const constraints = list(def['constraints']).map((c) => obj(c['Constraint']));
  const names = list(obj(def['typeName'])['names']);
  const type = lastName(names);
  let volatileBy = names.length === 1 && SERIAL_TYPES.has(type) ? type : null;
  let hasDefault = false;
  let defaultIsExpression = false;
  for (const c of constraints) {
    if (c['contype'] === 'CONSTR_IDENTITY') volatileBy ??= 'an identity column';
    if (c['contype'] === 'CONSTR_GENERATED') volatileBy ??= 'a stored generated column';
    if (c['contype'] === 'CONSTR_DEFAULT') {
      hasDefault = true;
      defaultIsExpression = unwrap(obj(c['raw_expr']))[0] !== 'A_Const';
      volatileBy ??= volatileCall(c['raw_expr']);
    }
  }
  const contypes = constraints.map((c) => c['contype']);
  return {
    type: 'add-column', table, column: str(def['colname']) ?? '?',
    default: volatileBy !== null ? 'volatile' : hasDefault ? 'constant' : 'none', volatileBy, defaultIsExpression,
    notNull: contypes.includes('CONSTR_NOTNULL'), keyed: contypes.includes('CONSTR_PRIMARY') || contypes.includes('CONSTR_UNIQUE'), notAtEnd: false,
  };
}

/** The first call of a volatile function anywhere in an expression, as `name()`. */
function volatileCall(expr: unknown): string | null {
  if (Array.isArray(expr)) {
    for (const item of expr) {
      const found = volatileCall(item);
      if (found !== null) return found;
    }
    return null;
  }
  if (expr === null || typeof expr !== 'object') return null;
  const call = obj((expr as Node)['FuncCall']);
  const name = lastName(call['funcname']).toLowerCase();
  if (VOLATILE_FUNCTIONS.has(name)) return `${name}()`;
  for (const value of Object.values(expr as Node)) {
    const found = volatileCall(value);
    if (found !== null) return found;
  }
  return null;
}
