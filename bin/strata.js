#!/usr/bin/env node
import { setFlagsFromString } from 'node:v8';
import { main } from '../dist/cli.js';

// This process applies a batch and exits. While thousands of migrations load (every object
// survives), V8 grows the young generation to its maximum, and the run then keeps a heap
// that size plus what it promotes out of it. Keeping the young generation at its initial
// size held peak RSS applying 10,000 migrations at 101-113 MiB instead of 138-153 MiB
// (PostgreSQL, MariaDB, SQLite), with no measured time cost on SQLite, the CPU-bound one
// (3.5-3.9 s either way). A process flag, so only here: never in the library, which runs
// inside an application.
setFlagsFromString('--semi-space-growth-factor=1');

// A reader that stopped early (`strata status | head`) is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

// main() resolves once the command is over and its output has left the process. Nothing
// left behind (a connect attempt still waiting for its timeout after a signal, a timer a
// migration started and never cleared) may keep the process alive: exit with its code.
process.exit(await main(process.argv.slice(2)));
