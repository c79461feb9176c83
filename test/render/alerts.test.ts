import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { RenderedObject } from '../../lib/render/context.js';
import { Fixture, PROJECT } from '../support/fixture.js';
import { renderAt } from './support.js';

/**
 * Alerting as code: PrometheusRule and PodMonitor objects rendered from platform/alerts.yaml and the
 * jobs' overrides, checked against the Prometheus Operator CRDs carried in schemas/prometheus-operator/,
 * the rules checked by the real `promtool check rules` and exercised by `promtool test rules` with
 * synthetic Flink series (names as Flink's PrometheusReporter exports them, Flink
 * docs/content/docs/ops/metrics.md: job scope `flink_jobmanager_job_*`, task scope
 * `flink_taskmanager_job_task_*`, the Kafka source's `KafkaSourceReader.KafkaConsumer.records-lag-max`).
 */

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}
type Spec = { groups: { name: string; rules: Rule[] }[] };

const kindOf = (objects: RenderedObject[], kind: string) => objects.filter((o) => o.kind === kind);
const specOf = (o: RenderedObject) => o.object.spec as Spec;
const ruleOf = (o: RenderedObject, alert: string) => specOf(o).groups[0]!.rules.find((r) => r.alert === alert)!;

function promtool(args: string[], cwd: string) {
  const r = spawnSync('promtool', args, { cwd, encoding: 'utf8' });
  if ((r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT')
    throw new Error(
      'promtool is not installed: these tests need the real Prometheus rule checker (Debian: apt-get install -y prometheus; .ci/run installs it)',
    );
  return r;
}

let prod: ReturnType<typeof renderAt>;
let tmp: string;
beforeAll(() => {
  prod = renderAt(PROJECT, 'prod');
  tmp = mkdtempSync(path.join(tmpdir(), 'flinkops-alerts-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('alerts: what render writes', () => {
  it('renders a PrometheusRule per application-mode job and a PodMonitor per namespace in prod, valid against the CRDs', () => {
    expect(prod.diagnostics).toEqual([]);
    const rules = kindOf(prod.objects, 'PrometheusRule');
    const jobs = new Set(
      kindOf(prod.objects, 'FlinkDeployment')
        .filter((o) => o.job)
        .map((o) => `${o.namespace}/${o.name}-alerts`),
    );
    expect(new Set(rules.filter((o) => o.job).map((o) => `${o.namespace}/${o.name}`))).toEqual(jobs);
    const namespaces = [...new Set(rules.filter((o) => o.job).map((o) => o.namespace))].sort();
    expect(kindOf(prod.objects, 'PodMonitor').map((o) => o.namespace)).toEqual(namespaces);
    expect(rules.filter((o) => !o.job).map((o) => `${o.namespace}/${o.name}`)).toEqual(
      namespaces.map((n) => `${n}/flinkops-savepoints`),
    );
  });

  it('renders none in test, where platform/alerts.yaml switches alerting off', () => {
    const test = renderAt(PROJECT, 'test');
    expect(test.objects.filter((o) => o.apiVersion.startsWith('monitoring.coreos.com/'))).toEqual([]);
    const fd = test.objects.find((o) => o.kind === 'FlinkDeployment' && o.name === 'kafka-orders-to-paimon')!;
    expect(JSON.stringify(fd.object)).not.toContain('flink-metrics');
  });

  it('labels every alert with team, job, environment and the owners.yaml on-call, for Alertmanager routing', () => {
    const o = kindOf(prod.objects, 'PrometheusRule').find((r) => r.name === 'mysql-contracts-to-paimon-alerts')!;
    for (const rule of specOf(o).groups[0]!.rules) {
      expect(rule.labels).toMatchObject({
        team: 'datasync',
        job: 'mysql-contracts-to-paimon',
        environment: 'prod',
        namespace: 'flink-datasync',
        oncall: '@li.na',
        cluster: 'k8s-prod',
      });
      expect(['critical', 'warning']).toContain(rule.labels.severity);
      expect(rule.annotations.grafana).toContain('var-job=mysql-contracts-to-paimon');
    }
    // The CDC job reads MySQL, not Kafka: no lag rule. The Kafka job has one.
    expect(ruleOf(o, 'FlinkKafkaLag')).toBeUndefined();
    const kafka = kindOf(prod.objects, 'PrometheusRule').find((r) => r.name === 'kafka-orders-to-paimon-alerts')!;
    expect(ruleOf(kafka, 'FlinkKafkaLag').expr).toMatch(/records_lag_max\{.*\}\) > 100000$/);
  });

  it('applies per-job overrides (job.yaml envs.prod.alerts) and leaves out checks that cannot apply', () => {
    const metrics = kindOf(prod.objects, 'PrometheusRule').find((r) => r.name === 'rental-metrics-1m-alerts')!;
    expect(ruleOf(metrics, 'FlinkKafkaLag')).toMatchObject({ for: '15m' });
    expect(ruleOf(metrics, 'FlinkKafkaLag').expr).toMatch(/ > 500000$/);
    // A suspended batch job: no "not running", no checkpoint or back-pressure rules, only restarts.
    const batch = kindOf(prod.objects, 'PrometheusRule').find((r) => r.name === 'daily-settlement-alerts')!;
    expect(specOf(batch).groups[0]!.rules.map((r) => r.alert)).toEqual(['FlinkJobRestarting']);
  });

  it('declares the metrics port on the Flink container, where the PodMonitor looks for it', () => {
    // Flink merges the pod template's container ports with its own (Flink docs,
    // docs/content/docs/deployment/resource-providers/native_kubernetes.md, "Pod Template").
    const fd = prod.objects.find((o) => o.kind === 'FlinkDeployment' && o.name === 'kafka-orders-to-paimon')!;
    const container = (fd.object as any).spec.podTemplate.spec.containers[0];
    expect(container.ports).toEqual([{ name: 'flink-metrics', containerPort: 9249, protocol: 'TCP' }]);
    const pm = kindOf(prod.objects, 'PodMonitor').find((o) => o.namespace === 'flink-datasync')!;
    expect((pm.object as any).spec.podMetricsEndpoints[0].port).toBe('flink-metrics');
  });

  describe('with a broken repository', () => {
    let fx: Fixture;
    beforeEach(() => {
      fx = new Fixture();
    });
    afterEach(() => fx.dispose());

    it('reports an object the Prometheus Operator CRD rejects, at the template', () => {
      fx.write(
        'templates/manifests/podmonitor.yaml.hbs',
        `apiVersion: monitoring.coreos.com/v1
kind: PodMonitor
metadata:
  name: {{json name}}
  namespace: {{json namespace}}
spec:
  selector: {{json selector}}
  podMetricsEndpoints: [{ portz: "flink-metrics" }]
`,
      );
      const r = renderAt(fx.root, 'prod');
      const errors = r.diagnostics.filter((d) => d.rule === 'render/schema');
      expect(errors.length).toBeGreaterThan(0);
      expect(errors[0]).toMatchObject({ file: 'templates/manifests/podmonitor.yaml.hbs' });
      expect(errors[0]!.message).toContain('"portz"');
    });

    it('refuses an unknown rule or a bad duration in platform/alerts.yaml with file:line:column', () => {
      fx.edit('platform/alerts.yaml', 'restarts: { max: 2, window: 15m', 'restart: { max: 2, window: 15m');
      fx.edit('platform/alerts.yaml', 'notRunning: { for: 5m', 'notRunning: { for: 5 minutes');
      const d = fx.validate().filter((x) => x.file === 'platform/alerts.yaml');
      expect(d.find((x) => x.rule === 'schema/unknown-key')).toMatchObject({ line: 10, column: 3 });
      expect(d.find((x) => x.rule === 'schema/unknown-key')!.message).toContain('did you mean "restarts"');
      expect(d.find((x) => x.message.includes('notRunning.for'))).toMatchObject({ line: 9, column: 22 });
    });
  });
});

describe('alerts: the real promtool', () => {
  const groupsFile = () => {
    const groups = kindOf(prod.objects, 'PrometheusRule').flatMap((o) => specOf(o).groups);
    const file = path.join(tmp, 'rules.yaml');
    writeFileSync(file, stringify({ groups }));
    return file;
  };

  it('`promtool check rules` accepts every rendered group', () => {
    const r = promtool(['check', 'rules', groupsFile()], tmp);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const count = kindOf(prod.objects, 'PrometheusRule').reduce((n, o) => n + specOf(o).groups[0]!.rules.length, 0);
    expect(r.stdout).toContain(`SUCCESS: ${count} rules found`);
  });

  it('`promtool test rules`: synthetic series fire exactly the alerts they should', () => {
    groupsFile();
    const kafkaJob = kindOf(prod.objects, 'PrometheusRule').find((o) => o.name === 'kafka-orders-to-paimon-alerts')!;
    const metricsJob = kindOf(prod.objects, 'PrometheusRule').find((o) => o.name === 'rental-metrics-1m-alerts')!;
    const job = (ns: string, name: string) => `namespace="${ns}",flinkops_io_job="${name}",job_id="f00d"`;
    const K = job('flink-datasync', 'kafka-orders-to-paimon');
    const M = job('flink-rental', 'rental-metrics-1m');
    const fired = (o: RenderedObject, alert: string, extra: Record<string, string> = {}) => {
      const rule = ruleOf(o, alert);
      return {
        exp_labels: { ...rule.labels, flinkops_io_job: rule.labels.job!, ...extra },
        exp_annotations: rule.annotations,
      };
    };
    const healthy = (sel: string) => [
      { series: `flink_jobmanager_job_uptime{${sel}}`, values: '600000+60000x60' },
      { series: `flink_jobmanager_job_numRestarts{${sel}}`, values: '0x60' },
      { series: `flink_jobmanager_job_numberOfFailedCheckpoints{${sel}}`, values: '0x60' },
      { series: `flink_jobmanager_job_numberOfCompletedCheckpoints{${sel}}`, values: '0+1x60' },
      { series: `flink_jobmanager_job_lastCheckpointDuration{${sel}}`, values: '2000x60' },
      {
        series: `flink_taskmanager_job_task_backPressuredTimeMsPerSecond{${sel},task_name="Source"}`,
        values: '100x60',
      },
      { series: `flink_taskmanager_job_task_busyTimeMsPerSecond{${sel},task_name="Source"}`, values: '300x60' },
      {
        series: `flink_taskmanager_job_task_operator_KafkaSourceReader_KafkaConsumer_records_lag_max{${sel}}`,
        values: '10x60',
      },
    ];
    const none = (at: string, alerts: string[]) =>
      alerts.map((alertname) => ({ eval_time: at, alertname, exp_alerts: [] }));
    const all = specOf(kafkaJob).groups[0]!.rules.map((r) => r.alert);
    expect(all).toEqual([
      'FlinkJobNotRunning',
      'FlinkJobRestarting',
      'FlinkCheckpointFailures',
      'FlinkCheckpointTooOld',
      'FlinkCheckpointSlow',
      'FlinkBackpressure',
      'FlinkTaskBusy',
      'FlinkKafkaLag',
    ]);
    const replace = (series: { series: string; values: string }[], name: string, values: string) =>
      series.map((s) => (s.series.startsWith(`${name}{`) ? { ...s, values } : s));
    const tests = [
      // A healthy job: nothing fires, over a whole hour.
      { interval: '1m', input_series: healthy(K), alert_rule_test: none('59m', all) },
      // Not running: uptime 0 fires after the rule's 5 minutes, not before.
      {
        interval: '1m',
        input_series: replace(healthy(K), 'flink_jobmanager_job_uptime', '0x20'),
        alert_rule_test: [
          { eval_time: '4m', alertname: 'FlinkJobNotRunning', exp_alerts: [] },
          { eval_time: '6m', alertname: 'FlinkJobNotRunning', exp_alerts: [fired(kafkaJob, 'FlinkJobNotRunning')] },
        ],
      },
      // No metrics at all (the JobManager is gone) is "not running" too.
      {
        interval: '1m',
        input_series: [{ series: `flink_jobmanager_job_uptime{${M}}`, values: '600000+60000x60' }],
        alert_rule_test: [
          { eval_time: '6m', alertname: 'FlinkJobNotRunning', exp_alerts: [fired(kafkaJob, 'FlinkJobNotRunning')] },
        ],
      },
      // A restart loop: 1 restart a minute is more than 2 in 15 minutes.
      {
        interval: '1m',
        input_series: replace(healthy(K), 'flink_jobmanager_job_numRestarts', '0+1x30'),
        alert_rule_test: [
          { eval_time: '1m', alertname: 'FlinkJobRestarting', exp_alerts: [] },
          { eval_time: '20m', alertname: 'FlinkJobRestarting', exp_alerts: [fired(kafkaJob, 'FlinkJobRestarting')] },
        ],
      },
      // One failed checkpoint is one too many (max 0).
      {
        interval: '1m',
        input_series: replace(healthy(K), 'flink_jobmanager_job_numberOfFailedCheckpoints', '0x10 1x20'),
        alert_rule_test: [
          { eval_time: '9m', alertname: 'FlinkCheckpointFailures', exp_alerts: [] },
          {
            eval_time: '12m',
            alertname: 'FlinkCheckpointFailures',
            exp_alerts: [fired(kafkaJob, 'FlinkCheckpointFailures')],
          },
        ],
      },
      // Checkpoints stop completing: fires once 30 minutes pass without one.
      {
        interval: '1m',
        input_series: replace(healthy(K), 'flink_jobmanager_job_numberOfCompletedCheckpoints', '0+1x10 10x50'),
        alert_rule_test: [
          { eval_time: '35m', alertname: 'FlinkCheckpointTooOld', exp_alerts: [] },
          {
            eval_time: '45m',
            alertname: 'FlinkCheckpointTooOld',
            exp_alerts: [fired(kafkaJob, 'FlinkCheckpointTooOld')],
          },
        ],
      },
      // Back pressure above 800 ms/s for 15 minutes, on one task.
      {
        interval: '1m',
        input_series: replace(healthy(K), 'flink_taskmanager_job_task_backPressuredTimeMsPerSecond', '900x40'),
        alert_rule_test: [
          { eval_time: '10m', alertname: 'FlinkBackpressure', exp_alerts: [] },
          {
            eval_time: '20m',
            alertname: 'FlinkBackpressure',
            exp_alerts: [fired(kafkaJob, 'FlinkBackpressure', { task_name: 'Source' })],
          },
          ...none('20m', ['FlinkTaskBusy', 'FlinkJobNotRunning']),
        ],
      },
      // Kafka lag of 200,000 records pages the Kafka job (threshold 100,000) but not rental-metrics-1m,
      // whose job.yaml raises its threshold to 500,000; 600,000 pages it after its 15 minutes.
      {
        interval: '1m',
        input_series: [
          ...replace(
            healthy(K),
            'flink_taskmanager_job_task_operator_KafkaSourceReader_KafkaConsumer_records_lag_max',
            '200000x40',
          ),
          ...replace(
            healthy(M),
            'flink_taskmanager_job_task_operator_KafkaSourceReader_KafkaConsumer_records_lag_max',
            '200000x10 600000x30',
          ),
        ],
        alert_rule_test: [
          { eval_time: '12m', alertname: 'FlinkKafkaLag', exp_alerts: [fired(kafkaJob, 'FlinkKafkaLag')] },
          {
            eval_time: '30m',
            alertname: 'FlinkKafkaLag',
            exp_alerts: [fired(kafkaJob, 'FlinkKafkaLag'), fired(metricsJob, 'FlinkKafkaLag')],
          },
        ],
      },
    ];
    // The "no metrics" case names the Kafka job: the absent() of every other job fires too, so
    // compare only the alerts for the Kafka job's group there — promtool tests per alert name over
    // all loaded rules, so that test loads the Kafka job's group alone.
    const kafkaOnly = path.join(tmp, 'kafka-rules.yaml');
    writeFileSync(kafkaOnly, stringify({ groups: specOf(kafkaJob).groups }));
    const both = path.join(tmp, 'two-jobs.yaml');
    writeFileSync(both, stringify({ groups: [...specOf(kafkaJob).groups, ...specOf(metricsJob).groups] }));
    const lagTest = tests.pop()!;
    writeFileSync(
      path.join(tmp, 'kafka.test.yaml'),
      stringify({ rule_files: [kafkaOnly], evaluation_interval: '1m', tests }),
    );
    writeFileSync(
      path.join(tmp, 'lag.test.yaml'),
      stringify({ rule_files: [both], evaluation_interval: '1m', tests: [lagTest] }),
    );
    for (const f of ['kafka.test.yaml', 'lag.test.yaml']) {
      const r = promtool(['test', 'rules', f], tmp);
      expect(r.status, `${f}\n${r.stdout}${r.stderr}`).toBe(0);
      expect(r.stdout).toContain('SUCCESS');
    }
  });

  it('`promtool test rules` fails when an alert that should fire does not (the checker is real)', () => {
    const kafkaJob = kindOf(prod.objects, 'PrometheusRule').find((o) => o.name === 'kafka-orders-to-paimon-alerts')!;
    const file = path.join(tmp, 'kafka-rules.yaml');
    writeFileSync(file, stringify({ groups: specOf(kafkaJob).groups }));
    const sel = 'namespace="flink-datasync",flinkops_io_job="kafka-orders-to-paimon"';
    writeFileSync(
      path.join(tmp, 'wrong.test.yaml'),
      stringify({
        rule_files: [file],
        evaluation_interval: '1m',
        tests: [
          {
            interval: '1m',
            // 700 ms/s of back pressure is under the 800 threshold: claiming it fires must fail.
            input_series: [
              {
                series: `flink_taskmanager_job_task_backPressuredTimeMsPerSecond{${sel},task_name="Sink"}`,
                values: '700x40',
              },
            ],
            alert_rule_test: [
              {
                eval_time: '30m',
                alertname: 'FlinkBackpressure',
                exp_alerts: [{ exp_labels: { ...ruleOf(kafkaJob, 'FlinkBackpressure').labels, task_name: 'Sink' } }],
              },
            ],
          },
        ],
      }),
    );
    const r = promtool(['test', 'rules', 'wrong.test.yaml'], tmp);
    expect(r.status).toBe(1);
    expect(r.stdout + r.stderr).toContain('FlinkBackpressure');
  });
});
