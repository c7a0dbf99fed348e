/**
 * §12 `strata import <tool>` per tool, on the dialects each tool supports, with the history
 * table built as that tool builds it (CREATE TABLE as in its source, rows as it writes them,
 * checksums computed its way), including a failed or dirty row, an unmatched one and a
 * changed file. Each case runs the whole contract (support.ts: checkCase).
 */
import { describe, test } from 'node:test';
import { allDialects, notListed } from '../support/dialects.js';
import { checkCase } from './support.js';
import { CASES } from './cases.js';

describe('strata import <tool> (§12)', () => {
  for (const c of CASES) {
    for (const d of allDialects().filter((x) => c.dialects.includes(x.name))) {
      test(`${c.name} on ${d.name}`, { skip: notListed(d.name) }, () => checkCase(d, c.make()));
    }
  }
});
