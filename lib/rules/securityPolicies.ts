import { compileExpr } from '../security/expr.js';
import { loadPolicies, parseMask } from '../security/policy.js';
import { secureSql } from '../security/index.js';
import type { Rule } from './rule.js';

/**
 * Data-security policies are enforced by rewriting each job's SQL (lib/security). Every way the
 * rewrite can fail is an error here, so validation fails before anything unprotected is rendered.
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
    // Each job, in each environment: the rewrite must succeed.
    for (const job of ctx.jobs) {
      for (const env of ctx.envs) {
        const sql = ctx.sql(job, env);
        if (!sql) continue;
        const secured = secureSql(ctx.repo, job, env, sql);
        for (const d of secured.diagnostics) ctx.report(d);
      }
    }
  },
};
