import { project } from '/work/wt/suite-crash/test/support/project.js';
import { runStrata } from '/work/wt/suite-crash/reliability/support/runner.js';
import { workload } from '/work/wt/suite-crash/reliability/support/workload.js';
const flavor = (process.argv[2] ?? 'sqlite') as any;
const url = process.argv[3];
const { files } = workload(flavor);
const p = project(files);
const db = url ?? `sqlite:${p.dir}/app.db`;
for (const args of [['up'], ['down', '--steps', '5'], ['redo'], ['repair', '--yes'], ['status'], ['down','--all'], ['up']]) {
  const r = await runStrata([...args, '--db', db], p.dir);
  console.log(args.join(' '), r.code, r.elapsedMs, r.stdout.split('\n').slice(0, 3).join(' | '), r.stderr.slice(0, 300));
}
p.cleanup();
