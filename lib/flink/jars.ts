import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { EnvSpec, Job, UdfJar } from '../repo/model.js';
import { mavenPath } from '../resolve/artifacts.js';
import { cacheDir } from './launch.js';

/** A declared jar as the helper gets it: the key a USING JAR / ADD JAR of the SQL names, and a local file. */
export interface LocalJar {
  uri: string;
  path: string;
}

export interface ResolvedJars {
  jars: LocalJar[];
  diagnostics: Diagnostic[];
}

/** The local Maven repository (Maven's default; `mvn install` puts a team's jars there). */
function localMavenRepository(): string {
  return path.join(homedir(), '.m2', 'repository');
}

/** What the helper calls a jar declared by coordinates (no SQL names it: it is on the classpath). */
export function jarKey(u: UdfJar): string {
  return u.maven !== undefined ? `maven:${u.maven}` : u.uri;
}

/**
 * The job's udfJars as local files, for `preview` and `validate --deep`: by coordinates from
 * ~/.m2/repository, the flinkops cache, or the environment's Maven repository (downloaded into the
 * cache, with basic authentication from the environment variables it names); by http(s) URI downloaded
 * into the cache. What cannot be had is a diagnostic at the job.yaml entry, never a stack trace.
 */
export async function resolveUdfJars(job: Job, env: string, spec: EnvSpec | undefined): Promise<ResolvedJars> {
  const declared = job.job?.spec.udfJars ?? [];
  const out: ResolvedJars = { jars: [], diagnostics: [] };
  for (const [i, u] of declared.entries()) {
    const at = job.job!.yaml.at(['udfJars', i, u.maven !== undefined ? 'maven' : 'uri']);
    const fail = (message: string, hint: string) =>
      out.diagnostics.push({ severity: 'error', rule: 'job/udf-jar-unresolved', message, hint, ...at, job: job.id });
    if (u.maven !== undefined) {
      const { path: rel } = mavenPath(u.maven);
      const local = path.join(localMavenRepository(), rel);
      const cached = path.join(cacheDir(), 'maven', rel);
      if (existsSync(local)) out.jars.push({ uri: jarKey(u), path: local });
      else if (existsSync(cached)) out.jars.push({ uri: jarKey(u), path: cached });
      else if (!spec?.maven)
        fail(
          `udf jar ${u.maven} is not in ~/.m2/repository, and platform/envs/${env}.yaml names no Maven repository to download it from`,
          `add maven: { url: … } to platform/envs/${env}.yaml, or install the jar locally (mvn install)`,
        );
      else {
        const url = `${spec.maven.url}/${rel}`;
        const got = await download(url, cached, spec.maven.credentials);
        if (got === undefined) out.jars.push({ uri: jarKey(u), path: cached });
        else
          fail(
            `udf jar ${u.maven} cannot be resolved: not in ~/.m2/repository, and ${url}: ${got}`,
            spec.maven.credentials && /^https?:/.test(url) && !process.env[spec.maven.credentials.usernameEnv]
              ? `set ${spec.maven.credentials.usernameEnv} and ${spec.maven.credentials.passwordEnv} (the repository's credentials), or check the coordinates`
              : 'check the coordinates (group:artifact:version) and that the jar is published to the repository',
          );
      }
      continue;
    }
    if (/^https?:/i.test(u.uri)) {
      const cached = path.join(
        cacheDir(),
        'jars',
        createHash('sha256').update(u.uri).digest('hex').slice(0, 16),
        path.posix.basename(new URL(u.uri).pathname),
      );
      const got = existsSync(cached) ? undefined : await download(u.uri, cached, undefined);
      if (got === undefined) out.jars.push({ uri: jarKey(u), path: cached });
      else
        fail(`udf jar ${u.uri} cannot be downloaded: ${got}`, 'check the URI, or declare the jar by Maven coordinates');
    } else
      out.diagnostics.push({
        severity: 'warning',
        rule: 'job/udf-jar-unresolved',
        message: `udf jar ${u.uri} cannot be loaded on this machine (${u.uri.split(':')[0]}://): the functions it provides are not checked`,
        hint: 'declare the jar by Maven coordinates (udfJars: - maven: group:artifact:version) to have preview and validate --deep load it',
        ...at,
        job: job.id,
      });
  }
  return out;
}

/** No UDF jar is this big; a repository or URI that serves more is refused rather than filling the disk or memory. */
export const MAX_JAR_BYTES = 512 * 1024 * 1024;

/** The response's bytes, or why not: more than MAX_JAR_BYTES, by its declared length or as it streams. */
async function boundedBody(r: Response): Promise<Buffer | string> {
  const tooBig = `larger than ${MAX_JAR_BYTES} bytes, refused`;
  if (Number(r.headers.get('content-length') ?? 0) > MAX_JAR_BYTES) {
    await r.body?.cancel();
    return tooBig;
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = r.body?.getReader();
  for (let c = await reader?.read(); c && !c.done; c = await reader!.read()) {
    size += c.value.byteLength;
    if (size > MAX_JAR_BYTES) {
      await reader!.cancel();
      return tooBig;
    }
    chunks.push(c.value);
  }
  return Buffer.concat(chunks);
}

/** Downloads `url` to `file` (atomically); undefined when it worked, else why not. */
async function download(
  url: string,
  file: string,
  credentials: { usernameEnv: string; passwordEnv: string } | undefined,
): Promise<string | undefined> {
  mkdirSync(path.dirname(file), { recursive: true });
  const partial = `${file}.${process.pid}.part`;
  if (url.startsWith('file:')) {
    const source = fileURLToPath(url);
    if (!existsSync(source)) return 'no such file in the repository';
    copyFileSync(source, partial);
    renameSync(partial, file);
    return undefined;
  }
  const headers: Record<string, string> = {};
  if (credentials) {
    const user = process.env[credentials.usernameEnv];
    const password = process.env[credentials.passwordEnv];
    if (user && password) headers.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  }
  try {
    const r = await fetch(url, { headers, redirect: 'follow', signal: AbortSignal.timeout(60_000) });
    if (!r.ok) return `HTTP ${r.status}${r.statusText ? ` ${r.statusText}` : ''}`;
    // A redirect from https to plain http would hand code to whoever is on the path.
    if (/^https:/i.test(url) && !/^https:/i.test(r.url)) {
      await r.body?.cancel();
      return `redirected from https to ${new URL(r.url).protocol}, refused`;
    }
    const body = await boundedBody(r);
    if (typeof body === 'string') return body;
    writeFileSync(partial, body);
    renameSync(partial, file);
    return undefined;
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    return cause?.code ?? cause?.message ?? (e as Error).message;
  }
}
