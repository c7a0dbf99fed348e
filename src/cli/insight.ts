/**
 * `stats`, `graph` and `docs`: what the log and the migrations tell, each a thin call of the
 * Migrator. `--out` writes the graph or the page to a file instead of stdout.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { ConfigError, type GraphFormat, type StatsResult } from '../index.js';
import { table, type Output } from './output.js';
import type { Runner } from './main.js';

type CommandFactory = (name: string, description: string) => Command;

export function addInsightCommands(command: CommandFactory, run: Runner): void {
  command('stats', 'per migration: runs, failures, last and slowest duration, from the log').action(run(async ({ out, migrator }) => {
    const result = await migrator.stats();
    out.document(result);
    renderStats(out, result);
  }));

  command('graph', 'the dependency graph as a Mermaid flowchart (default) or Graphviz dot')
    .addOption(new Option('--format <format>', 'output format').choices(['mermaid', 'dot']).default('mermaid'))
    .option('--out <file>', 'write it to this file instead of stdout')
    .option('--expand', 'draw every migration as its own node (a graph of more than 100 draws runs of alike ones as one)')
    .action(run(async ({ out, migrator }, args) => {
      const options = args[0] as { format: GraphFormat; out?: string; expand?: boolean };
      const result = await migrator.graph({ format: options.format, expand: options.expand ?? false });
      const file = options.out === undefined ? null : writeOut(options.out, result.text);
      out.document({ format: result.format, text: result.text, nodes: result.nodes, edges: result.edges, file });
      emit(out, result.text, file, `${result.nodes.length} migration${result.nodes.length === 1 ? '' : 's'}, ${result.format}`);
    }));

  command('docs', 'a Markdown page of the migrations (version, name, description, depends, reversible, applied)')
    .option('--out <file>', 'write it to this file instead of stdout')
    .action(run(async ({ out, migrator }, args) => {
      const options = args[0] as { out?: string };
      const result = await migrator.docs();
      const file = options.out === undefined ? null : writeOut(options.out, result.markdown);
      out.document({ markdown: result.markdown, migrations: result.migrations, file });
      emit(out, result.markdown, file, `${result.migrations.length} migration${result.migrations.length === 1 ? '' : 's'}`);
    }));
}

export function renderStats(out: Output, result: StatsResult): void {
  if (result.migrations.length === 0) {
    out.line('no runs in the log yet');
    return;
  }
  const failures = result.migrations.reduce((sum, m) => sum + m.failures, 0);
  const runs = result.migrations.reduce((sum, m) => sum + m.runs, 0);
  out.line(`${result.migrations.length} migration${result.migrations.length === 1 ? '' : 's'}, ${runs} run${runs === 1 ? '' : 's'}, ${failures} failed, ${ms(result.totalDurationMs)} in all`);
  out.line();
  const rows = result.migrations.map((m) => [m.version, m.name ?? '', String(m.runs), String(m.failures), ms(m.lastDurationMs), ms(m.maxDurationMs)]);
  for (const line of table([['VERSION', 'NAME', 'RUNS', 'FAILURES', 'LAST', 'SLOWEST'], ...rows])) out.line(`  ${line}`);
  if (result.slowest.length === 0) return;
  out.line();
  out.line(`slowest ${result.slowest.length}:`);
  const byVersion = new Map(result.migrations.map((m) => [m.version, m]));
  result.slowest.forEach((version, i) => {
    const m = byVersion.get(version)!;
    out.line(`  ${String(i + 1).padStart(2)}. ${version}${m.name ? `_${m.name}` : ''}  ${ms(m.maxDurationMs)}`);
  });
}

function ms(value: number | null): string {
  return value === null ? '' : `${value} ms`;
}

/** Writes `text` to `path` (from the working directory); returns the path as given. */
function writeOut(path: string, text: string): string {
  try {
    writeFileSync(resolve(process.cwd(), path), text);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'its folder does not exist' : (error as Error).message;
    throw new ConfigError('usage', `cannot write --out ${path}: ${reason}`, { hint: 'name a file in an existing folder that you can write to' });
  }
  return path;
}

/** The text on stdout, or a line saying where it went. */
function emit(out: Output, text: string, file: string | null, what: string): void {
  if (file === null) {
    out.line(text.replace(/\n$/, ''));
  } else {
    out.line(`wrote ${file} (${what})`);
  }
}
