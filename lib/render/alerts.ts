import type { EffectiveJob } from '../resolve/config.js';
import type { AlertRuleName, AlertRuleSpec, AlertsSpec, PlatformAlertsSpec } from '../repo/model.js';
import { emit, once, type RenderContext } from './context.js';
import { jobAnnotations, jobLabels, type ResolvedJob } from './job.js';
import { ANNOTATION, LABEL, sortKeys } from './labels.js';
import type { PodParts } from './podTemplate.js';

/**
 * Alerting as code: per application-mode job a PrometheusRule (Prometheus Operator) with the checks
 * of platform/alerts.yaml, and per namespace a PodMonitor that scrapes the Flink Prometheus reporter.
 * Metric names are those Flink's PrometheusReporter exports: `flink_<scope>_<metric>`, scope
 * `jobmanager_job` for job metrics and `taskmanager_job_task[_operator]` for task and operator ones
 * (Flink docs/content/docs/ops/metrics.md; reporter: flink-metrics-prometheus).
 */

/** Pod labels the PodMonitor copies onto every series (`flinkops.io/job` → `flinkops_io_job`). */
const TARGET_LABELS = [LABEL.team, LABEL.job, LABEL.env];
const JOB_LABEL = 'flinkops_io_job';
export const METRICS_PORT_NAME = 'flink-metrics';
const PROM_REPORTER_PORT = 'metrics.reporter.prom.port';
const PROM_REPORTER_FACTORY = 'metrics.reporter.prom.factory.class';

export const RULE_NAMES: AlertRuleName[] = [
  'notRunning',
  'restarts',
  'checkpointFailures',
  'checkpointAge',
  'checkpointDuration',
  'backpressure',
  'busy',
  'kafkaLag',
  'savepointFailures',
];

/** The effective alerting of a job in an environment: the four levels merged rule by rule, key by key. */
export interface JobAlerting {
  enabled: boolean;
  labels: Record<string, string>;
  rules: Record<AlertRuleName, AlertRuleSpec>;
}

const BUILT_IN: Record<AlertRuleName, AlertRuleSpec> = {
  notRunning: { for: '5m', severity: 'critical' },
  restarts: { max: 2, window: '15m', severity: 'critical' },
  checkpointFailures: { max: 0, window: '15m', severity: 'warning' },
  checkpointAge: { maxAge: '30m', severity: 'critical' },
  checkpointDuration: { max: '10m', for: '15m', severity: 'warning' },
  backpressure: { maxMsPerSecond: 800, for: '15m', severity: 'warning' },
  busy: { maxMsPerSecond: 950, for: '15m', severity: 'warning' },
  kafkaLag: { maxRecords: 100000, for: '10m', severity: 'warning' },
  savepointFailures: { for: '0m', severity: 'warning' },
};

/** Whether the environment renders alerting objects at all (platform/alerts.yaml exists and is enabled there). */
export function platformAlerting(ctx: RenderContext): PlatformAlertsSpec | undefined {
  const file = ctx.repo.platform.alerts;
  if (!file?.valid) return undefined;
  const spec = file.spec;
  const env = spec.envs?.[ctx.env];
  if ((env?.enabled ?? spec.enabled ?? true) === false) return undefined;
  return spec;
}

export function jobAlerting(platform: PlatformAlertsSpec, env: string, job: AlertsSpec[] = []): JobAlerting {
  const levels: (AlertsSpec | undefined)[] = [platform, platform.envs?.[env], ...job];
  const rules = Object.fromEntries(RULE_NAMES.map((n) => [n, { ...BUILT_IN[n] }])) as JobAlerting['rules'];
  let enabled = true;
  let labels: Record<string, string> = {};
  for (const l of levels) {
    if (!l) continue;
    if (l !== platform && l.enabled !== undefined) enabled = l.enabled;
    labels = { ...labels, ...l.labels };
    for (const n of RULE_NAMES) if (l.rules?.[n]) rules[n] = { ...rules[n], ...l.rules[n] };
  }
  return { enabled, labels, rules };
}

/** A Prometheus duration (`90s`, `15m`, `1h`) in milliseconds. */
export function durationMs(d: string): number {
  const m = /^(\d+)(ms|s|m|h|d|w)$/.exec(d);
  if (!m) throw new Error(`not a Prometheus duration: ${d}`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[m[2]!]!;
  return Number(m[1]) * unit;
}

/** The port the job's Prometheus reporter listens on, or undefined when the job has no reporter. */
export function metricsPort(e: EffectiveJob): number | undefined {
  if (!e.flinkConf[PROM_REPORTER_FACTORY]) return undefined;
  const m = /^(\d+)/.exec(e.flinkConf[PROM_REPORTER_PORT] ?? '9249');
  return m ? Number(m[1]) : undefined;
}

/**
 * Declares the metrics port on the Flink container, so the PodMonitor's `portNumber` finds it (the
 * operator's pods declare only Flink's own ports).
 */
export function addMetricsPort(ctx: RenderContext, e: EffectiveJob, parts: PodParts): void {
  if (!platformAlerting(ctx)) return;
  const port = metricsPort(e);
  if (port === undefined) return;
  parts.ports.push({ name: METRICS_PORT_NAME, containerPort: port, protocol: 'TCP' });
}

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** The job's PrometheusRule, and its namespace's PodMonitor and savepoint rule (once per namespace). */
export function addJobAlerts(ctx: RenderContext, r: ResolvedJob): void {
  const platform = platformAlerting(ctx);
  if (!platform) return;
  const { e } = r;
  const spec = r.job.job?.spec;
  const a = jobAlerting(
    platform,
    ctx.env,
    [spec?.alerts, spec?.envs?.[ctx.env]?.alerts].filter(Boolean) as AlertsSpec[],
  );
  if (!a.enabled) return;
  const port = metricsPort(e);
  if (port === undefined) {
    ctx.diagnostics.push({
      severity: 'warning',
      rule: 'render/alerts',
      message: `${e.id} has no Prometheus reporter (${PROM_REPORTER_FACTORY}), so no alert rule can watch it`,
      hint: 'set metrics.reporter.prom.factory.class in platform/flink-conf.yaml, or alerts.enabled: false in the job',
      ...(e.origins.type ?? { file: `${r.job.dir}/job.yaml`, line: 1, column: 1 }),
      job: e.id,
    });
    return;
  }
  const namespace = e.namespace;
  addNamespaceMonitoring(ctx, platform, namespace, e.team);

  const owners = e.onCall.length ? e.onCall : e.owners;
  const labels = sortKeys({
    ...a.labels,
    team: e.team,
    job: e.name,
    environment: ctx.env,
    namespace,
    oncall: owners.join(','),
  });
  const links = ctx.links.render({ namespace, team: e.team, job: e.name, env: ctx.env });
  const linkAnnotations = Object.fromEntries(
    Object.entries(links).map(([k, v]) => [k.slice(ANNOTATION.link('').length), v]),
  );
  // The job's rules differ only in severity (labels) and their summary and description (annotations).
  const bySeverity = new Map<string, Record<string, string>>();
  const common = { ...linkAnnotations, owners: e.owners.join(', '), source: `jobs/${e.team}/${e.name}` };
  const rules = jobRules(e, r.script, a.rules).map((rule): Rule => {
    const severity = a.rules[ruleKey(rule.alert)]!.severity ?? 'warning';
    let ruleLabels = bySeverity.get(severity);
    if (!ruleLabels) bySeverity.set(severity, (ruleLabels = sortKeys({ ...labels, severity })));
    return { ...rule, labels: ruleLabels, annotations: sortKeys({ ...rule.annotations, ...common }) };
  });
  if (!rules.length) return;
  emit(
    ctx,
    'prometheusrule.yaml.hbs',
    {
      name: `${e.name}-alerts`,
      namespace,
      labels: sortKeys({ ...platform.selectorLabels, ...jobLabels(ctx, e) }),
      annotations: jobAnnotations(ctx, e, namespace),
      groups: [{ name: `flinkops.${e.team}.${e.name}`, rules }],
    },
    { apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', name: `${e.name}-alerts`, namespace },
    e.id,
  );
}

const ALERT: Record<AlertRuleName, string> = {
  notRunning: 'FlinkJobNotRunning',
  restarts: 'FlinkJobRestarting',
  checkpointFailures: 'FlinkCheckpointFailures',
  checkpointAge: 'FlinkCheckpointTooOld',
  checkpointDuration: 'FlinkCheckpointSlow',
  backpressure: 'FlinkBackpressure',
  busy: 'FlinkTaskBusy',
  kafkaLag: 'FlinkKafkaLag',
  savepointFailures: 'FlinkSavepointFailed',
};

function ruleKey(alert: string): AlertRuleName {
  return RULE_NAMES.find((n) => ALERT[n] === alert)!;
}

/** A Kafka source in the job's SQL: the connector reports `records-lag-max` for it. */
const KAFKA_SOURCE = /'connector'\s*=\s*'(upsert-)?kafka'/i;

/** The checks that apply to this job, as rules without their common labels. */
export function jobRules(
  e: EffectiveJob,
  script: string | undefined,
  rules: Record<AlertRuleName, AlertRuleSpec>,
): Omit<Rule, 'labels'>[] {
  const sel = `namespace="${e.namespace}",${JOB_LABEL}="${e.name}"`;
  const by = `namespace, ${JOB_LABEL}`;
  const batch = (e.flinkConf['execution.runtime-mode'] ?? '').toLowerCase() === 'batch';
  const checkpointing = !batch && !!e.flinkConf['execution.checkpointing.interval'];
  const kafka = script !== undefined ? KAFKA_SOURCE.test(script) : rules.kafkaLag.enabled === true;
  const on = (n: AlertRuleName, applies: boolean) => applies && rules[n].enabled !== false;
  const out: Omit<Rule, 'labels'>[] = [];
  const add = (n: AlertRuleName, expr: string, forValue: string | undefined, summary: string, description: string) =>
    out.push({
      alert: ALERT[n],
      expr,
      ...(forValue && forValue !== '0m' && forValue !== '0s' ? { for: forValue } : {}),
      annotations: { summary, description },
    });
  const r = rules;
  if (on('notRunning', e.state === 'running' && !batch))
    add(
      'notRunning',
      `max by (${by}) (flink_jobmanager_job_uptime{${sel}}) <= 0 or absent(flink_jobmanager_job_uptime{${sel}})`,
      r.notRunning.for,
      `${e.id} is not running`,
      `Flink reports no uptime for ${e.id} in ${e.env} for ${r.notRunning.for}: the job is not RUNNING or its JobManager is gone.`,
    );
  if (on('restarts', true))
    add(
      'restarts',
      `max by (${by}) (increase(flink_jobmanager_job_numRestarts{${sel}}[${r.restarts.window}])) > ${r.restarts.max}`,
      undefined,
      `${e.id} is restarting`,
      `${e.id} restarted more than ${r.restarts.max} times in ${r.restarts.window}.`,
    );
  if (on('checkpointFailures', checkpointing))
    add(
      'checkpointFailures',
      `max by (${by}) (increase(flink_jobmanager_job_numberOfFailedCheckpoints{${sel}}[${r.checkpointFailures.window}])) > ${r.checkpointFailures.max}`,
      undefined,
      `${e.id}: checkpoints fail`,
      `More than ${r.checkpointFailures.max} checkpoints of ${e.id} failed in ${r.checkpointFailures.window}.`,
    );
  if (on('checkpointAge', checkpointing)) {
    const age = r.checkpointAge.maxAge!;
    add(
      'checkpointAge',
      `max by (${by}) (increase(flink_jobmanager_job_numberOfCompletedCheckpoints{${sel}}[${age}])) == 0 and on (${by}) max by (${by}) (flink_jobmanager_job_uptime{${sel}}) > ${durationMs(age)}`,
      undefined,
      `${e.id}: no checkpoint for ${age}`,
      `No checkpoint of ${e.id} completed in the last ${age}: a failure now would replay at least that much input.`,
    );
  }
  if (on('checkpointDuration', checkpointing))
    add(
      'checkpointDuration',
      `max by (${by}) (flink_jobmanager_job_lastCheckpointDuration{${sel}}) > ${durationMs(String(r.checkpointDuration.max))}`,
      r.checkpointDuration.for,
      `${e.id}: checkpoints are slow`,
      `The last checkpoint of ${e.id} took longer than ${r.checkpointDuration.max}.`,
    );
  if (on('backpressure', !batch))
    add(
      'backpressure',
      `max by (${by}, task_name) (flink_taskmanager_job_task_backPressuredTimeMsPerSecond{${sel}}) > ${r.backpressure.maxMsPerSecond}`,
      r.backpressure.for,
      `${e.id} is back-pressured`,
      `A task of ${e.id} is back-pressured more than ${r.backpressure.maxMsPerSecond} ms per second: a downstream operator or the sink cannot keep up.`,
    );
  if (on('busy', !batch))
    add(
      'busy',
      `max by (${by}, task_name) (flink_taskmanager_job_task_busyTimeMsPerSecond{${sel}}) > ${r.busy.maxMsPerSecond}`,
      r.busy.for,
      `${e.id}: a task is saturated`,
      `A task of ${e.id} is busy more than ${r.busy.maxMsPerSecond} ms per second: it needs more parallelism or resources.`,
    );
  if (on('kafkaLag', kafka && !batch))
    add(
      'kafkaLag',
      `max by (${by}) (flink_taskmanager_job_task_operator_KafkaSourceReader_KafkaConsumer_records_lag_max{${sel}}) > ${r.kafkaLag.maxRecords}`,
      r.kafkaLag.for,
      `${e.id} lags behind Kafka`,
      `A Kafka source of ${e.id} is more than ${r.kafkaLag.maxRecords} records behind the topic.`,
    );
  return out;
}

/**
 * Once per namespace: the PodMonitor that scrapes every flinkops pod's Flink reporter, and the
 * savepoint rule, which reads the Flink Kubernetes Operator's per-namespace snapshot metrics.
 */
function addNamespaceMonitoring(
  ctx: RenderContext,
  platform: PlatformAlertsSpec,
  namespace: string,
  team: string,
): void {
  const name = 'flinkops-flink-metrics';
  once(ctx, 'PodMonitor', namespace, name, () => namespaceMonitoring(ctx, platform, namespace, team, name));
}

function namespaceMonitoring(
  ctx: RenderContext,
  platform: PlatformAlertsSpec,
  namespace: string,
  team: string,
  name: string,
): void {
  const labels = sortKeys({ ...platform.selectorLabels, [LABEL.managedBy]: 'flinkops', [LABEL.env]: ctx.env });
  const annotations = { [ANNOTATION.source]: 'platform/alerts.yaml' };
  emit(
    ctx,
    'podmonitor.yaml.hbs',
    {
      name,
      namespace,
      labels,
      annotations,
      selector: { matchExpressions: [{ key: LABEL.job, operator: 'Exists' }], matchLabels: { [LABEL.env]: ctx.env } },
      podTargetLabels: TARGET_LABELS,
      endpoints: [{ port: METRICS_PORT_NAME, path: '/metrics', interval: '30s' }],
    },
    { apiVersion: 'monitoring.coreos.com/v1', kind: 'PodMonitor', name, namespace },
  );
  const a = jobAlerting(platform, ctx.env);
  const s = a.rules.savepointFailures;
  if (s.enabled === false) return;
  const teamSpec = ctx.repo.teams.get(team)?.team?.spec;
  const rule: Rule = {
    alert: ALERT.savepointFailures,
    expr: `max by (resourcens) (delta(flink_k8soperator_namespace_Savepoint_State_FAILED_Count{resourcens="${namespace}"}[15m])) > 0`,
    ...(s.for && s.for !== '0m' && s.for !== '0s' ? { for: s.for } : {}),
    labels: sortKeys({
      ...a.labels,
      team,
      environment: ctx.env,
      namespace,
      oncall: (teamSpec?.owners ?? []).join(','),
      severity: s.severity ?? 'warning',
    }),
    annotations: {
      summary: `a savepoint failed in ${namespace}`,
      description: `The Flink Kubernetes Operator reports a FAILED savepoint in ${namespace} (${ctx.env}); \`kubectl -n ${namespace} get flinkstatesnapshots\` shows which.`,
    },
  };
  emit(
    ctx,
    'prometheusrule.yaml.hbs',
    {
      name: 'flinkops-savepoints',
      namespace,
      labels,
      annotations,
      groups: [{ name: `flinkops.${namespace}.savepoints`, rules: [rule] }],
    },
    { apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', name: 'flinkops-savepoints', namespace },
  );
}
