package io.flinkops.flink.standin;

/** Sample rows of a preview request that do not fit their table. */
public final class SampleDataException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    SampleDataException(String message) {
        super(message);
    }
}
