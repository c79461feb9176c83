import { ownHeadCommit } from '../lib/git/git.js';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { hasErrors, sortDiagnostics, type Diagnostic } from '../lib/diagnostics/diagnostic.js';
import { formatDiagnostics } from '../lib/diagnostics/format/index.js';
import { blockingDiagnostics } from '../lib/repo/blocking.js';
import { UsageError } from '../lib/repo/select.js';
import { loadForRender } from '../lib/render/load.js';
import { builtInCrdDir, loadCrds, type CrdValidators } from '../lib/render/crds.js';
import { renderEnv } from '../lib/render/render.js';
import { resultsDir } from '../lib/cache/store.js';
import { objectPath, toStream, toYaml } from '../lib/render/serialize.js';
import type { ActionResult } from './result.js';

export interface RenderActionOptions {
  repo: string;
  env: string | undefined;
  jobs: string[];
  out?: string;
  /** Folder of the operator's CRD files; default: $FLINKOPS_CRDS, else the pinned release's (crds/). */
  crds?: string;
  /** Overrides the environment file's kubernetes.version (apply passes the live cluster's). */
  kubernetesVersion?: string;
  /** Default: $FLINKOPS_COMMIT, $CI_COMMIT_SHA, else `git rev-parse HEAD` in the repository. */
  commit?: string;
  /** The results folder of the render cache; false: render every job (--no-cache). Default: resultsDir(). */
  cache?: string | false;
}

/** Marks a folder `--out` wrote, so a later run may empty it (stale objects of deleted jobs must not linger). */
const MARKER = '.flinkops-render';

export function render(options: RenderActionOptions): ActionResult {
  const commit = commitOption(options);
  const {
    repo,
    env,
    diagnostics: loadDiagnostics,
    selected: jobs,
    cache,
    lookedUp,
  } = loadForRender(options.repo, {
    env: options.env,
    names: options.jobs,
    ...(options.kubernetesVersion ? { kubernetesVersion: options.kubernetesVersion } : {}),
    ...commit,
    dir: options.cache ?? resultsDir(),
  });
  const crdDir = options.crds ?? process.env.FLINKOPS_CRDS;
  let crds: CrdValidators;
  try {
    crds = loadCrds(crdDir ?? builtInCrdDir());
  } catch (e) {
    throw new UsageError(`${options.crds ? '--crds' : crdDir ? 'FLINKOPS_CRDS' : 'crds'}: ${(e as Error).message}`);
  }
  // Problems in the files render reads stop it: nothing half-checked is rendered.
  const blocking = blockingDiagnostics(
    'render',
    loadDiagnostics,
    (jobs ?? repo.jobs).map((j) => j.id),
  );
  const result = blocking.length
    ? { objects: [], diagnostics: [] as Diagnostic[] }
    : renderEnv(repo, {
        env,
        ...(jobs ? { jobs } : {}),
        ...commit,
        ...(options.kubernetesVersion ? { kubernetesVersion: options.kubernetesVersion } : {}),
        crds,
        cache,
        lookedUp,
      });
  const diagnostics = sortDiagnostics([...blocking, ...result.diagnostics]);
  const stderr = diagnostics.length ? formatDiagnostics(diagnostics, 'text') : undefined;
  if (hasErrors(diagnostics)) return { stdout: '', ...(stderr ? { stderr } : {}), exitCode: 1 };

  if (!options.out) return { stdout: toStream(result.objects), ...(stderr ? { stderr } : {}), exitCode: 0 };
  const files = result.objects.map((o) => objectPath(o));
  prepareOut(options.out, files);
  const folders = new Set<string>();
  for (const [i, o] of result.objects.entries()) {
    const file = path.join(options.out, files[i]!);
    const folder = path.dirname(file);
    if (!folders.has(folder)) mkdirSync(folder, { recursive: true });
    folders.add(folder);
    writeFileSync(file, toYaml(o));
  }
  const summary = `rendered ${result.objects.length} objects for ${env} into ${options.out}\n`;
  return { stdout: summary, ...(stderr ? { stderr } : {}), exitCode: 0 };
}

const MARKER_HEADER = 'written by `flinkops render`; the next run removes the files listed below\n';

/**
 * Makes `out` ready for this run's `files`: a new or empty folder, or one an earlier render wrote — then
 * only the files its marker lists are removed (never the folder itself, nor anything else in it).
 */
function prepareOut(out: string, files: readonly string[]): void {
  const hint = 'name a new or empty folder, or one flinkops render wrote before';
  const stat = statSync(out, { throwIfNoEntry: false });
  if (stat && !stat.isDirectory()) throw new UsageError(`--out ${out} is a file, not a folder; ${hint}`);
  if (stat && readdirSync(out).length > 0) {
    const marker = path.join(out, MARKER);
    if (!existsSync(marker))
      throw new UsageError(`--out ${out} is not empty and was not written by flinkops render; ${hint}`);
    const root = path.resolve(out);
    const written = readFileSync(marker, 'utf8')
      .split('\n')
      .slice(1)
      .filter((f) => f && !path.isAbsolute(f) && !f.split(/[\\/]/).includes('..'));
    for (const f of written) rmSync(path.join(root, f), { force: true });
    // Folders the listed files leave empty go too, deepest first; the --out folder itself stays.
    const dirs = [...new Set(written.flatMap((f) => ancestors(path.dirname(f))))].sort((a, b) => b.length - a.length);
    for (const d of dirs) {
      const abs = path.join(root, d);
      if (existsSync(abs) && readdirSync(abs).length === 0) rmdirSync(abs);
    }
  }
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, MARKER), `${MARKER_HEADER}${files.map((f) => `${f}\n`).join('')}`);
}

/** `a/b/c` → `a/b/c`, `a/b`, `a` (never `.`). */
function ancestors(dir: string): string[] {
  const out: string[] = [];
  for (let d = dir; d && d !== '.' && d !== path.dirname(d); d = path.dirname(d)) out.push(d);
  return out;
}

function commitOption(options: RenderActionOptions): { commit?: string } {
  const commit =
    options.commit ?? process.env.FLINKOPS_COMMIT ?? process.env.CI_COMMIT_SHA ?? ownHeadCommit(options.repo);
  return commit ? { commit } : {};
}
