import { lstatSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { privateDir, resultsDir } from './store.js';

/**
 * Results by content key, one file per entry (`<kind>/<first two hex digits>/<key>`): for results too
 * large to keep all of a repository's in one pack (a job's rendered objects are ~20 KB; 20,000 jobs'
 * would not fit one JavaScript string). A run reads the entries it looks up and writes the new ones;
 * past a bound, the oldest entries are removed.
 */
export class EntryStore {
  private readonly checked = new Map<string, boolean>();
  private written = 0;

  private constructor(private readonly dir: string | undefined) {}

  /** The store of one kind of result; `problem` says why it is not used (then every lookup misses). */
  static open(kind: string, dir: string | false = resultsDir()): { store: EntryStore; problem?: string } {
    if (dir === false) return { store: new EntryStore(undefined) };
    const root = privateDir(dir);
    if (!root.ok) return { store: new EntryStore(undefined), problem: root.problem };
    const own = privateDir(path.join(dir, kind));
    if (!own.ok) return { store: new EntryStore(undefined), problem: own.problem };
    return { store: new EntryStore(path.join(dir, kind)) };
  }

  get enabled(): boolean {
    return this.dir !== undefined;
  }

  /** The entry's text, or undefined when there is none (or it is not a private file of this user). */
  get(key: string): string | undefined {
    const file = this.file(key, false);
    if (!file) return undefined;
    try {
      const st = lstatSync(file);
      const uid = process.getuid?.();
      if (!st.isFile() || (uid !== undefined && st.uid !== uid) || st.mode & 0o022) return undefined;
      return readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
  }

  /** Writes an entry (atomically, 0600); a failure costs the next run its speed, not its correctness. */
  set(key: string, text: string): void {
    const file = this.file(key, true);
    if (!file) return;
    const tmp = `${file}.${process.pid}.tmp`;
    try {
      writeFileSync(tmp, text, { mode: 0o600 });
      renameSync(tmp, file);
      this.written++;
    } catch {
      rmSync(tmp, { force: true });
    }
  }

  /** After a run that wrote entries: keeps at most `bound` entries, the newest. */
  trim(bound: number): void {
    if (!this.dir || this.written === 0) return;
    const files: string[] = [];
    for (const sub of readdirSync(this.dir, { withFileTypes: true })) {
      // Only the store's own folders: a stray file would fail the run, a link would lead elsewhere.
      if (!/^[0-9a-f]{2}$/.test(sub.name) || !sub.isDirectory()) continue;
      for (const name of readdirSync(path.join(this.dir, sub.name))) files.push(path.join(this.dir, sub.name, name));
    }
    // Counting takes a listing; only a store over its bound pays a stat per entry.
    if (files.length <= bound) return;
    const dated = files.map((f) => [f, statSync(f, { throwIfNoEntry: false })?.mtimeMs ?? 0] as const);
    dated.sort((a, b) => b[1] - a[1]);
    for (const [file] of dated.slice(bound)) rmSync(file, { force: true });
  }

  /** The entry's path; its folder is checked (and made, when writing) once per run. */
  private file(key: string, create: boolean): string | undefined {
    if (!this.dir || !/^[0-9a-f]{64}$/.test(key)) return undefined;
    const sub = path.join(this.dir, key.slice(0, 2));
    let ok = this.checked.get(sub);
    if (ok === undefined || (!ok && create)) {
      ok = create || lstatSync(sub, { throwIfNoEntry: false }) ? privateDir(sub).ok : false;
      this.checked.set(sub, ok);
    }
    return ok ? path.join(sub, key) : undefined;
  }
}
