import { createHash } from 'node:crypto';
import type { Token } from 'antlr4ng';
import { LineIndex } from '../diagnostics/lines.js';
import type { Origin, SqlSource } from '../repo/model.js';
import { sharedRuns, substitute, type Substitution } from '../vars/substitute.js';
import {
  FlinkSqlLexer,
  lexFlinkSql,
  parsesCleanFast,
  parseTokens,
  relexSimilar,
  type LexedSql,
  type SyntaxError as GrammarError,
} from './grammar.js';
import { tokenOptions, type SqlOption } from './options.js';
import { shimForGrammar } from './shims.js';

export type StatementKind =
  | 'set'
  | 'reset'
  | 'ddl'
  | 'insert'
  | 'query'
  | 'statement-set'
  | 'use'
  | 'explain'
  | 'other';

/** One statement of a job's SQL, after `${var}` substitution, without its trailing `;`. */
export interface Statement {
  /** Index across all of the job's files. */
  index: number;
  file: string;
  kind: StatementKind;
  text: string;
  /** Offset of `text` in the substituted file text. */
  start: number;
  end: number;
}

/** What validation needs of a parse; the tree itself is not kept (500 jobs of trees would not fit the memory budget). */
export interface SqlAnalysis {
  errors: GrammarError[];
  statements: Omit<Statement, 'index' | 'file'>[];
  options: SqlOption[];
}

/**
 * Statements and options come from the lexer alone; the parse (syntax errors) runs only when asked
 * for — render and plan never pay for it. The token stream is not kept with the analysis (render
 * of 2,000 jobs would hold ~80 KB of tokens per job): the last few are kept in `recentTokens`, so
 * validate, which parses right after splitting, lexes once; a later parse lexes again.
 */
class LazyAnalysis implements SqlAnalysis {
  readonly statements: Omit<Statement, 'index' | 'file'>[];
  readonly options: SqlOption[];
  /** The token types the parser would see, or undefined when the lexer failed (then always parse). */
  private readonly shape: string | undefined;
  private parsed: { errors: GrammarError[] } | undefined;

  constructor(
    private readonly text: string,
    lex: (text: string) => LexedSql,
  ) {
    const lexed = lex(text);
    const tokens = lexed.tokens.getTokens();
    this.statements = splitStatements(text, tokens, lexed.offsetOf);
    this.options = tokenOptions(tokens, lexed.offsetOf);
    this.shape = lexed.errors.length ? undefined : tokenShape(tokens);
    recentTokens.keep(text, lexed);
  }

  private parse(): { errors: GrammarError[] } {
    if (!this.parsed) {
      // The parser sees token types only: a text whose token types match a text that parsed clean
      // (environments that differ in literal values) parses clean too, without parsing it again.
      if (this.shape !== undefined && cleanShapes.has(this.shape)) {
        this.parsed = { errors: [] };
        recentTokens.take(this.text); // not needed any more: let the tokens go while they are young
      } else {
        const lexed = recentTokens.take(this.text) ?? lexFlinkSql(this.text);
        if (this.shape !== undefined && piecesClean(lexed.tokens.getTokens())) {
          cleanShapes.add(this.shape);
          this.parsed = { errors: [] };
          return this.parsed;
        }
        const parsed = parseTokens(lexed);
        this.parsed = { errors: parsed.errors.length ? this.shimmedErrors(lexed, parsed.errors) : [] };
        if (this.shape !== undefined && parsed.errors.length === 0) cleanShapes.add(this.shape);
      }
    }
    return this.parsed;
  }

  /** Valid Flink SQL the grammar misses: parse the shimmed text and keep only the errors left. */
  private shimmedErrors(lexed: LexedSql, errors: GrammarError[]): GrammarError[] {
    const shimmed = shimForGrammar(lexed.text, lexed.tokens.getTokens(), lexed.offsetOf);
    if (!shimmed) return errors;
    const again = parseTokens(lexFlinkSql(shimmed.text));
    return again.errors.map((e) => ({ ...e, offset: shimmed.toOriginal(e.offset) }));
  }

  get errors(): GrammarError[] {
    return this.parse().errors;
  }
}

/** The token streams of the last few texts lexed: bounded, so memory does not grow with the repository. */
const recentTokens = new (class {
  private readonly streams = new Map<string, LexedSql>();
  keep(text: string, lexed: LexedSql): void {
    this.streams.set(text, lexed);
    if (this.streams.size > 8) this.streams.delete(this.streams.keys().next().value!);
  }
  peek(text: string): LexedSql | undefined {
    return this.streams.get(text);
  }
  take(text: string): LexedSql | undefined {
    const lexed = this.streams.get(text);
    this.streams.delete(text);
    return lexed;
  }
})();

const cleanShapes = new Set<string>();

/**
 * A program is a sequence of statements, so a text whose pieces (its tokens cut after each `;`) each
 * parse clean on their own parses clean as a whole. Statements recur across a fleet far more than
 * whole scripts do (the same source table, the same sink): each piece's shape is parsed once. False
 * when a piece is new and does not parse clean alone (an error, or a statement set cut at its inner
 * `;`): then the whole text is parsed, which gives the exact errors.
 */
function piecesClean(tokens: Token[]): boolean {
  let piece: Token[] = [];
  const clean = (): boolean => {
    if (!piece.length) return true;
    const shape = tokenShape(piece);
    if (!cleanShapes.has(shape)) {
      if (!parsesCleanFast(piece)) return false;
      cleanShapes.add(shape);
    }
    piece = [];
    return true;
  };
  for (const t of tokens) {
    if (t.channel !== 0 || t.type === -1) continue;
    piece.push(t);
    if (t.type === T.SEMICOLON && !clean()) return false;
  }
  return clean();
}

/** The token types of a text, hashed: 20 bytes per distinct shape instead of a few KB. */
function tokenShape(tokens: Token[]): string {
  // Two bytes a type (the grammar has fewer than 65,535 token types; EOF, -1, is 0xffff).
  const types = new Uint16Array(tokens.length);
  let n = 0;
  for (const t of tokens) if (t.channel === 0) types[n++] = t.type;
  return createHash('sha1').update(types.subarray(0, n)).digest('base64');
}

/** Analyses once per distinct text: environments whose variables give the same SQL share the work. */
const analyses = new Map<string, SqlAnalysis>();

export function analyzeSql(text: string, lex: (text: string) => LexedSql = lexFlinkSql): SqlAnalysis {
  let a = analyses.get(text);
  if (!a) {
    a = new LazyAnalysis(text, lex);
    if (analyses.size > 5000) analyses.clear();
    analyses.set(text, a);
  }
  return a;
}

/** One .sql file of a job: original text, substituted text, its analysis, and the way back to the original. */
export class SqlFile {
  readonly substitution: Substitution;
  readonly analysis: SqlAnalysis;
  readonly statements: Omit<Statement, 'index'>[];
  private readonly original: LineIndex;

  constructor(
    readonly source: SqlSource,
    vars: Readonly<Record<string, string>>,
  ) {
    this.substitution = substitute(source.text, vars);
    this.analysis = analyzeSql(this.substitution.text, (text) => lexLike(source, this.substitution, text));
    this.original = new LineIndex(source.text);
    this.statements = this.analysis.statements.map((s) => ({ ...s, file: source.file }));
  }

  /** Offset in the substituted text → file, line and column of the original file. */
  origin(offset: number): Origin {
    const p = this.original.position(this.substitution.toInput(offset));
    return { file: this.source.file, line: p.line, column: p.column };
  }

  /** Offset in the original text → line and column. */
  originalPosition(offset: number): Origin {
    return { file: this.source.file, ...this.original.position(offset) };
  }
}

/** The last few substitutions of each SQL file: a file is substituted once per environment, one after the other. */
const recentSubstitutions = new Map<SqlSource, Substitution>();

/**
 * Lexes a file's substituted text, reusing the tokens of its substitution for another environment where
 * the two texts share characters (relexSimilar: only the tokens around differing values are lexed again).
 */
function lexLike(source: SqlSource, substitution: Substitution, text: string): LexedSql {
  const before = recentSubstitutions.get(source);
  recentSubstitutions.delete(source);
  recentSubstitutions.set(source, substitution);
  if (recentSubstitutions.size > 8) recentSubstitutions.delete(recentSubstitutions.keys().next().value!);
  const base = before && recentTokens.peek(before.text);
  return base ? relexSimilar(text, base, sharedRuns(before, substitution)) : lexFlinkSql(text);
}

/** A job's SQL: its files in name order and their statements in execution order. */
export class JobSql {
  readonly files: SqlFile[];
  readonly statements: Statement[];

  constructor(sources: SqlSource[], vars: Readonly<Record<string, string>>) {
    this.files = sources.map((s) => new SqlFile(s, vars));
    this.statements = this.files.flatMap((f) => f.statements).map((s, index) => ({ ...s, index }));
  }

  fileOf(statement: Statement): SqlFile {
    return this.files.find((f) => f.source.file === statement.file)!;
  }

  /** A 1-based line/column inside a statement's text → the original file position. */
  originInStatement(statement: Statement, line: number, column: number): Origin {
    const local = new LineIndex(statement.text).offset(line, column);
    return this.fileOf(statement).origin(statement.start + local);
  }

  /** The effective script: statements joined with `;`, as the runner and the helper read it. */
  script(): string {
    return this.statements.map((s) => `${s.text};\n`).join('');
  }
}

const T = FlinkSqlLexer;

/**
 * Splits on `;` using the lexer's tokens, so semicolons in strings and comments never split, and a
 * statement set (`BEGIN STATEMENT SET; … END;` or `EXECUTE STATEMENT SET BEGIN … END;`) stays one
 * statement. Independent of the parser, so it still works when the grammar rejects a statement.
 */
export function splitStatements(
  text: string,
  tokens: Token[],
  offsetOf: (cp: number) => number,
): Omit<Statement, 'index' | 'file'>[] {
  const out: Omit<Statement, 'index' | 'file'>[] = [];
  let current: Token[] = [];
  let inSet = false;
  let caseDepth = 0;
  // Block comments between the last token and the `;` belong to the statement: a trailing hint
  // (`FROM t /*+ OPTIONS(...) */;`) changes what it does. Line comments stay out: the runner appends `;`.
  let trailing: Token | undefined;
  const flush = () => {
    if (current.length) {
      const start = offsetOf(current[0]!.start);
      const end = offsetOf((trailing ?? current[current.length - 1]!).stop + 1);
      out.push({ kind: kindOf(current), text: text.slice(start, end), start, end });
    }
    current = [];
    trailing = undefined;
  };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.type === -1) break;
    // (The text's own characters, not t.text: a token's text is a new string each time it is read.)
    if (t.channel !== 0 && current.length && text.startsWith('/*', offsetOf(t.start))) {
      trailing = t;
      continue;
    }
    if (t.channel !== 0 && current.length && text.startsWith('--', offsetOf(t.start))) {
      trailing = undefined;
      continue;
    }
    if (t.channel === 0 && t.type !== T.SEMICOLON) trailing = undefined;
    if (t.channel !== 0) continue;
    if (t.type === T.SEMICOLON) {
      // `BEGIN STATEMENT SET;` opens a block: keep its `;` inside the statement.
      if (inSet && !endsWith(current, T.KW_END)) {
        current.push(t);
        continue;
      }
      flush();
      inSet = false;
      caseDepth = 0;
      continue;
    }
    current.push(t);
    if (t.type === T.KW_CASE) caseDepth++;
    else if (t.type === T.KW_END && caseDepth > 0) caseDepth--;
    if (!inSet && (isBeginStatementSet(current) || isExecuteStatementSetBegin(current))) inSet = true;
  }
  flush();
  return out;

  function endsWith(ts: Token[], type: number): boolean {
    return caseDepth === 0 && ts.length > 0 && ts[ts.length - 1]!.type === type;
  }
}

function isBeginStatementSet(ts: Token[]): boolean {
  return ts.length === 3 && ts[0]!.type === T.KW_BEGIN && ts[1]!.type === T.KW_STATEMENT && ts[2]!.type === T.KW_SET;
}

function isExecuteStatementSetBegin(ts: Token[]): boolean {
  return (
    ts.length === 4 &&
    ts[0]!.type === T.KW_EXECUTE &&
    ts[1]!.type === T.KW_STATEMENT &&
    ts[2]!.type === T.KW_SET &&
    ts[3]!.type === T.KW_BEGIN
  );
}

function kindOf(ts: Token[]): StatementKind {
  const first = ts[0]!.type;
  if (isBeginStatementSet(ts.slice(0, 3)) || (first === T.KW_EXECUTE && ts[1]?.type === T.KW_STATEMENT))
    return 'statement-set';
  switch (first) {
    case T.KW_SET:
      return 'set';
    case T.KW_RESET:
      return 'reset';
    case T.KW_INSERT:
      return 'insert';
    case T.KW_SELECT:
    case T.KW_WITH:
    case T.KW_VALUES:
      return 'query';
    case T.KW_USE:
      return 'use';
    case T.KW_EXPLAIN:
      return 'explain';
    case T.KW_CREATE:
      return 'ddl';
    default: {
      const word = ts[0]!.text?.toUpperCase();
      if (word === 'ALTER' || word === 'DROP') return 'ddl';
      if (word === 'EXECUTE' && ts[1]?.type === T.KW_INSERT) return 'insert';
      if (word === '(') return 'query';
      return 'other';
    }
  }
}
