import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { EffectiveSql } from '../sql/effective.js';
import { toHelperCatalogs } from './deep.js';
import { FlinkHelper, helperOrigin, helperSql, type PreviewResponse } from './helper.js';
import { launchFor } from './launch.js';

export interface SinkRows {
  columns: { name: string; type: string }[];
  /** The sink received updates; rows are the final state with the changelog applied. */
  updating: boolean;
  rows: Record<string, unknown>[];
}

export interface PreviewResult {
  sinks: Record<string, SinkRows>;
  diagnostics: Diagnostic[];
}

export interface PreviewInput {
  samples: Record<string, Record<string, unknown>[]>;
  rows: number;
  timeoutSeconds?: number;
}

/** Runs a job's effective SQL on a local mini cluster of its Flink release; sources read samples, sinks are collected. */
export async function runPreview(eff: EffectiveSql, input: PreviewInput, log?: (line: string) => void): Promise<PreviewResult> {
  const release = eff.job.version?.flink;
  if (!release) throw new Error(`job ${eff.job.id} has no known Flink version`);
  const helper = new FlinkHelper(launchFor(release, log));
  try {
    const response = await helper.request<PreviewResponse>({
      op: 'preview',
      job: eff.job.id,
      statements: eff.statements.map((s) => ({ sql: helperSql(s.text) })),
      catalogs: toHelperCatalogs(eff.catalogs),
      config: Object.fromEntries(Object.entries(eff.job.flinkConf).filter(([k]) => k.startsWith('table.') || k === 'execution.runtime-mode')),
      samples: input.samples,
      rows: input.rows,
      timeoutSeconds: input.timeoutSeconds ?? 120,
    });
    const diagnostics: Diagnostic[] = (response.diagnostics ?? []).map((d) => {
      const statement = d.statement !== undefined ? eff.statements[d.statement] : undefined;
      const where = statement
        ? d.line !== undefined
          ? helperOrigin(eff.sql, statement, d.line, d.column)
          : eff.sql.fileOf(statement).origin(statement.start)
        : { file: eff.sql.files[0]?.source.file ?? '', line: 1, column: 1 };
      return { severity: d.severity === 'warning' ? 'warning' : 'error', rule: `preview/${d.kind ?? 'error'}`, message: `Flink ${release}: ${d.message}`, ...where, job: eff.job.id };
    });
    if (response.error) diagnostics.push({ severity: 'error', rule: 'preview/internal', message: response.error, file: eff.sql.files[0]?.source.file ?? '', line: 1, column: 1, job: eff.job.id });
    return { sinks: response.sinks ?? {}, diagnostics };
  } finally {
    await helper.close();
  }
}
