import { availableParallelism } from 'node:os';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { CatalogSpec, Job, Repo } from '../repo/model.js';
import { effectiveSql, type EffectiveSql } from '../resolve/sql.js';
import {
  FlinkHelper,
  helperOrigin,
  helperSql,
  type HelperCatalog,
  type HelperDiagnostic,
  type ValidateResponse,
} from './helper.js';
import { resolveUdfJars, type LocalJar } from './jars.js';
import { FlinkUnavailable, launchFor } from './launch.js';

/** A statement's verdict from Flink, in original-file coordinates, for reconciling grammar errors. */
export interface StatementVerdict {
  job: string;
  file: string;
  /** 1-based lines of the statement in the original file. */
  startLine: number;
  endLine: number;
  accepted: boolean;
}

export interface DeepResult {
  diagnostics: Diagnostic[];
  verdicts: StatementVerdict[];
  stats: { jobs: number; requests: number; jvmStartMs: Record<string, number>; validateMs: Record<string, number> };
}

const RULE: Record<NonNullable<HelperDiagnostic['kind']>, string> = {
  syntax: 'sql/flink-syntax',
  validation: 'sql/flink-validation',
  unsupported: 'sql/unsupported',
  internal: 'sql/flink-internal',
  security: 'security/unenforceable',
};

export function toHelperCatalogs(catalogs: CatalogSpec[]): HelperCatalog[] {
  return catalogs.map((c) => ({
    name: c.name,
    type: c.type,
    ...(c.defaultDatabase ? { defaultDatabase: c.defaultDatabase } : {}),
    databases: Object.fromEntries(
      Object.entries(c.databases ?? {}).map(([db, d]) => [
        db,
        {
          tables: Object.fromEntries(
            Object.entries(d.tables ?? {}).map(([t, spec]) => [
              t,
              {
                columns: spec.columns.map((col) => ({ name: col.name, type: col.type })),
                ...(spec.primaryKey ? { primaryKey: spec.primaryKey } : {}),
                ...(spec.partitionKeys ? { partitionKeys: spec.partitionKeys } : {}),
                ...(spec.watermark ? { watermark: spec.watermark } : {}),
                options: {
                  connector: c.type,
                  ...Object.fromEntries(Object.entries(spec.options ?? {}).map(([k, v]) => [k, String(v)])),
                },
              },
            ]),
          ),
        },
      ]),
    ),
  }));
}

/** Options whose values change what the planner sees (the stand-in connector ignores all others). */
const MEANINGFUL_OPTION = /^(connector|format|key\.format|value\.format|changelog-mode|scan\.startup\.mode)$|\.format$/;

/**
 * Environments usually differ only in option values (topics, hosts): the planner's verdict cannot
 * depend on those, so SQL that differs only there is validated once.
 */
function validationKey(eff: EffectiveSql): string {
  const parts: string[] = [];
  for (const file of eff.sql.files) {
    let text = file.substitution.text;
    const values = file.analysis.options
      .filter((o) => !MEANINGFUL_OPTION.test(o.key))
      .sort((a, b) => b.valueOffset - a.valueOffset);
    for (const o of values) {
      const end = text.indexOf("'", o.valueOffset + 1);
      if (text[o.valueOffset] === "'" && end > o.valueOffset)
        text = `${text.slice(0, o.valueOffset)}'?'${text.slice(end + 1)}`;
    }
    parts.push(text);
  }
  return JSON.stringify([parts, helperConfig(eff), eff.policies ?? null]);
}

/** Flink configuration the helper applies before the job's own SET statements. */
export function helperConfig(e: EffectiveSql): Record<string, string> {
  const keep = Object.entries(e.job.flinkConf).filter(
    ([k]) => k.startsWith('table.') || k === 'execution.runtime-mode' || k.startsWith('pipeline.'),
  );
  return Object.fromEntries(keep);
}

export interface Unit {
  job: Job;
  env: string;
  eff: EffectiveSql;
  key: string;
  /** The job's udfJars as local files (Flink loads them). */
  jars?: LocalJar[];
}

/**
 * `validate --deep`: every statement of every selected SQL job, in every environment, validated by
 * the job's own Flink release — one JVM per release, all jobs in one request. Identical SQL in
 * several environments is validated once.
 */
export async function deepValidate(
  repo: Repo,
  jobs: Job[],
  envs: string[],
  log: (line: string) => void = () => {},
): Promise<DeepResult> {
  const diagnostics: Diagnostic[] = [];
  const verdicts: StatementVerdict[] = [];
  const stats: DeepResult['stats'] = { jobs: 0, requests: 0, jvmStartMs: {}, validateMs: {} };
  const byRelease = new Map<string, Unit[]>();
  const seen = new Set<string>();
  for (const job of jobs) {
    for (const env of envs) {
      const eff = effectiveSql(repo, job, env);
      if (!eff?.job.enabled || !eff.job.version || eff.statements.length === 0) continue;
      let jars: LocalJar[] | undefined;
      if (eff.job.udfJars?.length) {
        const resolved = await resolveUdfJars(job, env, repo.platform.envs.get(env)?.spec);
        for (const d of resolved.diagnostics) diagnostics.push({ ...d, env } as Diagnostic);
        jars = resolved.jars;
      }
      const key = `${job.id}\0${eff.job.version.flink}\0${validationKey(eff)}\0${JSON.stringify(eff.catalogs.map((c) => c.name))}\0${JSON.stringify(jars ?? [])}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const list = byRelease.get(eff.job.version.flink) ?? [];
      list.push({ job, env, eff, key: `${job.id}@${env}`, ...(jars ? { jars } : {}) });
      byRelease.set(eff.job.version.flink, list);
    }
  }
  stats.jobs = new Set([...byRelease.values()].flat().map((u) => u.job.id)).size;
  const launches = new Map<string, ReturnType<typeof launchFor>>();
  await runBounded(helperTasks(byRelease, deepWorkers()), async ({ release, units }) => {
    const started = Date.now();
    if (!launches.has(release)) launches.set(release, launchFor(release, log));
    const helper = new FlinkHelper(launches.get(release)!);
    try {
      await helper.request({ op: 'version' });
      stats.jvmStartMs[release] = Math.max(stats.jvmStartMs[release] ?? 0, Date.now() - started);
      const t = Date.now();
      const response = await helper.request<ValidateResponse>({
        op: 'validate',
        jobs: units.map((u) => ({
          job: u.key,
          statements: u.eff.statements.map((s) => ({ sql: helperSql(s.text) })),
          catalogs: toHelperCatalogs(u.eff.catalogs),
          config: helperConfig(u.eff),
          ...(u.eff.policies ? { security: u.eff.policies } : {}),
          ...(u.jars ? { jars: u.jars } : {}),
        })),
      });
      stats.requests++;
      stats.validateMs[release] = (stats.validateMs[release] ?? 0) + Date.now() - t;
      if (response.error) throw new FlinkUnavailable(`the Flink ${release} helper failed: ${response.error}`);
      const answers = new Map(response.jobs.map((j) => [j.job, j]));
      for (const u of units) {
        const answer = answers.get(u.key);
        const rejected = new Set<number>();
        for (const d of answer?.diagnostics ?? []) {
          const statement = d.statement !== undefined ? u.eff.statements[d.statement] : undefined;
          if (d.statement !== undefined && d.statement >= 0 && d.severity !== 'warning') rejected.add(d.statement);
          const where = statement
            ? d.line !== undefined
              ? helperOrigin(u.eff.sql, statement, d.line, d.column)
              : u.eff.sql.fileOf(statement).origin(statement.start)
            : { file: u.job.sql[0]?.file ?? u.job.dir, line: 1, column: 1 };
          const kind = d.kind ?? 'validation';
          diagnostics.push({
            severity: d.severity === 'warning' ? 'warning' : 'error',
            rule: RULE[kind],
            message: `Flink ${release}: ${d.message}`,
            hint:
              kind === 'security'
                ? 'a data-security policy binds a source this statement reads and cannot be enforced on it: the statement is refused (fix the policy, or the table it names)'
                : kind === 'unsupported'
                  ? 'the code this statement needs is not available to flinkops (a UDF jar or Python file): declare the jar in job.yaml udfJars (by Maven coordinates) so deep validation loads it, or ignore this for that statement'
                  : kind === 'internal'
                    ? 'flinkops could not check this statement; please report it'
                    : "Flink's planner rejected the statement: fix the SQL at this position",
            ...where,
            job: u.job.id,
            env: u.env,
          } as Diagnostic);
        }
        u.eff.statements.forEach((s, i) => {
          const f = u.eff.sql.fileOf(s);
          const ok = answer?.statements?.[i]?.ok ?? !rejected.has(i);
          verdicts.push({
            job: u.job.id,
            file: s.file,
            startLine: f.origin(s.start).line,
            endLine: f.origin(s.end).line,
            accepted: ok,
          });
        });
      }
    } finally {
      await helper.close();
    }
  });
  return { diagnostics: dedupeAcrossEnvs(diagnostics), verdicts, stats };
}

/**
 * How many helper JVMs run at once: FLINKOPS_DEEP_WORKERS, else one per core (at most 4) — each
 * JVM uses a core and ~300 MB; the two releases' helpers run side by side on two cores.
 */
export function deepWorkers(): number {
  const n = Number(process.env.FLINKOPS_DEEP_WORKERS);
  return Number.isInteger(n) && n > 0 ? n : Math.max(1, Math.min(4, availableParallelism()));
}

/**
 * One task per release; with more workers than releases, the larger releases' jobs are split into
 * more tasks (a JVM each), so the work spreads over the workers.
 */
export function helperTasks(byRelease: Map<string, Unit[]>, workers: number): { release: string; units: Unit[] }[] {
  const releases = [...byRelease.keys()].sort();
  const total = releases.reduce((n, r) => n + byRelease.get(r)!.length, 0);
  const tasks: { release: string; units: Unit[] }[] = [];
  for (const release of releases) {
    const units = byRelease.get(release)!;
    // Splitting pays only for large requests: a JVM starts in about half a second.
    const parts = Math.max(1, Math.min(Math.round((workers * units.length) / total), Math.floor(units.length / 50)));
    const size = Math.ceil(units.length / parts);
    for (let i = 0; i < units.length; i += size) tasks.push({ release, units: units.slice(i, i + size) });
  }
  return tasks;
}

/** Runs the tasks with at most `workers` at once; the first failure fails the whole. */
async function runBounded<T>(tasks: T[], run: (t: T) => Promise<void>): Promise<void> {
  const workers = deepWorkers();
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(workers, tasks.length) }, async () => {
      while (next < tasks.length) await run(tasks[next++]!);
    }),
  );
}

/** The same problem in every environment is one problem; one found in some environments says which. */
function dedupeAcrossEnvs(list: (Diagnostic & { env?: string })[]): Diagnostic[] {
  const groups = new Map<string, { d: Diagnostic; envs: Set<string> }>();
  const envsOfJob = new Map<string, Set<string>>();
  for (const d of list) {
    const env = d.env!;
    envsOfJob.set(d.job!, (envsOfJob.get(d.job!) ?? new Set()).add(env));
    const key = `${d.file}\0${d.line}\0${d.column}\0${d.rule}\0${d.message}`;
    const g = groups.get(key) ?? { d, envs: new Set<string>() };
    g.envs.add(env);
    groups.set(key, g);
  }
  return [...groups.values()].map(({ d, envs }) => {
    const { env: _env, ...rest } = d as Diagnostic & { env?: string };
    const all = envsOfJob.get(d.job!)!;
    return envs.size < all.size
      ? { ...rest, message: `${rest.message} (environment ${[...envs].sort().join(', ')})` }
      : rest;
  });
}

/**
 * Flink is the judge: a grammar error inside a statement Flink accepted is a gap in the grammar
 * (dropped, counted); inside a statement Flink rejected, Flink's own error replaces it.
 */
export function reconcileGrammar(
  diagnostics: Diagnostic[],
  verdicts: StatementVerdict[],
): { diagnostics: Diagnostic[]; parserGaps: Diagnostic[] } {
  const parserGaps: Diagnostic[] = [];
  const kept = diagnostics.filter((d) => {
    if (d.rule !== 'sql/syntax') return true;
    const vs = verdicts.filter(
      (v) => v.job === d.job && v.file === d.file && d.line >= v.startLine && d.line <= v.endLine,
    );
    if (vs.length === 0) return true;
    if (vs.every((v) => v.accepted)) parserGaps.push(d);
    return false;
  });
  return { diagnostics: kept, parserGaps };
}
