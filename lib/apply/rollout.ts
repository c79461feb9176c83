import type { KubeClient } from '../k8s/client.js';
import type { Resources } from '../k8s/resources.js';
import type { RolloutWave } from '../resolve/rollout.js';
import { type ApplyInput, applyObjects, type ObjectResult } from './applyObjects.js';
import { waitForHealth, waitTargets, type WaitOptions, type WaitResult } from './wait.js';

/**
 * How one wave went: `healthy` (its changed jobs are), `unchanged` (nothing of it changed),
 * `applied` (not waited for), `stopped` (a failure), `not-applied`.
 */
export interface WaveReport {
  name: string;
  jobs: string[];
  result: 'healthy' | 'unchanged' | 'applied' | 'stopped' | 'not-applied';
  /** Why the rollout stopped here: the objects that failed or did not become healthy. */
  reason?: string;
  /** What this wave applied, and the health it waited for. */
  results: ObjectResult[];
  health: WaitResult[];
}

export interface RolloutOutcome {
  results: ObjectResult[];
  health: WaitResult[];
  waves: WaveReport[];
}

/**
 * Applies an environment wave by wave. Objects shared by jobs (namespaces, shared ConfigMaps,
 * session clusters) go with the first wave. After each wave all of its Flink objects, changed or not,
 * must be healthy as the operator reports it — lifecycleState STABLE and job RUNNING (or
 * suspended by Git, or a batch run FINISHED) — before the next wave is sent; `waitLast` waits for
 * the last one too. A failed object or an unhealthy job stops the rollout: the waves after it are
 * reported `not-applied`, and nothing of them is sent.
 */
export async function applyInWaves(
  client: KubeClient,
  resources: Resources,
  waves: RolloutWave[],
  input: ApplyInput,
  o: WaitOptions & { waitLast: boolean },
): Promise<RolloutOutcome> {
  const waveOf = new Map(waves.flatMap((w, i) => w.jobs.map((j) => [j, i] as const)));
  const objectsOf = waves.map((_, i) =>
    input.objects.filter((r) => (r.job !== undefined && waveOf.has(r.job) ? waveOf.get(r.job)! : 0) === i),
  );
  const results: ObjectResult[] = [];
  const health: WaitResult[] = [];
  const reports: WaveReport[] = [];
  let stopped = false;
  for (const [i, wave] of waves.entries()) {
    if (stopped) {
      reports.push({ name: wave.name, jobs: wave.jobs, result: 'not-applied', results: [], health: [] });
      continue;
    }
    const outcome = await applyObjects(client, { ...input, objects: objectsOf[i]! }, resources);
    results.push(...outcome.results);
    const failed = outcome.results.filter((r) => r.result === 'failed');
    const wait = !input.dryRun && !failed.length && (i < waves.length - 1 || o.waitLast);
    const targets = waitTargets(outcome, true);
    const waveHealth = wait ? await waitForHealth(client, resources, targets, o) : [];
    health.push(...waveHealth);
    const unhealthy = waveHealth.filter((h) => h.health === 'failed' || h.health === 'timeout');
    const bad = [
      ...failed.map((r) => `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name} failed`),
      ...unhealthy.map((h) => `${h.kind} ${h.namespace}/${h.name} ${h.health}: ${h.message}`),
    ];
    stopped = bad.length > 0;
    reports.push({
      name: wave.name,
      jobs: wave.jobs,
      result: stopped
        ? 'stopped'
        : outcome.results.every((r) => r.result === 'unchanged')
          ? 'unchanged'
          : wait
            ? 'healthy'
            : 'applied',
      ...(stopped ? { reason: bad.join('; ') } : {}),
      results: outcome.results,
      health: waveHealth,
    });
  }
  return { results, health, waves: reports };
}
