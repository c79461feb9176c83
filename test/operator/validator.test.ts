import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { jarUriProblem, OPERATOR_DEFAULT_ALLOWED_SCHEMES } from '../../lib/resolve/artifacts.js';
import type { RenderedObject } from '../../lib/render/context.js';
import { Fixture, locate, PROJECT } from '../support/fixture.js';
import { renderAt } from '../render/support.js';

/**
 * The Flink Kubernetes Operator's own admission rules, mirrored for what flinkops renders:
 * flink-kubernetes-operator release-1.15.0,
 * flink-kubernetes-operator/src/main/java/org/apache/flink/kubernetes/operator/validation/DefaultValidator.java
 * (line numbers below are of that file). The operator's default configuration adds nothing these
 * rules read (the Helm chart's defaults set no checkpoint directory, rollback or health check), so
 * the effective configuration is the object's own flinkConfiguration.
 */
type Spec = Record<string, any>;

/** DefaultValidator.DEPLOYMENT_NAME_PATTERN (line 79) and validateDeploymentName (137). */
const NAME = /^[a-z]([-a-z\d]{0,43}[a-z\d])?$/;
/** FORBIDDEN_CONF_KEYS (81): kubernetes.namespace, kubernetes.cluster-id, high-availability.cluster-id. */
const FORBIDDEN = ['kubernetes.namespace', 'kubernetes.cluster-id', 'high-availability.cluster-id'];
/** FlinkVersion.isSupported: v1_15 or newer (flink-kubernetes-operator-api …/spec/FlinkVersion.java). */
const SUPPORTED_VERSIONS = /^v(1_(1[5-9]|20)|2_[0-4])$/;

const haEnabled = (conf: Record<string, string>) =>
  ['high-availability.type', 'high-availability'].some((k) => conf[k] && conf[k]!.toUpperCase() !== 'NONE');

/** validateJobSpec (243–299): checkpoint/savepoint directories per upgradeMode, replicas or parallelism. */
function jobSpecProblems(job: Spec, tm: Spec | undefined, conf: Record<string, string>): string[] {
  const out: string[] = [];
  const dir = (k: string, old: string) => (conf[k] ?? conf[old] ?? '').trim();
  if (job.upgradeMode !== 'stateless' && !dir('execution.checkpointing.dir', 'state.checkpoints.dir'))
    out.push('Checkpoint directory must be defined for last-state and savepoint upgrade modes');
  if (!dir('execution.checkpointing.savepoint-dir', 'state.savepoints.dir')) {
    if (job.upgradeMode === 'savepoint') out.push('Job could not be upgraded with savepoint (no savepoint dir)');
    if (job.savepointTriggerNonce != null) out.push('Savepoint could not be manually triggered (no savepoint dir)');
    if ('kubernetes.operator.periodic.savepoint.interval' in conf) out.push('Periodic savepoints need a savepoint dir');
  }
  const tmReplicas = tm?.replicas;
  if (tmReplicas != null && tmReplicas < 1) out.push('TaskManager replicas must be larger than 0');
  if (tmReplicas == null && !(job.parallelism >= 1)) out.push('Job parallelism must be larger than 0');
  return out;
}

/** validateDeployment (100–135) with the parts a flinkops object can trip. */
function deploymentProblems(o: RenderedObject): string[] {
  const spec = (o.object as Spec).spec as Spec;
  const conf: Record<string, string> = spec.flinkConfiguration ?? {};
  const out: string[] = [];
  if (!NAME.test(o.name)) out.push(`invalid FlinkDeployment name ${o.name}`);
  if (!spec.flinkVersion) out.push('Flink Version must be defined.');
  else if (!SUPPORTED_VERSIONS.test(spec.flinkVersion)) out.push(`Flink version ${spec.flinkVersion} is not supported`);
  for (const k of FORBIDDEN) if (k in conf) out.push(`Forbidden Flink config key: ${k}`);
  if (conf['kubernetes.operator.deployment.rollback.enabled'] === 'true' && !haEnabled(conf))
    out.push('HA must be enabled for rollback support.');
  if (
    conf['kubernetes.operator.cluster.health-check.enabled'] === 'true' &&
    conf['kubernetes.operator.jm-deployment-recovery.enabled'] === 'false'
  )
    out.push('Deployment recovery must be enabled for job health check');
  if (spec.ingress && !spec.ingress.template) out.push('Ingress template must be defined'); // validateIngress (179)
  for (const k of Object.keys(spec.logConfiguration ?? {}))
    if (!['log4j-console.properties', 'logback-console.xml'].includes(k)) out.push(`Invalid log config key: ${k}`);
  if (spec.job) out.push(...jobSpecProblems(spec.job, spec.taskManager, conf));
  // validateJmSpec / validateTmSpec (368–446): memory defined, replicas ≥ 1, standby JobManagers need HA.
  if (!spec.jobManager?.resource?.memory) out.push('JobManager resource memory must be defined');
  const jmReplicas = spec.jobManager?.replicas ?? 1;
  if (jmReplicas < 1) out.push('JobManager replicas should not be configured less than one.');
  if (jmReplicas > 1 && !haEnabled(conf))
    out.push('High availability should be enabled when starting standby JobManagers.');
  if (!spec.taskManager?.resource?.memory) out.push('TaskManager resource memory must be defined');
  if (spec.taskManager?.replicas != null && spec.taskManager.replicas < 1)
    out.push('TaskManager replicas should not be configured less than one.');
  if (spec.serviceAccount == null) out.push('spec.serviceAccount must be defined'); // validateServiceAccount (664)
  return out;
}

/** validateSessionJob (540): the job alone (588) and with its cluster (596). */
function sessionJobProblems(o: RenderedObject, all: RenderedObject[], allowed: readonly string[]): string[] {
  const spec = (o.object as Spec).spec as Spec;
  const out: string[] = [];
  if (!NAME.test(spec.deploymentName ?? '')) out.push(`invalid deploymentName ${spec.deploymentName}`);
  if (!spec.job) return [...out, 'The job spec should not be empty'];
  const uri = jarUriProblem(spec.job.jarURI, allowed); // validateSessionJobJarURI (356) → validateJarURI (302)
  if (uri) out.push(uri);
  const cluster = all.find(
    (c) => c.kind === 'FlinkDeployment' && c.namespace === o.namespace && c.name === spec.deploymentName,
  );
  if (!cluster) return [...out, `session cluster ${spec.deploymentName} is not rendered`];
  const cspec = (cluster.object as Spec).spec as Spec;
  if (cspec.job) out.push('Can not submit session job to application cluster'); // validateNotApplicationCluster (626)
  const conf = { ...(cspec.flinkConfiguration ?? {}), ...(spec.flinkConfiguration ?? {}) };
  out.push(...jobSpecProblems(spec.job, undefined, conf));
  return out;
}

describe("the operator's DefaultValidator accepts every rendered FlinkDeployment and FlinkSessionJob", () => {
  for (const env of ['test', 'prod']) {
    it(`in ${env}`, () => {
      const r = renderAt(PROJECT, env);
      expect(r.diagnostics).toEqual([]);
      const deployments = r.objects.filter((o) => o.kind === 'FlinkDeployment');
      const sessionJobs = r.objects.filter((o) => o.kind === 'FlinkSessionJob');
      expect(deployments.length).toBeGreaterThanOrEqual(10);
      expect(sessionJobs.length).toBeGreaterThanOrEqual(1);
      const problems = [
        ...deployments.flatMap((o) => deploymentProblems(o).map((p) => `${o.name}: ${p}`)),
        ...sessionJobs.flatMap((o) => sessionJobProblems(o, r.objects, ['https']).map((p) => `${o.name}: ${p}`)),
      ];
      expect(problems).toEqual([]);
      // The session job's jar is the runner at the environment's artifact location, not a local:// path.
      for (const o of sessionJobs)
        expect((o.object as Spec).spec.job.jarURI).toMatch(
          new RegExp(`^https://artifacts\\.rent\\.example/flinkops/${env}/flinkops-sql-runner-1\\.20\\.4\\.jar$`),
        );
    });
  }

  it('the mirror would catch what the operator refuses (it is not vacuous)', () => {
    const r = renderAt(PROJECT, 'test');
    const fd = r.objects.find((o) => o.kind === 'FlinkDeployment' && (o.object as Spec).spec.job)!;
    const broken = structuredClone(fd);
    const spec = (broken.object as Spec).spec as Spec;
    spec.flinkConfiguration = { 'kubernetes.cluster-id': 'x' };
    spec.job.upgradeMode = 'savepoint';
    expect(deploymentProblems(broken)).toEqual([
      'Forbidden Flink config key: kubernetes.cluster-id',
      'Checkpoint directory must be defined for last-state and savepoint upgrade modes',
      'Job could not be upgraded with savepoint (no savepoint dir)',
    ]);
    const sj = structuredClone(r.objects.find((o) => o.kind === 'FlinkSessionJob')!);
    (sj.object as Spec).spec.job.jarURI = 'local:///opt/flink/usrlib/flinkops-sql-runner-1.20.4.jar';
    expect(sessionJobProblems(sj, r.objects, OPERATOR_DEFAULT_ALLOWED_SCHEMES)).toEqual([
      "jarURI scheme 'local' is not in the operator's allowlist [https]: the operator downloads a session job’s jar itself, so a local:// jar cannot work",
    ]);
  });
});

describe('declared jars: what render delivers passes the same rules', () => {
  let fx: Fixture;
  beforeEach(() => {
    fx = new Fixture();
  });
  afterEach(() => fx.dispose());

  it('a Maven-declared jar job and UDF-jar SQL jobs (application and session mode) are accepted', () => {
    const sql =
      "CREATE TEMPORARY FUNCTION shout AS 'com.rent.udf.Shout';\n" +
      "CREATE TEMPORARY TABLE listings (title STRING) WITH ('connector' = 'kafka', 'topic' = 'rent.listings', 'format' = 'json');\n" +
      "CREATE TEMPORARY TABLE loud (title STRING) WITH ('connector' = 'print');\n" +
      'INSERT INTO loud SELECT shout(title) FROM listings;\n';
    for (const [name, mode] of [
      ['udf-app', ''],
      ['udf-session', 'mode: session\nsession: shared-1-20\n'],
    ] as const) {
      fx.write(
        `jobs/acquisition/${name}/job.yaml`,
        `type: sql\nflinkVersion: "1.20"\nupgradeMode: stateless\n${mode}udfJars:\n  - maven: com.rent.udf:shout-udfs:1.0.0\n`,
      );
      fx.write(`jobs/acquisition/${name}/owners.yaml`, 'owners: ["@wang.lei"]\n');
      fx.write(`jobs/acquisition/${name}/main.sql`, sql);
    }
    const r = renderAt(fx.root, 'test', [
      'acquisition/listing-score',
      'acquisition/udf-app',
      'acquisition/udf-session',
    ]);
    expect(r.diagnostics).toEqual([]); // includes the CRD schema check of every object
    const deployments = r.objects.filter((o) => o.kind === 'FlinkDeployment');
    const sessionJobs = r.objects.filter((o) => o.kind === 'FlinkSessionJob');
    expect(deployments.map((o) => o.name).sort()).toEqual(['listing-score', 'shared-1-20', 'udf-app']);
    expect(sessionJobs.map((o) => o.name)).toEqual(['udf-session']);
    expect([
      ...deployments.flatMap((o) => deploymentProblems(o)),
      ...sessionJobs.flatMap((o) => sessionJobProblems(o, r.objects, ['https'])),
    ]).toEqual([]);
  });
});

describe('jarURI checks of DefaultValidator.validateJarURI (line 302)', () => {
  it.each([
    ['https://artifacts.rent.example/a.jar', undefined],
    ['HTTPS://artifacts.rent.example/a.jar', undefined],
    ['s3://bucket/a.jar', "jarURI scheme 's3' is not in the operator's allowlist [https]"],
    ['/opt/a.jar', 'jarURI "/opt/a.jar" has no scheme'],
    ['https://127.0.0.1/a.jar', "jarURI host '127.0.0.1' is a restricted address (the operator refuses it)"],
    ['https://10.1.2.3/a.jar', "jarURI host '10.1.2.3' is a restricted address (the operator refuses it)"],
    [
      'https://169.254.169.254/a.jar',
      "jarURI host '169.254.169.254' is a restricted address (the operator refuses it)",
    ],
    ['https://[::1]/a.jar', "jarURI host '[::1]' is a restricted address (the operator refuses it)"],
  ])('%s', (uri, expected) => {
    expect(jarUriProblem(uri, OPERATOR_DEFAULT_ALLOWED_SCHEMES)).toBe(expected);
  });
  it('s3 is accepted once the environment allows it, as the operator would with the allowlist extended', () => {
    expect(jarUriProblem('s3://bucket/a.jar', ['https', 's3'])).toBeUndefined();
  });
});

describe('validate: session jobs (job/session-jar-uri)', () => {
  let fx: Fixture;
  beforeEach(() => {
    fx = new Fixture();
  });
  afterEach(() => fx.dispose());
  const ENV = 'platform/envs/test.yaml';

  it('refuses an artifact location whose scheme the operator does not allow, at artifacts.url', () => {
    fx.edit(ENV, 'url: https://artifacts.rent.example/flinkops/test', 'url: hdfs://test-nn/flinkops');
    const ds = fx.validate().filter((d) => d.rule === 'job/session-jar-uri');
    expect(ds.map((d) => [d.file, d.line, d.column, d.severity])).toEqual([
      [
        ENV,
        locate(fx.read(ENV), 'hdfs://test-nn/flinkops').line,
        locate(fx.read(ENV), 'hdfs://test-nn/flinkops').column,
        'error',
      ],
    ]);
    expect(ds[0]!.message).toContain("jarURI scheme 'hdfs' is not in the operator's allowlist [https]");
  });

  it('accepts it when the environment says its operator allows the scheme', () => {
    fx.edit(ENV, 'url: https://artifacts.rent.example/flinkops/test', 'url: hdfs://test-nn/flinkops');
    fx.edit(ENV, 'allowedSchemes: [https]', 'allowedSchemes: [https, hdfs]');
    expect(fx.validate().filter((d) => d.rule === 'job/session-jar-uri')).toEqual([]);
  });

  it('refuses a session job when the environment has no artifact location; render refuses it too', () => {
    fx.edit(ENV, 'artifacts:\n  url: https://artifacts.rent.example/flinkops/test\n', '');
    const ds = fx.validate().filter((d) => d.rule === 'job/session-jar-uri');
    expect(ds).toHaveLength(1);
    expect(ds[0]!.file).toBe('jobs/acquisition/viewings-funnel/job.yaml');
    const r = renderAt(fx.root, 'test');
    expect(r.diagnostics.map((d) => d.rule)).toEqual(['render/session-artifacts']);
    expect(r.objects.filter((o) => o.kind === 'FlinkSessionJob')).toEqual([]);
  });

  it('refuses a session jar job whose jar is local://', () => {
    fx.write(
      'jobs/acquisition/session-jar/job.yaml',
      'type: jar\nmode: session\nsession: shared-1-20\nflinkVersion: "1.20"\nparallelism: 1\nupgradeMode: stateless\njar:\n  uri: local:///opt/flink/usrlib/app.jar\n  entryClass: com.rent.App\n',
    );
    fx.write('jobs/acquisition/session-jar/owners.yaml', fx.read('jobs/acquisition/viewings-funnel/owners.yaml'));
    const ds = fx.validate().filter((d) => d.rule === 'job/session-jar-uri');
    expect(ds.map((d) => [d.file, d.line, d.message])).toEqual([
      [
        'jobs/acquisition/session-jar/job.yaml',
        8,
        "session job in environment \"prod\": jarURI scheme 'local' is not in the operator's allowlist [https]: the operator downloads a session job’s jar itself, so a local:// jar cannot work",
      ],
      [
        'jobs/acquisition/session-jar/job.yaml',
        8,
        "session job in environment \"test\": jarURI scheme 'local' is not in the operator's allowlist [https]: the operator downloads a session job’s jar itself, so a local:// jar cannot work",
      ],
    ]);
  });
});
