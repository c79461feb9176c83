import { describe, expect, it } from 'vitest';
import { JobSql } from '../lib/sql/script.js';

const split = (text: string) => new JobSql([{ file: 'a.sql', text }], {}).statements.map((s) => [s.kind, s.text]);

describe('statements are split by the lexer', () => {
  it('keeps semicolons in strings and comments, and statement sets whole', () => {
    expect(
      split("SET 'a' = 'b;c';\n-- x;\nINSERT INTO t SELECT ';' FROM s;\nBEGIN STATEMENT SET;\nINSERT INTO a SELECT CASE WHEN x THEN 1 END FROM t;\nEND;\nEXECUTE STATEMENT SET BEGIN INSERT INTO a SELECT 1; END;\n"),
    ).toEqual([
      ['set', "SET 'a' = 'b;c'"],
      ['insert', "INSERT INTO t SELECT ';' FROM s"],
      ['statement-set', 'BEGIN STATEMENT SET;\nINSERT INTO a SELECT CASE WHEN x THEN 1 END FROM t;\nEND'],
      ['statement-set', 'EXECUTE STATEMENT SET BEGIN INSERT INTO a SELECT 1; END'],
    ]);
  });

  it('keeps a trailing hint, but not a trailing line comment', () => {
    expect(split("INSERT INTO t SELECT * FROM s /*+ OPTIONS('scan.startup.mode'='earliest-offset') */;\nSELECT 1 -- one\n;")).toEqual([
      ['insert', "INSERT INTO t SELECT * FROM s /*+ OPTIONS('scan.startup.mode'='earliest-offset') */"],
      ['query', 'SELECT 1'],
    ]);
  });
});
