import { ApiError, KubeError, type KubeClient } from './client.js';

/** How to address one kind: its plural resource name and whether it lives in a namespace. */
export interface Resource {
  apiVersion: string;
  kind: string;
  plural: string;
  namespaced: boolean;
}

interface ApiResourceList {
  resources: { name: string; kind: string; namespaced: boolean }[];
}

/**
 * Maps kinds to their REST paths from the server's discovery documents, one request per API
 * group version, shared by every request of a run (kubectl does the same through its RESTMapper).
 */
export class Resources {
  private readonly lists = new Map<string, Promise<ApiResourceList | undefined>>();

  constructor(private readonly client: KubeClient) {}

  async resolve(apiVersion: string, kind: string): Promise<Resource> {
    let list = this.lists.get(apiVersion);
    if (!list) {
      const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
      list = this.client.request<ApiResourceList>('GET', path).then(
        (r) => r.body,
        (e) => {
          if (e instanceof ApiError && e.status === 404) return undefined;
          throw e;
        },
      );
      this.lists.set(apiVersion, list);
    }
    const found = (await list)?.resources.find((r) => r.kind === kind && !r.name.includes('/'));
    if (!found) {
      throw new KubeError(
        `the cluster does not serve ${kind} in ${apiVersion}`,
        kind.startsWith('Flink')
          ? 'install the Apache Flink Kubernetes Operator (its CRDs) in the cluster'
          : "check the cluster's Kubernetes version against kubernetes.version in the environment file",
      );
    }
    return { apiVersion, kind, plural: found.name, namespaced: found.namespaced };
  }
}

/** The REST path of a collection (`name` absent) or of one object. */
export function resourcePath(r: Resource, namespace: string | undefined, name?: string, sub?: string): string {
  const base = r.apiVersion.includes('/') ? `/apis/${r.apiVersion}` : `/api/${r.apiVersion}`;
  const ns = r.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${base}${ns}/${r.plural}${name ? `/${encodeURIComponent(name)}` : ''}${sub ? `/${sub}` : ''}`;
}

/** The server's preferred version of a group (`flink.apache.org` → `flink.apache.org/v1beta1`); the core group is `v1`. */
export async function preferredApiVersion(client: KubeClient, group: string): Promise<string | undefined> {
  if (!group) return 'v1';
  try {
    const r = await client.request<{ preferredVersion?: { groupVersion?: string } }>('GET', `/apis/${group}`);
    return r.body.preferredVersion?.groupVersion;
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return undefined;
    throw e;
  }
}
