// Caches hold code flinkops runs (the compiled CRD validators): they live in a private per-user
// folder, and a file someone else could have written — or planted in the shared temporary folder — is never loaded.
import {
  chmodSync,
  chownSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isPrivateFile, privateCacheDir } from '../lib/cache/dir.js';
import { loadCrds } from '../lib/render/crds.js';
import { CRD_DIR } from './render/support.js';

let root: string;
const saved = process.env.FLINKOPS_CACHE;
beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'flinkops-cache-'));
  process.env.FLINKOPS_CACHE = path.join(root, 'cache');
});
afterEach(() => {
  if (saved === undefined) delete process.env.FLINKOPS_CACHE;
  else process.env.FLINKOPS_CACHE = saved;
  rmSync(root, { recursive: true, force: true });
});

const planted = (flag: string) => `globalThis.${flag} = true; module.exports = { meta: { types: [], files: [] } };\n`;

describe('private cache folders', () => {
  it('are created 0700, closed again if opened, and refused when they are a link', () => {
    const dir = privateCacheDir('crds')!;
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    chmodSync(dir, 0o777);
    expect(privateCacheDir('crds')).toBe(dir);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    mkdirSync(path.join(root, 'elsewhere'));
    symlinkSync(path.join(root, 'elsewhere'), path.join(root, 'cache', 'linked'));
    expect(privateCacheDir('linked')).toBeUndefined();
  });

  it('a file another user owns, or anyone may write, is not trusted', (ctx) => {
    const dir = privateCacheDir('crds')!;
    const file = path.join(dir, 'x.cjs');
    writeFileSync(file, '', { mode: 0o600 });
    expect(isPrivateFile(file)).toBe(true);
    chmodSync(file, 0o666);
    expect(isPrivateFile(file)).toBe(false);
    if (process.getuid?.() !== 0) return ctx.skip();
    chmodSync(file, 0o600);
    chownSync(file, 65534, 65534);
    expect(isPrivateFile(file)).toBe(false);
  });
});

describe('the compiled CRD validator cache', () => {
  it('never runs a file planted in the temporary folder or written by someone else', () => {
    const crds = path.join(root, 'crds-a');
    cpSync(CRD_DIR, crds, { recursive: true });
    const first = loadCrds(crds);
    expect(first.byType.size).toBeGreaterThan(0);
    const [cached] = readdirSync(path.join(root, 'cache', 'crds'));
    expect(cached).toMatch(/^crds-[0-9a-f]{32}\.cjs$/);
    const hash = cached!.slice('crds-'.length, -'.cjs'.length);
    // Where flinkops used to look: a predictable name in the shared temporary folder.
    writeFileSync(path.join(tmpdir(), `flinkops-crds-${hash}.cjs`), planted('plantedInTmp'));
    // The private cache file replaced by one anybody could have written.
    const file = path.join(root, 'cache', 'crds', cached!);
    writeFileSync(file, planted('plantedInCache'));
    chmodSync(file, 0o666);
    cpSync(CRD_DIR, path.join(root, 'crds-b'), { recursive: true });
    const third = loadCrds(path.join(root, 'crds-b')); // another folder, the same bytes: read from disk
    const g = globalThis as Record<string, unknown>;
    expect(g.plantedInTmp).toBeUndefined();
    expect(g.plantedInCache).toBeUndefined();
    expect(third.byType.size).toBe(first.byType.size);
    rmSync(path.join(tmpdir(), `flinkops-crds-${hash}.cjs`), { force: true });
  });
});
