import type { EnvSpec, Repo } from '../lib/repo/model.js';
import { ApiError, KubeClient, KubeError } from '../lib/k8s/client.js';
import type { ActionResult } from './result.js';

export interface KubeTarget {
  /** --context; default: the environment file's kubernetes.context. */
  context?: string;
  /** --kubeconfig; default: $KUBECONFIG, ~/.kube/config, or in-cluster. */
  kubeconfig?: string;
}

/** The cluster of an environment: --context, else the environment file's context. */
export function connect(repo: Repo, env: string, t: KubeTarget): Promise<KubeClient> {
  const spec: EnvSpec | undefined = repo.platform.envs.get(env)?.spec;
  const context = t.context ?? spec?.kubernetes?.context;
  return KubeClient.connect({
    ...(t.kubeconfig ? { kubeconfig: t.kubeconfig } : {}),
    ...(context ? { context } : {}),
    contextFromEnvFile: !t.context,
  });
}

/** A cluster problem as the CLI prints it: the message and its hint, exit 1, never a stack trace. */
export function kubeFailure(command: string, e: unknown, stdout = ''): ActionResult {
  if (e instanceof ApiError) {
    const hint =
      e.status === 401
        ? 'the kubeconfig credentials were refused: renew the token'
        : e.status === 403
          ? 'the kubeconfig user lacks a permission (see the message); ask the cluster admin'
          : undefined;
    e = new KubeError(`the Kubernetes API refused a request (${e.status}): ${e.message}`, hint);
  }
  if (!(e instanceof KubeError)) throw e;
  return { stdout, stderr: `flinkops ${command}: ${e.message}\n${e.hint ? `  hint: ${e.hint}\n` : ''}`, exitCode: 1 };
}
