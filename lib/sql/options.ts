import { ParserRuleContext, type ParseTree } from 'antlr4ng';
import { TablePropertyContext } from 'dt-sql-parser/dist/lib/flink/FlinkSqlParser';
import type { ParsedSql } from './grammar.js';

/** A `'key' = 'value'` pair of a WITH (…) clause or a SET statement, offsets in the parsed text. */
export interface SqlOption {
  key: string;
  value: string;
  keyOffset: number;
  valueOffset: number;
}

export function sqlOptions(parsed: ParsedSql): SqlOption[] {
  const out: SqlOption[] = [];
  const visit = (node: ParseTree) => {
    if (node instanceof TablePropertyContext) {
      const k = node.tablePropertyKey();
      const v = node.tablePropertyValue();
      if (k && v && k.start && v.start) {
        out.push({
          key: unquote(k.getText()),
          value: unquote(v.getText()),
          keyOffset: parsed.offsetOf(k.start.start),
          valueOffset: parsed.offsetOf(v.start.start),
        });
      }
      return;
    }
    if (node instanceof ParserRuleContext) for (const c of node.children ?? []) visit(c);
  };
  visit(parsed.tree);
  return out;
}

/** `'it''s'` → `it's`; identifiers and numbers are returned as written. */
export function unquote(s: string): string {
  if (s.length >= 2 && (s[0] === "'" || s[0] === '"') && s[s.length - 1] === s[0]) {
    return s.slice(1, -1).replaceAll(s[0] + s[0], s[0]);
  }
  return s;
}
