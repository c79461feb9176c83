import { createHash } from 'node:crypto';
import { type Dirent, existsSync, readdirSync, readFileSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';

/** The hash of the files under some paths of a folder (names and bytes, in name order); `see` is shown each file. */
export function treeHash(root: string, paths: string[], see?: (rel: string, bytes: Buffer) => void): string {
  const h = createHash('sha256');
  const seen = new Set<string>();
  const walk = (rel: string) => {
    const abs = path.join(root, rel);
    if (existsSync(abs)) seen.add(realpathSync(abs));
    let entries: Dirent[];
    try {
      entries = readdirSync(abs, { withFileTypes: true });
    } catch {
      if (!existsSync(abs)) return;
      const bytes = readFileSync(abs);
      see?.(rel, bytes);
      h.update(`\0${rel}\0`).update(bytes);
      return;
    }
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1)))
      if (e.isDirectory()) walk(`${rel}/${e.name}`);
      else if (e.isFile()) {
        const bytes = readFileSync(path.join(abs, e.name));
        see?.(`${rel}/${e.name}`, bytes);
        h.update(`\0${rel}/${e.name}\0`).update(bytes);
      } else if (e.isSymbolicLink()) {
        // A link is its target's name and, when it leads to a file, that file's bytes (a reader may follow it).
        const to = path.join(abs, e.name);
        h.update(`\0${rel}/${e.name}\0link\0${readlinkSync(to)}`);
        const target = statSync(to, { throwIfNoEntry: false });
        if (target?.isFile()) {
          const bytes = readFileSync(to);
          see?.(`${rel}/${e.name}`, bytes);
          h.update(bytes);
        } else if (target?.isDirectory() && !seen.has(realpathSync(to))) walk(`${rel}/${e.name}`);
      }
  };
  for (const p of paths) walk(p);
  return h.digest('hex');
}
