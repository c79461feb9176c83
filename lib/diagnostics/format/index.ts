import { createHash } from 'node:crypto';
import type { Diagnostic } from '../diagnostic.js';

export type ValidateFormat = 'text' | 'json' | 'codequality' | 'junit';
export const VALIDATE_FORMATS: ValidateFormat[] = ['text', 'json', 'codequality', 'junit'];

export interface FormatOptions {
  color?: boolean;
  /** Extra top-level fields for JSON (e.g. parser-gap counts). */
  extra?: Record<string, unknown>;
}

export function formatDiagnostics(list: Diagnostic[], format: ValidateFormat, options: FormatOptions = {}): string {
  switch (format) {
    case 'json':
      return json(list, options.extra);
    case 'codequality':
      return codeQuality(list);
    case 'junit':
      return junit(list);
    default:
      return text(list, options.color ?? false);
  }
}

function json(list: Diagnostic[], extra?: Record<string, unknown>): string {
  const ok = !list.some((d) => d.severity === 'error');
  const diagnostics = list.map((d) => ({
    severity: d.severity,
    rule: d.rule,
    message: d.message,
    file: d.file,
    line: d.line,
    column: d.column,
    job: d.job ?? null,
    ...(d.hint ? { hint: d.hint } : {}),
  }));
  return `${JSON.stringify({ ok, diagnostics, ...extra }, null, 2)}\n`;
}

/** GitLab Code Quality report: shows each problem inline in the merge request diff. */
function codeQuality(list: Diagnostic[]): string {
  const severity = { error: 'major', warning: 'minor', info: 'info' } as const;
  const issues = list.map((d) => ({
    description: `${d.message}${d.hint ? ` — ${d.hint}` : ''}`,
    check_name: d.rule,
    // Stable across runs and line shifts elsewhere in the file, so GitLab can tell new problems from fixed ones.
    fingerprint: createHash('sha256').update(`${d.rule}\0${d.file}\0${d.message}`).digest('hex').slice(0, 32),
    severity: severity[d.severity],
    location: { path: d.file, lines: { begin: d.line } },
  }));
  return `${JSON.stringify(issues, null, 2)}\n`;
}

function junit(list: Diagnostic[]): string {
  const byFile = group(list);
  const failures = list.filter((d) => d.severity === 'error').length;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="flinkops validate" tests="${Math.max(1, list.length)}" failures="${failures}">`,
  ];
  if (list.length === 0) {
    lines.push(
      '  <testsuite name="flinkops validate" tests="1" failures="0">',
      '    <testcase classname="flinkops" name="repository is valid"/>',
      '  </testsuite>',
    );
  }
  for (const [file, ds] of byFile) {
    const f = ds.filter((d) => d.severity === 'error').length;
    lines.push(`  <testsuite name="${xml(file)}" tests="${ds.length}" failures="${f}">`);
    for (const d of ds) {
      const name = xml(`${d.rule} ${file}:${d.line}:${d.column}`);
      const body = xml(`${file}:${d.line}:${d.column} ${d.message}${d.hint ? `\nhint: ${d.hint}` : ''}`);
      if (d.severity === 'error') {
        lines.push(
          `    <testcase classname="${xml(d.job ?? file)}" name="${name}" file="${xml(file)}" line="${d.line}">`,
          `      <failure message="${xml(d.message)}" type="${xml(d.rule)}">${body}</failure>`,
          '    </testcase>',
        );
      } else {
        lines.push(
          `    <testcase classname="${xml(d.job ?? file)}" name="${name}" file="${xml(file)}" line="${d.line}">`,
          `      <system-out>${body}</system-out>`,
          '    </testcase>',
        );
      }
    }
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>');
  return `${lines.join('\n')}\n`;
}

function text(list: Diagnostic[], color: boolean): string {
  const c = (code: string, s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const out: string[] = [];
  for (const [file, ds] of group(list)) {
    out.push(c('1;4', file));
    for (const d of ds) {
      const sev =
        d.severity === 'error' ? c('31', 'error') : d.severity === 'warning' ? c('33', 'warning') : c('36', 'info');
      out.push(
        `  ${c('2', `${d.line}:${d.column}`.padEnd(8))} ${sev}  ${d.message.replace(/\n/g, `\n${' '.repeat(11)}`)}  ${c('2', d.rule)}`,
      );
      if (d.hint) out.push(`  ${' '.repeat(8)} ${c('2', `hint: ${d.hint}`)}`);
    }
    out.push('');
  }
  const errors = list.filter((d) => d.severity === 'error').length;
  const warnings = list.filter((d) => d.severity === 'warning').length;
  out.push(
    errors || warnings
      ? c(
          errors ? '31;1' : '33;1',
          `✖ ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`,
        )
      : c('32;1', '✔ no problems'),
  );
  return `${out.join('\n')}\n`;
}

function group(list: Diagnostic[]): Map<string, Diagnostic[]> {
  const m = new Map<string, Diagnostic[]>();
  for (const d of list) {
    const arr = m.get(d.file) ?? [];
    arr.push(d);
    m.set(d.file, arr);
  }
  return m;
}

function xml(s: string): string {
  return s
    .replace(/[<>&"']/g, (ch) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[ch]!)
    .replace(/[\x00-\x08\x0b\x0c\x0e-\x1f]/g, '');
}
