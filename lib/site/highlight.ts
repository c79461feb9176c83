import { FlinkSqlLexer, lexFlinkSql } from '../sql/grammar.js';
import { escapeHtml, Html } from './html.js';

/**
 * SQL highlighted with the tokens of dt-sql-parser's Flink SQL lexer (the grammar flinkops checks
 * SQL with): keywords, strings, numbers and comments get a class; everything else stays text.
 */
export function highlightSql(sql: string): Html {
  const lexed = lexFlinkSql(sql);
  const names = FlinkSqlLexer.symbolicNames;
  let out = '';
  let at = 0;
  for (const t of lexed.tokens.getTokens()) {
    if (t.type === -1 || t.start < 0) continue;
    const start = lexed.offsetOf(t.start);
    const end = lexed.offsetOf(t.stop + 1);
    if (start < at) continue;
    out += escapeHtml(sql.slice(at, start));
    const text = escapeHtml(sql.slice(start, end));
    const cls = classOf(names[t.type] ?? '');
    out += cls ? `<span class="${cls}">${text}</span>` : text;
    at = end;
  }
  out += escapeHtml(sql.slice(at));
  return new Html(out);
}

function classOf(name: string): string | undefined {
  if (name.startsWith('KW_')) return 'k';
  if (name === 'STRING_LITERAL') return 's';
  if (name === 'DIG_LITERAL' || name === 'REAL_LITERAL' || name === 'BIT_STRING') return 'n';
  if (name.endsWith('COMMENT')) return 'c';
  return undefined;
}
