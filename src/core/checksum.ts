import * as crypto from 'node:crypto';

/** Text as strata hashes it: no leading BOM, every CRLF or CR turned into LF. */
export function normalizeText(text: string): string {
  const withoutBom = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  return withoutBom.includes('\r') ? withoutBom.replace(/\r\n?/g, '\n') : withoutBom;
}

// crypto.hash (Node ≥ 20.12) is about ten times faster than createHash for small texts,
// which is most of the cost of verifying 1,000 checksums at start-up.
const oneShot = (crypto as { hash?: (algorithm: string, data: string) => string }).hash;
const sha256 = oneShot ? (text: string) => oneShot('sha256', text) : (text: string) => crypto.createHash('sha256').update(text).digest('hex');

/**
 * sha256 hex of a migration's normalised text; a `.down.sql` companion's normalised text is
 * appended after a `\n--\n` separator, so editing either file changes the checksum.
 */
export function checksumOf(text: string, downText?: string): string {
  const normalized = normalizeText(text);
  return sha256(downText === undefined ? normalized : `${normalized}\n--\n${normalizeText(downText)}`);
}
