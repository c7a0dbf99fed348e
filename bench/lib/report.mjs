// The one table printed at the end, and the ratios it shows.
import { fmtMs, fmtMiB, fmtRatio } from './stats.mjs';

const WORKLOAD_ORDER = ['apply', 'noop-lib first', 'noop-lib later', 'noop-process', 'status', 'race20', 'race20-noop', 'peak RSS'];
const DIALECT_ORDER = ['sqlite', 'postgres', 'mysql'];

/** Ratio of each row's median to the floor's (same dialect, workload, N). */
export function computeRatios(results) {
  for (const r of results) {
    if (r.ratioTo !== 'floor' || r.median == null) continue;
    const floor = results.find((f) => f.tool === 'floor' && f.dialect === r.dialect && f.workload === r.workload && f.n === r.n && f.median != null);
    r.ratio = floor ? r.median / floor.median : null;
  }
}

export function sortResults(results, toolOrder) {
  const idx = (list, v) => { const i = list.indexOf(v); return i < 0 ? list.length : i; };
  return [...results].sort((a, b) =>
    idx(WORKLOAD_ORDER, a.workload) - idx(WORKLOAD_ORDER, b.workload) ||
    idx(DIALECT_ORDER, a.dialect) - idx(DIALECT_ORDER, b.dialect) ||
    (a.n ?? 0) - (b.n ?? 0) ||
    idx(toolOrder, a.tool) - idx(toolOrder, b.tool));
}

export function renderTable(results, { toolOrder, dialectLabel }) {
  const rows = sortResults(results, toolOrder);
  const head = ['tool', 'dialect', 'workload', 'N', 'median', 'min–max', 'ratio', 'notes'];
  const body = [];
  let group = null;
  for (const r of rows) {
    const g = `${r.workload}|${r.dialect}|${r.n}`;
    if (group !== null && g !== group) body.push(null);
    group = g;
    const f = r.unit === 'KiB' ? fmtMiB : fmtMs;
    const unit = r.unit === 'KiB' ? ' MiB' : ' ms';
    const ok = r.status === 'ok' && r.median != null;
    body.push([
      r.tool,
      dialectLabel[r.dialect] ?? r.dialect,
      r.workload,
      r.n == null ? '' : r.n.toLocaleString('en-US'),
      ok ? f(r.median) + unit : r.status.toUpperCase(),
      ok ? (r.runs > 1 ? `${f(r.min)}–${f(r.max)}` : '') : '',
      ok && r.ratio != null ? `${fmtRatio(r.ratio)}${r.ratioTo === 'floor' ? '' : ` ${r.ratioTo}`}` : '',
      ok ? (r.note ?? '') : (r.error ?? ''),
    ]);
  }
  const widths = head.map((h, i) => Math.max(h.length, ...body.filter(Boolean).map((b) => (i === 7 ? 0 : b[i].length))));
  const right = new Set([3, 4, 5, 6]);
  const line = (cells) => cells.map((c, i) => (i === 7 ? c : right.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  const sep = widths.map((w, i) => '-'.repeat(i === 7 ? 5 : w)).join('  ');
  const out = [line(head), sep];
  for (const b of body) out.push(b ? line(b) : '');
  return out.join('\n');
}
