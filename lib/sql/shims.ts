import type { Token } from 'antlr4ng';
import { FlinkSqlLexer as T } from './grammar.js';

/**
 * Closes gaps of the Flink SQL grammar (dt-sql-parser) in our own code, for the syntax check
 * only: valid Flink SQL the grammar rejects is rewritten into an equivalent form it reads, and
 * error positions are mapped back. The SQL that runs, renders or is rewritten for security is
 * never shimmed. Each shim is named after the Flink syntax it admits.
 */
export interface Shimmed {
  text: string;
  /** Offset in the shimmed text → offset in the original. */
  toOriginal(offset: number): number;
  /** Names of the shims that changed the text. */
  applied: string[];
}

interface Edit {
  at: number;
  remove: number;
  insert: string;
  shim: string;
}

type Shim = (tokens: Token[], offsetOf: (cp: number) => number, edits: Edit[]) => void;

/** `EXTRACT(DAY FROM ts)`: the grammar has no EXTRACT … FROM; `EXTRACT(DAY ,   ts)` has the same length. */
const extractFrom: Shim = (tokens, offsetOf, edits) => {
  for (let i = 0; i + 3 < tokens.length; i++) {
    if (tokens[i]!.type === T.KW_EXTRACT && tokens[i + 1]!.type === T.LR_BRACKET && tokens[i + 3]!.type === T.KW_FROM) {
      edits.push({ at: offsetOf(tokens[i + 3]!.start), remove: 4, insert: ',   ', shim: 'EXTRACT(unit FROM expr)' });
    }
  }
};

/** Words that may follow an expression and so are never an alias (a keyword alias such as `prev` is). */
const FOLLOWS_EXPRESSION = new Set(
  'AS FROM WHERE GROUP HAVING ORDER UNION INTERSECT EXCEPT MINUS LIMIT OFFSET FETCH WINDOW ON JOIN INNER LEFT RIGHT FULL CROSS WHEN THEN ELSE END AND OR IS NOT IN BETWEEN LIKE SIMILAR ESCAPE COLLATE IGNORE RESPECT'.split(
    ' ',
  ),
);

/** `LAG(v) OVER (…) previous_value`: an alias after OVER (…) without AS. */
const overAlias: Shim = (tokens, offsetOf, edits) => {
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i]!.type !== T.KW_OVER || tokens[i + 1]?.type !== T.LR_BRACKET) continue;
    let depth = 0;
    let j = i + 1;
    for (; j < tokens.length; j++) {
      if (tokens[j]!.type === T.LR_BRACKET) depth++;
      else if (tokens[j]!.type === T.RR_BRACKET && --depth === 0) break;
    }
    const next = tokens[j + 1];
    const word = next?.text ?? '';
    const alias =
      next &&
      (next.type === T.ID_LITERAL ||
        word.startsWith('`') ||
        (/^[A-Za-z_][A-Za-z0-9_]*$/.test(word) && !FOLLOWS_EXPRESSION.has(word.toUpperCase())));
    if (alias) edits.push({ at: offsetOf(next.start), remove: 0, insert: 'AS ', shim: 'OVER (…) alias' });
  }
};

/** `CREATE TABLE t WITH (…) LIKE s`: LIKE without a column list (the grammar wants at least one column). */
const likeWithoutColumns: Shim = (tokens, offsetOf, edits) => {
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i]!.type !== T.KW_TABLE) continue;
    let j = i + 1;
    while (
      j < tokens.length &&
      (tokens[j]!.type === T.ID_LITERAL || tokens[j]!.text === '.' || tokens[j]!.text?.startsWith('`'))
    )
      j++;
    if (j === i + 1 || tokens[j]?.type !== T.KW_WITH) continue;
    const end = tokens.findIndex((t, k) => k > j && (t.type === T.KW_LIKE || t.text === ';'));
    if (end > 0 && tokens[end]!.type === T.KW_LIKE)
      edits.push({
        at: offsetOf(tokens[j]!.start),
        remove: 0,
        insert: '(`__like` INT) ',
        shim: 'CREATE TABLE … WITH (…) LIKE',
      });
  }
};

const SHIMS: Shim[] = [extractFrom, overAlias, likeWithoutColumns];

/** Returns the shimmed text, or undefined when no shim applies. */
export function shimForGrammar(text: string, tokens: Token[], offsetOf: (cp: number) => number): Shimmed | undefined {
  const visible = tokens.filter((t) => t.channel === 0 && t.type !== -1);
  const edits: Edit[] = [];
  for (const shim of SHIMS) shim(visible, offsetOf, edits);
  if (!edits.length) return undefined;
  edits.sort((a, b) => a.at - b.at);
  let out = '';
  let last = 0;
  // [shimmed offset, original offset, inserted length] at each edit, to map positions back.
  const marks: [number, number, number][] = [];
  for (const e of edits) {
    out += text.slice(last, e.at);
    marks.push([out.length, e.at, e.insert.length]);
    out += e.insert;
    last = e.at + e.remove;
  }
  out += text.slice(last);
  return {
    text: out,
    applied: [...new Set(edits.map((e) => e.shim))],
    toOriginal(offset) {
      let delta = 0;
      for (const [shimAt, origAt, len] of marks) {
        if (offset < shimAt) break;
        if (offset < shimAt + len) return origAt; // inside inserted text: its place in the original
        delta = shimAt + len - (origAt + edits.find((e) => e.at === origAt)!.remove);
      }
      return offset - delta;
    },
  };
}
