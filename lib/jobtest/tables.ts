import type { Origin, Repo } from '../repo/model.js';
import { catalogTables, DEFAULT_CATALOG, DEFAULT_DATABASE } from '../security/tables.js';
import type { JobSql } from '../sql/script.js';

/** A table a test may name: declared by the job's DDL or described in platform/catalogs/. */
export interface TestTable {
  path: [string, string, string];
  /** undefined: the columns are not known here (CREATE TABLE … LIKE, an undescribed catalog table); Flink checks them when the test runs. */
  columns?: { name: string; type?: string }[];
  origin?: Origin;
}

const CREATE_TABLE =
  /^\s*CREATE\s+(?:TEMPORARY\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?((?:`[^`]+`|[\w$]+)(?:\s*\.\s*(?:`[^`]+`|[\w$]+)){0,2})\s*(\(|LIKE\b|AS\b|WITH\b)/i;
const USE_CATALOG = /^\s*USE\s+CATALOG\s+(`[^`]+`|[\w$]+)/i;
const USE_DB = /^\s*USE\s+(?!CATALOG\b)(`[^`]+`|[\w$]+)(?:\s*\.\s*(`[^`]+`|[\w$]+))?/i;
const NOT_COLUMNS = /^(WATERMARK|PRIMARY|CONSTRAINT|PERIOD|UNIQUE|INDEX)\b/i;

/**
 * The tables of a job in one environment, for the fast checks of test files (no JVM): the columns
 * of each `CREATE TABLE (…)` of its SQL and the catalog tables of platform/catalogs/. Flink decides
 * the rest when the test runs.
 */
export function testTables(repo: Repo, sql: JobSql, env: string): TestTable[] {
  const out: TestTable[] = catalogTables(repo, env).map((t) => ({
    path: t.path,
    ...(t.columns ? { columns: t.columns.map((c) => ({ name: c.name, ...(c.type ? { type: c.type } : {}) })) } : {}),
    ...(t.origin ? { origin: t.origin } : {}),
  }));
  let catalog = DEFAULT_CATALOG;
  let database = DEFAULT_DATABASE;
  for (const s of sql.statements) {
    const text = stripComments(s.text);
    const useCatalog = USE_CATALOG.exec(text);
    if (useCatalog) {
      catalog = unquote(useCatalog[1]!);
      database = 'default';
      continue;
    }
    const useDb = USE_DB.exec(text);
    if (useDb && s.kind === 'use') {
      if (useDb[2]) [catalog, database] = [unquote(useDb[1]!), unquote(useDb[2])];
      else database = unquote(useDb[1]!);
      continue;
    }
    const m = CREATE_TABLE.exec(text);
    if (!m) continue;
    const parts = splitName(m[1]!);
    const path: [string, string, string] =
      parts.length === 3
        ? [parts[0]!, parts[1]!, parts[2]!]
        : parts.length === 2
          ? [catalog, parts[0]!, parts[1]!]
          : [catalog, database, parts[0]!];
    let columns: TestTable['columns'];
    if (m[2] === '(') {
      const body = parenBody(text, m.index + m[0].length - 1);
      const afterBody = body === undefined ? '' : text.slice(m.index + m[0].length + body.length + 1);
      // `CREATE TABLE t (…) LIKE other`: more columns come from the other table
      if (
        body !== undefined &&
        !/^\s*(?:COMMENT\s+'(?:[^']|'')*'\s*)?(?:PARTITIONED\s+BY\s*\([^)]*\)\s*)?LIKE\b/i.test(afterBody)
      )
        columns = columnsOf(body);
    }
    out.push({ path, ...(columns ? { columns } : {}), origin: sql.fileOf(s).origin(s.start) });
  }
  return out;
}

/**
 * The table a test's name refers to: its dot-separated parts equal the trailing parts of the
 * table's path (as the helper matches sample names); the longest, then exact-case match wins.
 */
export function findTable(tables: TestTable[], name: string): TestTable | undefined {
  const parts = splitName(name);
  if (parts.length === 0 || parts.length > 3) return undefined;
  for (const ignoreCase of [false, true]) {
    const eq = (a: string, b: string) => (ignoreCase ? a.toLowerCase() === b.toLowerCase() : a === b);
    // later declarations win (a job may drop and re-create a temporary table)
    for (let i = tables.length - 1; i >= 0; i--) {
      const t = tables[i]!;
      const tail = t.path.slice(3 - parts.length);
      if (parts.every((p, j) => eq(p, tail[j]!))) return t;
    }
  }
  return undefined;
}

/** How the helper names a sink in its output: the bare name in the default catalog and database, else catalog.db.table. */
export function sinkName(t: TestTable): string {
  return t.path[0] === DEFAULT_CATALOG && t.path[1] === DEFAULT_DATABASE ? t.path[2] : t.path.join('.');
}

export function splitName(name: string): string[] {
  const parts: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < name.length; i++) {
    const c = name[i]!;
    if (c === '`') {
      if (quoted && name[i + 1] === '`') {
        cur += '`';
        i++;
      } else quoted = !quoted;
    } else if (c === '.' && !quoted) {
      parts.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  parts.push(cur.trim());
  return parts.filter((p) => p !== '');
}

function unquote(s: string): string {
  return s.startsWith('`') ? s.slice(1, -1).replaceAll('``', '`') : s;
}

/** Replaces comments by spaces (offsets stay), leaving quoted text alone. */
function stripComments(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === "'" || c === '`' || c === '"') {
      let j = i + 1;
      while (j < text.length && !(text[j] === c && text[j + 1] !== c)) j += text[j] === c ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (c === '-' && text[i + 1] === '-') {
      const end = text.indexOf('\n', i);
      const j = end < 0 ? text.length : end;
      out += ' '.repeat(j - i);
      i = j;
    } else if (c === '/' && text[i + 1] === '*' && text[i + 2] !== '+') {
      const end = text.indexOf('*/', i + 2);
      const j = end < 0 ? text.length : end + 2;
      out += text.slice(i, j).replace(/[^\n]/g, ' ');
      i = j;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** The text between the parenthesis at `open` and its match, or undefined. */
function parenBody(text: string, open: number): string | undefined {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i]!;
    if (c === "'" || c === '`' || c === '"') {
      let j = i + 1;
      while (j < text.length && !(text[j] === c && text[j + 1] !== c)) j += text[j] === c ? 2 : 1;
      i = j;
    } else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return text.slice(open + 1, i);
  }
  return undefined;
}

/** Top-level comma-separated items of a column list. */
function items(body: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === "'" || c === '`' || c === '"') {
      let j = i + 1;
      while (j < body.length && !(body[j] === c && body[j + 1] !== c)) j += body[j] === c ? 2 : 1;
      i = j;
    } else if (c === '(' || c === '<') depth++;
    else if (c === ')' || c === '>') depth--;
    else if (c === ',' && depth === 0) {
      out.push(body.slice(start, i));
      start = i + 1;
    }
  }
  out.push(body.slice(start));
  return out.map((s) => s.trim()).filter((s) => s !== '');
}

function columnsOf(body: string): { name: string; type?: string }[] {
  const out: { name: string; type?: string }[] = [];
  for (const item of items(body)) {
    if (NOT_COLUMNS.test(item)) continue;
    const m = /^(`(?:[^`]|``)+`|[\w$]+)\s+([\s\S]*)$/.exec(item);
    if (!m) continue;
    const name = unquote(m[1]!);
    const rest = m[2]!.trim();
    if (/^AS\b/i.test(rest)) {
      out.push({ name }); // computed: Flink computes it, a test does not give it
      continue;
    }
    const type = rest
      .replace(/\s+(METADATA|COMMENT|PRIMARY\s+KEY|NOT\s+NULL|NULL|VIRTUAL)\b[\s\S]*$/i, '')
      .replace(/\s+/g, ' ')
      .trim();
    const notNull = /\bNOT\s+NULL\b/i.test(rest);
    out.push({ name, type: notNull ? `${type} NOT NULL` : type });
  }
  return out;
}
