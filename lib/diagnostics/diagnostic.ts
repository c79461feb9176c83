/** A problem found in the repository: a value, never thrown. Lines and columns are 1-based. */
export type Severity = 'error' | 'warning' | 'info';

export interface Diagnostic {
  severity: Severity;
  rule: string;
  message: string;
  /** Repository-relative, `/`-separated. */
  file: string;
  line: number;
  column: number;
  /** `team/job` when the problem belongs to one job. */
  job?: string;
  /** What to do about it. */
  hint?: string;
}

export interface Position {
  line: number;
  column: number;
}

export const START: Position = { line: 1, column: 1 };

const severityRank: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

/** Stable order: by file, line, column, rule, message — so output is byte-identical across runs. */
export function sortDiagnostics(list: Diagnostic[]): Diagnostic[] {
  return [...list].sort(
    (a, b) =>
      cmp(a.file, b.file) ||
      a.line - b.line ||
      a.column - b.column ||
      severityRank[a.severity] - severityRank[b.severity] ||
      cmp(a.rule, b.rule) ||
      cmp(a.message, b.message),
  );
}

/** Deduplicated (the same problem found in two jobs of a team is one) and sorted. */
export function finish(list: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return sortDiagnostics(
    list.filter((d) => {
      const key = `${d.file}\0${d.line}\0${d.column}\0${d.rule}\0${d.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    }),
  );
}

export function hasErrors(list: Diagnostic[]): boolean {
  return list.some((d) => d.severity === 'error');
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
