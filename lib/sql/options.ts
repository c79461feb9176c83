import type { Token } from 'antlr4ng';
import { FlinkSqlLexer as T } from './grammar.js';

/** A `'key' = 'value'` pair of a WITH (…) clause or a SET statement, offsets in the parsed text. */
export interface SqlOption {
  key: string;
  value: string;
  keyOffset: number;
  valueOffset: number;
}

/** `'it''s'` → `it's`; identifiers and numbers are returned as written. */
export function unquote(s: string): string {
  if (s.length >= 2 && (s[0] === "'" || s[0] === '"') && s[s.length - 1] === s[0]) {
    return s.slice(1, -1).replaceAll(s[0] + s[0], s[0]);
  }
  return s;
}

/**
 * The same pairs from the tokens alone (no parse): inside `WITH (…)`, `OPTIONS(…)` hints and `SET`
 * statements, every `'key' = value`. Validation and the security stage read options of every job,
 * so this keeps them from parsing jobs that have nothing else to check.
 */
export function tokenOptions(all: Token[], offsetOf: (cp: number) => number): SqlOption[] {
  const tokens = all.filter((t) => t.channel === 0 && t.type !== -1);
  const out: SqlOption[] = [];
  let depth = 0; // > 0: inside an option list's parentheses
  let inSet = false;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const prev = tokens[i - 1];
    if (t.type === T.SEMICOLON) {
      depth = 0;
      inSet = false;
      continue;
    }
    if (t.type === T.KW_SET && (!prev || prev.type === T.SEMICOLON)) inSet = true;
    if (t.type === T.LR_BRACKET) {
      if (depth > 0) depth++;
      else if (prev && (prev.type === T.KW_WITH || prev.text?.toUpperCase() === 'OPTIONS')) depth = 1;
      continue;
    }
    if (t.type === T.RR_BRACKET) {
      if (depth > 0) depth--;
      continue;
    }
    if ((depth === 1 || inSet) && t.type === T.STRING_LITERAL && tokens[i + 1]?.type === T.EQUAL_SYMBOL) {
      const v = tokens[i + 2];
      if (
        v &&
        (v.type === T.STRING_LITERAL ||
          v.type === T.DIG_LITERAL ||
          v.type === T.REAL_LITERAL ||
          v.type === T.KW_TRUE ||
          v.type === T.KW_FALSE)
      ) {
        out.push({
          key: unquote(t.text ?? ''),
          value: unquote(v.text ?? ''),
          keyOffset: offsetOf(t.start),
          valueOffset: offsetOf(v.start),
        });
        i += 2;
      }
    }
  }
  return out;
}
