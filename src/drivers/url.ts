/**
 * Database URLs (§1): which dialect, strata's own `strata_*` parameters (removed before the
 * URL reaches the driver), and a display form that never contains a password.
 *
 * Passwords are written into URLs unencoded more often than not (`postgres://u:p#ss/w@host/db`,
 * as libpq and node-postgres users do). The userinfo therefore runs up to the LAST `@` that is
 * followed by a host, and is re-encoded before the URL reaches the driver; a URL that still
 * cannot be parsed is never echoed with its password.
 */
import { ConfigError } from '../core/errors.js';
import type { Dialect } from '../core/model.js';

export interface DatabaseTarget {
  readonly dialect: Dialect;
  /** What the driver receives: `strata_*` parameters removed. For SQLite, the file path or `:memory:`. */
  readonly connection: string;
  /** strata's own parameters, without the `strata_` prefix (e.g. `{ lock: 'lease' }`). */
  readonly params: Readonly<Record<string, string>>;
  /** Safe to print. */
  readonly display: string;
  /** Every form of the password that may show up in a message (decoded, as written, encoded). */
  readonly secrets: readonly string[];
  /**
   * The connect timeout the URL asks for, in ms (0 = none), or null when it names none:
   * `connect_timeout` (seconds, libpq's name) on PostgreSQL and MySQL, `connectTimeout`
   * (ms, mysql2's name) on MySQL. Removed from a MySQL URL (mysql2 knows only its own name).
   */
  readonly connectTimeoutMs: number | null;
}

const SQLITE_FILE = /\.(db|sqlite|sqlite3)$/i;

export function parseDatabaseUrl(input: string): DatabaseTarget {
  const raw = input.trim();
  if (raw === '') throw badUrl(input, 'it is empty');
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(raw)?.[1]?.toLowerCase();

  if (scheme === 'sqlite' || scheme === 'sqlite3' || (scheme === undefined || scheme.length === 1) && SQLITE_FILE.test(raw.split('?')[0]!)) {
    let rest = scheme === 'sqlite' || scheme === 'sqlite3' ? raw.slice(scheme.length + 1) : raw;
    const [pathPart, query = ''] = splitQuery(rest);
    rest = pathPart;
    // sqlite:///abs/path and sqlite://relative/path are accepted as well as sqlite:path.
    if (rest.startsWith('//')) rest = rest.slice(2);
    if (rest === '') throw badUrl(input, 'it names no file (use sqlite:./data/app.db or sqlite::memory:)');
    const { params, rest: left } = takeStrataParams(new URLSearchParams(query));
    if ([...left.keys()].length > 0) throw badUrl(input, `SQLite URLs take no parameters except strata_* ones (got ${[...left.keys()].join(', ')})`);
    return { dialect: 'sqlite', connection: rest, params, display: `sqlite:${rest}`, secrets: [], connectTimeoutMs: null };
  }

  const dialect: Dialect | null = scheme === 'postgres' || scheme === 'postgresql' ? 'postgres' : scheme === 'mysql' || scheme === 'mariadb' ? 'mysql' : null;
  if (dialect === null) {
    throw badUrl(input, scheme ? `the scheme "${scheme}:" is not supported` : 'it has no scheme');
  }
  const url = parseServerUrl(raw);
  if (url === null) throw badUrl(input, 'it is not a valid URL');
  const { params, rest } = takeStrataParams(url.searchParams);
  const connectTimeoutMs = takeConnectTimeout(rest, dialect, input);
  url.search = rest.toString();
  return { dialect, connection: url.toString(), params, display: redactUrl(url.toString()), secrets: secretsOf(raw), connectTimeoutMs };
}

/** A URL with its password replaced by `***`; for a URL that cannot be parsed, everything that may be one. */
export function redactUrl(url: string): string {
  const parsed = parseServerUrl(url);
  if (parsed !== null) {
    if (parsed.password !== '') parsed.password = '***';
    // `?password=` is read by pg and mysql2 alike.
    if (parsed.searchParams.has('password')) parsed.searchParams.set('password', '***');
    return parsed.toString().replace(':%2A%2A%2A@', ':***@').replace('password=%2A%2A%2A', 'password=***');
  }
  const split = splitUserinfo(url);
  if (split === null) {
    // No host after any `@`: everything between `://` and the last `@` may be the password.
    const at = url.lastIndexOf('@');
    const start = url.indexOf('://');
    return start !== -1 && at > start ? `${url.slice(0, start + 3)}***${url.slice(at)}` : url;
  }
  const colon = split.userinfo.indexOf(':');
  // No ':' means no password in a well-formed URL, but this one is not: hide it all.
  const user = colon === -1 ? '***' : `${split.userinfo.slice(0, colon)}:***`;
  return `${split.scheme}${user}@${split.tail}`;
}

/**
 * Replaces every password in a text that may contain URLs or the driver's own messages: first
 * every literal occurrence of `secrets` (a password may hold a blank or an `@`, so only knowing
 * it finds its end) — except where one is a URL's scheme or user name, so that
 * `postgres://postgres:***@…` stays readable when the password is "postgres" — then the
 * userinfo password of every other `scheme://user:…@` (up to the last `@` before a blank).
 */
export function redactText(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const pattern of literalPatterns(secrets)) out = out.replace(pattern, '***');
  return out.replace(/([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*):(\S*)@/gi, (whole, head: string, password: string) => (password === '***' || password.startsWith('***@') ? whole : `${head}:***@`));
}

/** The CLI redacts every line it prints: the patterns of one list of secrets are built once. */
let cachedPatterns: { key: string; patterns: RegExp[] } | null = null;

function literalPatterns(secrets: readonly string[]): RegExp[] {
  if (secrets.length === 0) return [];
  const key = secrets.join('\u0000');
  if (cachedPatterns?.key !== key) {
    const patterns = [...secrets]
      .filter((secret) => secret.length >= 3)
      .sort((a, b) => b.length - a.length)
      .map((secret) => {
        const s = escapeRegExp(secret);
        return new RegExp(`${s}(?!:\\/\\/|:${s}@)`, 'g');
      });
    cachedPatterns = { key, patterns };
  }
  return cachedPatterns.patterns;
}

/**
 * Every form in which the password of a server URL may appear in a message: decoded, as the
 * user wrote it, percent-encoded, and as the URL parser serialises it. [] without a password.
 */
export function secretsOf(input: string): string[] {
  const forms = new Set<string>();
  const split = splitUserinfo(input.trim());
  if (split !== null) {
    const colon = split.userinfo.indexOf(':');
    if (colon !== -1) {
      const written = split.userinfo.slice(colon + 1);
      const decoded = decodeOrKeep(written);
      forms.add(written).add(decoded).add(encodeURIComponent(decoded));
    }
  }
  const parsed = parseServerUrl(input.trim());
  if (parsed !== null && parsed.password !== '') forms.add(parsed.password).add(decodeOrKeep(parsed.password));
  const fromQuery = parsed?.searchParams.get('password');
  if (fromQuery) forms.add(fromQuery).add(encodeURIComponent(fromQuery));
  forms.delete('');
  return [...forms];
}

/**
 * A server URL as the user means it: the standard parse when it is unambiguous, else the
 * userinfo taken up to the last `@` followed by a host and re-encoded. null when neither works.
 * A `#` (a fragment means nothing in a database URL) or an `@` in the path (no database name
 * has one) shows that the standard parse cut a password short.
 */
function parseServerUrl(raw: string): URL | null {
  let standard: URL | null = null;
  try {
    standard = new URL(raw);
  } catch {
    standard = null;
  }
  if (standard !== null && !raw.includes('#') && !standard.pathname.includes('@')) return standard;
  const split = splitUserinfo(raw);
  if (split === null) return standard;
  const colon = split.userinfo.indexOf(':');
  const user = colon === -1 ? split.userinfo : split.userinfo.slice(0, colon);
  const encoded = encodeURIComponent(decodeOrKeep(user)) + (colon === -1 ? '' : `:${encodeURIComponent(decodeOrKeep(split.userinfo.slice(colon + 1)))}`);
  try {
    return new URL(`${split.scheme}${encoded}@${split.tail}`);
  } catch {
    return null;
  }
}

/** One host (name, IPv4, [IPv6]) with an optional port; several separated by commas (libpq). Empty: a socket given elsewhere. */
const HOST_LIST = /^(?:(?:\[[0-9a-f:.]+\]|[a-z0-9._~%-]+)(?::\d*)?(?:,(?:\[[0-9a-f:.]+\]|[a-z0-9._~%-]+)(?::\d*)?)*)?$/i;

/** `scheme://`, the userinfo up to the last `@` followed by a host, and what follows it; null without one. */
function splitUserinfo(raw: string): { scheme: string; userinfo: string; tail: string } | null {
  const match = /^([a-z][a-z0-9+.-]*:\/\/)([\s\S]*)$/i.exec(raw);
  if (!match) return null;
  const rest = match[2]!;
  for (let at = rest.lastIndexOf('@'); at !== -1; at = at === 0 ? -1 : rest.lastIndexOf('@', at - 1)) {
    const tail = rest.slice(at + 1);
    if (HOST_LIST.test(/^[^/?#]*/.exec(tail)![0])) return { scheme: match[1]!, userinfo: rest.slice(0, at), tail };
  }
  return null;
}

function decodeOrKeep(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text; // a literal `%` (e.g. `p%&ss`): the user did not percent-encode
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function takeConnectTimeout(search: URLSearchParams, dialect: Dialect, input: string): number | null {
  let ms: number | null = null;
  const seconds = search.get('connect_timeout');
  if (seconds !== null) {
    const n = Number(seconds);
    if (seconds.trim() === '' || !Number.isFinite(n)) throw badUrl(input, `connect_timeout takes a number of seconds (got "${seconds}")`);
    // libpq: zero or negative waits indefinitely.
    ms = n <= 0 ? 0 : Math.round(n * 1000);
  }
  if (dialect === 'mysql') {
    const millis = search.get('connectTimeout');
    if (millis !== null) {
      const n = Number(millis);
      if (millis.trim() === '' || !Number.isFinite(n) || n < 0) throw badUrl(input, `connectTimeout takes a number of milliseconds (got "${millis}")`);
      ms = Math.round(n);
    }
    search.delete('connect_timeout');
    search.delete('connectTimeout');
  }
  return ms;
}

function takeStrataParams(search: URLSearchParams): { params: Record<string, string>; rest: URLSearchParams } {
  const params: Record<string, string> = {};
  const rest = new URLSearchParams();
  for (const [key, value] of search) {
    if (key.startsWith('strata_')) params[key.slice('strata_'.length)] = value;
    else rest.append(key, value);
  }
  return { params, rest };
}

function splitQuery(text: string): [string, string] {
  // `sqlite::memory:` has no query; a path may contain `?` only as the query separator.
  const index = text.indexOf('?');
  return index === -1 ? [text, ''] : [text.slice(0, index), text.slice(index + 1)];
}

function badUrl(input: string, reason: string): ConfigError {
  return new ConfigError('config', `bad database URL "${redactUrl(input.trim())}": ${reason}`, {
    hint: 'use sqlite:path/to.db, postgres://user@host:5432/db or mysql://user@host:3306/db',
  });
}

/**
 * What to scrub for a password a driver connects with (a pool's or client's setting): the
 * password when there is one, else `fallback` (pg reads PGPASSWORD when none is given).
 */
export function passwordSecrets(password: unknown, fallback?: string): string[] {
  if (typeof password === 'string' && password !== '') return [password];
  return fallback ? [fallback] : [];
}
