import type { Job, Repo } from './model.js';
import { closest } from './suggest.js';

/** Wrong usage: the CLI prints the message and exits 2. */
export class UsageError extends Error {}

/** Resolves the user's job names (`team/job`, `job`, or `jobs/team/job`) to job ids; unknown names are usage errors. */
export function resolveJobIds(ids: readonly string[], names: readonly string[], root: string): string[] {
  const out: string[] = [];
  for (const raw of names) {
    const name = raw
      .replace(/^\.\//, '')
      .replace(/^jobs\//, '')
      .replace(/\/+$/, '');
    const matches = name.includes('/')
      ? ids.filter((id) => id === name)
      : ids.filter((id) => id.split('/')[1] === name);
    if (matches.length === 1) {
      if (!out.includes(matches[0]!)) out.push(matches[0]!);
      continue;
    }
    if (matches.length > 1) throw new UsageError(`"${raw}" names several jobs (${matches.join(', ')}); write team/job`);
    const guess = closest(
      name,
      ids.map((id) => (name.includes('/') ? id : id.split('/')[1]!)),
    );
    throw new UsageError(`no job "${raw}" in ${root}${guess ? ` — did you mean "${guess}"?` : ''}`);
  }
  return out;
}

/** The jobs the user named, or undefined for "all". */
export function selectJobs(repo: Repo, names: readonly string[]): Job[] | undefined {
  if (names.length === 0) return undefined;
  return resolveJobIds(repo.jobIds, names, repo.root).map((id) => repo.jobs.find((j) => j.id === id)!);
}

export function selectJob(repo: Repo, name: string): Job {
  return selectJobs(repo, [name])![0]!;
}

export function requireEnv(repo: Repo, env: string | undefined): string {
  const envs = [...repo.platform.envs.keys()].sort();
  if (!env) throw new UsageError(`--env is required (environments: ${envs.join(', ') || 'none'})`);
  if (!repo.platform.envs.has(env)) {
    const guess = closest(env, envs);
    throw new UsageError(
      `no environment "${env}"${guess ? ` — did you mean "${guess}"?` : ''} (environments: ${envs.join(', ')})`,
    );
  }
  return env;
}
