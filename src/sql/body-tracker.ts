/**
 * Whether a `;` ends the statement, for the splitter (split.ts): not inside parentheses, nor
 * inside the BEGIN … END body of a trigger or routine, as the dialect's syntax features say.
 */
import type { SqlTokenKind } from './lexer.js';
import type { SqlSyntax } from './syntax.js';

/** Compound blocks whose `;`s do not end the statement. */
type Block = 'BEGIN' | 'CASE' | 'CASE_EXPR' | 'IF' | 'LOOP' | 'WHILE' | 'REPEAT';

/** After CREATE/ALTER, the first of these words says what is being created. */
const OBJECT_KINDS: ReadonlySet<string> = new Set([
  'TABLE', 'VIEW', 'INDEX', 'TRIGGER', 'PROCEDURE', 'FUNCTION', 'EVENT', 'SCHEMA', 'DATABASE',
  'SEQUENCE', 'TYPE', 'DOMAIN', 'EXTENSION', 'ROLE', 'USER', 'MATERIALIZED', 'POLICY', 'RULE',
  'SERVER', 'TABLESPACE', 'OPERATOR', 'CAST', 'COLLATION', 'LANGUAGE', 'PUBLICATION',
  'SUBSCRIPTION', 'STATISTICS',
]);

/** `END IF`, `END LOOP` …: the word after END names the block it closes. */
const NAMED_ENDS: ReadonlyMap<string, Block> = new Map<string, Block>([
  ['IF', 'IF'], ['LOOP', 'LOOP'], ['WHILE', 'WHILE'], ['REPEAT', 'REPEAT'], ['CASE', 'CASE'],
]);

/** Tokens after which a MySQL compound statement (IF, LOOP, CASE …) may begin. */
const STATEMENT_STARTS: ReadonlySet<string> = new Set([
  ';', ':', 'BEGIN', 'ATOMIC', 'THEN', 'ELSE', 'DO', 'LOOP', 'REPEAT', 'ROW',
]);

/** No keyword the tracker compares is longer; longer words need no upper-casing. */
export const LONGEST_KEYWORD = 12;

/**
 * How many words into a CREATE/ALTER its object kind may come: `CREATE OR REPLACE DEFINER =
 * CURRENT_USER SQL SECURITY INVOKER ALGORITHM = MERGE VIEW` puts it eighth.
 */
const OBJECT_KIND_WITHIN_WORDS = 12;

/**
 * Decides whether a `;` ends the statement: it does not inside parentheses, nor inside the
 * BEGIN … END body of a trigger or routine. Plain `BEGIN;` is never a block opener here:
 * outside a body it starts a transaction, and the classifier must see it to refuse it.
 */
export class BodyTracker {
  /** The statement is `COPY … FROM STDIN`, so psql-style data lines follow it. */
  copyFromStdin = false;
  private words = 0;
  private first = '';
  private shape: 'undecided' | 'compound' | 'simple' = 'undecided';
  private readonly blocks: Block[] = [];
  private parens = 0;
  private endPending = false;
  /** The previous token: an upper-cased keyword, a punctuation character, or ''. */
  private previous = '';

  constructor(private readonly syntax: SqlSyntax) {}

  /** Whether a BEGIN … END body is still open (at the end of a script: its END is missing). */
  get insideBody(): boolean {
    this.settleEnd('');
    return this.blocks.length > 0;
  }

  /** Whether a `;` here ends the statement. */
  atStatementEnd(): boolean {
    this.settleEnd('');
    return this.blocks.length === 0 && this.parens === 0;
  }

  /** `text`: the upper-cased word, the punctuation character, or '' for other tokens. */
  observe(kind: SqlTokenKind, text: string): void {
    if (this.settleEnd(kind === 'word' ? text : '')) return;
    if (kind === 'word') this.observeWord(text);
    else if (text === '(') this.parens++;
    else if (text === ')') this.parens = Math.max(0, this.parens - 1);
    this.previous = text;
  }

  /**
   * Resolves an END once the next token is known. Returns true when that token was the
   * block word of `END IF` / `END LOOP` …, which closes only a block of its own kind: an IF
   * this tracker did not take for a statement then cannot close the BEGIN around it.
   */
  private settleEnd(next: string): boolean {
    if (!this.endPending) return false;
    this.endPending = false;
    const named = NAMED_ENDS.get(next);
    if (named === undefined) {
      this.blocks.pop();
      return false;
    }
    const innermost = this.blocks.at(-1);
    if (innermost === named || (named === 'CASE' && innermost === 'CASE_EXPR')) this.blocks.pop();
    this.previous = 'END';
    return true;
  }

  private observeWord(word: string): void {
    this.words++;
    if (this.words === 1) this.first = word;
    if (this.shape === 'undecided') this.decideShape(word);
    if (this.shape === 'compound') this.trackBlocks(word);
    if (this.first === 'COPY' && word === 'STDIN' && this.previous === 'FROM' && this.parens === 0) {
      this.copyFromStdin = true;
    }
  }

  private decideShape(word: string): void {
    if (this.words === 1) {
      const mayHaveBody = word === 'CREATE' || word === 'ALTER' || (word === 'BEGIN' && this.syntax.compoundStatements);
      if (!mayHaveBody) this.shape = 'simple';
      return;
    }
    if (this.first === 'BEGIN') {
      // MariaDB runs `BEGIN NOT ATOMIC … END` outside any routine; other BEGINs are transactions.
      if (this.words === 2 && word === 'NOT') return;
      if (this.words === 3 && word === 'ATOMIC') {
        this.shape = 'compound';
        this.blocks.push('BEGIN');
        return;
      }
      this.shape = 'simple';
      return;
    }
    if (OBJECT_KINDS.has(word)) {
      this.shape = this.syntax.bodyObjects.has(word) ? 'compound' : 'simple';
    } else if (this.words > OBJECT_KIND_WITHIN_WORDS) {
      this.shape = 'simple';
    }
  }

  private trackBlocks(word: string): void {
    switch (word) {
      case 'BEGIN':
        if (this.syntax.beginEndBlocks) this.blocks.push('BEGIN');
        return;
      case 'ATOMIC':
        if (this.syntax.beginAtomicBlocks && this.previous === 'BEGIN') this.blocks.push('BEGIN');
        return;
      case 'END':
        // An END before any body (in a trigger's WHEN clause) closes a CASE nobody counted.
        if (this.blocks.length > 0) this.endPending = true;
        return;
      case 'CASE': {
        const statement = this.startsCompoundStatement();
        if (statement || this.blocks.length > 0) this.blocks.push(statement ? 'CASE' : 'CASE_EXPR');
        return;
      }
      case 'IF':
      case 'LOOP':
      case 'WHILE':
      case 'REPEAT':
        if (this.startsCompoundStatement()) this.blocks.push(word);
        return;
    }
  }

  /**
   * MySQL's IF, LOOP, WHILE, REPEAT and CASE statements begin only where a statement may
   * begin; elsewhere `IF(` and `REPEAT(` are functions and `IF EXISTS` is a DDL clause.
   * Inside a CASE expression nothing starts a statement (`ELSE IF(a, b, c)` is a function).
   */
  private startsCompoundStatement(): boolean {
    return this.syntax.compoundStatements && this.blocks.at(-1) !== 'CASE_EXPR' && STATEMENT_STARTS.has(this.previous);
  }
}
