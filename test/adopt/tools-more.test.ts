/**
 * §12 `strata import <tool>`, continued: Prisma, node-pg-migrate (PostgreSQL), TypeORM,
 * Sequelize and Drizzle, each history table built as the tool builds it.
 */
import { describe, test } from 'node:test';
import { allDialects, notListed } from '../support/dialects.js';
import { checkCase } from './support.js';
import { CASES } from './cases-more.js';

describe('strata import <tool> (§12), continued', () => {
  for (const c of CASES) {
    for (const d of allDialects().filter((x) => c.dialects.includes(x.name))) {
      test(`${c.name} on ${d.name}`, { skip: notListed(d.name) }, () => checkCase(d, c.make()));
    }
  }
});
