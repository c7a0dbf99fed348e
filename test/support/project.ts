/** Tiny migration projects in temp folders, and the real `strata` binary run against them. */
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = join(REPO, 'bin/strata.js');
export const FIXTURES = join(REPO, 'test/fixtures');

export interface Project {
  readonly dir: string;
  readonly migrations: string;
  write(relativePath: string, text: string): string;
  remove(relativePath: string): void;
  cleanup(): void;
}

/** A temp folder with `migrations/` holding `files` (name → text), or a copy of a fixture folder. */
export function project(files: Record<string, string> | string = {}): Project {
  const dir = mkdtempSync(join(tmpdir(), 'strata-test-'));
  const migrations = join(dir, 'migrations');
  if (typeof files === 'string') cpSync(join(FIXTURES, files), migrations, { recursive: true });
  else {
    mkdirSync(migrations);
    for (const [name, text] of Object.entries(files)) writeFileSync(join(migrations, name), text);
  }
  return {
    dir,
    migrations,
    write(relativePath, text) {
      const path = join(dir, relativePath);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
      return path;
    },
    remove(relativePath) {
      rmSync(join(dir, relativePath), { force: true, recursive: true });
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  json<T = any>(): T;
}

export interface CliOptions {
  readonly cwd: string;
  readonly env?: Record<string, string | undefined>;
  /** Called once the child has written `text` to stderr or stdout (e.g. to send a signal). */
  readonly onOutput?: (text: string, child: import('node:child_process').ChildProcess) => void;
  readonly timeoutMs?: number;
  /** Run as this user and group (e.g. 65534, nobody: root reads any file, so permission tests need another user). */
  readonly uid?: number;
  readonly gid?: number;
}

/** Runs the real `strata` binary. DATABASE_URL and STRATA_ENV are cleared unless given. */
export function strata(args: readonly string[], options: CliOptions): Promise<CliResult> {
  const env: Record<string, string | undefined> = { ...process.env, DATABASE_URL: undefined, STRATA_ENV: undefined, NO_COLOR: '1', ...options.env };
  for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd,
      env: env as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.uid === undefined ? {} : { uid: options.uid }),
      ...(options.gid === undefined ? {} : { gid: options.gid }),
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk;
      options.onOutput?.(stdout + stderr, child);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk;
      options.onOutput?.(stdout + stderr, child);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({
        code,
        signal,
        stdout,
        stderr,
        json() {
          return JSON.parse(stdout);
        },
      });
    });
  });
}

/** An onOutput callback that sends `signal` once, when the output first contains `marker`. */
export function signalWhen(marker: string, signal: NodeJS.Signals) {
  let sent = false;
  return (text: string, child: import('node:child_process').ChildProcess) => {
    if (!sent && text.includes(marker)) {
      sent = true;
      child.kill(signal);
    }
  };
}
