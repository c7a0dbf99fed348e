/**
 * `graph`: the migrations as a dependency graph — each migration a node styled by its state
 * (applied, pending, failed, a problem) and whether it can be rolled back; declared `depends`
 * as solid edges and the canonical order as dotted ones (every migration runs after the one
 * before it). Read-only; the text is written by ./graph-text.ts.
 */
import { ConfigError } from '../core/errors.js';
import { readCatalog, type CatalogEntry } from './catalog.js';
import type { OperationContext } from './context.js';
import { graphText } from './graph-text.js';
import type { StatusState } from './status.js';

export type GraphFormat = 'mermaid' | 'dot';

export interface GraphOptions {
  /** `mermaid` (default) or `dot` (Graphviz). */
  readonly format?: GraphFormat;
  /**
   * Draw every migration as its own node. Default: a graph of more than 100 migrations draws
   * each run of consecutive migrations that share a style and take no part in a declared
   * dependency as one node, so that 1,000 migrations stay readable (and within Mermaid's
   * default limit of 500 edges).
   */
  readonly expand?: boolean;
}

export interface GraphNode {
  readonly version: string;
  readonly name: string;
  readonly id: string;
  readonly state: StatusState;
  /** null when unknown (file gone, module does not import). */
  readonly reversible: boolean | null;
}

export interface GraphEdge {
  /** Version that runs first. */
  readonly from: string;
  readonly to: string;
  /** `depends`: declared by `to`; `order`: the canonical order (`to` comes right after `from`). */
  readonly kind: 'depends' | 'order';
}

export interface GraphResult {
  readonly format: GraphFormat;
  /** The Mermaid flowchart or the Graphviz digraph. */
  readonly text: string;
  /** Every migration in canonical order (never collapsed). */
  readonly nodes: GraphNode[];
  /** Every edge (an order edge is left out where a declared one joins the same two migrations). */
  readonly edges: GraphEdge[];
}

const FORMATS: readonly GraphFormat[] = ['mermaid', 'dot'];

export async function graph(ctx: OperationContext, options: GraphOptions = {}): Promise<GraphResult> {
  const format = options.format ?? 'mermaid';
  if (!FORMATS.includes(format)) throw new ConfigError('usage', `unknown graph format "${String(format)}"`, { hint: 'use --format mermaid or --format dot' });
  const catalog = await readCatalog(ctx);
  const nodes = catalog.map(nodeOf);
  const edges = edgesOf(catalog);
  return { format, text: graphText(format, nodes, edges, { expand: options.expand ?? false }), nodes, edges };
}

function nodeOf(entry: CatalogEntry): GraphNode {
  return { version: entry.version, name: entry.name, id: entry.id, state: entry.state, reversible: entry.reversible };
}

/** Declared dependencies, then the canonical order where no declared edge already joins the two. */
export function edgesOf(catalog: readonly CatalogEntry[]): GraphEdge[] {
  const edges: GraphEdge[] = [];
  for (const entry of catalog) for (const dependency of entry.depends) edges.push({ from: dependency, to: entry.version, kind: 'depends' });
  const declared = new Set(edges.map((e) => `${e.from}\u0000${e.to}`));
  for (let i = 1; i < catalog.length; i++) {
    const from = catalog[i - 1]!.version;
    const to = catalog[i]!.version;
    if (!declared.has(`${from}\u0000${to}`)) edges.push({ from, to, kind: 'order' });
  }
  return edges;
}
