package io.flinkops.flink.runner;

import java.util.Map;

/**
 * {@code ${secret:NAME}} in the script is replaced, at run time only, by the environment variable
 * {@code FLINKOPS_SECRET_<NAME>} that the pod gets from the Kubernetes Secret (see lib/render/secrets.ts).
 */
final class Secrets {
    private static final EnvPlaceholders SECRET = new EnvPlaceholders("secret", "[A-Za-z0-9_.-]+", "FLINKOPS_SECRET_",
            "Secret environment variables are not set", "the pod template maps them from the Secret flinkops-secrets");

    private Secrets() {}

    static String envName(String name) {
        return SECRET.envName(name);
    }

    static String substitute(String script, Map<String, String> env) {
        return SECRET.substitute(script, env);
    }
}
