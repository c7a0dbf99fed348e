/**
 * The migration file-name grammar of §2, and the rule that tells a malformed migration
 * (refused, named) from a file that is simply not a migration (ignored, reported). The
 * grammar is wide on purpose: the folders other tools write (golang-migrate, Flyway, dbmate,
 * sqlx, Diesel, Prisma …) run as they are.
 */
import { compareVersions, tooLongToTrack, versionKey } from '../core/version.js';

/** Prefix, version, name: shared by file names, folder names and references (version.ts). */
const STEM = String.raw`(migration_|V)?(\d+(?:[_.-]\d+)*)(?:(?:__|[_.-])([A-Za-z][A-Za-z0-9_-]*))?`;
const MIGRATION = new RegExp(`^${STEM}(\\.up|\\.down)?\\.(sql|ts|mts|cts|js|mjs|cjs)$`);
/** A Diesel or Prisma migration folder: the grammar without an extension. */
const FOLDER = new RegExp(`^${STEM}$`);
const MIGRATION_EXTENSION = /\.(sql|ts|mts|cts|js|mjs|cjs)$/i;

export type FileRole = 'sql' | 'up-sql' | 'down-sql' | 'code';

export type ClassifiedName =
  | { readonly type: 'migration'; readonly key: string; readonly version: string; readonly name: string; readonly role: FileRole }
  | { readonly type: 'malformed'; readonly reason: string }
  | { readonly type: 'ignored'; readonly reason: string; readonly otherTool?: string };

export function classifyFileName(fileName: string): ClassifiedName {
  // A name the grammar accepts is never one of the ignored kinds below (they start with a dot,
  // or have a second dot before the extension, or another extension), so the usual case costs
  // one match.
  const match = MIGRATION.exec(fileName);
  if (match) return classified(match);
  if (fileName.startsWith('.')) return { type: 'ignored', reason: 'dot-file' };
  if (/\.d\.[mc]?ts$/i.test(fileName)) return { type: 'ignored', reason: 'type declarations' };
  if (/\.(test|spec)\./i.test(fileName)) return { type: 'ignored', reason: 'test file' };
  if (/\.map$/i.test(fileName)) return { type: 'ignored', reason: 'source map' };
  if (/^R__.*\.sql$/i.test(fileName)) {
    return { type: 'ignored', reason: 'Flyway repeatable migration (R__): not supported by strata', otherTool: 'Flyway' };
  }
  if (/^U\d+(?:[._]\d+)*__.*\.sql$/i.test(fileName)) {
    return { type: 'ignored', reason: 'Flyway undo migration (U…__): not supported by strata', otherTool: 'Flyway' };
  }
  if (/\.py$/i.test(fileName)) {
    return { type: 'ignored', reason: 'Python file (another tool\'s migration, e.g. Alembic or Django): not run by strata', otherTool: 'a Python migration tool' };
  }
  if (!MIGRATION_EXTENSION.test(fileName)) return { type: 'ignored', reason: 'not a migration extension' };

  if (/^(\d|V\d|migration_)/.test(fileName)) {
    return {
      type: 'malformed',
      reason:
        'looks like a migration but does not match [V|migration_]<version>[_<name>][.up|.down].<ext>: the version is digit groups joined by "_", "." or "-", the name starts with a letter and uses only letters, digits, "_" and "-", the extension is lower-case (e.g. 002_add_email.sql)',
    };
  }
  return { type: 'ignored', reason: 'does not start with a version' };
}

/** A sub-directory that may be a Diesel or Prisma migration: its version and name, else null. */
export function classifyFolderName(folderName: string): { readonly key: string; readonly version: string; readonly name: string } | null {
  const match = FOLDER.exec(folderName);
  if (!match) return null;
  return { key: versionKey(match[2]!), version: match[2]!, name: match[3] ?? '' };
}

function classified(match: RegExpExecArray): ClassifiedName {
  const [, , version, name, direction, extension] = match;
  if (extension !== 'sql' && direction) {
    return { type: 'malformed', reason: `only SQL migrations have ${direction} companions; a code migration is one module with up and down` };
  }
  const tooLong = tooLongToTrack(version!, name ?? '');
  if (tooLong) return { type: 'malformed', reason: `cannot be recorded: ${tooLong}` };
  const role: FileRole = extension !== 'sql' ? 'code' : direction === '.up' ? 'up-sql' : direction === '.down' ? 'down-sql' : 'sql';
  return { type: 'migration', key: versionKey(version!), version: version!, name: name ?? '', role };
}

/**
 * The versions of every name §2 reads as a migration (V1__x.sql, 0001.sql, Diesel folders),
 * in version order: what `strata new` numbers the next file after.
 */
export function versionsOfNames(fileNames: readonly string[]): string[] {
  return fileNames
    .map((f) => {
      const file = classifyFileName(f);
      return file.type === 'migration' ? file.version : classifyFolderName(f)?.version;
    })
    .filter((v): v is string => v !== undefined)
    .sort(compareVersions);
}
