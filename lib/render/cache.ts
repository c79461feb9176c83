import { createHash } from 'node:crypto';
import Handlebars from 'handlebars';
import { EntryStore } from '../cache/entries.js';
import { treeHash } from '../cache/tree.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { folderDigest, jobRead, type JobFiles } from '../repo/load.js';
import type { Job, Repo } from '../repo/model.js';
import { buildId } from '../cache/build.js';
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

/** What a job's rendering left: the problems parsing its files (they decide whether render may run) and its parts. */
export interface RenderEntry {
  load: Diagnostic[];
  parts: RenderPart[];
}

export interface RenderCacheOptions {
  env: string;
  /** The Kubernetes version render is given (else the environment file's). */
  kubernetesVersion?: string;
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
 *   only when it cannot be stood in for: not a plain word, or a repository template reads inside values);
 * - the job's team.yaml and its folder's digest (lib/repo/load.ts folderDigest: the names in it, the bytes
 *   of job.yaml, owners.yaml and the .sql files, and of every file below it).
 *
 * Not in the key, because not in a job's entry: other jobs (session clusters are rendered from all
 * their jobs, so session jobs are never cached; conflicts between objects and the schema check run on
 * every run) and the operator's CRDs (the schema check).
 */
export class RenderCache {
  /** The commit objects are rendered with when they go to the cache (the stand-in, when it can be). */
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
    if (!store.enabled) {
      this.renderCommit = o.commit;
      return;
    }
    let holdsStandIn = false;
    let readsInside = false;
    // Names reach the objects too (a Hadoop file's name is a ConfigMap key; the environment's, a label).
    const see = (rel: string, bytes: Buffer) => {
      holdsStandIn ||= rel.includes(COMMIT) || bytes.includes(COMMIT);
      // Any template file, wherever a link makes it appear (a linked folder already seen is hashed under its own name).
      if (rel.endsWith('.hbs')) readsInside ||= readsInsideValues(bytes.toString());
    };
    let tree: string;
    try {
      tree = treeHash(repo.root, ['platform', 'templates'], see);
    } catch {
      // A file that cannot be read (a link loop, no permission, gone meanwhile) is one render may never
      // read, or reports itself: the run goes without the cache rather than fail or guess.
      this.renderCommit = o.commit;
      return;
    }
    const standIn = o.commit !== undefined && PASSES_UNCHANGED.test(o.commit) && !readsInside;
    this.renderCommit = standIn ? COMMIT : o.commit;
    const h = createHash('sha256')
      .update(`${KEY_FORMAT}\0${buildId()}\0${templatesHash()}\0`)
      .update(tree)
      .update(`\0env\0${o.env}\0kubernetes\0${kubernetesVersionText(repo, o.env, o.kubernetesVersion)}\0`)
      .update(o.commit === undefined ? 'no commit' : standIn ? 'commit stood in for' : `commit\0${o.commit}`);
    // A repository that writes the stand-in itself would have it replaced: nothing is cached then.
    if (!holdsStandIn && !o.env.includes(COMMIT)) this.base = h.digest('hex');
  }

  static open(repo: Repo, o: RenderCacheOptions): RenderCache {
    return new RenderCache(EntryStore.open('render', o.dir).store, repo, o);
  }

  /** The job's key, or undefined when it is not cached (no cache, not read by a RepoLoader, or it holds the stand-in). */
  key(job: Job): string | undefined {
    const read = jobRead(job);
    return read ? this.keyOf(read.files) : undefined;
  }

  /** The key of a job folder read but not parsed. */
  keyOf(files: JobFiles): string | undefined {
    if (this.base === undefined) return undefined;
    // The job's and team's names (object names, labels) and its file names are written too, not only its texts.
    const written = [files.id, ...files.entries.map((e) => e.name), ...files.texts.values()];
    if ([...written, this.repo.teams.get(files.team)?.team?.yaml.text].some((t) => t?.includes(COMMIT)))
      return undefined;
    return this.keyOfDigest(files.team, folderDigest(files));
  }

  /** The key of a job folder from its digest (lib/repo/load.ts folderDigest, which a folder snapshot vouches for). */
  keyOfDigest(team: string, digest: string): string | undefined {
    if (this.base === undefined) return undefined;
    return createHash('sha256').update(this.team(team)).update(`\0job\0${digest}`).digest('hex');
  }

  /** A job's entry (its objects with the run's commit), or undefined. */
  get(key: string): RenderEntry | undefined {
    const text = this.store.get(key);
    if (text === undefined) return undefined;
    try {
      return this.read(text);
    } catch {
      return undefined;
    }
  }

  /** Stores an entry (rendered with `renderCommit`) and returns it as the run uses it (its commit). */
  set(key: string, entry: RenderEntry): RenderEntry {
    this.store.set(key, JSON.stringify(entry));
    return this.renderCommit === COMMIT && this.commit !== undefined
      ? (replaced(entry, this.commit) as RenderEntry)
      : entry;
  }

  /** After the run: the cache keeps the entries of a few repositories' worth of jobs. */
  finish(): void {
    this.store.trim(Math.max(20_000, 4 * this.repo.jobIds.length));
  }

  private read(text: string): RenderEntry {
    const standIn = this.renderCommit === COMMIT && this.commit !== undefined;
    const entry = JSON.parse(standIn ? text.replaceAll(COMMIT, this.commit!) : text) as unknown;
    if (!isEntry(entry)) throw new Error('not a render entry');
    return entry;
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

/**
 * Whether a repository template reads inside a value — a character (`x.[0]`, `lookup x 0`) or the length
 * of a string: of the commit, that is the stand-in's, not the commit's. flinkops' own templates never do.
 * A template Handlebars cannot parse counts as one that does (its run reports it anyway).
 */
function readsInsideValues(text: string): boolean {
  let ast: unknown;
  try {
    ast = Handlebars.parse(text);
  } catch {
    return true;
  }
  const inside = (node: unknown): boolean => {
    if (Array.isArray(node)) return node.some(inside);
    if (!isObject(node)) return false;
    if (node.type === 'PathExpression') {
      const parts = (node.parts ?? []) as unknown[];
      if (node.original === 'lookup' || parts.some((p) => p === 'length' || /^\d+$/.test(String(p)))) return true;
    }
    return Object.entries(node).some(([k, v]) => k !== 'loc' && inside(v));
  };
  return inside(ast);
}

/** The shape set() writes (an entry of another shape, e.g. edited by hand, is a miss rather than a crash). */
function isEntry(v: unknown): v is RenderEntry {
  const o = v as Partial<RenderEntry> | null;
  return (
    typeof o === 'object' &&
    o !== null &&
    Array.isArray(o.load) &&
    o.load.every(isObject) &&
    Array.isArray(o.parts) &&
    o.parts.every(
      (p) =>
        isObject(p) &&
        Array.isArray(p.objects) &&
        Array.isArray(p.diagnostics) &&
        p.objects.every((r) => isObject(r) && isObject(r.object)) &&
        p.diagnostics.every(isObject) &&
        (p.shared === undefined || typeof p.shared === 'string') &&
        (p.rendered === undefined || (p.rendered === false && typeof p.shared === 'string')),
    )
  );
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
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

/** The Kubernetes version render decides by: the one it is given, else the environment file's. */
export function kubernetesVersionText(repo: Repo, env: string, given: string | undefined): string {
  return given ?? repo.platform.envs.get(env)?.spec.kubernetes?.version ?? '';
}

let templates: string | undefined;

/** flinkops' own templates (not in the bundle's hash). */
function templatesHash(): string {
  templates ??= treeHash(builtInTemplateDir(), ['manifests']);
  return templates;
}
