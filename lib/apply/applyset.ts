import { createHash } from 'node:crypto';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { Repo } from '../repo/model.js';

/**
 * flinkops marks what it manages the ApplySet way (KEP-3659, as `kubectl apply --applyset`): every
 * object it applies carries `applyset.kubernetes.io/part-of: <id>`, and one parent ConfigMap per
 * environment and repository lists the kinds and namespaces its members may be in. Prune looks only
 * there, so an object someone else created — or another repository deployed — is never deleted.
 */
export const APPLYSET = {
  partOf: 'applyset.kubernetes.io/part-of',
  id: 'applyset.kubernetes.io/id',
  tooling: 'applyset.kubernetes.io/tooling',
  groupKinds: 'applyset.kubernetes.io/contains-group-kinds',
  namespaces: 'applyset.kubernetes.io/additional-namespaces',
} as const;

/** The repository an ApplySet belongs to, written on its parent for people reading the cluster. */
export const PROJECT_ANNOTATION = 'flinkops.io/repository';

/** One environment of one repository: what an ApplySet is the set of. */
export interface ApplySetRef {
  env: string;
  /** The repository's project path (`rent/flink-jobs`). */
  project: string;
}

/** Where flinkops keeps its own objects (the ApplySet parent, the apply Lease): $FLINKOPS_NAMESPACE, else `default`. */
export function systemNamespace(env: NodeJS.ProcessEnv = process.env): string {
  return env.FLINKOPS_NAMESPACE || 'default';
}

/** `flinkops-applyset-<env>-<10 hex of the project path>`: two repositories never share a parent. */
export function parentName(ref: ApplySetRef): string {
  const project = createHash('sha256').update(ref.project.toLowerCase()).digest('hex').slice(0, 10);
  return `flinkops-applyset-${ref.env}-${project}`;
}

/** The ApplySet id of a ConfigMap parent: base64url(sha256("<name>.<namespace>.ConfigMap.")), as the KEP specifies. */
export function applySetId(ref: ApplySetRef, namespace: string): string {
  const hash = createHash('sha256')
    .update(`${parentName(ref)}.${namespace}.ConfigMap.`)
    .digest('base64url');
  return `applyset-${hash}-v1`;
}

/** `FlinkDeployment.flink.apache.org` (the KEP's group-kind notation; core kinds have no group). */
export function groupKind(apiVersion: string, kind: string): string {
  const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
  return group ? `${kind}.${group}` : kind;
}

/**
 * Which repository this is: `repository:` in platform/owners.yaml (reviewed by the platform team),
 * checked against what the CI system says it runs in (`CI_PROJECT_PATH`, `GITHUB_REPOSITORY`), so a
 * fork or a copy of the files cannot act as the original. Without either, nothing is applied: an
 * unnamed repository would share its ApplySet with every other unnamed one and prune their jobs.
 */
export function projectOf(repo: Repo, env: NodeJS.ProcessEnv = process.env): { project: string } | Diagnostic {
  const file = 'platform/owners.yaml';
  const declared = repo.platform.owners?.spec.repository?.trim();
  const ci = (env.CI_PROJECT_PATH || env.GITHUB_REPOSITORY || '').trim();
  const where = repo.platform.owners?.yaml.at(['repository']) ?? { file, line: 1, column: 1 };
  if (declared && ci && declared.toLowerCase() !== ci.toLowerCase())
    return {
      severity: 'error',
      rule: 'apply/repository',
      message: `this pipeline runs in ${ci}, but ${file} says the jobs belong to ${declared}`,
      hint: 'a fork or copy must not manage the original repository’s jobs: change `repository:` only when the repository moves',
      ...where,
    };
  const project = declared || ci;
  if (!project)
    return {
      severity: 'error',
      rule: 'apply/repository',
      message: 'cannot tell which repository this is: what flinkops deploys is marked with it',
      hint: 'add `repository: <group>/<project>` to platform/owners.yaml (the GitLab project path or GitHub owner/name)',
      ...where,
    };
  return { project };
}
