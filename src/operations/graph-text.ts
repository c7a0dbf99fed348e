/**
 * The graph of ./graph.ts as text: a Mermaid flowchart or a Graphviz digraph. Pure.
 *
 * Node ids are made of the version key (`v2026_01_28`), never of user text, so they need no
 * quoting; labels are always quoted, with the characters that would end or change them
 * escaped (Mermaid: entity codes such as `#quot;`; dot: backslashes).
 */
import { versionKey } from '../core/version.js';
import type { GraphEdge, GraphFormat, GraphNode } from './graph.js';

/** Above this many migrations the graph draws runs of alike migrations as one node (unless expanded). */
export const EXPANDED_MAX = 100;
/** The shortest run drawn as one node. */
const RUN_MIN = 3;

type Category = 'applied' | 'pending' | 'failed' | 'problem';

const CATEGORY: Record<GraphNode['state'], Category> = {
  applied: 'applied', pending: 'pending', failed: 'failed', changed: 'problem', missing: 'problem', dirty: 'problem',
};

const COLORS: Record<Category, { fill: string; stroke: string; text: string }> = {
  applied: { fill: '#d8f0dc', stroke: '#2e7d32', text: '#1b4d20' },
  pending: { fill: '#fff4cc', stroke: '#b07d00', text: '#4d3800' },
  failed: { fill: '#fbd9d9', stroke: '#c62828', text: '#7f1d1d' },
  problem: { fill: '#eeeeee', stroke: '#c62828', text: '#7f1d1d' },
};

const LEGEND: readonly [id: string, label: string, category: Category, irreversible: boolean][] = [
  ['legend_applied', 'applied', 'applied', false],
  ['legend_pending', 'pending', 'pending', false],
  ['legend_failed', 'failed (its last attempt)', 'failed', false],
  ['legend_problem', 'changed, missing or dirty', 'problem', false],
  ['legend_irreversible', 'irreversible (dashed border)', 'applied', true],
];
const EDGE_LEGEND = ['solid arrow: declared depends', 'dotted arrow: runs next (canonical order)'];

/** One drawn node: a migration, or a run of consecutive alike migrations. */
interface Block {
  readonly id: string;
  readonly first: GraphNode;
  readonly last: GraphNode;
  readonly count: number;
  readonly category: Category;
  readonly irreversible: boolean;
  /** Label lines, unescaped. */
  readonly lines: readonly string[];
}

export function graphText(format: GraphFormat, nodes: readonly GraphNode[], edges: readonly GraphEdge[], options: { expand: boolean }): string {
  const collapse = !options.expand && nodes.length > EXPANDED_MAX;
  const { blocks, blockOf } = blocksOf(nodes, edges, collapse);
  const drawn = drawnEdges(edges, blockOf);
  const note = collapse && blocks.length < nodes.length
    ? `${nodes.length} migrations; runs of alike migrations drawn as one node (strata graph --expand draws each)`
    : `${nodes.length} migration${nodes.length === 1 ? '' : 's'}`;
  return format === 'dot' ? dot(blocks, drawn, note) : mermaid(blocks, drawn, note);
}

function blocksOf(nodes: readonly GraphNode[], edges: readonly GraphEdge[], collapse: boolean): { blocks: Block[]; blockOf: Map<string, Block> } {
  // A migration that takes part in a declared dependency is always drawn alone.
  const inDeclared = new Set<string>();
  for (const e of edges) if (e.kind === 'depends') inDeclared.add(e.from).add(e.to);
  const styleOf = (n: GraphNode) => `${n.state}/${n.reversible === false}`;
  const blocks: Block[] = [];
  const blockOf = new Map<string, Block>();
  const add = (run: readonly GraphNode[]) => {
    if (collapse && run.length >= RUN_MIN) {
      const b = block(run[0]!, run.at(-1)!, run.length);
      blocks.push(b);
      for (const n of run) blockOf.set(n.version, b);
      return;
    }
    for (const n of run) {
      const b = block(n, n, 1);
      blocks.push(b);
      blockOf.set(n.version, b);
    }
  };
  let run: GraphNode[] = [];
  for (const n of nodes) {
    const alike = run.length > 0 && !inDeclared.has(n.version) && styleOf(run[0]!) === styleOf(n) && !inDeclared.has(run[0]!.version);
    if (!alike && run.length > 0) {
      add(run);
      run = [];
    }
    run.push(n);
  }
  if (run.length > 0) add(run);
  return { blocks, blockOf };
}

function block(first: GraphNode, last: GraphNode, count: number): Block {
  const irreversible = first.reversible === false;
  const tags = [first.state, ...(irreversible ? ['irreversible'] : [])].join(' · ');
  const lines = count === 1 ? [first.id, tags] : [`${first.id} … ${last.id}`, `${count} migrations · ${tags}`];
  const id = count === 1 ? nodeId(first.version) : `${nodeId(first.version)}_to_${versionKey(last.version).replace(/[^A-Za-z0-9]/g, '_')}`;
  return { id, first, last, count, category: CATEGORY[first.state], irreversible, lines };
}

/** `v` + the version key with every separator as `_`: no user text, no reserved word (`end`), unique per migration. */
function nodeId(version: string): string {
  return `v${versionKey(version).replace(/[^A-Za-z0-9]/g, '_')}`;
}

/** Edges between drawn nodes: none inside a run, one per pair. */
function drawnEdges(edges: readonly GraphEdge[], blockOf: ReadonlyMap<string, Block>): { from: string; to: string; kind: GraphEdge['kind'] }[] {
  const seen = new Set<string>();
  const drawn: { from: string; to: string; kind: GraphEdge['kind'] }[] = [];
  for (const e of edges) {
    const from = blockOf.get(e.from);
    const to = blockOf.get(e.to);
    if (!from || !to || from === to) continue;
    const key = `${from.id} ${to.id}`;
    if (seen.has(key)) continue;
    seen.add(key);
    drawn.push({ from: from.id, to: to.id, kind: e.kind });
  }
  return drawn;
}

// ---- Mermaid ----

/** Text inside a quoted Mermaid label: `#` first (it starts every entity), then what would end the label or read as HTML. */
export function mermaidText(text: string): string {
  return text
    .replace(/#/g, '#35;')
    .replace(/"/g, '#quot;')
    .replace(/&/g, '#amp;')
    .replace(/</g, '#lt;')
    .replace(/>/g, '#gt;')
    .replace(/[\r\n]+/g, ' ');
}

function mermaid(blocks: readonly Block[], edges: ReturnType<typeof drawnEdges>, note: string): string {
  const out = ['flowchart TD', `  %% strata graph: ${note}`];
  const label = (lines: readonly string[]) => `"${lines.map(mermaidText).join('<br/>')}"`;
  for (const b of blocks) out.push(`  ${b.id}[${label(b.lines)}]`);
  for (const e of edges) out.push(`  ${e.from} ${e.kind === 'depends' ? '-->' : '-.->'} ${e.to}`);
  out.push('  subgraph legend["legend"]', '    direction LR');
  for (const [id, text] of LEGEND) out.push(`    ${id}[${label([text])}]`);
  out.push(`    legend_edges[${label(EDGE_LEGEND)}]`, '  end');
  for (const [category, c] of Object.entries(COLORS)) out.push(`  classDef ${category} fill:${c.fill},stroke:${c.stroke},color:${c.text}`);
  out.push('  classDef irreversible stroke-dasharray:6 3,stroke-width:3px');
  const members = new Map<string, string[]>();
  const put = (cls: string, id: string) => (members.get(cls) ?? members.set(cls, []).get(cls)!).push(id);
  for (const b of blocks) {
    put(b.category, b.id);
    if (b.irreversible) put('irreversible', b.id);
  }
  for (const [id, , category, irreversible] of LEGEND) put(irreversible ? 'irreversible' : category, id);
  for (const [cls, ids] of members) out.push(`  class ${ids.join(',')} ${cls}`);
  return `${out.join('\n')}\n`;
}

// ---- Graphviz dot ----

/** A dot double-quoted string's content: backslash and quote escaped, line breaks as dot's `\n`. */
export function dotText(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n|\r/g, '\\n');
}

function dotNode(id: string, lines: readonly string[], category: Category, irreversible: boolean): string {
  const c = COLORS[category];
  const style = irreversible ? ', style="rounded,filled,dashed", penwidth=2' : '';
  return `"${id}" [label="${lines.map(dotText).join('\\n')}", fillcolor="${c.fill}", color="${c.stroke}", fontcolor="${c.text}"${style}];`;
}

function dot(blocks: readonly Block[], edges: ReturnType<typeof drawnEdges>, note: string): string {
  const out = [
    'digraph migrations {',
    `  // strata graph: ${note}`,
    '  rankdir=TB;',
    '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=11];',
    '  edge [color="#555555"];',
  ];
  for (const b of blocks) out.push(`  ${dotNode(b.id, b.lines, b.category, b.irreversible)}`);
  for (const e of edges) out.push(`  "${e.from}" -> "${e.to}"${e.kind === 'order' ? ' [style=dotted]' : ''};`);
  out.push('  subgraph cluster_legend {', '    label="legend";', '    fontname="Helvetica";');
  for (const [id, text, category, irreversible] of LEGEND) out.push(`    ${dotNode(id, [text], category, irreversible)}`);
  out.push(`    "legend_edges" [label="${EDGE_LEGEND.map(dotText).join('\\n')}", shape=plaintext, style=""];`, '  }', '}');
  return `${out.join('\n')}\n`;
}
