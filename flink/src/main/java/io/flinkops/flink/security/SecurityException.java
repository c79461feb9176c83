package io.flinkops.flink.security;

/**
 * A policy that cannot be enforced on a statement: the statement fails closed. The message names
 * the policy, the table and why.
 */
public final class SecurityException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public SecurityException(String message) {
        super(message);
    }

    public SecurityException(String message, Throwable cause) {
        super(message, cause);
    }
}
