// Spawning timed child processes: wall time, exit status, captured output,
// optional peak RSS, a hard timeout that kills the whole process group.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { performance } from 'node:perf_hooks';

const TIME_BIN = '/usr/bin/time';
export const hasGnuTime = existsSync(TIME_BIN);
const KEEP = 16 * 1024; // keep the last 16 KiB of each stream

let seq = 0;
const live = new Set(); // process-group ids of children still running

/** Kill every child still running (on SIGINT/SIGTERM of the harness). */
export function killAll() {
  for (const pid of live) {
    try { process.kill(-pid, 'SIGKILL'); } catch { /* gone */ }
  }
  live.clear();
}

function tail(s) {
  return s.length > KEEP ? '…' + s.slice(-KEEP) : s;
}

/** Peak RSS fallback without GNU time: poll VmHWM (high-water mark) in /proc. */
function pollHwm(pid, state) {
  const read = () => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) state.rssKiB = Math.max(state.rssKiB ?? 0, Number(m[1]));
    } catch { /* gone */ }
  };
  read();
  return setInterval(read, 20);
}

/**
 * Run one command. Resolves (never rejects) with
 * { ok, code, signal, ms, stdout, stderr, timedOut, rssKiB, error }.
 * `ms` is wall time from just before spawn() to the child's exit.
 */
export function run(command, { timeoutMs = 300_000, rss = false } = {}) {
  const { cmd, args = [], env, cwd } = command;
  let file = cmd;
  let argv = args;
  let rssFile = null;
  if (rss && hasGnuTime) {
    rssFile = join(tmpdir(), `strata-bench-rss-${process.pid}-${++seq}.txt`);
    file = TIME_BIN;
    argv = ['-f', '%M', '-o', rssFile, cmd, ...args];
  }
  return new Promise((resolve) => {
    const state = { rssKiB: null };
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let poll = null;
    const t0 = performance.now();
    let child;
    try {
      child = spawn(file, argv, {
        cwd,
        env: env ? { ...process.env, ...env } : process.env,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true, // own process group, so a timeout can kill everything it started
      });
    } catch (error) {
      resolve({ ok: false, code: null, signal: null, ms: null, stdout, stderr, timedOut, rssKiB: null, error: String(error) });
      return;
    }
    let ms = null;
    if (child.pid) live.add(child.pid);
    child.stdout.on('data', (d) => { stdout = tail(stdout + d); });
    child.stderr.on('data', (d) => { stderr = tail(stderr + d); });
    if (rss && !hasGnuTime && child.pid) poll = pollHwm(child.pid, state);
    const timer = setTimeout(() => {
      timedOut = true;
      try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
    }, timeoutMs);
    child.on('exit', () => { ms = performance.now() - t0; });
    child.on('error', (error) => { stderr += String(error); });
    child.on('close', (code, signal) => {
      if (ms == null) ms = performance.now() - t0;
      live.delete(child.pid);
      clearTimeout(timer);
      if (poll) clearInterval(poll);
      if (rssFile) {
        try {
          const lines = readFileSync(rssFile, 'utf8').trim().split('\n');
          const kib = Number(lines[lines.length - 1]);
          if (Number.isFinite(kib) && kib > 0) state.rssKiB = kib;
          // GNU time reports "Command exited with non-zero status N" on an earlier line.
        } catch { /* no file: killed */ }
        rmSync(rssFile, { force: true });
      }
      resolve({ ok: code === 0 && !timedOut, code, signal, ms, stdout, stderr, timedOut, rssKiB: state.rssKiB });
    });
  });
}

/**
 * Start several commands at once. Wall time runs from the first spawn to the
 * last exit. Resolves with { ms, results: [...] } (results as run()).
 */
export async function runTogether(commands, opts = {}) {
  const t0 = performance.now();
  const results = await Promise.all(commands.map((c) => run(c, opts)));
  return { ms: performance.now() - t0, results };
}

/** The most useful line(s) of a failed run, for a table note. */
export function failureText(r, max = 160) {
  if (r.timedOut) return `timeout after ${Math.round(r.ms / 1000)} s`;
  const text = `${r.stderr}\n${r.stdout}`;
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  const pick =
    lines.find((l) => /out of shared memory|max_locks_per_transaction/i.test(l)) ??
    lines.find((l) => /^(error|[A-Za-z]*Error)\b:?/.test(l)) ??
    lines.find((l) => /\b(error|failed|already locked|already exists|cannot|can't)\b/i.test(l) && !/^\s*at /.test(l)) ??
    lines[lines.length - 1] ??
    (r.error || `exit ${r.code ?? r.signal}`);
  const prefix = r.code != null ? `exit ${r.code}: ` : r.signal ? `${r.signal}: ` : '';
  const msg = prefix + pick.replace(/\s+/g, ' ');
  // Long messages (a whole SQL statement, then the reason) keep both ends.
  return msg.length <= max ? msg : `${msg.slice(0, Math.floor(max * 0.4))} … ${msg.slice(-Math.floor(max * 0.6))}`;
}

/** Failed runs grouped by message: "19× exit 1: …; 1× exit 2: …". */
export function summarizeFailures(results, max = 3) {
  const groups = new Map(); // messages that differ only in numbers (t_00003 vs t_00004) are one kind
  for (const r of results) {
    if (r.ok) continue;
    const text = failureText(r, 110);
    const key = text.replace(/\d+/g, '#');
    const g = groups.get(key) ?? { text, count: 0 };
    g.count++;
    groups.set(key, g);
  }
  const list = [...groups.values()].sort((a, b) => b.count - a.count);
  const shown = list.slice(0, max).map(({ text, count }) => `${count}× ${text}`);
  if (list.length > max) shown.push(`${list.length - max} more kinds`);
  return shown.join('; ');
}

/**
 * Before a timed run that writes: flush the page cache's dirty data (sync),
 * so write-back left by the previous run (or by dropping its database) is not
 * charged to this one.
 */
export function settle() {
  spawnSync('sync', [], { stdio: 'ignore', timeout: 60_000 });
}
