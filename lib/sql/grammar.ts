import {
  BailErrorStrategy,
  CharStreams,
  CommonToken,
  CommonTokenFactory,
  CommonTokenStream,
  DefaultErrorStrategy,
  ParseCancellationException,
  PredictionMode,
  Token,
  type ANTLRErrorListener,
  type CharStream,
  type TokenFactory,
  type TokenSource,
} from 'antlr4ng';
import { FlinkSqlLexer } from 'dt-sql-parser/dist/lib/flink/FlinkSqlLexer';
import { FlinkSqlParser, type ProgramContext } from 'dt-sql-parser/dist/lib/flink/FlinkSqlParser';

export { FlinkSqlLexer, FlinkSqlParser };

/** A syntax error, with its offset in UTF-16 units of the parsed text. */
export interface SyntaxError {
  offset: number;
  length: number;
  message: string;
}

export interface ParsedSql {
  tree: ProgramContext;
  tokens: CommonTokenStream;
  errors: SyntaxError[];
  /** Code-point index (what ANTLR counts) → UTF-16 offset. */
  offsetOf(codePointIndex: number): number;
}

/**
 * Parses Flink SQL with dt-sql-parser's grammar. The fast SLL prediction mode parses valid SQL
 * about ten times faster than full LL; only a script SLL cannot parse is parsed again in LL mode,
 * which gives the exact errors.
 */
export function parseFlinkSql(text: string): ParsedSql {
  return parseTokens(lexFlinkSql(text));
}

/** The token stream of a text: enough to split statements, without the cost of parsing. */
export interface LexedSql {
  text: string;
  tokens: CommonTokenStream;
  errors: SyntaxError[];
  offsetOf(codePointIndex: number): number;
}

export function lexFlinkSql(text: string): LexedSql {
  const offsetOf = codePointMapper(text);
  const errors: SyntaxError[] = [];
  const lexer = new FlinkSqlLexer(CharStreams.fromString(text));
  lexer.removeErrorListeners();
  lexer.addErrorListener(listener(errors, offsetOf, text));
  const tokens = new CommonTokenStream(lexer);
  tokens.fill();
  return { text, tokens, errors, offsetOf };
}

export function parseTokens(lexed: LexedSql): ParsedSql {
  const { tokens, offsetOf, text } = lexed;
  const tooDeep = nestingTooDeep(lexed);
  // The recursive-descent parser would need a stack frame chain per level (minutes and gigabytes for
  // thousands of levels): refuse before parsing, as an ordinary syntax error.
  if (tooDeep) {
    const empty = parseTokens(lexFlinkSql(''));
    return { ...empty, tokens, errors: [...lexed.errors, tooDeep], offsetOf };
  }
  tokens.seek(0);
  const parser = new FlinkSqlParser(tokens);
  parser.removeErrorListeners();
  parser.interpreter.predictionMode = PredictionMode.SLL;
  parser.errorHandler = new BailErrorStrategy();
  let tree: ProgramContext;
  const errors: SyntaxError[] = [];
  try {
    tree = parser.program();
  } catch (e) {
    if (!(e instanceof ParseCancellationException)) throw e;
    tokens.seek(0);
    parser.reset();
    parser.interpreter.predictionMode = PredictionMode.LL;
    parser.errorHandler = new DefaultErrorStrategy();
    parser.addErrorListener(listener(errors, offsetOf, text));
    tree = parser.program();
  }
  return { tree, tokens, errors: [...lexed.errors, ...errors].sort((a, b) => a.offset - b.offset), offsetOf };
}

/**
 * Whether a sequence of tokens (the parser's channel, without EOF) parses as a program in the fast SLL
 * mode. True proves the sequence valid; false proves nothing (SLL may fail on valid SQL, and a piece cut
 * out of a statement set is not a program): the caller then parses the whole text as usual.
 */
export function parsesCleanFast(tokens: readonly Token[]): boolean {
  let depth = 0;
  for (const t of tokens) {
    if (t.type === FlinkSqlLexer.LR_BRACKET || t.type === FlinkSqlLexer.LS_BRACKET) {
      if (++depth > MAX_SQL_NESTING) return false;
    } else if (t.type === FlinkSqlLexer.RR_BRACKET || t.type === FlinkSqlLexer.RS_BRACKET)
      depth = Math.max(0, depth - 1);
  }
  const parser = new FlinkSqlParser(new CommonTokenStream(new TokenList(tokens)));
  parser.removeErrorListeners();
  parser.interpreter.predictionMode = PredictionMode.SLL;
  parser.errorHandler = new BailErrorStrategy();
  try {
    parser.program();
    return true;
  } catch (e) {
    if (e instanceof ParseCancellationException) return false;
    throw e;
  }
}

/** Tokens already lexed, fed again (copies: a token stream numbers the tokens it reads), then EOF. */
class TokenList implements TokenSource {
  private next = 0;
  line = 1;
  column = 0;
  _tokenStartColumn = 0;
  inputStream: CharStream | null = null;
  sourceName = 'statement';
  tokenFactory: TokenFactory<Token> = CommonTokenFactory.DEFAULT;

  constructor(private readonly tokens: readonly Token[]) {}

  nextToken(): Token {
    const t = this.tokens[this.next++];
    if (t) return (t as CommonToken).clone();
    const stop = this.tokens.length ? this.tokens[this.tokens.length - 1]!.stop : -1;
    return new CommonToken(CommonToken.EMPTY_SOURCE, Token.EOF, Token.DEFAULT_CHANNEL, stop + 1, stop);
  }
}

/** Brackets nested deeper than this are refused unparsed; hand-written SQL stays far below it. */
export const MAX_SQL_NESTING = 128;

function nestingTooDeep(lexed: LexedSql): SyntaxError | undefined {
  let depth = 0;
  lexed.tokens.fill();
  for (const t of lexed.tokens.getTokens()) {
    if (t.channel !== 0) continue;
    if (t.text === '(' || t.text === '[') {
      depth++;
      if (depth > MAX_SQL_NESTING) {
        const offset = lexed.offsetOf(t.start);
        return {
          offset,
          length: 1,
          message: `brackets nested more than ${MAX_SQL_NESTING} deep: split the expression (a WITH clause or a view)`,
        };
      }
    } else if (t.text === ')' || t.text === ']') depth = Math.max(0, depth - 1);
  }
  return undefined;
}

function listener(into: SyntaxError[], offsetOf: (cp: number) => number, text: string): ANTLRErrorListener {
  return {
    syntaxError(_recognizer, offending, line, charPositionInLine, msg) {
      const token = offending as Token | null;
      let offset: number;
      let length = 1;
      if (token && token.start >= 0) {
        offset = offsetOf(token.start);
        length = Math.max(1, offsetOf(token.stop + 1) - offset);
      } else {
        offset = lineColumnToOffset(text, line, charPositionInLine);
      }
      into.push({ offset, length, message: readable(msg, token) });
    },
    reportAmbiguity() {},
    reportAttemptingFullContext() {},
    reportContextSensitivity() {},
  };
}

function readable(msg: string, token: Token | null): string {
  let m = msg.replace(/\s+/g, ' ').replace(/''([^']*)''/g, "'$1'");
  const expecting = m.match(/^(.*) expecting \{(.*)\}$/);
  if (expecting) {
    const options = expecting[2]!.split(', ');
    m =
      options.length > 6
        ? `${expecting[1]} (expected one of ${options.slice(0, 6).join(', ')}, …)`
        : `${expecting[1]} (expected one of ${options.join(', ')})`;
  }
  if (token?.type === -1 || /<EOF>/.test(m)) m = m.replace(/'?<EOF>'?/g, 'end of input');
  if (m.length > 200) m = `${m.slice(0, 197)}…`;
  return m;
}

function lineColumnToOffset(text: string, line: number, cpColumn: number): number {
  let offset = 0;
  for (let l = 1; l < line; l++) {
    const nl = text.indexOf('\n', offset);
    if (nl < 0) return text.length;
    offset = nl + 1;
  }
  let cp = 0;
  while (cp < cpColumn && offset < text.length) {
    const c = text.charCodeAt(offset);
    offset += c >= 0xd800 && c <= 0xdbff ? 2 : 1;
    cp++;
  }
  return offset;
}

/** ANTLR counts code points; JavaScript strings count UTF-16 units. Identity unless the text has astral characters. */
export function codePointMapper(text: string): (cp: number) => number {
  if (!/[\uD800-\uDBFF]/.test(text)) return (cp) => cp;
  const table: number[] = [];
  for (let i = 0; i < text.length; i++) {
    table.push(i);
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) i++;
  }
  table.push(text.length);
  return (cp) => (cp < table.length ? table[cp]! : text.length + (cp - table.length + 1));
}
