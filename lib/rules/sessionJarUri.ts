import { allowedSchemes, deliveredJar, jarUriProblem, mavenUrl, sessionRunnerJarURI } from '../resolve/artifacts.js';
import type { Rule } from './rule.js';

export const sessionJarUri: Rule = {
  meta: {
    id: 'job/session-jar-uri',
    description:
      "A session job's jar is downloaded by the operator: its URI (the SQL runner at the environment's artifacts.url, or a jar job's jar.uri or jar.maven in the environment's Maven repository) must use a scheme of the operator's allowlist (operator.allowedSchemes, default https) and, for http(s), a host that is not a local address. The http(s) udfJars the runner fetches inside the session cluster are held to the same checks.",
  },
  check(ctx) {
    for (const job of ctx.jobs) {
      for (const env of ctx.envs) {
        const eff = ctx.effective(job, env);
        if (!eff?.enabled || eff.mode !== 'session') continue;
        const envFile = ctx.repo.platform.envs.get(env)!;
        const spec = envFile.spec;
        const allowed = allowedSchemes(spec);
        const where = `in environment "${env}"`;
        if (eff.type === 'sql') {
          if (!eff.version) continue;
          const uri = sessionRunnerJarURI(spec, eff.version.flink);
          if (!uri) {
            ctx.report({
              severity: 'error',
              message: `session job ${where}: platform/envs/${env}.yaml names no artifacts.url, where the operator would download the SQL runner from`,
              hint: `set artifacts.url: https://…/flinkops/${env} (CI's runner:publish uploads the runner there)`,
              ...job.job!.yaml.at(['mode']),
              job: job.id,
            });
            continue;
          }
          const problem = jarUriProblem(uri, allowed);
          if (problem)
            ctx.report({
              severity: 'error',
              message: `session job ${where}: ${problem}`,
              hint: `point artifacts.url at an ${allowed.join('/')} location, or extend operator.allowedSchemes as the operator is configured`,
              ...envFile.yaml.at(['artifacts', 'url']),
              job: job.id,
            });
          // The runner fetches http(s) udfJars itself, inside the shared cluster, where the operator's checks
          // never see them (UdfJars.local); filesystem URIs go to Flink's ADD JAR as they are.
          (eff.udfJars ?? []).forEach((u, i) => {
            const jar = deliveredJar(spec, u).uri;
            if (jar === undefined || !/^https?:/i.test(jar)) return;
            const udfProblem = jarUriProblem(jar, allowed);
            if (udfProblem)
              ctx.report({
                severity: 'error',
                message: `session job ${where}: the runner fetches udfJars[${i}] inside the session cluster: ${udfProblem.replace(/^jarURI/, 'its URI')}`,
                hint: `declare the jar by Maven coordinates from an ${allowed.join('/')} repository, or on a Flink filesystem (hdfs://, s3://)`,
                ...(u.maven !== undefined
                  ? job.job!.yaml.at(['udfJars', i, 'maven'])
                  : job.job!.yaml.at(['udfJars', i, 'uri'])),
                job: job.id,
              });
          });
        } else if (eff.type === 'jar' && eff.jar) {
          const uri = eff.jar.uri ?? (eff.jar.maven && spec.maven ? mavenUrl(spec.maven, eff.jar.maven) : undefined);
          if (uri === undefined) continue; // job/jar
          const problem = jarUriProblem(uri, allowed);
          if (problem)
            ctx.report({
              severity: 'error',
              message: `session job ${where}: ${problem}`,
              hint: `declare the jar by Maven coordinates (jar.maven) from an https repository, or publish it to the environment's artifact location (${spec.artifacts?.url ?? 'artifacts.url'}) and point jar.uri there`,
              ...job.job!.yaml.at(['jar', eff.jar.uri !== undefined ? 'uri' : 'maven']),
              job: job.id,
            });
        }
      }
    }
  },
};
