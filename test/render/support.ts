import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { loadRepo } from '../../lib/repo/load.js';
import { builtInCrdDir, loadCrds } from '../../lib/render/crds.js';
import { renderEnv, type RenderOptions } from '../../lib/render/render.js';
import { toStream } from '../../lib/render/serialize.js';

/** The operator's CRDs: the pinned release's copy in crds/ (the default of `flinkops render`). */
export const CRD_DIR = builtInCrdDir();
export const crds = () => loadCrds(CRD_DIR);
export const COMMIT = '0123456789abcdef0123456789abcdef01234567';

export function renderAt(root: string, env: string, jobs?: string[], extra: Partial<RenderOptions> = {}) {
  const { repo, diagnostics: load } = loadRepo(root);
  const selected = jobs ? repo.jobs.filter((j) => jobs.includes(j.id)) : undefined;
  if (jobs && selected!.length !== jobs.length) throw new Error(`unknown job in ${jobs.join(', ')}`);
  const result = renderEnv(repo, {
    env,
    commit: COMMIT,
    crds: crds(),
    ...(selected ? { jobs: selected } : {}),
    ...extra,
  });
  return { ...result, load, stream: toStream(result.objects) };
}

const GOLDEN = path.join(path.dirname(new URL(import.meta.url).pathname), 'golden');

/** Compares with test/render/golden/<name>; UPDATE_GOLDEN=1 rewrites the file instead. */
export function expectGolden(name: string, text: string): void {
  const file = path.join(GOLDEN, name);
  if (process.env.UPDATE_GOLDEN || !existsSync(file)) {
    mkdirSync(GOLDEN, { recursive: true });
    writeFileSync(file, text);
    if (!process.env.UPDATE_GOLDEN)
      throw new Error(`golden file ${name} was missing and has been written: review it and run again`);
  }
  expect(text).toBe(readFileSync(file, 'utf8'));
}
