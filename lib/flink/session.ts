import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { EffectiveSql } from '../resolve/sql.js';
import { helperConfig, toHelperCatalogs } from './deep.js';
import { FlinkHelper, helperOrigin, helperSql, type PreviewResponse } from './helper.js';
import { launchFor } from './launch.js';
import type { PreviewInput, PreviewResult } from './preview.js';

/**
 * One long-lived helper JVM for many previews of the same Flink release (test suites: starting a
 * JVM per preview costs seconds); `runPreview` is one session for one preview.
 */
export class PreviewSession {
  private constructor(
    readonly release: string,
    private readonly helper: FlinkHelper,
  ) {}

  static open(release: string, log?: (line: string) => void): PreviewSession {
    return new PreviewSession(release, new FlinkHelper(launchFor(release, log)));
  }

  async preview(eff: EffectiveSql, input: PreviewInput): Promise<PreviewResult> {
    const response = await this.helper.request<PreviewResponse>({
      op: 'preview',
      job: eff.job.id,
      statements: eff.statements.map((s) => ({ sql: helperSql(s.text) })),
      catalogs: toHelperCatalogs(eff.catalogs),
      config: helperConfig(eff),
      ...(eff.policies ? { security: eff.policies } : {}),
      samples: input.samples,
      rows: input.rows,
      ...(input.changelog ? { changelog: true } : {}),
      ...(input.jars?.length ? { jars: input.jars } : {}),
      timeoutSeconds: input.timeoutSeconds ?? 120,
    });
    const diagnostics: Diagnostic[] = (response.diagnostics ?? []).map((d) => {
      const statement = d.statement !== undefined ? eff.statements[d.statement] : undefined;
      const where = statement
        ? d.line !== undefined
          ? helperOrigin(eff.sql, statement, d.line, d.column)
          : eff.sql.fileOf(statement).origin(statement.start)
        : { file: eff.sql.files[0]?.source.file ?? '', line: 1, column: 1 };
      return {
        severity: d.severity === 'warning' ? 'warning' : 'error',
        rule: `preview/${d.kind ?? 'error'}`,
        message: `Flink ${this.release}: ${d.message}`,
        ...where,
        job: eff.job.id,
      };
    });
    if (response.error)
      diagnostics.push({
        severity: 'error',
        rule: 'preview/internal',
        message: response.error,
        file: eff.sql.files[0]?.source.file ?? '',
        line: 1,
        column: 1,
        job: eff.job.id,
      });
    return { sinks: response.sinks ?? {}, diagnostics, tablesRead: response.tablesRead ?? [] };
  }

  close(): Promise<void> {
    return this.helper.close();
  }
}
