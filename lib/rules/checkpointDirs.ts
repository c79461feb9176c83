import type { Rule } from './rule.js';

const CHECKPOINT_DIR = ['execution.checkpointing.dir', 'state.checkpoints.dir'];
const SAVEPOINT_DIR = ['execution.checkpointing.savepoint-dir', 'state.savepoints.dir'];
const HA = ['high-availability.type', 'high-availability'];

export const checkpointDirs: Rule = {
  meta: {
    id: 'job/checkpoint-dirs',
    description:
      'upgradeMode savepoint or last-state needs checkpoint and savepoint directories in the effective configuration; last-state also needs high availability (the operator refuses it otherwise).',
  },
  check(ctx) {
    for (const job of ctx.jobs) {
      for (const env of ctx.envs) {
        const eff = ctx.effective(job, env);
        if (!eff || eff.upgradeMode === 'stateless' || !eff.enabled || eff.type === 'paimon-action') continue;
        const missing: string[] = [];
        if (!CHECKPOINT_DIR.some((k) => eff.flinkConf[k])) missing.push(CHECKPOINT_DIR[0]!);
        if (!SAVEPOINT_DIR.some((k) => eff.flinkConf[k])) missing.push(SAVEPOINT_DIR[0]!);
        if (
          eff.upgradeMode === 'last-state' &&
          eff.mode === 'application' &&
          !HA.some((k) => eff.flinkConf[k] && eff.flinkConf[k] !== 'NONE')
        )
          missing.push(HA[0]!);
        if (!missing.length) continue;
        ctx.report({
          severity: 'error',
          message: `upgradeMode ${eff.upgradeMode} in environment "${env}" needs ${missing.join(', ')}, which the effective configuration does not set`,
          hint: `set them in platform/envs/${env}.yaml flinkConf (e.g. hdfs:///flink/checkpoints/\${team}/\${job}), or use upgradeMode: stateless`,
          ...eff.origins.upgradeMode!,
          ...(eff.origins.upgradeMode!.line === 0 ? { file: job.job!.yaml.file, line: 1, column: 1 } : {}),
          job: job.id,
        });
      }
    }
  },
};
