import path from 'node:path';
import { finish, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { DeepResult, StatementVerdict } from '../flink/deep.js';
import { FlinkUnavailable } from '../flink/launch.js';
import { RepoLoader } from '../repo/load.js';
import type { Job, Repo } from '../repo/model.js';
import { jobSecurity } from '../security/index.js';
import { resolveJobIds } from '../repo/select.js';
import { helperSources } from '../flink/sources.js';
import { deepKey, ResultKeys } from './keys.js';
import { buildId } from '../cache/build.js';
import { folderDigest } from '../repo/load.js';
import { ResultStore } from '../cache/store.js';
import { type FolderSnapshot, snapshot, unchanged } from '../cache/folderStats.js';
import type { JobFiles } from '../repo/load.js';

export interface ValidationOptions {
  root: string;
  /** The user's job names (`team/job` or `job`); all jobs when empty. */
  jobs: readonly string[];
  /** The results folder; false: neither read nor write cached results. Default: resultsDir(). */
  cache?: string | false;
  /** Also validate with the jobs' own Flink releases (JVM helpers). */
  deep?: boolean;
  log?: (line: string) => void;
}

export interface ValidationResult {
  diagnostics: Diagnostic[];
  /** Jobs whose fast check ran this time (the others' results came from the cache). */
  checked: string[];
  /** Jobs whose files were read this time (the others' folders looked as they did when last read). */
  read: number;
  /** Jobs Flink validated this time (deep only). */
  deepChecked: string[];
  jobs: number;
  /** Jobs (of those validated) whose team a data-security policy names: enforcement is proven by --deep. */
  jobsUnderPolicies: number;
  /** Why the cache was not used, if it was not. */
  cacheProblem?: string;
  /** Why Flink could not be asked (no Java, no helper): only the fast checks ran. */
  deepUnavailable?: string;
  deep?: {
    jobs: number;
    cached: number;
    jvmStartMs: Record<string, number>;
    validateMs: Record<string, number>;
    parserGaps: Diagnostic[];
  };
}

interface DeepEntry {
  diagnostics: Diagnostic[];
  verdicts: StatementVerdict[];
}

/**
 * `validate`, one job folder at a time: read its bytes, look its key up, and parse and check it only
 * when the key is new — so an unchanged repository costs reading and hashing its files, and memory
 * does not grow with the number of jobs (a checked job is dropped, unless Flink has to see it).
 * The repository-wide rules (duplicate names, the policy files) run every time, outside the cache.
 */
export async function validateRepository(o: ValidationOptions): Promise<ValidationResult> {
  const loader = new RepoLoader(o.root);
  const { repo, diagnostics: baseDiagnostics } = loader.base();
  const ids = o.jobs.length ? resolveJobIds(repo.jobIds, o.jobs, o.root) : repo.jobIds;
  const fast = ResultStore.open<Diagnostic[]>('validate', o.cache ?? undefined);
  let deepStore = o.deep ? ResultStore.open<DeepEntry>('deep', o.cache ?? undefined) : undefined;
  const keys = new ResultKeys(repo);
  let helper = '';
  let deepUnavailable: string | undefined;
  if (o.deep) {
    try {
      helper = helperSources();
    } catch (e) {
      if (!(e instanceof FlinkUnavailable)) throw e;
      deepUnavailable = e.message;
      deepStore = undefined;
    }
  }

  const diagnostics: Diagnostic[] = [];
  const checked: string[] = [];
  const forFlink: Job[] = [];
  const deepKeys = new Map<string, string>();
  const deepCached: DeepEntry[] = [];
  // A folder that looks as it did when its digest was taken (lstat of every path in it) is not read.
  const folders = ResultStore.open<FolderSnapshot>('folders', o.cache ?? undefined).store;
  const now = Date.now();
  let read = 0;
  for (const id of ids) {
    const dir = path.join(loader.files.root, 'jobs', id);
    const snapKey = `${buildId()}\0${dir}`;
    const snap = folders.get(snapKey);
    let digest = snap && unchanged(dir, snap, now);
    let files: JobFiles | undefined;
    const readFiles = (): JobFiles => {
      if (files) return files;
      files = loader.readJob(id);
      read++;
      digest = folderDigest(files);
      const fresh = snapshot(dir, digest, now);
      if (fresh && fresh.signature !== snap?.signature) folders.set(snapKey, fresh);
      return files;
    };
    if (!digest) readFiles();
    let key = keys.jobOf(id.split('/')[0]!, digest!);
    let result = fast.store.get(key);
    let job: Job | undefined;
    if (!result) {
      const { checkJob } = await rules();
      const parsed = loader.parseJob(readFiles());
      key = keys.jobOf(id.split('/')[0]!, digest!);
      job = parsed.job;
      result = checkJob(repo, job, parsed.diagnostics);
      fast.store.set(key, result);
      checked.push(id);
    }
    diagnostics.push(...result);
    if (deepStore) {
      const dk = deepKey(key, helper);
      const hit = deepStore.store.get(dk);
      if (hit) deepCached.push(hit);
      else {
        forFlink.push(job ?? loader.parseJob(readFiles()).job);
        deepKeys.set(id, dk);
      }
    }
  }
  // The repository-wide rules: cached too (the first row filter compiled costs the grammar's warm-up).
  const repoKey = keys.repository(repo.jobIds, ids);
  let repoResult = fast.store.get(repoKey);
  if (!repoResult) {
    repoResult = (await rules()).checkRepository(repo, [], ids.map(jobStub));
    fast.store.set(repoKey, repoResult);
  }
  diagnostics.push(...baseDiagnostics, ...loader.files.diagnostics, ...repoResult);
  fast.store.save();
  folders.save();
  let all = finish(diagnostics);
  const result: ValidationResult = {
    diagnostics: all,
    checked,
    read,
    deepChecked: forFlink.map((j) => j.id),
    jobs: ids.length,
    jobsUnderPolicies: jobsUnderPolicies(repo, ids),
    ...(fast.problem ? { cacheProblem: fast.problem } : {}),
    ...(deepUnavailable ? { deepUnavailable } : {}),
  };
  if (!deepStore) return result;

  const envs = [...repo.platform.envs.keys()].sort();
  repo.jobs = forFlink;
  let deep: DeepResult = {
    diagnostics: [],
    verdicts: [],
    stats: { jobs: 0, requests: 0, jvmStartMs: {}, validateMs: {} },
  };
  if (forFlink.length) {
    try {
      deep = await (await import('../flink/deep.js')).deepValidate(repo, forFlink, envs, o.log);
    } catch (e) {
      if (!(e instanceof FlinkUnavailable)) throw e;
      return { ...result, deepChecked: [], deepUnavailable: e.message };
    }
  }
  for (const job of forFlink) {
    deepStore.store.set(deepKeys.get(job.id)!, {
      diagnostics: deep.diagnostics.filter((d) => d.job === job.id),
      verdicts: deep.verdicts.filter((v) => v.job === job.id),
    });
  }
  deepStore.store.save();
  const deepDiagnostics = [...deepCached.flatMap((e) => e.diagnostics), ...deep.diagnostics];
  const verdicts = [...deepCached.flatMap((e) => e.verdicts), ...deep.verdicts];
  const reconciled = (await import('../flink/deep.js')).reconcileGrammar(all, verdicts);
  all = finish(dedupeEnvs([...reconciled.diagnostics, ...deepDiagnostics]));
  return {
    ...result,
    diagnostics: all,
    deep: {
      jobs: deep.stats.jobs,
      cached: deepCached.length,
      jvmStartMs: deep.stats.jvmStartMs,
      validateMs: deep.stats.validateMs,
      parserGaps: reconciled.parserGaps,
    },
  };
}

/** The same problem in several environments is one problem (deep diagnostics may name their environments). */
function dedupeEnvs(list: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return list.filter((d) => {
    const key = `${d.file}\0${d.line}\0${d.column}\0${d.rule}\0${d.message.replace(/ \(environment [^)]+\)$/, '')}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** A job known by its folder only: what the repository-wide rules need of a job they do not parse. */
/** How many of the jobs a policy applies to (decided per team: principals are the team's). */
function jobsUnderPolicies(repo: Repo, ids: readonly string[]): number {
  const env = [...repo.platform.envs.keys()].sort()[0];
  if (!env) return 0;
  const byTeam = new Map<string, boolean>();
  let n = 0;
  for (const id of ids) {
    const stub = jobStub(id);
    let policed = byTeam.get(stub.team);
    if (policed === undefined) {
      policed = Boolean(jobSecurity(repo, stub, env).policies);
      byTeam.set(stub.team, policed);
    }
    if (policed) n++;
  }
  return n;
}

function jobStub(id: string): Job {
  const [team, name] = id.split('/') as [string, string];
  return { id, team, name, dir: `jobs/${id}`, sql: [] };
}

/**
 * The rules, loaded on the first job that misses the cache: they bring the SQL grammar, whose loading
 * alone (~0.3 s) would be most of a run where nothing changed.
 */
const rules = () => import('../rules/index.js');
