import type { Rule } from './rule.js';

export const jobShape: Rule = {
  meta: {
    id: 'job/shape',
    description:
      'A job has what its type and mode need: SQL files for `sql`, `jar` for `jar`, `paimonAction` for `paimon-action`; `mode: session` names a session cluster of platform/sessions.yaml with the same Flink version.',
  },
  check(ctx) {
    const sessions = ctx.repo.platform.sessions?.spec.sessions ?? {};
    for (const job of ctx.jobs) {
      const loaded = job.job;
      if (!loaded?.valid) continue;
      const spec = loaded.spec;
      const y = loaded.yaml;
      const report = (message: string, hint: string, at = y.at(['type'])) =>
        ctx.report({ severity: 'error', message, hint, ...at, job: job.id });
      if (spec.type === 'sql' && job.sql.length === 0)
        report(
          `job "${job.id}" is type sql but has no .sql file`,
          `add ${job.dir}/01-main.sql (files run in name order)`,
        );
      if (spec.type !== 'sql' && job.sql.length > 0)
        report(
          `job "${job.id}" is type ${spec.type} but has .sql files, which would be ignored`,
          'remove the .sql files or use type: sql',
          { file: job.sql[0]!.file, line: 1, column: 1 },
        );
      if (spec.type === 'jar' && !spec.jar)
        report(
          `job "${job.id}" is type jar but has no jar:`,
          'add jar: { maven: com.example:app:1.0.0, entryClass: com.example.Main } (Maven coordinates in the platform’s repository)',
        );
      if (spec.type === 'paimon-action' && !spec.paimonAction)
        report(
          `job "${job.id}" is type paimon-action but has no paimonAction:`,
          'add paimonAction: { action: compact, warehouse: …, database: …, table: … }',
        );
      if (spec.jar && spec.type !== 'jar')
        report('jar: is only used by type: jar', 'remove jar: or change the type', y.at(['jar'], 'key'));
      if (spec.mode === 'session') {
        if (!spec.session)
          report(
            `job "${job.id}" has mode: session but no session:`,
            `name a session cluster: ${Object.keys(sessions).join(', ') || '(platform/sessions.yaml declares none)'}`,
            y.at(['mode']),
          );
        else if (!sessions[spec.session])
          report(
            `session cluster "${spec.session}" is not declared in platform/sessions.yaml`,
            `declared: ${Object.keys(sessions).join(', ') || 'none'}`,
            y.at(['session']),
          );
        else {
          const env = ctx.envs[0];
          const eff = env ? ctx.effective(job, env) : undefined;
          const s = sessions[spec.session]!;
          if (eff?.flinkVersion && eff.flinkVersion !== s.flinkVersion)
            report(
              `job runs Flink ${eff.flinkVersion} but session cluster "${spec.session}" runs ${s.flinkVersion}`,
              `set flinkVersion: "${s.flinkVersion}"`,
              eff.origins.flinkVersion!.line ? eff.origins.flinkVersion! : y.at(['session']),
            );
          if (spec.type === 'paimon-action')
            report('paimon-action jobs run in application mode', 'remove mode: session', y.at(['mode']));
        }
      } else if (spec.session)
        report(
          'session: is only used with mode: session',
          'add mode: session or remove session:',
          y.at(['session'], 'key'),
        );
    }
  },
};
