package io.flinkops.flink.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class SecretsTest {
    @Test
    void substitutesFromTheEnvironmentAndQuotes() {
        String sql = "CREATE TABLE t (a INT) WITH ('password' = '${secret:MYSQL_CDC_PASSWORD}', 'x' = '${secret:kafka.jaas}')";
        String out = Secrets.substitute(sql, Map.of("FLINKOPS_SECRET_MYSQL_CDC_PASSWORD", "p'w", "FLINKOPS_SECRET_KAFKA_JAAS", "j"));
        assertEquals("CREATE TABLE t (a INT) WITH ('password' = 'p''w', 'x' = 'j')", out);
    }

    @Test
    void namesEveryMissingVariable() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Secrets.substitute("'${secret:A}' '${secret:b-c}'", Map.of()));
        assertTrue(e.getMessage().contains("FLINKOPS_SECRET_A, FLINKOPS_SECRET_B_C"), e.getMessage());
    }

    @Test
    void leavesOtherPlaceholdersAlone() {
        assertEquals("SELECT '${x}'", Secrets.substitute("SELECT '${x}'", Map.of()));
    }
}
