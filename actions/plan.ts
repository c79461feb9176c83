import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { hasErrors } from '../lib/diagnostics/diagnostic.js';
import { formatDiagnostics } from '../lib/diagnostics/format/index.js';
import {
  formatPlanJson,
  formatPlanMarkdown,
  formatPlanText,
  summaryLine,
  type PlanFormat,
} from '../lib/plan/format.js';
import { computePlan } from '../lib/plan/plan.js';
import { attachTests, parseTestResults } from '../lib/plan/tests.js';
import { existsSync, readdirSync } from 'node:fs';
import { UsageError } from '../lib/repo/select.js';
import { ScmError } from '../lib/scm/types.js';
import type { Plan } from '../lib/plan/types.js';
import type { ActionResult } from './result.js';

export interface PlanActionOptions {
  repo: string;
  env: string | undefined;
  base: string | undefined;
  format: PlanFormat;
  comment: boolean;
  out?: string;
  /** Also dry-run the plan's objects against the cluster (server-side apply, nothing stored). */
  live?: boolean;
  context?: string;
  kubeconfig?: string;
  classify?: boolean;
  /** A `flinkops test --results` file: the note says per job "tests: 3 passed" or names the failing tests. */
  tests?: string;
  log?: (line: string) => void;
}

/** The environment must exist; checked on the file system, without loading every job. */
function requireEnvFile(root: string, env: string | undefined): string {
  const envs = (() => {
    try {
      return readdirSync(path.join(root, 'platform/envs'))
        .filter((f) => f.endsWith('.yaml'))
        .map((f) => f.slice(0, -5))
        .sort();
    } catch {
      return [];
    }
  })();
  if (!env) throw new UsageError(`--env is required (environments: ${envs.join(', ') || 'none'})`);
  if (!existsSync(path.join(root, 'platform/envs', `${env}.yaml`)))
    throw new UsageError(`no environment "${env}" (environments: ${envs.join(', ')})`);
  return env;
}

export function defaultBase(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CI_MERGE_REQUEST_DIFF_BASE_SHA) return env.CI_MERGE_REQUEST_DIFF_BASE_SHA;
  if (env.CI_MERGE_REQUEST_TARGET_BRANCH_NAME) return `origin/${env.CI_MERGE_REQUEST_TARGET_BRANCH_NAME}`;
  if (env.GITHUB_BASE_REF) return `origin/${env.GITHUB_BASE_REF}`;
  return 'main';
}

export async function plan(o: PlanActionOptions): Promise<ActionResult> {
  const env = requireEnvFile(o.repo, o.env);
  const computed = await computePlan({
    root: o.repo,
    env,
    base: o.base ?? defaultBase(),
    classify: o.classify ?? true,
    ...(o.log ? { log: o.log } : {}),
  });
  // No plan for a revision that does not load: a broken merge request must not look harmless in its note.
  if ('refused' in computed)
    return {
      stdout: '',
      stderr: `${formatDiagnostics(computed.refused, 'text')}flinkops plan: no plan — fix the repository first\n`,
      exitCode: 1,
    };
  const { plan: p, diagnostics, headObjects } = computed;
  if (o.tests) {
    let text: string;
    try {
      text = readFileSync(o.tests, 'utf8');
    } catch {
      throw new UsageError(`--tests: cannot read ${o.tests} (the --results file of \`flinkops test\`)`);
    }
    const results = parseTestResults(text);
    if (!results) throw new UsageError(`--tests: ${o.tests} is not a \`flinkops test --results\` file`);
    attachTests(p, results);
  }
  if (o.live && headObjects.length) {
    // The Kubernetes client loads only for --live, the Git hosts' only for --comment: a plan without them starts faster.
    const { addLive, kubeFailure } = await import('./planLive.js');
    try {
      await addLive(o, env, p, headObjects);
    } catch (e) {
      return kubeFailure('plan --live', e, render(p, o.format));
    }
  }
  if (o.out) {
    mkdirSync(path.dirname(path.resolve(o.out)), { recursive: true });
    writeFileSync(o.out, formatPlanJson(p));
  }
  let stderr = diagnostics.length ? formatDiagnostics(diagnostics, 'text') : '';
  if (o.comment) {
    try {
      const { platformFromEnv } = await import('../lib/scm/detect.js');
      const host = platformFromEnv();
      const artifactUrl = process.env.CI_JOB_URL
        ? `${process.env.CI_JOB_URL}/artifacts/browse`
        : process.env.GITHUB_SERVER_URL && process.env.GITHUB_RUN_ID
          ? `${process.env.GITHUB_SERVER_URL}/${process.env.GITHUB_REPOSITORY}/actions/runs/${process.env.GITHUB_RUN_ID}`
          : undefined;
      const body = formatPlanMarkdown(p, { limit: host.noteLimit, ...(artifactUrl ? { artifactUrl } : {}) });
      const note = await host.ensurePlanNote({ topic: `plan:${env}`, body });
      await host.setCommitStatus({
        sha: p.head,
        state: hasErrors(diagnostics) ? 'failed' : 'success',
        name: `flinkops/plan:${env}`,
        description: summaryLine(p),
      });
      stderr += `plan note ${note.action} on ${host.host}${note.url ? `: ${note.url}` : ''}\n`;
    } catch (e) {
      if (!(e instanceof ScmError)) throw e;
      return { stdout: render(p, o.format), stderr: `${stderr}flinkops plan --comment: ${e.message}\n`, exitCode: 1 };
    }
  }
  return { stdout: render(p, o.format), ...(stderr ? { stderr } : {}), exitCode: hasErrors(diagnostics) ? 1 : 0 };
}

function render(p: Plan, format: PlanFormat): string {
  return format === 'json' ? formatPlanJson(p) : format === 'markdown' ? formatPlanMarkdown(p) : formatPlanText(p);
}
