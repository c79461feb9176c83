import type { EffectiveSql } from '../resolve/sql.js';
import { helperConfig, toHelperCatalogs } from './deep.js';
import { FlinkHelper, helperSql, type HelperDiagnostic } from './helper.js';
import { launchFor } from './launch.js';

interface CompileResponse {
  plans?: { statement: number; plan: unknown }[];
  diagnostics?: HelperDiagnostic[];
  error?: string;
}

export interface CompileRequest {
  key: string;
  eff: EffectiveSql;
}

/** Flink's compiled plans (COMPILE PLAN, FLIP-190) of many jobs, one JVM per Flink release. */
export async function compilePlans(
  requests: CompileRequest[],
  log?: (line: string) => void,
): Promise<Map<string, { plans?: unknown[]; error?: string }>> {
  const out = new Map<string, { plans?: unknown[]; error?: string }>();
  const byRelease = new Map<string, CompileRequest[]>();
  for (const r of requests) {
    const release = r.eff.job.version?.flink;
    if (!release) {
      out.set(r.key, { error: 'no Flink release for this job' });
      continue;
    }
    byRelease.set(release, [...(byRelease.get(release) ?? []), r]);
  }
  await Promise.all(
    [...byRelease.entries()].map(async ([release, list]) => {
      const helper = new FlinkHelper(launchFor(release, log));
      try {
        for (const r of list) {
          const resp = await helper.request<CompileResponse>({
            op: 'compile',
            job: r.key,
            statements: r.eff.statements.map((s) => ({ sql: helperSql(s.text) })),
            catalogs: toHelperCatalogs(r.eff.catalogs),
            config: helperConfig(r.eff),
          });
          const errors = (resp.diagnostics ?? []).filter((d) => d.severity !== 'warning');
          if (resp.error || errors.length)
            out.set(r.key, { error: resp.error ?? errors.map((d) => d.message).join('; ') });
          else out.set(r.key, { plans: (resp.plans ?? []).map((p) => p.plan) });
        }
      } finally {
        await helper.close();
      }
    }),
  );
  return out;
}
