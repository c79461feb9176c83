import type { Origin } from '../repo/model.js';
import type { JobSql, Statement } from '../sql/script.js';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Launch } from './launch.js';

/** One JSON-lines conversation with a running JVM helper (see flink/README.md for the protocol). */
export class FlinkHelper {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly waiting = new Map<string, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private stderr = '';
  private exited: Error | undefined;
  readonly startedAt = Date.now();

  constructor(readonly launch: Launch) {
    this.child = spawn(launch.java, launch.args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (d: string) => {
      this.stderr = (this.stderr + d).slice(-20_000);
    });
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      let msg: { id?: string };
      try {
        msg = JSON.parse(line);
      } catch {
        return; // not ours: a library printing to stdout
      }
      const w = msg.id !== undefined ? this.waiting.get(String(msg.id)) : undefined;
      if (w) {
        this.waiting.delete(String(msg.id));
        w.resolve(msg);
      }
    });
    const fail = (e: Error) => {
      this.exited = e;
      for (const w of this.waiting.values()) w.reject(e);
      this.waiting.clear();
    };
    this.child.on('error', (e) =>
      fail(new Error(`could not start the Flink ${launch.flinkVersion} helper: ${e.message}`)),
    );
    this.child.on('exit', (code, signal) => {
      if (this.waiting.size)
        fail(
          new Error(
            `the Flink ${launch.flinkVersion} helper exited (${signal ?? code}) — last output:\n${this.stderr.trim().split('\n').slice(-12).join('\n')}`,
          ),
        );
      else this.exited = new Error('helper exited');
    });
    this.child.stdin.on('error', () => {});
  }

  request<T>(body: Record<string, unknown>): Promise<T> {
    if (this.exited) return Promise.reject(this.exited);
    const id = String(this.nextId++);
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.stdin.write(`${JSON.stringify({ id, ...body })}\n`);
    });
  }

  async close(): Promise<void> {
    if (this.exited) return;
    await new Promise<void>((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.stdin.end();
      setTimeout(() => {
        this.child.kill('SIGKILL');
        resolve();
      }, 5000).unref();
    });
  }
}

/** The protocol's shapes, as the TypeScript side uses them. */
export interface HelperDiagnostic {
  statement?: number;
  line?: number;
  column?: number;
  endLine?: number;
  endColumn?: number;
  message: string;
  severity?: 'error' | 'warning';
  kind?: 'syntax' | 'validation' | 'unsupported' | 'internal' | 'security';
}

export interface HelperCatalog {
  name: string;
  type: string;
  defaultDatabase?: string;
  databases: Record<string, { tables: Record<string, unknown> }>;
}

export interface ValidateResponse {
  jobs: { job: string; diagnostics: HelperDiagnostic[]; statements?: { kind: string; ok: boolean }[] }[];
  error?: string;
}

export interface PreviewResponse {
  diagnostics?: HelperDiagnostic[];
  /** The tables the job's sources and lookups read, as Flink resolved them (catalog.database.table). */
  tablesRead?: string[];
  sinks?: Record<
    string,
    {
      columns: { name: string; type: string }[];
      updating: boolean;
      rows: Record<string, unknown>[];
      changelog?: Record<string, unknown>[];
    }
  >;
  error?: string;
}

const BEGIN_SET = /^BEGIN\s+STATEMENT\s+SET\s*;/i;
const EXECUTE_SET = 'EXECUTE STATEMENT SET BEGIN';

/**
 * Flink's parser reads one statement at a time; `BEGIN STATEMENT SET; … END` is SQL-client syntax
 * for the same thing as `EXECUTE STATEMENT SET BEGIN … END`, so the helper gets the latter.
 * Only the first line changes, so positions elsewhere stay exact.
 */
export function helperSql(text: string): string {
  const m = BEGIN_SET.exec(text);
  return m ? EXECUTE_SET + text.slice(m[0].length) : text;
}

/** Maps a 1-based position in `helperSql(text)` back to `text`. */
export function fromHelperPosition(text: string, line: number, column: number): { line: number; column: number } {
  const m = BEGIN_SET.exec(text);
  if (!m || line !== 1) return { line, column };
  const shift = EXECUTE_SET.length - m[0].length;
  return { line, column: Math.max(1, column - shift) };
}

/** A helper diagnostic's position (inside the statement it was sent as) → the original file position. */
export function helperOrigin(sql: JobSql, statement: Statement, line: number, column: number | undefined): Origin {
  const p = fromHelperPosition(statement.text, line, column ?? 1);
  return sql.originInStatement(statement, p.line, p.column);
}
