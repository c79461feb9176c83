import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { Repo, RolloutWaveSpec } from '../repo/model.js';
import { closest } from '../repo/suggest.js';
import { resolveJob } from './config.js';

export const ROLLOUT_FILE = 'platform/rollout.yaml';

/** One wave as an environment's jobs fill it: its name and the jobs it takes, sorted. */
export interface RolloutWave {
  name: string;
  jobs: string[];
}

/**
 * The waves one apply to `env` goes through, for the jobs it applies (`jobIds`): each job in the
 * first wave that selects it, the jobs no wave selects last (one wave per team, or one named `rest`).
 * Waves that take none of the jobs are left out. Undefined when platform/rollout.yaml is absent,
 * invalid, or not for this environment: then everything is applied at once.
 */
export function resolveRollout(repo: Repo, env: string, jobIds: Iterable<string>): RolloutWave[] | undefined {
  const loaded = repo.platform.rollout;
  if (!loaded?.valid) return undefined;
  const spec = loaded.spec;
  if (spec.envs && !spec.envs.includes(env)) return undefined;
  const left = new Set([...jobIds].sort());
  const byId = new Map(repo.jobs.map((j) => [j.id, j]));
  const waves: RolloutWave[] = [];
  for (const w of spec.waves) {
    const jobs = [...left].filter((id) => selects(w, id, () => labelsOf(repo, byId.get(id), env)));
    for (const id of jobs) left.delete(id);
    if (jobs.length) waves.push({ name: w.name, jobs });
  }
  if (spec.remaining === 'team-by-team') {
    const teams = [...new Set([...left].map((id) => id.split('/')[0]!))].sort();
    for (const team of teams) waves.push({ name: team, jobs: [...left].filter((id) => id.startsWith(`${team}/`)) });
  } else if (left.size) waves.push({ name: 'rest', jobs: [...left] });
  return waves;
}

function selects(w: RolloutWaveSpec, id: string, labels: () => Record<string, string>): boolean {
  if (w.jobs?.includes(id)) return true;
  if (w.teams?.includes(id.split('/')[0]!)) return true;
  if (w.labels) {
    const have = labels();
    return Object.entries(w.labels).every(([k, v]) => have[k] === v);
  }
  return false;
}

function labelsOf(repo: Repo, job: Repo['jobs'][number] | undefined, env: string): Record<string, string> {
  return job ? (resolveJob(repo, job, env).effective?.labels ?? {}) : {};
}

/**
 * What platform/rollout.yaml names that the repository does not have: a job, a team, an
 * environment; a wave name used twice. Each at its file:line:column, with the closest name.
 */
export function rolloutProblems(repo: Repo): Omit<Diagnostic, 'rule'>[] {
  const loaded = repo.platform.rollout;
  if (!loaded?.valid) return [];
  const out: Omit<Diagnostic, 'rule'>[] = [];
  const envs = [...repo.platform.envs.keys()].sort();
  const teams = [...repo.teams.keys()].sort();
  // A job or team that is gone only leaves its wave (retiring a job needs no platform change); an
  // environment that does not exist is the platform file's own mistake.
  const unknown = (path: (string | number)[], what: string, name: string, known: string[], where: string) => {
    const guess = closest(name, known);
    out.push({
      severity: what === 'environment' ? 'error' : 'warning',
      message: `${what} "${name}" does not exist${guess ? ` — did you mean "${guess}"?` : ''}`,
      hint: where,
      ...loaded.yaml.at(path),
    });
  };
  (loaded.spec.envs ?? []).forEach((e, i) => {
    if (!envs.includes(e))
      unknown(['envs', i], 'environment', e, envs, `environments: ${envs.join(', ')} (platform/envs/*.yaml)`);
  });
  const seen = new Set<string>();
  loaded.spec.waves.forEach((w, i) => {
    if (seen.has(w.name))
      out.push({
        severity: 'error',
        message: `wave "${w.name}" is named twice`,
        hint: 'give each wave its own name: apply reports progress by it',
        ...loaded.yaml.at(['waves', i, 'name']),
      });
    seen.add(w.name);
    (w.jobs ?? []).forEach((id, k) => {
      if (!repo.jobIds.includes(id))
        unknown(['waves', i, 'jobs', k], 'job', id, repo.jobIds, 'jobs are team/job, the folder under jobs/');
    });
    (w.teams ?? []).forEach((t, k) => {
      if (!teams.includes(t)) unknown(['waves', i, 'teams', k], 'team', t, teams, `teams: ${teams.join(', ')}`);
    });
  });
  return out;
}
