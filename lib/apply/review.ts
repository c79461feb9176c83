import type { Plan } from '../plan/types.js';

/** The plan hash in the sticky plan note (lib/plan/format.ts writes "plan hash `<hex>`"). */
export function planHashInNote(body: string): string | undefined {
  return /plan hash `([0-9a-f]{64})`/.exec(body)?.[1];
}

export interface Refusal {
  rule: 'apply/unreviewed-plan' | 'apply/owner-approval' | 'apply/mass-prune';
  message: string;
  hint: string;
}

/** Apply on the default branch applies the plan that was reviewed, or nothing. */
export function checkReviewedPlan(plan: Plan, reviewedHash: string | undefined, where: string): Refusal | undefined {
  if (!reviewedHash)
    return {
      rule: 'apply/unreviewed-plan',
      message: `no reviewed plan for ${plan.env} on ${where}`,
      hint: 'run `flinkops plan --comment` in the merge request pipeline (it posts the plan hash), or pass --plan-hash',
    };
  if (reviewedHash !== plan.planHash) {
    return {
      rule: 'apply/unreviewed-plan',
      message: `the plan to apply (${plan.planHash.slice(0, 12)}) differs from the plan reviewed on ${where} (${reviewedHash.slice(0, 12)})`,
      hint: 'the target branch moved or the merge brought other changes: re-run the merge request pipeline so the plan is reviewed again, then merge',
    };
  }
  return undefined;
}

/**
 * Every changed job needs an approval from one of its owners (before or after the change: a
 * change of owners is approved by the old ones too). Owners are `@user` or `@group/path`; a
 * group counts when an approver is one of its members.
 */
export async function checkOwnerApproval(
  plan: Plan,
  approvers: string[],
  membersOf: (group: string) => Promise<string[]>,
  where: string,
): Promise<Refusal | undefined> {
  const approved = new Set(approvers.map((a) => a.toLowerCase()));
  const groupCache = new Map<string, Promise<string[]>>();
  const missing: string[] = [];
  for (const job of plan.jobs) {
    if (job.action === 'noop' || job.job.startsWith('(')) continue;
    const owners = [...new Set([...job.ownersBefore, ...job.ownersAfter])].map((o) => o.replace(/^@/, ''));
    let ok = false;
    for (const owner of owners) {
      if (!owner.includes('/')) ok = approved.has(owner.toLowerCase());
      else {
        if (!groupCache.has(owner)) groupCache.set(owner, membersOf(owner));
        ok = (await groupCache.get(owner)!).some((m) => approved.has(m.toLowerCase()));
      }
      if (ok) break;
    }
    if (!ok) missing.push(`${job.job} (owners: ${owners.map((o) => `@${o}`).join(', ') || 'none'})`);
  }
  if (!missing.length) return undefined;
  return {
    rule: 'apply/owner-approval',
    message: `no owner approved ${missing.join('; ')} on ${where} (approved by: ${approvers.map((a) => `@${a}`).join(', ') || 'nobody'})`,
    hint: 'an owner of each changed job must approve the merge request (platform/envs/<env>.yaml approval.requireOwnerApproval)',
  };
}
