package io.flinkops.flink.runner;

import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ${secret:NAME}} in the script is replaced, at run time only, by the environment variable
 * {@code FLINKOPS_SECRET_<NAME>} that the pod gets from the Kubernetes Secret (see lib/render/secrets.ts).
 * A missing variable stops the job before any statement runs, naming every missing one.
 */
final class Secrets {
    private static final Pattern REF = Pattern.compile("\\$\\{secret:([A-Za-z0-9_.-]+)\\}");

    private Secrets() {}

    static String envName(String name) {
        return "FLINKOPS_SECRET_" + name.toUpperCase(java.util.Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
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
            // Inside SQL string literals: double the quotes so a value can never end the literal.
            m.appendReplacement(out, Matcher.quoteReplacement(value.replace("'", "''")));
        }
        m.appendTail(out);
        if (!missing.isEmpty()) {
            throw new IllegalStateException("Secret environment variables are not set: " + String.join(", ", missing)
                    + " (the pod template maps them from the Secret flinkops-secrets)");
        }
        return out.toString();
    }
}
