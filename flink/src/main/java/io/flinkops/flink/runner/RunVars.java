package io.flinkops.flink.runner;

import java.util.Map;

/**
 * {@code ${run:NAME}} in the script is a run variable (job.yaml {@code runVars}): replaced at start by
 * the environment variable {@code FLINKOPS_RUN_<NAME>}, which Flink gives the JobManager from the
 * configuration key {@code containerized.master.env.FLINKOPS_RUN_<NAME>} (Git renders the default,
 * {@code flinkops action run --var NAME=VALUE} sets a run's value; see lib/vars/runVars.ts). Run
 * variables stand inside string literals only (validation checks it).
 */
final class RunVars {
    private static final EnvPlaceholders RUN = new EnvPlaceholders("run", "[A-Za-z_][A-Za-z0-9_]*", "FLINKOPS_RUN_",
            "Run variables are not set", "flinkops renders them as containerized.master.env.* in the FlinkDeployment");

    private RunVars() {}

    static String envName(String name) {
        return RUN.envName(name);
    }

    static String substitute(String script, Map<String, String> env) {
        return RUN.substitute(script, env);
    }
}
