import { compileExpr } from '../security/expr.js';
import { jobSecurity } from '../security/index.js';
import { loadPolicies, parseMask } from '../security/policy.js';
import type { Rule } from './rule.js';

/** Statements that load code SQL policies cannot police. */
const UNPOLICED = /^\s*ADD\s+JAR\b|\bUSING\s+JAR\b|\bLANGUAGE\s+PYTHON\b|^\s*EXECUTE\s+PLAN\b|^\s*CALL\s/i;

/**
 * Lint-level checks of the data-security policies: their names, principals, filters and masks as
 * written, and jobs under a policy that run code SQL cannot police. Enforcement itself happens
 * inside Flink's planner: `validate --deep` proves every policy can be enforced on every statement.
 */
export const securityPolicies: Rule = {
  meta: {
    id: 'security/unenforceable',
    description:
      'Every policy of platform/policies/ that applies to a job must be enforceable on its SQL (also reports security/unknown-column, security/unknown-columns, security/bad-filter, security/bad-mask, security/duplicate-policy, security/unknown-principal).',
  },
  checkRepository(ctx) {
    const policies = loadPolicies(ctx.repo);
    // The policies themselves, once, whether or not a job reads their tables.
    const seen = new Map<string, string>();
    const teams = new Set(ctx.repo.teams.keys());
    const roles = new Set(Object.keys(ctx.repo.platform.owners?.spec.roles ?? {}));
    for (const p of policies) {
      const prev = seen.get(p.spec.name);
      if (prev)
        ctx.report({
          rule: 'security/duplicate-policy',
          severity: 'error',
          message: `policy name "${p.spec.name}" is used twice (first in ${prev})`,
          hint: 'policy names are unique: rename one',
          ...p.at(['name']),
        });
      else seen.set(p.spec.name, p.file);
      if (p.spec.rowFilter !== undefined) {
        const e = compileExpr(p.spec.rowFilter, 'filter');
        if (!e.ok)
          ctx.report({
            rule: 'security/bad-filter',
            severity: 'error',
            message: `policy "${p.spec.name}": the row filter does not parse: ${e.error}`,
            hint: "write a Flink SQL boolean expression over the table's columns, e.g. region = 'beijing'",
            ...p.at(['rowFilter']),
          });
      }
      for (const [col, raw] of Object.entries(p.spec.masks ?? {})) {
        const m = parseMask(String(raw));
        const bad = !m
          ? `unknown mask "${raw}"`
          : m.type === 'CUSTOM' &&
              (!m.expression!.includes('{col}') ||
                !compileExpr(m.expression!.replaceAll('{col}', '__flinkops_col'), 'value').ok)
            ? 'the CUSTOM mask is not an expression over {col}'
            : undefined;
        if (bad)
          ctx.report({
            rule: 'security/bad-mask',
            severity: 'error',
            message: `policy "${p.spec.name}": ${bad} for column "${col}"`,
            hint: 'masks: MASK, MASK_SHOW_LAST_4, MASK_SHOW_FIRST_4, MASK_HASH, MASK_NULL, MASK_DATE_SHOW_YEAR, MASK_NONE, or "CUSTOM: <expression over {col}>"',
            ...p.at(['masks', col]),
          });
      }
      for (const [key, list] of [
        ['principals', p.spec.principals],
        ['except', p.spec.except ?? []],
      ] as const) {
        list.forEach((principal, i) => {
          const [kind, name] = principal.split(':');
          const unknown = (kind === 'team' && !teams.has(name!)) || (kind === 'role' && !roles.has(name!));
          if (unknown)
            ctx.report({
              rule: 'security/unknown-principal',
              severity: 'warning',
              message: `policy "${p.spec.name}": ${principal} names no ${kind} of this repository`,
              hint:
                kind === 'team'
                  ? 'teams are the folders under jobs/'
                  : 'roles are granted in platform/owners.yaml roles:',
              ...p.at([key, i]),
            });
        });
      }
    }
  },
  check(ctx) {
    // Jobs under a policy that run code SQL cannot police (jar jobs, UDFs from JARs, Python).
    for (const job of ctx.jobs) {
      const env = ctx.envs[0];
      if (!env) break;
      const security = jobSecurity(ctx.repo, job, env);
      // A policy file that fails its schema: nothing of the job may run (fail closed), said per job.
      for (const d of security.diagnostics) ctx.report(d);
      if (!security.policies) continue;
      if (security.policies.unpoliced) continue;
      const exception = `or list "${job.id}" in unpolicedCode of ${security.names.map((n) => `"${n}"`).join(', ')} (owned by the security team)`;
      const type = ctx.effective(job, env)?.type;
      if (type && type !== 'sql') {
        ctx.report({
          rule: 'security/unenforceable',
          severity: 'error',
          message: `${job.id} is a ${type} job under data-security policies (${security.names.join(', ')}): its code can read any source, so the policies cannot be enforced`,
          hint: `write the job in SQL, ${exception}`,
          ...(job.job?.yaml.at(['type'], 'value') ?? { file: `${job.dir}/job.yaml`, line: 1, column: 1 }),
          job: job.id,
        });
        continue;
      }
      if (job.job?.spec.udfJars?.length) {
        ctx.report({
          rule: 'security/unenforceable',
          severity: 'error',
          message: `${job.id} is under data-security policies (${security.names.join(', ')}) and declares udfJars: code from JARs can read any source, so the policies cannot be enforced`,
          hint: `use built-in functions or UDFs of the platform image, ${exception}`,
          ...job.job.yaml.at(['udfJars'], 'key'),
          job: job.id,
        });
      }
      const sql = ctx.sql(job, env);
      for (const s of sql?.statements ?? []) {
        if (!UNPOLICED.test(s.text.replace(/^(\s*--[^\n]*\n)+/, ''))) continue;
        ctx.report({
          rule: 'security/unenforceable',
          severity: 'error',
          message: `${job.id} is under data-security policies (${security.names.join(', ')}) and this statement loads code SQL cannot police (JAR, Python, compiled plan or procedure)`,
          hint: `use built-in functions or UDFs of the platform image, ${exception}`,
          ...sql!.fileOf(s).origin(s.start),
          job: job.id,
        });
      }
    }
  },
};
