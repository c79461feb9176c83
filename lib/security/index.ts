import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { Job, Repo } from '../repo/model.js';
import { substitute } from '../vars/substitute.js';
import { appliesTo, loadPolicies, principalsOf } from './policy.js';

export { appliesTo, loadPolicies, principalsOf } from './policy.js';

/**
 * The policies that apply to one job, as the JVM enforcer reads them (flink/…/security/PolicySet):
 * sent with every helper request (validate --deep, preview, compile, explain) and shipped beside the
 * job's SQL for the production runner (policies.json). Which principals a policy names is repository
 * metadata and is decided here; what a policy binds and how it is enforced is decided by Flink.
 */
export interface JobPolicies {
  job: string;
  policies: {
    name: string;
    /** file:line:column of the policy, for the enforcer's messages. */
    at: string;
    resource: Record<string, string>;
    rowFilter?: string;
    masks: Record<string, string>;
  }[];
  /** The platform's catalogs (type, storage options): `{table: catalog.db.table}` resources resolve to a warehouse or metastore. */
  catalogs: { name: string; type: string; options: Record<string, string> }[];
  /** Every applicable policy names this job in `unpolicedCode`: JARs and UDFs are allowed. */
  unpoliced: boolean;
}

export interface JobSecurity {
  principals: string[];
  /** Names of the policies that apply to the job's principals. */
  names: string[];
  /** What the enforcer gets; undefined when no policy applies (nothing to enforce). */
  policies?: JobPolicies;
  diagnostics: Diagnostic[];
  /** False when the policy files do not pass their schema: nothing of the job may run (fail closed). */
  ok: boolean;
}

/** The data-security policies of platform/policies/ that apply to a job in one environment. */
export function jobSecurity(
  repo: Repo,
  job: Job,
  env: string,
  vars: Record<string, string> = {},
  /** Every policy, whoever it names: what each would bind in this job (the site's protection map), never to enforce. */
  everyPolicy = false,
): JobSecurity {
  const principals = principalsOf(repo, job.team);
  const applicable = loadPolicies(repo).filter((p) => everyPolicy || appliesTo(p.spec, principals));
  const invalid = repo.platform.policies.filter((p) => !p.valid);
  const names = applicable.map((p) => p.spec.name);
  if (invalid.length) {
    const diagnostics: Diagnostic[] = invalid.map((f) => ({
      severity: 'error',
      rule: 'security/unenforceable',
      message: `${f.yaml.file} does not pass its schema, so its policies cannot be enforced: no job's SQL is rendered until it is fixed`,
      hint: 'fix the errors reported for this file',
      file: f.yaml.file,
      line: 1,
      column: 1,
      job: job.id,
    }));
    return { principals, names, diagnostics, ok: false };
  }
  if (!applicable.length) return { principals, names, diagnostics: [], ok: true };
  const catalogs = repo.platform.catalogs
    .flatMap((f) => (f.valid ? (f.spec.catalogs ?? []) : []))
    .filter((c) => !c.envs || c.envs.includes(env))
    .map((c) => ({
      name: c.name,
      type: c.type,
      options: Object.fromEntries(
        Object.entries(c.options ?? {})
          .map(([k, v]) => [k, substitute(String(v), vars).text] as const)
          .sort(([a], [b]) => (a < b ? -1 : 1)),
      ),
    }))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  const policies: JobPolicies = {
    job: job.id,
    policies: applicable.map((p) => {
      const at = p.at();
      return {
        name: p.spec.name,
        at: `${at.file}:${at.line}:${at.column}`,
        resource: p.spec.resource,
        ...(p.spec.rowFilter !== undefined ? { rowFilter: p.spec.rowFilter } : {}),
        masks: p.spec.masks ?? {},
      };
    }),
    catalogs,
    unpoliced: everyPolicy || applicable.every((p) => (p.spec.unpolicedCode ?? []).includes(job.id)),
  };
  return { principals, names, policies, diagnostics: [], ok: true };
}
