package io.flinkops.flink.security;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** One data-security policy that applies to the job: which source it binds, its row filter, its masks. */
public final class Policy {
    public final String name;
    /** Where the policy is written (file:line:column), for messages. */
    public final String at;
    /** The resource: connector options ({connector: kafka, topic: x}) or {table: catalog.db.table}. */
    public final Map<String, String> resource;
    /** A Flink SQL boolean expression over the table's physical columns, or null. */
    public final String rowFilter;
    /** Column name → mask (MASK, MASK_SHOW_LAST_4, …, "CUSTOM: expr over {col}"). */
    public final Map<String, String> masks;

    public Policy(String name, String at, Map<String, String> resource, String rowFilter, Map<String, String> masks) {
        this.name = name;
        this.at = at;
        this.resource = Collections.unmodifiableMap(new LinkedHashMap<>(resource));
        this.rowFilter = rowFilter == null || rowFilter.trim().isEmpty() ? null : rowFilter;
        this.masks = Collections.unmodifiableMap(new LinkedHashMap<>(masks));
    }

    @Override
    public String toString() {
        return "policy \"" + name + "\"" + (at == null || at.isEmpty() ? "" : " (" + at + ")");
    }
}
