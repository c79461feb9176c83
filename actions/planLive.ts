import { applyObjects } from '../lib/apply/applyObjects.js';
import { projectOf } from '../lib/apply/applyset.js';
import { KubeError } from '../lib/k8s/client.js';
import type { Plan } from '../lib/plan/types.js';
import type { RenderedObject } from '../lib/render/context.js';
import { loadRepo } from '../lib/repo/load.js';
import { connect } from './kube.js';
import type { PlanActionOptions } from './plan.js';

export { kubeFailure } from './kube.js';

/** What the cluster says applying the plan would do, per object (server-side apply with dryRun=All). */
export async function addLive(o: PlanActionOptions, env: string, p: Plan, objects: RenderedObject[]): Promise<void> {
  const { repo } = loadRepo(o.repo, { onlyJobs: new Set() });
  const client = await connect(repo, env, {
    ...(o.context ? { context: o.context } : {}),
    ...(o.kubeconfig ? { kubeconfig: o.kubeconfig } : {}),
  });
  try {
    const project = projectOf(repo);
    if ('rule' in project) throw new KubeError(project.message, project.hint);
    const outcome = await applyObjects(client, { env, project: project.project, objects, dryRun: true });
    const byKey = new Map(outcome.results.map((r) => [`${r.kind}/${r.namespace}/${r.name}`, r]));
    for (const j of p.jobs) {
      for (const obj of j.objects) {
        const r = byKey.get(`${obj.kind}/${obj.namespace}/${obj.name}`);
        if (r) obj.live = { result: r.result, message: r.message };
      }
    }
  } finally {
    client.close();
  }
}
