import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { treeHash } from './tree.js';

let build: string | undefined;

/**
 * The running flinkops: the bundle's hash (dist/build-id, written by tools/build.mjs). Run from
 * sources (tests), a hash of them: an edited rule never meets results of the old one.
 */
export function buildId(): string {
  if (build) return build;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    const id = path.join(dir, 'build-id');
    if (path.basename(dir) === 'dist' && existsSync(id)) return (build = readFileSync(id, 'utf8').trim());
    dir = path.dirname(dir);
  }
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  build = `source:${treeHash(root, ['lib', 'schemas', 'package.json'])}`;
  return build;
}
