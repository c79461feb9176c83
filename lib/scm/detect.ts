import { github } from './github/index.js';
import { gitlab } from './gitlab/index.js';
import { scmPlatform } from './platform.js';
import { type GitHost, type HostDefinition, ScmError, type ScmPlatform } from './types.js';

/** The Git hosts flinkops knows, in the order they are recognised: a new host is a folder and a line here. */
export const HOSTS: readonly HostDefinition[] = [gitlab, github];

/**
 * The one host detection: the Git host of the running CI job, from its standard variables, connected
 * to the project (not yet to a merge request). `why` ends the message when no host is found.
 */
export function detectHost(
  env: NodeJS.ProcessEnv = process.env,
  why = '',
): { definition: HostDefinition; git: GitHost } {
  const definition = HOSTS.find((h) => h.detects(env));
  if (!definition)
    throw new ScmError(
      `no Git host found: set the ${HOSTS.map((h) => `${h.label} (${h.variables.join(', ')})`).join(' or ')} variables${why}`,
    );
  const missing = definition.variables.filter((k) => !env[k]);
  if (missing.length) throw new ScmError(`${definition.label}: ${missing.join(', ')} not set (${definition.setup})`);
  return { definition, git: definition.connect(env) };
}

/** The host bound to the merge request / pull request this pipeline runs for (plan --comment). */
export function platformFromEnv(env: NodeJS.ProcessEnv = process.env): ScmPlatform {
  const { definition, git } = detectHost(env);
  return scmPlatform(git.forMergeRequest(definition.pipelineMergeRequest(env)));
}
