/**
 * `strata graph` output parsed by Mermaid itself (the `mermaid` package, in a jsdom window):
 * what renders on GitHub and in the Mermaid CLI is what this parser accepts. The hand-written
 * checks of test/support/mermaid.ts say what the graph holds; this one says Mermaid reads it.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { GraphEdge, GraphNode } from '../../src/operations/graph.js';
import { graphText } from '../../src/operations/graph-text.js';

type Parse = (text: string) => Promise<unknown>;
let parse: Parse;

before(async () => {
  // jsdom ships no types of its own; only its constructor and window are used here.
  const jsdom = 'jsdom';
  const { JSDOM } = (await import(jsdom)) as { JSDOM: new (html: string) => { window: Window & typeof globalThis } };
  const dom = new JSDOM('<!doctype html><html><body></body></html>');
  Object.assign(globalThis, { window: dom.window, document: dom.window.document });
  const mermaid = (await import('mermaid')).default;
  mermaid.initialize({ startOnLoad: false });
  parse = (text) => mermaid.parse(text);
});

const node = (version: string, state: GraphNode['state'], reversible: boolean | null, name = `m${version}`): GraphNode => ({ version, name, id: `${version}_${name}`, state, reversible });
const order = (nodes: readonly GraphNode[]): GraphEdge[] => nodes.slice(1).map((n, i) => ({ from: nodes[i]!.version, to: n.version, kind: 'order' }));

describe('graph output parsed by Mermaid', () => {
  test('every state, an irreversible migration, a declared dependency and awkward names', async () => {
    const nodes = [
      node('001', 'applied', true), node('002', 'applied', false, 'Add_"quoted"_name'), node('2024_01_02', 'changed', true),
      node('004', 'failed', true), node('005', 'pending', true, 'a-b'), node('006', 'dirty', null), node('007', 'missing', null),
    ];
    const text = graphText('mermaid', nodes, [{ from: '001', to: '004', kind: 'depends' }, ...order(nodes)], { expand: false });
    const result = await parse(text);
    assert.match(JSON.stringify(result), /flowchart/);
  });

  test('1,000 migrations, collapsed into runs', async () => {
    const nodes = Array.from({ length: 1000 }, (_, i) => node(String(i + 1).padStart(4, '0'), i < 700 ? 'applied' : i === 700 ? 'failed' : 'pending', i % 97 !== 0));
    await parse(graphText('mermaid', nodes, [{ from: '0001', to: '0900', kind: 'depends' }, ...order(nodes)], { expand: false }));
  });

  test('a text Mermaid refuses is refused here (the check can fail)', async () => {
    await assert.rejects(parse('flowchart TD\n  a[[[ -->\n'));
  });
});
