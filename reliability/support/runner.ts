/**
 * The real `strata` binary run with a kill planned in advance: SIGKILL (a crash: power loss,
 * OOM killer) or SIGINT/SIGTERM (Ctrl-C, a deploy stopping the container), sent after a delay
 * or as soon as the output shows a given line.
 */
import { spawn } from 'node:child_process';
import { BIN } from '../../test/support/project.js';

export interface KillPlan {
  readonly signal: NodeJS.Signals;
  /** Milliseconds after the spawn. */
  readonly afterMs?: number;
  /** As soon as stdout + stderr match (checked on each chunk)… */
  readonly whenOutput?: RegExp;
  /** …and then this many milliseconds later. */
  readonly delayMs?: number;
}

export interface Run {
  readonly args: readonly string[];
  readonly code: number | null;
  /** The signal that ended the process (only a SIGKILL, or a signal it did not handle). */
  readonly signal: NodeJS.Signals | null;
  /** Whether the planned signal was sent before the process exited by itself. */
  readonly sent: boolean;
  /** The output seen when the signal was sent ('' when not sent). */
  readonly outputAtSignal: string;
  /** Date.now() when the signal was sent (null when not sent). */
  readonly signalAt: number | null;
  /** Date.now() when the process exited. */
  readonly exitedAt: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly elapsedMs: number;
}

export function runStrata(args: readonly string[], cwd: string, kill?: KillPlan, timeoutMs = 120_000): Promise<Run> {
  const env: Record<string, string | undefined> = { ...process.env, DATABASE_URL: undefined, STRATA_ENV: undefined, NO_COLOR: '1' };
  for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let sent = false;
    let outputAtSignal = '';
    let signalAt: number | null = null;
    let exited = false;
    let exitedAt = 0;
    let matched = false;
    const send = () => {
      if (sent || exited || !kill) return;
      sent = true;
      outputAtSignal = stdout + stderr;
      signalAt = Date.now();
      child.kill(kill.signal);
    };
    const timer = kill?.afterMs !== undefined ? setTimeout(send, kill.afterMs) : undefined;
    const guard = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const seen = () => {
      if (kill?.whenOutput && !matched && kill.whenOutput.test(stdout + stderr)) {
        matched = true;
        if (kill.delayMs) setTimeout(send, kill.delayMs);
        else send();
      }
    };
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk;
      seen();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk;
      seen();
    });
    child.on('error', reject);
    child.on('exit', () => {
      exited = true;
      exitedAt = Date.now();
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearTimeout(guard);
      resolve({ args, code, signal, sent, outputAtSignal, signalAt, exitedAt, stdout, stderr, elapsedMs: Math.round(performance.now() - started) });
    });
  });
}

/** One line describing a run, for failure messages. */
export function describeRun(run: Run): string {
  return `strata ${run.args.join(' ')} → code ${run.code} signal ${run.signal} after ${run.elapsedMs} ms\nstdout: ${run.stdout.slice(-800)}\nstderr: ${run.stderr.slice(-800)}`;
}
