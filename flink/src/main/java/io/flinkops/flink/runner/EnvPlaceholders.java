package io.flinkops.flink.runner;

import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One kind of {@code ${kind:NAME}} placeholder that the runner fills at start from the environment
 * variable {@code <prefix><NAME>} (upper case, other characters as {@code _}). Placeholders stand inside
 * SQL string literals, so quotes in a value are doubled and can never end the literal. Missing
 * variables stop the job before any statement runs, all of them named at once.
 */
final class EnvPlaceholders {
    private final Pattern ref;
    private final String envPrefix;
    private final String missing;
    private final String hint;

    EnvPlaceholders(String kind, String nameRegex, String envPrefix, String missing, String hint) {
        this.ref = Pattern.compile("\\$\\{" + kind + ":(" + nameRegex + ")\\}");
        this.envPrefix = envPrefix;
        this.missing = missing;
        this.hint = hint;
    }

    String envName(String name) {
        return envPrefix + name.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
    }

    String substitute(String script, Map<String, String> env) {
        Matcher m = ref.matcher(script);
        StringBuilder out = new StringBuilder();
        TreeSet<String> absent = new TreeSet<>();
        while (m.find()) {
            String value = env.get(envName(m.group(1)));
            if (value == null) {
                absent.add(envName(m.group(1)));
                value = m.group(0);
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value.replace("'", "''")));
        }
        m.appendTail(out);
        if (!absent.isEmpty()) {
            throw new IllegalStateException(missing + ": " + String.join(", ", absent) + " (" + hint + ")");
        }
        return out.toString();
    }
}
