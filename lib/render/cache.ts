import { createHash } from 'node:crypto';
import { EntryStore } from '../cache/entries.js';
import { treeHash } from '../cache/tree.js';
import type { Job, Repo } from '../repo/model.js';
import { buildId } from '../validation/keys.js';
import type { RenderPart } from './context.js';
import { builtInTemplateDir } from './templates.js';

/** Bump when what is cached, or how it is keyed, changes meaning. */
const KEY_FORMAT = 'flinkops-render-1';

/**
 * Stands for the commit in cached objects, which are rendered once and read back on later commits;
 * the run's commit replaces it as an entry is read. Only a commit every template and helper passes
 * through unchanged (letters, digits, `._-`: the same as a JSON string, a shell word, a YAML scalar)
 * is stood in for; any other is part of the key.
 */
export const COMMIT_STAND_IN = 'flinkops-commit-5c0e3f9a2b7d4168';
const COMMIT = COMMIT_STAND_IN;
const PASSES_UNCHANGED = /^[A-Za-z0-9._-]{1,256}$/;

export interface RenderCacheOptions {
  env: string;
  /** The Kubernetes version text render decides by (the option's, else the environment file's). */
  kubernetesVersion: string;
  commit?: string;
  /** The results folder; false: no cache. */
  dir?: string | false;
}

/**
 * A job's rendered objects and diagnostics in one environment, by the bytes of everything they depend on:
 *
 * - the flinkops build and its own templates;
 * - every file under the repository's platform/ and templates/ (followed links included);
 * - the environment, the Kubernetes version and whether a commit is recorded (the commit itself
 *   only when it cannot be stood in for);
 * - the job's team.yaml, its job.yaml, owners.yaml and .sql files (names and bytes).
 *
 * Not in the key, because not in a job's entry: other jobs (session clusters are rendered from all
 * their jobs, so session jobs are never cached; conflicts between objects and the schema check run on
 * every run) and the operator's CRDs (the schema check).
 */
export class RenderCache {
  /** The commit objects are rendered with when they go to the cache. */
  readonly renderCommit: string | undefined;
  private readonly base: string | undefined;
  private readonly teams = new Map<string, string>();
  private readonly commit: string | undefined;

  private constructor(
    private readonly store: EntryStore,
    private readonly repo: Repo,
    o: RenderCacheOptions,
  ) {
    this.commit = o.commit;
    const standIn = o.commit !== undefined && PASSES_UNCHANGED.test(o.commit);
    this.renderCommit = standIn ? COMMIT : o.commit;
    if (!store.enabled) return;
    let holdsStandIn = false;
    const see = (_rel: string, bytes: Buffer) => {
      holdsStandIn ||= bytes.includes(COMMIT);
    };
    const h = createHash('sha256')
      .update(`${KEY_FORMAT}\0${buildId()}\0${templatesHash()}\0`)
      .update(treeHash(repo.root, ['platform', 'templates'], see))
      .update(`\0env\0${o.env}\0kubernetes\0${o.kubernetesVersion}\0`)
      .update(o.commit === undefined ? 'no commit' : standIn ? 'commit stood in for' : `commit\0${o.commit}`);
    // A repository that writes the stand-in itself would have it replaced: nothing is cached then.
    if (!holdsStandIn) this.base = h.digest('hex');
  }

  static open(repo: Repo, o: RenderCacheOptions): RenderCache {
    return new RenderCache(EntryStore.open('render', o.dir).store, repo, o);
  }

  /** The job's key, or undefined when it is not cached (no cache, or its files hold the stand-in). */
  key(job: Job): string | undefined {
    if (this.base === undefined) return undefined;
    const texts = [job.job?.yaml.text, job.owners?.yaml.text, ...job.sql.map((s) => s.text)];
    const team = this.repo.teams.get(job.team)?.team?.yaml.text;
    if ([...texts, team].some((t) => t?.includes(COMMIT))) return undefined;
    const h = createHash('sha256').update(this.team(job.team)).update(`\0job\0${job.id}\0`);
    for (const [name, text] of [
      ['job.yaml', texts[0]],
      ['owners.yaml', texts[1]],
      ...job.sql.map((s) => [s.file, s.text]),
    ] as const)
      h.update(text === undefined ? `\0${name}\0absent` : `\0${name}\0${text.length}\0${text}`);
    return h.digest('hex');
  }

  /** The parts of a job's rendering, with the run's commit, or undefined. */
  get(key: string): RenderPart[] | undefined {
    const text = this.store.get(key);
    if (text === undefined) return undefined;
    try {
      return this.read(text);
    } catch {
      return undefined;
    }
  }

  /** Stores the parts (rendered with `renderCommit`) and returns them as the run uses them (its commit). */
  set(key: string, parts: RenderPart[]): RenderPart[] {
    this.store.set(key, JSON.stringify(parts));
    return this.renderCommit === COMMIT && this.commit !== undefined
      ? (replaced(parts, this.commit) as RenderPart[])
      : parts;
  }

  /** After the run: the cache keeps the entries of a few repositories' worth of jobs. */
  finish(): void {
    this.store.trim(Math.max(20_000, 4 * this.repo.jobIds.length));
  }

  private read(text: string): RenderPart[] {
    const standIn = this.renderCommit === COMMIT && this.commit !== undefined;
    return JSON.parse(standIn ? text.replaceAll(COMMIT, this.commit!) : text) as RenderPart[];
  }

  private team(name: string): string {
    let key = this.teams.get(name);
    if (key === undefined) {
      const text = this.repo.teams.get(name)?.team?.yaml.text;
      key = createHash('sha256')
        .update(this.base!)
        .update(`\0team\0${name}\0`)
        .update(text === undefined ? 'absent' : `${text.length}\0${text}`)
        .digest('hex');
      this.teams.set(name, key);
    }
    return key;
  }
}

/** The value with the stand-in replaced by the commit in every string (keys too), as in its JSON text. */
function replaced(value: unknown, commit: string): unknown {
  if (typeof value === 'string') return value.includes(COMMIT) ? value.replaceAll(COMMIT, commit) : value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = replaced(value[i], commit);
    return value;
  }
  if (value === null || typeof value !== 'object') return value;
  const o = value as Record<string, unknown>;
  if (Object.keys(o).some((k) => k.includes(COMMIT)))
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k.replaceAll(COMMIT, commit), replaced(v, commit)]));
  for (const k in o) o[k] = replaced(o[k], commit);
  return o;
}

let templates: string | undefined;

/** flinkops' own templates (not in the bundle's hash). */
function templatesHash(): string {
  templates ??= treeHash(builtInTemplateDir(), ['manifests']);
  return templates;
}
