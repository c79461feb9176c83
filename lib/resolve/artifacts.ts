import type { EnvSpec, MavenRepository, UdfJar, VersionSpec } from '../repo/model.js';

/** The image's folder of job jars: the SQL runner and platform/versions.yaml `usrlib`. */
export const USRLIB_DIR = '/opt/flink/usrlib';

/** The runner is built per exact Flink release (flink/build.sh 1.20.4 → flinkops-sql-runner-1.20.4.jar). */
export function runnerJarFile(flink: string): string {
  return `flinkops-sql-runner-${flink}.jar`;
}

/**
 * The operator's default of `kubernetes.operator.user.artifacts.allowed-schemes`
 * (KubernetesOperatorConfigOptions.JAR_URI_ALLOWED_SCHEMES in flink-kubernetes-operator 1.15.0).
 */
export const OPERATOR_DEFAULT_ALLOWED_SCHEMES: readonly string[] = ['https'];

/** The schemes this environment's operator accepts in a FlinkSessionJob's jarURI. */
export function allowedSchemes(spec: EnvSpec): string[] {
  return (spec.operator?.allowedSchemes ?? OPERATOR_DEFAULT_ALLOWED_SCHEMES).map((s) => s.toLowerCase());
}

/** Session jobs run the runner the operator downloads from the environment's artifact location. */
export function sessionRunnerJarURI(spec: EnvSpec, flink: string): string | undefined {
  return spec.artifacts ? `${spec.artifacts.url}/${runnerJarFile(flink)}` : undefined;
}

/**
 * The operator's check of a FlinkSessionJob's jarURI (DefaultValidator.validateJarURI, 1.15.0):
 * a URI with a scheme from the allowlist and, for http(s), a host that is not loopback, link-local,
 * site-local, wildcard or multicast. The operator resolves host names; here only IP literals and
 * `localhost` can be judged, so the check never depends on the DNS of the machine running it.
 */
export function jarUriProblem(uri: string, allowed: readonly string[]): string | undefined {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):(.*)$/s.exec(uri);
  if (!m) return `jarURI "${uri}" has no scheme`;
  const scheme = m[1]!.toLowerCase();
  if (!allowed.includes(scheme)) {
    return `jarURI scheme '${scheme}' is not in the operator's allowlist [${allowed.join(', ')}]${
      scheme === 'local' ? ': the operator downloads a session job’s jar itself, so a local:// jar cannot work' : ''
    }`;
  }
  if (scheme !== 'http' && scheme !== 'https') return undefined;
  let host: string;
  try {
    host = new URL(uri).hostname;
  } catch {
    return `jarURI "${uri}" is not a valid URI`;
  }
  if (!host) return 'jarURI must include a host for http/https schemes';
  if (restrictedHost(host)) return `jarURI host '${host}' is a restricted address (the operator refuses it)`;
  return undefined;
}

/** Loopback, link-local, site-local (RFC 1918, fec0::/10), wildcard and multicast: java.net.InetAddress's categories. */
function restrictedHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  const v4 = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(h);
  if (v4) {
    const [a, b] = [Number(v4[1]), Number(v4[2])];
    return (
      a === 0 ||
      a === 127 ||
      a === 10 ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 169 && b === 254) ||
      (a >= 224 && a <= 239)
    );
  }
  if (h.includes(':')) return h === '::' || h === '::1' || /^(fe[89ab]|fe[c-f]|ff)/.test(h);
  return false;
}

/** Maven coordinates `group:artifact:version[:classifier]` → the jar's path in a Maven repository and its file name. */
export function mavenPath(coordinate: string): { path: string; file: string } {
  const [group, artifact, version, classifier] = coordinate.split(':') as [string, string, string, string?];
  const file = `${artifact}-${version}${classifier ? `-${classifier}` : ''}.jar`;
  return { path: `${group.replaceAll('.', '/')}/${artifact}/${version}/${file}`, file };
}

/** A coordinate the `jar` scaffold leaves for the user to fill in. */
export function isPlaceholder(coordinate: string): boolean {
  return coordinate.split(':').some((part) => /^TODO\b/i.test(part));
}

/** Where the cluster downloads a jar declared by Maven coordinates from. */
export function mavenUrl(repo: MavenRepository, coordinate: string): string {
  return `${repo.url}/${mavenPath(coordinate).path}`;
}

/** A declared jar, and the URI Flink (or the operator) downloads it from in this environment. */
export interface DeliveredJar {
  declared: UdfJar;
  /** `maven:` coordinates are delivered from the environment's Maven repository; undefined when it has none. */
  uri: string | undefined;
  file: string;
}

export function deliveredJar(spec: EnvSpec, declared: UdfJar): DeliveredJar {
  if (declared.maven !== undefined)
    return {
      declared,
      uri: spec.maven ? mavenUrl(spec.maven, declared.maven) : undefined,
      file: jarFileName(declared),
    };
  return { declared, uri: declared.uri, file: jarFileName(declared) };
}

/** The name a declared jar is fetched under: Maven's `<artifact>-<version>[-<classifier>].jar`, or the URI's last segment. */
export function jarFileName(declared: UdfJar): string {
  return declared.maven !== undefined
    ? mavenPath(declared.maven).file
    : declared.uri.slice(declared.uri.lastIndexOf('/') + 1);
}

/**
 * Where Flink's native Kubernetes application entrypoint puts what it fetches
 * (KubernetesApplicationClusterEntrypoint.generateJarDir: `user.artifacts.base-dir`/namespace/cluster-id;
 * the base dir's default, ArtifactFetchOptions.BASE_DIR, is /opt/flink/artifacts).
 */
export const ARTIFACTS_BASE_DIR = '/opt/flink/artifacts';

export function fetchedArtifactPath(namespace: string, clusterId: string, file: string): string {
  return `${ARTIFACTS_BASE_DIR}/${namespace}/${clusterId}/${file}`;
}

/** The `local://` jars an image of this version line carries (what `flinkops image render` puts there). */
export function imageLocalJars(v: VersionSpec): Map<string, string> {
  const usrlibDir = USRLIB_DIR;
  const out = new Map<string, string>();
  out.set(`local://${usrlibDir}/${runnerJarFile(v.flink)}`, 'the flinkops SQL runner');
  if (v.paimonActionJar) out.set(v.paimonActionJar, 'paimonActionJar');
  for (const c of v.connectors ?? []) {
    const maven = typeof c === 'string' ? c : c.maven;
    out.set(`local:///opt/flink/lib/${mavenPath(maven).file}`, maven);
  }
  for (const m of v.usrlib ?? []) out.set(`local://${usrlibDir}/${mavenPath(m).file}`, m);
  return out;
}

/** `USING JAR '…'` / `ADD JAR '…'` in one statement: each path and its offset in the statement's text. */
export function sqlJarPaths(text: string): { path: string; offset: number; how: 'USING JAR' | 'ADD JAR' }[] {
  const out: { path: string; offset: number; how: 'USING JAR' | 'ADD JAR' }[] = [];
  // Both forms spell JAR, which blanking comments never creates: most statements need no blanking.
  if (!/jar/i.test(text)) return out;
  const code = withoutComments(text);
  const add = /^\s*ADD\s+JAR\s+'((?:[^']|'')*)'/i.exec(code);
  if (add)
    out.push({ path: add[1]!.replaceAll("''", "'"), offset: add[0].length - add[1]!.length - 2, how: 'ADD JAR' });
  const using = /\bUSING\s+(JAR\s+'(?:[^']|'')*'(?:\s*,\s*JAR\s+'(?:[^']|'')*')*)/gi;
  for (let m = using.exec(code); m; m = using.exec(code)) {
    const list = /JAR\s+'((?:[^']|'')*)'/gi;
    const base = m.index + m[0].length - m[1]!.length;
    for (let j = list.exec(m[1]!); j; j = list.exec(m[1]!))
      out.push({
        path: j[1]!.replaceAll("''", "'"),
        offset: base + j.index + j[0].length - j[1]!.length - 2,
        how: 'USING JAR',
      });
  }
  return out;
}

/**
 * Flink configuration that puts jars on a job's classpath, or moves where they are fetched to, behind
 * udfJars' back: PipelineOptions.JARS and CLASSPATHS (flink-core), ArtifactFetchOptions.ARTIFACT_LIST
 * and BASE_DIR (flink-clients; render sets the list and the runner reads the fetched files from the base dir).
 */
export const JAR_CONF_KEYS: readonly string[] = [
  'pipeline.jars',
  'pipeline.classpaths',
  'user.artifacts.artifact-list',
  'user.artifacts.base-dir',
];

export function isJarConfKey(key: string): boolean {
  return JAR_CONF_KEYS.includes(key.trim().toLowerCase());
}

/** A `SET 'key' = …` (or unquoted `SET key = …`) of one of JAR_CONF_KEYS: the key and its offset in the statement. */
export function jarConfSet(text: string): { key: string; offset: number } | undefined {
  const m = /^(\s*SET\s+)(?:'((?:[^']|'')*)'|([A-Za-z0-9_.-]+))/i.exec(withoutComments(text));
  if (!m) return undefined;
  const key = (m[2] ?? m[3]!).replaceAll("''", "'");
  return isJarConfKey(key) ? { key, offset: m[1]!.length } : undefined;
}

/**
 * The statement with its comments blanked to spaces (offsets unchanged); quoted strings and identifiers are
 * kept whole, so a `--` or `/*` inside a jar path is part of the path.
 */
function withoutComments(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    let end: number;
    if (c === "'" || c === '"' || c === '`') {
      end = i + 1;
      while (end < text.length && !(text[end] === c && text[end + 1] !== c)) end += text[end] === c ? 2 : 1;
      end = Math.min(end + 1, text.length);
      out += text.slice(i, end);
    } else if (text.startsWith('--', i) || text.startsWith('/*', i)) {
      const close = c === '-' ? text.indexOf('\n', i) : text.indexOf('*/', i + 2);
      end = close < 0 ? text.length : c === '-' ? close : close + 2;
      out += text.slice(i, end).replace(/[^\n]/g, ' ');
    } else {
      end = i + 1;
      out += c;
    }
    i = end;
  }
  return out;
}
