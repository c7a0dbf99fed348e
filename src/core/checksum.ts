import { createHash } from 'node:crypto';

/** Text as strata hashes it: no leading BOM, every CRLF or CR turned into LF. */
export function normalizeText(text: string): string {
  const withoutBom = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  return withoutBom.includes('\r') ? withoutBom.replace(/\r\n?/g, '\n') : withoutBom;
}

/**
 * sha256 hex of a migration's normalised text; a `.down.sql` companion's normalised text is
 * appended after a `\n--\n` separator, so editing either file changes the checksum.
 */
export function checksumOf(text: string, downText?: string): string {
  const hash = createHash('sha256').update(normalizeText(text));
  if (downText !== undefined) hash.update('\n--\n').update(normalizeText(downText));
  return hash.digest('hex');
}
