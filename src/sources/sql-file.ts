/**
 * Reads a SQL migration's text: the directives of its leading comment block (description,
 * `depends`, `transaction`, `foreign-keys`) and its `-- migrate:up` / `-- migrate:down` sections. Other
 * tools' markers mean the same (§2): dbmate's `-- migrate:up transaction:false`, goose's
 * `-- +goose Up` / `Down` / `NO TRANSACTION`, sqlx's `-- no-transaction` first line. goose's
 * `StatementBegin` / `StatementEnd` stay in the script for the splitter (goose-blocks.ts).
 */
import type { MigrationMeta } from '../core/model.js';
import { outsideStringsAndComments } from '../sql/marker-scan.js';
import type { SqlSyntax } from '../sql/split.js';

export interface ParsedSqlFile {
  readonly meta: MigrationMeta;
  readonly up: { readonly sql: string; readonly startLine: number };
  /** null when the file has no `-- migrate:down` marker. */
  readonly down: { readonly sql: string; readonly startLine: number } | null;
}

export type SqlFileResult = { readonly ok: true; readonly value: ParsedSqlFile } | { readonly ok: false; readonly reason: string };

/** A section marker: dbmate's (strata's own) with its optional `transaction:false`, or goose's. */
const MARKER = /^--\s*(?:migrate:(up|down)(?:\s+transaction:(true|false))?|\+goose\s+(up|down|no\s+transaction))\s*$/i;
/** Lines of other tools that are neither a description nor SQL. */
const OTHER_TOOL_LINE = /^--\s*(?:\+goose\s+\w+|no-transaction)\b/i;
const ANY_MARKER = /migrate:|\+goose/i;
const DIRECTIVE = /^--\s*(depends|transaction|foreign-keys)\s*:(.*)$/i;
/** sqlx runs a file outside a transaction when its first line is exactly this. */
const SQLX_NO_TRANSACTION = /^-- no-transaction\s*$/;

interface Marker {
  readonly section: 'up' | 'down' | null;
  /** The marker as a user would write it, for messages. */
  readonly label: string;
  readonly noTransaction: boolean;
}

function markerOf(line: string): Marker | null {
  const match = MARKER.exec(line);
  if (!match) return null;
  if (match[1]) {
    const section = match[1].toLowerCase() as 'up' | 'down';
    return { section, label: `-- migrate:${section}`, noTransaction: match[2]?.toLowerCase() === 'false' };
  }
  const goose = match[3]!.toLowerCase();
  if (goose === 'up' || goose === 'down') return { section: goose, label: `-- +goose ${goose === 'up' ? 'Up' : 'Down'}`, noTransaction: false };
  return { section: null, label: '-- +goose NO TRANSACTION', noTransaction: true };
}

/**
 * `text` must already be normalised (LF line ends, no BOM). `syntax` says where strings and
 * comments are: a marker line inside a multi-line string, a dollar-quoted body or a block
 * comment is text, not a marker.
 */
export function parseSqlFile(text: string, syntax: SqlSyntax): SqlFileResult {
  const lines = text.split('\n');
  let description: string | null = null;
  let depends: string[] = [];
  let transaction = !SQLX_NO_TRANSACTION.test(lines[0]!);
  /** Only set by `-- foreign-keys:` (absent = off: the parsed meta of other files is unchanged). */
  let foreignKeys: { foreignKeys: boolean } | null = null;
  const metaOf = () => ({ description, depends, transaction, ...foreignKeys });

  // The leading comment block: comment and blank lines before the first statement.
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '') continue;
    if (!line.startsWith('--')) break;
    if (MARKER.test(line) || OTHER_TOOL_LINE.test(line)) continue;
    const directive = DIRECTIVE.exec(line);
    if (directive) {
      const value = directive[2]!.trim();
      const name = directive[1]!.toLowerCase();
      if (name === 'depends') {
        depends = value.split(/[\s,]+/).filter(Boolean);
      } else {
        const parsed = parseSwitch(value);
        if (parsed === null) return { ok: false, reason: `"-- ${name}: ${value}" must be on or off` };
        if (name === 'transaction') transaction = parsed;
        else foreignKeys = { foreignKeys: parsed };
      }
      continue;
    }
    if (description === null) {
      const textOfComment = line.replace(/^--+\s*/, '').trim();
      if (textOfComment !== '') description = textOfComment;
    }
  }

  // Most files have no markers: one scan of the text says so, and the up script is the text.
  if (!ANY_MARKER.test(text)) return { ok: true, value: { meta: metaOf(), up: { sql: text, startLine: 1 }, down: null } };
  const candidates: number[] = [];
  const offsets: number[] = [];
  for (let i = 0, offset = 0; i < lines.length; offset += lines[i]!.length + 1, i++) {
    const line = lines[i]!;
    if (!MARKER.test(line.trim())) continue;
    candidates.push(i);
    offsets.push(offset + line.indexOf('-'));
  }
  const outside = outsideStringsAndComments(text, syntax, offsets);
  let upMarker = -1;
  let downMarker = -1;
  let upLabel = '-- migrate:up';
  let downLabel = '-- migrate:down';
  for (let c = 0; c < candidates.length; c++) {
    if (!outside[c]) continue;
    const i = candidates[c]!;
    const marker = markerOf(lines[i]!.trim())!;
    // strata has one transaction switch per migration: a no-transaction marker anywhere sets it.
    if (marker.noTransaction) transaction = false;
    if (marker.section === 'up') {
      if (upMarker !== -1) return { ok: false, reason: `has more than one "${marker.label}" marker (lines ${upMarker + 1} and ${i + 1})` };
      upMarker = i;
      upLabel = marker.label;
    } else if (marker.section === 'down') {
      if (downMarker !== -1) return { ok: false, reason: `has more than one "${marker.label}" marker (lines ${downMarker + 1} and ${i + 1})` };
      downMarker = i;
      downLabel = marker.label;
    }
  }
  if (upMarker !== -1 && downMarker !== -1 && downMarker < upMarker) {
    return { ok: false, reason: `has "${downLabel}" before "${upLabel}"` };
  }
  if (upMarker > 0 && lines.slice(0, upMarker).some((l) => l.trim() !== '' && !l.trim().startsWith('--'))) {
    return { ok: false, reason: `has SQL before its "${upLabel}" marker` };
  }

  const upStart = upMarker === -1 ? 0 : upMarker + 1;
  const upEnd = downMarker === -1 ? lines.length : downMarker;
  const up = { sql: lines.slice(upStart, upEnd).join('\n'), startLine: upStart + 1 };
  const down = downMarker === -1 ? null : { sql: lines.slice(downMarker + 1).join('\n'), startLine: downMarker + 2 };
  // Built last: a no-transaction marker above may have switched `transaction` off.
  return { ok: true, value: { meta: metaOf(), up, down } };
}

function parseSwitch(value: string): boolean | null {
  const v = value.toLowerCase();
  if (v === 'off' || v === 'false' || v === 'no') return false;
  if (v === 'on' || v === 'true' || v === 'yes') return true;
  return null;
}
