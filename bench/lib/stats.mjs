// Summary statistics and number formatting for benchmark samples.

export function median(values) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

export function summarize(values) {
  const v = values.filter((x) => Number.isFinite(x));
  if (v.length === 0) return { median: null, min: null, max: null, n: 0 };
  return { median: median(v), min: Math.min(...v), max: Math.max(...v), n: v.length };
}

/** Milliseconds with sensible precision: 0.42, 8.31, 123, 45,678. */
export function fmtMs(ms) {
  if (ms == null || !Number.isFinite(ms)) return '-';
  if (ms < 10) return ms.toFixed(2);
  if (ms < 100) return ms.toFixed(1);
  return Math.round(ms).toLocaleString('en-US');
}

export function fmtMiB(kib) {
  if (kib == null || !Number.isFinite(kib)) return '-';
  return (kib / 1024).toFixed(1);
}

export function fmtRatio(r) {
  if (r == null || !Number.isFinite(r)) return '';
  return r < 10 ? `${r.toFixed(2)}×` : `${r.toFixed(1)}×`;
}
