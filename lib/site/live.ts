import { parseDocument } from 'yaml';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { JobStatus, StatusReport } from '../jobctl/status.js';

/** The live view: per environment, the status snapshot `flinkops status --env ENV --json` printed. */
export type LiveView = Map<string, StatusReport>;

/** What a live page says about one job in one environment: flags first, then the facts. */
export interface LiveJob {
  s: JobStatus;
  /** Failed, progressing or missing: the job is not doing what Git asks. */
  unhealthy: boolean;
  /** The cluster runs a commit older than HEAD and Git changed the job since (or the commit is unknown). */
  behind: boolean;
}

export function liveJob(s: JobStatus): LiveJob {
  return {
    s,
    unhealthy: s.health === 'failed' || s.health === 'progressing' || s.health === 'missing',
    behind: s.atHead === false && (!!s.commitUnknown || (s.changedSince?.length ?? 0) > 0),
  };
}

const HEALTH = new Set(['healthy', 'finished', 'suspended', 'progressing', 'failed', 'missing']);

/**
 * Reads one `status --json` output: the shape is checked at the edge (a file of another shape, or
 * written by a flinkops without `takenAt`, is an error at its line and column, with a hint).
 */
export function parseStatusReport(
  text: string,
  file: string,
  envs: readonly string[],
): { report: StatusReport } | { diagnostic: Diagnostic } {
  const hint = 'write it with `flinkops status --env ENV --json > FILE` (the same flinkops release as the site)';
  const fail = (message: string, line = 1, column = 1): { diagnostic: Diagnostic } => ({
    diagnostic: { severity: 'error', rule: 'live/status-file', message, file, line, column, hint },
  });
  // JSON is YAML: the yaml parser places a syntax error at its line and column (JSON.parse does not always).
  const syntax = parseDocument(text).errors[0];
  if (syntax) {
    const at = syntax.linePos?.[0];
    return fail(
      `not JSON: ${syntax.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`,
      at?.line,
      at?.col,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return fail(`not JSON: ${(e as Error).message}`);
  }
  const r = value as Partial<StatusReport> | null;
  if (!r || typeof r !== 'object' || Array.isArray(r)) return fail('not the output of `flinkops status --json`');
  if (typeof r.env !== 'string') return fail('no "env": not the output of `flinkops status --json`');
  if (!envs.includes(r.env))
    return fail(`environment "${r.env}" is not in platform/envs/ (environments: ${envs.join(', ')})`);
  if (typeof r.takenAt !== 'string' || Number.isNaN(Date.parse(r.takenAt)))
    return fail('no "takenAt": the time the status was taken is unknown, so the page could not say how old it is');
  if (!Array.isArray(r.jobs)) return fail('no "jobs" list');
  for (const [i, j] of r.jobs.entries())
    if (!j || typeof j.job !== 'string' || !HEALTH.has(j.health))
      return fail(`jobs[${i}] has no "job" or an unknown "health"`);
  return { report: r as StatusReport };
}

/** `2026-12-01 16:40:03 UTC`: the same text wherever the site is built. */
export function utc(iso: string): string {
  return `${new Date(iso).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** `48 s`, `12 min`, `5 h`, `3 d` — the same steps as `flinkops status`. */
export function duration(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86_400)} d`;
}

/** How long before the snapshot `iso` was: the page is static, so ages are told against the snapshot. */
export function before(iso: string, takenAt: string): string {
  return `${duration(Math.max(0, Math.round((Date.parse(takenAt) - Date.parse(iso)) / 1000)))} before the snapshot`;
}
