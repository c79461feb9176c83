import type { Origin } from '../repo/model.js';
import type { Row, SinkExpectation } from '../jobtest/load.js';

/** One difference between the expected and the actual rows of a sink. */
export interface RowDifference {
  kind: 'missing' | 'unexpected' | 'changed';
  /** The expectation's position in the test file (missing, changed); the sink's for unexpected rows. */
  origin: Origin;
  expected?: Row;
  actual?: Row;
  /** For changed rows: the columns that differ. */
  columns?: string[];
}

export interface ActualSink {
  columns: { name: string; type: string }[];
  rows: Row[];
}

const OP = '$op';

/**
 * Compares a sink's rows with an expectation. Only the columns an expected row names are compared;
 * unordered comparison is multiset matching; a left-over expected row is paired with the left-over
 * actual row that agrees on most of its columns and shown as changed.
 */
export function compareSink(e: SinkExpectation, actual: ActualSink): RowDifference[] {
  const types = new Map(actual.columns.map((c) => [c.name, c.type]));
  const equal = (col: string, want: unknown, got: unknown) =>
    valuesEqual(want, got, col === OP ? 'STRING' : types.get(col), e.tolerance);
  const agree = (want: Row, got: Row) => Object.keys(want).filter((c) => equal(c, want[c], pick(got, c)));
  const matches = (want: Row, got: Row) => agree(want, got).length === Object.keys(want).length;
  const expected = e.expected.rows.map((r) => normalizeOp(r, e.kind));
  const diffs: RowDifference[] = [];
  const changed = (i: number, got: Row): RowDifference => {
    const want = expected[i]!;
    const same = new Set(agree(want, got));
    return {
      kind: 'changed',
      origin: e.expected.origins[i]!,
      expected: want,
      actual: got,
      columns: Object.keys(want).filter((c) => !same.has(c)),
    };
  };

  if (e.ordered) {
    const n = Math.max(expected.length, actual.rows.length);
    for (let i = 0; i < n; i++) {
      const want = expected[i];
      const got = actual.rows[i];
      if (want && got) {
        if (!matches(want, got)) diffs.push(changed(i, got));
      } else if (want) diffs.push({ kind: 'missing', origin: e.expected.origins[i]!, expected: want });
      else diffs.push({ kind: 'unexpected', origin: e.origin, actual: got! });
    }
    return diffs;
  }

  const used = new Set<number>();
  const leftover: number[] = [];
  expected.forEach((want, i) => {
    const j = actual.rows.findIndex((got, k) => !used.has(k) && matches(want, got));
    if (j >= 0) used.add(j);
    else leftover.push(i);
  });
  for (const i of leftover) {
    const want = expected[i]!;
    let best = -1;
    let bestScore = 0;
    actual.rows.forEach((got, k) => {
      if (used.has(k)) return;
      const score = agree(want, got).length;
      if (score > bestScore) [best, bestScore] = [k, score];
    });
    if (best >= 0) {
      used.add(best);
      diffs.push(changed(i, actual.rows[best]!));
    } else diffs.push({ kind: 'missing', origin: e.expected.origins[i]!, expected: want });
  }
  actual.rows.forEach((got, k) => {
    if (!used.has(k)) diffs.push({ kind: 'unexpected', origin: e.origin, actual: got });
  });
  return diffs.sort((a, b) => a.origin.line - b.origin.line || order[a.kind] - order[b.kind]);
}

const order = { changed: 0, missing: 1, unexpected: 2 } as const;

function normalizeOp(row: Row, kind: SinkExpectation['kind']): Row {
  if (kind !== 'changelog') return row;
  const { $rowkind, ...rest } = row;
  return rest[OP] === undefined && $rowkind !== undefined ? { ...rest, [OP]: $rowkind } : row;
}

/** A column of an actual row by the expectation's name (exact, else case-insensitive). */
function pick(row: Row, col: string): unknown {
  if (col in row) return row[col];
  const lower = col.toLowerCase();
  const key = Object.keys(row).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : row[key];
}

/** Equality of an expected value (as written in YAML) and an actual one (as the helper prints it), by column type. */
export function valuesEqual(want: unknown, got: unknown, type: string | undefined, tolerance: number): boolean {
  if (want === null || want === undefined || got === null || got === undefined) return (want ?? null) === (got ?? null);
  const t = (type ?? '').toUpperCase();
  if (/^(TINYINT|SMALLINT|INT|INTEGER|BIGINT|DECIMAL|NUMERIC|FLOAT|DOUBLE|REAL)\b/.test(t)) {
    const a = Number(want);
    const b = Number(got);
    if (Number.isNaN(a) || Number.isNaN(b)) return String(want) === String(got);
    return tolerance > 0 ? Math.abs(a - b) <= tolerance + 1e-12 : a === b;
  }
  if (/^(TIMESTAMP|TIME\b)/.test(t) && typeof want === 'string' && typeof got === 'string')
    return timeText(want) === timeText(got);
  if (typeof want === 'object' || typeof got === 'object') return canonical(want) === canonical(got);
  return String(want) === String(got);
}

/** `2024-01-01T10:00:00.000` and `2024-01-01 10:00:00` are the same instant as Flink prints it. */
function timeText(s: string): string {
  return s
    .trim()
    .replace('T', ' ')
    .replace(/(\.\d*?)0+$/, '$1')
    .replace(/\.$/, '');
}

function canonical(v: unknown): string {
  return JSON.stringify(v, (_, x) =>
    x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x as object).sort(([a], [b]) => (a < b ? -1 : 1)))
      : x,
  );
}
