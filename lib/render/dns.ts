import type { EnvSpec } from '../repo/model.js';
import { emitPlatformConfigMap, once, type RenderContext } from './context.js';
import type { PodParts } from './podTemplate.js';

type Dns = NonNullable<EnvSpec['dns']>;

/** The environment's dnsmasq reads its hosts from this ConfigMap (`addn-hosts`), so a DNS change is one reviewed commit. */
export const DNSMASQ_CONFIGMAP = { namespace: 'flinkops-system', name: 'dnsmasq-hosts', key: 'hosts' } as const;
/** `dns.mode: resolvConf`: this ConfigMap, in each job namespace, is mounted over /etc/resolv.conf. */
export const RESOLV_CONF_CONFIGMAP = 'flinkops-resolv-conf';

export function dnsMode(dns: Dns | undefined): NonNullable<Dns['mode']> {
  return dns?.mode ?? 'dnsConfig';
}

/**
 * Adds name resolution to a pod template. `dnsConfig` (the default) changes pods' resolv.conf
 * through the pod spec; the host list itself lives in dnsmasq, so changing a host never restarts
 * a job. `hostAliases` writes the hosts into every pod (a change restarts every job).
 */
export function addDns(ctx: RenderContext, namespace: string, parts: PodParts): void {
  const dns = ctx.spec.dns;
  const mode = dnsMode(dns);
  if (mode === 'dnsConfig') {
    if (!dns?.nameservers?.length) {
      ctx.diagnostics.push({
        severity: 'error',
        rule: 'render/dns',
        message: 'dns.mode dnsConfig needs at least one name server',
        hint: 'add dns.nameservers (e.g. the dnsmasq service address), or set dns.mode: default',
        ...ctx.envFile.yaml.at(['dns']),
      });
      return;
    }
    parts.spec.dnsPolicy = 'None';
    parts.spec.dnsConfig = {
      nameservers: dns.nameservers,
      ...(dns.searches?.length ? { searches: dns.searches } : {}),
      ...(dns.options
        ? {
            options: Object.keys(dns.options)
              .sort()
              .map((name) => ({ name, value: dns.options![name] })),
          }
        : {}),
    };
  } else if (mode === 'resolvConf') {
    addResolvConfMap(ctx, namespace);
    parts.volumes.push({ name: 'flinkops-resolv-conf', configMap: { name: RESOLV_CONF_CONFIGMAP } });
    parts.mounts.push({
      name: 'flinkops-resolv-conf',
      mountPath: '/etc/resolv.conf',
      subPath: 'resolv.conf',
      readOnly: true,
    });
  }
  if (dns?.hostAliases && dns.hosts?.length) {
    parts.spec.hostAliases = dns.hosts.map((h) => ({ ip: h.ip, hostnames: h.names }));
  }
}

export function resolvConf(dns: Dns | undefined): string {
  const lines = (dns?.nameservers ?? []).map((n) => `nameserver ${n}`);
  if (dns?.searches?.length) lines.push(`search ${dns.searches.join(' ')}`);
  const opts = Object.keys(dns?.options ?? {})
    .sort()
    .map((k) => (dns!.options![k] === '' ? k : `${k}:${dns!.options![k]}`));
  if (opts.length) lines.push(`options ${opts.join(' ')}`);
  return `${lines.join('\n')}\n`;
}

function addResolvConfMap(ctx: RenderContext, namespace: string): void {
  once(ctx, 'ConfigMap', namespace, RESOLV_CONF_CONFIGMAP, () =>
    emitPlatformConfigMap(ctx, namespace, RESOLV_CONF_CONFIGMAP, `platform/envs/${ctx.env}.yaml`, {
      'resolv.conf': resolvConf(ctx.spec.dns),
    }),
  );
}

/** The dnsmasq hosts file: one `ip name…` line per entry of dns.hosts. */
export function addDnsmasqHosts(ctx: RenderContext): void {
  const hosts = ctx.spec.dns?.hosts ?? [];
  if (!hosts.length) return;
  const { name, namespace, key } = DNSMASQ_CONFIGMAP;
  emitPlatformConfigMap(ctx, namespace, name, `platform/envs/${ctx.env}.yaml`, {
    [key]: `${hosts.map((h) => `${h.ip} ${h.names.join(' ')}`).join('\n')}\n`,
  });
}
