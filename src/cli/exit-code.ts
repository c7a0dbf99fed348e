/** The one place error classes become exit codes (§5). */
import { AbortError, ConfigError, ConnectionError, LockTimeoutError, MigrationError, StrataError, ValidationError } from '../index.js';

export const EXIT = { ok: 0, failed: 1, usage: 2, refused: 3, lock: 4, pending: 5, sigint: 130, sigterm: 143 } as const;

export function exitCodeOf(error: unknown, signal: NodeJS.Signals | null): number {
  if (error instanceof AbortError) return signal === 'SIGTERM' ? EXIT.sigterm : EXIT.sigint;
  if (error instanceof ConfigError || error instanceof ConnectionError) return EXIT.usage;
  if (error instanceof ValidationError) return EXIT.refused;
  if (error instanceof LockTimeoutError) return EXIT.lock;
  if (error instanceof MigrationError) return EXIT.failed;
  if (error instanceof StrataError) return EXIT.failed;
  return EXIT.failed;
}
