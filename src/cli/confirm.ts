/**
 * Confirmation for commands that ask. Without a TTY, or with --json, and without --yes,
 * nothing is asked and the command stops (exit 2, confirmation-required).
 */
import { createInterface } from 'node:readline/promises';
import { ConfigError } from '../index.js';
import type { Output } from './output.js';
import type { GlobalFlags } from './options.js';

export async function confirm(out: Output, flags: GlobalFlags, question: string): Promise<void> {
  if (flags.yes) return;
  if (out.json || !process.stdin.isTTY || !process.stderr.isTTY) {
    throw new ConfigError('confirmation-required', `${question.replace(/\?$/, '')}: confirmation required`, {
      hint: 'run it again with --yes to confirm',
    });
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = (await rl.question(`${question} [y/N] `)).trim().toLowerCase();
    if (answer !== 'y' && answer !== 'yes') throw new ConfigError('confirmation-required', 'not confirmed: nothing was changed');
  } finally {
    rl.close();
  }
}
