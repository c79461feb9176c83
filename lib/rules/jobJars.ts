import {
  imageLocalJars,
  isJarConfKey,
  jarFileName,
  isPlaceholder,
  jarConfSet,
  sqlJarPaths,
} from '../resolve/artifacts.js';
import type { Rule } from './rule.js';

const JAR_DOOR_HINT =
  "remove it and declare the job's jars in job.yaml (jar: for a jar job, udfJars: for UDFs), by Maven coordinates preferably: render delivers them and validate checks them";

const FILL_IN =
  'the Maven coordinates of the jar as published to the platform’s Maven repository, group:artifact:version';

/**
 * Every jar a job runs is declared, and declared where the cluster can get it: a `type: jar` job's
 * jar by Maven coordinates (delivered from the environment's Maven repository) or by a URI that
 * exists — a `local://` one only if the job's image carries it; no flinkConf lists jars beside them.
 */
export const jobJar: Rule = {
  meta: {
    id: 'job/jar',
    description:
      "A jar job names its jar by `jar.maven` (Maven coordinates, from the environment's `maven` repository) or `jar.uri` — one of the two; a `local://` jar must be one the job's image carries (platform/versions.yaml `usrlib`, connectors, the runner); `udfJars` entries likewise, on SQL jobs only, no two fetched under one file name; no flinkConf `pipeline.jars`, `pipeline.classpaths` or `user.artifacts.artifact-list`/`base-dir` adds or moves jars behind them.",
  },
  check(ctx) {
    for (const job of ctx.jobs) {
      const loaded = job.job;
      if (!loaded?.valid) continue;
      const { spec, yaml } = loaded;
      const report = (message: string, hint: string, at: { file: string; line: number; column: number }) =>
        ctx.report({ severity: 'error', message, hint, ...at, job: job.id });
      if (spec.type === 'jar' && spec.jar) {
        const { uri, maven } = spec.jar;
        if (uri === undefined && maven === undefined)
          report(
            `job "${job.id}" names no jar: jar: has neither maven nor uri`,
            `add jar.maven: ${FILL_IN}`,
            yaml.at(['jar'], 'key'),
          );
        else if (uri !== undefined && maven !== undefined)
          report(
            'jar: names both maven and uri; which one runs?',
            'keep jar.maven (render delivers it) and remove jar.uri',
            yaml.at(['jar', 'uri'], 'key'),
          );
        else if (maven !== undefined && isPlaceholder(maven))
          report(
            `jar.maven "${maven}" is the scaffold's placeholder, not a published jar`,
            `fill in ${FILL_IN}`,
            yaml.at(['jar', 'maven']),
          );
        if (maven !== undefined && uri === undefined) mavenRepoPresent(['jar', 'maven']);
        if (uri?.startsWith('local://')) {
          for (const env of ctx.envs) {
            const eff = ctx.effective(job, env);
            if (!eff?.enabled || !eff.version || eff.mode === 'session') continue; // session: job/session-jar-uri
            const carried = imageLocalJars(eff.version);
            if (carried.has(uri)) continue;
            report(
              `no image provides ${uri}: the Flink ${eff.flinkVersion} image (${eff.version.image}) does not carry it`,
              `declare the jar by Maven coordinates (jar.maven: group:artifact:version) so render has Flink download it, or add it to the image (versions."${eff.flinkVersion}".usrlib in platform/versions.yaml)`,
              yaml.at(['jar', 'uri']),
            );
            break;
          }
        }
      }
      jarConfDoors(job);
      const fileNames = new Map<string, number>();
      (spec.udfJars ?? []).forEach((u, i) => {
        // Flink fetches the artifact list into one folder by file name (ArtifactFetchManager).
        if (u.maven !== undefined || u.uri !== undefined) {
          const name = jarFileName(u);
          const first = fileNames.get(name);
          if (first === undefined) fileNames.set(name, i);
          else
            report(
              `udfJars[${i}] and udfJars[${first}] are both fetched as ${name} into one folder: one of them would be lost`,
              'keep one of the two, or publish one under another name',
              yaml.at(['udfJars', i, u.maven !== undefined ? 'maven' : 'uri']),
            );
        }
        if (spec.type !== 'sql') {
          report(
            'udfJars: are only used by type: sql',
            'remove udfJars: or change the type',
            yaml.at(['udfJars'], 'key'),
          );
          return;
        }
        if (u.maven === undefined && u.uri === undefined)
          report(
            `udfJars[${i}] names no jar`,
            `write - maven: group:artifact:version, or - uri: hdfs://…/udf.jar`,
            yaml.at(['udfJars', i]),
          );
        else if (u.maven !== undefined && u.uri !== undefined)
          report(
            `udfJars[${i}] names both maven and uri`,
            'keep one of the two',
            yaml.at(['udfJars', i, 'uri'], 'key'),
          );
        else if (u.maven !== undefined) {
          if (isPlaceholder(u.maven))
            report(
              `udfJars[${i}].maven "${u.maven}" is a placeholder`,
              `fill in ${FILL_IN}`,
              yaml.at(['udfJars', i, 'maven']),
            );
          mavenRepoPresent(['udfJars', i, 'maven']);
        }
      });

      /** flinkConf that would put jars on the classpath (or move them) behind job.yaml's back; once per place it is set. */
      function jarConfDoors(j: typeof job): void {
        const seen = new Set<string>();
        for (const env of ctx.envs) {
          const eff = ctx.effective(j, env);
          if (!eff?.enabled) continue;
          for (const key of Object.keys(eff.flinkConf).filter(isJarConfKey)) {
            const at = eff.origins[`flinkConf.${key}`];
            if (!at || seen.has(`${at.file}:${at.line}:${at.column}`)) continue;
            seen.add(`${at.file}:${at.line}:${at.column}`);
            report(
              `flinkConf "${key}" puts jars on the job's classpath (or moves them) that job.yaml does not declare`,
              JAR_DOOR_HINT,
              at,
            );
          }
        }
      }

      function mavenRepoPresent(path: (string | number)[]): void {
        for (const env of ctx.envs) {
          const eff = ctx.effective(job, env);
          if (!eff?.enabled) continue;
          if (ctx.repo.platform.envs.get(env)?.spec.maven) continue;
          report(
            `the jar is declared by Maven coordinates, but platform/envs/${env}.yaml names no Maven repository`,
            `add maven: { url: https://…/repository/maven-releases } to platform/envs/${env}.yaml`,
            yaml.at(path),
          );
        }
      }
    }
  },
};

/** A jar the SQL loads itself (`ADD JAR`, `CREATE FUNCTION … USING JAR`) is one of the job's udfJars. */
export const sqlJar: Rule = {
  meta: {
    id: 'sql/jar',
    description:
      "Every `ADD JAR '…'` and `CREATE FUNCTION … USING JAR '…'` path is the `uri` of one of the job's `udfJars` (so it is delivered, and preview and deep validation load it); Flink reads such a path through its filesystems, so an http(s) jar is named in udfJars only, without USING JAR. No `SET` of `pipeline.jars`, `pipeline.classpaths` or `user.artifacts.*` lists or moves jars behind udfJars' back.",
  },
  check(ctx) {
    for (const { job, env, file } of ctx.sqlFiles()) {
      const eff = ctx.effective(job, env);
      const declared = new Set((eff?.udfJars ?? []).flatMap((u) => (u.uri ? [u.uri] : [])));
      for (const s of file.statements) {
        const set = s.kind === 'set' ? jarConfSet(s.text) : undefined;
        if (set)
          ctx.report({
            severity: 'error',
            message: `SET '${set.key}' puts jars on the job's classpath (or moves them) that job.yaml does not declare`,
            hint: JAR_DOOR_HINT,
            ...file.origin(s.start + set.offset),
            job: job.id,
          });
        for (const p of sqlJarPaths(s.text)) {
          const at = file.origin(s.start + p.offset);
          if (!declared.has(p.path))
            ctx.report({
              severity: 'error',
              message: `${p.how} '${p.path}' is not declared in the job's udfJars`,
              hint:
                'declare the jar in job.yaml udfJars (preferably by Maven coordinates: - maven: group:artifact:version) and drop the ' +
                `${p.how}: declared jars are on the job's classpath, so CREATE FUNCTION f AS 'com.example.F' finds the class`,
              ...at,
              job: job.id,
            });
          else if (/^https?:/i.test(p.path))
            ctx.report({
              severity: 'error',
              message: `${p.how} '${p.path}': Flink reads ${p.how} paths through its filesystems, which have no http(s)`,
              hint: `drop the ${p.how}: the udfJars entry already puts the jar on the job's classpath`,
              ...at,
              job: job.id,
            });
        }
      }
    }
  },
};
