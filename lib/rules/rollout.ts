import { rolloutProblems } from '../resolve/rollout.js';
import type { Rule } from './rule.js';

export const rollout: Rule = {
  meta: {
    id: 'platform/rollout',
    description:
      'platform/rollout.yaml names jobs, teams and environments that exist, and each wave once, so apply goes through the waves it says.',
  },
  checkRepository(ctx) {
    for (const d of rolloutProblems(ctx.repo)) ctx.report(d);
  },
};
