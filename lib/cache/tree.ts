import { createHash } from 'node:crypto';
import { type Dirent, existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** The hash of the files under some paths of a folder (names and bytes, in name order). */
export function treeHash(root: string, paths: string[]): string {
  const h = createHash('sha256');
  const walk = (rel: string) => {
    const abs = path.join(root, rel);
    let entries: Dirent[];
    try {
      entries = readdirSync(abs, { withFileTypes: true });
    } catch {
      if (existsSync(abs)) h.update(`\0${rel}\0`).update(readFileSync(abs));
      return;
    }
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1)))
      if (e.isDirectory()) walk(`${rel}/${e.name}`);
      else if (e.isFile()) h.update(`\0${rel}/${e.name}\0`).update(readFileSync(path.join(abs, e.name)));
  };
  for (const p of paths) walk(p);
  return h.digest('hex');
}
