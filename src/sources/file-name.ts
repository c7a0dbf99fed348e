/**
 * The migration file-name grammar of §2, and the rule that tells a malformed migration
 * (refused, named) from a file that is simply not a migration (ignored, reported).
 */
import { tooLongToTrack, versionKey } from '../core/version.js';

const MIGRATION = /^(migration_)?(\d+(?:_\d+)*)_([a-z][a-z0-9_]*)(\.up|\.down)?\.(sql|ts|mts|cts|js|mjs|cjs)$/;
const MIGRATION_EXTENSION = /\.(sql|ts|mts|cts|js|mjs|cjs)$/i;

export type FileRole = 'sql' | 'up-sql' | 'down-sql' | 'code';

export type ClassifiedName =
  | { readonly type: 'migration'; readonly key: string; readonly version: string; readonly name: string; readonly role: FileRole }
  | { readonly type: 'malformed'; readonly reason: string }
  | { readonly type: 'ignored'; readonly reason: string };

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
  if (!MIGRATION_EXTENSION.test(fileName)) return { type: 'ignored', reason: 'not a migration extension' };

  if (/^(\d|migration_)/i.test(fileName)) {
    return {
      type: 'malformed',
      reason:
        'looks like a migration but does not match <version>_<name>.<ext>: the version is digit groups joined by "_", the name starts with a lower-case letter and uses only [a-z0-9_] (e.g. 002_add_email.sql)',
    };
  }
  return { type: 'ignored', reason: 'does not start with a version' };
}

function classified(match: RegExpExecArray): ClassifiedName {
  const [, , version, name, direction, extension] = match;
  if (extension !== 'sql' && direction) {
    return { type: 'malformed', reason: `only SQL migrations have ${direction} companions; a code migration is one module with up and down` };
  }
  const tooLong = tooLongToTrack(version!, name!);
  if (tooLong) return { type: 'malformed', reason: `cannot be recorded: ${tooLong}` };
  const role: FileRole = extension !== 'sql' ? 'code' : direction === '.up' ? 'up-sql' : direction === '.down' ? 'down-sql' : 'sql';
  return { type: 'migration', key: versionKey(version!), version: version!, name: name!, role };
}
