/**
 * The directory source: one folder of migration files, plus the folder-per-migration layouts
 * Diesel (`<v>_<name>/up.sql`, `down.sql`) and Prisma (`<v>_<name>/migration.sql`) write.
 * Discovery reads each file once per process and afterwards only what changed
 * (file-cache.ts), so the start-up check on 1,000 unchanged files resolves and stats the
 * folder and reads no file.
 */
import { readdirSync, type Dirent } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { checksumOf } from '../core/checksum.js';
import { ConfigError } from '../core/errors.js';
import type { Discovery, IgnoredFile, LoadedMigration, Problem, SourceMigration } from '../core/model.js';
import { compareVersions, migrationId } from '../core/version.js';
import { loadCodeMigration } from './code-module.js';
import { FolderCache, type CachedFile } from './file-cache.js';
import { classifyFileName, classifyFolderName, type FileRole } from './file-name.js';
import { loadedMigration, type MigrationSource } from './source.js';
import { parseSqlFile, type ParsedSqlFile, type SqlFileResult } from './sql-file.js';
import { invalidUtf8Offset } from './utf8.js';
import type { SqlSyntax } from '../sql/split.js';

interface Group {
  key: string;
  version: string;
  name: string;
  /** File names relative to the folder: `002_x/up.sql` for a migration folder. */
  files: Map<FileRole, string>;
  /** A Diesel or Prisma migration folder: never merged with files of its version. */
  folder: boolean;
}

/**
 * Discoveries that read files inside migration folders: the folder's watch does not see
 * changes there, so such a discovery is never reused as it is (its files are re-checked).
 */
const readInsideFolders = new WeakSet<Discovery>();

interface DirectoryMigration extends SourceMigration {
  readonly absolutePath: string;
  readonly parsed: ParsedSqlFile | null;
  readonly downFile: string | null;
}

export interface DirectorySourceOptions {
  readonly dir: string;
  /** Paths in messages are shown relative to this folder (default: process.cwd()). */
  readonly cwd?: string;
  /**
   * The dialect's SQL syntax, known once the driver is open (default SQLite's): it says
   * whether a `-- migrate:down` line sits inside a string or comment.
   */
  readonly syntax?: () => SqlSyntax;
}

export function createDirectorySource(options: DirectorySourceOptions): MigrationSource {
  const cwd = options.cwd ?? process.cwd();
  const dir = resolve(cwd, options.dir);
  const shownDir = relative(cwd, dir);
  const prefix = shownDir === '' ? '' : shownDir.startsWith('..') || isAbsolute(shownDir) ? `${dir}/` : `${shownDir}/`;
  const display = (abs: string): string =>
    abs.startsWith(dir + sep) ? prefix + abs.slice(dir.length + 1) : abs === dir && prefix !== '' && !prefix.startsWith('/') ? shownDir : abs;
  // Looked up on every discover: the folder at `dir` may have been replaced since (§9).
  let current: FolderCache | null = null;
  const syntaxOf = options.syntax ?? ((): SqlSyntax => 'sqlite');

  return {
    async discover(): Promise<Discovery> {
      let entries: Dirent[];
      let cache: FolderCache;
      const syntax = syntaxOf();
      const resultKey = `${prefix}\0${syntax}`;
      try {
        cache = current = FolderCache.for(dir);
        const scan = await cache.entries();
        const previous = cache.resultIfUnchanged(resultKey, scan.unchanged) as Discovery | undefined;
        if (previous && !readInsideFolders.has(previous)) return previous;
        entries = scan.entries;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        throw new ConfigError(
          'config',
          code === 'ENOENT' ? `migrations folder not found: ${display(dir)}` : `cannot read migrations folder ${display(dir)}: ${code}`,
          { hint: 'run `strata init` to create it, or point --dir at your migrations folder' },
        );
      }

      const problems: Problem[] = [];
      const ignored: IgnoredFile[] = [];
      const groups = new Map<string, Group[]>();
      /** Files the folder's watch does not cover (symlinks, files in migration folders): validated by stat. */
      const symlinks = new Set<string>();
      const duplicated = new Set<string>();
      /** Another tool's files (Flyway R__, Python), by tool: said when nothing else is a migration. */
      const otherTools = new Set<string>();
      const otherToolFiles: string[] = [];
      let insideFolders = false;
      for (const entry of entries) {
        const fileName = entry.name;
        if (entry.isSymbolicLink()) symlinks.add(fileName);
        if (!entry.isFile() && !entry.isSymbolicLink()) {
          if (fileName.startsWith('.')) continue;
          // Named like a migration file but not a file: refused by name, never skipped silently
          // (a pipe would also block a read for ever).
          const asFile = classifyFileName(fileName);
          if (asFile.type === 'migration') {
            const shown = display(join(dir, fileName));
            const why = entry.isDirectory() ? 'it is a folder, not a file' : 'it is not a regular file (a pipe, socket or device)';
            problems.push({ code: 'unreadable-file', file: shown, key: asFile.key, message: `${shown} cannot be read: ${why}` });
            continue;
          }
          if (!entry.isDirectory()) {
            ignored.push({ file: display(join(dir, fileName)), reason: 'not a regular file (a pipe, socket or device)' });
            continue;
          }
          const folder = classifyFolderName(fileName);
          const files = folder ? migrationFolderFiles(join(dir, fileName)) : null;
          if (folder && files) {
            insideFolders = true;
            const group: Group = { key: folder.key, version: folder.version, name: folder.name, files: new Map(), folder: true };
            for (const [role, inner] of files) {
              group.files.set(role, `${fileName}/${inner}`);
              symlinks.add(`${fileName}/${inner}`);
            }
            const sameKey = groups.get(folder.key) ?? [];
            sameKey.push(group);
            groups.set(folder.key, sameKey);
            continue;
          }
          if (folder) insideFolders = true; // an up.sql added later must be seen
          ignored.push({ file: display(join(dir, fileName)), reason: folder ? 'sub-directory without up.sql or migration.sql' : 'sub-directory (not a migration folder)' });
          continue;
        }
        const classified = classifyFileName(fileName);
        if (classified.type === 'ignored') {
          ignored.push({ file: display(join(dir, fileName)), reason: classified.reason });
          if (classified.otherTool) {
            otherTools.add(classified.otherTool);
            otherToolFiles.push(display(join(dir, fileName)));
          }
          continue;
        }
        if (classified.type === 'malformed') {
          problems.push({ code: 'malformed-name', file: display(join(dir, fileName)), key: null, message: `${fileName} ${classified.reason}` });
          continue;
        }
        const sameKey = groups.get(classified.key) ?? [];
        let group = sameKey.find((g) => !g.folder && g.name === classified.name && g.version === classified.version);
        if (!group) {
          group = { key: classified.key, version: classified.version, name: classified.name, files: new Map(), folder: false };
          sameKey.push(group);
          groups.set(classified.key, sameKey);
        }
        if (group.files.has(classified.role) || (classified.role === 'code' && group.files.has('code'))) {
          problems.push({ code: 'duplicate-version', file: display(join(dir, fileName)), key: classified.key, message: `${fileName} and ${group.files.get(classified.role)} are the same migration; keep one of them` });
          duplicated.add(classified.key);
          continue;
        }
        group.files.set(classified.role, fileName);
      }

      const migrations: DirectoryMigration[] = [];
      for (const [key, all] of groups) {
        if (duplicated.has(key)) continue;
        const sameKey = pairedByVersion(all);
        if (sameKey.length > 1) {
          const names = sameKey.flatMap((g) => [...g.files.values()]).sort();
          problems.push({
            code: 'duplicate-version',
            file: display(join(dir, names[0]!)),
            key,
            message: `version ${sameKey[0]!.version} is used by more than one migration: ${names.join(', ')}`,
          });
          continue;
        }
        const group = sameKey[0]!;
        try {
          const built = buildMigration(group, dir, display, problems, cache, symlinks, syntax);
          if (built) migrations.push(built);
        } catch (error) {
          const unreadable = unreadableFile(error, group, dir, display);
          if (!unreadable) throw error;
          problems.push(unreadable);
        }
      }
      migrations.sort((a, b) => compareVersions(a.version, b.version));
      if (migrations.length === 0 && problems.length === 0 && otherTools.size > 0) {
        // Without this a Flyway or Django folder would run as "up to date: nothing to apply".
        problems.push({
          code: 'other-tool-files',
          file: otherToolFiles[0]!,
          key: null,
          message: `${display(dir)} holds no strata migration, only files of another tool (${[...otherTools].join(', ')}) that strata does not run: ${otherToolFiles.join(', ')}`,
        });
      }
      const discovery: Discovery = { migrations, problems, ignored };
      if (insideFolders) readInsideFolders.add(discovery);
      cache.scanned(resultKey, discovery);
      return discovery;
    },

    async load(migration: SourceMigration): Promise<LoadedMigration> {
      const m = migration as DirectoryMigration;
      if (m.kind === 'code') return loadCodeMigration(m, m.absolutePath);
      const parsed = m.parsed!;
      const file = m.file!;
      const down = m.downFile !== null
        ? { type: 'sql' as const, script: { sql: current!.read(m.downFile, m.downFile.includes('/')).text, file: display(join(dir, m.downFile)), startLine: 1 } }
        : parsed.down
          ? { type: 'sql' as const, script: { sql: parsed.down.sql, file, startLine: parsed.down.startLine } }
          : null;
      return loadedMigration(m, {
        meta: parsed.meta,
        up: { type: 'sql', script: { sql: parsed.up.sql, file, startLine: parsed.up.startLine } },
        down,
        irreversibleReason: down ? null : `${file} has no "-- migrate:down" section and no .down.sql companion`,
        precheck: null,
        verify: null,
      });
    },
  };
}

function buildMigration(
  group: Group,
  dir: string,
  display: (abs: string) => string,
  problems: Problem[],
  cache: FolderCache,
  symlinks: ReadonlySet<string>,
  syntax: SqlSyntax,
): DirectoryMigration | null {
  const read = (name: string) => cache.read(name, symlinks.has(name));
  const { files, key, version, name } = group;
  const id = migrationId(version, name);
  const sqlFile = files.get('sql');
  const upFile = files.get('up-sql');
  const downFile = files.get('down-sql') ?? null;
  const codeFile = files.get('code');
  const conflict = (file: string, message: string): null => {
    problems.push({ code: 'file-conflict', file: display(join(dir, file)), key, message });
    return null;
  };

  if (codeFile && (sqlFile || upFile || downFile)) {
    const other = sqlFile ?? upFile ?? downFile!;
    problems.push({ code: 'duplicate-version', file: display(join(dir, codeFile)), key, message: `version ${version} is used by both ${codeFile} and ${other}` });
    return null;
  }
  if (sqlFile && upFile) return conflict(upFile, `both ${sqlFile} and ${upFile} exist; keep one of them`);
  if (codeFile) {
    const abs = join(dir, codeFile);
    return { key, version, name, id, kind: 'code', file: display(abs), checksum: read(codeFile).checksum, meta: null, absolutePath: abs, parsed: null, downFile: null };
  }
  const upName = sqlFile ?? upFile;
  if (!upName) return conflict(downFile!, `${downFile} has no up migration (${id}.sql or ${id}.up.sql)`);

  const abs = dir + sep + upName; // dir is absolute and normalised
  const cached = read(upName);
  for (const sqlName of downFile ? [upName, downFile] : [upName]) {
    const offset = invalidUtf8Offset(dir + sep + sqlName, sqlName === upName ? cached.text : read(downFile!).text);
    if (offset >= 0) {
      problems.push({ code: 'invalid-encoding', file: display(join(dir, sqlName)), key, message: `${display(join(dir, sqlName))} is not valid UTF-8: the first invalid byte sequence is at byte offset ${offset}` });
      return null;
    }
  }
  const parsed = parsedSqlFile(cached, syntax);
  if (!parsed.ok) return conflict(upName, `${upName} ${parsed.reason}`);
  if (downFile && parsed.value.down) return conflict(upName, `${upName} has a "-- migrate:down" section and a ${downFile} companion; keep one of them`);
  const checksum = downFile ? checksumOf(cached.text, read(downFile).text) : cached.checksum;
  return { key, version, name, id, kind: 'sql', file: display(abs), checksum, meta: parsed.value.meta, absolutePath: abs, parsed: parsed.value, downFile };
}

/**
 * The files that make a sub-directory one migration, by role: Diesel's `up.sql` (and
 * `down.sql`), Prisma's `migration.sql`; null when it holds neither up file.
 */
function migrationFolderFiles(folder: string): Map<FileRole, string> | null {
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch (error) {
    throw new ConfigError('config', `cannot read migration folder ${folder}: ${(error as NodeJS.ErrnoException).code}`, {
      hint: 'make the folder readable by the user running strata',
    });
  }
  const files = new Map<FileRole, string>();
  if (names.includes('up.sql')) files.set('up-sql', 'up.sql');
  if (names.includes('migration.sql')) files.set('sql', 'migration.sql');
  if (files.size === 0) return null;
  if (names.includes('down.sql')) files.set('down-sql', 'down.sql');
  return files;
}

/**
 * golang-migrate pairs `.down.sql` with `.up.sql` by version, not name: a lone `.down.sql`
 * joins the one up file of its version even when their names differ. Anything else (two up
 * files, two downs) stays as it is, to be reported as a duplicate version.
 */
function pairedByVersion(sameKey: Group[]): Group[] {
  if (sameKey.length !== 2) return sameKey;
  const down = sameKey.find((g) => !g.folder && g.files.size === 1 && g.files.has('down-sql'));
  const up = sameKey.find((g) => g !== down);
  if (!down || !up || up.folder || up.files.has('down-sql') || !(up.files.has('sql') || up.files.has('up-sql'))) return sameKey;
  up.files.set('down-sql', down.files.get('down-sql')!);
  return [up];
}

/** A file's parse, kept with its cached text for the syntax it was parsed with. */
function parsedSqlFile(cached: CachedFile, syntax: SqlSyntax): SqlFileResult {
  const kept = cached.parsed as { syntax: SqlSyntax; result: SqlFileResult } | undefined;
  if (kept?.syntax === syntax) return kept.result;
  const result = parseSqlFile(cached.text, syntax);
  cached.parsed = { syntax, result };
  return result;
}

/**
 * A migration file that is listed but cannot be read — a symbolic link to nothing, no read
 * permission, a link to a folder — is refused, named (§4: exit 3), like any other file problem.
 * null for an error that is not about reading the file.
 */
function unreadableFile(error: unknown, group: Group, dir: string, display: (abs: string) => string): Problem | null {
  const failure = error as NodeJS.ErrnoException;
  const path = typeof failure?.path === 'string' ? failure.path : null;
  if (!path || typeof failure.code !== 'string') return null;
  const fileName = [...group.files.values()].find((name) => path === join(dir, name) || path.endsWith(sep + name)) ?? null;
  if (fileName === null) return null;
  const why: Record<string, string> = {
    ENOENT: 'it is a symbolic link to a file that does not exist',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    EISDIR: 'it is a folder, not a file',
    ENOTREG: 'it is not a regular file (a pipe, socket or device)',
    ELOOP: 'its symbolic links form a loop',
  };
  const shown = display(join(dir, fileName));
  return { code: 'unreadable-file', file: shown, key: group.key, message: `${shown} cannot be read: ${why[failure.code] ?? failure.message} (${failure.code})` };
}
