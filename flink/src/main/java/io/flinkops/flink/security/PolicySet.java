package io.flinkops.flink.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The policies that apply to one job, as flinkops ships them beside the job's SQL (policies.json)
 * and sends them to the helper: {"job": "...", "policies": [{name, at, resource, rowFilter, masks}],
 * "catalogs": [{name, type, options}], "unpoliced": false}. "catalogs" are the platform's catalogs
 * (to resolve {table: catalog.db.table} resources to a warehouse or metastore). Flink's own shaded
 * Jackson reads it, so the runner needs nothing beyond the Flink distribution.
 */
public final class PolicySet {
    public final String job;
    public final List<Policy> policies;
    public final Map<String, CatalogInfo> catalogs;
    /** The policies name this job as an explicit exception for code SQL cannot police (JARs, UDFs). */
    public final boolean unpolicedAllowed;

    public PolicySet(String job, List<Policy> policies, Map<String, CatalogInfo> catalogs, boolean unpolicedAllowed) {
        this.job = job;
        this.policies = Collections.unmodifiableList(new ArrayList<>(policies));
        this.catalogs = Collections.unmodifiableMap(new LinkedHashMap<>(catalogs));
        this.unpolicedAllowed = unpolicedAllowed;
    }

    public static final PolicySet NONE = new PolicySet("", List.of(), Map.of(), false);

    public boolean isEmpty() {
        return policies.isEmpty();
    }

    private static final ObjectMapper MAPPER = new ObjectMapper();

    public static PolicySet read(Path file) throws IOException {
        return parse(new String(Files.readAllBytes(file), StandardCharsets.UTF_8));
    }

    public static PolicySet parse(String json) throws IOException {
        return fromJson(MAPPER.readTree(json));
    }

    /** From a tree of the same shape (the helper's request carries it as "security"). */
    public static PolicySet fromJson(String json) {
        try {
            return parse(json);
        } catch (IOException e) {
            throw new SecurityException("the policies cannot be read: " + e.getMessage(), e);
        }
    }

    private static PolicySet fromJson(JsonNode n) {
        if (n == null || n.isNull() || n.isMissingNode()) {
            return NONE;
        }
        if (!n.isObject()) {
            throw new SecurityException("the policies must be a JSON object");
        }
        List<Policy> policies = new ArrayList<>();
        for (JsonNode p : n.path("policies")) {
            String name = p.path("name").asText("");
            if (name.isEmpty()) {
                throw new SecurityException("a policy without a name");
            }
            policies.add(new Policy(name, p.path("at").asText(""), strings(p.path("resource")),
                    p.hasNonNull("rowFilter") ? p.get("rowFilter").asText() : null, strings(p.path("masks"))));
        }
        Map<String, CatalogInfo> catalogs = new LinkedHashMap<>();
        for (JsonNode c : n.path("catalogs")) {
            String name = c.path("name").asText("");
            catalogs.put(name, new CatalogInfo(name, c.path("type").asText("generic_in_memory"), strings(c.path("options"))));
        }
        return new PolicySet(n.path("job").asText(""), policies, catalogs, n.path("unpoliced").asBoolean(false));
    }

    private static Map<String, String> strings(JsonNode o) {
        Map<String, String> out = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = o.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            out.put(e.getKey(), e.getValue().asText());
        }
        return out;
    }
}
