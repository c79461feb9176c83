package io.flinkops.flink.runner;

import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ${run:NAME}} in the script is a run variable (job.yaml {@code runVars}): replaced at start by
 * the environment variable {@code FLINKOPS_RUN_<NAME>}, which Flink gives the JobManager from the
 * configuration key {@code containerized.master.env.FLINKOPS_RUN_<NAME>} (Git renders the default,
 * {@code flinkops action run --var NAME=VALUE} sets a run's value; see lib/vars/runVars.ts). Run
 * variables stand inside string literals only (validation checks it): quotes are doubled so a value
 * never ends its literal. A missing variable stops the job before any statement runs.
 */
final class RunVars {
    private static final Pattern REF = Pattern.compile("\\$\\{run:([A-Za-z_][A-Za-z0-9_]*)\\}");

    private RunVars() {}

    static String envName(String name) {
        return "FLINKOPS_RUN_" + name.toUpperCase(java.util.Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
    }

    static String substitute(String script, Map<String, String> env) {
        Matcher m = REF.matcher(script);
        StringBuilder out = new StringBuilder();
        TreeSet<String> missing = new TreeSet<>();
        while (m.find()) {
            String value = env.get(envName(m.group(1)));
            if (value == null) {
                missing.add(envName(m.group(1)));
                value = m.group(0);
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value.replace("'", "''")));
        }
        m.appendTail(out);
        if (!missing.isEmpty()) {
            throw new IllegalStateException("Run variables are not set: " + String.join(", ", missing)
                    + " (flinkops renders them as containerized.master.env.* in the FlinkDeployment)");
        }
        return out.toString();
    }
}
