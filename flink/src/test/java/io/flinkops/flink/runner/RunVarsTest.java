package io.flinkops.flink.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class RunVarsTest {
    @Test
    void substitutesFromTheEnvironmentAndQuotes() {
        String sql = "INSERT INTO t SELECT * FROM s WHERE dt = '${run:biz_date}' AND c = '${run:city}'";
        String out = RunVars.substitute(sql, Map.of("FLINKOPS_RUN_BIZ_DATE", "2024-06-30", "FLINKOPS_RUN_CITY", "x' OR '1'='1"));
        assertEquals("INSERT INTO t SELECT * FROM s WHERE dt = '2024-06-30' AND c = 'x'' OR ''1''=''1'", out);
    }

    @Test
    void namesEveryMissingVariable() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> RunVars.substitute("'${run:a}' '${run:b_c}'", Map.of()));
        assertTrue(e.getMessage().contains("FLINKOPS_RUN_A, FLINKOPS_RUN_B_C"), e.getMessage());
    }

    @Test
    void leavesSecretsAndVariablesAlone() {
        assertEquals("SELECT '${x}', '${secret:Y}'", RunVars.substitute("SELECT '${x}', '${secret:Y}'", Map.of()));
    }
}
