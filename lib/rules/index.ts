import { resolveJob, type EffectiveJob } from '../resolve/config.js';
import { sortDiagnostics, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { Job, Repo } from '../repo/model.js';
import { JobSql } from '../sql/script.js';
import { checkpointDirs } from './checkpointDirs.js';
import { duplicateName } from './duplicateName.js';
import { flinkVersion } from './flinkVersion.js';
import { jobName } from './jobName.js';
import { jobShape } from './jobShape.js';
import { plaintextSecretRule } from './plaintextSecret.js';
import { runVars } from './runVars.js';
import { securityPolicies } from './securityPolicies.js';
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
  sqlSyntax,
  undefinedVar,
  runVars,
  plaintextSecretRule,
  securityPolicies,
  testFiles,
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
  { id: 'repo/symlink-escape', description: 'Symbolic links may not point outside the repository.' },
  { id: 'repo/path-traversal', description: 'Paths may not contain ".." or be absolute.' },
  { id: 'repo/layout', description: 'The repository has a jobs/ folder.' },
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
  const selectedIds = new Set(selected.map((j) => j.id));
  const selectedDirs = selected.map((j) => `${j.dir}/`);
  const all = options.jobs === undefined;
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  const push = (d: Diagnostic) => {
    const key = `${d.file}\0${d.line}\0${d.column}\0${d.rule}\0${d.message}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push(d);
  };
  for (const d of loadDiagnostics) {
    const inOtherJob = d.job
      ? !selectedIds.has(d.job)
      : d.file.startsWith('jobs/') && d.file.split('/').length > 3 && !selectedDirs.some((p) => d.file.startsWith(p));
    if (all || !inOtherJob) push(d);
  }
  const envs = [...repo.platform.envs.keys()].sort();
  const effCache = new Map<string, EffectiveJob | undefined>();
  const sqlCache = new Map<string, JobSql | undefined>();
  const ctxFor = (rule: Rule): CheckContext => ({
    repo,
    envs,
    jobs: selected,
    effective(job, env) {
      const key = `${job.id}\0${env}`;
      if (!effCache.has(key)) {
        const r = resolveJob(repo, job, env);
        effCache.set(key, r.effective);
        r.diagnostics.forEach(push);
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
      push({ rule: rule.meta.id, ...d } as Diagnostic);
    },
  });
  for (const rule of options.rules ?? rules) rule.check(ctxFor(rule));
  return sortDiagnostics(out);
}
