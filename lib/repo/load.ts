import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { MAX_FILE_BYTES, RepoFiles } from './files.js';
import type { Job, Loaded, Platform, PolicySpec, Repo, Team } from './model.js';
import { checkSchema, type SchemaName } from './schemas.js';
import { closest } from './suggest.js';
import { YamlFile } from './yamlFile.js';

export interface LoadResult {
  repo: Repo;
  diagnostics: Diagnostic[];
}

const JOB_FILES = ['job.yaml', 'owners.yaml'];

export interface LoadOptions {
  /** Load only these job folders (`team/job`); teams and platform/ are always loaded. */
  onlyJobs?: ReadonlySet<string>;
}

/** Reads the whole repository into the model. Never throws on bad content: problems become diagnostics. */
export function loadRepo(root: string, options: LoadOptions = {}): LoadResult {
  const loader = new RepoLoader(root);
  const { repo, diagnostics } = loader.base();
  for (const id of repo.jobIds) {
    if (options.onlyJobs && !options.onlyJobs.has(id)) continue;
    const loaded = loader.parseJob(loader.readJob(id));
    repo.jobs.push(loaded.job);
    diagnostics.push(...loaded.diagnostics);
  }
  diagnostics.push(...loader.files.diagnostics);
  return { repo, diagnostics };
}

/** The files of one job folder, read but not parsed: what its cache key is made of. */
export interface JobFiles {
  id: string;
  team: string;
  name: string;
  dir: string;
  entries: { name: string; dir: boolean }[];
  /** The texts read (job.yaml, owners.yaml, *.sql), by file name; undefined when refused or unreadable. */
  texts: Map<string, string | undefined>;
  /** Problems reading them (too large, a link out of the repository). */
  diagnostics: Diagnostic[];
  /**
   * The files of its sub-folders (tests/ and their rows), path → SHA-256 of the bytes: rules read
   * them on their own, the cache key needs them. Links and other non-files are named, not followed.
   */
  nested: [string, string][];
}

/**
 * Loads a repository in parts: the platform and the teams first, then job folders one at a time,
 * each read (cheap: its bytes are a cache key) before it is parsed (not needed when the key hits).
 */
export class RepoLoader {
  readonly files: RepoFiles;

  constructor(root: string) {
    this.files = new RepoFiles(root);
  }

  private yaml<T>(rel: string, schema: SchemaName, into: Diagnostic[], job?: string): Loaded<T> | undefined {
    return this.parseYaml<T>(rel, this.files.read(rel), schema, into, job);
  }

  private parseYaml<T>(
    rel: string,
    text: string | undefined,
    schema: SchemaName,
    into: Diagnostic[],
    job?: string,
  ): Loaded<T> | undefined {
    if (text === undefined) return undefined;
    const y = new YamlFile(rel, text);
    into.push(...y.diagnostics.map((d) => (job ? { ...d, job } : d)));
    let valid = y.ok;
    if (valid) {
      const schemaProblems = checkSchema(y, schema, job);
      into.push(...schemaProblems);
      valid = schemaProblems.length === 0;
    }
    return { yaml: y, spec: (y.data ?? {}) as T, valid };
  }

  /** The platform, the teams and the list of job folders; `repo.jobs` is empty. */
  base(): LoadResult {
    const files = this.files;
    const diagnostics: Diagnostic[] = [];
    const yaml: YamlLoader = (rel, schema, job) => this.yaml(rel, schema, diagnostics, job);
    const platform = loadPlatform(files, yaml, diagnostics);
    const teams = new Map<string, Team>();
    const jobIds: string[] = [];
    if (!files.isDirectory('jobs')) {
      diagnostics.push({
        severity: 'error',
        rule: 'repo/layout',
        message: 'there is no jobs/ folder',
        hint: 'run flinkops at the root of a job repository (or pass --repo DIR)',
        file: 'jobs',
        line: 1,
        column: 1,
      });
    }
    for (const teamEntry of files.list('jobs')) {
      if (!teamEntry.dir) continue;
      const teamDir = `jobs/${teamEntry.name}`;
      const team: Team = { name: teamEntry.name, dir: teamDir };
      if (files.exists(`${teamDir}/team.yaml`)) {
        team.team = yaml(`${teamDir}/team.yaml`, 'team');
      } else {
        diagnostics.push({
          severity: 'error',
          rule: 'repo/missing-file',
          message: `team "${team.name}" has no team.yaml`,
          hint: 'add jobs/<team>/team.yaml with the namespace and owners of the team',
          file: `${teamDir}/team.yaml`,
          line: 1,
          column: 1,
        });
      }
      teams.set(team.name, team);
      for (const jobEntry of files.list(teamDir)) if (jobEntry.dir) jobIds.push(`${team.name}/${jobEntry.name}`);
    }
    jobIds.sort();
    diagnostics.push(...files.diagnostics.splice(0));
    return { repo: { root: files.root, platform, teams, jobs: [], jobIds }, diagnostics };
  }

  /** Reads one job folder's files (`team/job`), without parsing them. */
  readJob(id: string): JobFiles {
    const [team, name] = id.split('/') as [string, string];
    const dir = `jobs/${team}/${name}`;
    const before = this.files.diagnostics.length;
    const entries = this.files.list(dir);
    const texts = new Map<string, string | undefined>();
    for (const e of entries) {
      // A folder named like a job file is read too, so it is reported (repo/unreadable), not skipped.
      if (!(JOB_FILES.includes(e.name) || e.name.endsWith('.sql'))) continue;
      texts.set(e.name, this.files.read(`${dir}/${e.name}`));
    }
    const diagnostics = this.files.diagnostics.splice(before);
    const nested: [string, string][] = [];
    for (const e of entries) if (e.dir) digestTree(path.join(this.files.root, dir, e.name), e.name, nested);
    return { id, team, name, dir, entries, texts, diagnostics, nested };
  }

  /** Parses a job folder read by readJob into the model. */
  parseJob(f: JobFiles): { job: Job; diagnostics: Diagnostic[] } {
    const diagnostics: Diagnostic[] = [...f.diagnostics];
    const { id, dir } = f;
    const job: Job = { id, team: f.team, name: f.name, dir, sql: [] };
    const names = new Set(f.entries.map((e) => e.name));
    for (const required of JOB_FILES) {
      if (names.has(required)) continue;
      const misspelt = [...names].find((n) => closest(n, [required]) === required);
      diagnostics.push({
        severity: 'error',
        rule: required === 'owners.yaml' ? 'owners/missing' : 'repo/missing-file',
        message: `job "${id}" has no ${required}${misspelt ? ` (found "${misspelt}" — misspelt?)` : ''}`,
        hint:
          required === 'owners.yaml'
            ? 'every job needs an owners.yaml with `owners: [...]`'
            : 'add job.yaml with at least `type: sql` (or run `flinkops new`)',
        file: `${dir}/${required}`,
        line: 1,
        column: 1,
        job: id,
      });
    }
    if (names.has('job.yaml'))
      job.job = this.parseYaml(`${dir}/job.yaml`, f.texts.get('job.yaml'), 'job', diagnostics, id);
    if (names.has('owners.yaml'))
      job.owners = this.parseYaml(`${dir}/owners.yaml`, f.texts.get('owners.yaml'), 'owners', diagnostics, id);
    for (const e of f.entries) {
      if (e.dir || !e.name.endsWith('.sql')) continue;
      const text = f.texts.get(e.name);
      if (text !== undefined) job.sql.push({ file: `${dir}/${e.name}`, text });
    }
    reads.set(job, { files: f, diagnostics });
    return { job, diagnostics };
  }
}

const reads = new WeakMap<Job, { files: JobFiles; diagnostics: readonly Diagnostic[] }>();

/** The files a job was parsed from and the problems parsing them (what caches key on), if a RepoLoader parsed it. */
export function jobRead(job: Job): { files: JobFiles; diagnostics: readonly Diagnostic[] } | undefined {
  return reads.get(job);
}

/** The job folders of a repository (`team/job`), from a directory listing alone: cheap. */
export function listJobIds(root: string): string[] {
  const files = new RepoFiles(root);
  const ids: string[] = [];
  for (const t of files.list('jobs'))
    if (t.dir) for (const j of files.list(`jobs/${t.name}`)) if (j.dir) ids.push(`${t.name}/${j.name}`);
  return ids.sort();
}

/** Path → digest of every file under a folder, in name order, without following links or reading huge files. */
function digestTree(abs: string, rel: string, into: [string, string][], depth = 0): void {
  let entries: string[];
  try {
    entries = readdirSync(abs).sort();
  } catch {
    return;
  }
  for (const name of entries) {
    const child = path.join(abs, name);
    const childRel = `${rel}/${name}`;
    try {
      const st = lstatSync(child);
      if (st.isDirectory()) {
        if (depth < 8) digestTree(child, childRel, into, depth + 1);
      } else if (st.isSymbolicLink()) into.push([childRel, `link:${readlinkSync(child)}`]);
      else if (!st.isFile()) into.push([childRel, 'special']);
      else if (st.size > MAX_FILE_BYTES) into.push([childRel, `size:${st.size}`]);
      else into.push([childRel, createHash('sha256').update(readFileSync(child)).digest('hex')]);
    } catch {
      into.push([childRel, 'unreadable']);
    }
  }
}

type YamlLoader = <T>(rel: string, schema: SchemaName, job?: string) => Loaded<T> | undefined;

function loadPlatform(files: RepoFiles, yaml: YamlLoader, diagnostics: Diagnostic[]): Platform {
  const platform: Platform = { envs: new Map(), policies: [], catalogs: [], hadoop: new Map() };
  const required = (rel: string) => {
    if (files.exists(rel)) return true;
    diagnostics.push({
      severity: 'error',
      rule: 'repo/missing-file',
      message: `${rel} is missing`,
      hint: 'the platform team keeps it; see the README for its format',
      file: rel,
      line: 1,
      column: 1,
    });
    return false;
  };
  if (files.exists('platform/flink-conf.yaml')) platform.flinkConf = yaml('platform/flink-conf.yaml', 'flink-conf');
  if (required('platform/versions.yaml')) platform.versions = yaml('platform/versions.yaml', 'versions');
  if (files.exists('platform/sessions.yaml')) platform.sessions = yaml('platform/sessions.yaml', 'sessions');
  if (files.exists('platform/alerts.yaml')) platform.alerts = yaml('platform/alerts.yaml', 'alerts');
  if (files.exists('platform/rollout.yaml')) platform.rollout = yaml('platform/rollout.yaml', 'rollout');
  if (required('platform/owners.yaml')) platform.owners = yaml('platform/owners.yaml', 'platform-owners');
  for (const e of files.list('platform/envs')) {
    if (e.dir) {
      const hadoopDir = `platform/envs/${e.name}/hadoop`;
      const list = files
        .list(hadoopDir)
        .filter((f) => !f.dir)
        .map((f) => ({
          file: `${hadoopDir}/${f.name}`,
          name: f.name,
          text: files.read(`${hadoopDir}/${f.name}`) ?? '',
        }));
      if (list.length) platform.hadoop.set(e.name, list);
      continue;
    }
    if (!e.name.endsWith('.yaml')) continue;
    const loaded = yaml<never>(`platform/envs/${e.name}`, 'env');
    if (loaded) platform.envs.set(e.name.slice(0, -'.yaml'.length), loaded);
  }
  if (platform.envs.size === 0 && required('platform/envs')) {
    diagnostics.push({
      severity: 'error',
      rule: 'repo/missing-file',
      message: 'platform/envs/ has no environment',
      hint: 'add platform/envs/<env>.yaml, e.g. test.yaml and prod.yaml',
      file: 'platform/envs',
      line: 1,
      column: 1,
    });
  }
  for (const e of files.list('platform/policies')) {
    if (!e.dir && e.name.endsWith('.yaml')) {
      const l = yaml<{ policies: PolicySpec[] }>(`platform/policies/${e.name}`, 'policies');
      // A file of the wrong shape is reported by its schema errors (which stop every command but validate);
      // no stage reads its policies, so none trips over a list, a scalar or a map where policies belong.
      if (l) platform.policies.push(l.valid ? l : { ...l, spec: { policies: [] } });
    }
  }
  for (const e of files.list('platform/catalogs')) {
    if (!e.dir && e.name.endsWith('.yaml')) {
      const l = yaml<never>(`platform/catalogs/${e.name}`, 'catalogs');
      if (l) platform.catalogs.push(l);
    }
  }
  return platform;
}

/** The digest of a job folder's own inputs: its id, the names in it, the bytes read, the problems reading them. */
export function folderDigest(f: JobFiles): string {
  const h = createHash('sha256').update(f.id);
  for (const e of f.entries) h.update(`\0${e.dir ? 'd' : 'f'}:${e.name}`);
  for (const [name, text] of f.texts) {
    h.update(`\0${name}\0`);
    h.update(text === undefined ? '\u0000unread' : `${text.length}\0${text}`);
  }
  for (const d of f.diagnostics) h.update(`\0${d.rule}:${d.message}`);
  for (const [rel, digest] of f.nested) h.update(`\0${rel}\0${digest}`);
  return h.digest('hex');
}
