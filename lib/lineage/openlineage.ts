import type { InsertLineage } from '../security/index.js';

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
  'https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json#/$defs/ColumnLineageDatasetFacet';

export function toRunEvent(jobNamespace: string, jobName: string, lineage: InsertLineage[], runId: string): RunEvent {
  const inputs = new Map<string, Dataset>();
  const outputs = new Map<string, { ds: Dataset; fields: Record<string, { inputFields: unknown[] }> }>();
  for (const l of lineage) {
    for (const i of l.inputs)
      inputs.set(`${i.source.namespace}\0${i.source.name}`, {
        namespace: i.source.namespace,
        name: i.source.name,
        facets: { flinkops_table: facet({ table: i.table }) },
      });
    const k = `${l.sink.source.namespace}\0${l.sink.source.name}`;
    const out = outputs.get(k) ?? { ds: { namespace: l.sink.source.namespace, name: l.sink.source.name }, fields: {} };
    for (const c of l.columns) {
      const f = (out.fields[c.name] ??= { inputFields: [] });
      for (const s of c.sources) {
        f.inputFields.push({
          namespace: s.source.namespace,
          name: s.source.name,
          field: s.column,
          transformations: [{ type: 'DIRECT', subtype: 'TRANSFORMATION', masking: s.masked }],
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
