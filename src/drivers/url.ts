/**
 * Database URLs (§1): which dialect, strata's own `strata_*` parameters (removed before the
 * URL reaches the driver), and a display form that never contains a password.
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
    return { dialect: 'sqlite', connection: rest, params, display: `sqlite:${rest}` };
  }

  const dialect: Dialect | null = scheme === 'postgres' || scheme === 'postgresql' ? 'postgres' : scheme === 'mysql' || scheme === 'mariadb' ? 'mysql' : null;
  if (dialect === null) {
    throw badUrl(input, scheme ? `the scheme "${scheme}:" is not supported` : 'it has no scheme');
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw badUrl(input, 'it is not a valid URL');
  }
  const { params, rest } = takeStrataParams(url.searchParams);
  url.search = rest.toString();
  return { dialect, connection: url.toString(), params, display: redactUrl(url.toString()) };
}

/** A URL with its password replaced by `***`. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/?#@]*):([^@/?#]*)@/i, '$1:***@');
}

/** Replaces every password in a text that may contain URLs or the driver's own messages. */
export function redactText(text: string, secrets: readonly string[] = []): string {
  let out = text.replace(/([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*):([^@/?#\s]*)@/gi, '$1:***@');
  for (const secret of secrets) if (secret.length >= 3) out = out.split(secret).join('***');
  return out;
}

/** The password of a server URL (so error messages can be scrubbed of it), or null. */
export function passwordOf(input: string): string | null {
  try {
    const url = new URL(input);
    return url.password ? decodeURIComponent(url.password) : null;
  } catch {
    return null;
  }
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
  return new ConfigError('config', `bad database URL "${redactUrl(input)}": ${reason}`, {
    hint: 'use sqlite:path/to.db, postgres://user@host:5432/db or mysql://user@host:3306/db',
  });
}
