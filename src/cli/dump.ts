/** `strata dump`: the schema as SQL on stdout or in --out, or its objects with --json. */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, type Migrator } from '../index.js';
import type { Output } from './output.js';

export interface DumpFlags {
  readonly out?: string;
  readonly includeTracking?: boolean;
}

export async function dumpCommand(out: Output, migrator: Migrator, flags: DumpFlags, redact: (text: string) => string): Promise<void> {
  const result = await migrator.dump({ includeTracking: flags.includeTracking ?? false });
  out.document({ objects: result.objects });
  if (flags.out !== undefined) {
    const file = resolve(process.cwd(), flags.out);
    try {
      writeFileSync(file, result.sql);
    } catch (error) {
      throw new ConfigError('config', `cannot write the dump to ${file}: ${(error as Error).message}`, {
        hint: 'choose a file in a folder that exists and that you can write (--out <file>)',
      }, { cause: error });
    }
    out.note(`strata: wrote ${result.objects.length} object${result.objects.length === 1 ? '' : 's'} to ${file}`);
    return;
  }
  // The dump is the command's output (like cat): printed whole, --quiet or not, unless --json.
  if (!out.json) process.stdout.write(redact(result.sql));
}
