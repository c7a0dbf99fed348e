/**
 * The graph and docs writers, pure: Mermaid text checked by a parser of Mermaid's flowchart
 * syntax (test/support/mermaid.ts), dot text by Graphviz where it is installed, labels and
 * table cells escaped, and 1,000 migrations drawn as a readable graph.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { docsMarkdown, markdownCell, type DocsMigration } from '../../src/operations/docs.js';
import type { GraphEdge, GraphNode } from '../../src/operations/graph.js';
import { EXPANDED_MAX, dotText, graphText, mermaidText } from '../../src/operations/graph-text.js';
import { parseMermaidFlowchart } from '../support/mermaid.js';

const node = (version: string, state: GraphNode['state'] = 'applied', reversible: boolean | null = true): GraphNode => ({ version, name: `m${version}`, id: `${version}_m${version}`, state, reversible });
const order = (nodes: readonly GraphNode[]): GraphEdge[] => nodes.slice(1).map((n, i) => ({ from: nodes[i]!.version, to: n.version, kind: 'order' }));

/** Every state, an irreversible one, a declared dependency. */
const SMALL: GraphNode[] = [node('001'), node('002', 'applied', false), node('003', 'changed'), node('004', 'failed'), node('005', 'pending'), node('006', 'dirty', null), node('007', 'missing', null)];
const SMALL_EDGES: GraphEdge[] = [{ from: '001', to: '003', kind: 'depends' }, ...order(SMALL)];

const hasDot = spawnSync('sh', ['-c', 'command -v dot'], { encoding: 'utf8' }).status === 0;

describe('mermaid', () => {
  test('a small project: one node per migration, styled by state, declared and order edges', () => {
    const parsed = parseMermaidFlowchart(graphText('mermaid', SMALL, SMALL_EDGES, { expand: false }));
    const ids = [...parsed.nodes.keys()].filter((id) => !id.startsWith('legend_'));
    assert.deepEqual(ids, ['v1', 'v2', 'v3', 'v4', 'v5', 'v6', 'v7']);
    const classes = (id: string) => [...(parsed.classesOf.get(id) ?? [])].sort();
    assert.deepEqual(classes('v1'), ['applied']);
    assert.deepEqual(classes('v2'), ['applied', 'irreversible']);
    assert.deepEqual(classes('v3'), ['problem']);
    assert.deepEqual(classes('v4'), ['failed']);
    assert.deepEqual(classes('v5'), ['pending']);
    assert.match(parsed.nodes.get('v2')!, /^002_m002<br\/>applied · irreversible$/);
    assert.deepEqual(parsed.edges.filter((e) => e.arrow === '-->').map((e) => `${e.from}>${e.to}`), ['v1>v3']);
    assert.equal(parsed.edges.filter((e) => e.arrow === '-.->').length, 6);
    for (const cls of ['applied', 'pending', 'failed', 'problem', 'irreversible']) assert.ok(parsed.classDefs.has(cls), cls);
    assert.ok(parsed.subgraphs.includes('legend'), 'a legend');
  });

  test('labels are escaped: quotes, angle brackets, ampersands and # cannot end or change a label', () => {
    assert.equal(mermaidText('a "b" <c> & #d\ne'), 'a #quot;b#quot; #lt;c#gt; #amp; #35;d e');
    const odd = { ...node('010'), id: '010_x"]; click v1 call evil() %%', name: 'x' };
    const parsed = parseMermaidFlowchart(graphText('mermaid', [odd], [], { expand: false }));
    assert.equal(parsed.nodes.get('v10'), '010_x#quot;]; click v1 call evil() %%<br/>applied');
  });

  test('node ids come from the version key: dotted and dashed versions, no reserved word', () => {
    const nodes = [node('1.1'), node('2018-04-27-155151'), node('0003')];
    const parsed = parseMermaidFlowchart(graphText('mermaid', nodes, order(nodes), { expand: false }));
    assert.deepEqual([...parsed.nodes.keys()].filter((id) => !id.startsWith('legend_')), ['v1_1', 'v2018_4_27_155151', 'v3']);
  });

  test('1,000 migrations: runs of alike ones are one node, declared dependencies stay visible', () => {
    const nodes = Array.from({ length: 1000 }, (_, i) => node(String(i + 1).padStart(4, '0'), i < 900 ? 'applied' : 'pending'));
    const edges = [{ from: '0100', to: '0500', kind: 'depends' as const }, ...order(nodes)];
    const text = graphText('mermaid', nodes, edges, { expand: false });
    const parsed = parseMermaidFlowchart(text);
    const drawn = [...parsed.nodes.keys()].filter((id) => !id.startsWith('legend_'));
    assert.deepEqual(drawn, ['v1_to_99', 'v100', 'v101_to_499', 'v500', 'v501_to_900', 'v901_to_1000']);
    assert.match(parsed.nodes.get('v501_to_900')!, /^0501_m0501 … 0900_m0900<br\/>400 migrations · applied$/);
    assert.ok(parsed.edges.some((e) => e.from === 'v100' && e.to === 'v500' && e.arrow === '-->'));
    assert.ok(parsed.edges.length < 500, "within Mermaid's default edge limit");
    assert.match(text, /--expand draws each/);
    const expanded = parseMermaidFlowchart(graphText('mermaid', nodes, edges, { expand: true }));
    assert.equal([...expanded.nodes.keys()].filter((id) => !id.startsWith('legend_')).length, 1000);
  });

  test(`up to ${EXPANDED_MAX} migrations are always drawn one by one`, () => {
    const nodes = Array.from({ length: EXPANDED_MAX }, (_, i) => node(String(i + 1)));
    const parsed = parseMermaidFlowchart(graphText('mermaid', nodes, order(nodes), { expand: false }));
    assert.equal([...parsed.nodes.keys()].filter((id) => !id.startsWith('legend_')).length, EXPANDED_MAX);
  });

  test('the validator rejects what Mermaid would not draw as meant', () => {
    const bad = [
      'flowchart TD\n  a["x"]\n  a --> b\n',
      'flowchart TD\n  end["x"]\n',
      'flowchart TD\n  a["say "hi""]\n',
      'flowchart TD\n  a["x"]\n  class a nope\n',
      'flowchart TD\n  subgraph s["t"]\n  a["x"]\n',
      'flowchart TD\n  a["x # y"]\n',
      'graph XY\n',
    ];
    for (const text of bad) assert.throws(() => parseMermaidFlowchart(text), Error, text);
  });
});

describe('dot', () => {
  test('a small project as a Graphviz digraph with escaped labels and styles per state', () => {
    const text = graphText('dot', SMALL, SMALL_EDGES, { expand: false });
    assert.match(text, /^digraph migrations \{\n/);
    assert.match(text, /"v2" \[label="002_m002\\napplied · irreversible", [^\n]*style="rounded,filled,dashed"/);
    assert.match(text, /"v1" -> "v3";/);
    assert.match(text, /"v1" -> "v2" \[style=dotted\];/);
    assert.match(text, /subgraph cluster_legend/);
    assert.equal(dotText('a "q" \\ b\nc'), 'a \\"q\\" \\\\ b\\nc');
  });

  test('Graphviz renders it', { skip: hasDot ? false : 'Graphviz `dot` is not installed here (command -v dot): the syntax is not checked by Graphviz' }, () => {
    const odd = [...SMALL, { ...node('008'), id: '008_"quoted" \\ back' }];
    const result = spawnSync('dot', ['-Tsvg'], { input: graphText('dot', odd, order(odd), { expand: false }), encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /<svg/);
  });
});

describe('docs page', () => {
  test('table cells escape pipes, backslashes, HTML and line breaks', () => {
    assert.equal(markdownCell('a | b'), 'a \\| b');
    assert.equal(markdownCell('C:\\dir\\|x'), 'C:\\\\dir\\\\\\|x');
    assert.equal(markdownCell('<script> & co'), '&lt;script> &amp; co');
    assert.equal(markdownCell('first\r\nsecond\nthird  '), 'first<br>second<br>third');
  });

  test('one row per migration, every row with the header\'s six cells', () => {
    const migrations: DocsMigration[] = [
      { version: '001', name: 'init', description: 'Create | users\nand more', depends: [], reversible: true, appliedAt: '2026-01-28T09:30:00.000Z', state: 'applied' },
      { version: '002', name: 'next', description: null, depends: ['001'], reversible: false, appliedAt: null, state: 'failed' },
      { version: '003', name: 'gone', description: null, depends: ['001', '002'], reversible: null, appliedAt: null, state: 'pending' },
    ];
    const lines = docsMarkdown(migrations).trimEnd().split('\n');
    const rows = lines.filter((l) => l.startsWith('|'));
    assert.equal(rows.length, 2 + migrations.length);
    // Unescaped pipes separate the cells: 7 of them in every row.
    for (const row of rows) assert.equal(row.replace(/\\\\/g, '').replace(/\\\|/g, '').split('|').length - 1, 7, row);
    assert.equal(rows[2], '| 001 | init | Create \\| users<br>and more |  | yes | 2026-01-28T09:30:00.000Z |');
    assert.equal(rows[3], '| 002 | next |  | 001 | no | _failed_ |');
    assert.equal(rows[4], '| 003 | gone |  | 001, 002 | unknown | _pending_ |');
  });
});
