import { ApiError, isFieldConflict, type KubeClient, type KubeResponse } from './client.js';
import type { KubeObject } from './objects.js';
import { resourcePath, type Resources } from './resources.js';

export interface ServerSideApplyOptions {
  fieldManager: string;
  /** Take over fields another manager owns (kubectl --force-conflicts). */
  force?: boolean;
  /** The server's dry run: admission and validation run, nothing is stored. */
  dryRun?: boolean;
}

/** Server-side apply of one object: the API server merges it and records `fieldManager` as the owner of its fields. */
export async function serverSideApply(
  client: KubeClient,
  resources: Resources,
  object: KubeObject,
  o: ServerSideApplyOptions,
): Promise<KubeResponse<KubeObject>> {
  const r = await resources.resolve(object.apiVersion, object.kind);
  return client.request<KubeObject>('PATCH', resourcePath(r, object.metadata.namespace, object.metadata.name), {
    body: object,
    // JSON is YAML: the apply patch type takes either.
    contentType: 'application/apply-patch+yaml',
    query: { fieldManager: o.fieldManager, force: o.force ? 'true' : undefined, dryRun: o.dryRun ? 'All' : undefined },
  });
}

export async function deleteObject(
  client: KubeClient,
  resources: Resources,
  o: { apiVersion: string; kind: string; namespace?: string; name: string },
  dryRun = false,
): Promise<void> {
  const r = await resources.resolve(o.apiVersion, o.kind);
  try {
    await client.request('DELETE', resourcePath(r, o.namespace, o.name), {
      query: { dryRun: dryRun ? 'All' : undefined, propagationPolicy: 'Background' },
    });
  } catch (e) {
    // Already gone is the end state we wanted.
    if (!(e instanceof ApiError && e.status === 404)) throw e;
  }
}

export async function getObject(
  client: KubeClient,
  resources: Resources,
  o: { apiVersion: string; kind: string; namespace?: string; name: string },
): Promise<KubeObject | undefined> {
  const r = await resources.resolve(o.apiVersion, o.kind);
  try {
    return (await client.request<KubeObject>('GET', resourcePath(r, o.namespace, o.name))).body;
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return undefined;
    throw e;
  }
}

export async function listObjects(
  client: KubeClient,
  resources: Resources,
  apiVersion: string,
  kind: string,
  namespace: string | undefined,
  labelSelector?: string,
): Promise<KubeObject[]> {
  const r = await resources.resolve(apiVersion, kind);
  const out: KubeObject[] = [];
  let cont: string | undefined;
  do {
    const page = await client.request<{ items: KubeObject[]; metadata?: { continue?: string } }>(
      'GET',
      resourcePath(r, namespace),
      { query: { labelSelector, limit: '500', continue: cont } },
    );
    // Lists leave apiVersion and kind off their items.
    for (const item of page.body.items ?? []) out.push({ ...item, apiVersion, kind });
    cont = page.body.metadata?.continue || undefined;
  } while (cont);
  return out;
}

/** A refusal explained in one line: the server's message, and for a conflict, who owns which fields. */
export function explainRefusal(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.status === 409 && isFieldConflict(e.body)) {
      const causes = (e.body?.details?.causes ?? []).filter((c) => (c.reason ?? c.type) === 'FieldManagerConflict');
      const fields = causes
        .map((c) => `${c.field ?? '?'} (${/with "([^"]+)"/.exec(c.message ?? '')?.[1] ?? c.message})`)
        .join(', ');
      return `conflict: another field manager changed fields flinkops owns: ${fields}; change them in Git, or apply with --force-conflicts to take them back`;
    }
    const what =
      e.status === 403
        ? 'forbidden'
        : e.status === 422
          ? 'invalid'
          : e.status === 404
            ? 'not found'
            : `HTTP ${e.status}`;
    return `${what}: ${e.message}`;
  }
  return (e as Error).message;
}
