// strata's performance contract (shared/SPEC.md §9), checked against this
// run's figures. Each check: { check, dialect, verdict: pass|fail|n/a, detail }.
const NODE_PEERS = ['knex', 'kysely', 'umzug', 'node-pg-migrate'];
// §9 names dbmate a peer, only not a *Node* peer for the whole-process targets: apply is
// judged against it too.
const ALL_PEERS = [...NODE_PEERS, 'dbmate'];
const MiB = 1024;

export function checkContract(results, dialects) {
  const get = (tool, dialect, workload, n) =>
    results.find((r) => r.tool === tool && r.dialect === dialect && r.workload === workload && r.n === n);
  const ok = (r) => r && r.status === 'ok' && r.median != null;
  const out = [];
  const add = (check, dialect, verdict, detail) => out.push({ check, dialect, verdict, detail });
  const ms = (v) => `${Math.round(v)} ms`;

  /** strata faster than every peer of `peers` that ran (a peer that failed counts as beaten). */
  const beatsPeers = (check, workload, n, peerNames = NODE_PEERS) => {
    const label = peerNames === NODE_PEERS ? 'Node peer' : 'peer';
    for (const d of dialects) {
      const s = get('strata', d, workload, n);
      if (!ok(s)) { add(check, d, 'n/a', s ? `strata ${s.status}` : 'strata not measured'); continue; }
      const peers = peerNames.map((p) => get(p, d, workload, n)).filter(Boolean);
      const measured = peers.filter(ok);
      if (!peers.length) { add(check, d, 'n/a', 'no peer measured'); continue; }
      const best = measured.sort((a, b) => a.median - b.median)[0];
      const failed = peers.filter((p) => !ok(p)).map((p) => `${p.tool} ${p.status}`);
      const pass = !best || s.median < best.median;
      add(check, d, pass ? 'pass' : 'fail',
        `strata ${ms(s.median)} vs fastest ${label} ${best ? `${best.tool} ${ms(best.median)}` : '(none succeeded)'}${failed.length ? `; ${failed.join(', ')}` : ''}`);
    }
  };

  beatsPeers('apply 1,000 faster than every peer (dbmate included)', 'apply', 1000, ALL_PEERS);

  for (const d of dialects) {
    const s1 = get('strata', d, 'apply', 1000), s10 = get('strata', d, 'apply', 10000);
    const f1 = get('floor', d, 'apply', 1000), f10 = get('floor', d, 'apply', 10000);
    if (![s1, s10, f1, f10].every(ok)) { add('growth 1,000 → 10,000 within 1.1× the floor\'s', d, 'n/a', 'needs strata and floor at both N'); continue; }
    const sg = s10.median / s1.median, fg = f10.median / f1.median;
    add('growth 1,000 → 10,000 within 1.1× the floor\'s', d, sg <= 1.1 * fg ? 'pass' : 'fail', `strata ×${sg.toFixed(2)}, floor ×${fg.toFixed(2)} (limit ×${(1.1 * fg).toFixed(2)})`);
  }
  {
    const s = get('strata', 'postgres', 'apply', 10000);
    if (dialects.includes('postgres')) add('10,000 on PostgreSQL succeeds', 'postgres', !s ? 'n/a' : ok(s) ? 'pass' : 'fail', !s ? 'not measured' : ok(s) ? ms(s.median) : s.error);
  }
  {
    const first = get('strata', 'sqlite', 'noop-lib first', 1000), later = get('strata', 'sqlite', 'noop-lib later', 1000);
    if (dialects.includes('sqlite')) {
      add('no-op migrate() first call ≤ 8 ms (SQLite)', 'sqlite', !ok(first) ? 'n/a' : first.median <= 8 ? 'pass' : 'fail', ok(first) ? `${first.median.toFixed(2)} ms` : 'not measured');
      add('no-op migrate() later calls ≤ 2 ms (SQLite)', 'sqlite', !ok(later) ? 'n/a' : later.median <= 2 ? 'pass' : 'fail', ok(later) ? `${later.median.toFixed(2)} ms` : 'not measured');
    }
    for (const d of dialects.filter((x) => x !== 'sqlite')) {
      const f = get('strata', d, 'noop-lib first', 1000), l = get('strata', d, 'noop-lib later', 1000);
      const q = (r) => r?.extra?.queries;
      if (!ok(f) || !ok(l) || q(f) == null) { add('no-op round trips (constant)', d, 'n/a', 'not measured'); continue; }
      add('no-op round trips (constant)', d, 'n/a', `${q(f)} queries on the first call, ${q(l)} on later ones (constancy in N is not measured: one N)`);
    }
  }
  beatsPeers('no-op `strata up` process faster than every Node peer', 'noop-process', 1000);
  beatsPeers('`strata status` process faster than every Node peer', 'status', 1000);

  for (const d of dialects) {
    const race = get('strata', d, 'race20', 1000);
    const noop = get('strata', d, 'race20-noop', 1000);
    const check = d === 'sqlite' ? '20 racing: within one run + 20 no-ops' : '20 racing: within 2× one run';
    if (!ok(race)) { add(check, d, race ? 'fail' : 'n/a', race ? race.error : 'not measured'); continue; }
    const one = race.extra.oneRunMs;
    const limit = d === 'sqlite' ? one + (noop?.median ?? 0) : 2 * one;
    add(check, d, race.median <= limit ? 'pass' : 'fail', `${ms(race.median)} vs limit ${ms(limit)}`);
  }
  for (const d of dialects) {
    const r = results.find((x) => x.tool === 'strata' && x.dialect === d && x.workload === 'peak RSS');
    const check = `peak RSS applying ${r?.n?.toLocaleString('en-US') ?? '10,000'} under 150 MiB`;
    if (!ok(r)) { add(check, d, r ? 'fail' : 'n/a', r ? r.error : 'not measured'); continue; }
    add(check, d, r.max < 150 * MiB ? 'pass' : 'fail', `max ${(r.max / MiB).toFixed(1)} MiB${r.n !== 10000 ? ' (N is not 10,000: indicative only)' : ''}`);
  }
  return out;
}

export function renderContract(checks, dialectLabel) {
  if (!checks.length) return '';
  const lines = checks.map((c) => `  ${c.verdict.toUpperCase().padEnd(4)}  ${(dialectLabel[c.dialect] ?? c.dialect).padEnd(8)}  ${c.check}: ${c.detail}`);
  return `strata against its performance contract (SPEC §9):\n${lines.join('\n')}`;
}
