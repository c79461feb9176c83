import type { Job, Repo } from './model.js';
import { closest } from './suggest.js';

/** Wrong usage: the CLI prints the message and exits 2. */
export class UsageError extends Error {}

/** Resolves the user's job names (`team/job`, `job`, or `jobs/team/job`) to jobs; unknown names are usage errors. */
export function selectJobs(repo: Repo, names: readonly string[]): Job[] | undefined {
  if (names.length === 0) return undefined;
  const out: Job[] = [];
  for (const raw of names) {
    const name = raw.replace(/^\.\//, '').replace(/^jobs\//, '').replace(/\/+$/, '');
    const matches = name.includes('/') ? repo.jobs.filter((j) => j.id === name) : repo.jobs.filter((j) => j.name === name);
    if (matches.length === 1) {
      if (!out.includes(matches[0]!)) out.push(matches[0]!);
      continue;
    }
    if (matches.length > 1) throw new UsageError(`"${raw}" names several jobs (${matches.map((j) => j.id).join(', ')}); write team/job`);
    const guess = closest(name, repo.jobs.map((j) => (name.includes('/') ? j.id : j.name)));
    throw new UsageError(`no job "${raw}" in ${repo.root}${guess ? ` — did you mean "${guess}"?` : ''}`);
  }
  return out;
}

export function selectJob(repo: Repo, name: string): Job {
  return selectJobs(repo, [name])![0]!;
}

export function requireEnv(repo: Repo, env: string | undefined): string {
  const envs = [...repo.platform.envs.keys()].sort();
  if (!env) throw new UsageError(`--env is required (environments: ${envs.join(', ') || 'none'})`);
  if (!repo.platform.envs.has(env)) {
    const guess = closest(env, envs);
    throw new UsageError(`no environment "${env}"${guess ? ` — did you mean "${guess}"?` : ''} (environments: ${envs.join(', ')})`);
  }
  return env;
}
