/**
 * Turns flags, environment variables and the config file into library options.
 * Precedence of `db`: --db > the selected environment's db (--env, else STRATA_ENV) >
 * DATABASE_URL > the config's top-level db > the built-in default (announced on stderr).
 * Other options: flag > selected environment > config > default.
 */
import { isAbsolute, resolve } from 'node:path';
import { ConfigError, type AsFlags, type FlagSetting, type MigratorOptions, type StrataConfig } from '../index.js';
import { loadConfig } from './config-file.js';

export const DEFAULT_DB = 'sqlite:./data/app.db';

/** The flags every command takes: the settings that are flags (as text), and the CLI's own. */
export interface GlobalFlags extends AsFlags<FlagSetting> {
  readonly db?: string;
  readonly config?: string;
  readonly env?: string;
  readonly json?: boolean;
  readonly quiet?: boolean;
  readonly verbose?: boolean;
  readonly yes?: boolean;
  /** `--wait <seconds>` of the changing commands (`strata wait --timeout` sets it too). */
  readonly wait?: string;
}

export interface ResolvedOptions {
  readonly migrator: Omit<MigratorOptions, 'signal' | 'onEvent'>;
  /** Where `db` came from, for the announcement of the built-in default. */
  readonly dbSource: 'flag' | 'environment' | 'DATABASE_URL' | 'config' | 'default';
  readonly environmentName: string | null;
}

const PROTECTED_NAMES = new Set(['prod', 'production']);

export async function resolveOptions(flags: GlobalFlags, env: NodeJS.ProcessEnv, cwd: string): Promise<ResolvedOptions> {
  const { config, folder } = await loadConfig(cwd, flags.config);
  const environmentName = flags.env ?? (env.STRATA_ENV || undefined) ?? null;
  let selected: Record<string, unknown> = {};
  if (environmentName !== null) {
    const environments = config.environments ?? {};
    const known = Object.keys(environments);
    if (Object.prototype.hasOwnProperty.call(environments, environmentName)) {
      selected = { ...(environments[environmentName] as Record<string, unknown>) };
    } else if (known.length > 0) {
      // A config that defines environments makes an unknown name a typo (§5); with none
      // defined (a container setting STRATA_ENV=production and DATABASE_URL) it is only the
      // environment's name: it counts for protection and is recorded in the log.
      throw new ConfigError('config', `unknown environment "${environmentName}"${flags.env ? '' : ' (from STRATA_ENV)'}`, {
        hint: `environments in the config: ${known.join(', ')}`,
      });
    }
  }

  // Paths written in the config file resolve from the config file's folder.
  const fromConfig = (value: unknown): unknown => (typeof value === 'string' ? anchorSqlitePath(value, folder) : value);
  let db: string;
  let dbSource: ResolvedOptions['dbSource'];
  if (flags.db !== undefined) [db, dbSource] = [flags.db, 'flag'];
  else if (typeof selected.db === 'string') [db, dbSource] = [fromConfig(selected.db) as string, 'environment'];
  else if (env.DATABASE_URL) [db, dbSource] = [env.DATABASE_URL, 'DATABASE_URL'];
  else if (typeof config.db === 'string') [db, dbSource] = [fromConfig(config.db) as string, 'config'];
  else [db, dbSource] = [DEFAULT_DB, 'default'];

  const pick = <K extends keyof StrataConfig>(key: K): StrataConfig[K] | undefined => (selected[key] ?? config[key]) as StrataConfig[K] | undefined;
  const dirFromConfig = pick('dir');
  const dir = flags.dir !== undefined ? resolve(cwd, flags.dir) : dirFromConfig !== undefined ? resolve(folder, dirFromConfig) : resolve(cwd, 'migrations');

  const lock = flags.lock ?? pick('lock');
  if (lock !== undefined && lock !== 'auto' && lock !== 'session' && lock !== 'lease') {
    throw new ConfigError('usage', `--lock must be auto, session or lease (got "${lock}")`);
  }
  const isProtected = environmentName !== null && (PROTECTED_NAMES.has(environmentName) || selected.protected === true);
  return {
    dbSource,
    environmentName,
    migrator: {
      db,
      dir,
      cwd,
      table: flags.table ?? pick('table'),
      schema: flags.schema ?? pick('schema') ?? null,
      lock: lock as MigratorOptions['lock'],
      lockTimeout: secondsFlag(flags.lockTimeout, '--lock-timeout') ?? pick('lockTimeout'),
      ddlLockTimeout: secondsFlag(flags.ddlLockTimeout, '--ddl-lock-timeout') ?? pick('ddlLockTimeout'),
      ddlRetries: pick('ddlRetries'),
      statementTimeout: pick('statementTimeout'),
      migrationTimeout: secondsFlag(flags.migrationTimeout, '--migration-timeout') ?? pick('migrationTimeout'),
      leaseTtl: pick('leaseTtl'),
      allowOutOfOrder: flags.allowOutOfOrder ?? pick('allowOutOfOrder'),
      userVersion: pick('userVersion'),
      connectTimeout: secondsFlag(flags.connectTimeout, '--connect-timeout') ?? pick('connectTimeout'),
      initSql: pick('initSql'),
      wait: secondsFlag(flags.wait, '--wait'),
      backup: flags.backup === false ? false : pick('backup'),
      backups: pick('backups') === undefined ? undefined : resolve(folder, pick('backups')!),
      keep: pick('keep'),
      scratchDb: flags.scratchDb ?? (typeof pick('scratchDb') === 'string' ? (fromConfig(pick('scratchDb')) as string) : undefined),
      environment: environmentName === null ? null : { name: environmentName, protected: isProtected },
      createDirectory: dbSource === 'default',
    },
  };
}

function secondsFlag(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new ConfigError('usage', `${flag} takes a number of seconds (got "${value}")`);
  return n;
}

/** A relative SQLite path written in the config file resolves from the config file's folder. */
function anchorSqlitePath(url: string, folder: string): string {
  const match = /^(sqlite3?:)(?!\/\/)(.*)$/i.exec(url);
  const path = match ? match[2]! : /\.(db|sqlite|sqlite3)$/i.test(url) && !/^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : null;
  if (path === null || path === '' || path.startsWith(':memory:') || isAbsolute(path)) return url;
  return `sqlite:${resolve(folder, path)}`;
}
