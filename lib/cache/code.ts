import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { isPrivateFile, privateCacheDir } from './dir.js';

/**
 * Generated code (compiled JSON Schema validators) kept between runs: a CommonJS module in a private
 * cache folder, named by the hash of what it was generated from, so a changed input is never served
 * an old module. Only this user's files are loaded — the cache is code flinkops runs.
 */
export class CodeCache {
  private readonly file: string | undefined;

  constructor(folder: string, key: string) {
    const dir = privateCacheDir(folder);
    this.file = dir ? path.join(dir, `${key}.cjs`) : undefined;
  }

  /** The module's exports, or undefined when there is none (or it cannot be trusted or run). */
  load(): Record<string, unknown> | undefined {
    const file = this.file;
    if (!file || !existsSync(file) || !isPrivateFile(file)) return undefined;
    try {
      const module = { exports: {} as Record<string, unknown> };
      new Function('require', 'module', 'exports', readFileSync(file, 'utf8'))(
        createRequire(import.meta.url),
        module,
        module.exports,
      );
      return module.exports;
    } catch {
      return undefined;
    }
  }

  /** Keeps the module for the next run (written aside and renamed: a reader never sees half a file). */
  store(code: string): void {
    if (!this.file) return;
    try {
      const tmp = `${this.file}.${process.pid}.tmp`;
      writeFileSync(tmp, code, { mode: 0o600 });
      renameSync(tmp, this.file);
    } catch {
      // A cache we cannot write only costs time.
    }
  }
}
