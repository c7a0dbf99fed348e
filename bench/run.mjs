#!/usr/bin/env node
// strata's benchmark suite: `npm run bench` at the repository root, or
// `node bench/run.mjs [--quick] [--only <regex>] [--dialect sqlite|postgres|mysql]`.
// See bench/README.md.
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import os from 'node:os';

const BENCH = dirname(fileURLToPath(import.meta.url));
const REPO = dirname(BENCH);

const HELP = `usage: node bench/run.mjs [options]

  --quick              smoke test: 3 runs, N up to 1,000
  --only <regex>       run what matches "<tool> <dialect> <workload>", case-insensitive
                       (tools: floor, floor-1tx, strata, knex, kysely, umzug,
                       node-pg-migrate, dbmate, "node -e 0"; workloads: apply,
                       noop-lib, noop-process, status, race, rss).
                       Ratios need the floor: e.g. --only 'strata|floor'
  --dialect <list>     sqlite, postgres, mysql (or mariadb); comma-separated
  --runs <n>           timed runs per figure (default 5; 3 with --quick)
  --runs-10k <n>       runs of floor and strata at N = 10,000 (default: --runs);
                       each costs ~2 min here (3 dialects, one tool)
  --timeout <s>        cap on any single run (default 300)
  --peers-10k <list>   dialects where peers also apply N = 10,000 (one run each):
                       a list, all or none (default postgres; floor and strata: always)
  --budget-10k <s>     ... and only when estimated under this (default 180)
  --race-peers         peers race too, once each (default in a full run)
  --no-race-peers      race only strata (default with --quick)
  --build              rebuild strata (npm run build) even when dist/ exists
  --no-build           never build strata (missing dist/ = strata unavailable)
  --keep               keep bench/.tmp/run-<pid> (generated migrations) afterwards
  -h, --help`;

function parseArgs(argv) {
  const o = { quick: false, only: null, dialects: ['sqlite', 'postgres', 'mysql'], runs: null, timeoutS: 300, budget10kS: 180, racePeers: null, peers10k: ['postgres'], build: false, noBuild: false, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (v == null) throw new Error(`${a} needs a value`);
      return v;
    };
    const flag = a.split('=')[0];
    switch (flag) {
      case '--quick': o.quick = true; break;
      case '--only': o.only = val(); break;
      case '--dialect': case '--dialects':
        o.dialects = val().split(',').map((d) => d.trim().toLowerCase()).map((d) => (d === 'mariadb' ? 'mysql' : d === 'postgresql' || d === 'pg' ? 'postgres' : d));
        for (const d of o.dialects) if (!['sqlite', 'postgres', 'mysql'].includes(d)) throw new Error(`unknown dialect ${d}`);
        break;
      case '--runs': o.runs = Number(val()); break;
      case '--runs-10k': o.runs10k = Number(val()); break;
      case '--timeout': o.timeoutS = Number(val()); break;
      case '--budget-10k': o.budget10kS = Number(val()); break;
      case '--peers-10k': {
        const v = val().toLowerCase();
        o.peers10k = v === 'all' ? ['sqlite', 'postgres', 'mysql'] : v === 'none' ? [] : v.split(',').map((d) => (d === 'mariadb' ? 'mysql' : d));
        break;
      }
      case '--race-peers': o.racePeers = true; break;
      case '--no-race-peers': o.racePeers = false; break;
      case '--build': o.build = true; break;
      case '--no-build': o.noBuild = true; break;
      case '--keep': o.keep = true; break;
      case '-h': case '--help': console.log(HELP); process.exit(0); break;
      default: throw new Error(`unknown option ${a}\n\n${HELP}`);
    }
  }
  o.runs ??= o.quick ? 3 : 5;
  o.racePeers ??= !o.quick;
  o.runs10k ??= o.runs;
  if (!(o.runs10k >= 1)) throw new Error('--runs-10k must be at least 1');
  if (!(o.runs >= 1)) throw new Error('--runs must be at least 1');
  return o;
}

function sh(cmd, args, cwd) {
  process.stderr.write(`$ (cd ${cwd} && ${cmd} ${args.join(' ')})\n`);
  return spawnSync(cmd, args, { cwd, stdio: ['ignore', 'inherit', 'inherit'] }).status === 0;
}

/** bench/node_modules complete, with better-sqlite3's native module loading. */
function benchDepsOk() {
  const pkg = JSON.parse(readFileSync(join(BENCH, 'package.json'), 'utf8'));
  const missing = Object.keys(pkg.dependencies).filter((d) => !existsSync(join(BENCH, 'node_modules', d, 'package.json')));
  if (missing.length) return false;
  const r = spawnSync(process.execPath, ['-e', "new (require('better-sqlite3'))(':memory:').close()"], { cwd: BENCH });
  return r.status === 0;
}

function ensureBenchDeps() {
  if (benchDepsOk()) return;
  const hasLock = existsSync(join(BENCH, 'package-lock.json'));
  process.stderr.write('bench: installing bench dependencies (better-sqlite3 may compile from source: a minute or two)\n');
  let ok = sh('npm', [hasLock ? 'ci' : 'install', '--no-audit', '--no-fund'], BENCH);
  if (!ok && hasLock) {
    process.stderr.write('bench: `npm ci` failed; trying `npm install`\n');
    ok = sh('npm', ['install', '--no-audit', '--no-fund'], BENCH);
  }
  if (!ok || !benchDepsOk()) throw new Error('bench dependencies could not be installed (see npm output above)');
}

/** Build strata when dist/ is missing (or --build). Returns an error text or null. */
function ensureStrataBuilt(force) {
  if (!force && existsSync(join(REPO, 'dist'))) return null;
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
  if (!pkg.scripts?.build) return 'no build script in package.json';
  if (!existsSync(join(REPO, 'src'))) return 'no src/ to build';
  if (!existsSync(join(REPO, 'node_modules'))) {
    const hasLock = existsSync(join(REPO, 'package-lock.json'));
    if (!sh('npm', [hasLock ? 'ci' : 'install', '--no-audit', '--no-fund'], REPO)) return 'npm install at the repository root failed';
  }
  process.stderr.write('bench: building strata\n');
  const hadDist = existsSync(join(REPO, 'dist'));
  if (sh('npm', ['run', 'build'], REPO)) return null;
  // tsc writes output even when it reports errors: leave no half-built dist/
  // behind (it would pass for a build on the next run).
  if (!hadDist) rmSync(join(REPO, 'dist'), { recursive: true, force: true });
  return '`npm run build` failed';
}

async function loadAdapters() {
  const order = ['floor', 'strata', 'knex', 'kysely', 'umzug', 'node-pg-migrate', 'dbmate', 'baseline'];
  const files = readdirSync(join(BENCH, 'tools')).filter((f) => f.endsWith('.mjs'))
    .sort((a, b) => order.indexOf(a.slice(0, -4)) - order.indexOf(b.slice(0, -4)));
  const adapters = [];
  for (const f of files) adapters.push(...(await import(pathToFileURL(join(BENCH, 'tools', f)).href)).adapters);
  return adapters;
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const loadAtStart = os.loadavg().map((x) => +x.toFixed(2));
  ensureBenchDeps();
  const buildError = options.noBuild ? (existsSync(join(REPO, 'dist')) ? null : 'not built (--no-build)') : ensureStrataBuilt(options.build);

  const { createContext } = await import('./lib/context.mjs');
  const db = await import('./lib/db.mjs');
  const { killAll, hasGnuTime } = await import('./lib/proc.mjs');
  const { computeRatios, renderTable } = await import('./lib/report.mjs');
  const { checkContract, renderContract } = await import('./lib/contract.mjs');

  const ctx = createContext({ bench: BENCH, repo: REPO, options });
  ctx.buildError = buildError;
  const stop = async (signal) => {
    process.stderr.write(`\nbench: ${signal}, stopping children and dropping databases\n`);
    killAll();
    await db.closeAdmin().catch(() => {});
    if (!options.keep) ctx.cleanup();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));

  // Servers and tools.
  const servers = {};
  for (const d of options.dialects) {
    try {
      servers[d] = await db.serverVersion(d);
      if (d === 'mysql' && /mariadb/i.test(servers[d])) ctx.dialectLabel.mysql = 'mariadb';
    } catch (e) {
      ctx.unavailableDialects[d] = `${d} server unreachable: ${e.message}`;
      servers[d] = `unavailable (${e.message})`;
    }
  }
  const adapters = await loadAdapters();
  const tools = {};
  for (const a of adapters) {
    a.unavailableReason = a.available(ctx);
    tools[a.name] = a.unavailableReason ? `unavailable: ${a.unavailableReason}` : a.version(ctx);
    a.prepare?.(ctx);
  }
  process.stderr.write(`bench: ${options.quick ? 'quick' : 'full'} run, ${options.runs} runs, dialects ${options.dialects.join(', ')}${options.only ? `, only /${options.only}/i` : ''}\n`);
  for (const [t, v] of Object.entries(tools)) process.stderr.write(`  ${t.padEnd(16)} ${v}\n`);

  // N = 10,000 comes last: the up-to-date workload reuses the N = 1,000
  // databases the apply workload leaves, and the race reuses its medians.
  const steps = [
    ['apply', { sizes: [100, 1000] }],
    ['up-to-date'],
    ['race'],
    ...(options.quick ? [] : [['apply', { sizes: [10000] }]]),
    ['rss'],
  ];
  try {
    for (const [w, args] of steps) {
      const mod = await import(pathToFileURL(join(BENCH, 'workloads', `${w}.mjs`)).href);
      process.stderr.write(`bench: workload ${w}${args?.sizes ? ` N = ${args.sizes.join(', ')}` : ''}\n`);
      await mod.measure(ctx, adapters, args ?? {});
    }
  } finally {
    await db.closeAdmin();
    if (!options.keep) ctx.cleanup();
  }

  computeRatios(ctx.results);
  const toolOrder = adapters.map((a) => a.name);
  const durationS = Math.round((Date.now() - started) / 1000);
  const machine = {
    cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`, node: process.version, peakRss: hasGnuTime ? '/usr/bin/time %M' : '/proc VmHWM polling',
    loadAvgAtStart: loadAtStart, loadAvgAtEnd: os.loadavg().map((x) => +x.toFixed(2)),
  };
  const args = process.argv.slice(2).join(' ');
  const out = [
    `strata bench — ${new Date().toISOString()} — ${options.quick ? 'quick' : 'full'}, ${options.runs} runs, ${durationS} s${args ? ` — node bench/run.mjs ${args}` : ''}`,
    `machine: ${machine.cpus} cores (${machine.cpuModel}), ${machine.memGiB} GiB, Node ${machine.node}; load average ${machine.loadAvgAtStart[0]} at start, ${machine.loadAvgAtEnd[0]} at end`,
    `servers: ${Object.entries(servers).map(([d, v]) => `${d}: ${v}`).join('; ')}`,
    `times: whole child process wall time, ms (noop-lib: the call alone); ratio: median / floor's median (race: / one run)`,
    '',
    renderTable(ctx.results, { toolOrder, dialectLabel: ctx.dialectLabel }),
  ];
  const strataRan = ctx.results.some((r) => r.tool === 'strata' && r.status !== 'unavailable');
  const contract = strataRan ? checkContract(ctx.results, options.dialects) : [];
  if (contract.length) out.push('', renderContract(contract, ctx.dialectLabel));
  const text = out.join('\n') + '\n';
  console.log(`\n${text}`);
  ctx.saveFinal({
    startedAt: new Date(started).toISOString(), durationS, args, options, machine, servers, tools,
    results: ctx.results, contract,
  }, text);
  console.log(`wrote bench/results/latest.json (${ctx.results.length} results) and latest.txt (this table)`);
}

main().catch((e) => {
  console.error(`error: ${e?.stack ?? e}`);
  process.exit(1);
});
