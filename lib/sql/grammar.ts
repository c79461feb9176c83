import {
  BailErrorStrategy,
  CommonToken,
  CommonTokenFactory,
  CommonTokenStream,
  DefaultErrorStrategy,
  Interval,
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
  /**
   * For relexSimilar: per token, the furthest character index the lexer read to produce it; undefined
   * when the stream cannot serve as a base (lexer errors, astral characters, a read behind a token).
   */
  reach?: Int32Array;
}

export function lexFlinkSql(text: string): LexedSql {
  const offsetOf = codePointMapper(text);
  const errors: SyntaxError[] = [];
  const chars = new SqlChars(text);
  const lexer = new FlinkSqlLexer(chars);
  lexer.removeErrorListeners();
  lexer.addErrorListener(listener(errors, offsetOf, text));
  const list: Token[] = [];
  const reach: number[] = [];
  let shareable = chars.bmp;
  for (let from = 0; ; ) {
    chars.track();
    const t = lexer.nextToken();
    list.push(t);
    reach.push(chars.furthest);
    if (chars.nearest < from) shareable = false;
    if (t.type === Token.EOF) break;
    from = t.stop + 1;
  }
  const tokens = new CommonTokenStream(new TokenList(list, false));
  tokens.fill();
  return {
    text,
    tokens,
    errors,
    offsetOf,
    ...(shareable && errors.length === 0 ? { reach: Int32Array.from(reach) } : {}),
  };
}

/** A stretch of characters two texts share: `base[start, end)` is `text[start + shift, end + shift)`. */
export interface SharedRun {
  start: number;
  end: number;
  shift: number;
}

/**
 * Lexes `text` reusing the tokens of `base` (the same SQL file with other variable values) where the
 * lexer provably sees the same characters: ANTLR's lexer is a function of the characters it reads
 * (one mode, no predicates or actions in the Flink grammar), so a base token whose reads (from where
 * its call started to the furthest character it looked at) lie inside one shared run is the token
 * `text` gives at the shifted position. Elsewhere `text` is lexed for real, token by token, until a
 * token ends where a base token began in a shared run. Lexer errors anywhere: `text` is lexed whole.
 */
export function relexSimilar(text: string, base: LexedSql, runs: readonly SharedRun[]): LexedSql {
  const reach = base.reach;
  const chars = new SqlChars(text);
  if (!reach || !chars.bmp) return lexFlinkSql(text);
  const shared = runs.filter(
    (r) => r.end > r.start && base.text.slice(r.start, r.end) === text.slice(r.start + r.shift, r.end + r.shift),
  );
  const from = base.tokens.getTokens();
  /** The base token whose lexer call started at `p`, if one did. */
  const callStartingAt = (p: number): number | undefined => {
    if (p === 0) return 0;
    let lo = 0;
    let hi = from.length - 2;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const end = from[mid]!.stop + 1;
      if (end < p) lo = mid + 1;
      else if (end > p) hi = mid - 1;
      else return mid + 1;
    }
    return undefined;
  };
  const lexer = new FlinkSqlLexer(chars);
  lexer.removeErrorListeners();
  let failed = false;
  lexer.addErrorListener({
    syntaxError: () => void (failed = true),
    reportAmbiguity() {},
    reportAttemptingFullContext() {},
    reportContextSensitivity() {},
  });
  const source: [TokenSource, CharStream] = [lexer, chars];
  const baseEnd = base.text.length;
  const last = shared[shared.length - 1];
  const endsShared = last !== undefined && last.end === baseEnd && last.end + last.shift === text.length;
  /** The run holding the base's characters [a, b] (b, and a for EOF, may be the end of both texts). */
  const holding = (a: number, b: number): SharedRun | undefined => {
    const r = a === baseEnd ? (endsShared ? last : undefined) : runAt(shared, a, 0);
    if (!r) return undefined;
    return b < r.end || (b === baseEnd && r === last && endsShared) ? r : undefined;
  };
  const out: Token[] = [];
  let at = 0; // where the next token's call starts, in `text`
  let next: number | undefined = 0; // the base token to copy next, when in step
  let lexing = false;
  for (;;) {
    if (next !== undefined) {
      const t = from[next]!;
      const start = next ? from[next - 1]!.stop + 1 : 0;
      const run = holding(start, Math.max(start, reach[next]!));
      if (run && start + run.shift === at) {
        out.push(new CommonToken(source, t.type, t.channel, t.start + run.shift, t.stop + run.shift));
        if (t.type === Token.EOF) break;
        at = t.stop + 1 + run.shift;
        next++;
        continue;
      }
      next = undefined;
    }
    if (!lexing) {
      lexer.reset(false);
      chars.seek(at);
      lexing = true;
    }
    const u = lexer.nextToken();
    if (failed) return lexFlinkSql(text);
    out.push(u);
    if (u.type === Token.EOF) break;
    at = u.stop + 1;
    const run = runAt(shared, at, 1);
    const j = run ? callStartingAt(at - run.shift) : undefined;
    if (j !== undefined) {
      next = j;
      lexing = false;
    }
  }
  placeTokens(out, text);
  const tokens = new CommonTokenStream(new TokenList(out, false));
  tokens.fill();
  return { text, tokens, errors: [], offsetOf: (cp) => cp };
}

/** The run holding position `p` of the base (side 0) or of the other text (side 1). */
function runAt(runs: readonly SharedRun[], p: number, side: 0 | 1): SharedRun | undefined {
  let lo = 0;
  let hi = runs.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = runs[mid]!;
    const shift = side ? r.shift : 0;
    if (p < r.start + shift) hi = mid - 1;
    else if (p >= r.end + shift) lo = mid + 1;
    else return r;
  }
  return undefined;
}

/** Line and column of each token, as ANTLR's lexer counts them (a line per `\n`, columns from 0). */
function placeTokens(tokens: Token[], text: string): void {
  let line = 1;
  let lineStart = 0;
  let scanned = 0;
  for (const t of tokens) {
    for (; scanned < t.start && scanned < text.length; scanned++) {
      if (text.charCodeAt(scanned) === 10) {
        line++;
        lineStart = scanned + 1;
      }
    }
    t.line = line;
    t.column = t.start - lineStart;
  }
}

/**
 * The characters of a text as the lexer reads them: code points, as ANTLR's own CharStream gives them,
 * read straight from the string when it has no surrogate pairs (then code points and UTF-16 units are
 * the same); and the span of indexes read since `track()`, for relexSimilar.
 */
class SqlChars implements CharStream {
  name = '';
  index = 0;
  furthest = -1;
  nearest = 0;
  readonly bmp: boolean;
  private readonly data: Uint32Array;

  constructor(private readonly text: string) {
    this.bmp = !/[\uD800-\uDBFF]/.test(text);
    if (this.bmp) {
      this.data = new Uint32Array(text.length);
      for (let i = 0; i < text.length; i++) this.data[i] = text.charCodeAt(i);
    } else {
      const points: number[] = [];
      for (const c of text) points.push(c.codePointAt(0)!);
      this.data = Uint32Array.from(points);
    }
  }

  track(): void {
    this.furthest = -1;
    this.nearest = this.index;
  }

  reset(): void {
    this.index = 0;
  }

  consume(): void {
    if (this.index >= this.data.length) throw new Error('cannot consume EOF');
    this.index += 1;
  }

  LA(offset: number): number {
    if (offset === 0) return 0;
    const pos = this.index + (offset < 0 ? offset + 1 : offset) - 1;
    if (pos > this.furthest) this.furthest = pos;
    if (pos < this.nearest) this.nearest = pos;
    if (pos < 0 || pos >= this.data.length) return Token.EOF;
    return this.data[pos]!;
  }

  mark(): number {
    return -1;
  }

  release(): void {}

  seek(index: number): void {
    this.index = index <= this.index ? index : Math.min(index, this.data.length);
  }

  getText(start: number | Interval, stop?: number): string {
    let begin: number;
    let end: number;
    if (start instanceof Interval) {
      begin = start.start;
      end = start.stop;
    } else {
      begin = start;
      end = stop ?? this.data.length - 1;
    }
    if (end >= this.data.length) end = this.data.length - 1;
    if (begin >= this.data.length) return '';
    if (this.bmp) return this.text.slice(begin, end + 1);
    let out = '';
    for (let i = begin; i <= end; i++) out += String.fromCodePoint(this.data[i]!);
    return out;
  }

  toString(): string {
    return this.getText(0, this.data.length - 1);
  }

  get size(): number {
    return this.data.length;
  }

  getSourceName(): string {
    return this.name || '<unknown>';
  }
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
  // Only whether it parses is asked: no tree (the grammar's predicates read the rule contexts' precedence and
  // tokens, never a tree's children, so its decisions are the same).
  parser.buildParseTrees = false;
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

/**
 * Tokens already lexed, fed again, then EOF (if they do not end with it). Copies unless told they are
 * fresh: a token stream numbers the tokens it reads.
 */
class TokenList implements TokenSource {
  private next = 0;
  line = 1;
  column = 0;
  _tokenStartColumn = 0;
  inputStream: CharStream | null = null;
  sourceName = 'statement';
  tokenFactory: TokenFactory<Token> = CommonTokenFactory.DEFAULT;

  constructor(
    private readonly tokens: readonly Token[],
    private readonly copy = true,
  ) {}

  nextToken(): Token {
    const t = this.tokens[this.next++];
    if (t) return this.copy ? (t as CommonToken).clone() : t;
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
