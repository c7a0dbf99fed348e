/**
 * `-- strata:allow <code>[, <code>…]` comments: in the comment lines right above a statement
 * they silence that statement's warnings of those codes; in the file's leading comment block
 * (where `-- depends:` lives) they silence them for the whole file.
 */

const ALLOW = /^\s*--\s*strata:allow\b(.*)$/i;

function codesOf(line: string): string[] {
  const match = ALLOW.exec(line);
  if (!match) return [];
  return match[1]!.split(/[\s,]+/).map((code) => code.trim().toLowerCase()).filter((code) => /^[a-z][a-z-]*$/.test(code));
}

const isComment = (line: string) => line.trim().startsWith('--');

export class AllowComments {
  private readonly fileWide: ReadonlySet<string>;

  /** `lines[0]` is line 1 of the file. */
  constructor(private readonly lines: readonly string[]) {
    const codes = new Set<string>();
    for (const line of lines) {
      if (line.trim() === '') continue;
      if (!isComment(line)) break;
      for (const code of codesOf(line)) codes.add(code);
    }
    this.fileWide = codes;
  }

  /** Whether `code` is allowed for the statement whose first token is on `line` (1-based). */
  allows(code: string, line: number): boolean {
    if (this.fileWide.has(code)) return true;
    for (let i = line - 2; i >= 0 && isComment(this.lines[i] ?? ''); i--) {
      if (codesOf(this.lines[i]!).includes(code)) return true;
    }
    return false;
  }
}
