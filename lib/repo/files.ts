import { type Dirent, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Diagnostic } from '../diagnostics/diagnostic.js';

/** Files larger than this are refused before they are read: no job file is legitimately this big. */
export const MAX_FILE_BYTES = 1024 * 1024;

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

type Where = { file: string; line: number; column: number };

/**
 * Reads files of one repository. Every path goes through one check (`resolve`): no `..` segments or
 * absolute paths, and the real path — every parent resolved, symbolic links followed — must be
 * inside the repository and outside `.git`. Oversized files, folders where a file belongs, bytes
 * that are not UTF-8 and byte-order marks become diagnostics; the caller gets `undefined` and carries on.
 */
export class RepoFiles {
  readonly root: string;
  private readonly realRoot: string;
  private readonly reported = new Set<string>();
  readonly diagnostics: Diagnostic[] = [];

  constructor(root: string) {
    this.root = path.resolve(root);
    this.realRoot = realpathSync.native(this.root);
  }

  private report(d: Diagnostic): void {
    const key = `${d.rule}\0${d.file}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.diagnostics.push(d);
  }

  /** Repository-relative `/`-separated path → absolute path, or undefined (with a diagnostic) if unsafe. */
  resolve(rel: string, from?: Where): string | undefined {
    const where = from ?? { file: rel, line: 1, column: 1 };
    const segments = rel.split(/[\\/]/);
    if (path.isAbsolute(rel) || segments.includes('..')) {
      this.report({
        severity: 'error',
        rule: 'repo/path-traversal',
        message: `path "${rel}" leaves the repository`,
        hint: 'use a path inside the repository, without ".." segments',
        ...where,
      });
      return undefined;
    }
    const abs = path.join(this.root, rel);
    const real = this.realPath(abs);
    const inside = path.relative(this.realRoot, real);
    if (inside.startsWith('..') || path.isAbsolute(inside)) {
      this.report({
        severity: 'error',
        rule: 'repo/symlink-escape',
        message: `"${rel}" leads outside the repository through a symbolic link (to ${real})`,
        hint: 'replace the link with the file or folder itself',
        ...where,
      });
      return undefined;
    }
    if (segments.includes('.git') || inside.split(path.sep).includes('.git')) {
      this.report({
        severity: 'error',
        rule: 'repo/symlink-escape',
        message: `"${rel}" leads into .git, which holds Git's own data (credentials, hooks), not job files`,
        hint: 'replace the link with the file itself',
        ...where,
      });
      return undefined;
    }
    return abs;
  }

  /** The real path of `abs`; for a path that does not exist, its nearest existing parent's real path plus the rest. */
  private realPath(abs: string): string {
    let rest = '';
    let at = abs;
    for (;;) {
      try {
        return path.join(realpathSync.native(at), rest);
      } catch {
        const parent = path.dirname(at);
        if (parent === at) return abs;
        rest = path.join(path.basename(at), rest);
        at = parent;
      }
    }
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
    const at = { file: rel, line: 1, column: 1 };
    let size: number;
    try {
      const st = statSync(abs);
      if (st.isDirectory()) {
        this.report({
          severity: 'error',
          rule: 'repo/unreadable',
          message: `"${rel}" is a folder, not a file`,
          hint: 'replace the folder with the file',
          ...at,
        });
        return undefined;
      }
      size = st.size;
    } catch {
      this.report({ severity: 'error', rule: 'repo/missing-file', message: `"${rel}" does not exist`, ...at });
      return undefined;
    }
    if (size > MAX_FILE_BYTES) {
      this.report({
        severity: 'error',
        rule: 'repo/file-too-large',
        message: `"${rel}" is ${size} bytes; the limit is ${MAX_FILE_BYTES}`,
        hint: 'split the file, or keep data out of the job repository',
        ...at,
      });
      return undefined;
    }
    let bytes: Buffer;
    try {
      bytes = readFileSync(abs);
    } catch (e) {
      this.report({
        severity: 'error',
        rule: 'repo/unreadable',
        message: `"${rel}" cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
        hint: 'check the file’s permissions',
        ...at,
      });
      return undefined;
    }
    return this.decode(rel, bytes);
  }

  /** UTF-8 or a diagnostic at the first byte that is not: a replacement character must never reach a cluster. */
  private decode(rel: string, bytes: Buffer): string | undefined {
    let text: string;
    try {
      text = UTF8.decode(bytes);
    } catch {
      // The longest valid prefix locates the first bad byte (binary search over a fatal decoder).
      let lo = 0;
      let hi = bytes.length;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        try {
          UTF8.decode(bytes.subarray(0, mid));
          lo = mid;
        } catch {
          hi = mid - 1;
        }
      }
      const good = lo;
      const prefix = bytes.subarray(0, good).toString('utf8');
      const line = prefix.split('\n').length;
      const column = Array.from(prefix.slice(prefix.lastIndexOf('\n') + 1)).length + 1;
      this.report({
        severity: 'error',
        rule: 'repo/encoding',
        message: `"${rel}" is not UTF-8 (byte 0x${bytes[good]?.toString(16).padStart(2, '0')} at offset ${good})`,
        hint: 'save the file as UTF-8',
        file: rel,
        line,
        column,
      });
      return undefined;
    }
    if (text.charCodeAt(0) === 0xfeff) {
      this.report({
        severity: 'error',
        rule: 'repo/encoding',
        message: `"${rel}" starts with a byte-order mark`,
        hint: 'save the file as UTF-8 without BOM: the mark would become part of the first key or statement',
        file: rel,
        line: 1,
        column: 1,
      });
      return undefined;
    }
    return text;
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
