import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { RepoFiles } from './files.js';
import type { Job, Loaded, Platform, Repo, Team } from './model.js';
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
  const files = new RepoFiles(root);
  const diagnostics: Diagnostic[] = [];

  const yaml = <T>(rel: string, schema: SchemaName, job?: string): Loaded<T> | undefined => {
    const text = files.read(rel);
    if (text === undefined) return undefined;
    const y = new YamlFile(rel, text);
    const problems = y.diagnostics.map((d) => (job ? { ...d, job } : d));
    diagnostics.push(...problems);
    let valid = y.ok;
    if (valid) {
      const schemaProblems = checkSchema(y, schema, job);
      diagnostics.push(...schemaProblems);
      valid = schemaProblems.length === 0;
    }
    return { yaml: y, spec: (y.data ?? {}) as T, valid };
  };

  const platform = loadPlatform(files, yaml, diagnostics);

  const teams = new Map<string, Team>();
  const jobs: Job[] = [];
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
    for (const jobEntry of files.list(teamDir)) {
      if (!jobEntry.dir) continue;
      jobIds.push(`${team.name}/${jobEntry.name}`);
      if (options.onlyJobs && !options.onlyJobs.has(`${team.name}/${jobEntry.name}`)) continue;
      jobs.push(loadJob(files, yaml, diagnostics, team.name, jobEntry.name));
    }
  }
  diagnostics.push(...files.diagnostics);
  jobs.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  jobIds.sort();
  return { repo: { root: files.root, platform, teams, jobs, jobIds }, diagnostics };
}

/** The job folders of a repository (`team/job`), from a directory listing alone: cheap. */
export function listJobIds(root: string): string[] {
  const files = new RepoFiles(root);
  const ids: string[] = [];
  for (const t of files.list('jobs'))
    if (t.dir) for (const j of files.list(`jobs/${t.name}`)) if (j.dir) ids.push(`${t.name}/${j.name}`);
  return ids.sort();
}

type YamlLoader = <T>(rel: string, schema: SchemaName, job?: string) => Loaded<T> | undefined;

function loadJob(files: RepoFiles, yaml: YamlLoader, diagnostics: Diagnostic[], team: string, name: string): Job {
  const dir = `jobs/${team}/${name}`;
  const id = `${team}/${name}`;
  const job: Job = { id, team, name, dir, sql: [] };
  const entries = files.list(dir);
  const names = new Set(entries.map((e) => e.name));
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
  if (names.has('job.yaml')) job.job = yaml(`${dir}/job.yaml`, 'job', id);
  if (names.has('owners.yaml')) job.owners = yaml(`${dir}/owners.yaml`, 'owners', id);
  for (const e of entries) {
    if (e.dir || !e.name.endsWith('.sql')) continue;
    const rel = `${dir}/${e.name}`;
    const text = files.read(rel);
    if (text !== undefined) job.sql.push({ file: rel, text });
  }
  return job;
}

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
      const l = yaml<never>(`platform/policies/${e.name}`, 'policies');
      if (l) platform.policies.push(l);
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
