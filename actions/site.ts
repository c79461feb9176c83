import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Diagnostic } from '../lib/diagnostics/diagnostic.js';
import { formatDiagnostics } from '../lib/diagnostics/format/index.js';
import { parseStatusReport, type StatusReport } from '../lib/live/status.js';
import { Git } from '../lib/git/git.js';
import { loadRepo } from '../lib/repo/load.js';
import { UsageError } from '../lib/repo/select.js';
import type { HistoryEntry, JobTestFile, SiteInputs } from '../lib/site/catalog.js';
import { siteFlink } from '../lib/site/flink.js';
import { buildSite } from '../lib/site/site.js';
import type { ActionResult } from './result.js';

export interface SiteOptions {
  repo: string;
  out: string;
  /** The environment whose SQL, policies, links and lineage the pages show; default prod, else the first. */
  env?: string;
  /** Files written by `flinkops status --env ENV --json`, one per environment: the live view. */
  live?: string[];
  log?: (line: string) => void;
}

/** Marks a folder `site` wrote, so a later run may empty it. */
const MARKER = '.flinkops-site';
/** Commits kept per job on its page. */
const HISTORY = 10;

/** `site --out DIR`: the static job catalog, for people in a browser (GitLab Pages serves it from public/). */
export async function site(options: SiteOptions): Promise<ActionResult> {
  const { repo } = loadRepo(options.repo);
  const envs = [...repo.platform.envs.keys()].sort();
  const env = options.env ?? (envs.includes('prod') ? 'prod' : envs[0]);
  if (!env || !repo.platform.envs.has(env))
    throw new UsageError(`no environment "${options.env ?? ''}" (environments: ${envs.join(', ') || 'none'})`);
  const live = liveReports(options.live ?? [], envs);
  if ('diagnostics' in live) return { stdout: '', stderr: formatDiagnostics(live.diagnostics, 'text'), exitCode: 1 };
  // A folder flinkops did not write is refused before any work.
  prepareOut(options.out);
  const inputs: SiteInputs = {
    history: history(repo.root),
    tests: tests(
      repo.root,
      repo.jobs.map((j) => j.id),
    ),
    ...(process.env.CI_PROJECT_URL ? { repoUrl: process.env.CI_PROJECT_URL } : {}),
    flink: await siteFlink(repo, env, options.log),
    live: live.reports,
  };
  const { files, catalog } = buildSite(repo, env, inputs);
  for (const [rel, text] of files) {
    const file = path.join(options.out, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
  writeFileSync(path.join(options.out, MARKER), '');
  const problems = catalog.diagnostics.length ? formatDiagnostics(catalog.diagnostics, 'text') : undefined;
  const liveEnvs = [...catalog.live.keys()];
  return {
    stdout: `wrote ${files.size} files for ${catalog.jobs.length} jobs and ${catalog.datasets.size} tables (${env}) into ${options.out}\n${
      liveEnvs.length
        ? `live view: ${liveEnvs.map((e) => `${e} taken ${catalog.live.get(e)!.takenAt}`).join(', ')}`
        : 'live view: not available (no --live status file)'
    }\n`,
    ...(problems ? { stderr: problems } : {}),
    exitCode: 0,
  };
}

/** Reads the status snapshots; a file of the wrong shape, or two of one environment, is an error. */
function liveReports(files: string[], envs: string[]): { reports: StatusReport[] } | { diagnostics: Diagnostic[] } {
  const reports: StatusReport[] = [];
  const diagnostics: Diagnostic[] = [];
  const seen = new Map<string, string>();
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new UsageError(
        `--live ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`,
      );
    }
    const r = parseStatusReport(text, file, envs);
    if ('diagnostic' in r) {
      diagnostics.push(r.diagnostic);
      continue;
    }
    const other = seen.get(r.report.env);
    if (other)
      diagnostics.push({
        severity: 'error',
        rule: 'live/status-file',
        message: `a second status of ${r.report.env} (the first is ${other})`,
        hint: 'pass one --live file per environment',
        file,
        line: 1,
        column: 1,
      });
    seen.set(r.report.env, file);
    reports.push(r.report);
  }
  return diagnostics.length ? { diagnostics } : { reports };
}

/** The commits that touched each job folder, newest first, from one `git log` over jobs/. */
function history(root: string): Map<string, HistoryEntry[]> {
  const out = new Map<string, HistoryEntry[]>();
  let text: string;
  try {
    text = new Git(root).run(['log', '-n', '5000', '--format=%x1e%H%x1f%an%x1f%aI%x1f%s', '--name-only', '--', 'jobs']);
  } catch {
    return out;
  }
  for (const record of text.split('\x1e')) {
    const [head, ...paths] = record.split('\n');
    const [sha, author, date, subject] = (head ?? '').split('\x1f');
    if (!sha || subject === undefined) continue;
    const jobs = new Set(paths.map((p) => /^jobs\/([^/]+\/[^/]+)\//.exec(p)?.[1]).filter(Boolean) as string[]);
    for (const id of jobs) {
      const list = out.get(id) ?? [];
      if (list.length < HISTORY) list.push({ sha, author: author ?? '', date: date ?? '', subject });
      out.set(id, list);
    }
  }
  return out;
}

function tests(root: string, ids: string[]): Map<string, JobTestFile[]> {
  const out = new Map<string, JobTestFile[]>();
  for (const id of ids) {
    const dir = path.join(root, 'jobs', id, 'tests');
    if (!existsSync(dir)) continue;
    const files = readdirSync(dir)
      .filter((f) => /\.ya?ml$/.test(f))
      .sort()
      .map((f) => ({ file: `jobs/${id}/tests/${f}`, text: readFileSync(path.join(dir, f), 'utf8') }));
    if (files.length) out.set(id, files);
  }
  return out;
}

function prepareOut(out: string): void {
  if (existsSync(out) && readdirSync(out).length > 0) {
    if (!existsSync(path.join(out, MARKER)))
      throw new UsageError(
        `--out ${out} is not empty and was not written by flinkops site; name a new or empty folder`,
      );
    rmSync(out, { recursive: true, force: true });
  }
  mkdirSync(out, { recursive: true });
}
