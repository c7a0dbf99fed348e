/**
 * Invalid UTF-8 in a migration file. Files are read as UTF-8 text, which turns each invalid
 * sequence into U+FFFD silently; applying that would run different SQL than the file holds.
 * A text without U+FFFD came from valid bytes, so only such rare texts cost a second read.
 */
import { readFileSync } from 'node:fs';

/** Byte offset of the first invalid UTF-8 sequence in the file whose decoded text is `text`, or -1. */
export function invalidUtf8Offset(path: string, text: string): number {
  if (!text.includes('\uFFFD')) return -1;
  return firstInvalidUtf8(readFileSync(path));
}

/**
 * Byte offset of the first ill-formed sequence (Unicode Table 3-7: no overlong forms, no
 * surrogates, nothing past U+10FFFF, no truncated sequence), or -1 when all is well-formed.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  const length = bytes.length;
  let i = 0;
  while (i < length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let needed: number;
    let low = 0x80;
    let high = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) needed = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      needed = 2;
      if (b === 0xe0) low = 0xa0;
      else if (b === 0xed) high = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      needed = 3;
      if (b === 0xf0) low = 0x90;
      else if (b === 0xf4) high = 0x8f;
    } else return i;
    for (let k = 1; k <= needed; k++) {
      const c = bytes[i + k];
      if (c === undefined || c < (k === 1 ? low : 0x80) || c > (k === 1 ? high : 0xbf)) return i;
    }
    i += needed + 1;
  }
  return -1;
}
