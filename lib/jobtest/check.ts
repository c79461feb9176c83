import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { Origin } from '../repo/model.js';
import { closest } from '../repo/suggest.js';
import type { JobTest, PlacedRows } from './load.js';
import { findTable, type TestTable } from './tables.js';

const SELECT_SINK = /^select#\d+$/;
const OP = '$op';

/**
 * The fast checks of a test file against the job's tables in one environment (no JVM): every
 * table it names exists, every column too, and each value fits its column's type. Flink checks
 * again when the test runs (a value it cannot read is a failure of that test).
 */
export function checkTest(test: JobTest, tables: TestTable[], env: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  const report = (where: Origin, message: string, hint: string) =>
    out.push({ severity: 'error', rule: 'test/tables', message, hint, ...where, job: test.job.id });
  const names = tables.map((t) => t.path.join('.'));
  const unknownTable = (name: string, where: Origin, role: string) => {
    const guess = closest(name, [...names, ...tables.map((t) => t.path[2])]);
    report(
      where,
      `unknown ${role} table "${name}" in ${env}${guess ? ` — did you mean "${guess}"?` : ''}`,
      `name a table the job's SQL creates or a table of platform/catalogs/ (known: ${tables.map((t) => t.path[2]).join(', ') || 'none'})`,
    );
  };
  for (const [name, given] of test.given) {
    const table = findTable(tables, name);
    if (!table) unknownTable(name, given.origin, 'source');
    else checkRows(table, given, name, report, false);
  }
  for (const e of test.expect) {
    if (SELECT_SINK.test(e.name)) continue;
    const table = findTable(tables, e.name);
    if (!table) unknownTable(e.name, e.origin, 'sink');
    else checkRows(table, e.expected, e.name, report, e.kind === 'changelog');
  }
  return out;
}

function checkRows(
  table: TestTable,
  placed: PlacedRows,
  name: string,
  report: (where: Origin, message: string, hint: string) => void,
  changelog: boolean,
): void {
  if (!table.columns) return; // columns unknown here: Flink checks them when the test runs
  const byName = new Map(table.columns.map((c) => [c.name, c]));
  const byLower = new Map(table.columns.map((c) => [c.name.toLowerCase(), c]));
  placed.rows.forEach((row, i) => {
    const at = placed.origins[i]!;
    if (changelog && row[OP] === undefined)
      report(at, `changelog row of "${name}" has no "$op"`, 'give each change its kind: $op: +I, -U, +U or -D');
    for (const [key, value] of Object.entries(row)) {
      if (key === OP || key === '$rowkind') continue;
      const col = byName.get(key) ?? byLower.get(key.toLowerCase());
      if (!col) {
        const guess = closest(key, byName.keys());
        report(
          at,
          `unknown column "${key}" of ${table.path.join('.')}${guess ? ` — did you mean "${guess}"?` : ''}`,
          `columns: ${[...byName.keys()].join(', ')}`,
        );
        continue;
      }
      const problem = col.type ? valueProblem(value, col.type) : undefined;
      if (problem)
        report(
          at,
          `"${key}" of ${name}: ${problem}`,
          `${col.name} is ${col.type}; see the test file schema for the value formats`,
        );
    }
  });
}

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?(Z|[+-]\d{2}:?\d{2})?$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIME = /^\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?$/;
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** Why a test value cannot be a value of a Flink SQL type, or undefined when it can (or we cannot tell). */
export function valueProblem(value: unknown, type: string): string | undefined {
  if (value === null) return /\bNOT\s+NULL\b/i.test(type) ? `null for a NOT NULL column` : undefined;
  const base = type
    .toUpperCase()
    .replace(/\s+NOT\s+NULL$/, '')
    .trim();
  const describe = () => (typeof value === 'string' ? `"${value}"` : JSON.stringify(value));
  if (/^(TINYINT|SMALLINT|INT|INTEGER|BIGINT)\b/.test(base)) {
    if (typeof value === 'number' && Number.isInteger(value)) return undefined;
    if (typeof value === 'string' && /^[+-]?\d+$/.test(value.trim())) return undefined;
    return `${describe()} is not an integer (${base})`;
  }
  if (/^(DECIMAL|DEC|NUMERIC|FLOAT|DOUBLE|REAL)\b/.test(base)) {
    if (typeof value === 'number') return undefined;
    if (typeof value === 'string' && NUMBER.test(value.trim())) return undefined;
    return `${describe()} is not a number (${base})`;
  }
  if (/^BOOLEAN\b/.test(base)) return typeof value === 'boolean' ? undefined : `${describe()} is not true or false`;
  if (/^TIMESTAMP/.test(base)) {
    if (typeof value === 'number' && Number.isInteger(value)) return undefined; // epoch milliseconds
    if (typeof value === 'string' && TIMESTAMP.test(value.trim())) return undefined;
    return `${describe()} is not a timestamp (write "2024-01-01 10:00:00", fraction optional)`;
  }
  if (/^DATE\b/.test(base)) {
    if (typeof value === 'string' && DATE.test(value.trim())) return undefined;
    if (typeof value === 'number' && Number.isInteger(value)) return undefined;
    return `${describe()} is not a date (write "2024-01-01")`;
  }
  if (/^TIME\b/.test(base)) {
    if (typeof value === 'string' && TIME.test(value.trim())) return undefined;
    return `${describe()} is not a time (write "10:00:00")`;
  }
  if (/^(STRING|VARCHAR|CHAR)\b/.test(base)) {
    return typeof value === 'object' ? `${describe()} is not a string` : undefined;
  }
  if (/^(ARRAY|MULTISET)\b/.test(base) && !Array.isArray(value) && typeof value !== 'object')
    return `${describe()} is not a list`;
  if (/^(MAP|ROW)\b/.test(base) && typeof value !== 'object') return `${describe()} is not a mapping`;
  return undefined;
}
