import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Git } from '../git/git.js';
import { affectedJobs } from '../plan/changes.js';
import { loadRepo } from '../repo/load.js';
import type { Repo } from '../repo/model.js';

/**
 * The jobs of the working tree a change since `base` reaches — their folder (tests included), or
 * indirectly through their team, the platform files, a catalog or a policy — as `plan` finds them.
 */
export function changedJobIds(head: Repo, baseRef: string): string[] {
  const git = new Git(head.root);
  const mergeBase = git.mergeBase(baseRef, 'HEAD');
  const changes = git.changes(mergeBase);
  const dir = mkdtempSync(path.join(tmpdir(), 'flinkops-test-base-'));
  try {
    git.exportTree(mergeBase, dir, ['jobs', 'platform']);
    const base = loadRepo(dir).repo;
    const affected = affectedJobs(base, head, changes);
    return head.jobs.map((j) => j.id).filter((id) => affected.has(id));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
