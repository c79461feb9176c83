import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { EffectiveSql } from '../resolve/sql.js';
import type { LocalJar } from './jars.js';
import { PreviewSession } from './session.js';

export interface SinkRows {
  columns: { name: string; type: string }[];
  /** The sink received updates; rows are the final state with the changelog applied. */
  updating: boolean;
  rows: Record<string, unknown>[];
  /** Every change in arrival order, each with `$op` (+I, -U, +U, -D); only when asked for (`changelog: true`). */
  changelog?: Record<string, unknown>[];
}

export interface PreviewResult {
  sinks: Record<string, SinkRows>;
  diagnostics: Diagnostic[];
  /** The tables the job read, as Flink resolved them (catalog.database.table); samples go to these. */
  tablesRead: string[];
}

export interface PreviewInput {
  samples: Record<string, Record<string, unknown>[]>;
  rows: number;
  timeoutSeconds?: number;
  /** Also return each sink's changelog (for tests that expect exact changes). */
  changelog?: boolean;
  /** The job's udfJars as local files (lib/flink/jars.ts). */
  jars?: LocalJar[];
}

/** Runs a job's effective SQL on a local mini cluster of its Flink release; sources read samples, sinks are collected. */
export async function runPreview(
  eff: EffectiveSql,
  input: PreviewInput,
  log?: (line: string) => void,
): Promise<PreviewResult> {
  const release = eff.job.version?.flink;
  if (!release) throw new Error(`job ${eff.job.id} has no known Flink version`);
  const session = PreviewSession.open(release, log);
  try {
    return await session.preview(eff, input);
  } finally {
    await session.close();
  }
}
