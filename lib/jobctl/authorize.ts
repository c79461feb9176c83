import type { Action, OwnersSpec } from '../repo/model.js';

export interface Decision {
  allowed: boolean;
  /** Which entry allowed it, or why nothing did. */
  reason: string;
}

/**
 * May these principals run `action` on the job in `env`? A job's owners (`@login` in owners.yaml)
 * may run every action; anyone else needs a `triggers` entry naming their principal, the action
 * and the environment (all environments when `envs` is absent). Fails closed: no owners.yaml, no action.
 */
export function authorize(owners: OwnersSpec | undefined, principals: string[], action: Action, env: string): Decision {
  if (!owners) return { allowed: false, reason: 'the job has no owners.yaml' };
  for (const p of principals) {
    // A login never holds a `/`: a group path (`@rent/team`) in owners is never matched by a user principal.
    if (
      p.startsWith('user:') &&
      !p.includes('/') &&
      owners.owners.some((o) => o.replace(/^@/, '').toLowerCase() === p.slice(5).toLowerCase())
    )
      return { allowed: true, reason: `${p} owns the job` };
  }
  for (const t of owners.triggers ?? []) {
    if (principals.includes(t.principal) && t.actions.includes(action) && (!t.envs || t.envs.includes(env))) {
      return {
        allowed: true,
        reason: `owners.yaml lets ${t.principal} ${t.actions.join('/')} in ${t.envs?.join(', ') ?? 'every environment'}`,
      };
    }
  }
  const mine = (owners.triggers ?? []).filter((t) => principals.includes(t.principal));
  const granted = mine.map((t) => `${t.actions.join('/')} in ${t.envs?.join(', ') ?? 'every environment'}`).join('; ');
  return {
    allowed: false,
    reason: granted
      ? `owners.yaml lets ${[...new Set(mine.map((t) => t.principal))].join(', ')} only ${granted}`
      : `no owner and no triggers entry for ${principals.join(', ') || 'an unidentified caller'}`,
  };
}
