import { lstatSync, readdirSync } from 'node:fs';
import path from 'node:path';

/**
 * What a job folder looked like (every path in it and their lstat) when the digest of its inputs was
 * taken: while the folder still looks exactly so, the digest still holds, and the files need not be
 * read again. The same idea as Git's index, with its guard against "racily clean" files: a path
 * changed less than RACY_MS before the snapshot is not vouched for (a later edit in the same
 * timestamp tick, of the same size, would look the same), so such a folder is read every time.
 */
export interface FolderSnapshot {
  /** Paths below the folder ('' is the folder itself), every folder and file, dot files too. */
  paths: string[];
  /** Their lstat: kind, device, inode, size, modification and change times. */
  signature: string;
  /** What the snapshot vouches for: the digest of the folder's inputs (folderDigest, lib/repo/load.ts). */
  digest: string;
}

export const RACY_MS = 2000;

/** Folders deeper than this are not snapshotted (read every time): job folders are shallow. */
const MAX_DEPTH = 8;

/**
 * Takes a snapshot of a folder, or undefined when one cannot vouch for it: a link or a special file
 * in it, a path changed within RACY_MS of `now`, or something unreadable.
 */
export function snapshot(dir: string, digest: string, now = Date.now()): FolderSnapshot | undefined {
  const paths: string[] = [];
  const walk = (rel: string, depth: number): boolean => {
    paths.push(rel);
    let names: string[];
    try {
      names = readdirSync(rel ? path.join(dir, rel) : dir).sort();
    } catch {
      return false;
    }
    for (const name of names) {
      const child = rel ? `${rel}/${name}` : name;
      const st = lstatSync(path.join(dir, child), { throwIfNoEntry: false });
      if (st?.isDirectory()) {
        if (depth >= MAX_DEPTH || !walk(child, depth + 1)) return false;
      } else if (st?.isFile()) paths.push(child);
      else return false;
    }
    return true;
  };
  if (!walk('', 0)) return undefined;
  const sig = signature(dir, paths, now);
  return sig === undefined ? undefined : { paths, signature: sig, digest };
}

/** The digest a snapshot vouches for, if the folder still looks exactly as it did; undefined otherwise. */
export function unchanged(dir: string, snap: FolderSnapshot, now = Date.now()): string | undefined {
  return signature(dir, snap.paths, now) === snap.signature ? snap.digest : undefined;
}

function signature(dir: string, paths: readonly string[], now: number): string | undefined {
  const trusted = now - RACY_MS;
  let sig = '';
  for (const rel of paths) {
    const st = lstatSync(rel ? path.join(dir, rel) : dir, { throwIfNoEntry: false });
    if (!st || !(st.isFile() || st.isDirectory())) return undefined;
    if (st.mtimeMs >= trusted || st.ctimeMs >= trusted) return undefined;
    sig += `${st.mode}:${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}\n`;
  }
  return sig;
}
