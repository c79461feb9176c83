import type { Origin } from '../repo/model.js';

/** Column lineage of one INSERT, as Flink's plan gives it (lib/flink/explain.ts): per sink column, its source columns. */
export interface StatementLineage {
  at: Origin;
  sink: string;
  sinkSource: string;
  inputs: { table: string; source: string }[];
  columns: { name: string; sources: { table: string; source: string; column: string }[] }[];
}

/**
 * Lineage as an OpenLineage RunEvent (https://openlineage.io/spec/2-0-2/OpenLineage.json): one
 * event per job, the sinks as `outputs` with the `columnLineage` facet, the sources as `inputs`.
 * Marquez reads it as it is; Atlas through its OpenLineage bridge.
 */
export interface RunEvent {
  eventType: 'COMPLETE';
  eventTime: string;
  producer: string;
  schemaURL: string;
  run: { runId: string };
  job: { namespace: string; name: string };
  inputs: Dataset[];
  outputs: Dataset[];
}

interface Dataset {
  namespace: string;
  name: string;
  facets?: Record<string, unknown>;
}

const PRODUCER = 'https://github.com/flinkops/flinkops';
const COLUMN_LINEAGE =
  'https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json#/$defs/ColumnLineageDatasetFacet'; /** A dataset's OpenLineage namespace and name from its physical identity (`kafka://crm.customers`). */
export function datasetOf(source: string): { namespace: string; name: string } {
  // The last path segment is the dataset (a topic, `db.table`, a file); everything before it, the
  // namespace: `kafka://broker:9092` + `orders`, `paimon:///warehouse` + `ods.contracts`.
  const m = /^([a-z0-9+.-]+:\/\/.*)\/([^/]+)$/i.exec(source);
  return m ? { namespace: m[1]!, name: m[2]! } : { namespace: 'flink', name: source };
}

export function toRunEvent(
  jobNamespace: string,
  jobName: string,
  lineage: StatementLineage[],
  runId: string,
  masked: (table: string, column: string) => boolean,
): RunEvent {
  const inputs = new Map<string, Dataset>();
  const outputs = new Map<string, { ds: Dataset; fields: Record<string, { inputFields: unknown[] }> }>();
  for (const l of lineage) {
    for (const i of l.inputs) {
      const d = datasetOf(i.source);
      inputs.set(`${d.namespace}\0${d.name}`, { ...d, facets: { flinkops_table: facet({ table: i.table }) } });
    }
    const sink = datasetOf(l.sinkSource);
    const k = `${sink.namespace}\0${sink.name}`;
    const out = outputs.get(k) ?? { ds: sink, fields: {} as Record<string, { inputFields: unknown[] }> };
    for (const c of l.columns) {
      const f = (out.fields[c.name] ??= { inputFields: [] });
      for (const s of c.sources) {
        f.inputFields.push({
          ...datasetOf(s.source),
          field: s.column,
          transformations: [{ type: 'DIRECT', subtype: 'TRANSFORMATION', masking: masked(s.table, s.column) }],
        });
      }
    }
    outputs.set(k, out);
  }
  const sorted = <T extends { namespace: string; name: string }>(xs: T[]) =>
    xs.sort((a, b) => (`${a.namespace}\0${a.name}` < `${b.namespace}\0${b.name}` ? -1 : 1));
  return {
    eventType: 'COMPLETE',
    eventTime: '1970-01-01T00:00:00Z',
    producer: PRODUCER,
    schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent',
    run: { runId },
    job: { namespace: jobNamespace, name: jobName },
    inputs: sorted([...inputs.values()]),
    outputs: sorted(
      [...outputs.values()].map(({ ds, fields }) => ({
        ...ds,
        facets: { columnLineage: { _producer: PRODUCER, _schemaURL: COLUMN_LINEAGE, fields } },
      })),
    ),
  };
}

function facet(body: Record<string, unknown>): Record<string, unknown> {
  return { _producer: PRODUCER, _schemaURL: `${PRODUCER}/schemas/flinkops-table-facet.json`, ...body };
}
