/**
 * goose's `-- +goose StatementBegin` / `-- +goose StatementEnd`: the text between them is one
 * statement, sent as written and split no further (§2) — goose's way of writing a function
 * or trigger body its splitter could not read. Everything outside the blocks is split as usual.
 */
import { outsideStringsAndComments } from './marker-scan.js';
import { splitScript, type SplitScript, type SqlSyntax, type Statement } from './split.js';

const BLOCK_MARKER = /^[\t ]*--\s*\+goose\s+Statement(Begin|End)\s*$/i;
const ANY_BLOCK = /\+goose\s+StatementBegin/i;

/** splitScript, honouring goose's statement blocks. */
export function splitMigrationScript(sql: string, syntax: SqlSyntax, opts: { startLine?: number } = {}): SplitScript {
  const startLine = opts.startLine ?? 1;
  if (!ANY_BLOCK.test(sql)) return splitScript(sql, syntax, { startLine });

  const lines = sql.split('\n');
  const candidates: { line: number; begin: boolean }[] = [];
  const offsets: number[] = [];
  for (let i = 0, offset = 0; i < lines.length; offset += lines[i]!.length + 1, i++) {
    const match = BLOCK_MARKER.exec(lines[i]!);
    if (!match) continue;
    candidates.push({ line: i, begin: match[1]!.toLowerCase() === 'begin' });
    offsets.push(offset + lines[i]!.indexOf('-'));
  }
  const outside = outsideStringsAndComments(sql, syntax, offsets);

  const statements: Statement[] = [];
  let from = 0; // first line not yet split
  let open = -1; // line of the StatementBegin being read, or -1
  const splitOutside = (to: number): SplitScript['unterminated'] => {
    const part = splitScript(lines.slice(from, to).join('\n'), syntax, { startLine: startLine + from });
    statements.push(...part.statements);
    return part.unterminated;
  };
  for (let c = 0; c < candidates.length; c++) {
    if (!outside[c]) continue;
    const { line, begin } = candidates[c]!;
    // A marker inside a block is its text (goose reads it the same way), as is a stray End.
    if (begin && open === -1) {
      const unterminated = splitOutside(line);
      if (unterminated) return { statements, unterminated };
      open = line;
    } else if (!begin && open !== -1) {
      const block = blockStatement(lines, open + 1, line, startLine);
      if (block) statements.push(block);
      open = -1;
      from = line + 1;
    }
  }
  if (open !== -1) {
    return { statements, unterminated: { kind: 'goose statement block', line: startLine + open, opener: '-- +goose StatementBegin' } };
  }
  const unterminated = splitOutside(lines.length);
  return { statements, unterminated };
}

/** Lines [from, to) as one statement: trimmed, without the `;` that ends it. null when blank. */
function blockStatement(lines: readonly string[], from: number, to: number, startLine: number): Statement | null {
  let first = from;
  while (first < to && lines[first]!.trim() === '') first++;
  if (first === to) return null;
  const text = lines.slice(first, to).join('\n').trim().replace(/;\s*$/, '').trimEnd();
  return text === '' ? null : { text, line: startLine + first };
}
