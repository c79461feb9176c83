import { hasErrors, sortDiagnostics } from '../lib/diagnostics/diagnostic.js';
import { formatDiagnostics, type ValidateFormat } from '../lib/diagnostics/format/index.js';
import { validateRepository } from '../lib/validation/incremental.js';
import type { ActionResult } from './result.js';

export interface ValidateOptions {
  repo: string;
  jobs: string[];
  format: ValidateFormat;
  color?: boolean;
  /** Also validate every statement with the job's own Flink release. */
  deep?: boolean;
  /** Without Java, is --deep an error (CI) or a warning (laptop)? Default: error when CI is set. */
  deepRequired?: boolean;
  /** The results folder; false: check every job again, and cache nothing (--no-cache). */
  cache?: string | false;
  log?: (line: string) => void;
}

export async function validate(options: ValidateOptions): Promise<ActionResult> {
  const result = await validateRepository({
    root: options.repo,
    jobs: options.jobs,
    deep: Boolean(options.deep),
    ...(options.cache !== undefined ? { cache: options.cache } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
  let diagnostics = result.diagnostics;
  const extra: Record<string, unknown> = {};
  if (result.deep) {
    extra.deep = {
      jobs: result.deep.jobs,
      cached: result.deep.cached,
      jvmStartMs: result.deep.jvmStartMs,
      validateMs: result.deep.validateMs,
    };
    extra.parserGaps = result.deep.parserGaps.map((d) => ({
      file: d.file,
      line: d.line,
      column: d.column,
      message: d.message,
    }));
  }
  if (result.deepUnavailable) {
    const required = options.deepRequired ?? Boolean(process.env.CI);
    diagnostics = sortDiagnostics([
      ...diagnostics,
      {
        severity: required ? 'error' : 'warning',
        rule: 'deep/unavailable',
        message: `--deep could not run: ${result.deepUnavailable}`,
        hint: required
          ? 'install Java 17 and Maven (CI: .ci/run does), or run without --deep'
          : 'only the fast checks ran; set FLINKOPS_DEEP_REQUIRED=true to make this an error',
        file: 'platform/versions.yaml',
        line: 1,
        column: 1,
      },
    ]);
  }
  if (result.cacheProblem) options.log?.(`results not cached: ${result.cacheProblem}`);
  extra.cache = { jobs: result.jobs, checked: result.checked.length };
  return {
    stdout: formatDiagnostics(diagnostics, options.format, { color: options.color ?? false, extra }),
    exitCode: hasErrors(diagnostics) ? 1 : 0,
  };
}
