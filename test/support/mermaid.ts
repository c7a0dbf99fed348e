/**
 * A validator of the part of Mermaid's flowchart syntax that `strata graph` writes, written
 * from Mermaid's flowchart documentation (the Mermaid CLI cannot be installed here): a header,
 * `%%` comments, nodes `id["label"]`, edges `a --> b` / `a -.-> b`, `subgraph id["title"]` …
 * `end` with an optional `direction`, `classDef name prop:value,…` and `class a,b name`.
 * Stricter than Mermaid where that catches strata's mistakes: every edge and class names
 * nodes defined before, every class was defined, labels hold no raw quote, `<` or `>` (other
 * than `<br/>`) and every `#` starts an entity code.
 */

export interface ParsedFlowchart {
  readonly direction: string;
  /** id → label, unescaped entities left as written. */
  readonly nodes: Map<string, string>;
  readonly edges: { from: string; to: string; arrow: string }[];
  readonly classDefs: Map<string, string>;
  readonly classesOf: Map<string, Set<string>>;
  readonly subgraphs: string[];
}

const ID = '[A-Za-z_][A-Za-z0-9_]*';
const RESERVED = new Set(['end', 'subgraph', 'graph', 'flowchart', 'classDef', 'class', 'style', 'click', 'direction', 'linkStyle']);
const DIRECTIONS = /^(TB|TD|BT|LR|RL)$/;

export function parseMermaidFlowchart(text: string): ParsedFlowchart {
  const lines = text.split('\n');
  const header = /^(?:flowchart|graph) (\S+)$/.exec(lines[0] ?? '');
  if (!header || !DIRECTIONS.test(header[1]!)) throw new Error(`line 1: expected "flowchart <direction>", got ${JSON.stringify(lines[0])}`);
  const parsed: ParsedFlowchart = { direction: header[1]!, nodes: new Map(), edges: [], classDefs: new Map(), classesOf: new Map(), subgraphs: [] };
  const open: string[] = [];
  const pendingClasses: [line: number, ids: string[], cls: string][] = [];
  const fail = (n: number, why: string): never => {
    throw new Error(`line ${n + 1}: ${why}: ${JSON.stringify(lines[n])}`);
  };
  const checkId = (n: number, id: string) => {
    if (RESERVED.has(id)) fail(n, `"${id}" is a reserved word and cannot be a node id`);
  };
  const checkLabel = (n: number, label: string) => {
    if (label.includes('"')) fail(n, 'a raw quote inside a quoted label');
    if (/[<>]/.test(label.replace(/<br\/>/g, ''))) fail(n, 'a raw < or > inside a label (only <br/> is allowed)');
    if (/#(?![A-Za-z]+;|\d+;)/.test(label)) fail(n, 'a # that does not start an entity code (#quot; #35;)');
  };
  const define = (n: number, id: string) => {
    checkId(n, id);
    if (parsed.nodes.has(id) || parsed.subgraphs.includes(id)) fail(n, `id ${id} defined twice`);
  };

  for (let n = 1; n < lines.length; n++) {
    const line = lines[n]!.trim();
    if (line === '' || line.startsWith('%%')) continue;
    let m: RegExpExecArray | null;
    if ((m = new RegExp(`^(${ID})\\["([^"]*)"\\]$`).exec(line))) {
      define(n, m[1]!);
      checkLabel(n, m[2]!);
      parsed.nodes.set(m[1]!, m[2]!);
    } else if ((m = new RegExp(`^(${ID}) (-->|-\\.->|==>|---) (${ID})$`).exec(line))) {
      for (const id of [m[1]!, m[3]!]) if (!parsed.nodes.has(id)) fail(n, `edge names ${id}, which is not a node defined before`);
      parsed.edges.push({ from: m[1]!, to: m[3]!, arrow: m[2]! });
    } else if ((m = new RegExp(`^subgraph (${ID})(?:\\["([^"]*)"\\])?$`).exec(line))) {
      define(n, m[1]!);
      if (m[2] !== undefined) checkLabel(n, m[2]);
      parsed.subgraphs.push(m[1]!);
      open.push(m[1]!);
    } else if (line === 'end') {
      if (!open.pop()) fail(n, '"end" without a subgraph');
    } else if ((m = /^direction (\S+)$/.exec(line))) {
      if (open.length === 0) fail(n, 'direction outside a subgraph');
      if (!DIRECTIONS.test(m[1]!)) fail(n, 'unknown direction');
    } else if ((m = new RegExp(`^classDef (${ID}) (.+)$`).exec(line))) {
      for (const style of m[2]!.split(',')) if (!/^[a-z-]+:[^:,;]+$/.test(style)) fail(n, `style "${style}" is not property:value`);
      parsed.classDefs.set(m[1]!, m[2]!);
    } else if ((m = new RegExp(`^class (${ID}(?:,${ID})*) (${ID})$`).exec(line))) {
      pendingClasses.push([n, m[1]!.split(','), m[2]!]);
    } else {
      fail(n, 'not a flowchart statement strata writes');
    }
  }
  if (open.length > 0) throw new Error(`subgraph ${open.at(-1)} is never closed with "end"`);
  for (const [n, ids, cls] of pendingClasses) {
    if (!parsed.classDefs.has(cls)) fail(n, `class ${cls} has no classDef`);
    for (const id of ids) {
      if (!parsed.nodes.has(id)) fail(n, `class names ${id}, which is not a node`);
      (parsed.classesOf.get(id) ?? parsed.classesOf.set(id, new Set()).get(id)!).add(cls);
    }
  }
  return parsed;
}
