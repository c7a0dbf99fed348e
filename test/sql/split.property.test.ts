/**
 * Property tests of the splitter and of the file-name and version rules (§2).
 *
 * The splitter's promise, checked on generated scripts: a script built as statements joined
 * by what may lie between statements (delimiters, whitespace, comments, empty statements,
 * MySQL DELIMITER lines) splits back into exactly those statements, each whole, in order, on
 * its own line — so no text is lost, duplicated or cut in the wrong place, whatever strings,
 * E'' strings, dollar quotes, quoted names, comments and BEGIN … END bodies the statements
 * hold. And what SQLite itself accepts: each statement cut from a generated script is one
 * statement that SQLite prepares and runs, and the schema and rows come out as when SQLite
 * runs the whole script itself.
 */
import { describe, it } from 'node:test';
import { SYNTAX, type SyntaxName } from '../support/syntax.js';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import Database from 'better-sqlite3';
import { compareVersions, versionKey } from '../../src/core/version.js';
import { classifyFileName } from '../../src/sources/file-name.js';
import { outsideStringsAndComments } from '../../src/sql/marker-scan.js';
import { outsideStringsAndCommentsBySplitting, splitScript } from '../../src/sql/split.js';

const RUNS = { numRuns: 200 } as const;

// ---- Statements and what lies between them, per syntax ----

/** Characters that trip splitters: delimiters, comment and quote openers, newlines, backslashes. */
const TRICKY = [';', "'", '"', '`', '$', '$$', '--', '/*', '*/', '#', '\\', '\n', ' ', 'END', 'BEGIN', 'a', 'é', '[', ']', '(', ')'];
const trickyText = fc.array(fc.constantFrom(...TRICKY), { maxLength: 8 }).map((parts) => parts.join(''));

/** A single-quoted string literal as the dialect reads it. */
function stringLiteral(syntax: SyntaxName): fc.Arbitrary<string> {
  return trickyText.map((text) => {
    if (syntax === 'mysql') return `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
    return `'${text.replaceAll("'", "''")}'`;
  });
}

/** Word-like tokens and balanced punctuation that never start a body or a client command. */
const plainWords = ['x', 'col_1', '42', 'a.b', '+', ',', '=', '(x, 1)', '(SELECT 1; 2)', '*'];
/** In a statement without a body, block keywords are just words. */
const words = fc.constantFrom(...plainWords, 'END', 'BEGIN', 'CASE', 'IF', 'LOOP');

function blockComment(syntax: SyntaxName): fc.Arbitrary<string> {
  const body = trickyText.map((text) => text.replaceAll('*/', '* /').replaceAll('/*', '/ *'));
  // PostgreSQL nests block comments: a balanced inner one stays inside the outer.
  if (syntax === 'postgres') return fc.tuple(body, fc.boolean(), body).map(([a, nested, b]) => (nested ? `/* ${a} /* ${b} */ */` : `/* ${a} */`));
  return body.map((text) => `/* ${text} */`);
}

function lineComment(syntax: SyntaxName): fc.Arbitrary<string> {
  const body = trickyText.map((text) => text.replaceAll('\n', ' '));
  const openers = syntax === 'mysql' ? ['-- ', '#'] : ['--', '-- '];
  return fc.tuple(fc.constantFrom(...openers), body).map(([open, text]) => `${open}${text}\n`);
}

/** Fragments of one statement: none of them ends it, whatever it holds. */
function fragment(syntax: SyntaxName, wordSet: fc.Arbitrary<string>): fc.Arbitrary<string> {
  const options: fc.Arbitrary<string>[] = [wordSet, wordSet, stringLiteral(syntax), blockComment(syntax), lineComment(syntax)];
  if (syntax === 'postgres') {
    options.push(
      trickyText.map((text) => `E'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`),
      // No `$` inside, so the body cannot hold its own closing tag.
      fc.tuple(fc.constantFrom('$$', '$body$', '$x1$'), trickyText).map(([tag, text]) => `${tag}${text.replaceAll('$', 'S')}${tag}`),
      trickyText.map((text) => `"${text.replaceAll('"', '""')}"`),
    );
  }
  if (syntax === 'sqlite') {
    options.push(trickyText.map((text) => `"${text.replaceAll('"', '""')}"`), trickyText.map((text) => `[${text.replaceAll(']', '')}]`));
  }
  if (syntax !== 'postgres') options.push(trickyText.map((text) => `\`${text.replaceAll('`', '``')}\``));
  if (syntax === 'mysql') options.push(trickyText.map((text) => `"${text.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`));
  return fc.oneof(...options);
}

/** A statement: starts and ends with a token; comments only between its tokens. */
function simpleStatement(syntax: SyntaxName, wordSet: fc.Arbitrary<string> = words): fc.Arbitrary<string> {
  return fc
    .tuple(fc.constantFrom('SELECT', 'UPDATE', 'INSERT', 'DELETE'), fc.array(fragment(syntax, wordSet), { maxLength: 6 }), wordSet, fc.constantFrom(' ', '\n', '\t'))
    .map(([verb, middle, last, space]) => [verb, ...middle, last].join(space));
}

/** A statement whose body holds `;`-separated statements: triggers, routines, BEGIN ATOMIC. */
function bodyStatement(syntax: SyntaxName): fc.Arbitrary<string> {
  // Inside a body, END, IF, CASE … are block keywords: the body's statements avoid them.
  const inner = fc.array(simpleStatement(syntax, fc.constantFrom(...plainWords)), { minLength: 1, maxLength: 3 }).map((statements) => statements.map((s) => `${s};`).join('\n  '));
  switch (syntax) {
    case 'sqlite':
      return inner.map((body) => `CREATE TRIGGER tr AFTER INSERT ON t BEGIN\n  ${body}\nEND`);
    case 'postgres':
      return inner.map((body) => `CREATE FUNCTION f() RETURNS void LANGUAGE sql BEGIN ATOMIC\n  ${body}\nEND`);
    case 'mysql':
      return fc
        .tuple(inner, inner)
        .map(([a, b]) => `CREATE PROCEDURE p() BEGIN\n  IF x THEN\n  ${a}\n  ELSE\n  ${b}\n  END IF;\n  CASE x WHEN 1 THEN ${a} END CASE;\nEND`);
  }
}

/** What may separate two statements: the delimiter with whitespace and comments around it. */
function separator(syntax: SyntaxName): fc.Arbitrary<string> {
  const filler = fc.array(fc.oneof(fc.constantFrom(' ', '\n', '\n\n', '\t', ';'), blockComment(syntax), lineComment(syntax)), { maxLength: 3 }).map((parts) => parts.join(''));
  // The delimiter directly after the statement, so a trailing line comment cannot hide it.
  return filler.map((after) => `;${after.startsWith('--') || after.startsWith('#') ? ` ${after}` : after}\n`);
}

interface Generated {
  readonly script: string;
  readonly expected: readonly { text: string; line: number }[];
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** Statements and separators, built together with the split they must give back. */
function script(syntax: SyntaxName): fc.Arbitrary<Generated> {
  const statement = fc.oneof({ weight: 4, arbitrary: simpleStatement(syntax) }, { weight: 1, arbitrary: bodyStatement(syntax) });
  const item = fc.tuple(statement, separator(syntax), fc.boolean());
  return fc.tuple(fc.array(item, { minLength: 1, maxLength: 6 }), separator(syntax)).map(([items, leading]) => {
    let text = leading.slice(1); // what comes before the first statement, without its ;
    const expected: { text: string; line: number }[] = [];
    for (const [statementText, after, customDelimiter] of items) {
      if (syntax === 'mysql' && customDelimiter) {
        // As mysqldump writes a routine: the client's delimiter changes around it.
        text += 'DELIMITER $$\n';
        expected.push({ text: statementText, line: lineOf(text, text.length) });
        text += `${statementText}$$\nDELIMITER ;\n`;
        continue;
      }
      expected.push({ text: statementText, line: lineOf(text, text.length) });
      text += statementText + after;
    }
    return { script: text, expected };
  });
}

const SYNTAXES: readonly SyntaxName[] = ['sqlite', 'postgres', 'mysql'];

describe('splitter properties', () => {
  for (const syntax of SYNTAXES) {
    it(`gives back each generated statement whole, in order, on its line, and nothing else (${syntax})`, () => {
      fc.assert(
        fc.property(script(syntax), ({ script: sql, expected }) => {
          const split = splitScript(sql, SYNTAX[syntax]);
          assert.equal(split.unterminated, null);
          assert.deepEqual(split.statements, expected);
        }),
        RUNS,
      );
    });

    it(`never loses or repeats text: statements are disjoint pieces of the input, in order (${syntax})`, () => {
      // Any text at all, not only generated SQL: even garbage is split without losing a byte.
      fc.assert(
        fc.property(fc.array(fc.oneof(fc.constantFrom(...TRICKY, 'DELIMITER //\n', '//', 'CREATE TRIGGER ', 'COPY t FROM stdin;\n', '\\.\n'), fc.string({ maxLength: 4 })), { maxLength: 30 }), (parts) => {
          const sql = parts.join('');
          const split = splitScript(sql, SYNTAX[syntax]);
          let cursor = 0;
          for (const statement of split.statements) {
            assert.ok(statement.text.length > 0);
            const at = sql.indexOf(statement.text, cursor);
            assert.ok(at >= 0, `statement ${JSON.stringify(statement.text)} is not in the input after offset ${cursor}`);
            cursor = at + statement.text.length;
          }
        }),
        RUNS,
      );
    });

    it(`reports a string or comment left open, and only then (${syntax})`, () => {
      fc.assert(
        fc.property(script(syntax), fc.constantFrom("'", '/* ', ...(syntax === 'postgres' ? ['$q$', "E'"] : ['`'])), ({ script: sql }, opener) => {
          assert.equal(splitScript(sql, SYNTAX[syntax]).unterminated, null);
          const open = `${sql}\n${opener}never closed;\nSELECT 1;\n`;
          const unterminated = splitScript(open, SYNTAX[syntax]).unterminated;
          assert.ok(unterminated, 'an opener with no closer is reported');
          assert.equal(unterminated.line, lineOf(open, sql.length + 1));
        }),
        RUNS,
      );
    });
  }
});

// ---- The fast scan for markers reads strings and comments as the splitter does ----

/** Offsets that are not inside a word: where a marker's `--` could be. */
function nonWordOffsets(sql: string): number[] {
  const offsets: number[] = [];
  for (let i = 0; i < sql.length; i++) if (!/[A-Za-z0-9_$\u0080-\uFFFF]/.test(sql[i]!)) offsets.push(i);
  return offsets;
}

const SCAN_PIECES = [...TRICKY, "E'", "e'", '$a$', '$1', 'x$$', '\n\\x ', '\n  \\c', '/*!', '*/', "''", '""', '\\\'', '-- ', '--x', '5--1', 'é$b$', 'COPY t FROM stdin;\n', '\n\\.\n'];

describe('marker scan properties', () => {
  for (const syntax of SYNTAXES) {
    it(`finds the same strings and comments as the splitter, on generated scripts and on garbage (${syntax})`, () => {
      const garbage = fc.array(fc.constantFrom(...SCAN_PIECES), { maxLength: 25 }).map((parts) => parts.join(''));
      fc.assert(
        fc.property(fc.oneof(script(syntax).map((g) => g.script), garbage), (sql) => {
          const offsets = nonWordOffsets(sql);
          assert.deepEqual(outsideStringsAndComments(sql, SYNTAX[syntax], offsets), outsideStringsAndCommentsBySplitting(sql, SYNTAX[syntax], offsets), JSON.stringify(sql));
        }),
        { numRuns: 300 },
      );
    });
  }
});

// ---- Agreement with SQLite itself ----

const sqliteValue = fc.oneof(
  fc.integer({ min: -5, max: 5 }).map(String),
  trickyText.map((text) => `'${text.replaceAll("'", "''")}'`),
);

/** Statements SQLite accepts, given tables t (a, b) and u (a, b). */
const sqliteStatement = fc.oneof(
  fc.tuple(sqliteValue, sqliteValue).map(([a, b]) => `INSERT INTO t (a, b) VALUES (${a}, ${b})`),
  fc.tuple(sqliteValue, blockComment('sqlite')).map(([a, comment]) => `UPDATE u SET a = ${a} ${comment} WHERE b IS NOT NULL`),
  fc.tuple(sqliteValue, lineComment('sqlite')).map(([a, comment]) => `SELECT ${a} ${comment}  AS "x;y"`),
  fc.tuple(sqliteValue, sqliteValue, fc.nat(99)).map(
    ([a, b, n]) => `CREATE TRIGGER IF NOT EXISTS tr${n} AFTER INSERT ON t BEGIN\n  INSERT INTO u VALUES (${a}, 'END;');\n  UPDATE u SET b = ${b} WHERE a = 'BEGIN';\nEND`,
  ),
  fc.nat(99).map((n) => `CREATE VIEW IF NOT EXISTS [v;${n}] AS SELECT a AS \`c;\` FROM t`),
);

describe('splitter agrees with SQLite', () => {
  it('each cut statement is one statement SQLite runs, and the result equals SQLite running the whole script', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(sqliteStatement, separator('sqlite')), { minLength: 1, maxLength: 5 }), (items) => {
        const sql = `CREATE TABLE t (a, b);\nCREATE TABLE u (a, b);\n${items.map(([statement, after]) => statement + after).join('')}`;
        const statements = splitScript(sql, SYNTAX.sqlite).statements;
        assert.equal(statements.length, items.length + 2);
        const oneByOne = new Database(':memory:');
        const whole = new Database(':memory:');
        try {
          for (const statement of statements) {
            // prepare() refuses a text holding more than one statement, and an incomplete one.
            const prepared = oneByOne.prepare(statement.text);
            if (prepared.reader) prepared.all();
            else prepared.run();
          }
          whole.exec(sql);
          const dump = (db: Database.Database) => ({
            schema: db.prepare('SELECT type, name, sql FROM sqlite_master ORDER BY name').all(),
            t: db.prepare('SELECT * FROM t ORDER BY rowid').all(),
            u: db.prepare('SELECT * FROM u ORDER BY rowid').all(),
          });
          assert.deepEqual(dump(oneByOne), dump(whole));
        } finally {
          oneByOne.close();
          whole.close();
        }
      }),
      { numRuns: 100 },
    );
  });
});

// ---- Versions (§2): digit groups compared as numbers of any length ----

/** A digit group as written: leading zeros allowed, sometimes longer than a JS number holds. */
const digitGroup = fc.oneof(
  fc.stringMatching(/^\d{1,4}$/),
  fc.stringMatching(/^0{0,3}\d{15,25}$/),
);
/** The separators §2 allows between groups. */
const SEPARATORS = ['_', '.', '-'] as const;
const versionGroups = fc.array(digitGroup, { minLength: 1, maxLength: 4 });

function written(groups: readonly string[], separators: readonly string[]): string {
  return groups.map((group, i) => (i === 0 ? group : `${separators[(i - 1) % separators.length]}${group}`)).join('');
}

const versionWritten = fc.tuple(versionGroups, fc.array(fc.constantFrom(...SEPARATORS), { minLength: 1, maxLength: 3 })).map(([groups, separators]) => ({ groups, text: written(groups, separators) }));

/** The §2 order, spelled out: group by group as numbers (BigInt here), a prefix first. */
function specOrder(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = BigInt(a[i]!);
    const y = BigInt(b[i]!);
    if (x !== y) return x < y ? -1 : 1;
  }
  return Math.sign(a.length - b.length);
}

describe('version order properties (§2)', () => {
  it('agrees with the order §2 describes, for versions written with any separators and zeros', () => {
    fc.assert(
      fc.property(versionWritten, versionWritten, (a, b) => {
        assert.equal(Math.sign(compareVersions(a.text, b.text)), specOrder(a.groups, b.groups), `${a.text} vs ${b.text}`);
      }),
      RUNS,
    );
  });

  it('is a total order: antisymmetric, transitive, and equal exactly when the keys are equal', () => {
    fc.assert(
      fc.property(versionWritten, versionWritten, versionWritten, (a, b, c) => {
        assert.ok(Math.sign(compareVersions(a.text, b.text)) + Math.sign(compareVersions(b.text, a.text)) === 0, `${a.text} vs ${b.text}`);
        assert.equal(compareVersions(a.text, b.text) === 0, versionKey(a.text) === versionKey(b.text));
        const sorted = [a.text, b.text, c.text].sort(compareVersions);
        assert.ok(compareVersions(sorted[0]!, sorted[1]!) <= 0 && compareVersions(sorted[1]!, sorted[2]!) <= 0 && compareVersions(sorted[0]!, sorted[2]!) <= 0);
      }),
      RUNS,
    );
  });

  it('ignores separators and leading zeros: 1.1, 1_1 and 01-1 are one version', () => {
    fc.assert(
      fc.property(versionGroups, fc.constantFrom(...SEPARATORS), fc.constantFrom(...SEPARATORS), fc.nat(3), (groups, s1, s2, zeros) => {
        const padded = groups.map((group) => '0'.repeat(zeros) + group);
        const one = written(groups, [s1]);
        const other = written(padded, [s2]);
        assert.equal(compareVersions(one, other), 0, `${one} vs ${other}`);
        assert.equal(versionKey(one), versionKey(other));
      }),
      RUNS,
    );
  });

  it('sorts a version that is a prefix of another first', () => {
    fc.assert(
      fc.property(versionGroups, versionGroups, fc.constantFrom(...SEPARATORS), (head, tail, separator) => {
        const short = written(head, [separator]);
        const long = `${short}${separator}${written(tail, [separator])}`;
        assert.ok(compareVersions(short, long) < 0, `${short} < ${long}`);
      }),
      RUNS,
    );
  });
});

// ---- The file-name grammar (§2) ----

/** §2's regular expression, as written there. */
const SPEC_GRAMMAR = /^(migration_|V)?(\d+(?:[_.-]\d+)*)(?:(?:__|[_.-])([A-Za-z][A-Za-z0-9_-]*))?(\.up|\.down)?\.(sql|ts|mts|cts|js|mjs|cjs)$/;

const fileName = fc
  .tuple(
    fc.constantFrom('', '', 'migration_', 'V'),
    versionWritten,
    fc.option(fc.tuple(fc.constantFrom('_', '__', '.', '-'), fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,12}$/)), { nil: null }),
    fc.constantFrom('', '', '.up', '.down'),
    fc.constantFrom('sql', 'sql', 'ts', 'mts', 'cts', 'js', 'mjs', 'cjs'),
  )
  .map(([prefix, version, name, direction, extension]) => ({
    prefix,
    version: version.text,
    name: name === null ? null : name[1],
    text: `${prefix}${version.text}${name === null ? '' : name[0] + name[1]}${extension === 'sql' ? direction : ''}.${extension}`,
  }));

/** What the grammar in src/sources/file-name.ts implements today: `_` separators, lower-case names. */
const currentFileName = fc
  .tuple(
    fc.constantFrom('', 'migration_'),
    fc.array(digitGroup, { minLength: 1, maxLength: 3 }),
    fc.stringMatching(/^[a-z][a-z0-9_]{0,12}$/),
    fc.constantFrom('', '.up', '.down'),
    fc.constantFrom('sql', 'ts', 'mjs'),
  )
  .map(([prefix, groups, name, direction, extension]) => `${prefix}${groups.join('_')}_${name}${extension === 'sql' ? direction : ''}.${extension}`);

describe('file-name grammar properties (§2)', () => {
  it('reads the version and name §2 implies from every name of the form it implements', () => {
    fc.assert(
      fc.property(currentFileName, (text) => {
        const spec = SPEC_GRAMMAR.exec(text);
        assert.ok(spec, text);
        const classified = classifyFileName(text);
        assert.equal(classified.type, 'migration', text);
        if (classified.type !== 'migration') return;
        assert.equal(classified.version, spec[2]);
        assert.equal(classified.name, spec[3]);
        assert.equal(classified.key, versionKey(spec[2]!));
      }),
      RUNS,
    );
  });

  it('classifies as a migration exactly what §2 accepts, with the version and name its groups imply', () => {
    fc.assert(
      fc.property(fileName, (file) => {
        const spec = SPEC_GRAMMAR.exec(file.text);
        const classified = classifyFileName(file.text);
        assert.equal(classified.type === 'migration', spec !== null, `${file.text}: ${JSON.stringify(classified)}`);
        if (spec === null || classified.type !== 'migration') return;
        assert.equal(classified.version, spec[2]);
        assert.equal(classified.name, spec[3] ?? '');
        assert.equal(classified.key, versionKey(spec[2]!));
      }),
      RUNS,
    );
  });

  it('never classifies a name §2 rejects as a migration, for any text', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^(migration_|V|R__|U)?[0-9a-zA-Z_.\- ]{0,12}\.(sql|ts|md|d\.ts|SQL)$/), (text) => {
        if (classifyFileName(text).type === 'migration') assert.ok(SPEC_GRAMMAR.test(text), text);
      }),
      RUNS,
    );
  });
});
