/**
 * Running a server's own backup programs (`pg_dump`, `pg_restore`, `mysqldump`, `mysql`) for
 * §7. The password never goes on the command line (any user can read another's arguments in
 * `ps`): the caller passes it in the environment or a defaults file. A program missing from
 * PATH is a ConfigError `backup-failed` (exit 2) naming it, never a silent skip.
 */
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream, renameSync, rmSync } from 'node:fs';
import { AbortError, BackupError, ConfigError } from '../core/errors.js';
import { redactText } from './url.js';
import type { BackupTarget } from './safety-net.js';

export interface ProgramRun {
  readonly program: string;
  readonly args: readonly string[];
  /** Added to this process's environment (e.g. PGPASSWORD). */
  readonly env?: Readonly<Record<string, string>>;
  /** A file fed to its standard input. */
  readonly stdinFile?: string;
  /** A file its standard output is written to (removed when it fails). */
  readonly stdoutFile?: string;
  /** Removed from anything shown (its error output). */
  readonly secrets: readonly string[];
  readonly signal?: AbortSignal;
  /** What the user should install when it is missing, e.g. `the PostgreSQL client programs (postgresql-client)`. */
  readonly installHint: string;
}

/** How much of a failing program's error output an error shows. */
const ERROR_LINES = 5;

export function runProgram(run: ProgramRun): Promise<void> {
  return new Promise((resolve, reject) => {
    if (run.signal?.aborted) {
      reject(new AbortError(`stopped before ${run.program} started: nothing was changed`));
      return;
    }
    const child = spawn(run.program, [...run.args], {
      env: { ...process.env, ...run.env },
      stdio: [run.stdinFile ? 'pipe' : 'ignore', run.stdoutFile ? 'pipe' : 'ignore', 'pipe'],
    });
    let stderr = '';
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      run.signal?.removeEventListener('abort', onAbort);
      if (run.stdoutFile) rmSync(run.stdoutFile, { force: true });
      reject(error);
    };
    const onAbort = () => {
      child.kill('SIGTERM');
      fail(new AbortError(`stopped while ${run.program} was running`));
    };
    run.signal?.addEventListener('abort', onAbort, { once: true });
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-8192);
    });
    let written: Promise<void> = Promise.resolve();
    if (run.stdoutFile) {
      const out = createWriteStream(run.stdoutFile, { flags: 'wx' });
      written = new Promise((done, failed) => {
        out.on('finish', done);
        out.on('error', failed);
      });
      child.stdout!.pipe(out);
      written.catch((error: Error) => {
        child.kill('SIGTERM');
        fail(new BackupError('backup-failed', `cannot write ${run.stdoutFile}: ${error.message}`, { file: run.stdoutFile ?? null, hint: 'check that the folder is writable and has room' }, { cause: error }));
      });
    }
    if (run.stdinFile) {
      const input = createReadStream(run.stdinFile);
      input.on('error', (error) => {
        child.kill('SIGTERM');
        fail(new BackupError('backup-failed', `cannot read ${run.stdinFile}: ${error.message}`, { file: run.stdinFile ?? null }, { cause: error }));
      });
      // The program may exit (an error) before it read everything: that is reported by its exit code.
      child.stdin!.on('error', () => undefined);
      input.pipe(child.stdin!);
    }
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') {
        fail(new ConfigError('backup-failed', `${run.program} was not found on PATH`, {
          hint: `install ${run.installHint}, or turn backups off here (--no-backup, or backup: false)`,
        }, { cause: error }));
      } else {
        fail(new BackupError('backup-failed', `cannot run ${run.program}: ${error.message}`, {}, { cause: error }));
      }
    });
    child.on('close', (code, signal) => {
      if (code === 0) {
        written.then(() => {
          if (settled) return;
          settled = true;
          run.signal?.removeEventListener('abort', onAbort);
          resolve();
        }, () => undefined);
        return;
      }
      const said = redactText(stderr.trim(), run.secrets).split('\n').slice(-ERROR_LINES).join(' / ');
      fail(new BackupError('backup-failed', `${run.program} failed (${signal ?? `exit ${code}`})${said ? `: ${said}` : ''}`, {
        file: run.stdoutFile ?? run.stdinFile ?? null,
      }));
    });
  });
}

export interface DumpPrograms {
  /** Writes the dump to `file` (a `.partial` name, renamed once complete). */
  dump(file: string, signal?: AbortSignal): Promise<void>;
  restore(file: string, signal?: AbortSignal): Promise<void>;
  verify(file: string): Promise<void>;
}

/** A server database's backups through its dump programs: off by default, restored object by object. */
export function programBackupTarget(database: string, extension: string, programs: DumpPrograms): BackupTarget {
  return {
    name: database,
    defaultFolder: null,
    extension,
    onByDefault: false,
    replacesWholeDatabase: false,
    async copyTo(file, progress, signal) {
      const partial = `${file}.partial`;
      progress(null);
      try {
        await programs.dump(partial, signal);
        renameSync(partial, file);
      } finally {
        rmSync(partial, { force: true });
      }
    },
    async restoreFrom(file, progress, signal) {
      progress(null);
      await programs.restore(file, signal);
    },
    verify: (file) => programs.verify(file),
  };
}
