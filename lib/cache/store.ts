import { chmodSync, lstatSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

/**
 * Where results are cached: FLINKOPS_RESULTS, else `$FLINKOPS_CACHE/results` (CI points
 * FLINKOPS_CACHE into the project folder, which its cache: keeps between pipelines), else
 * `~/.cache/flinkops/results`.
 */
export function resultsDir(): string {
  if (process.env.FLINKOPS_RESULTS) return process.env.FLINKOPS_RESULTS;
  return path.join(process.env.FLINKOPS_CACHE ?? path.join(homedir(), '.cache', 'flinkops'), 'results');
}

/**
 * A cached result is only as trustworthy as the folder it came from: it must belong to this user
 * and be writable by nobody else (created 0700). Returns the reason when it is not: the caller then
 * runs without the cache.
 */
export function privateDir(dir: string): { ok: true } | { ok: false; problem: string } {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = lstatSync(dir);
    if (!st.isDirectory()) return { ok: false, problem: `${dir} is not a directory` };
    const uid = process.getuid?.();
    if (uid !== undefined && st.uid !== uid)
      return { ok: false, problem: `${dir} belongs to another user (uid ${st.uid}, not ${uid})` };
    if (st.mode & 0o022)
      return { ok: false, problem: `${dir} is writable by other users (mode ${(st.mode & 0o777).toString(8)})` };
    if (st.mode & 0o077) chmodSync(dir, 0o700);
    return { ok: true };
  } catch (e) {
    return { ok: false, problem: `${dir}: ${(e as Error).message}` };
  }
}

interface Pack<V> {
  format: number;
  /** key → [value, last run that used it (ms since the epoch)] */
  entries: Record<string, [V, number]>;
}

const FORMAT = 1;

/**
 * Results by content key, in one file per kind (`validate.json`, `deep.json`): one read and at most
 * one write per run, whatever the number of jobs. Entries this run did not use are kept (another
 * branch may need them) up to a bound, newest first.
 */
export class ResultStore<V> {
  private readonly old = new Map<string, [V, number]>();
  private readonly used = new Map<string, [V, number]>();
  private added = 0;

  private constructor(
    private readonly file: string | undefined,
    private readonly now: number,
  ) {
    if (!file) return;
    try {
      const st = lstatSync(file);
      const uid = process.getuid?.();
      if (!st.isFile() || (uid !== undefined && st.uid !== uid) || st.mode & 0o022) return;
      const pack = JSON.parse(readFileSync(file, 'utf8')) as Pack<V>;
      if (pack.format !== FORMAT) return;
      for (const [k, e] of Object.entries(pack.entries)) this.old.set(k, e);
    } catch {
      // no pack yet, or an unreadable one: start empty
    }
  }

  /** The store of one kind of result; `problem` says why it is not used (then every lookup misses). */
  static open<V>(kind: string, dir: string | false = resultsDir()): { store: ResultStore<V>; problem?: string } {
    if (dir === false) return { store: new ResultStore<V>(undefined, Date.now()) };
    const checked = privateDir(dir);
    if (!checked.ok) return { store: new ResultStore<V>(undefined, Date.now()), problem: checked.problem };
    return { store: new ResultStore<V>(path.join(dir, `${kind}.json`), Date.now()) };
  }

  get(key: string): V | undefined {
    const e = this.used.get(key) ?? this.old.get(key);
    if (!e) return undefined;
    this.used.set(key, [e[0], this.now]);
    return e[0];
  }

  set(key: string, value: V): void {
    this.used.set(key, [value, this.now]);
    this.added++;
  }

  /** Writes the pack (atomically, 0600) when this run added results. */
  save(): void {
    if (!this.file || this.added === 0) return;
    const keep = Math.max(10_000, 2 * this.used.size);
    const entries: Record<string, [V, number]> = {};
    for (const [k, e] of this.used) entries[k] = e;
    const rest = [...this.old].filter(([k]) => !this.used.has(k)).sort((a, b) => b[1][1] - a[1][1]);
    for (const [k, e] of rest.slice(0, Math.max(0, keep - this.used.size))) entries[k] = e;
    const tmp = `${this.file}.${process.pid}.tmp`;
    try {
      writeFileSync(tmp, JSON.stringify({ format: FORMAT, entries } satisfies Pack<V>), { mode: 0o600 });
      renameSync(tmp, this.file);
    } catch {
      // a full disk or a read-only cache costs the next run its speed, not its correctness
    }
  }
}
