import { describe, expect, it } from 'vitest';
import type { Token } from 'antlr4ng';
import { lexFlinkSql, relexSimilar, type LexedSql } from '../lib/sql/grammar.js';
import { sharedRuns, substitute } from '../lib/vars/substitute.js';

/** Everything a token tells the splitter, the option reader and the parser. */
const view = (lexed: LexedSql) =>
  lexed.tokens
    .getTokens()
    .map((t: Token) => [t.type, t.channel, t.start, t.stop, t.line, t.column, t.tokenIndex, t.text].join('|'));

const SQL = `-- \${note}
CREATE TEMPORARY TABLE events_\${n} (
  id BIGINT, city STRING, amount DECIMAL(12, 2)
) WITH (
  'connector' = 'kafka',
  'topic' = '\${topic}',
  'properties.bootstrap.servers' = '\${brokers}', /* \${note} */
  'format' = 'json'
);
INSERT INTO sink_\${n} SELECT id, \${expr} FROM events_\${n} WHERE city = '\${city}' AND x = "\${city}";
`;

/** Values that change how the text around them is lexed: quotes, comment openers, newlines, keywords, digits. */
const VALUES = [
  'plain',
  '',
  "x' OR '1'='1",
  "it''s",
  "'",
  '"',
  '`',
  '-- rest of line',
  '/* open',
  '*/',
  'a\nb',
  '\n',
  'select',
  '42',
  '1.5e3',
  ';',
  'x; DROP TABLE t; --',
  '$${',
  '😀',
  'É',
  'amount * 2',
  'X',
  'B',
];

/** A deterministic pseudo-random sequence (no flakiness, many combinations). */
function* picks(seed: number): Generator<number> {
  let x = seed;
  for (;;) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    yield x;
  }
}

describe('relexSimilar gives the tokens lexing from scratch gives', () => {
  it('for 600 pairs of environments whose values change the tokens around them', () => {
    const rnd = picks(17);
    const pick = () => VALUES[rnd.next().value! % VALUES.length]!;
    const names = ['note', 'n', 'topic', 'brokers', 'expr', 'city'];
    let shared = 0;
    for (let k = 0; k < 600; k++) {
      const a = Object.fromEntries(names.map((n) => [n, pick()]));
      // Usually only a few values differ between environments, as in a real repository.
      const b = Object.fromEntries(names.map((n) => [n, rnd.next().value! % 3 ? a[n]! : pick()]));
      if (k % 7 === 0) delete b.topic; // an undefined variable stays as written in one environment
      const sa = substitute(SQL, a);
      const sb = substitute(SQL, b);
      const base = lexFlinkSql(sa.text);
      const relexed = relexSimilar(sb.text, base, sharedRuns(sa, sb));
      const fresh = lexFlinkSql(sb.text);
      expect(view(relexed), `${JSON.stringify(a)} → ${JSON.stringify(b)}`).toEqual(view(fresh));
      expect(relexed.errors).toEqual(fresh.errors);
      expect(relexed.offsetOf(5)).toBe(fresh.offsetOf(5));
      if (base.reach) shared++;
    }
    // Most bases were usable (no lexer errors, no astral characters): the reuse itself was exercised.
    expect(shared).toBeGreaterThan(300);
  });

  it('reuses tokens: runs that do not match the texts are ignored, not trusted', () => {
    const a = "SELECT 'a' FROM t;\n";
    const b = "SELECT 'bb' FROM t;\n";
    const base = lexFlinkSql(a);
    // A wrong claim (the whole text shared, unshifted) must not leak base tokens into the result.
    const relexed = relexSimilar(b, base, [{ start: 0, end: a.length, shift: 0 }]);
    expect(view(relexed)).toEqual(view(lexFlinkSql(b)));
  });

  it('finds the shared runs of two substitutions of one file', () => {
    const input = "a '${x}' b ${y} c";
    const sa = substitute(input, { x: '1', y: 'same' });
    const sb = substitute(input, { x: '22', y: 'same' });
    // "a '" shared unshifted; "' b same c" shared, shifted by the longer value.
    expect(sharedRuns(sa, sb)).toEqual([
      { start: 0, end: 3, shift: 0 },
      { start: 4, end: sa.text.length, shift: 1 },
    ]);
  });
});
