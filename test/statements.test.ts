import { describe, expect, it } from 'vitest';
import { JobSql } from '../lib/sql/script.js';

const split = (text: string) => new JobSql([{ file: 'a.sql', text }], {}).statements.map((s) => [s.kind, s.text]);

describe('statements are split by the lexer', () => {
  it('keeps semicolons in strings and comments, and statement sets whole', () => {
    expect(
      split(
        "SET 'a' = 'b;c';\n-- x;\nINSERT INTO t SELECT ';' FROM s;\nBEGIN STATEMENT SET;\nINSERT INTO a SELECT CASE WHEN x THEN 1 END FROM t;\nEND;\nEXECUTE STATEMENT SET BEGIN INSERT INTO a SELECT 1; END;\n",
      ),
    ).toEqual([
      ['set', "SET 'a' = 'b;c'"],
      ['insert', "INSERT INTO t SELECT ';' FROM s"],
      ['statement-set', 'BEGIN STATEMENT SET;\nINSERT INTO a SELECT CASE WHEN x THEN 1 END FROM t;\nEND'],
      ['statement-set', 'EXECUTE STATEMENT SET BEGIN INSERT INTO a SELECT 1; END'],
    ]);
  });

  it('keeps a trailing hint, but not a trailing line comment', () => {
    expect(
      split("INSERT INTO t SELECT * FROM s /*+ OPTIONS('scan.startup.mode'='earliest-offset') */;\nSELECT 1 -- one\n;"),
    ).toEqual([
      ['insert', "INSERT INTO t SELECT * FROM s /*+ OPTIONS('scan.startup.mode'='earliest-offset') */"],
      ['query', 'SELECT 1'],
    ]);
  });
});

import { parseFlinkSql, lexFlinkSql } from '../lib/sql/grammar.js';
import { shimForGrammar } from '../lib/sql/shims.js';

describe('grammar shims admit valid Flink SQL the grammar misses, positions intact', () => {
  const errorsOf = (text: string) => new JobSql([{ file: 'a.sql', text: `${text};\n` }], {}).files[0]!.analysis.errors;

  it.each([
    ['EXTRACT(unit FROM x)', 'SELECT EXTRACT(DAY FROM ts) AS d FROM t'],
    ['alias after OVER (…)', 'SELECT LAG(v, 1) OVER (PARTITION BY a ORDER BY b) previous_value FROM t'],
    ['CREATE TABLE … WITH (…) LIKE', "CREATE TEMPORARY TABLE x WITH ('connector' = 'faker') LIKE y"],
  ])('%s', (_name, sql) => {
    expect(parseFlinkSql(sql).errors).not.toEqual([]); // the bare grammar rejects it
    expect(errorsOf(sql)).toEqual([]);
  });

  it('a real error after a shim is still reported at its original position', () => {
    const sql = 'SELECT EXTRACT(DAY FROM ts), LAG(v) OVER (ORDER BY b) previous_value FROM t WHERE AND';
    const errors = errorsOf(sql);
    expect(errors).toHaveLength(1);
    expect(sql.slice(errors[0]!.offset, errors[0]!.offset + 3)).toBe('AND');
  });

  it('maps offsets inside and after an insertion', () => {
    const text = 'SELECT LAG(v) OVER (ORDER BY b) previous_value FROM t';
    const lexed = lexFlinkSql(text);
    const s = shimForGrammar(text, lexed.tokens.getTokens(), lexed.offsetOf)!;
    expect(s.text).toBe('SELECT LAG(v) OVER (ORDER BY b) AS previous_value FROM t');
    expect(s.toOriginal(s.text.indexOf('AS previous_value'))).toBe(text.indexOf('previous_value'));
    expect(s.toOriginal(s.text.indexOf('FROM'))).toBe(text.indexOf('FROM'));
  });
});
