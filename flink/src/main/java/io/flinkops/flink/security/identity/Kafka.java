package io.flinkops.flink.security.identity;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;

/**
 * Kafka and upsert-kafka: the topics a table reads. 'topic' is read with Flink's own list-option
 * parsing (the connector declares it {@code stringType().asList()}, so quoting and ';' follow
 * Flink's rules), 'topic-pattern' with java.util.regex.Pattern as the Kafka source compiles it.
 * 'properties.bootstrap.servers' in a policy never narrows what it binds (see {@link #matches}).
 */
public final class Kafka implements ConnectorFamily {

    private static final ConfigOption<List<String>> TOPIC =
            ConfigOptions.key("topic").stringType().asList().noDefaultValue();

    @Override
    public boolean reads(String connector) {
        return connector.equals("kafka") || connector.equals("upsert-kafka");
    }

    /** The topics named in 'topic' (Flink's list syntax). */
    static List<String> topics(Map<String, String> options) {
        if (!options.containsKey("topic")) {
            return List.of();
        }
        return Configuration.fromMap(Map.of("topic", options.get("topic"))).getOptional(TOPIC).orElse(List.of());
    }

    /** Does the table read this topic (listed, or matched by its pattern)? An unreadable pattern might match. */
    static boolean readsTopic(Map<String, String> options, String topic) {
        for (String t : topics(options)) {
            if (t.equals(topic)) {
                return true;
            }
        }
        String pattern = options.get("topic-pattern");
        if (pattern == null) {
            return false;
        }
        try {
            return Pattern.compile(pattern).matcher(topic).matches();
        } catch (PatternSyntaxException e) {
            return true;
        }
    }

    @Override
    public boolean matches(Map<String, String> resource, Map<String, String> options) {
        for (Map.Entry<String, String> e : resource.entrySet()) {
            String k = e.getKey();
            if (k.equals("connector")) {
                continue;
            }
            if (k.equals("topic")) {
                if (!readsTopic(options, e.getValue())) {
                    return false;
                }
            } else if (k.equals("properties.bootstrap.servers")) {
                // Never narrows the match: any broker of a cluster bootstraps a client to all of it, and
                // which names reach the same cluster (other brokers, aliases, addresses) is undecidable
                // here, so a policy binds its topic whatever servers a table names.
                continue;
            } else if (!e.getValue().equals(options.get(k))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String describe(Map<String, String> options) {
        List<String> parts = new ArrayList<>(topics(options));
        if (options.containsKey("topic-pattern")) {
            parts.add("/" + options.get("topic-pattern") + "/");
        }
        String servers = options.getOrDefault("properties.bootstrap.servers", "").split(",")[0].trim();
        return "kafka://" + servers + "/" + String.join(",", parts);
    }
}
