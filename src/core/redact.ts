/**
 * Passwords never appear in any output, error, log line or JSON (§5). The core does not know
 * what the secrets are: it receives a `Redact` (built from the URL and the driver's own
 * connection settings) and applies it to every text it stores or hands on — error texts
 * written to the tracking and log tables, `db.log` lines, and the errors it throws.
 */
export type Redact = (text: string) => string;

export const NO_SECRETS: Redact = (text) => text;

/**
 * Rewrites an error's message, stack, hint and problem messages (and those of its causes) in
 * place, so whoever prints it — the CLI, an application's logger, an unhandled rejection —
 * sees no password. Returns the same error.
 */
export function scrubError<E>(error: E, redact: Redact): E {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const target = current as Error & { hint?: unknown; problems?: unknown };
    rewrite(target, 'message', redact);
    rewrite(target, 'stack', redact);
    rewrite(target, 'hint', redact);
    if (Array.isArray(target.problems)) {
      const problems = target.problems.map((p: { message?: unknown }) => (typeof p?.message === 'string' ? { ...p, message: redact(p.message) } : p));
      Object.defineProperty(target, 'problems', { value: problems, writable: true, configurable: true, enumerable: true });
    }
    current = target.cause;
  }
  return error;
}

function rewrite(target: object, key: string, redact: Redact): void {
  const value = (target as Record<string, unknown>)[key];
  if (typeof value !== 'string') return;
  const clean = redact(value);
  if (clean === value) return;
  try {
    Object.defineProperty(target, key, { value: clean, writable: true, configurable: true, enumerable: key !== 'stack' && key !== 'message' });
  } catch {
    // A frozen error keeps its text; the CLI still redacts what it prints.
  }
}
