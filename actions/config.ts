import { resolveJob, type EffectiveJob } from '../lib/resolve/config.js';
import { formatDiagnostics } from '../lib/diagnostics/format/index.js';
import type { Origin } from '../lib/repo/model.js';
import { loadRepo } from '../lib/repo/load.js';
import { requireEnv, selectJob } from '../lib/repo/select.js';
import type { ActionResult } from './result.js';

export interface ConfigOptions {
  repo: string;
  job: string;
  env: string | undefined;
  showOrigin: boolean;
  json: boolean;
}

const KEY_COLUMN = 30;

/** The effective configuration of one job in one environment, optionally with the file:line of every value. */
export function config(options: ConfigOptions): ActionResult {
  const { repo, diagnostics: loadDiagnostics } = loadRepo(options.repo);
  const env = requireEnv(repo, options.env);
  const job = selectJob(repo, options.job);
  const blocking = loadDiagnostics.filter(
    (d) =>
      d.severity === 'error' &&
      (d.job === job.id || d.file.startsWith('platform/') || d.file === `jobs/${job.team}/team.yaml`),
  );
  const { effective, diagnostics } = resolveJob(repo, job, env);
  if (!effective) {
    return { stdout: '', stderr: formatDiagnostics(blocking, 'text'), exitCode: 1 };
  }
  const entries = flatten(effective);
  if (options.json) {
    const out = {
      job: effective.id,
      env,
      config: configObject(effective),
      origins: originsObject(entries),
    };
    return { stdout: `${JSON.stringify(out, null, 2)}\n`, exitCode: 0, ...warn(diagnostics) };
  }
  // Values line up after the short keys; a long flinkConf key does not push every value to the right.
  const width = Math.max(...entries.map(([k]) => k.length).filter((n) => n <= KEY_COLUMN));
  const originText = (o: Origin | undefined) => (o ? (o.line ? `${o.file}:${o.line}` : o.file) : '');
  const originWidth = Math.max(...entries.map(([, , o]) => originText(o).length));
  const lines = entries.map(
    ([k, v, o]) => `${options.showOrigin ? `${originText(o).padEnd(originWidth)}  ` : ''}${k.padEnd(width)}  ${v}`,
  );
  return { stdout: `# ${effective.id} in ${env}\n${lines.join('\n')}\n`, exitCode: 0, ...warn(diagnostics) };
}

function warn(diagnostics: import('../lib/diagnostics/diagnostic.js').Diagnostic[]): { stderr?: string } {
  return diagnostics.length ? { stderr: formatDiagnostics(diagnostics, 'text') } : {};
}

function configObject(e: EffectiveJob): Record<string, unknown> {
  const { origins: _o, version: _v, ...rest } = e;
  return rest;
}

/** [key, value, origin] for every leaf, in a stable order: scalars first, then maps. */
function flatten(e: EffectiveJob): [string, string, Origin | undefined][] {
  const out: [string, string, Origin | undefined][] = [];
  const scalar = (k: string, v: unknown) => v !== undefined && out.push([k, String(v), e.origins[k]]);
  scalar('type', e.type);
  scalar('mode', e.mode);
  if (e.session) scalar('session', e.session);
  scalar('namespace', e.namespace);
  scalar('flinkVersion', e.flinkVersion);
  if (e.version) out.push(['image', e.version.image, e.origins.image]);
  scalar('parallelism', e.parallelism);
  scalar('upgradeMode', e.upgradeMode);
  scalar('state', e.state);
  if (!e.enabled) out.push(['enabled', 'false', undefined]);
  for (const role of ['jobManager', 'taskManager'] as const) {
    for (const [k, v] of Object.entries(e.resources[role]))
      if (v !== undefined) out.push([`resources.${role}.${k}`, String(v), e.origins[`resources.${role}.${k}`]]);
  }
  for (const [k, v] of Object.entries(e.flinkConf)) out.push([`flinkConf.${k}`, v, e.origins[`flinkConf.${k}`]]);
  for (const [k, v] of Object.entries(e.vars)) out.push([`vars.${k}`, v, e.origins[`vars.${k}`]]);
  if (e.owners.length) out.push(['owners', e.owners.join(' '), e.origins.owners]);
  return out;
}

function originsObject(entries: [string, string, Origin | undefined][]): Record<string, string> {
  return Object.fromEntries(
    entries.filter(([, , o]) => o).map(([k, , o]) => [k, o!.line ? `${o!.file}:${o!.line}:${o!.column}` : o!.file]),
  );
}
