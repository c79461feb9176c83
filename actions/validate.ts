import { hasErrors } from '../lib/diagnostics/diagnostic.js';
import { formatDiagnostics, type ValidateFormat } from '../lib/diagnostics/format/index.js';
import { loadRepo } from '../lib/repo/load.js';
import { selectJobs } from '../lib/repo/select.js';
import { check } from '../lib/rules/index.js';
import type { ActionResult } from './result.js';

export interface ValidateOptions {
  repo: string;
  jobs: string[];
  format: ValidateFormat;
  color?: boolean;
}

export function validate(options: ValidateOptions): ActionResult {
  const { repo, diagnostics: loadDiagnostics } = loadRepo(options.repo);
  const jobs = selectJobs(repo, options.jobs);
  const diagnostics = check(repo, loadDiagnostics, jobs ? { jobs } : {});
  return {
    stdout: formatDiagnostics(diagnostics, options.format, { color: options.color ?? false }),
    exitCode: hasErrors(diagnostics) ? 1 : 0,
  };
}
