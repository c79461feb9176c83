import type { KubeObject } from '../k8s/objects.js';

/** `finished`: a batch job's run ended FINISHED — it succeeded (a streaming job never finishes by itself). */
export type Health = 'healthy' | 'finished' | 'suspended' | 'progressing' | 'failed';

export interface HealthReport {
  health: Health;
  /** Why, in the operator's words: `lifecycleState STABLE, job RUNNING`, or the error. */
  message: string;
}

/** Flink objects have a health; everything else is healthy as soon as the server stored it. */
export function hasHealth(kind: string): boolean {
  return kind === 'FlinkDeployment' || kind === 'FlinkSessionJob';
}

/**
 * The health of a FlinkDeployment or FlinkSessionJob from its status, as the operator writes it.
 * Healthy: the operator has seen this generation, the lifecycle is STABLE and the job RUNNING (a
 * session cluster: its JobManager READY). FAILED, ROLLED_BACK and an error the operator reports
 * for this generation fail; a job suspended on purpose is `suspended`, not a failure.
 * `errorBefore` is the error the object carried before the apply: a stale one is not news.
 */
export function healthOf(o: KubeObject, errorBefore?: string): HealthReport {
  const s = o.status ?? {};
  const generation = o.metadata.generation ?? 0;
  const observed = typeof s.observedGeneration === 'number' ? s.observedGeneration : undefined;
  const caughtUp = observed !== undefined && observed >= generation;
  const lifecycle = String(s.lifecycleState ?? '');
  const jobState = String(s.jobStatus?.state ?? '');
  const error = typeof s.error === 'string' && s.error ? s.error : undefined;
  const detail =
    [lifecycle && `lifecycleState ${lifecycle}`, jobState && `job ${jobState}`].filter(Boolean).join(', ') ||
    'no status yet';

  // A FAILED left over from the previous generation says nothing about this one.
  if (caughtUp && (lifecycle === 'FAILED' || lifecycle === 'ROLLED_BACK'))
    return { health: 'failed', message: `${detail}${error ? `: ${shortError(error)}` : ''}` };
  if (error && (caughtUp || (errorBefore !== undefined && error !== errorBefore)))
    return { health: 'failed', message: `${detail}: ${shortError(error)}` };
  if (!caughtUp)
    return {
      health: 'progressing',
      message: `the operator has not seen generation ${generation} yet (observed ${observed ?? 'none'})`,
    };
  const wantsSuspended = o.spec?.job?.state === 'suspended';
  if (wantsSuspended)
    return lifecycle === 'SUSPENDED'
      ? { health: 'suspended', message: detail }
      : { health: 'progressing', message: detail };
  const isSessionCluster = o.kind === 'FlinkDeployment' && !o.spec?.job;
  if (isSessionCluster)
    return lifecycle === 'STABLE' || s.jobManagerDeploymentStatus === 'READY'
      ? { health: 'healthy', message: `JobManager ${s.jobManagerDeploymentStatus ?? 'READY'}, ${detail}` }
      : { health: 'progressing', message: detail };
  if (lifecycle === 'STABLE' && jobState === 'RUNNING') return { health: 'healthy', message: detail };
  // The operator keeps lifecycleState STABLE (or DEPLOYED) for a job that ran to its end (CommonStatus#getLifecycleState).
  if ((lifecycle === 'STABLE' || lifecycle === 'DEPLOYED') && jobState === 'FINISHED')
    return { health: 'finished', message: `${detail} (the run succeeded)` };
  if (jobState === 'FAILED') return { health: 'failed', message: detail };
  return { health: 'progressing', message: detail };
}

/** The operator's errors are JSON with a Java stack trace: the first line says what happened. */
function shortError(error: string): string {
  try {
    const parsed = JSON.parse(error) as { message?: string };
    if (parsed.message) return parsed.message.split('\n')[0]!;
  } catch {
    // plain text
  }
  return error.split('\n')[0]!.slice(0, 500);
}

/** Where a suspended job's state went: the upgrade savepoint, else the last savepoint. */
export function savepointOf(o: KubeObject): string | undefined {
  const js = o.status?.jobStatus ?? {};
  return js.upgradeSavepointPath || js.savepointInfo?.lastSavepoint?.location || undefined;
}
