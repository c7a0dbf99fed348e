/**
 * Migration versions are digit groups joined by `_` (`001`, `2026_01_28_1430`). They compare
 * group by group as numbers of any length — as digit strings without leading zeros, never as
 * JS numbers, so a 20-digit timestamp keeps its precision — and a version that is a prefix
 * of another sorts first.
 */

/** The identity of a version: `001` and `1` are the same version. */
export function versionKey(version: string): string {
  return version
    .split('_')
    .map((group) => group.replace(/^0+(?=\d)/, ''))
    .join('_');
}

export function compareVersions(a: string, b: string): number {
  const left = versionKey(a).split('_');
  const right = versionKey(b).split('_');
  const shared = Math.min(left.length, right.length);
  for (let i = 0; i < shared; i++) {
    const x = left[i]!;
    const y = right[i]!;
    if (x.length !== y.length) return x.length - y.length;
    if (x !== y) return x < y ? -1 : 1;
  }
  return left.length - right.length;
}

const VERSION = /^\d+(?:_\d+)*$/;

/**
 * Commands that take a version accept it as written in the file name or as the id
 * (`003` or `003_add_email`). Returns the version key, or null when `input` names neither.
 */
export function versionKeyOfReference(input: string): string | null {
  if (VERSION.test(input)) return versionKey(input);
  const match = /^(?:migration_)?(\d+(?:_\d+)*)_[a-z]/.exec(input);
  return match ? versionKey(match[1]!) : null;
}
