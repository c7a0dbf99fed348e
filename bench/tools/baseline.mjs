// `node -e 0`: the cost of starting and stopping Node at all, the bound no
// Node tool's whole-process figures can go under.
export const adapters = [{
  name: 'node -e 0',
  kind: 'baseline',
  dialects: ['sqlite', 'postgres', 'mysql'],
  needsDatabase: false,
  workloads: ['noop-process', 'status'],
  note: 'Node start-up alone',
  available: () => null,
  version: () => `node ${process.version}`,
  apply: (ctx) => ({ cmd: ctx.node, args: ['-e', '0'], cwd: ctx.bench }),
  status: (ctx) => ({ cmd: ctx.node, args: ['-e', '0'], cwd: ctx.bench }),
}];
