import { describe, it } from 'node:test';
import { SYNTAX, type SyntaxName } from '../support/syntax.js';
import assert from 'node:assert/strict';
import { outsideStringsAndComments } from '../../src/sql/marker-scan.js';
import { outsideStringsAndCommentsBySplitting, splitScript, splitStatements, type SqlSyntax } from '../../src/sql/split.js';

function texts(sql: string, syntax: SqlSyntax): string[] {
  return splitStatements(sql, syntax).map((statement) => statement.text);
}

const ALL: readonly SyntaxName[] = ['sqlite', 'postgres', 'mysql'];

describe('splitStatements: basics', () => {
  for (const syntax of ALL) {
    it(`splits on ; and keeps trailing text without one (${syntax})`, () => {
      assert.deepEqual(splitStatements('CREATE TABLE a (id INT);\nINSERT INTO a VALUES (1);\nSELECT 1', SYNTAX[syntax]), [
        { text: 'CREATE TABLE a (id INT)', line: 1 },
        { text: 'INSERT INTO a VALUES (1)', line: 2 },
        { text: 'SELECT 1', line: 3 },
      ]);
    });

    it(`drops empty and comment-only statements (${syntax})`, () => {
      assert.deepEqual(texts(';;\n  ;\n-- nothing here;\n/* nor here; */;\nSELECT 1;;\n-- trailing comment', SYNTAX[syntax]), ['SELECT 1']);
    });
  }

  it('returns nothing for empty input or only whitespace and comments', () => {
    assert.deepEqual(splitStatements('', SYNTAX.postgres), []);
    assert.deepEqual(splitStatements('  \n\t\n', SYNTAX.sqlite), []);
    assert.deepEqual(splitStatements('-- a\n/* b */\n', SYNTAX.mysql), []);
  });

  it('drops leading comments from the text and trims it', () => {
    assert.deepEqual(splitStatements('-- add email\n/* why: login */\n   ALTER TABLE users ADD COLUMN email TEXT   ;', SYNTAX.sqlite), [
      { text: 'ALTER TABLE users ADD COLUMN email TEXT', line: 3 },
    ]);
  });

  it('keeps comments inside a statement and drops one after its last token', () => {
    assert.deepEqual(texts('SELECT 1 /* one */ + 2 -- sum\n;', SYNTAX.postgres), ['SELECT 1 /* one */ + 2']);
  });

  it('does not split on ; inside parentheses', () => {
    const rule = 'CREATE RULE log_ins AS ON INSERT TO t DO ALSO (INSERT INTO log VALUES (1); INSERT INTO log VALUES (2))';
    assert.deepEqual(texts(`${rule};\nSELECT 1;`, SYNTAX.postgres), [rule, 'SELECT 1']);
  });

  it('makes an unterminated string the rest of the input, as one statement', () => {
    assert.deepEqual(texts("SELECT 1;\nSELECT 'oops;\nSELECT 2;", SYNTAX.sqlite), ['SELECT 1', "SELECT 'oops;\nSELECT 2;"]);
  });
});

describe('splitStatements: line numbers', () => {
  it('points at the first token after a multi-line comment', () => {
    const sql = 'SELECT 1;\n/*\n  long; comment\n  with \'quotes\'\n*/\n\n  SELECT 2;\n-- x\nSELECT\n  3;';
    assert.deepEqual(splitStatements(sql, SYNTAX.postgres), [
      { text: 'SELECT 1', line: 1 },
      { text: 'SELECT 2', line: 7 },
      { text: 'SELECT\n  3', line: 9 },
    ]);
  });

  it('counts lines inside strings and dollar quotes', () => {
    const sql = "INSERT INTO t VALUES ('a\nb\nc');\nDO $$\nBEGIN\nEND\n$$;\nSELECT 1;";
    assert.deepEqual(
      splitStatements(sql, SYNTAX.postgres).map((statement) => statement.line),
      [1, 4, 8],
    );
  });

  it('offsets every line by startLine', () => {
    assert.deepEqual(splitStatements('\n-- down\nDROP TABLE a;\nDROP TABLE b;', SYNTAX.sqlite, { startLine: 12 }), [
      { text: 'DROP TABLE a', line: 14 },
      { text: 'DROP TABLE b', line: 15 },
    ]);
  });

  it('handles CRLF line endings', () => {
    const sql = '-- migrate:up\r\nCREATE TABLE a (\r\n  id INT\r\n);\r\n\r\n/* two\r\n lines */\r\nSELECT 1;\r\n';
    assert.deepEqual(splitStatements(sql, SYNTAX.mysql), [
      { text: 'CREATE TABLE a (\r\n  id INT\r\n)', line: 2 },
      { text: 'SELECT 1', line: 8 },
    ]);
  });
});

describe('splitStatements: quotes', () => {
  for (const syntax of ALL) {
    it(`ignores ; and -- inside single quotes with '' escapes (${syntax})`, () => {
      assert.deepEqual(texts("INSERT INTO t VALUES ('it''s; -- not a comment');SELECT 2", SYNTAX[syntax]), [
        "INSERT INTO t VALUES ('it''s; -- not a comment')",
        'SELECT 2',
      ]);
    });
  }

  it('ignores ; inside double-quoted identifiers with "" escapes', () => {
    assert.deepEqual(texts('CREATE TABLE "a;""b" (x INT); SELECT 1', SYNTAX.postgres), ['CREATE TABLE "a;""b" (x INT)', 'SELECT 1']);
  });

  it('ignores ; and quotes inside backtick identifiers on MySQL and SQLite', () => {
    for (const syntax of ['mysql', 'sqlite'] as const) {
      assert.deepEqual(texts("CREATE TABLE `it's;` (x INT); SELECT 1", SYNTAX[syntax]), ["CREATE TABLE `it's;` (x INT)", 'SELECT 1']);
    }
  });

  it("ignores ; and quotes inside SQLite's [bracketed] identifiers", () => {
    assert.deepEqual(texts("SELECT [it's;] FROM t; SELECT 2", SYNTAX.sqlite), ["SELECT [it's;] FROM t", 'SELECT 2']);
  });

  it('honours backslash escapes in MySQL strings, single and double quoted', () => {
    assert.deepEqual(texts('INSERT INTO t VALUES (\'it\\\'s;\', "say \\"hi;\\"");SELECT 2', SYNTAX.mysql), [
      'INSERT INTO t VALUES (\'it\\\'s;\', "say \\"hi;\\"")',
      'SELECT 2',
    ]);
  });

  it('ends a standard PostgreSQL or SQLite string at a quote after a backslash', () => {
    for (const syntax of ['postgres', 'sqlite'] as const) {
      assert.deepEqual(texts("INSERT INTO t VALUES ('C:\\');SELECT 2", SYNTAX[syntax]), ["INSERT INTO t VALUES ('C:\\')", 'SELECT 2']);
    }
  });

  it("honours backslash escapes in PostgreSQL E'' strings, either case", () => {
    assert.deepEqual(texts("SELECT E'it\\'s;'; SELECT e'\\\\'; SELECT 3", SYNTAX.postgres), [
      "SELECT E'it\\'s;'",
      "SELECT e'\\\\'",
      'SELECT 3',
    ]);
  });

  it("does not take a word ending in E before a quote for an E'' string", () => {
    // `note'\'` would swallow the rest if `note` were read as an E prefix; it is a plain string.
    assert.deepEqual(texts("SELECT note'\\'; SELECT 2", SYNTAX.postgres), ["SELECT note'\\'", 'SELECT 2']);
  });
});

describe('splitStatements: PostgreSQL dollar quoting', () => {
  it('keeps a plpgsql function with $$ body whole', () => {
    const fn = `CREATE FUNCTION touch() RETURNS trigger AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END;
$$ LANGUAGE plpgsql`;
    assert.deepEqual(texts(`${fn};\nCREATE TRIGGER t BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch();`, SYNTAX.postgres), [
      fn,
      'CREATE TRIGGER t BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch()',
    ]);
  });

  it('keeps $$ and E strings nested inside a $body$ tag', () => {
    const fn = `CREATE OR REPLACE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $body$
DECLARE q text := E'it\\'s; fine';
BEGIN
  EXECUTE $$SELECT ';'$$;
  PERFORM 1; -- $body is not the closing tag
  /* ; */
END
$body$`;
    assert.deepEqual(texts(`${fn};\nSELECT 2;`, SYNTAX.postgres), [fn, 'SELECT 2']);
  });

  it('does not take $1 placeholders for dollar quotes', () => {
    assert.deepEqual(texts('PREPARE q (int) AS SELECT $1; SELECT $2, $1; SELECT 3', SYNTAX.postgres), [
      'PREPARE q (int) AS SELECT $1',
      'SELECT $2, $1',
      'SELECT 3',
    ]);
  });

  it('does not open a dollar quote on a $ inside an identifier', () => {
    assert.deepEqual(texts('SELECT a$b$ FROM t; SELECT 2', SYNTAX.postgres), ['SELECT a$b$ FROM t', 'SELECT 2']);
  });

  it('treats $$ as plain characters on MySQL', () => {
    assert.deepEqual(texts("SELECT '$$'; SELECT $$x; SELECT 3", SYNTAX.mysql), ["SELECT '$$'", 'SELECT $$x', 'SELECT 3']);
  });
});

describe('splitStatements: comments', () => {
  it("ignores ; and quotes in -- and /* */ comments", () => {
    const sql = "SELECT 1 -- it's; done\n, 2; /* don't; */ SELECT 3;";
    for (const syntax of ALL) assert.deepEqual(texts(sql, SYNTAX[syntax]), ["SELECT 1 -- it's; done\n, 2", 'SELECT 3']);
  });

  it('nests block comments on PostgreSQL only', () => {
    const sql = '/* outer /* inner */ still; comment */ SELECT 1;';
    assert.deepEqual(texts(sql, SYNTAX.postgres), ['SELECT 1']);
    assert.deepEqual(texts(sql, SYNTAX.sqlite), ['still', 'comment */ SELECT 1']);
  });

  it('treats # as a comment on MySQL only', () => {
    assert.deepEqual(texts("# it's; a comment\nSELECT 1;", SYNTAX.mysql), ['SELECT 1']);
    assert.deepEqual(texts('SELECT 1 # x\n;', SYNTAX.mysql), ['SELECT 1']);
  });

  it('needs whitespace after -- on MySQL, so 5--1 is arithmetic', () => {
    assert.deepEqual(texts('SELECT 5--1;\nSELECT 2', SYNTAX.mysql), ['SELECT 5--1', 'SELECT 2']);
    assert.deepEqual(texts('SELECT 5--1;\nSELECT 2', SYNTAX.sqlite), ['SELECT 5--1;\nSELECT 2']);
  });

  it('keeps MySQL executable /*! */ comments as statements', () => {
    const sql = '/*!40101 SET @saved_cs_client = @@character_set_client */;\n/* plain */;\n/*M!100100 SET x = 1 */;';
    assert.deepEqual(splitStatements(sql, SYNTAX.mysql), [
      { text: '/*!40101 SET @saved_cs_client = @@character_set_client */', line: 1 },
      { text: '/*M!100100 SET x = 1 */', line: 3 },
    ]);
  });
});

describe('splitStatements: SQLite triggers', () => {
  it('keeps a trigger body with several statements whole', () => {
    const trigger = `CREATE TRIGGER users_audit AFTER UPDATE ON users
BEGIN
  INSERT INTO audit (user_id, note) VALUES (NEW.id, 'updated; see log');
  UPDATE users SET updated_at = CURRENT_TIMESTAMP WHERE id = NEW.id;
END`;
    assert.deepEqual(splitStatements(`CREATE TABLE audit (user_id INT, note TEXT);\n${trigger};\nSELECT 1;`, SYNTAX.sqlite), [
      { text: 'CREATE TABLE audit (user_id INT, note TEXT)', line: 1 },
      { text: trigger, line: 2 },
      { text: 'SELECT 1', line: 7 },
    ]);
  });

  it('nests CASE … END expressions inside the body and in the WHEN clause', () => {
    const trigger = `CREATE TEMP TRIGGER IF NOT EXISTS clamp BEFORE INSERT ON t
WHEN CASE WHEN NEW.n IS NULL THEN 0 ELSE 1 END = 1
BEGIN
  SELECT CASE WHEN NEW.n < 0 THEN RAISE(ABORT, 'negative; no') END;
  UPDATE t SET kind = CASE WHEN NEW.n > 10 THEN 'big' ELSE CASE WHEN NEW.n > 5 THEN 'mid' ELSE 'small' END END WHERE id = NEW.id;
END`;
    assert.deepEqual(texts(`${trigger};\nSELECT 2;`, SYNTAX.sqlite), [trigger, 'SELECT 2']);
  });

  it('does not take a table or column named like a keyword for a trigger', () => {
    assert.deepEqual(texts('CREATE TABLE trigger_log (id INT, "begin" TEXT); SELECT 1;', SYNTAX.sqlite), [
      'CREATE TABLE trigger_log (id INT, "begin" TEXT)',
      'SELECT 1',
    ]);
  });
});

describe('splitStatements: transaction statements are not blocks', () => {
  for (const syntax of ALL) {
    it(`splits BEGIN; … COMMIT; into separate statements (${syntax})`, () => {
      assert.deepEqual(texts('BEGIN;\nCREATE TABLE a (id INT);\nCOMMIT;\nBEGIN TRANSACTION;\nROLLBACK;', SYNTAX[syntax]), [
        'BEGIN',
        'CREATE TABLE a (id INT)',
        'COMMIT',
        'BEGIN TRANSACTION',
        'ROLLBACK',
      ]);
    });
  }

  it('splits BEGIN WORK and START TRANSACTION on MySQL', () => {
    assert.deepEqual(texts('BEGIN WORK; SELECT 1; START TRANSACTION; SELECT 2; COMMIT', SYNTAX.mysql), [
      'BEGIN WORK',
      'SELECT 1',
      'START TRANSACTION',
      'SELECT 2',
      'COMMIT',
    ]);
  });

  it('splits PostgreSQL BEGIN … END (END being COMMIT)', () => {
    assert.deepEqual(texts('BEGIN ISOLATION LEVEL SERIALIZABLE; SELECT 1; END;', SYNTAX.postgres), [
      'BEGIN ISOLATION LEVEL SERIALIZABLE',
      'SELECT 1',
      'END',
    ]);
  });
});

describe('splitStatements: PostgreSQL BEGIN ATOMIC bodies', () => {
  it('keeps a SQL-standard function body whole', () => {
    const fn = `CREATE FUNCTION add_user(name text) RETURNS void LANGUAGE sql
BEGIN ATOMIC
  INSERT INTO users (name) VALUES (name);
  UPDATE stats SET users = users + 1, kind = CASE WHEN users > 9 THEN 'many' END;
END`;
    assert.deepEqual(texts(`${fn};\nSELECT 1;`, SYNTAX.postgres), [fn, 'SELECT 1']);
  });
});

describe('splitStatements: MySQL routines without DELIMITER', () => {
  it('keeps a procedure with IF/ELSEIF/END IF, IF() and IF EXISTS whole', () => {
    const procedure = `CREATE PROCEDURE grade(IN score INT, OUT label VARCHAR(10))
BEGIN
  DROP TEMPORARY TABLE IF EXISTS scratch;
  SET label = IF(score IS NULL, 'none', NULL);
  IF (score >= 90) THEN
    SET label = 'A';
  ELSEIF score >= 50 THEN
    SET label = 'pass';
  ELSE
    IF score < 0 THEN SET label = 'bad'; END IF;
  END IF;
END`;
    assert.deepEqual(splitStatements(`${procedure};\nCALL grade(95, @l);`, SYNTAX.mysql), [
      { text: procedure, line: 1 },
      { text: 'CALL grade(95, @l)', line: 13 },
    ]);
  });

  it('keeps labelled LOOP, WHILE and REPEAT with REPEAT() and a cursor handler whole', () => {
    const procedure = `CREATE DEFINER=\`root\`@\`localhost\` PROCEDURE fill()
BEGIN
  DECLARE done INT DEFAULT FALSE;
  DECLARE i INT DEFAULT 0;
  DECLARE cur CURSOR FOR SELECT id FROM t;
  DECLARE CONTINUE HANDLER FOR NOT FOUND SET done = TRUE;
  DECLARE EXIT HANDLER FOR SQLEXCEPTION
  BEGIN
    ROLLBACK;
    RESIGNAL;
  END;
  read_loop: LOOP
    FETCH cur INTO i;
    IF done THEN LEAVE read_loop; END IF;
  END LOOP read_loop;
  WHILE i < 10 DO
    SET i = i + 1;
  END WHILE;
  REPEAT
    INSERT INTO log VALUES (REPEAT('x', i));
  UNTIL i > 20 END REPEAT;
END`;
    assert.deepEqual(texts(`${procedure};\nSELECT 1;`, SYNTAX.mysql), [procedure, 'SELECT 1']);
  });

  it('keeps CASE statements and CASE expressions (including ELSE IF()) whole', () => {
    const fn = `CREATE FUNCTION kind(n INT) RETURNS VARCHAR(10) DETERMINISTIC
BEGIN
  DECLARE k VARCHAR(10);
  CASE n
    WHEN 0 THEN SET k = 'zero';
    WHEN 1 THEN BEGIN SET k = 'one'; END;
    ELSE SET k = CASE WHEN n > 1 THEN 'many' ELSE IF(n < 0, 'neg', '?') END;
  END CASE;
  RETURN k;
END`;
    assert.deepEqual(texts(`${fn};\nSELECT kind(1);`, SYNTAX.mysql), [fn, 'SELECT kind(1)']);
  });

  it('keeps a function with a single RETURN statement as one statement', () => {
    assert.deepEqual(texts('CREATE FUNCTION one() RETURNS INT DETERMINISTIC RETURN IF(1 > 0, 1, 0);\nSELECT one();', SYNTAX.mysql), [
      'CREATE FUNCTION one() RETURNS INT DETERMINISTIC RETURN IF(1 > 0, 1, 0)',
      'SELECT one()',
    ]);
  });

  it('keeps a trigger with a BEGIN … END body whole', () => {
    const trigger = `CREATE TRIGGER users_bi BEFORE INSERT ON users FOR EACH ROW
BEGIN
  IF NEW.email IS NULL THEN
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'email; required';
  END IF;
  SET NEW.created_at = NOW();
END`;
    assert.deepEqual(texts(`${trigger};\nINSERT INTO users VALUES (1);`, SYNTAX.mysql), [trigger, 'INSERT INTO users VALUES (1)']);
  });

  it('keeps a trigger whose body is a bare IF statement whole', () => {
    const trigger = 'CREATE TRIGGER clamp BEFORE INSERT ON t FOR EACH ROW IF NEW.n < 0 THEN SET NEW.n = 0; ELSE SET NEW.n = NEW.n; END IF';
    assert.deepEqual(texts(`${trigger};\nSELECT 1;`, SYNTAX.mysql), [trigger, 'SELECT 1']);
  });

  it('keeps a single-statement trigger as one statement', () => {
    assert.deepEqual(texts('CREATE TRIGGER t1 BEFORE INSERT ON t FOR EACH ROW SET NEW.n = IF(NEW.n < 0, 0, NEW.n);\nSELECT 1;', SYNTAX.mysql), [
      'CREATE TRIGGER t1 BEFORE INSERT ON t FOR EACH ROW SET NEW.n = IF(NEW.n < 0, 0, NEW.n)',
      'SELECT 1',
    ]);
  });

  it('keeps an event with a DO BEGIN … END body whole', () => {
    const event = 'CREATE EVENT purge ON SCHEDULE EVERY 1 DAY DO BEGIN DELETE FROM sessions WHERE expired; DELETE FROM tokens WHERE expired; END';
    assert.deepEqual(texts(`${event};\nSELECT 1;`, SYNTAX.mysql), [event, 'SELECT 1']);
  });

  it("keeps MariaDB's BEGIN NOT ATOMIC block whole", () => {
    const block = 'BEGIN NOT ATOMIC DECLARE x INT DEFAULT 1; IF x THEN SELECT 1; END IF; END';
    assert.deepEqual(texts(`${block};\nSELECT 2;`, SYNTAX.mysql), [block, 'SELECT 2']);
  });
});

describe('splitStatements: MySQL DELIMITER lines', () => {
  it('splits at a custom delimiter and drops the DELIMITER lines', () => {
    const sql = `DELIMITER $$
CREATE PROCEDURE p()
BEGIN
  SELECT 1;
  SELECT 2;
END$$
DELIMITER ;
CALL p();
SELECT 3;`;
    assert.deepEqual(splitStatements(sql, SYNTAX.mysql), [
      { text: 'CREATE PROCEDURE p()\nBEGIN\n  SELECT 1;\n  SELECT 2;\nEND', line: 2 },
      { text: 'CALL p()', line: 8 },
      { text: 'SELECT 3', line: 9 },
    ]);
  });

  it('accepts // and a lowercase delimiter command, with ; inside statements', () => {
    const sql = "delimiter //\nCREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW BEGIN SET NEW.a = ';'; END //\nSELECT 1; SELECT 2 //\ndelimiter ;\nSELECT 3;";
    assert.deepEqual(texts(sql, SYNTAX.mysql), [
      "CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW BEGIN SET NEW.a = ';'; END",
      'SELECT 1; SELECT 2',
      'SELECT 3',
    ]);
  });

  it("splits mysqldump's DELIMITER ;; blocks with /*!50003 */ comments", () => {
    const sql = `/*!50003 SET @saved_sql_mode = @@sql_mode */ ;
DELIMITER ;;
/*!50003 CREATE*/ /*!50017 DEFINER=\`root\`@\`localhost\`*/ /*!50003 TRIGGER \`orders_ai\` AFTER INSERT ON \`orders\` FOR EACH ROW BEGIN
  UPDATE stock SET n = n - 1 WHERE id = NEW.item;
END */;;
DELIMITER ;
/*!50003 SET sql_mode = @saved_sql_mode */ ;`;
    assert.deepEqual(splitStatements(sql, SYNTAX.mysql), [
      { text: '/*!50003 SET @saved_sql_mode = @@sql_mode */', line: 1 },
      {
        text: '/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`localhost`*/ /*!50003 TRIGGER `orders_ai` AFTER INSERT ON `orders` FOR EACH ROW BEGIN\n  UPDATE stock SET n = n - 1 WHERE id = NEW.item;\nEND */',
        line: 3,
      },
      { text: '/*!50003 SET sql_mode = @saved_sql_mode */', line: 7 },
    ]);
  });

  it('ignores a custom delimiter inside strings and comments', () => {
    const sql = "DELIMITER $$\nSELECT '$$' -- $$\n, 1 $$\nDELIMITER ;";
    assert.deepEqual(texts(sql, SYNTAX.mysql), ["SELECT '$$' -- $$\n, 1"]);
  });

  it('sends a DELIMITER line without an argument as a statement, so the server names its line', () => {
    assert.deepEqual(splitStatements('SELECT 1;\nDELIMITER\nSELECT 2;', SYNTAX.mysql), [
      { text: 'SELECT 1', line: 1 },
      { text: 'DELIMITER', line: 2 },
      { text: 'SELECT 2', line: 3 },
    ]);
  });

  it('does not take a column named delimiter for a DELIMITER line', () => {
    assert.deepEqual(texts('CREATE TABLE csv (\ndelimiter CHAR(1)\n);\nSELECT 1;', SYNTAX.mysql), [
      'CREATE TABLE csv (\ndelimiter CHAR(1)\n)',
      'SELECT 1',
    ]);
  });

  it('treats DELIMITER as an ordinary word on PostgreSQL', () => {
    assert.deepEqual(texts('DELIMITER //\nSELECT 1;', SYNTAX.postgres), ['DELIMITER //\nSELECT 1']);
  });
});

describe('splitStatements: client commands and COPY', () => {
  it('makes each psql meta-command line its own statement', () => {
    const sql = 'SELECT 1;\n\\connect other_db\n  \\i more.sql\r\nSELECT 2;';
    assert.deepEqual(splitStatements(sql, SYNTAX.postgres), [
      { text: 'SELECT 1', line: 1 },
      { text: '\\connect other_db', line: 2 },
      { text: '\\i more.sql', line: 3 },
      { text: 'SELECT 2', line: 4 },
    ]);
  });

  for (const syntax of ['sqlite', 'mysql'] as const) {
    it(`makes a backslash command line its own statement on ${syntax} too`, () => {
      assert.deepEqual(texts('SELECT 1;\n\\. other.sql\nSELECT 2;', SYNTAX[syntax]), ['SELECT 1', '\\. other.sql', 'SELECT 2']);
    });
  }

  it('ends an unfinished statement at a meta-command line', () => {
    assert.deepEqual(texts('SELECT 1\n\\gset\nSELECT 2;', SYNTAX.postgres), ['SELECT 1', '\\gset', 'SELECT 2']);
  });

  it('does not take a backslash inside a string or mid-line for a meta-command', () => {
    assert.deepEqual(texts("SELECT '\n\\connect x';\nSELECT 1 \\x;", SYNTAX.postgres), ["SELECT '\n\\connect x'", 'SELECT 1 \\x']);
  });

  it('emits COPY … FROM stdin and skips its data up to \\.', () => {
    const sql = "COPY users (id, name) FROM stdin;\n1\tit's; me\n2\t\\N\n\\.\nSELECT 2;";
    assert.deepEqual(splitStatements(sql, SYNTAX.postgres), [
      { text: 'COPY users (id, name) FROM stdin', line: 1 },
      { text: 'SELECT 2', line: 5 },
    ]);
  });

  it('skips COPY data with CRLF line endings and without a terminator', () => {
    assert.deepEqual(texts('COPY t FROM STDIN;\r\n1\r\n\\.\r\nSELECT 1;', SYNTAX.postgres), ['COPY t FROM STDIN', 'SELECT 1']);
    assert.deepEqual(texts("COPY t FROM STDIN;\n1\t'\n", SYNTAX.postgres), ['COPY t FROM STDIN']);
  });

  it('does not skip anything after COPY … FROM a file', () => {
    assert.deepEqual(texts("COPY t FROM '/tmp/t.csv';\nSELECT 1;", SYNTAX.postgres), ["COPY t FROM '/tmp/t.csv'", 'SELECT 1']);
  });
});

describe('splitStatements: large input', () => {
  it('splits a 5 MB script with strings, comments and bodies correctly', () => {
    const unit = [
      "INSERT INTO t (a, b) VALUES (1, 'x;y''z'); -- note; 'quoted'",
      '/* block ; comment */ UPDATE t SET a = a + 1 WHERE b = "q;";',
      "CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE t SET a = CASE WHEN NEW.a THEN 1 END; SELECT ';'; END;",
    ].join('\n');
    const copies = Math.ceil((5 * 1024 * 1024) / (unit.length + 1));
    const sql = Array.from({ length: copies }, () => unit).join('\n');
    assert.ok(sql.length >= 5 * 1024 * 1024);

    const statements = splitStatements(sql, SYNTAX.sqlite);

    assert.equal(statements.length, copies * 3);
    const last = copies - 1;
    assert.deepEqual(statements[last * 3], { text: "INSERT INTO t (a, b) VALUES (1, 'x;y''z')", line: last * 3 + 1 });
    assert.deepEqual(statements[last * 3 + 1], { text: 'UPDATE t SET a = a + 1 WHERE b = "q;"', line: last * 3 + 2 });
    assert.deepEqual(statements[last * 3 + 2], {
      text: "CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE t SET a = CASE WHEN NEW.a THEN 1 END; SELECT ';'; END",
      line: last * 3 + 3,
    });
  });

  it('splits one 5 MB statement and a long run of single-line comments', () => {
    const values = Array.from({ length: 400_000 }, (_, i) => `(${i},'v${i}')`).join(',');
    const comments = '-- filler; \'\n'.repeat(100_000);
    const statements = splitStatements(`INSERT INTO t VALUES ${values};\n${comments}SELECT 1`, SYNTAX.postgres);
    assert.equal(statements.length, 2);
    assert.equal(statements[0]?.text.length, `INSERT INTO t VALUES ${values}`.length);
    assert.deepEqual(statements[1], { text: 'SELECT 1', line: 100_002 });
  });
});

describe('splitScript: a string or comment that is never closed (issue 13, defect 2)', () => {
  for (const syntax of ALL) {
    it(`reports an unclosed /* comment and the line it opens on (${syntax})`, () => {
      const split = splitScript('CREATE TABLE a (id INT);\n\n/* old code\nCREATE TABLE b (id INT);\n', SYNTAX[syntax], { startLine: 4 });
      assert.deepEqual(split.statements.map((s) => s.text), ['CREATE TABLE a (id INT)']);
      assert.deepEqual(split.unterminated, { kind: 'block comment', line: 6, opener: '/*' });
    });

    it(`reports an unclosed quote as a string, not a comment (${syntax})`, () => {
      assert.deepEqual(splitScript("SELECT 1;\nSELECT 'oops;\nSELECT 2;", SYNTAX[syntax]).unterminated, { kind: 'string', line: 2, opener: "'" });
    });

    it(`reports nothing when every comment and string is closed (${syntax})`, () => {
      assert.equal(splitScript("/* a */ SELECT '/*' ; -- /* \nSELECT 2 /* b */;", SYNTAX[syntax]).unterminated, null);
    });
  }

  it('follows PostgreSQL comment nesting: one */ does not close two /*', () => {
    const sql = '/* outer /* inner */ still comment;\nSELECT 1;\n';
    assert.deepEqual(splitScript(sql, SYNTAX.postgres).unterminated, { kind: 'block comment', line: 1, opener: '/*' });
    assert.equal(splitScript(`${sql}*/`, SYNTAX.postgres).unterminated, null);
  });

  it('does not nest comments on MySQL and SQLite: the first */ closes', () => {
    for (const syntax of ['mysql', 'sqlite'] as const) {
      const split = splitScript('/* outer /* inner */ SELECT 1;\n', SYNTAX[syntax]);
      assert.equal(split.unterminated, null, syntax);
      assert.deepEqual(split.statements.map((s) => s.text), ['SELECT 1']);
    }
  });

  it('reports unclosed dollar quotes, E strings and quoted identifiers with their opener', () => {
    assert.deepEqual(splitScript('SELECT 1;\nDO $body$ BEGIN END $$;', SYNTAX.postgres).unterminated, { kind: 'dollar-quoted string', line: 2, opener: '$body$' });
    assert.deepEqual(splitScript("SELECT E'it\\'s;", SYNTAX.postgres).unterminated, { kind: 'string', line: 1, opener: "E'" });
    assert.deepEqual(splitScript('SELECT "a;', SYNTAX.postgres).unterminated, { kind: 'quoted identifier', line: 1, opener: '"' });
    assert.deepEqual(splitScript('SELECT [a;', SYNTAX.sqlite).unterminated, { kind: 'quoted identifier', line: 1, opener: '[' });
    assert.deepEqual(splitScript('SELECT `a;', SYNTAX.mysql).unterminated, { kind: 'quoted identifier', line: 1, opener: '`' });
    assert.deepEqual(splitScript('SELECT 1 /*!50100 , 2;', SYNTAX.mysql).unterminated, { kind: 'executable comment', line: 1, opener: '/*' });
  });

  it('keeps splitStatements as it was: the rest of the input is one statement or dropped', () => {
    assert.deepEqual(texts('SELECT 1;\n/* never closed\nSELECT 2;', SYNTAX.sqlite), ['SELECT 1']);
  });
});

describe('outsideStringsAndComments', () => {
  for (const [name, outside] of [['the splitter', outsideStringsAndCommentsBySplitting], ['the fast scan', outsideStringsAndComments]] as const) {
    it(`tells offsets inside strings, dollar quotes, comments and COPY data from the rest (${name})`, () => {
      const sql = "SELECT 'a\nX';\nX\n$$\nX$$;\n/*\nX */\nCOPY t FROM stdin;\nX\n\\.\nX";
      const offsets = [...sql.matchAll(/X/g)].map((m) => m.index!);
      assert.deepEqual(outside(sql, SYNTAX.postgres, offsets), [false, true, false, false, false, true]);
      // SQLite has no dollar quotes and no COPY: only the string and the comment hide an X.
      assert.deepEqual(outside(sql, SYNTAX.sqlite, offsets), [false, true, true, false, true, true]);
    });

    it(`ends a quoted run where the lexer does: 'a'' is never closed, 'it\\'s' is closed on MySQL only (${name})`, () => {
      const sql = "SELECT 'a'';\nX\nSELECT 1;";
      assert.deepEqual(outside(sql, SYNTAX.sqlite, [sql.indexOf('X')]), [false]);
      const escaped = "SELECT 'it\\'s';\nX\n";
      assert.deepEqual(outside(escaped, SYNTAX.mysql, [escaped.indexOf('X')]), [true]);
      assert.deepEqual(outside(escaped, SYNTAX.postgres, [escaped.indexOf('X')]), [false]);
    });

    it(`opens a dollar quote right after another closes, but not inside a word (${name})`, () => {
      // `$$$$` is an empty dollar-quoted string; the `$$` after it opens the next one.
      const sql = '$$$$$$\nX;';
      assert.deepEqual(outside(sql, SYNTAX.postgres, [sql.indexOf('X')]), [false]);
      const word = 'SELECT a$$\nX;';
      assert.deepEqual(outside(word, SYNTAX.postgres, [word.indexOf('X')]), [true]);
    });
  }
});
