/**
 * The extra test servers of docs/test-servers.md — a two-node MariaDB Galera cluster and
 * PgBouncer in transaction pooling — started and stopped by their scripts. A test file that
 * needs one starts it in `before` and stops it in `after`: a server that cannot be started
 * fails the file's tests (it is never skipped). Only one test file uses each server, so no
 * file stops a server under another.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { REPO } from './project.js';

export type ServerScript = 'galera' | 'pgbouncer';

/** `scripts/<name>.sh start` (idempotent; waits until the server can be used). Rejects with the script's reasons. */
export function startServer(name: ServerScript): Promise<void> {
  return script(name, 'start');
}

/** `scripts/<name>.sh stop` (shuts the server down and removes its scratch folder). */
export function stopServer(name: ServerScript): Promise<void> {
  return script(name, 'stop');
}

function script(name: ServerScript, command: 'start' | 'stop'): Promise<void> {
  const path = join(REPO, 'scripts', `${name}.sh`);
  return new Promise((resolve, reject) => {
    execFile(path, [command], { cwd: REPO, timeout: 240_000, maxBuffer: 16 * 1024 * 1024 }, (error, _stdout, stderr) => {
      if (error) reject(new Error(`scripts/${name}.sh ${command} failed (${error.code ?? error.signal}):\n${stderr}`));
      else resolve();
    });
  });
}

/** Milliseconds since `start` (performance.now()), rounded. */
export function since(start: number): number {
  return Math.round(performance.now() - start);
}
