/**
 * With --json, stdout holds exactly one JSON document (§5). A migration that prints with
 * console.log (or info, debug, dir, table…) would break that, so for the duration of the
 * command the console writes to stderr. Only the CLI does this: the library never touches
 * the application's console. (`db.log` already reaches stderr through the CLI's `log` event.)
 */
import { Console } from 'node:console';

/** The console methods that write to stdout, and those that keep state with them (group, count, time). */
const METHODS = ['log', 'info', 'debug', 'dir', 'dirxml', 'table', 'group', 'groupCollapsed', 'groupEnd', 'count', 'countReset', 'time', 'timeLog', 'timeEnd'] as const;

/** Sends the global console's stdout methods to stderr; returns the function that puts them back. */
export function consoleToStderr(): () => void {
  const toStderr = new Console({ stdout: process.stderr, stderr: process.stderr });
  const target = console as unknown as Record<string, unknown>;
  const saved = METHODS.map((name) => [name, target[name]] as const);
  for (const name of METHODS) target[name] = toStderr[name];
  return () => {
    for (const [name, method] of saved) target[name] = method;
  };
}
