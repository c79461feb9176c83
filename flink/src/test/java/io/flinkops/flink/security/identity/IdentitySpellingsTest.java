package io.flinkops.flink.security.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Spellings of one server / one folder, as the drivers and file systems read them (MySQL Connector/J
 * ConnectionUrlParser + ConnectionUrl#fixHostInfo, pgjdbc Driver#parseURL, Flink FileSystem): each
 * must normalise to the same identity, and forms the readers do not understand must be undecidable.
 * The end-to-end proof (real Flink, preview) is test/security/attacks-review.test.ts.
 */
class IdentitySpellingsTest {

    private static JdbcUrls.Endpoint url(String u) {
        return JdbcUrls.parse(u);
    }

    @Test
    void mysqlSpellingsOfOneServer() {
        for (String u : List.of("jdbc:mysql://crm-db/crm", "jdbc:mysql://CRM-DB.:3306/crm?useSSL=false",
                "jdbc:mysql://u:p@crm-db/crm", "jdbc:mysql://address=(host=crm-db)(port=3306)/crm",
                "jdbc:mysql://(host=Crm-Db,port=3306,user=x)/crm", "jdbc:mysql://[other,crm-db:3306]/crm",
                "jdbc:mysql://other:3307,crm-db/crm", "jdbc:mysql:loadbalance://crm-db/crm",
                "jdbc:mysql:///crm?host=crm-db", "jdbc:mariadb://crm%2Ddb/crm", "jdbc:mysql://crm-db:03306/crm")) {
            JdbcUrls.Endpoint e = url(u);
            assertTrue(JdbcUrls.shareServer(e.servers, Set.of("crm-db:3306")), u + " -> " + e.servers);
            assertTrue(e.databases.contains("crm"), u + " -> " + e.databases);
        }
        assertEquals(Set.of("crm", "public"), url("jdbc:mysql://crm-db/public?dbname=crm").databases);
        assertFalse(JdbcUrls.shareServer(url("jdbc:mysql://crm-db:3307/crm").servers, Set.of("crm-db:3306")));
        assertEquals(Set.of("localhost:3306"), url("jdbc:mysql:///crm").servers);
    }

    @Test
    void postgresqlSpellingsOfOneServer() {
        for (String u : List.of("jdbc:postgresql://pg-db/sales", "jdbc:postgresql://a:5433,PG-DB:5432/sales",
                "jdbc:postgresql:sales?host=pg-db", "jdbc:postgresql://pg-db/?dbname=sales",
                "jdbc:postgresql://x/y?PGHOST=pg-db&PGDBNAME=sales")) {
            JdbcUrls.Endpoint e = url(u);
            assertTrue(JdbcUrls.shareServer(e.servers, Set.of("pg-db:5432")), u + " -> " + e.servers);
            assertTrue(e.databases.contains("sales"), u + " -> " + e.databases);
        }
    }

    @Test
    void otherDrivers() {
        assertEquals(Set.of("db1:1433", "db2:1433"),
                url("jdbc:sqlserver://db1;serverName=db2;databaseName=crm").servers);
        assertEquals(Set.of("db1:*"), url("jdbc:sqlserver://db1\\inst;databaseName=crm").servers);
        assertEquals(Set.of("ora:1521"), url("jdbc:oracle:thin:@//ora:1521/svc").servers);
        assertEquals(Set.of("sample"), url("jdbc:db2://db2:50000/SAMPLE:currentSchema=crm;").databases);
        assertEquals(Set.of("ora:1522"), url("jdbc:oracle:thin:u/p@ora:1522:sid").servers);
        assertEquals(Set.of("a:1521", "b:1521"),
                url("jdbc:oracle:thin:@(DESCRIPTION=(ADDRESS=(HOST=a)(PORT=1521))(ADDRESS=(HOST=b)(PORT=1521)))").servers);
    }

    @Test
    void formsTheReadersDoNotUnderstandAreUndecidable() {
        for (String u : List.of("jdbc:mysql+srv://_mysql._tcp.crm/crm", "jdbc:mysql://crm-db/crm?dnsSrv=true",
                "jdbc:mysql://x/crm?propertiesTransform=a.B", "jdbc:postgresql://x/y?service=s",
                "jdbc:mysql://crm db/crm", "jdbc:mysql://crm-db:x/crm", "jdbc:oracle:thin:@tnsalias",
                "jdbc:derby:memory:x", "jdbc:mysql://address=(host=crm-db)junk/crm", "jdbc:mysql://(host=a/crm")) {
            assertThrows(Undecidable.class, () -> url(u), u);
        }
    }

    @Test
    void pathsOfOneFolder() {
        Filesystem.Location folder = Filesystem.parse("hdfs://test-nn/paimon/warehouse/ods.db/rent_contracts");
        for (String p : List.of("/paimon/warehouse/ods.db/rent_contracts",
                "hdfs://test-nn:8020/paimon/warehouse/ods.db/rent_contracts/",
                "hdfs://TEST-NN/paimon/warehouse/./ods.db//tmp/../rent_contracts", "hdfs:///paimon/warehouse/ods.db/rent_contracts",
                "webhdfs://test-nn:9870/paimon/warehouse/ods.db/rent_contracts", "hdfs://lake-ha/paimon",
                "hdfs://test-nn/paimon/warehouse/ods.db/rent_contracts/bucket-0/data-1.parquet")) {
            assertTrue(folder.overlaps(Filesystem.parse(p)), p);
        }
        for (String p : List.of("file:///paimon/warehouse/ods.db/rent_contracts", "s3://paimon/warehouse/ods.db/rent_contracts",
                "hdfs://test-nn/paimon/warehouse/ods.db/rent_contracts_v2")) {
            assertFalse(folder.overlaps(Filesystem.parse(p)), p);
        }
        assertThrows(Undecidable.class, () -> Filesystem.parse("viewfs://c/x"));
        assertThrows(Undecidable.class, () -> Filesystem.parse("hdfs://nn/.reserved/.inodes/16386"));
        assertTrue(Filesystem.parse("abfss://c@acct.dfs.core.windows.net/x")
                .overlaps(Filesystem.parse("wasbs://c@acct.blob.core.windows.net/x/y")));
        assertTrue(Filesystem.parse("s3a://lake/pii//a/").overlaps(Filesystem.parse("s3://lake/pii")));
    }

    @Test
    void aJdbcCatalogTableIsItsDatabaseTable() {
        io.flinkops.flink.security.CatalogInfo crm = new io.flinkops.flink.security.CatalogInfo("crm_cat", "jdbc",
                Map.of("base-url", "jdbc:mysql://crm-db:3306/", "default-database", "crm"));
        io.flinkops.flink.security.Policy p = new io.flinkops.flink.security.Policy("accounts", "",
                Map.of("table", "crm_cat.crm.accounts"), null, Map.of("phone", "MASK"));
        Map<String, io.flinkops.flink.security.CatalogInfo> platform = Map.of("crm_cat", crm);
        assertTrue(Sources.binds(p, platform, null, "default_catalog", "default_database", "acc",
                Map.of("connector", "jdbc", "url", "jdbc:mysql://u@CRM-DB./crm", "table-name", "accounts")));
        assertFalse(Sources.binds(p, platform, null, "default_catalog", "default_database", "acc",
                Map.of("connector", "jdbc", "url", "jdbc:mysql://crm-db/crm", "table-name", "orders")));
    }

    @Test
    void aPaimonTableIsItsFolder() {
        io.flinkops.flink.security.CatalogInfo paimon = new io.flinkops.flink.security.CatalogInfo("dw", "paimon",
                Map.of("warehouse", "hdfs://nn/wh/"));
        assertEquals("hdfs:///wh/ods.db/t", CatalogTables.storage(paimon, "ods", "t").toString());
        io.flinkops.flink.security.CatalogInfo hive = new io.flinkops.flink.security.CatalogInfo("h", "hive",
                Map.of("hive-conf-dir", "/etc/hive"));
        assertThrows(Undecidable.class, () -> CatalogTables.storage(hive, "ods", "t"));
    }
}
