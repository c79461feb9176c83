import { type Dirent, lstatSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Diagnostic } from '../diagnostics/diagnostic.js';

/** Files larger than this are refused before they are read: no job file is legitimately this big. */
export const MAX_FILE_BYTES = 1024 * 1024;

/**
 * Reads files of one repository, refusing anything that could leave it or exhaust memory:
 * `..` segments, absolute paths, symlinks resolving outside the root, oversized files.
 * Problems become diagnostics; the caller gets `undefined` and carries on.
 */
export class RepoFiles {
  readonly root: string;
  private readonly realRoot: string;
  readonly diagnostics: Diagnostic[] = [];

  constructor(root: string) {
    this.root = path.resolve(root);
    this.realRoot = realpathSync(this.root);
  }

  /** Repository-relative `/`-separated path → absolute path, or undefined (with a diagnostic) if unsafe. */
  resolve(rel: string, from?: { file: string; line: number; column: number }): string | undefined {
    const where = from ?? { file: rel, line: 1, column: 1 };
    if (path.isAbsolute(rel) || rel.split(/[\\/]/).includes('..')) {
      this.diagnostics.push({
        severity: 'error',
        rule: 'repo/path-traversal',
        message: `path "${rel}" leaves the repository`,
        hint: 'use a path inside the repository, without ".." segments',
        ...where,
      });
      return undefined;
    }
    const abs = path.join(this.root, rel);
    try {
      const st = lstatSync(abs);
      if (st.isSymbolicLink()) {
        const real = realpathSync(abs);
        if (real !== this.realRoot && !real.startsWith(this.realRoot + path.sep)) {
          this.diagnostics.push({
            severity: 'error',
            rule: 'repo/symlink-escape',
            message: `"${rel}" is a symbolic link to a place outside the repository`,
            hint: 'replace the link with the file itself',
            ...where,
          });
          return undefined;
        }
      }
    } catch {
      return abs; // missing: the caller reports it in its own words
    }
    return abs;
  }

  exists(rel: string): boolean {
    try {
      statSync(path.join(this.root, rel));
      return true;
    } catch {
      return false;
    }
  }

  isDirectory(rel: string): boolean {
    try {
      return statSync(path.join(this.root, rel)).isDirectory();
    } catch {
      return false;
    }
  }

  /** Reads a text file, or returns undefined after recording why not. */
  read(rel: string): string | undefined {
    const abs = this.resolve(rel);
    if (!abs) return undefined;
    let size: number;
    try {
      size = statSync(abs).size;
    } catch {
      this.diagnostics.push({
        severity: 'error',
        rule: 'repo/missing-file',
        message: `"${rel}" does not exist`,
        file: rel,
        line: 1,
        column: 1,
      });
      return undefined;
    }
    if (size > MAX_FILE_BYTES) {
      this.diagnostics.push({
        severity: 'error',
        rule: 'repo/file-too-large',
        message: `"${rel}" is ${size} bytes; the limit is ${MAX_FILE_BYTES}`,
        hint: 'split the file, or keep data out of the job repository',
        file: rel,
        line: 1,
        column: 1,
      });
      return undefined;
    }
    return readFileSync(abs, 'utf8');
  }

  /** Entries of a directory, sorted by name (file-name order is the SQL execution order). */
  list(rel: string): { name: string; dir: boolean }[] {
    const abs = this.resolve(rel);
    if (!abs) return [];
    let entries: Dirent[];
    try {
      entries = readdirSync(abs, { withFileTypes: true });
    } catch {
      return [];
    }
    const out: { name: string; dir: boolean }[] = [];
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const childRel = rel === '' || rel === '.' ? e.name : `${rel}/${e.name}`;
      if (e.isSymbolicLink()) {
        const childAbs = this.resolve(childRel);
        if (!childAbs) continue;
        try {
          out.push({ name: e.name, dir: statSync(childAbs).isDirectory() });
        } catch {}
      } else {
        out.push({ name: e.name, dir: e.isDirectory() });
      }
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}
