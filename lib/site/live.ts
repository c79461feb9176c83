import type { JobStatus, StatusReport } from '../live/status.js';

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
