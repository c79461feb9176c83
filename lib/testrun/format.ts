import type { RowDifference } from './compare.js';
import type { Row } from '../jobtest/load.js';
import type { TestResult } from './run.js';

export type TestFormat = 'text' | 'json' | 'junit';
export const TEST_FORMATS: TestFormat[] = ['text', 'json', 'junit'];

export interface TestSummary {
  tests: number;
  jobs: number;
  passed: number;
  failed: number;
  errors: number;
}

export function summarize(results: TestResult[]): TestSummary {
  return {
    tests: results.length,
    jobs: new Set(results.map((r) => r.job)).size,
    passed: results.filter((r) => r.status === 'passed').length,
    failed: results.filter((r) => r.status === 'failed').length,
    errors: results.filter((r) => r.status === 'error').length,
  };
}

export function formatResults(results: TestResult[], format: TestFormat): string {
  if (format === 'json') return `${JSON.stringify(resultsJson(results), null, 2)}\n`;
  if (format === 'junit') return junit(results);
  return text(results);
}

/** The JSON results (`--format json`, `--results FILE`); `plan --tests FILE` reads them. */
export function resultsJson(results: TestResult[]): { ok: boolean; summary: TestSummary; tests: TestResult[] } {
  const summary = summarize(results);
  return { ok: summary.failed + summary.errors === 0, summary, tests: results };
}

export function summaryLine(s: TestSummary): string {
  return `Tests: ${s.passed} passed, ${s.failed} failed, ${s.errors} ${s.errors === 1 ? 'error' : 'errors'} (${s.tests} ${s.tests === 1 ? 'test' : 'tests'} of ${s.jobs} ${s.jobs === 1 ? 'job' : 'jobs'})`;
}

const MARK = { passed: '✔', failed: '✖', error: '!' } as const;

/** One test's result as text (also the body of a JUnit failure). */
export function resultText(r: TestResult): string {
  const lines = [`${MARK[r.status]} ${r.job} › ${r.test} [${r.env}]  ${(r.millis / 1000).toFixed(2)} s`];
  if (r.status !== 'passed' && r.description) lines.push(`    ${r.description}`);
  for (const d of r.diagnostics)
    lines.push(
      `    ${d.file}:${d.line}:${d.column}  ${d.message}  ${d.rule}`,
      ...(d.hint ? [`      hint: ${d.hint}`] : []),
    );
  for (const s of r.sinks) {
    if (!s.differences.length) continue;
    const counts = (['changed', 'missing', 'unexpected'] as const)
      .map((k) => [k, s.differences.filter((d) => d.kind === k).length] as const)
      .filter(([, n]) => n)
      .map(([k, n]) => `${n} ${k}`)
      .join(', ');
    lines.push(`    ${s.sink} (${s.kind === 'rows' ? 'final rows' : 'changelog'}): ${counts}`);
    for (const d of s.differences) lines.push(...differenceText(d));
  }
  return lines.join('\n');
}

function differenceText(d: RowDifference): string[] {
  const at = `${d.origin.file}:${d.origin.line}:${d.origin.column}`;
  switch (d.kind) {
    case 'missing':
      return [`      - missing     ${at}  ${rowText(d.expected!)}`];
    case 'unexpected':
      return [`      + unexpected  ${at}  ${rowText(d.actual!)}`];
    default:
      return [
        `      ~ changed     ${at}  ${rowText(d.expected!)}`,
        ...d.columns!.map(
          (c) =>
            `                    ${c}: expected ${valueText(d.expected![c])}, got ${valueText(actualValue(d.actual!, c))}`,
        ),
      ];
  }
}

function actualValue(row: Row, col: string): unknown {
  if (col in row) return row[col];
  const key = Object.keys(row).find((k) => k.toLowerCase() === col.toLowerCase());
  return key === undefined ? undefined : row[key];
}

function rowText(row: Row): string {
  return `{${Object.entries(row)
    .map(([k, v]) => `${k}: ${valueText(v)}`)
    .join(', ')}}`;
}

function valueText(v: unknown): string {
  if (v === undefined) return '(no such column)';
  if (v === null) return 'null';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

function text(results: TestResult[]): string {
  const out = results.map(resultText);
  out.push('', summaryLine(summarize(results)));
  return `${out.join('\n')}\n`;
}

function xml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** JUnit XML: one suite per job, one case per test and environment (GitLab shows it in the merge request). */
function junit(results: TestResult[]): string {
  const s = summarize(results);
  const seconds = (ms: number) => (ms / 1000).toFixed(3);
  const jobs = [...new Set(results.map((r) => r.job))];
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="flinkops test" tests="${s.tests}" failures="${s.failed}" errors="${s.errors}" time="${seconds(results.reduce((n, r) => n + r.millis, 0))}">`,
  ];
  for (const job of jobs) {
    const list = results.filter((r) => r.job === job);
    const j = summarize(list);
    lines.push(
      `  <testsuite name="${xml(job)}" tests="${j.tests}" failures="${j.failed}" errors="${j.errors}" time="${seconds(list.reduce((n, r) => n + r.millis, 0))}">`,
    );
    for (const r of list) {
      const open = `    <testcase classname="${xml(job)}" name="${xml(`${r.test} [${r.env}]`)}" file="${xml(r.file)}" time="${seconds(r.millis)}"`;
      if (r.status === 'passed') {
        lines.push(`${open}/>`);
        continue;
      }
      const first = r.diagnostics[0]?.message ?? `${r.sinks.filter((x) => x.differences.length).length} sink(s) differ`;
      const tag = r.status === 'failed' ? 'failure' : 'error';
      lines.push(
        `${open}>`,
        `      <${tag} message="${xml(first)}" type="${r.status === 'failed' ? 'rows' : 'error'}">${xml(resultText(r))}</${tag}>`,
        '    </testcase>',
      );
    }
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>');
  return `${lines.join('\n')}\n`;
}
