import path from 'node:path';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { ResultStore } from '../cache/store.js';
import { folderDigest, RepoLoader } from '../repo/load.js';
import type { Job, Repo } from '../repo/model.js';
import { requireEnv, resolveJobIds } from '../repo/select.js';
import { type FolderSnapshot, snapshot, unchanged } from '../cache/folderStats.js';
import { buildId } from '../cache/build.js';
import { RenderCache } from './cache.js';
import type { LookedUp } from './render.js';

export interface RenderLoad {
  repo: Repo;
  env: string;
  /** The problems of the files read (a cached job's: those it had when it was parsed). */
  diagnostics: Diagnostic[];
  /** The jobs named, or undefined for all. */
  selected?: Job[];
  cache: RenderCache;
  lookedUp: Map<Job, LookedUp>;
}

export interface RenderLoadOptions {
  env: string | undefined;
  /** The user's job names; all jobs when empty. */
  names: readonly string[];
  kubernetesVersion?: string;
  commit?: string;
  /** The results folder; false: no cache (every job is read and parsed). */
  dir: string | false;
}

/**
 * Loads a repository for render. A job whose rendering the cache holds is not parsed — nor read, while
 * its folder looks as it did when last read (the folder snapshots `validate` keeps, lib/cache/folderStats.ts):
 * it stands in the repository as a stub (id, team, name, folder) that render fills from the cache.
 */
export function loadForRender(root: string, o: RenderLoadOptions): RenderLoad {
  const loader = new RepoLoader(root);
  const { repo, diagnostics } = loader.base();
  const env = requireEnv(repo, o.env);
  const names = o.names.length ? resolveJobIds(repo.jobIds, o.names, repo.root) : undefined;
  const cache = RenderCache.open(repo, {
    env,
    ...(o.kubernetesVersion ? { kubernetesVersion: o.kubernetesVersion } : {}),
    ...(o.commit ? { commit: o.commit } : {}),
    dir: o.dir,
  });
  const folders = ResultStore.open<FolderSnapshot>('folders', o.dir).store;
  const lookedUp = new Map<Job, LookedUp>();
  const now = Date.now();
  for (const id of repo.jobIds) {
    const [team, name] = id.split('/') as [string, string];
    const stub = (): Job => ({ id, team, name, dir: `jobs/${id}`, sql: [] });
    const dir = path.join(loader.files.root, 'jobs', id);
    const snapKey = `${buildId()}\0${dir}`;
    const snap = folders.get(snapKey);
    const known = snap && unchanged(dir, snap, now);
    const knownKey = known ? cache.keyOfDigest(team, known) : undefined;
    const knownEntry = knownKey ? cache.get(knownKey) : undefined;
    if (knownEntry) {
      const job = stub();
      repo.jobs.push(job);
      lookedUp.set(job, { key: knownKey!, entry: knownEntry, parse: () => loader.parseJob(loader.readJob(id)).job });
      diagnostics.push(...knownEntry.load);
      continue;
    }
    const files = loader.readJob(id);
    const fresh = snapshot(dir, folderDigest(files), now);
    if (fresh && fresh.signature !== snap?.signature) folders.set(snapKey, fresh);
    const key = cache.keyOf(files);
    const entry = key ? cache.get(key) : undefined;
    if (entry) {
      const job = stub();
      repo.jobs.push(job);
      lookedUp.set(job, { key: key!, entry, parse: () => loader.parseJob(files).job });
      diagnostics.push(...entry.load);
      continue;
    }
    const parsed = loader.parseJob(files);
    repo.jobs.push(parsed.job);
    diagnostics.push(...parsed.diagnostics);
  }
  diagnostics.push(...loader.files.diagnostics);
  folders.save();
  const selected = names?.map((id) => repo.jobs.find((j) => j.id === id)!);
  return { repo, env, diagnostics, ...(selected ? { selected } : {}), cache, lookedUp };
}
