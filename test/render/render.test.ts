import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { toYaml } from '../../lib/render/serialize.js';
import { Fixture, PROJECT } from '../support/fixture.js';
import { COMMIT, expectGolden, renderAt } from './support.js';

let fx: Fixture;
beforeEach(() => {
  fx = new Fixture();
});
afterEach(() => fx.dispose());

describe('render: the sample repository', () => {
  for (const env of ['test', 'prod']) {
    it(`renders ${env} with no problems, every object valid against the Kubernetes schemas and the operator CRDs`, () => {
      const r = renderAt(PROJECT, env);
      expect(r.diagnostics).toEqual([]);
      const types = new Set(r.objects.map((o) => `${o.apiVersion}/${o.kind}`));
      // Alerting (platform/alerts.yaml) is on in prod only.
      const alerting =
        env === 'prod' ? ['monitoring.coreos.com/v1/PodMonitor', 'monitoring.coreos.com/v1/PrometheusRule'] : [];
      expect([...types].sort()).toEqual([
        'flink.apache.org/v1beta1/FlinkDeployment',
        'flink.apache.org/v1beta1/FlinkSessionJob',
        ...alerting,
        'networking.k8s.io/v1/Ingress',
        'v1/ConfigMap',
      ]);
      // 9 application-mode jobs and the session cluster; one session job.
      expect(r.objects.filter((o) => o.kind === 'FlinkDeployment')).toHaveLength(10);
      expect(r.objects.filter((o) => o.kind === 'FlinkSessionJob').map((o) => o.name)).toEqual(['viewings-funnel']);
    });
  }

  it('is deterministic: byte-identical across runs, sorted by namespace, kind, name', () => {
    const a = renderAt(PROJECT, 'prod').stream;
    const b = renderAt(PROJECT, 'prod').stream;
    expect(a).toBe(b);
    const objects = renderAt(PROJECT, 'prod').objects;
    const keys = objects.map((o) => [o.namespace, o.kind, o.name].join('\0'));
    expect(keys).toEqual([...keys].sort());
  });

  it('reads back the same objects with a YAML 1.1 parser (kubectl) and a YAML 1.2 parser', () => {
    for (const o of renderAt(PROJECT, 'test').objects) {
      const text = toYaml(o);
      for (const version of ['1.1', '1.2'] as const) {
        const docs = parseAllDocuments(text, { version });
        expect(docs).toHaveLength(1);
        expect(JSON.parse(JSON.stringify(docs[0]!.toJS()))).toEqual(JSON.parse(JSON.stringify(o.object)));
      }
    }
  });
});

describe('render: golden files, one per kind of job', () => {
  const cases: [string, string, string][] = [
    ['sql-application.yaml', 'test', 'datasync/kafka-orders-to-paimon'],
    ['sql-catalogs-secrets.yaml', 'prod', 'datasync/mysql-contracts-to-paimon'],
    ['jar.yaml', 'prod', 'acquisition/listing-score'],
    ['paimon-action.yaml', 'test', 'datasync/paimon-compact-orders'],
    ['session.yaml', 'test', 'acquisition/viewings-funnel'],
    ['flink-2.x.yaml', 'prod', 'rental/rental-metrics-1m'],
  ];
  for (const [golden, env, job] of cases) {
    it(`${job} in ${env}`, () => {
      const r = renderAt(fx.root, env, [job]);
      expect(r.diagnostics).toEqual([]);
      expectGolden(golden, r.stream);
    });
  }
});

describe('render: Ingress and DNS modes', () => {
  const JOB = 'rental/orders-enrich-house';
  const ingressOf = (stream: string) =>
    stream
      .split('---\n')
      .filter((d) => d.includes('kind: Ingress'))
      .join('---\n');

  it('writes networking.k8s.io/v1 from Kubernetes 1.19 (1.28 here)', () => {
    const r = renderAt(fx.root, 'prod', [JOB], { kubernetesVersion: '1.28' });
    expect(r.diagnostics).toEqual([]);
    expectGolden('ingress-k8s-1.28.yaml', ingressOf(r.stream));
  });

  it('writes networking.k8s.io/v1beta1 below 1.19 (1.18 here), from the environment file or the cluster', () => {
    const fromCluster = renderAt(fx.root, 'prod', [JOB], { kubernetesVersion: 'v1.18.20' });
    expect(fromCluster.diagnostics).toEqual([]);
    expectGolden('ingress-k8s-1.18.yaml', ingressOf(fromCluster.stream));
    fx.edit('platform/envs/prod.yaml', 'version: "1.28"', 'version: "1.18"');
    expect(ingressOf(renderAt(fx.root, 'prod', [JOB]).stream)).toBe(ingressOf(fromCluster.stream));
  });

  it('ingress.mode: operator puts the operator’s spec.ingress on the FlinkDeployment instead', () => {
    fx.edit('platform/envs/prod.yaml', 'mode: ingress', 'mode: operator');
    const r = renderAt(fx.root, 'prod', [JOB]);
    expect(r.diagnostics).toEqual([]);
    expect(r.objects.some((o) => o.kind === 'Ingress')).toBe(false);
    expectGolden(
      'ingress-operator.yaml',
      r.objects
        .filter((o) => o.kind === 'FlinkDeployment')
        .map(toYaml)
        .join('---\n'),
    );
  });

  it('no snippet annotations; a public UI cannot cancel jobs; ingress.auth puts the UI behind an external auth URL', () => {
    const conf = (r: ReturnType<typeof renderAt>) =>
      (
        r.objects.find((o) => o.kind === 'FlinkDeployment')!.object.spec as {
          flinkConfiguration: Record<string, string>;
        }
      ).flinkConfiguration;
    const open = renderAt(fx.root, 'prod', [JOB]);
    expect(open.stream).not.toContain('snippet');
    expect(conf(open)['web.cancel.enable']).toBe('false');
    fx.edit(
      'platform/envs/prod.yaml',
      '  className: nginx\n',
      '  className: nginx\n  auth:\n    url: https://sso.rent.example/oauth2/auth\n    signin: https://sso.rent.example/oauth2/start\n    responseHeaders: [X-User, X-Email]\n',
    );
    const authed = renderAt(fx.root, 'prod', [JOB]);
    expect(authed.diagnostics).toEqual([]);
    const ingress = authed.objects.find((o) => o.kind === 'Ingress')!.object.metadata as {
      annotations: Record<string, string>;
    };
    expect(ingress.annotations).toMatchObject({
      'nginx.ingress.kubernetes.io/auth-url': 'https://sso.rent.example/oauth2/auth',
      'nginx.ingress.kubernetes.io/auth-signin': 'https://sso.rent.example/oauth2/start',
      'nginx.ingress.kubernetes.io/auth-response-headers': 'X-User,X-Email',
    });
    expect(conf(authed)['web.cancel.enable']).toBeUndefined();
  });

  it('dns.mode: resolvConf mounts a resolv.conf ConfigMap through the pod template; hostAliases on request', () => {
    fx.edit('platform/envs/test.yaml', 'mode: dnsConfig', 'mode: resolvConf\n  hostAliases: true');
    const r = renderAt(fx.root, 'test', [JOB]);
    expect(r.diagnostics).toEqual([]);
    expect(r.stream).not.toContain('dnsPolicy');
    expectGolden('dns-resolvconf.yaml', r.stream);
  });

  it('dns.mode: dnsConfig (default) sets dnsPolicy None; the dnsmasq ConfigMap carries the hosts', () => {
    const r = renderAt(fx.root, 'test');
    const fd = r.objects.find((o) => o.name === 'orders-enrich-house' && o.kind === 'FlinkDeployment')!;
    const pod = (fd.object.spec as { podTemplate: { spec: Record<string, unknown> } }).podTemplate.spec;
    expect(pod.dnsPolicy).toBe('None');
    expect(pod.dnsConfig).toEqual({
      nameservers: ['10.20.0.10'],
      searches: ['rent.example'],
      options: [{ name: 'ndots', value: '2' }],
    });
    expect(pod.hostAliases).toBeUndefined();
    expectGolden(
      'dns-dnsmasq.yaml',
      r.objects
        .filter((o) => o.name === 'dnsmasq-hosts')
        .map(toYaml)
        .join(''),
    );
  });

  it('dns.mode: default leaves the cluster DNS alone', () => {
    fx.edit('platform/envs/test.yaml', 'mode: dnsConfig', 'mode: default');
    const r = renderAt(fx.root, 'test', [JOB]);
    expect(r.stream).not.toMatch(/dnsPolicy|dnsConfig|resolv/);
  });
});

describe('render: labels, annotations, Hadoop, the SQL hash', () => {
  it('labels and annotates every object with team, job, owners, commit and the environment’s links', () => {
    const r = renderAt(fx.root, 'prod', ['datasync/kafka-orders-to-paimon']);
    for (const o of r.objects.filter((x) => x.job)) {
      const meta = o.object.metadata as { labels: Record<string, string>; annotations: Record<string, string> };
      expect(meta.labels).toMatchObject({
        'flinkops.io/team': 'datasync',
        'flinkops.io/job': 'kafka-orders-to-paimon',
        'flinkops.io/env': 'prod',
      });
      expect(meta.annotations['flinkops.io/commit']).toBe(COMMIT);
      expect(meta.annotations['flinkops.io/owners']).toContain('@rent/datasync-engineers');
      expect(meta.annotations['flinkops.io/link-flinkUi']).toBe(
        'http://flink.rent.example/flink-datasync/kafka-orders-to-paimon/',
      );
    }
  });

  it('binds each environment to its own Hadoop ConfigMap', () => {
    for (const env of ['test', 'prod']) {
      const r = renderAt(fx.root, env, ['datasync/kafka-orders-to-paimon']);
      const fd = r.objects.find((o) => o.kind === 'FlinkDeployment')!;
      expect(
        (fd.object.spec as { flinkConfiguration: Record<string, string> }).flinkConfiguration[
          'kubernetes.hadoop.conf.config-map.name'
        ],
      ).toBe(`hadoop-config-${env}`);
      const cm = r.objects.find((o) => o.name === `hadoop-config-${env}`)!;
      expect((cm.object.data as Record<string, string>)['core-site.xml']).toContain(`hdfs://${env}-nn`);
    }
  });

  it('a SQL change changes the FlinkDeployment spec (so the operator upgrades the job)', () => {
    const spec = () =>
      JSON.stringify(
        renderAt(fx.root, 'prod', ['datasync/kafka-orders-to-paimon']).objects.find(
          (o) => o.kind === 'FlinkDeployment',
        )!.object.spec,
      );
    const before = spec();
    fx.edit(
      'jobs/datasync/kafka-orders-to-paimon/02-sink.sql',
      'WHERE order_id IS NOT NULL',
      'WHERE order_id IS NOT NULL AND amount > 0',
    );
    expect(spec()).not.toBe(before);
  });

  it('a disabled job renders nothing in that environment', () => {
    fx.edit(
      'jobs/datasync/kafka-orders-to-paimon/job.yaml',
      '  test:\n    parallelism: 1',
      '  test:\n    enabled: false\n    parallelism: 1',
    );
    expect(renderAt(fx.root, 'test', ['datasync/kafka-orders-to-paimon']).objects).toEqual([]);
  });
});
