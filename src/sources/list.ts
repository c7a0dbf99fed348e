/**
 * The list source: migrations passed to the library as objects, for applications that
 * bundle their code (`migrations: [{ id: '001_init', up, down }, …]`).
 */
import { ConfigError, ValidationError } from '../core/errors.js';
import type { Discovery, LoadedMigration, Problem, SourceMigration } from '../core/model.js';
import { compareVersions, migrationId, tooLongToTrack } from '../core/version.js';
import { classifyFolderName } from './file-name.js';
import type { MigrationDefinition } from '../define.js';
import { toLoaded } from './code-module.js';
import type { MigrationSource } from './source.js';

export interface ListMigration extends Partial<MigrationDefinition> {
  /** `<version>_<name>` or the version alone, as §2 reads a file name without its extension: `001_init`, `V1_1__add_email`, `0001`. */
  readonly id: string;
  readonly up: MigrationDefinition['up'];
  /** Compared with the applied row when given; a null checksum is never compared. */
  readonly checksum?: string | null;
}

export function createListSource(list: readonly ListMigration[]): MigrationSource {
  if (!Array.isArray(list)) throw new ConfigError('config', '`migrations` must be an array of { id, up, down } objects');
  const shapes = new Map<string, ListMigration>();
  return {
    async discover(): Promise<Discovery> {
      const problems: Problem[] = [];
      const seen = new Map<string, string>();
      const migrations: SourceMigration[] = [];
      for (const entry of list) {
        const id = String(entry?.id ?? '');
        // The file-name grammar of §2 without an extension: a list entry is named like a file.
        const match = classifyFolderName(id);
        if (!match) {
          problems.push({ code: 'malformed-name', file: null, key: null, message: `migration id "${shortened(id)}" does not match [V|migration_]<version>[_<name>] (e.g. 001_init)` });
          continue;
        }
        const tooLong = tooLongToTrack(match.version, match.name);
        if (tooLong) {
          problems.push({ code: 'malformed-name', file: null, key: null, message: `migration id "${shortened(id)}" cannot be recorded: ${tooLong}` });
          continue;
        }
        const { key, version, name } = match;
        const other = seen.get(key);
        if (other !== undefined) {
          problems.push({ code: 'duplicate-version', file: null, key, message: `version ${version} is used by both ${other} and ${id}` });
          continue;
        }
        seen.set(key, id);
        shapes.set(key, entry);
        migrations.push({ key, version, name, id: migrationId(version, name), kind: 'code', file: null, checksum: entry.checksum ?? null, meta: null });
      }
      migrations.sort((a, b) => compareVersions(a.version, b.version));
      return { migrations, problems, ignored: [] };
    },
    async load(migration: SourceMigration): Promise<LoadedMigration> {
      const shape = shapes.get(migration.key)!;
      return toLoaded(migration, shape, (reason) => {
        const message = `migration ${migration.id} ${reason}`;
        throw new ValidationError('import-failed', message, { migration: migration.id, problems: [{ code: 'import-failed', message, file: null, key: migration.key }] });
      });
    },
  };
}

/** An id as shown in a message: a 300-digit one would drown it. */
function shortened(id: string): string {
  return id.length <= 60 ? id : `${id.slice(0, 30)}…${id.slice(-20)} (${id.length} characters)`;
}
