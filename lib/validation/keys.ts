import { createHash, type Hash } from 'node:crypto';
import { buildId } from '../cache/build.js';
import { folderDigest, type JobFiles } from '../repo/load.js';
import type { Loaded, Repo } from '../repo/model.js';
import { appliesTo, loadPolicies, principalsOf } from '../security/policy.js';

/** Bump when what is cached, or how it is keyed, changes meaning. */
const KEY_FORMAT = 'flinkops-results-2';

/**
 * Content keys of a job's validation result: the hash of the bytes of everything it depends on.
 *
 * - the flinkops build (the bundle's own hash: another flinkops, another key);
 * - the platform files a job reads: flink-conf, versions, sessions, alerts, owners (roles are principals),
 *   every environment, every catalog, and any policy file that fails its schema (then every job
 *   fails closed);
 * - its team's team.yaml;
 * - the policy files holding a policy that applies to its team (file-grained: a policy's
 *   diagnostics point at lines of its file);
 * - its own folder: the names in it and the bytes of job.yaml, owners.yaml and its .sql files, and
 *   of every file below it (tests/ and their rows).
 *
 * Not in the key, because not in the result: other jobs (duplicate names are checked on every run,
 * outside the cache) and the platform's Hadoop files (render only).
 */
export class ResultKeys {
  private readonly base: string;
  private readonly teams = new Map<string, string>();

  constructor(
    private readonly repo: Repo,
    build: string = buildId(),
  ) {
    const h = createHash('sha256').update(KEY_FORMAT).update('\0').update(build);
    const p = repo.platform;
    file(h, 'platform/flink-conf.yaml', p.flinkConf);
    file(h, 'platform/versions.yaml', p.versions);
    file(h, 'platform/sessions.yaml', p.sessions);
    file(h, 'platform/alerts.yaml', p.alerts);
    file(h, 'platform/owners.yaml', p.owners);
    for (const name of [...p.envs.keys()].sort()) file(h, `platform/envs/${name}.yaml`, p.envs.get(name));
    for (const c of p.catalogs) file(h, c.yaml.file, c);
    for (const bad of p.policies.filter((l) => !l.valid)) file(h, bad.yaml.file, bad);
    this.base = h.digest('hex');
  }

  /** What every job of a team shares: the base, team.yaml and the policy files that reach the team. */
  private team(name: string): string {
    let key = this.teams.get(name);
    if (key === undefined) {
      const h = createHash('sha256').update(this.base).update('\0team\0').update(name);
      file(h, `jobs/${name}/team.yaml`, this.repo.teams.get(name)?.team);
      const principals = principalsOf(this.repo, name);
      const reaching = new Set(
        loadPolicies(this.repo)
          .filter((p) => appliesTo(p.spec, principals))
          .map((p) => p.file),
      );
      for (const l of this.repo.platform.policies) if (reaching.has(l.yaml.file)) file(h, l.yaml.file, l);
      key = h.digest('hex');
      this.teams.set(name, key);
    }
    return key;
  }

  /**
   * The key of the repository-wide rules' result: every team.yaml and policy file, the job folders
   * there are and the ones selected (duplicate names compare them all).
   */
  repository(all: readonly string[], selected: readonly string[]): string {
    const h = createHash('sha256').update(this.base).update('\0repository\0');
    for (const name of [...this.repo.teams.keys()].sort())
      file(h, `jobs/${name}/team.yaml`, this.repo.teams.get(name)?.team);
    for (const l of this.repo.platform.policies) file(h, l.yaml.file, l);
    h.update(`\0${all.join('\n')}\0${selected.join('\n')}`);
    return h.digest('hex');
  }

  /** The key of a job's fast-check result: what its team shares, and the digest of its own folder. */
  job(f: JobFiles): string {
    return this.jobOf(f.team, folderDigest(f));
  }

  /** The same, from a folder digest already known (a folder snapshot vouches for it). */
  jobOf(team: string, digest: string): string {
    return createHash('sha256').update(this.team(team)).update('\0job\0').update(digest).digest('hex');
  }
}

/** The key of a job's deep-validation result: its fast-check key, the Flink helpers' sources and releases. */
export function deepKey(jobKey: string, helper: string): string {
  return createHash('sha256').update(jobKey).update('\0deep\0').update(helper).digest('hex');
}

function file(h: Hash, name: string, loaded: Loaded<unknown> | undefined): void {
  h.update(`\0${name}\0`);
  h.update(loaded ? `${loaded.yaml.text.length}\0${loaded.yaml.text}` : '\u0000absent');
}
