package io.flinkops.flink.security.identity;

/**
 * A source's physical identity cannot be decided from its options (a JDBC URL form the parser does
 * not fully understand, a path on a filesystem chosen by the cluster's configuration, a catalog
 * table whose storage only its metastore knows). Where a policy might bind such a source, the
 * enforcer refuses the statement, naming the policy: security fails closed.
 */
public final class Undecidable extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public Undecidable(String reason) {
        super(reason);
    }
}
