package io.flinkops.flink.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

class SqlScriptSplitterTest {

    private static List<String> sqls(String script) {
        return SqlScriptSplitter.split(script).stream().map(s -> s.sql).collect(Collectors.toList());
    }

    @Test
    void splitsOnSemicolonsAndTrims() {
        assertEquals(List.of("SELECT 1", "SELECT 2"), sqls("  SELECT 1;\n\nSELECT 2;  \n"));
    }

    @Test
    void lastStatementWithoutSemicolon() {
        assertEquals(List.of("SELECT 1", "SELECT 2"), sqls("SELECT 1;\nSELECT 2"));
    }

    @Test
    void emptyStatementsAndBlankScripts() {
        assertEquals(List.of(), sqls(""));
        assertEquals(List.of(), sqls(" ;; \n ; "));
        assertEquals(List.of("SELECT 1"), sqls(";;SELECT 1;;"));
    }

    @Test
    void semicolonsInsideQuotesDoNotSplit() {
        assertEquals(
                List.of("SELECT 'a;b', `we;ird`, \"x;y\" FROM t", "SELECT 2"),
                sqls("SELECT 'a;b', `we;ird`, \"x;y\" FROM t; SELECT 2;"));
    }

    @Test
    void escapedQuotes() {
        assertEquals(
                List.of("SELECT 'it''s; fine', `a``;b` FROM t", "SELECT 3"),
                sqls("SELECT 'it''s; fine', `a``;b` FROM t;SELECT 3"));
    }

    @Test
    void lineCommentsAreIgnoredForSplitting() {
        String script = "-- header; with semicolon\nSELECT 1 -- trailing; 'quote\nFROM t;\n-- only a comment;\n";
        assertEquals(List.of("SELECT 1 -- trailing; 'quote\nFROM t"), sqls(script));
    }

    @Test
    void blockCommentsAndHints() {
        String script = "/* leading; comment\n spanning lines */ SELECT /*+ OPTIONS('a'='b;c') */ x FROM t;\n"
                + "/* tail; */";
        assertEquals(List.of("SELECT /*+ OPTIONS('a'='b;c') */ x FROM t"), sqls(script));
    }

    @Test
    void commentMarkersInsideStringsAreText() {
        assertEquals(List.of("SELECT '--not a comment;' , '/* nor; this */'", "SELECT 2"),
                sqls("SELECT '--not a comment;' , '/* nor; this */'; SELECT 2"));
    }

    @Test
    void reportsLineAndColumnOfFirstToken() {
        List<SqlScriptSplitter.Statement> st =
                SqlScriptSplitter.split("-- c\n  SET 'a' = 'b';\n\n/* x */ INSERT INTO s\nSELECT 1;");
        assertEquals(2, st.size());
        assertEquals(2, st.get(0).line);
        assertEquals(3, st.get(0).column);
        assertEquals(4, st.get(1).line);
        assertEquals(9, st.get(1).column);
    }

    @Test
    void beginStatementSetFormIsSplitIntoItsParts() {
        String script = "BEGIN STATEMENT SET;\nINSERT INTO a SELECT * FROM s;\nINSERT INTO b SELECT * FROM s;\nEND;\n";
        assertEquals(List.of("BEGIN STATEMENT SET", "INSERT INTO a SELECT * FROM s",
                "INSERT INTO b SELECT * FROM s", "END"), sqls(script));
        List<SqlStatements.Kind> kinds = sqls(script).stream().map(SqlStatements::kind).collect(Collectors.toList());
        assertEquals(List.of(SqlStatements.Kind.BEGIN_STATEMENT_SET, SqlStatements.Kind.INSERT,
                SqlStatements.Kind.INSERT, SqlStatements.Kind.END), kinds);
    }

    @Test
    void executeStatementSetBlockIsOneStatement() {
        String script = "SET 'x' = 'y';\nEXECUTE STATEMENT SET\nBEGIN\n"
                + "  INSERT INTO a SELECT ';' FROM s; -- one; two\n"
                + "  /* c; */ INSERT INTO b SELECT * FROM s;\n"
                + "END;\nSELECT 1;";
        List<SqlScriptSplitter.Statement> st = SqlScriptSplitter.split(script);
        assertEquals(3, st.size());
        assertEquals("SET 'x' = 'y'", st.get(0).sql);
        assertTrue(st.get(1).sql.startsWith("EXECUTE STATEMENT SET\nBEGIN"));
        assertTrue(st.get(1).sql.endsWith("END"));
        assertEquals(SqlStatements.Kind.EXECUTE_STATEMENT_SET, SqlStatements.kind(st.get(1).sql));
        assertTrue(SqlScriptSplitter.isStatementSetBlock(st.get(1).sql));
        assertEquals("SELECT 1", st.get(2).sql);

        List<SqlScriptSplitter.Statement> body = SqlScriptSplitter.statementSetBody(st.get(1).sql);
        assertEquals(2, body.size());
        assertEquals("INSERT INTO a SELECT ';' FROM s", body.get(0).sql);
        assertEquals("INSERT INTO b SELECT * FROM s", body.get(1).sql);
        assertEquals(3, body.get(0).line); // line within the block text
    }

    @Test
    void executeStatementSetBlockWithoutFinalSemicolon() {
        List<String> st = sqls("execute statement set begin insert into a select 1; end");
        assertEquals(1, st.size());
        assertEquals(1, SqlScriptSplitter.statementSetBody(st.get(0)).size());
    }

    @Test
    void endAsIdentifierPartDoesNotCloseBlock() {
        String script = "EXECUTE STATEMENT SET BEGIN INSERT INTO a SELECT `end` FROM s; INSERT INTO backend SELECT 1; END; SELECT 2;";
        List<String> st = sqls(script);
        assertEquals(2, st.size());
        assertEquals(2, SqlScriptSplitter.statementSetBody(st.get(0)).size());
    }

    @Test
    void unterminatedQuoteSwallowsRest() {
        assertEquals(List.of("SELECT 'abc; SELECT 2;"), sqls("SELECT 'abc; SELECT 2;"));
    }

    @Test
    void classifiesStatements() {
        assertEquals(SqlStatements.Kind.SET, SqlStatements.kind("set 'a'='b'"));
        assertEquals(SqlStatements.Kind.RESET, SqlStatements.kind("RESET 'a'"));
        assertEquals(SqlStatements.Kind.INSERT, SqlStatements.kind("-- x\nINSERT INTO t SELECT 1"));
        assertEquals(SqlStatements.Kind.INSERT, SqlStatements.kind("insert overwrite t select 1"));
        assertEquals(SqlStatements.Kind.QUERY, SqlStatements.kind("WITH a AS (SELECT 1) SELECT * FROM a"));
        assertEquals(SqlStatements.Kind.QUERY, SqlStatements.kind("(SELECT 1) UNION ALL (SELECT 2)"));
        assertEquals(SqlStatements.Kind.USE, SqlStatements.kind("USE CATALOG c"));
        assertEquals(SqlStatements.Kind.DDL, SqlStatements.kind("CREATE TEMPORARY VIEW v AS SELECT 1"));
        assertEquals(SqlStatements.Kind.DDL, SqlStatements.kind("drop table t"));
        assertEquals(SqlStatements.Kind.OTHER, SqlStatements.kind("SHOW TABLES"));
        assertEquals(SqlStatements.Kind.OTHER, SqlStatements.kind("SETTINGS"));
    }

    @Test
    void parsesSetAndReset() {
        SqlStatements.Setting s = SqlStatements.parseSet("SET 'table.exec.state.ttl' = '1 h'");
        assertEquals("table.exec.state.ttl", s.key);
        assertEquals("1 h", s.value);
        s = SqlStatements.parseSet("set pipeline.name=my job");
        assertEquals("pipeline.name", s.key);
        assertEquals("my job", s.value);
        s = SqlStatements.parseSet("SET 'pipeline.name' = 'it''s'");
        assertEquals("it's", s.value);
        s = SqlStatements.parseSet("SET");
        assertNull(s.key);
        assertNull(SqlStatements.parseSet("SET 'a'"));
        assertEquals("a.b", SqlStatements.parseReset("RESET 'a.b'").key);
        assertNull(SqlStatements.parseReset("RESET").key);
        assertNull(SqlStatements.parseReset("RESET a b"));
        assertFalse(SqlScriptSplitter.isStatementSetBlock("BEGIN STATEMENT SET"));
    }
}
