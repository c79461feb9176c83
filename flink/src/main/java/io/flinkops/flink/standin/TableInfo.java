package io.flinkops.flink.standin;

import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.api.config.TableConfigOptions;
import org.apache.flink.table.catalog.Column;
import org.apache.flink.table.catalog.ObjectIdentifier;
import org.apache.flink.table.catalog.ResolvedSchema;
import org.apache.flink.table.connector.ChangelogMode;
import org.apache.flink.table.factories.DynamicTableFactory;
import org.apache.flink.table.types.DataType;
import org.apache.flink.table.types.logical.RowType;

/** What the stand-in knows about one table, taken from the planner's factory context. */
final class TableInfo {

    /** Formats that carry a changelog (sources read all changes, sinks write them). */
    static final Set<String> CHANGELOG_FORMATS =
            Set.of("debezium-json", "canal-json", "maxwell-json", "ogg-json", "debezium-avro-confluent");
    /** Sink connectors that only append (unless their format is a changelog format). */
    static final Set<String> APPEND_ONLY_SINKS = Set.of("kafka", "filesystem", "kinesis", "firehose");
    /** Sink connectors that write updates only by primary key (append-only without one). */
    static final Set<String> KEYED_SINKS = Set.of("jdbc", "upsert-kafka", "mongodb");

    /** A metadata column: its name, declared type and whether it is VIRTUAL. */
    static final class Meta {
        final String column;
        final DataType type;
        final boolean virtual;

        Meta(String column, DataType type, boolean virtual) {
            this.column = column;
            this.type = type;
            this.virtual = virtual;
        }
    }

    final ObjectIdentifier id;
    final String displayName;
    final ResolvedSchema schema;
    final DataType physicalType;
    final int[] primaryKey;
    final Map<String, String> options;
    final String connector;
    final String format;
    final String catalogType;
    final ZoneId zone;
    /** metadata key -> column, in declaration order */
    final Map<String, Meta> metadata = new LinkedHashMap<>();

    private TableInfo(StandinContext ctx, DynamicTableFactory.Context c) {
        this.id = c.getObjectIdentifier();
        String previewSink = c.getCatalogTable().getOptions().get(StandinFactory.PREVIEW_SINK_OPTION);
        this.displayName = previewSink != null ? previewSink : ctx.displayName(id);
        this.schema = c.getCatalogTable().getResolvedSchema();
        this.physicalType = c.getPhysicalRowDataType();
        this.primaryKey = c.getPrimaryKeyIndexes();
        this.options = c.getCatalogTable().getOptions();
        String con = lower(options.get("connector"));
        this.connector = StandinFactory.IDENTIFIER.equals(con) ? null : con;
        String f = options.get("format");
        this.format = lower(f != null ? f : options.get("value.format"));
        this.catalogType = ctx.catalogTypes.get(id.getCatalogName());
        this.zone = zone(c.getConfiguration());
        for (Column col : schema.getColumns()) {
            if (col instanceof Column.MetadataColumn) {
                Column.MetadataColumn m = (Column.MetadataColumn) col;
                metadata.putIfAbsent(m.getMetadataKey().orElse(m.getName()),
                        new Meta(m.getName(), m.getDataType(), m.isVirtual()));
            }
        }
    }

    static TableInfo of(StandinContext ctx, DynamicTableFactory.Context c) {
        TableInfo t = new TableInfo(ctx, c);
        if (t.connector == null && !t.options.containsKey("connector")
                && (t.catalogType == null || t.catalogType.startsWith("generic"))) {
            throw new ValidationException(
                    "Table options do not contain an option key 'connector' for discovering a connector"
                            + " (table " + t.id.asSummaryString() + ").");
        }
        return t;
    }

    static ZoneId zone(ReadableConfig config) {
        String tz = config.get(TableConfigOptions.LOCAL_TIME_ZONE);
        return tz == null || tz.equals(TableConfigOptions.LOCAL_TIME_ZONE.defaultValue())
                ? ZoneId.systemDefault()
                : ZoneId.of(tz);
    }

    private static String lower(String s) {
        return s == null ? null : s.trim().toLowerCase(Locale.ROOT);
    }

    String originalConnector() {
        return connector != null ? connector : (catalogType != null ? catalogType : "none");
    }

    boolean hasPrimaryKey() {
        return primaryKey != null && primaryKey.length > 0;
    }

    /** Changelog of the table as a source. */
    ChangelogMode sourceChangelogMode() {
        if ("upsert-kafka".equals(connector)) {
            return ChangelogMode.upsert();
        }
        boolean cdc = connector != null && connector.endsWith("-cdc");
        boolean changelogFormat = format != null && CHANGELOG_FORMATS.contains(format);
        boolean paimonPk = ("paimon".equals(connector) || "paimon".equals(catalogType)) && hasPrimaryKey();
        if (cdc || changelogFormat || paimonPk) {
            return ChangelogMode.all();
        }
        return ChangelogMode.insertOnly();
    }

    /** Changelog the table accepts as a sink. */
    ChangelogMode sinkChangelogMode() {
        boolean changelogFormat = format != null && CHANGELOG_FORMATS.contains(format);
        if (connector != null && APPEND_ONLY_SINKS.contains(connector) && !changelogFormat) {
            return ChangelogMode.insertOnly();
        }
        boolean keyed = connector != null && (KEYED_SINKS.contains(connector)
                || connector.startsWith("elasticsearch") || connector.startsWith("opensearch")
                || connector.startsWith("hbase"));
        if (hasPrimaryKey()) {
            return ChangelogMode.upsert();
        }
        return keyed ? ChangelogMode.insertOnly() : ChangelogMode.all();
    }

    /** Columns that are event-time attributes (have a WATERMARK). */
    Set<String> rowtimeColumns() {
        Set<String> r = new java.util.HashSet<>();
        for (org.apache.flink.table.catalog.WatermarkSpec w : schema.getWatermarkSpecs()) {
            r.add(w.getRowtimeAttribute());
        }
        return r;
    }

    List<String> physicalNames() {
        return new ArrayList<>(((RowType) physicalType.getLogicalType()).getFieldNames());
    }

    /** Column names of a produced/consumed row: physical columns, then the given metadata keys. */
    List<String> rowNames(List<String> metadataKeys) {
        List<String> names = physicalNames();
        for (String k : metadataKeys == null ? Collections.<String>emptyList() : metadataKeys) {
            Meta m = metadata.get(k);
            names.add(m != null ? m.column : k);
        }
        return names;
    }

    Map<String, DataType> metadataTypes(boolean writable) {
        Map<String, DataType> r = new LinkedHashMap<>();
        for (Map.Entry<String, Meta> e : metadata.entrySet()) {
            if (!writable || !e.getValue().virtual) {
                r.put(e.getKey(), e.getValue().type);
            }
        }
        return r;
    }
}
