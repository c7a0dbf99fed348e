/**
 * Imports a TypeScript or JavaScript migration and reads its shape: a `defineMigration`
 * object, named exports (`up`/`upgrade`, `down`/`downgrade`, …) or a default-exported class
 * with the same members (recognised by shape, not `instanceof`, so a migration that imports
 * another copy of strata still works).
 */
import { ValidationError, messageOf } from '../core/errors.js';
import type { CheckFn, LoadedMigration, MigrationFn, SourceMigration } from '../core/model.js';
import { importModule } from '../module-loader.js';
import { loadedMigration } from './source.js';

export async function loadCodeMigration(migration: SourceMigration, absolutePath: string): Promise<LoadedMigration> {
  const file = migration.file ?? absolutePath;
  const fail = (reason: string, cause?: unknown): never => {
    throw new ValidationError('import-failed', `${file} ${reason}`, {
      migration: migration.id,
      file,
      hint: 'fix the module so it imports cleanly and exports up (and down); nothing was applied',
      problems: [{ code: 'import-failed', message: `${file} ${reason}`, file, key: migration.key }],
    }, cause === undefined ? undefined : { cause });
  };

  let namespace: Record<string, unknown>;
  try {
    namespace = await importModule(absolutePath);
  } catch (error) {
    return fail(`failed to import: ${messageOf(error)}`, error);
  }
  const shape = readShape(namespace);
  if (!shape) return fail('exports no migration: export default defineMigration({ up, down }), or named up/down functions, or a class with up/down');
  return toLoaded(migration, shape, fail);
}

/** A migration object as authors write it (defineMigration, named exports, class members, list entries). */
export interface MigrationShape {
  readonly description?: unknown;
  readonly DESCRIPTION?: unknown;
  readonly depends?: unknown;
  readonly transaction?: unknown;
  readonly foreignKeys?: unknown;
  readonly precheck?: unknown;
  readonly up?: unknown;
  readonly upgrade?: unknown;
  readonly down?: unknown;
  readonly downgrade?: unknown;
  readonly verify?: unknown;
  readonly rollback?: unknown;
  readonly rollbackReason?: unknown;
}

function readShape(namespace: Record<string, unknown>): MigrationShape | null {
  const hasUp = (o: unknown): boolean =>
    o !== null && (typeof o === 'object' || typeof o === 'function') && (typeof (o as MigrationShape).up === 'function' || typeof (o as MigrationShape).upgrade === 'function');
  const candidate = namespace.default;
  if (typeof candidate === 'function' && (candidate as { prototype?: unknown }).prototype !== undefined && /^class[\s{]/.test(Function.prototype.toString.call(candidate))) {
    // A class: its members may be methods (on the prototype) or fields (on the instance).
    const instance = new (candidate as new () => MigrationShape)();
    if (hasUp(instance)) return instance;
  }
  if (hasUp(candidate)) return candidate as MigrationShape;
  // A CommonJS module's exports arrive as `default` of the namespace, with or without named keys.
  if (candidate && typeof candidate === 'object' && hasUp((candidate as Record<string, unknown>).default)) {
    return readShape(candidate as Record<string, unknown>);
  }
  if (hasUp(namespace)) return namespace as MigrationShape;
  return null;
}

/** Turns an author's migration object into strata's model, refusing malformed members. */
export function toLoaded(migration: SourceMigration, shape: MigrationShape, fail: (reason: string) => never): LoadedMigration {
  const member = <T>(value: unknown, name: string, check: (v: unknown) => boolean, what: string): T | undefined => {
    if (value === undefined) return undefined;
    if (!check(value)) fail(`has a ${name} that is not ${what}`);
    return value as T;
  };
  const isFn = (v: unknown) => typeof v === 'function';
  const bind = <F>(fn: unknown): F | null => (typeof fn === 'function' ? (fn as (...a: unknown[]) => unknown).bind(shape) as F : null);

  const up = member<MigrationFn>(shape.up ?? shape.upgrade, 'up', isFn, 'a function');
  if (!up) fail('has no up function');
  const down = member<MigrationFn>(shape.down ?? shape.downgrade, 'down', isFn, 'a function');
  const description = member<string>(shape.description ?? shape.DESCRIPTION, 'description', (v) => typeof v === 'string', 'a string');
  const depends = member<unknown[]>(shape.depends, 'depends', (v) => Array.isArray(v) && v.every((d) => typeof d === 'string' || typeof d === 'number'), 'an array of versions');
  const transaction = member<boolean>(shape.transaction, 'transaction', (v) => typeof v === 'boolean', 'true or false');
  const foreignKeys = member<boolean>(shape.foreignKeys, 'foreignKeys', (v) => typeof v === 'boolean', 'true or false');
  member(shape.precheck, 'precheck', isFn, 'a function');
  member(shape.verify, 'verify', isFn, 'a function');
  const rollback = member<boolean>(shape.rollback, 'rollback', (v) => typeof v === 'boolean', 'true or false');
  const rollbackReason = member<string>(shape.rollbackReason, 'rollbackReason', (v) => typeof v === 'string', 'a string');

  const reversible = rollback !== false && down !== undefined;
  const label = migration.file ?? migration.id;
  return loadedMigration(migration, {
    meta: { description: description ?? null, depends: (depends ?? []).map(String), transaction: transaction ?? true, ...(foreignKeys === undefined ? {} : { foreignKeys }) },
    up: { type: 'code', fn: bind<MigrationFn>(up)! },
    down: reversible ? { type: 'code', fn: bind<MigrationFn>(down)! } : null,
    irreversibleReason: reversible
      ? null
      : rollback === false
        ? `${label} is marked rollback: false${rollbackReason ? ` (${rollbackReason})` : ''}`
        : `${label} has no down function`,
    precheck: bind<CheckFn>(shape.precheck),
    verify: bind<CheckFn>(shape.verify),
  });
}
