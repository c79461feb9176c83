import { ParserRuleContext, type ParseTree, type Token } from 'antlr4ng';
import {
  ColumnReferenceContext,
  QueryStatementContext,
  WhereClauseContext,
  SelectListContext,
} from 'dt-sql-parser/dist/lib/flink/FlinkSqlParser';
import { parseFlinkSql } from '../sql/grammar.js';

/** A policy's SQL expression (row filter or CUSTOM mask), parsed once: its text on one line and its column references. */
export interface CompiledExpr {
  ok: boolean;
  error?: string;
  /** The expression on one line, comments dropped (generated SQL never shifts line numbers). */
  text: string;
  /** Unqualified column names the expression reads (outside nested queries). */
  columns: string[];
  /** The text with each unqualified column reference prefixed by `alias.`. */
  qualified(alias: string): string;
}

const cache = new Map<string, CompiledExpr>();

/** Parses `expr` as a WHERE condition (`filter`) or a projected value (`value`). */
export function compileExpr(expr: string, as: 'filter' | 'value'): CompiledExpr {
  const key = `${as}\0${expr}`;
  let c = cache.get(key);
  if (!c) {
    c = compile(expr, as);
    if (cache.size > 1000) cache.clear();
    cache.set(key, c);
  }
  return c;
}

function compile(expr: string, as: 'filter' | 'value'): CompiledExpr {
  const prefix = as === 'filter' ? 'SELECT 1 FROM __flinkops_t WHERE ' : 'SELECT ';
  const suffix = as === 'filter' ? '' : ' FROM __flinkops_t';
  const source = prefix + expr + suffix;
  const parsed = parseFlinkSql(source);
  const fail = (error: string): CompiledExpr => ({ ok: false, error, text: expr, columns: [], qualified: () => expr });
  if (parsed.errors.length) return fail(parsed.errors[0]!.message);
  const stmts = parsed.tree.children?.filter((c) => c instanceof ParserRuleContext) ?? [];
  if (stmts.length !== 1) return fail('not a single expression');
  const holder: ParserRuleContext | undefined =
    as === 'filter' ? find(parsed.tree, WhereClauseContext) : find(parsed.tree, SelectListContext);
  if (!holder) return fail('not an expression');
  if (as === 'value' && (holder.children ?? []).some((c) => c.getText() === ','))
    return fail('several expressions where one is expected');
  const refs: { start: number; stop: number; name: string }[] = [];
  const visit = (n: ParseTree, nested: boolean) => {
    if (n instanceof QueryStatementContext) nested = true;
    if (n instanceof ColumnReferenceContext && !nested) {
      const text = n.getText();
      if (!text.includes('.'))
        refs.push({ start: n.start!.tokenIndex, stop: n.stop!.tokenIndex, name: unquoteIdent(text) });
    }
    if (n instanceof ParserRuleContext) for (const ch of n.children ?? []) visit(ch, nested);
  };
  visit(holder, false);
  const tokens = parsed.tokens.getTokens();
  const first = holder.start!.tokenIndex + (as === 'filter' ? 1 : 0);
  const last = holder.stop!.tokenIndex;
  const render = (alias?: string) => {
    let out = '';
    let space = false;
    for (let i = first; i <= last; i++) {
      const t: Token = tokens[i]!;
      if (t.channel !== 0) {
        space = true;
        continue;
      }
      if (space && out) out += ' ';
      space = false;
      const ref = alias ? refs.find((r) => r.start === i) : undefined;
      out += ref ? `${alias}.${t.text}` : t.text;
    }
    return out;
  };
  const text = render();
  return { ok: true, text, columns: [...new Set(refs.map((r) => r.name))], qualified: (alias) => render(alias) };
}

function find<T extends ParserRuleContext>(n: ParseTree, type: abstract new (...a: never[]) => T): T | undefined {
  if (n instanceof type) return n as T;
  if (n instanceof ParserRuleContext)
    for (const c of n.children ?? []) {
      const f = find(c, type);
      if (f) return f;
    }
  return undefined;
}

export function unquoteIdent(s: string): string {
  return s.length >= 2 && s.startsWith('`') && s.endsWith('`') ? s.slice(1, -1).replaceAll('``', '`') : s;
}
