import { chmodSync, lstatSync, mkdirSync, type Stats } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

/**
 * The root of flinkops' caches: $FLINKOPS_CACHE, else ~/.cache/flinkops — per user, never the shared
 * temporary folder, where anyone could plant a file for flinkops to load.
 */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.FLINKOPS_CACHE || path.join(env.XDG_CACHE_HOME || path.join(homedir(), '.cache'), 'flinkops');
}

/**
 * A private cache folder `<root>/<name>`: created with mode 0700, and used only if it is a real
 * folder (not a link), owned by this user and closed to group and others. Anything else gives
 * undefined — the caller works without a cache rather than trust what another user could write.
 */
export function privateCacheDir(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const dir = path.join(cacheRoot(env), name);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    let st = lstatSync(dir);
    if (!isMine(st) || !st.isDirectory()) return undefined;
    if ((st.mode & 0o077) !== 0) {
      chmodSync(dir, 0o700);
      st = lstatSync(dir);
      if ((st.mode & 0o077) !== 0) return undefined;
    }
    return dir;
  } catch {
    return undefined;
  }
}

/** A cached file may be used: a regular file of this user that nobody else may write. */
export function isPrivateFile(file: string): boolean {
  try {
    const st = lstatSync(file);
    return st.isFile() && isMine(st) && (st.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

function isMine(st: Stats): boolean {
  return typeof process.getuid !== 'function' || st.uid === process.getuid();
}
