/** `init` and `new`: the files a user starts from. Never overwrites a file. */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { ConfigError, versionsOfNames } from '../index.js';
import { CONFIG_NAMES } from './config-file.js';
import { MIGRATIONS_README, SQL_TEMPLATES, TS_TEMPLATE, TS_TEMPLATES, configFileText, type TemplateName } from './templates.js';

const NAME = /^[a-z][a-z0-9_]*$/;

export interface InitResult {
  readonly created: string[];
  readonly skipped: string[];
}

export function init(cwd: string, dir: string): InitResult {
  const created: string[] = [];
  const skipped: string[] = [];
  const write = (path: string, text: string) => {
    const shown = relative(cwd, path) || path;
    if (existsSync(path)) {
      skipped.push(shown);
      return;
    }
    writeFileSync(path, text, { flag: 'wx' });
    created.push(shown);
  };
  const existingConfig = CONFIG_NAMES.find((name) => existsSync(join(cwd, name)));
  if (existingConfig) skipped.push(existingConfig);
  else write(join(cwd, 'strata.config.mjs'), configFileText(relative(cwd, dir) || '.'));
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true });
    created.push(`${relative(cwd, dir) || dir}/`);
  }
  write(join(dir, 'README.md'), MIGRATIONS_README);
  write(join(dir, 'template.sql.example'), SQL_TEMPLATES['create-table']('example'));
  write(join(dir, 'template.ts.example'), TS_TEMPLATE);
  return { created, skipped };
}

export interface NewOptions {
  /** undefined: TypeScript for a template that has a TypeScript form (TS_TEMPLATES), else SQL. */
  readonly kind: 'sql' | 'ts' | undefined;
  readonly timestamp: boolean;
  readonly template: TemplateName | undefined;
  readonly now: Date;
}

export interface NewResult {
  readonly file: string;
  readonly id: string;
  readonly version: string;
  readonly name: string;
}

export function newMigration(cwd: string, dir: string, name: string, options: NewOptions): NewResult {
  if (!NAME.test(name)) {
    throw new ConfigError('usage', `"${name}" is not a migration name`, {
      hint: 'use lower-case letters, digits and _ only, starting with a letter (e.g. add_email_to_users); no paths',
    });
  }
  if (options.template !== undefined && !(options.template in SQL_TEMPLATES)) {
    throw new ConfigError('usage', `unknown template "${options.template}"`, { hint: `templates: ${Object.keys(SQL_TEMPLATES).join(', ')}` });
  }
  const template = options.template;
  const tsTemplate = template === undefined ? undefined : TS_TEMPLATES[template];
  const kind = options.kind ?? (tsTemplate ? 'ts' : 'sql');
  if (kind === 'ts' && template !== undefined && !tsTemplate) throw new ConfigError('usage', `--template ${template} makes SQL migrations; drop --ts`);
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
  const version = nextVersion(readdirSync(dir), options.timestamp, options.now);
  const id = `${version}_${name}`;
  const file = resolve(dir, `${id}.${kind}`);
  const text = kind === 'sql' ? SQL_TEMPLATES[template ?? 'blank'](name) : tsTemplate ? tsTemplate(name) : TS_TEMPLATE.replace('Describe what this migration does', name.replace(/_/g, ' '));
  try {
    writeFileSync(file, text, { flag: 'wx' });
  } catch {
    throw new ConfigError('usage', `${relative(cwd, file)} exists already`, { hint: 'choose another name' });
  }
  return { file: relative(cwd, file) || file, id, version, name };
}

/**
 * The next version, in the folder's own style: timestamps (14 digits, or digit groups) stay
 * timestamps; zero-padded sequences keep their width. An empty folder starts at 001.
 */
export function nextVersion(fileNames: readonly string[], timestamp: boolean, now: Date): string {
  // Every name §2 reads as a version counts (V1__x.sql, 0001.sql, Diesel folders), so the new
  // file never takes a version already used in another spelling (001 next to V1__x.sql).
  const stamp = now.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const latest = versionsOfNames(fileNames).at(-1);
  if (timestamp || (latest !== undefined && (/[_.-]/.test(latest) || latest.length >= 12))) {
    // Two files created in the same second still get increasing versions.
    const plain = latest?.replace(/[_.-]/g, '') ?? '';
    return plain.length === 14 && BigInt(plain) >= BigInt(stamp) ? String(BigInt(plain) + 1n) : stamp;
  }
  if (latest === undefined) return '001';
  return String(BigInt(latest) + 1n).padStart(latest.length, '0');
}
