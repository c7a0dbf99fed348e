/**
 * Migration versions are digit groups joined by `_`, `.` or `-` (`001`, `2026_01_28_1430`,
 * `1.1`, `2018-04-27-155151`); the separator does not matter (§2). They compare
 * group by group as numbers of any length — as digit strings without leading zeros, never as
 * JS numbers, so a 20-digit timestamp keeps its precision — and a version that is a prefix
 * of another sorts first.
 */

/** The identity of a version: `001` and `1` are the same version, and so are `1.1` and `1_1`. */
export function versionKey(version: string): string {
  // Drop each group's leading zeros, keeping one digit ("000" → "0"); `_` for every separator.
  const key = version.replace(LEADING_ZEROS, '$1');
  return key.includes('.') || key.includes('-') ? key.replace(SEPARATORS, '_') : key;
}

const LEADING_ZEROS = /(^|[_.-])0+(?=\d)/g;
const SEPARATORS = /[.-]/g;

/** `_`, `.` or `-`: what joins a version's digit groups. */
function isSeparator(c: number): boolean {
  return c === 95 || c === 46 || c === 45;
}

/**
 * Compares without allocating (it runs n log n times while sorting 10,000 migrations): each
 * group's leading zeros are skipped, then the longer digit run is the larger number, and
 * equal lengths compare character by character.
 */
export function compareVersions(a: string, b: string): number {
  let i = 0;
  let j = 0;
  for (;;) {
    const aDone = i >= a.length;
    const bDone = j >= b.length;
    if (aDone || bDone) return aDone && bDone ? 0 : aDone ? -1 : 1;
    while (a.charCodeAt(i) === 48 && i + 1 < a.length && !isSeparator(a.charCodeAt(i + 1))) i++;
    while (b.charCodeAt(j) === 48 && j + 1 < b.length && !isSeparator(b.charCodeAt(j + 1))) j++;
    let aEnd = i;
    while (aEnd < a.length && !isSeparator(a.charCodeAt(aEnd))) aEnd++;
    let bEnd = j;
    while (bEnd < b.length && !isSeparator(b.charCodeAt(bEnd))) bEnd++;
    const lengthDifference = aEnd - i - (bEnd - j);
    if (lengthDifference !== 0) return lengthDifference;
    for (; i < aEnd; i++, j++) {
      const d = a.charCodeAt(i) - b.charCodeAt(j);
      if (d !== 0) return d;
    }
    // Both groups equal: step over the separators (a missing one means that version ended).
    i = aEnd + 1;
    j = bEnd + 1;
    if (i > a.length || j > b.length) return i > a.length && j > b.length ? 0 : i > a.length ? -1 : 1;
  }
}

/**
 * The longest version (and name) the tracking table holds: `VARCHAR(255)` on MySQL (§3). A
 * longer one is refused when the migrations are read, on every dialect, rather than by
 * MySQL's "Data too long" half-way through a run.
 */
export const MAX_TRACKED_LENGTH = 255;

/** Why `version`/`name` cannot be recorded, or null when they can. */
export function tooLongToTrack(version: string, name: string): string | null {
  if (version.length > MAX_TRACKED_LENGTH) return `its version is ${version.length} characters long; the tracking table holds at most ${MAX_TRACKED_LENGTH}`;
  if (name.length > MAX_TRACKED_LENGTH) return `its name is ${name.length} characters long; the tracking table holds at most ${MAX_TRACKED_LENGTH}`;
  return null;
}

const VERSION = /^\d+(?:[_.-]\d+)*$/;

export interface Reference {
  readonly key: string;
  /** The name when the reference was an id (`003_add_email`): it must match too. */
  readonly name: string | null;
}

/**
 * Commands and `depends` accept a version as written in the file name, an id
 * (`003` or `003_add_email`), or the file name's stem (`V1_1__Add_email`). null when `input`
 * is none of them.
 */
export function parseReference(input: string): Reference | null {
  if (VERSION.test(input)) return { key: versionKey(input), name: null };
  const match = REFERENCE.exec(input);
  return match ? { key: versionKey(match[1]!), name: match[2] ?? null } : null;
}

/** The grammar of §2 without an extension (file-name.ts): a prefix, the version, an optional name. */
const REFERENCE = /^(?:migration_|V)?(\d+(?:[_.-]\d+)*)(?:(?:__|[_.-])([A-Za-z][A-Za-z0-9_-]*))?$/;

/** `<version>_<name>`, or the version alone when the migration has no name (`0001.sql`). */
export function migrationId(version: string, name: string): string {
  return name === '' ? version : `${version}_${name}`;
}

/** The key `input` refers to among `known` migrations (key → name), or null. */
export function resolveReference(input: string, nameOf: (key: string) => string | undefined): string | null {
  const reference = parseReference(input);
  if (reference === null) return null;
  const name = nameOf(reference.key);
  if (name === undefined || (reference.name !== null && reference.name !== name)) return null;
  return reference.key;
}
