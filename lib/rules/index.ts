import { resolveJob, type EffectiveJob } from '../resolve/config.js';
import { finish, type Diagnostic } from '../diagnostics/diagnostic.js';

export { finish };
import type { Job, Repo } from '../repo/model.js';
import { JobSql } from '../sql/script.js';
import { checkpointDirs } from './checkpointDirs.js';
import { duplicateName } from './duplicateName.js';
import { filesystem } from './filesystem.js';
import { flinkVersion } from './flinkVersion.js';
import { imageFactoriesRule } from './imageFactories.js';
import { jobJar, sqlJar } from './jobJars.js';
import { jobName } from './jobName.js';
import { jobShape } from './jobShape.js';
import { plaintextSecretRule } from './plaintextSecret.js';
import { rollout } from './rollout.js';
import { runVars } from './runVars.js';
import { securityPolicies } from './securityPolicies.js';
import { sessionJarUri } from './sessionJarUri.js';
import type { CheckContext, Rule, RuleMeta } from './rule.js';
import { sqlSyntax } from './sqlSyntax.js';
import { testFiles } from './testFiles.js';
import { undefinedVar } from './undefinedVar.js';
import { unknownEnv } from './unknownEnv.js';

export const rules: Rule[] = [
  jobName,
  duplicateName,
  flinkVersion,
  unknownEnv,
  jobShape,
  checkpointDirs,
  sessionJarUri,
  jobJar,
  sqlJar,
  filesystem,
  sqlSyntax,
  imageFactoriesRule,
  undefinedVar,
  runVars,
  plaintextSecretRule,
  securityPolicies,
  testFiles,
  rollout,
];

/** Rules the loader applies while reading files (they need no model). */
export const loaderRules: RuleMeta[] = [
  { id: 'yaml/syntax', description: 'YAML files must parse.' },
  { id: 'yaml/duplicate-key', description: 'A YAML mapping may not repeat a key.' },
  { id: 'yaml/aliases', description: 'YAML anchors and aliases may not expand more than 100 times (alias bombs).' },
  {
    id: 'schema/unknown-key',
    description: 'Only the keys of the JSON Schema in schemas/ are allowed (with a "did you mean" for typos).',
  },
  { id: 'schema/required', description: 'Required keys must be present.' },
  { id: 'schema/type', description: 'Values must have the type the schema gives.' },
  { id: 'schema/value', description: 'Values must be allowed by the schema (enumerations, patterns, ranges).' },
  { id: 'owners/missing', description: 'Every team and job names at least one owner.' },
  {
    id: 'repo/missing-file',
    description:
      'Required files exist (team.yaml, job.yaml, owners.yaml, platform/versions.yaml, platform/owners.yaml, an environment).',
  },
  { id: 'repo/file-too-large', description: 'Files over 1 MiB are refused unread.' },
  { id: 'repo/path-traversal', description: 'Paths may not contain ".." or be absolute.' },
  { id: 'repo/layout', description: 'The repository has a jobs/ folder.' },
  {
    id: 'repo/symlink-escape',
    description: 'Every file is read through one check: its real path is inside the repository and outside .git.',
  },
  { id: 'repo/unreadable', description: 'A file can be read (not a folder, not refused by permissions).' },
  { id: 'repo/encoding', description: 'Files are UTF-8 without a byte-order mark.' },
  { id: 'vars/cycle', description: 'Variables do not refer to themselves through other variables.' },
  { id: 'vars/too-deep', description: 'A variable is reached through at most 16 others.' },
  { id: 'vars/too-large', description: 'A variable expands to at most 256 KiB, a substituted file to at most 4 MiB.' },
  {
    id: 'test/file',
    description:
      'A test file expects `rows` or `changelog` per sink, its `.jsonl` files hold one JSON object per line, its environments exist.',
  },
];

export function allRuleMetas(): RuleMeta[] {
  return [...loaderRules, ...rules.map((r) => r.meta)].sort((a, b) => (a.id < b.id ? -1 : 1));
}

export interface CheckOptions {
  /** Job ids to check; all when empty. */
  jobs?: Job[];
  rules?: Rule[];
}

/** Runs every rule over the repository; load-time diagnostics are merged, filtered to the selected jobs, deduplicated and sorted. */
export function check(repo: Repo, loadDiagnostics: Diagnostic[], options: CheckOptions = {}): Diagnostic[] {
  const selected = options.jobs ?? repo.jobs;
  const jobDirs = new Map(repo.jobs.map((j) => [`${j.dir}/`, j.id]));
  const byJob = new Map<string, Diagnostic[]>();
  const outside: Diagnostic[] = [];
  for (const d of loadDiagnostics) {
    const id = d.job ?? (d.file.startsWith('jobs/') ? jobDirs.get(`${d.file.split('/', 3).join('/')}/`) : undefined);
    if (id === undefined && !(d.file.startsWith('jobs/') && d.file.split('/').length > 3)) outside.push(d);
    else if (id !== undefined) byJob.set(id, [...(byJob.get(id) ?? []), d]);
    else if (options.jobs === undefined) outside.push(d);
  }
  const out = checkRepository(repo, outside, selected, options.rules);
  for (const job of selected) out.push(...checkJob(repo, job, byJob.get(job.id) ?? [], options.rules));
  return finish(out);
}

/**
 * The rules that look at the repository as a whole (duplicate names, the policy files), plus the
 * load problems outside job folders. Cheap, and run on every validation: nothing here is cached.
 */
export function checkRepository(
  repo: Repo,
  loadDiagnostics: Diagnostic[],
  jobs: Job[],
  list: Rule[] = rules,
): Diagnostic[] {
  const out = [...loadDiagnostics];
  const ctx = contextFor(repo, jobs, out);
  for (const rule of list) if (rule.checkRepository) rule.checkRepository(ctx(rule));
  return out;
}

/**
 * Everything one job's own inputs decide: its load problems and every per-job rule. A pure function
 * of the bytes lib/validation/keys.ts hashes into the job's key, so its result can be cached under it.
 */
export function checkJob(repo: Repo, job: Job, loadDiagnostics: Diagnostic[], list: Rule[] = rules): Diagnostic[] {
  const out = [...loadDiagnostics];
  const ctx = contextFor(repo, [job], out);
  for (const rule of list) if (rule.check) rule.check(ctx(rule));
  return out;
}

function contextFor(repo: Repo, selected: Job[], out: Diagnostic[]): (rule: Rule) => CheckContext {
  const envs = [...repo.platform.envs.keys()].sort();
  const effCache = new Map<string, EffectiveJob | undefined>();
  const sqlCache = new Map<string, JobSql | undefined>();
  return (rule: Rule): CheckContext => ({
    repo,
    envs,
    jobs: selected,
    effective(job, env) {
      const key = `${job.id}\0${env}`;
      if (!effCache.has(key)) {
        const r = resolveJob(repo, job, env);
        effCache.set(key, r.effective);
        out.push(...r.diagnostics);
      }
      return effCache.get(key);
    },
    sql(job, env) {
      const key = `${job.id}\0${env}`;
      if (!sqlCache.has(key)) {
        const eff = this.effective(job, env);
        sqlCache.set(
          key,
          eff && eff.type === 'sql' && eff.enabled && job.sql.length ? new JobSql(job.sql, eff.vars) : undefined,
        );
      }
      return sqlCache.get(key);
    },
    *sqlFiles() {
      for (const job of selected)
        for (const env of envs) for (const file of this.sql(job, env)?.files ?? []) yield { job, env, file };
    },
    report(d) {
      out.push({ rule: rule.meta.id, ...d } as Diagnostic);
    },
  });
}
