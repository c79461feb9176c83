import { hasErrors, sortDiagnostics, type Diagnostic } from '../lib/diagnostics/diagnostic.js';
import { formatDiagnostics, type ValidateFormat } from '../lib/diagnostics/format/index.js';
import { deepValidate, reconcileGrammar } from '../lib/flink/deep.js';
import { FlinkUnavailable } from '../lib/flink/launch.js';
import { listJobIds, loadRepo } from '../lib/repo/load.js';
import { resolveJobIds, selectJobs } from '../lib/repo/select.js';
import { check } from '../lib/rules/index.js';
import { jobSecurity } from '../lib/security/index.js';
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
  log?: (line: string) => void;
}

export async function validate(options: ValidateOptions): Promise<ActionResult> {
  // Named jobs: load only those (and the teams and platform they use), not the whole repository.
  const onlyJobs = options.jobs.length
    ? new Set(resolveJobIds(listJobIds(options.repo), options.jobs, options.repo))
    : undefined;
  const { repo, diagnostics: loadDiagnostics } = loadRepo(options.repo, onlyJobs ? { onlyJobs } : {});
  const jobs = selectJobs(repo, options.jobs);
  let diagnostics = check(repo, loadDiagnostics, jobs ? { jobs } : {});
  const extra: Record<string, unknown> = {};
  if (options.deep) {
    try {
      const envs = [...repo.platform.envs.keys()].sort();
      const deep = await deepValidate(repo, jobs ?? repo.jobs, envs, options.log);
      const reconciled = reconcileGrammar(diagnostics, deep.verdicts);
      diagnostics = sortDiagnostics(dedupe([...reconciled.diagnostics, ...deep.diagnostics]));
      extra.deep = { jobs: deep.stats.jobs, jvmStartMs: deep.stats.jvmStartMs, validateMs: deep.stats.validateMs };
      extra.parserGaps = reconciled.parserGaps.map((d) => ({
        file: d.file,
        line: d.line,
        column: d.column,
        message: d.message,
      }));
    } catch (e) {
      if (!(e instanceof FlinkUnavailable)) throw e;
      const required = options.deepRequired ?? Boolean(process.env.CI);
      diagnostics = sortDiagnostics([
        ...diagnostics,
        {
          severity: required ? 'error' : 'warning',
          rule: 'deep/unavailable',
          message: `--deep could not run: ${e.message}`,
          hint: required
            ? 'install Java 17 and Maven (CI: .ci/run does), or run without --deep'
            : 'only the fast checks ran; set FLINKOPS_DEEP_REQUIRED=true to make this an error',
          file: 'platform/versions.yaml',
          line: 1,
          column: 1,
        },
      ]);
    }
  }
  // Fast validate lints the policies; only Flink's planner (--deep) proves each can be enforced.
  const env = [...repo.platform.envs.keys()].sort()[0];
  const policed = env ? (jobs ?? repo.jobs).filter((j) => jobSecurity(repo, j, env).policies).length : 0;
  if (policed && !options.deep) extra.security = { jobsUnderPolicies: policed, enforcementProvenBy: 'validate --deep' };
  const note =
    policed && !options.deep && options.format === 'text'
      ? `note: ${policed} job${policed === 1 ? ' is' : 's are'} under data-security policies, enforced inside Flink's planner: \`flinkops validate --deep\` proves each policy can be enforced\n`
      : '';
  return {
    stdout: formatDiagnostics(diagnostics, options.format, { color: options.color ?? false, extra }) + note,
    exitCode: hasErrors(diagnostics) ? 1 : 0,
  };
}

function dedupe(list: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return list.filter((d) => {
    // The same problem in several environments is one problem.
    const key = `${d.file}\0${d.line}\0${d.column}\0${d.rule}\0${d.message.replace(/ \(environment [^)]+\)$/, '')}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
