import type { EnvSpec } from '../repo/model.js';

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
