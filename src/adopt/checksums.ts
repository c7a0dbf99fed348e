/**
 * The checksums other tools store, computed their way from a file's bytes (read from each
 * tool's own source, not its docs):
 * - Flyway: CRC-32 of the file's lines as UTF-8, a leading BOM removed and every line break
 *   (`\n`, `\r\n`, `\r`) left out, stored as a signed 32-bit integer;
 * - sqlx: SHA-384 of the file's text exactly as read (BYTEA / BLOB);
 * - Prisma: SHA-256 hex of `migration.sql`; it also accepts the file with CRLF turned into LF
 *   or LF into CRLF (git may have changed them), and old rows whose hex was not zero-padded;
 * - Drizzle: SHA-256 hex of the file's text.
 */
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import type { StoredChecksum } from './model.js';

const digest = (algorithm: string, data: Buffer | string) => createHash(algorithm).update(data).digest();

export function flywayChecksum(stored: string): StoredChecksum {
  const compute = (bytes: Buffer) => {
    let content = bytes.toString('utf8');
    if (content.charCodeAt(0) === 0xfeff) content = content.slice(1);
    return String(crc32(content.replace(/\r\n|\r|\n/g, '')) | 0);
  };
  return { algorithm: 'Flyway CRC32', stored, compute, matches: (bytes) => compute(bytes) === stored };
}

export function sqlxChecksum(stored: string): StoredChecksum {
  const compute = (bytes: Buffer) => digest('sha384', bytes).toString('hex');
  return { algorithm: 'sqlx SHA-384', stored, compute, matches: (bytes) => compute(bytes) === stored };
}

export function prismaChecksum(stored: string): StoredChecksum {
  const compute = (bytes: Buffer) => digest('sha256', bytes).toString('hex');
  const matches = (bytes: Buffer) => {
    const script = bytes.toString('utf8');
    const forms = [script, script.replace(/\r\n/g, '\n'), script.replace(/\n/g, '\r\n')];
    return forms.some((form) => {
      const sum = digest('sha256', form);
      // Rows written before prisma-engines#1887 hold each byte's hex without zero padding.
      const written = stored.length !== 64 ? [...sum].map((b) => b.toString(16)).join('') : sum.toString('hex');
      return written === stored.toLowerCase();
    });
  };
  return { algorithm: 'Prisma SHA-256', stored, compute, matches };
}

export function drizzleChecksum(stored: string): StoredChecksum {
  const compute = (bytes: Buffer) => digest('sha256', bytes.toString('utf8')).toString('hex');
  return { algorithm: 'Drizzle SHA-256', stored, compute, matches: (bytes) => compute(bytes) === stored };
}
