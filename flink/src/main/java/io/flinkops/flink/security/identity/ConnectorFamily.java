package io.flinkops.flink.security.identity;

import java.util.Map;

/**
 * How one family of connectors names the physical thing a table reads. A policy's resource binds a
 * table of the family when every key of the resource (besides "connector") names what the table's
 * resolved options read — lists, patterns, URL spellings and paths normalised the way the
 * connector itself reads them.
 */
public interface ConnectorFamily {

    /** Does this family read tables of this connector ('kafka', 'jdbc', 'mysql-cdc', …)? */
    boolean reads(String connector);

    /** Does {@code resource} name (part of) what a table with these options reads? */
    boolean matches(Map<String, String> resource, Map<String, String> options);

    /** The physical identity of a table with these options, for messages and explain. */
    String describe(Map<String, String> options);
}
